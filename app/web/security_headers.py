"""Security headers on every response, as a plain ASGI middleware.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware) only edits the
``http.response.start`` message, so a live practice stream (Server-Sent Events)
passes through unbuffered.

- Content-Security-Policy: scripts only from the site itself and the exact
  pinned CDN files of app/web/settings.py (their SRI hashes sit on the script tags);
  no inline script; inline style attributes are allowed because the widgets
  set CSS custom properties with them. Pages under ``/embed/`` may be framed by
  anyone; every other page by no one (``frame-ancestors 'none'`` plus
  ``X-Frame-Options: DENY`` for old browsers).
- The API docs (/docs, /redoc) are FastAPI's own pages: they load Swagger UI or
  ReDoc from the CDN and carry one inline script. Their policy allows that CDN
  and that inline script by its sha256 hash, computed from the very bytes sent.
- X-Content-Type-Options: nosniff; Referrer-Policy: strict-origin-when-cross-origin.
"""

import base64
import hashlib
import re

from app.web import settings

EMBED_PREFIX = "/embed/"
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_FAVICON = "https://fastapi.tiangolo.com"


def script_sources():
    """'self' and the exact pinned CDN URLs (not the whole CDN host)."""
    return ["'self'"] + [s.cdn_url for s in settings.SCRIPTS.values()]


def policy(framable=False, scripts=None, styles=None, images=None):
    """The Content-Security-Policy value."""
    parts = [
        ("default-src", ["'self'"]),
        ("script-src", scripts or script_sources()),
        ("style-src", styles or ["'self'", "'unsafe-inline'"]),
        ("img-src", images or ["'self'", "data:"]),
        ("font-src", ["'self'"]),
        ("connect-src", ["'self'"]),
        ("base-uri", ["'none'"]),
        ("form-action", ["'self'"]),
        ("object-src", ["'none'"]),
        ("frame-ancestors", ["*"] if framable else ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in parts)


SITE_POLICY = policy(framable=False)
EMBED_POLICY = policy(framable=True)

COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
REPLACED = {b"content-security-policy", b"x-frame-options", b"x-content-type-options", b"referrer-policy"}

INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def inline_script_hashes(body):
    """'sha256-…' sources for every inline <script> in an HTML body."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in INLINE_SCRIPT.finditer(body)
    ]


def docs_policy(body):
    return policy(
        framable=False,
        scripts=["'self'", DOCS_CDN] + inline_script_hashes(body),
        styles=["'self'", DOCS_CDN, "'unsafe-inline'"],
        images=["'self'", "data:", DOCS_FAVICON],
    ) + "; worker-src 'self' blob:"


def framing_headers(path):
    """(policy, extra headers) for a path."""
    if path.startswith(EMBED_PREFIX):
        return EMBED_POLICY, []
    return SITE_POLICY, [(b"x-frame-options", b"DENY")]


class SecurityHeaders:
    """Sets the security headers on every HTTP response."""

    def __init__(self, app, docs_paths=("/docs", "/redoc")):
        self.app = app
        self.docs_paths = set(p for p in docs_paths if p)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path in self.docs_paths:
            return await self._docs(scope, receive, send)
        csp, extra = framing_headers(path)
        added = [(b"content-security-policy", csp.encode())] + extra + COMMON

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in REPLACED]
                message = {**message, "headers": headers + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope, receive, send):
        """The docs page is small: hold it whole, then hash its inline script."""
        start = None
        chunks = []

        async def hold(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in REPLACED]
                    headers += [(b"content-security-policy", docs_policy(body).encode()),
                                (b"x-frame-options", b"DENY")] + COMMON
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, hold)
