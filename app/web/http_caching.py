"""ETag and Cache-Control for answers fully determined by their address.

Every page, fragment, seeded sample, inspection and static file is computed
from its URL (and the read-only model), so a repeat can be served by a CDN or
the browser. This plain ASGI middleware, in one place for every route:

- on a successful GET (status 200) it holds the body, sets a strong ETag (a
  hash of the body) and Cache-Control, and answers a matching If-None-Match
  with 304 Not Modified and no body;
- static files with a version in the query (``?v=…``, the content hash the
  templates add) are immutable for a year; everything else for 5 minutes;
- it never touches a response that already says how to cache itself (the
  practice stream sends ``no-store``), nor the live paths in NO_STORE (the
  stream's status, the health check), which get ``no-store``;
- errors (404, 422, 503 …) get no ETag and no Cache-Control from here.
"""

import hashlib

SHORT = b"public, max-age=300"
IMMUTABLE = b"public, max-age=31536000, immutable"
NO_STORE_VALUE = b"no-store"

MAX_IF_NONE_MATCH = 1024

NO_STORE = {"/api/train", "/api/train/status", "/healthz"}
DROPPED_ON_304 = {b"content-length", b"content-type", b"content-encoding"}


def etag_of(body):
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def matches(if_none_match, etag):
    """Does an If-None-Match header value match our strong ETag? (weak comparison, RFC 9110)"""
    value = if_none_match.strip()
    if value == b"*":
        return True
    for tag in value.split(b","):
        tag = tag.strip()
        if tag.startswith(b"W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def cache_control_for(path, query_string):
    if path.startswith("/static/") and any(
        part.startswith(b"v=") for part in query_string.split(b"&")
    ):
        return IMMUTABLE
    return SHORT


def no_store(send):
    """``send`` for a live path: its answer says ``no-store`` unless it says how to cache itself."""
    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            if not any(k.lower() == b"cache-control" for k, _ in headers):
                message = {**message, "headers": list(headers) + [(b"cache-control", NO_STORE_VALUE)]}
        await send(message)

    return wrapped
