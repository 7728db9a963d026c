"""The site's own address in what it sends.

Chapter pages in their starting state are rendered once
at start-up, before any request says which host the reader used, so pages
carry the marker ``BASE`` where the site's address goes, and the one
middleware that sees answers whole (app/web/whole_answers.py) writes the
address into each HTML answer: ``KITCHEN_PUBLIC_URL`` if set (e.g.
``https://kitchen.example.org``), else the request's own scheme and host.
"""

import re
from urllib.parse import quote, urlencode

from app.web import settings

BASE = "kitchen-base-url-7f3a"       # stands for the site's address, e.g. https://host
BASE_Q = "kitchen-base-urlq-7f3a"    # the same, inside a URL-encoded query value
HOST_RE = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


# --- a query string ---------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch   # what urlencode leaves as it is


def query(pairs):
    """``urlencode(pairs)``, the same string, sooner: a widget's keys and values are
    mostly plain (``temperature.t=0.7``) and need no quoting."""
    return "&".join(f"{k}={v}" if isinstance(k, str) and isinstance(v, str) and _PLAIN(k) and _PLAIN(v)
                    else urlencode([(k, v)]) for k, v in pairs)


# --- the site's address --------------------------------------------------------

public_url = settings.public_url   # KITCHEN_PUBLIC_URL, checked


def base_url(scope):
    """The site's address for one request: KITCHEN_PUBLIC_URL, else scheme://host."""
    public = public_url()
    if public:
        return public
    host = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"")
    host = host[:300].decode("latin-1")   # a host name is at most 253 characters
    if not HOST_RE.match(host):
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
        if not HOST_RE.match(host):
            host = "localhost"
    scheme = "https" if scope.get("scheme") == "https" else "http"
    return f"{scheme}://{host}"


def quoted(base):
    """The site's address as it stands inside a URL-encoded query value (``BASE_Q``), bytes."""
    return quote(base, safe="").encode()


def oembed_href(path_and_query):
    """The oEmbed discovery address for a page of this site (with markers)."""
    return f"{BASE}/oembed?url={BASE_Q}{quote(path_and_query, safe='')}&format=json"


def oembed_link(href, scope):
    """The HTTP ``Link`` header that points oEmbed consumers at ``href`` (markers written out)."""
    base = base_url(scope)
    absolute = href.replace(BASE_Q, quote(base, safe="")).replace(BASE, base)
    return f'<{absolute}>; rel="alternate"; type="application/json+oembed"'
