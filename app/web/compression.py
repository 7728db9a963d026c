"""Compressed answers: brotli or gzip, as the reader's browser accepts.

The rules the middleware that sees answers whole (app/web/whole_answers.py)
follows, after the ETag is set:

- it compresses HTML, CSS, JavaScript, JSON, SVG, XML (the feeds, the sitemap)
  and plain text of at least ``MIN_SIZE`` bytes, choosing brotli when the
  request's ``Accept-Encoding`` allows it (``br``, Google's ``brotli``
  package), else gzip; answers of those types get ``Vary: Accept-Encoding``;
- it never touches the live practice stream (``text/event-stream`` is not in
  the list, and its path is skipped before anything is held: its events must
  go out as they come), an answer already encoded, a 304, or a HEAD;
- the ETag names the encoding (``"…-br"``, ``"…-gzip"``: a strong ETag belongs to
  one set of bytes), and a conditional request's ``If-None-Match`` is read back
  to the plain ETag before it is compared, so a 304 works
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


class Packed:
    """Compressed bodies kept by ETag and encoding (a content hash: the same bytes
    compress the same way), least recently used first out, bounded in entries and bytes."""

    def __init__(self):
        self.kept = OrderedDict()    # (etag, encoding) -> compressed body
        self.kept_bytes = 0

    def get(self, body, encoding, etag):
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


def named_304(headers, encoding, asked):
    """A 304's headers for a compressed answer: it names the ETag the reader holds ("…-br")."""
    for i, (k, v) in enumerate(headers):
        if k.lower() == b"etag" and v.endswith(b'"'):
            named = v[:-1] + b"-" + encoding.encode() + b'"'
            if named in asked:
                return add_vary(headers[:i] + [(k, named)] + headers[i + 1:])
    return headers


def add_vary(headers):
    for i, (k, v) in enumerate(headers):
        if k.lower() == b"vary":
            names = [n.strip().lower() for n in v.split(b",")]
            if b"accept-encoding" in names or b"*" in names:
                return headers
            return headers[:i] + [(k, v + b", Accept-Encoding")] + headers[i + 1:]
    return headers + [(b"vary", b"Accept-Encoding")]
