"""Compressed answers: brotli or gzip, as the reader's browser accepts.

A plain ASGI middleware, outside the ETag/304 one (app/web/http_caching.py):

- it compresses HTML, CSS, JavaScript, JSON, SVG, XML (the feeds, the sitemap)
  and plain text of at least ``MIN_SIZE`` bytes, choosing brotli when the
  request's ``Accept-Encoding`` allows it (``br``, Google's ``brotli``
  package), else gzip; answers of those types get ``Vary: Accept-Encoding``;
- it never touches the live practice stream (``text/event-stream`` is not in
  the list, and its path is skipped before anything is held: its events must
  go out as they come), an answer already encoded, a 304, or a HEAD;
- the ETag names the encoding (``"…-br"``, ``"…-gzip"``: a strong ETag belongs to
  one set of bytes), and a conditional request's ``If-None-Match`` is read back
  to the plain ETag before the caching middleware compares it, so a 304 works
  for every encoding;
- compressed bodies are kept by ETag and encoding (a content hash: the same
  bytes compress the same way) in a small least-recently-used store, so the
  starting pages and the static files are compressed once per worker.
"""

import gzip
import re
from collections import OrderedDict

import brotli

MIN_SIZE = 1024
TYPES = (
    b"text/html", b"text/css", b"text/javascript", b"application/javascript", b"application/json",
    b"image/svg+xml", b"application/xml", b"application/atom+xml", b"text/xml", b"text/plain",
    b"application/manifest+json",
)
NEVER = {"/api/train"}           # the live stream: nothing is held
GZIP_LEVEL = 6
BROTLI_QUALITY = 5               # fast enough for a widget state computed now; better than gzip -6
KEEP_ENTRIES = 512
KEEP_BYTES = 16 << 20
SUFFIX = re.compile(rb'-(?:br|gzip)"')


def accepted(accept_encoding):
    """'br', 'gzip' or None, from an Accept-Encoding value (q=0 refuses)."""
    quality = {}
    for part in accept_encoding.decode("latin-1").split(","):
        bits = [b.strip() for b in part.split(";")]
        name = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if name:
            quality[name] = q
    star = quality.get("*", 0.0)
    for name in ("br", "gzip"):
        if quality.get(name, star) > 0:
            return name
    return None


def compress(body, encoding):
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class Compression:
    def __init__(self, app, min_size=MIN_SIZE):
        self.app = app
        self.min_size = min_size
        self.kept = OrderedDict()    # (etag, encoding) -> compressed body
        self.kept_bytes = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or scope.get("path") in NEVER:
            return await self.app(scope, receive, send)
        encoding = None
        asked = b""
        headers_in = []
        for k, v in scope.get("headers", []):
            if k == b"accept-encoding":
                encoding = accepted(v)
            elif k == b"if-none-match":
                asked += v
                v = SUFFIX.sub(b'"', v)   # "abc-br" asks about the plain answer "abc"
            headers_in.append((k, v))
        scope = {**scope, "headers": headers_in}

        start = None
        chunks = []
        passing = False

        async def wrapped(message):
            nonlocal start, passing
            if passing:
                return await send(message)
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                ctype = b""
                encoded = False
                for k, v in headers:
                    kl = k.lower()
                    if kl == b"content-type":
                        ctype = v.split(b";")[0].strip().lower()
                    elif kl == b"content-encoding":
                        encoded = True
                if message["status"] == 304 and encoding:
                    message = _named_304(message, encoding, asked)
                if encoded or ctype not in TYPES or message["status"] in (204, 304):
                    passing = True
                    return await send(message)
                start = message
                return None
            if message["type"] != "http.response.body":
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return None
            body = b"".join(chunks)
            headers = list(start.get("headers", []))
            if len(body) < self.min_size:
                return await self._send(send, start, headers, body)
            headers = _add_vary(headers)
            if encoding is None:
                return await self._send(send, start, headers, body)
            etag = next((v for k, v in headers if k.lower() == b"etag"), None)
            packed = self._compressed(body, encoding, etag)
            headers = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"etag")]
            headers.append((b"content-encoding", encoding.encode()))
            if etag is not None and etag.endswith(b'"'):
                headers.append((b"etag", etag[:-1] + b"-" + encoding.encode() + b'"'))
            return await self._send(send, start, headers, packed)

        await self.app(scope, receive, wrapped)

    async def _send(self, send, start, headers, body):
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _compressed(self, body, encoding, etag):
        if etag is None:
            return compress(body, encoding)
        key = (etag, encoding)
        packed = self.kept.get(key)
        if packed is not None:
            self.kept.move_to_end(key)
            return packed
        packed = compress(body, encoding)
        self.kept[key] = packed
        self.kept_bytes += len(packed)
        while len(self.kept) > KEEP_ENTRIES or self.kept_bytes > KEEP_BYTES:
            _, old = self.kept.popitem(last=False)
            self.kept_bytes -= len(old)
        return packed


def _named_304(message, encoding, asked):
    """A 304 for a compressed answer names the ETag the reader holds ("…-br")."""
    headers = message.get("headers", [])
    for i, (k, v) in enumerate(headers):
        if k.lower() == b"etag" and v.endswith(b'"'):
            named = v[:-1] + b"-" + encoding.encode() + b'"'
            if named in asked:
                headers = _add_vary(headers[:i] + [(k, named)] + headers[i + 1:])
                return {**message, "headers": headers}
    return message


def _add_vary(headers):
    for i, (k, v) in enumerate(headers):
        if k.lower() == b"vary":
            names = [n.strip().lower() for n in v.split(b",")]
            if b"accept-encoding" in names or b"*" in names:
                return headers
            return headers[:i] + [(k, v + b", Accept-Encoding")] + headers[i + 1:]
    return headers + [(b"vary", b"Accept-Encoding")]
