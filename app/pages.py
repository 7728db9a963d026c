"""HTML pages: the cover, the chapters, the ending, the thread, the glossary, the video scripts, and / itself."""

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from app import settings
from app.widgets.view import MAX_CARRY

router = APIRouter(include_in_schema=False)

MAX_PAIRS = 40
MAX_LEN = 64  # longest key


def query_pairs(request):
    """The query as (key, value) pairs, bounded in number and length."""
    pairs = []
    for key, value in request.query_params.multi_items():
        if len(pairs) >= MAX_PAIRS:
            break
        if len(key) > MAX_LEN:
            continue
        pairs.append((key, value[:MAX_CARRY]))  # each parameter cuts its own value further
    return pairs


def html_response(rendered, headers=None):
    return HTMLResponse(rendered.body, status_code=rendered.status, headers=headers)


def not_found(request):
    return html_response(request.app.state.site.not_found())


def choose_lang(accept_language):
    """zh if the reader's first matching language is Chinese, else en."""
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"


@router.get("/")
def root(request: Request):
    lang = choose_lang(request.headers.get("accept-language"))
    return RedirectResponse(f"/{lang}/", status_code=307, headers={"Vary": "Accept-Language"})


@router.get("/healthz")
def healthz():
    return {"status": "ok"}


async def _serve(request, lang, slug):
    """A page. Without a query it is already rendered and comes straight from
    memory; with one, its widgets compute in the thread pool, off the event loop."""
    if lang not in settings.LANGS:
        return not_found(request)
    site = request.app.state.site
    pairs = query_pairs(request)
    if pairs:
        rendered = await run_in_threadpool(site.page, lang, slug, pairs)
    else:
        rendered = site.page(lang, slug)
    if rendered is None:
        return not_found(request)
    if rendered.oembed:
        from app import embed

        return html_response(rendered, headers={"Link": embed.oembed_link(rendered.oembed, request.scope)})
    return html_response(rendered)


@router.get("/{lang}/")
async def cover(lang: str, request: Request):
    return await _serve(request, lang, "index")


@router.get("/{lang}/chapter/{n}")
async def chapter(lang: str, n: str, request: Request):
    if not re.fullmatch(r"[1-8]", n):
        return not_found(request)
    return await _serve(request, lang, f"chapter-{n}")


@router.get("/{lang}/ending")
async def ending(lang: str, request: Request):
    return await _serve(request, lang, "ending")


@router.get("/{lang}/thread")
async def thread(lang: str, request: Request):
    return await _serve(request, lang, "thread")


@router.get("/{lang}/glossary")
async def glossary(lang: str, request: Request):
    return await _serve(request, lang, "glossary")


@router.get("/{lang}/video")
async def video(lang: str, request: Request):
    return await _serve(request, lang, "video")
