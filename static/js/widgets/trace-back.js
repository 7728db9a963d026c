/* trace-back: the ← and → keys step the two-ingredient dish back and forth.
 * Progressive enhancement only: the Previous / Next buttons work without it.
 * Event delegation on document, so htmx re-swaps need nothing more.
 * Presses that come faster than the answers are all counted: each one moves
 * the step asked for, and when an answer arrives that is not yet that step,
 * the newest step is asked for next. */
(function () {
  "use strict";

  var asked = null;   // { id of the steps element, step } the reader has asked for
  var busy = false;   // an answer is on its way

  function reveal(root) {
    root.querySelectorAll("[data-tb-steps] .tb-keys").forEach(function (el) { el.hidden = false; });
  }

  function wanted(steps, which) {
    var shown = parseInt(steps.dataset.tbStep, 10);
    var last = parseInt(steps.dataset.tbLast, 10);
    var from = asked && asked.id === steps.id ? asked.step : shown;
    var to = which === "next" ? from + 1 : from - 1;
    return isNaN(to) || to < 0 || to > last ? null : to;
  }

  function ask(steps, step, which) {
    var button = steps.querySelector('button[data-tb="' + which + '"]') || steps.querySelector("button[data-tb]");
    if (!button) return;
    button.value = String(step);
    busy = true;
    button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    var target = event.target;
    if (!target.closest) return;
    var steps = target.closest("[data-tb-steps]");
    if (!steps) return;
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    event.preventDefault();
    var which = event.key === "ArrowRight" ? "next" : "prev";
    var to = wanted(steps, which);
    if (to === null) return;
    asked = { id: steps.id, step: to };
    if (busy) return;   // counted: asked for when the answer on its way arrives
    // keep the keyboard where it was: the graph, or the button just used
    var button = steps.querySelector('button[data-tb="' + which + '"]');
    if (button && target !== steps.querySelector(".tb-graph")) button.focus();
    ask(steps, to, which);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.failed && !event.detail.successful) busy = false;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!busy) return;
    busy = false;
    if (!asked) return;
    var steps = document.getElementById(asked.id);
    var shown = steps ? parseInt(steps.dataset.tbStep, 10) : NaN;
    if (!steps || shown === asked.step) { asked = null; return; }
    ask(steps, asked.step, asked.step > shown ? "next" : "prev");
  });

  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
