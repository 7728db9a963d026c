"""Each worker keeps the answers it has already computed, and serves repeats from memory.

Every page, fragment, seeded sample and inspection is fully determined by its
address (and the read-only model), so an answer computed once is the answer
for ever. Readers who move a dial walk back and forth over the same few
states: the twenty-one positions of the temperature dial, the same table
number, the same chapter address. The middleware that sees answers whole
(app/web/whole_answers.py) keeps the last answers of one worker here, in a
least-recently-used store bounded in bytes (``KITCHEN_ANSWER_CACHE_MB``,
default 16; 0 turns it off), so a repeat costs a dictionary lookup instead of
a model run and a template.

What is kept, and under which key, follows HTTP's own rules:

- only GETs answered 200 that do not say how to cache themselves (the
  practice stream says ``no-store``) and are not on a live path
  (``http_caching.NO_STORE``: the stream, its status, the health check), nor
  static files (cheap to serve already, and changed on disk in development);
- the key is the address (path and query) plus what the answer may depend on
  besides it: the scheme and ``Host`` the reader used, the address the
  server listens on (used when ``Host`` is missing) and ``KITCHEN_PUBLIC_URL``
  (oEmbed answers and embed snippets carry the site's address), and the
  request headers the answer names in its ``Vary`` header
  (``HX-Request``, ``HX-Current-URL``). An answer with ``Vary: *`` or a
  ``Set-Cookie`` is never kept.

An answer is kept with its ETag, after its address is written and before it
is compressed, so a kept answer gets the same 304 handling, compression and
headers as a fresh one, without hashing it again.
"""

import hashlib
import os
from collections import OrderedDict

from app.web.settings import env_int

DEFAULT_MB = 16
MAX_MB = 4096
MAX_ENTRY = 1 << 20          # an answer larger than 1 MiB is not worth holding
OVERHEAD = 700               # bytes counted per entry for its key, tuples and list (measured)
MAX_PATHS = 4096             # how many paths' Vary lists are remembered (least recently used go)
STATIC = "/static/"          # files: cheap to serve, and versioned by the browser's cache


def header_values(scope, names):
    """The values of the request headers ``names`` (lower-case bytes), in that order."""
    found = {}
    for key, value in scope.get("headers", []):
        if key in names:
            found[key] = found[key] + b"," + value if key in found else value
    return tuple(found.get(n, b"") for n in names)


def vary_names(headers):
    """The request headers a response varies on, lower-case bytes, or None for ``Vary: *``."""
    names = []
    for key, value in headers:
        if key.lower() == b"vary":
            for name in value.split(b","):
                name = name.strip().lower()
                if name == b"*":
                    return None
                if name and name not in names:
                    names.append(name)
    return tuple(sorted(names))


class Store:
    """A least-recently-used map from keys to (start message, body), bounded in bytes.

    Keys are kept as 16-byte digests. Equal bodies are held once: readers who
    reach the same state from different pages (a different ``HX-Current-URL``)
    get the same fragment, so their entries share it, and it is counted once.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.entries = OrderedDict()     # digest -> (start, body, bytes counted for the entry)
        self.bodies = {}                 # digest of a body -> [body, how many entries hold it]
        self.hits = 0

    @staticmethod
    def digest(key):
        return hashlib.blake2b(repr(key).encode(), digest_size=16).digest()

    def get(self, key):
        d = self.digest(key)
        entry = self.entries.get(d)
        if entry is None:
            return None
        self.entries.move_to_end(d)
        self.hits += 1
        return entry[0], entry[1]

    def put(self, key, start, body):
        d = self.digest(key)
        size = OVERHEAD + sum(len(k) + len(v) for k, v in start["headers"])
        if len(body) + size > min(self.max_bytes, MAX_ENTRY):
            return
        if d in self.entries:
            self._drop(d)
        b = hashlib.blake2b(body, digest_size=16).digest()
        shared = self.bodies.get(b)
        if shared is None:
            shared = self.bodies[b] = [body, 0]
            self.bytes += len(body)      # a body is counted once, however many entries hold it
        shared[1] += 1
        self.entries[d] = (start, shared[0], size, b)
        self.bytes += size
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self.entries)))

    def _drop(self, d):
        _, body, size, b = self.entries.pop(d)
        self.bytes -= size
        shared = self.bodies[b]
        shared[1] -= 1
        if shared[1] == 0:
            del self.bodies[b]
            self.bytes -= len(body)


def max_bytes_from_env():
    return env_int("KITCHEN_ANSWER_CACHE_MB", DEFAULT_MB, 0, MAX_MB) * (1 << 20)


class Paths:
    """Which request headers each path's answers vary on: a small LRU keyed by a
    digest of the path, so no path, however long, is held, and new paths always
    find room."""

    def __init__(self, size=MAX_PATHS):
        self.size = size
        self.names = OrderedDict()

    @staticmethod
    def digest(path):
        return hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=16).digest()

    def get(self, path):
        d = self.digest(path)
        names = self.names.get(d)
        if names is not None:
            self.names.move_to_end(d)
        return names

    def set(self, path, names):
        """Remember ``names`` for ``path``; False if the path already varies on others."""
        d = self.digest(path)
        known = self.names.get(d)
        if known is not None and known != names:
            return False
        self.names[d] = names
        self.names.move_to_end(d)
        while len(self.names) > self.size:
            self.names.popitem(last=False)
        return True


def primary(scope):
    """What an answer may depend on besides its Vary headers (see the module's notes)."""
    host = header_values(scope, (b"host",))[0]
    return (scope.get("scheme", "http"), host, scope.get("server"), os.environ.get("KITCHEN_PUBLIC_URL", ""),
            scope.get("path", ""), scope.get("query_string", b""))
