/* The Apprentice's Kitchen, embed page: tell the page that frames this one how
 * tall it is, so that page can fit the iframe to it (static/js/embed-host.js
 * does that). Message: {type: "kitchen:height", height: <CSS px>, id: <widget>}.
 * Sent on load, after every htmx swap and whenever the content changes size.
 * Nothing is read from the parent page. */
(function () {
  "use strict";
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
