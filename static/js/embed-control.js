/* The Apprentice's Kitchen, chapter pages: the copy button of each widget's
 * "Embed" control. Without this file the snippet is still there to select.
 * Works for controls htmx swaps in later (event delegation; buttons revealed
 * after every swap). */
(function () {
  "use strict";

  function reveal(root) {
    (root || document).querySelectorAll("button[data-copy-code][hidden]").forEach(function (b) {
      b.hidden = false;
    });
  }

  function flash(button) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = button.dataset.copied || button.dataset.label;
    window.setTimeout(function () { button.textContent = button.dataset.label; }, 1800);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy-code]");
    if (!button) return;
    var code = document.getElementById(button.dataset.copyCode);
    if (!code) return;
    code.focus();
    code.select();
    var text = code.value;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { flash(button); }, function () {
        if (document.execCommand && document.execCommand("copy")) flash(button);
      });
    } else if (document.execCommand && document.execCommand("copy")) {
      flash(button);
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { reveal(); });
  else reveal();
  document.addEventListener("htmx:load", function () { reveal(); });
  document.addEventListener("htmx:afterSettle", function () { reveal(); });
})();
