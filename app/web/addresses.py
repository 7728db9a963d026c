"""The site's own address in what it sends.

Chapter pages in their starting state are rendered once
at start-up, before any request says which host the reader used, so pages
carry the marker ``BASE`` where the site's address goes and ``BaseURL``, a
small middleware, writes the address into each HTML answer:
``KITCHEN_PUBLIC_URL`` if set (e.g. ``https://kitchen.example.org``), else the
request's own scheme and host.
"""

import re
from urllib.parse import quote

from starlette.requests import Request as StarletteRequest

from app.web import settings

BASE = "kitchen-base-url-7f3a"       # stands for the site's address, e.g. https://host
BASE_Q = "kitchen-base-urlq-7f3a"    # the same, inside a URL-encoded query value
HOST_RE = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


# --- the site's address --------------------------------------------------------

public_url = settings.public_url   # KITCHEN_PUBLIC_URL, checked


def base_url(scope):
    """The site's address for one request: KITCHEN_PUBLIC_URL, else scheme://host."""
    public = public_url()
    if public:
        return public
    request = StarletteRequest(scope)
    host = request.headers.get("host", "")[:300]   # a host name is at most 253 characters
    if not HOST_RE.match(host):
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
        if not HOST_RE.match(host):
            host = "localhost"
    scheme = "https" if request.url.scheme == "https" else "http"
    return f"{scheme}://{host}"


class BaseURL:
    """Writes the site's address over the ``BASE`` markers of HTML answers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") == "HEAD":
            await self.app(scope, receive, send)
            return
        held = {}
        chunks = []

        async def wrapped(message):
            if message["type"] == "http.response.start":
                ctype = b""
                for key, value in message.get("headers", []):
                    if key.lower() == b"content-type":
                        ctype = value
                if ctype.startswith(b"text/html"):
                    held["start"] = message
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                if BASE.encode() in body or BASE_Q.encode() in body:
                    base = base_url(scope)
                    body = body.replace(BASE_Q.encode(), quote(base, safe="").encode())
                    body = body.replace(BASE.encode(), base.encode())
                start = held.pop("start")
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, wrapped)


def oembed_href(path_and_query):
    """The oEmbed discovery address for a page of this site (with markers)."""
    return f"{BASE}/oembed?url={BASE_Q}{quote(path_and_query, safe='')}&format=json"


def oembed_link(href, scope):
    """The HTTP ``Link`` header that points oEmbed consumers at ``href`` (markers written out)."""
    base = base_url(scope)
    absolute = href.replace(BASE_Q, quote(base, safe="")).replace(BASE, base)
    return f'<{absolute}>; rel="alternate"; type="application/json+oembed"'
