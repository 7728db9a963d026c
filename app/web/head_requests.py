"""HEAD requests, answered as GET without the body.

Link checkers, uptime monitors, ``curl -I`` and some caches ask with HEAD.
HTTP says a HEAD answer is the GET answer's status and headers, with no body
(RFC 9110, 9.3.2), so this plain ASGI middleware, outermost, hands the request
on as a GET and drops the body on its way out. The headers stay as GET would
send them, Content-Length, ETag and the security headers included, and a
repeat is served from the worker's store of answers like any GET.

The live practice stream is not turned into a GET: a HEAD there would start a
training run that nobody reads. It keeps FastAPI's 405, which names GET in
``Allow``.
"""

NOT_FOR_HEAD = {"/api/train"}


class HeadAsGet:
    def __init__(self, app, skip=NOT_FOR_HEAD):
        self.app = app
        self.skip = frozenset(skip)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope["path"] in self.skip:
            return await self.app(scope, receive, send)
        ended = False

        async def headers_only(message):
            nonlocal ended
            if message["type"] == "http.response.body":
                if ended or message.get("more_body", False):
                    return
                ended = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
