"""Wiring only: the site, the routers, static files and error pages."""

import contextlib

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import model

from app.api import routes as api, twin
from app.pages import crawl, embed, fragments, routes as pages, share, site as site_mod
from app.training.helper import TRAINER
from app.web import settings
from app.web.cors import CORS
from app.web.head_requests import HeadAsGet
from app.web.security_headers import SecurityHeaders
from app.web.whole_answers import WholeAnswers


def create_app(site=None, answer_bytes=None):
    """The site's ASGI app. ``answer_bytes`` bounds the store of repeated answers
    (None: ``KITCHEN_ANSWER_CACHE_MB``; 0: no store)."""
    site = site or site_mod.build()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        TRAINER.start()     # the worker's training helper process (app/training/helper.py)
        try:
            yield
        finally:
            TRAINER.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="The Apprentice's Kitchen",
        description=f"A live microGPT ({model.N_PARAMS:,} parameters) behind a bilingual kitchen story.",
        version="0.1.0",
    )
    app.state.site = site
    # Starlette's own slash redirect writes the request's Host into Location: ours does not
    app.router.redirect_slashes = False

    if site.htmx == "local":
        for script in settings.SCRIPTS.values():
            app.mount(
                f"/static/vendor/{script.package}",
                StaticFiles(directory=script.local_path.parent),
                name=f"vendor-{script.package}",
            )
    app.mount("/static", StaticFiles(directory=settings.STATIC_DIR), name="static")

    # routes are tried in order: the widget fragments, the most asked-for, first
    app.add_route(fragments.PATH, fragments.fragment, methods=["GET"], include_in_schema=False)
    app.include_router(api.router)
    app.include_router(twin.router)
    app.include_router(pages.router)
    app.include_router(embed.router)
    app.include_router(crawl.router)
    app.include_router(share.router)
    # the one layer that holds a whole answer: the site's address, ETag and 304, the store
    # of answers (a repeat comes from it before the model or a template runs), compression
    app.add_middleware(WholeAnswers, max_bytes=answer_bytes)

    # outermost last: security headers on everything, including kept answers and 304s
    app.add_middleware(SecurityHeaders, docs_paths=(app.docs_url, app.redoc_url))
    app.add_middleware(HeadAsGet)  # a HEAD is the GET answer's status and headers
    app.add_middleware(CORS)       # what other sites may read, and its preflights

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            moved = pages.slash_redirect(request)
            if moved is not None:
                return moved
            if request.url.path.startswith("/api/"):
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            return pages.not_found(request)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    return app


def __getattr__(name):
    """``app.main:app`` is built on first use, so importing create_app costs nothing."""
    if name == "app":
        global app
        from app import startup

        startup.check_environment()   # a bad KITCHEN_* setting stops the server before it binds
        app = create_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
