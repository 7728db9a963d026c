"""Cross-origin reads of what is meant to be used from other sites.

A widget embedded in a blog post often runs in ``<iframe sandbox="allow-scripts">``
(WordPress adds it to iframes from providers it does not know). Such a page has
an opaque origin: to the browser every request it makes to this site is
cross-origin, even for its own scripts, answers and live stream. So these answer
with ``Access-Control-Allow-Origin: *`` (nothing here depends on a cookie or
on who asks; every answer is the same for everyone):

- ``/embed/…``: the embed page and the widget answers htmx asks of it; the
  preflight (``OPTIONS``) that htmx's request headers cause is answered here;
- ``/static/…``: scripts checked by their SRI hash are fetched in CORS mode;
- ``/api/…``: the public JSON API and the practice stream a widget listens to;
- ``/oembed`` and ``/card/…``: what oEmbed consumers and link previews read.

A plain ASGI middleware that only adds headers to the start of an answer, so
the practice stream passes through as it is sent. The chapters themselves are
not opened up: they still refuse to be framed (app/web/security_headers.py).
"""

OPEN = ("/embed/", "/static/", "/api/", "/oembed", "/card/")
ALLOW_HEADERS = (b"HX-Request, HX-Current-URL, HX-Target, HX-Trigger, HX-Trigger-Name, HX-Boosted, "
                 b"HX-History-Restore-Request, HX-Prompt, Last-Event-ID, Cache-Control")
ADDED = [
    (b"access-control-allow-origin", b"*"),
    # every answer header htmx reads (it asks for each, and the browser warns about any not exposed)
    (b"access-control-expose-headers", b"HX-Location, HX-Push, HX-Push-Url, HX-Redirect, HX-Refresh, "
                                       b"HX-Replace-Url, HX-Reswap, HX-Retarget, HX-Reselect, HX-Trigger, "
                                       b"HX-Trigger-After-Settle, HX-Trigger-After-Swap, ETag, Link"),
]
PREFLIGHT_MAX_AGE = b"86400"


def is_open(path):
    return path.startswith(OPEN)


class CORS:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_open(scope.get("path", "")):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            return await self._preflight(headers, send)

        async def with_cors(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")]
                message = {**message, "headers": kept + ADDED}
            await send(message)

        await self.app(scope, receive, with_cors)

    async def _preflight(self, headers, send):
        method = headers.get(b"access-control-request-method", b"").upper()
        ok = method in (b"GET", b"HEAD")
        out = [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", b"GET, HEAD"),
            (b"access-control-allow-headers", ALLOW_HEADERS),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204 if ok else 405, "headers": out})
        await send({"type": "http.response.body", "body": b""})
