/* The Apprentice's Kitchen: fit embedded widgets to their height.
 *
 * Put this line once in a page that holds one or more widget iframes:
 *
 *   <script src="https://<the kitchen's address>/static/js/embed-host.js" async></script>
 *
 * Each embedded widget tells its page how tall it is ({type: "kitchen:height",
 * height, id} via postMessage). This script listens, and sets the height of
 * the iframe that sent the message: only an iframe whose own window sent it,
 * and only when the message comes from that iframe's origin. It reads nothing
 * else and sends nothing. Without it the iframes keep the height in the snippet.
 */
(function () {
  "use strict";
  if (window.kitchenEmbedHost) return;
  window.kitchenEmbedHost = true;

  var MIN = 80;
  var MAX = 6000;

  function originOf(iframe) {
    try {
      return new URL(iframe.src, document.baseURI).origin;
    } catch (e) {
      return null;
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "kitchen:height") return;
    var height = Number(data.height);
    if (!isFinite(height)) return;
    height = Math.round(Math.min(MAX, Math.max(MIN, height)));
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      var iframe = frames[i];
      if (iframe.contentWindow !== event.source) continue;
      if (originOf(iframe) !== event.origin) return;
      iframe.style.height = height + "px";
      iframe.setAttribute("height", String(height));
      return;
    }
  });
})();
