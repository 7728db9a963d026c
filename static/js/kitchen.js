/* The Apprentice's Kitchen: small progressive enhancements, no framework.
 * Everything works without this file; with it:
 *  - a dial's number box appears and follows the dial (and the other way round),
 *  - "next table" buttons bump a seed,
 *  - each thread post gets a working copy button,
 *  - the language switch carries the widget state the address bar holds now
 *    (htmx keeps the address up to date as dials move),
 *  - focus stays on the control the reader was using when its answer arrives,
 *  - what the reader opened (<details>) stays open when a widget is swapped.
 */
(function () {
  "use strict";

  function enhanceDials(root) {
    root.querySelectorAll("input[type=range][data-pair]").forEach(function (range) {
      if (range.dataset.enhanced) return;
      var number = document.getElementById(range.dataset.pair);
      var shown = document.getElementById(range.dataset.show);
      if (!number) return;
      range.dataset.enhanced = "1";
      number.name = range.name;
      range.removeAttribute("name");
      number.hidden = false;
      if (shown) shown.hidden = true;
      range.addEventListener("input", function () { number.value = range.value; });
      number.addEventListener("input", function () {
        if (number.value !== "" && !isNaN(Number(number.value))) range.value = number.value;
      });
    });
  }

  function enhanceBumps(root) {
    root.querySelectorAll("button[data-bump]").forEach(function (button) {
      if (button.dataset.enhanced) return;
      var input = document.getElementById(button.dataset.bump);
      if (!input) return;
      button.dataset.enhanced = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var value = parseInt(input.value, 10);
        input.value = isNaN(value) ? 1 : value + 1;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  }

  // a post as it is shared: its text, each link followed by its full address
  function postText(item) {
    var copy = item.cloneNode(true);
    copy.querySelectorAll("button").forEach(function (b) { b.remove(); });
    copy.querySelectorAll("a[href]").forEach(function (a) {
      a.replaceWith(document.createTextNode(a.textContent + " " + a.href));
    });
    return copy.innerText.trim();
  }

  function enhanceCopy(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.enhanced) return;
      var item = document.getElementById(button.dataset.copy);
      if (!item) return;
      button.dataset.enhanced = "1";
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener("click", function () {
        var text = postText(item);
        var done = function () {
          button.textContent = button.dataset.copied || label;
          setTimeout(function () { button.textContent = label; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { selectText(item); });
        } else {
          selectText(item);
        }
      });
    });
  }

  function selectText(item) {
    var range = document.createRange();
    range.selectNodeContents(item);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function syncLanguageSwitch() {
    document.querySelectorAll("a.lang-switch").forEach(function (a) {
      var url = new URL(a.getAttribute("href"), location.href);
      url.search = location.search;
      a.setAttribute("href", url.pathname + url.search);
    });
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a.lang-switch")) syncLanguageSwitch();
  }, true);
  document.addEventListener("htmx:replacedInHistory", syncLanguageSwitch);
  document.addEventListener("htmx:pushedIntoHistory", syncLanguageSwitch);

  /* The keyboard keeps its place. htmx puts focus back on the element with the
   * same id when a swap replaces the focused control; this also covers the case
   * where focus fell to the page while the answer was on its way, so a reader
   * pressing Enter on "pick" or an arrow on a dial never has to find their
   * place again. When the answer no longer has that control (the last pick of a
   * pair, say), the keyboard lands in the part it was in: on the element there
   * marked data-lands-focus, else on the part itself. */
  var focusedId = null;
  var focusedPart = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
    var part = active && active.parentElement ? active.parentElement.closest("[id]") : null;
    focusedPart = focusedId && part ? part.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!focusedId) return;
    var active = document.activeElement;
    if (active && active !== document.body) return;
    var again = document.getElementById(focusedId);
    if (!again && focusedPart) {
      var part = document.getElementById(focusedPart);
      again = part && (part.querySelector("[data-lands-focus]") || part);
      if (again && !again.hasAttribute("tabindex") && again.tabIndex < 0) again.setAttribute("tabindex", "-1");
    }
    if (again && typeof again.focus === "function") again.focus({ preventScroll: true });
  });

  /* An answer that replaces a whole widget keeps what the reader had opened: each
   * <details> open before the swap (known by its class and its place among those
   * of the same class) is open again after it. */
  var openDetails = null;
  function detailsKeys(root) {
    var seen = {};
    return Array.prototype.map.call(root.querySelectorAll("details"), function (d) {
      var kind = d.className || "";
      seen[kind] = (seen[kind] || 0) + 1;
      return { el: d, key: kind + "#" + seen[kind] };
    });
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    openDetails = null;
    if (!target || !target.id) return;
    var open = detailsKeys(target).filter(function (x) { return x.el.open; }).map(function (x) { return x.key; });
    if (open.length) openDetails = { id: target.id, keys: open };
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!openDetails) return;
    var root = document.getElementById(openDetails.id);
    var keys = openDetails.keys;
    openDetails = null;
    if (!root) return;
    detailsKeys(root).forEach(function (x) { if (keys.indexOf(x.key) >= 0) x.el.open = true; });
  });

  function enhance(root) {
    enhanceDials(root);
    enhanceBumps(root);
    enhanceCopy(root);
  }

  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
