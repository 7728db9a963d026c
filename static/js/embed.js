/* The Apprentice's Kitchen, embed page: tell the page that frames this one how
 * tall it is, so that page can fit the iframe to it (static/js/embed-host.js
 * does that). Message: {type: "kitchen:height", height: <CSS px>, id: <widget>}.
 * Sent on load, after every htmx swap and whenever the content changes size.
 * Nothing is read from the parent page. It also answers without a form submit,
 * so a widget works in a sandboxed iframe (below). */
(function () {
  "use strict";

  /* In <iframe sandbox="allow-scripts"> (how WordPress frames a site it does not know)
   * the browser refuses to submit forms. The widget's answers do not need a form
   * submit: htmx (or the widget's own script) fetches them on the form's submit
   * event. So a press of a submit button, or Enter in a field, fires that event
   * without submitting (htmx remembers which button was pressed, as for a real
   * submit); framed or not, the widget answers the same way. If no script takes the
   * event, the form is submitted as usual. */
  function widgetForm(el) {
    var form = el && el.closest ? el.closest(".widget form") : null;
    return form && window.htmx ? form : null;
  }

  function submitByScript(form, button) {
    var event = new Event("submit", { bubbles: true, cancelable: true });
    form.dispatchEvent(event);
    if (!event.defaultPrevented) {
      if (form.requestSubmit) form.requestSubmit(button || undefined);
      else form.submit();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button");
    if (!button || button.type !== "submit" || event.defaultPrevented || button.disabled) return;
    var form = widgetForm(button);
    if (!form || button.form !== form) return;
    event.preventDefault();
    submitByScript(form, button);
  });

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.defaultPrevented || !field || field.tagName !== "INPUT") return;
    if (/^(button|submit|checkbox|radio|range|file|reset|image)$/.test(field.type)) return;
    var form = widgetForm(field);
    if (!form) return;
    event.preventDefault();
    submitByScript(form, null);
  });

  if (window.parent === window) return;
  var last = 0;
  var pending = false;

  function measure() {
    var body = document.body;
    var style = window.getComputedStyle(body);
    var rect = body.getBoundingClientRect();
    return Math.ceil(rect.height + parseFloat(style.marginTop || 0) + parseFloat(style.marginBottom || 0));
  }

  function report() {
    pending = false;
    if (!document.body) return;
    var height = measure();
    if (height === last || height <= 0) return;
    last = height;
    var main = document.querySelector("[data-embed]");
    window.parent.postMessage({ type: "kitchen:height", height: height, id: main ? main.dataset.embed : "" }, "*");
  }

  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(report);
  }

  function start() {
    report();
    if (window.ResizeObserver) new ResizeObserver(soon).observe(document.body);
    document.body.addEventListener("htmx:afterSwap", soon);
    window.addEventListener("load", soon);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
