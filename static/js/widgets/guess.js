/* guess: a bet is one key press. With focus anywhere in the game (but not in a text
 * box), a letter a-z bets the whole stake on that course and "." on the bell: the
 * key's link is followed, which htmx turns into a swap of the game. When the new
 * board arrives, the keyboard goes back to the keypad, so the next press works too.
 * Progressive enhancement only: without this file the keypad's links and the forms
 * play the same game. Event delegation on document, so swaps need nothing more. */
(function () {
  "use strict";

  var refocus = null;   // id of the game whose keypad gets the focus back after a swap

  function reveal(root) {
    root.querySelectorAll("[data-guess] .guess-js-hint").forEach(function (el) { el.hidden = false; });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (!target.closest) return;
    var game = target.closest("[data-guess]");
    if (!game) return;
    if (/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName) || target.isContentEditable) return;
    var key = (event.key || "").toLowerCase();
    var which = key === "." ? "bell" : (/^[a-z]$/.test(key) ? key : null);
    if (!which) return;
    var link = game.querySelector('a[data-bet="' + which + '"]');
    if (!link) return;
    event.preventDefault();
    refocus = game.id;
    link.click();
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-bet]");
    if (link) refocus = link.closest("[data-guess]").id;
  });

  document.addEventListener("htmx:afterSettle", function () {
    reveal(document);
    if (!refocus) return;
    var game = document.getElementById(refocus);
    refocus = null;
    if (!game) return;
    var keys = game.querySelector(".guess-keys");
    var share = game.querySelector("a[id$='-share']");
    (keys || share || game).focus();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
