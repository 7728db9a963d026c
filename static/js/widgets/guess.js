/* guess: a bet is one key press. With focus anywhere in the game (but not in a text
 * box), a letter a-z bets the whole stake on that course and "." on the bell: the
 * key's link is followed, which htmx turns into a swap of the game. When the new
 * board arrives, the keyboard goes back to the keypad, so the next press works too,
 * and what happened is read out from a live region that outlives the swaps.
 * Presses faster than the answers are kept in order and sent one by one: each bet
 * is made on the board the one before it produced. The game itself drops a second
 * request while one is on its way (hx-sync), so nothing is sent twice.
 * Progressive enhancement only: without this file the keypad's links and the forms
 * play the same game. Event delegation on document, so swaps need nothing more. */
(function () {
  "use strict";

  var refocus = null;   // id of the game whose keypad gets the focus back after a swap
  var busy = false;     // a bet is on its way
  var queue = [];       // keys pressed while it was: [game id, key]
  var announcer = null;

  function reveal(root) {
    root.querySelectorAll("[data-guess] .guess-js-hint").forEach(function (el) { el.hidden = false; });
  }

  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "visually-hidden";
      announcer.setAttribute("aria-live", "polite");
      document.body.appendChild(announcer);
    }
    announcer.textContent = text;
  }

  function bet(gameId, which) {
    var game = document.getElementById(gameId);
    var link = game && game.querySelector('a[data-bet="' + which + '"]');
    if (!link) { queue = []; return; }
    busy = true;
    refocus = gameId;
    link.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (!target.closest) return;
    var key = (event.key || "").toLowerCase();
    var which = key === "." ? "bell" : (/^[a-z]$/.test(key) ? key : null);
    if (!which) return;
    var game = target.closest("[data-guess]");
    // while the board is being swapped the focus falls to the page for a moment
    if (!game && busy && refocus && (target === document.body || target === document.documentElement)) {
      event.preventDefault();
      queue.push([refocus, which]);
      return;
    }
    if (!game) return;
    if (/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName) || target.isContentEditable) return;
    if (!game.querySelector('a[data-bet="' + which + '"]')) return;
    event.preventDefault();
    if (busy) { queue.push([game.id, which]); return; }
    bet(game.id, which);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-bet]");
    if (link) { refocus = link.closest("[data-guess]").id; busy = true; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.failed) { busy = false; queue = []; }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    reveal(document);
    if (!refocus) return;
    var game = document.getElementById(refocus);
    // the Embed control after the game settles too (swapped out of band): wait for the game
    if (game && !(event.target === game || (event.target.contains && event.target.contains(game)))) return;
    refocus = null;
    busy = false;
    if (!game) { queue = []; return; }
    var said = [];
    game.querySelectorAll(".guess-news, .guess-verdict, .widget-error").forEach(function (el) { said.push(el.textContent.trim()); });
    if (said.length) announce(said.join(" "));
    var keys = game.querySelector(".guess-keys");
    var share = game.querySelector("a[id$='-share']");
    (keys || share || game).focus();
    if (queue.length) {
      var next = queue.shift();
      bet(next[0], next[1]);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
})();
