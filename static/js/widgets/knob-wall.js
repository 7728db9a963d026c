/* knob-wall: keyboard moves over a station's grid of knobs.
 * Progressive enhancement only: without it every knob is a plain button in a form.
 * With it, the grid is one tab stop (roving tabindex); the arrow keys move
 * between knobs, Home/End go to the ends of a row, Enter or Space selects.
 * A knob the keyboard rests on for a moment is shown in the inspector (only the
 * inspector is swapped, so the keyboard stays in the grid), and its label,
 * setting and influence are read out.
 * After htmx swaps the widget, the keyboard stays on the knob or station it was on. */
(function () {
  "use strict";

  var pending = null;

  function cells(grid) { return Array.prototype.slice.call(grid.querySelectorAll("button")); }

  function rove(root) {
    root.querySelectorAll(".kw-grid").forEach(function (grid) {
      if (grid.dataset.roving) return;
      grid.dataset.roving = "1";
      var all = cells(grid);
      var current = grid.querySelector("button.sel") || all[0];
      all.forEach(function (b) { b.tabIndex = b === current ? 0 : -1; });
    });
  }

  function move(grid, from, to) {
    if (!to) return;
    from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
    peekSoon(to);
  }

  // the knob the keyboard rests on, in the inspector: the same answer a click gets,
  // of which only the inspector is swapped in
  var peekTimer = null;
  function peekSoon(button) {
    clearTimeout(peekTimer);
    peekTimer = setTimeout(function () { peek(button); }, 250);
  }

  function peek(button) {
    var section = button.closest("section.widget-knob-wall");
    var inspect = section && section.querySelector(".kw-inspect[id]");
    var form = button.form;
    if (document.activeElement !== button || !window.htmx || !inspect || !form) return;
    var grid = button.closest(".kw-grid");
    if (button.classList.contains("sel")) return;
    grid.querySelectorAll("button.sel").forEach(function (b) {
      b.classList.remove("sel");
      b.removeAttribute("aria-pressed");
    });
    button.classList.add("sel");
    button.setAttribute("aria-pressed", "true");
    var values = {};
    values[button.name] = button.value;
    var id = "#" + inspect.id;
    window.htmx.ajax("GET", form.getAttribute("data-hx-get"), {
      source: form, target: id, select: id, swap: "outerHTML", values: values
    }).then(function () {
      var said = section.querySelector(".kw-inspect .kw-said");
      var live = section.querySelector("[id$='-peek'][aria-live]");
      if (said && live && button.classList.contains("sel")) live.textContent = said.textContent;
    });
  }

  document.addEventListener("keyup", function (event) {
    // Tab into the grid rests on a knob too
    if (event.key !== "Tab" || !event.target.closest) return;
    var target = event.target;
    if (target.tagName === "BUTTON" && target.closest(".kw-grid")) peekSoon(target);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.closest || target.tagName !== "BUTTON") return;
    var grid = target.closest(".kw-grid");
    if (!grid || event.altKey || event.ctrlKey || event.metaKey) return;
    var all = cells(grid);
    var i = all.indexOf(target);
    var cols = parseInt(grid.dataset.cols, 10) || 1;
    var j = null;
    switch (event.key) {
      case "ArrowRight": j = i + 1; break;
      case "ArrowLeft": j = i - 1; break;
      case "ArrowDown": j = i + cols; break;
      case "ArrowUp": j = i - cols; break;
      case "Home": j = i - (i % cols); break;
      case "End": j = i - (i % cols) + cols - 1; break;
      case "PageDown": j = Math.min(all.length - 1, i + cols * 4); break;
      case "PageUp": j = Math.max(0, i - cols * 4); break;
      default: return;
    }
    event.preventDefault();
    if (j >= 0 && j < all.length) move(grid, target, all[j]);
  });

  // remember which knob or station had the keyboard, to give it back after the swap
  document.addEventListener("htmx:beforeSwap", function () {
    var el = document.activeElement;
    if (!el || !el.closest || !el.closest(".widget-knob-wall") || el.id) { pending = null; return; }
    if (el.tagName === "BUTTON" && el.name) pending = { name: el.name, value: el.value };
    else pending = null;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail && event.detail.target ? event.detail.target.ownerDocument : document;
    rove(root);
    if (!pending) return;
    var want = pending;
    pending = null;
    var found = null;
    root.querySelectorAll(".widget-knob-wall button[name]").forEach(function (b) {
      if (!found && b.name === want.name && b.value === want.value) found = b;
    });
    if (found && document.activeElement === document.body) {
      var grid = found.closest(".kw-grid");
      if (grid) cells(grid).forEach(function (b) { b.tabIndex = b === found ? 0 : -1; });
      found.focus({ preventScroll: true });
    }
  });

  document.addEventListener("htmx:load", function (event) { rove(event.target.ownerDocument || document); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { rove(document); });
  } else {
    rove(document);
  }
})();
