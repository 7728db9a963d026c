"""HTML pages: the cover, the chapters, the ending, the thread, the glossary, the video scripts, and / itself."""

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from app.web import addresses, settings
from app.widgets import admission
from app.widgets import view
from app.widgets.view import MAX_CARRY

router = APIRouter(include_in_schema=False)

MAX_PAIRS = 40
MAX_LEN = 64  # longest key
MAX_ACCEPT_LANGUAGE = 256  # what of Accept-Language is read (a browser sends a few dozen characters)


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
    """The first of the reader's languages the site speaks (by q), else the fallback language."""
    ranked = []
    for i, part in enumerate((accept_language or "")[:MAX_ACCEPT_LANGUAGE].split(",")):
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
        for lang in settings.LANGS:
            if tag == lang or tag.startswith(lang + "-"):
                return lang
    return settings.FALLBACK_LANG


@router.get("/")
def root(request: Request):
    lang = choose_lang(request.headers.get("accept-language"))
    return RedirectResponse(f"/{lang}/", status_code=307, headers={"Vary": "Accept-Language"})


@router.get("/healthz")
def healthz(request: Request):
    """200 only when this worker can serve a page and a widget, each with the site's
    address written in (what every page and embed needs); else 503 saying what failed."""
    from app import widgets
    from app.widgets import view

    site = request.app.state.site
    try:
        page = site.page("en", "index")
        if page is None or page.status != 200:
            raise RuntimeError("the cover does not render")
        settings.public_url()    # what every page's and embed's address is written from
        inst = view.Instance(widgets.get("temperature"), "temperature", {})
        _, state = view.render(inst, "en", [], action="/en/")
        if state is None:
            raise RuntimeError("the temperature dial does not render")
    except Exception as exc:  # noqa: BLE001 - any failure is what the check reports
        return JSONResponse({"status": "unwell", "detail": str(exc)[:300]}, status_code=503)
    return {"status": "ok"}


def slash_redirect(request):
    """A 307 to the same address with its trailing slash added or removed, if that is a
    page (``/en`` → ``/en/``). The address is relative, or on ``KITCHEN_PUBLIC_URL``
    when it is set: never on a Host header the server was not told to trust."""
    from starlette.routing import Match

    path = request.url.path
    if path.startswith("//") or path == "/":
        return None
    other = path[:-1] if path.endswith("/") else path + "/"
    scope = {**request.scope, "path": other}
    if not any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
        return None
    location = quote(other) + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse((settings.public_url() or "") + location, status_code=307)


def keep_redirect(location):
    """A 303 to ``location``: a widget's form or link sent without JavaScript, answered
    with the page in its new state and every other widget's state kept
    (``view.kept_address``). It depends on the Referer, so it is never stored."""
    return RedirectResponse((settings.public_url() or "") + location, status_code=303,
                            headers={"Cache-Control": "no-store"})


async def _serve(request, lang, slug):
    """A page. Without a query it is already rendered and comes straight from
    memory; with one, its widgets compute in the thread pool, off the event loop."""
    if lang not in settings.LANGS:
        return not_found(request)
    site = request.app.state.site
    pairs = query_pairs(request)
    if any(k == view.KEEP for k, _ in pairs):
        page = site.library.get(lang, slug)
        if page is None and slug != "index":
            return not_found(request)
        inst = page.instance(dict(pairs)[view.KEEP]) if page is not None else None
        return keep_redirect(view.kept_address(request.url.path, pairs, request.headers.get("referer"), inst))
    if not pairs:
        rendered = site.page(lang, slug)
        return not_found(request) if rendered is None else page_response(rendered, request)
    # a heavy state waits at the worker's gate (app/widgets/admission.py)
    return await admission.respond(request, site.page, lang, slug, pairs, to_response=lambda rendered: (
        not_found(request) if rendered is None else page_response(rendered, request)))


def page_response(rendered, request):
    """A rendered page, with its oEmbed discovery link in the headers when it has one."""
    if rendered.oembed:
        return html_response(rendered, headers={"Link": addresses.oembed_link(rendered.oembed, request.scope)})
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
