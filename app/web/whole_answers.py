"""The one middleware that sees an answer whole.

Four things need an answer's whole body: the site's address written over its
markers (app/web/addresses.py), the ETag and a 304 for a reader who has it
already (app/web/http_caching.py), the worker's store of answers
(app/web/answer_memory.py) and brotli or gzip (app/web/compression.py). This
plain ASGI middleware holds the body once and does the four in that order:

1. **address**: an HTML answer's ``BASE`` markers become ``KITCHEN_PUBLIC_URL``
   or the request's scheme and host;
2. **ETag**: a GET answered 200 that does not say how to cache itself gets a
   strong ETag (a hash of the body) and Cache-Control; a matching
   If-None-Match is answered 304 with no body;
3. **store**: such an answer is kept in the worker's store, ETag included, so a
   repeat skips the route, the hash and the template; it still gets its 304;
4. **compression**: text of at least 1 KiB goes out as brotli or gzip, as the
   request's Accept-Encoding allows, with ``Vary: Accept-Encoding`` and an
   ETag naming the encoding (``"…-br"``); a conditional request naming an
   encoded ETag is read back to the plain one, so a 304 works for every
   encoding, and its 304 names the ETag the reader holds.

Nothing is held when none of the four applies: the live practice stream
(``text/event-stream``, ``no-store``, its path skipped before anything is
looked at), a HEAD (app/web/head_requests.py answers HEAD as GET outside
this layer, so only a HEAD that stays a HEAD arrives here), a redirect, an
answer already encoded. Errors are held only to write their address or to
be compressed: they get no ETag, no Cache-Control and are never kept.
"""

from app.web import addresses, answer_memory, compression, http_caching

BASE = addresses.BASE.encode()
BASE_Q = addresses.BASE_Q.encode()
HTML = b"text/html"
NEVER = compression.NEVER | http_caching.NO_STORE    # live paths: nothing held, nothing kept
DROPPED_ON_304 = http_caching.DROPPED_ON_304



def what_it_is(headers):
    """(media type, already encoded?, has its own Cache-Control?, sets a cookie?) from an answer's headers."""
    ctype = b""
    encoded = policy = cookie = False
    for k, v in headers:
        kl = k.lower()
        if kl == b"content-type":
            ctype = v.split(b";")[0].strip().lower()
        elif kl == b"content-encoding":
            encoded = True
        elif kl == b"cache-control":
            policy = True
        elif kl == b"set-cookie":
            cookie = True
    return ctype, encoded, policy, cookie

