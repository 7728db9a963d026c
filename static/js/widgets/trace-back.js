/* trace-back: the ← and → keys step the two-ingredient dish back and forth.
 * Progressive enhancement only: the Previous / Next buttons work without it.
 * Event delegation on document, so htmx re-swaps need nothing more. */
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("[data-tb-steps] .tb-keys").forEach(function (el) { el.hidden = false; });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    var target = event.target;
    if (!target.closest) return;
    var steps = target.closest("[data-tb-steps]");
    if (!steps) return;
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    var which = event.key === "ArrowRight" ? "next" : "prev";
    var button = steps.querySelector('button[data-tb="' + which + '"]');
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    event.preventDefault();
    // keep the keyboard where it was: the graph, or the button just used
    if (target !== steps.querySelector(".tb-graph")) button.focus();
    button.click();
  });

  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