class WholeAnswers:
    """Address, ETag and 304, the store of answers, compression: one pass over one held body."""

    def __init__(self, app, max_bytes=None, min_size=compression.MIN_SIZE):
        self.app = app
        size = answer_memory.max_bytes_from_env() if max_bytes is None else max_bytes
        self.store = answer_memory.Store(size) if size > 0 else None
        self.limit = min(size, answer_memory.MAX_ENTRY)
        self.vary = answer_memory.Paths()
        self.min_size = min_size
        self.packed = compression.Packed()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path in NEVER:
            if path in http_caching.NO_STORE:
                return await self.app(scope, receive, http_caching.no_store(send))
            return await self.app(scope, receive, send)

        # what the request says about the answer it wants
        encoding = None
        asked = None
        edited = None
        for i, (k, v) in enumerate(scope["headers"]):
            if k == b"accept-encoding":
                encoding = compression.accepted(v)
            elif k == b"if-none-match":
                v = v[:http_caching.MAX_IF_NONE_MATCH]   # a few ETags at most are read
                asked = v if asked is None else asked + b"," + v
                if edited is None:
                    edited = list(scope["headers"])
                edited[i] = (k, compression.SUFFIX.sub(b'"', v))   # "abc-br" asks about "abc"
        if edited is not None:
            scope = {**scope, "headers": edited}
        plain_asked = compression.SUFFIX.sub(b'"', asked) if asked is not None else None
        request = (encoding, asked, plain_asked)

        keeping = self.store is not None and not path.startswith(answer_memory.STATIC)
        if keeping:
            primary = answer_memory.primary(scope)
            names = self.vary.get(path)
            if names is not None:
                kept = self.store.get(primary + (names, answer_memory.header_values(scope, names)))
                if kept is not None:
                    start, body = kept
                    return await self._finish(send, request, start["status"], list(start["headers"]), body,
                                              tagged=True)

        start = None
        chunks = []
        size = 0
        passing = False
        cache_control = None

        async def hold(message):
            nonlocal start, passing, size, keeping, cache_control
            if passing:
                return await send(message)
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                ctype, encoded, policy, cookie = what_it_is(headers)
                tagged = status == 200 and not policy
                keeping = keeping and tagged and not cookie
                packable = not encoded and ctype in compression.TYPES and status not in (204, 304)
                if not (tagged or packable or ctype == HTML):
                    passing = True
                    return await send(message)
                if tagged:
                    cache_control = http_caching.cache_control_for(path, scope.get("query_string", b""))
                start = (status, ctype, encoded, tagged, packable, list(headers))
                return None
            if kind != "http.response.body":
                return await send(message)
            body = message.get("body", b"")
            if keeping:
                size += len(body)
                if size > self.limit:
                    keeping = False          # too big to keep; still held for the rest
            chunks.append(body)
            if message.get("more_body", False):
                return None
            body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            status, ctype, encoded, tagged, packable, headers = start
            # 1. the site's address
            if ctype == HTML and (BASE in body or BASE_Q in body):
                base = addresses.base_url(scope)
                body = body.replace(BASE_Q, addresses.quoted(base)).replace(BASE, base.encode())
            dropped = (b"content-length", b"etag") if tagged else (b"content-length",)
            headers = [(k, v) for k, v in headers if k.lower() not in dropped]
            # 2. the ETag
            if tagged:
                headers += [(b"etag", http_caching.etag_of(body)), (b"cache-control", cache_control)]
            # 3. the store (of the plain answer, whatever this reader is sent)
            if keeping:
                self._keep(path, primary, scope, headers, body)
            await self._finish(send, request, status, headers, body, tagged, encoded, ctype)
            return None

        await self.app(scope, receive, hold)

    def _keep(self, path, primary, scope, headers, body):
        names = answer_memory.vary_names(headers)
        if names is None:
            return
        if not self.vary.set(path, names):
            return                # the route changed what it varies on: keep nothing new for it
        start = {"type": "http.response.start", "status": 200, "headers": headers}
        self.store.put(primary + (names, answer_memory.header_values(scope, names)), start, body)

    async def _finish(self, send, request, status, headers, body, tagged, encoded=None, ctype=None):
        """2 (the 304) and 4 (compression) for a whole answer whose headers carry its plain ETag."""
        encoding, asked, plain_asked = request
        if encoded is None:       # a kept answer: read what it is from its headers
            ctype, encoded, _, _ = what_it_is(headers)
        etag = None
        if tagged:
            etag = next((v for k, v in headers if k == b"etag"), None)
            if plain_asked is not None and etag is not None and http_caching.matches(plain_asked, etag):
                headers = [(k, v) for k, v in headers if k.lower() not in DROPPED_ON_304]
                if encoding:
                    headers = compression.named_304(headers, encoding, asked)
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        packable = not encoded and ctype in compression.TYPES and status not in (204, 304)
        if packable and len(body) >= self.min_size:
            headers = compression.add_vary(headers)
            if encoding is not None:
                body = self.packed.get(body, encoding, etag)
                named = encoding.encode()
                headers = [(k, v) for k, v in headers if k.lower() != b"etag"]
                headers.append((b"content-encoding", named))
                if etag is not None and etag.endswith(b'"'):
                    headers.append((b"etag", etag[:-1] + b"-" + named + b'"'))
        headers = headers + [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
