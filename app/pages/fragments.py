"""The widget fragment route: ``/{lang}/widget/{name}?...``, what htmx swaps in.

It renders the widget's partial for the state in the query. When htmx asks,
the page the reader is on (``HX-Current-URL``) supplies the other widgets'
state, and the answer carries ``HX-Replace-Url``: the page's address with the
new state, so every state the reader reaches has a link.
"""

import re

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.convertors import Convertor, register_url_convertor

from app import widgets
from app.pages import embed
from app.pages.routes import not_found, query_pairs
from app.web import settings
from app.widgets import admission
from app.widgets import view


class Language(Convertor):
    """``{lang:lang}`` in a path: one of the site's languages, nothing else."""

    regex = "|".join(re.escape(lang) for lang in settings.LANGS)

    def convert(self, value):
        return value

    def to_string(self, value):
        return value


register_url_convertor("lang", Language())


def find_page(library, lang, path, ns, name):
    """The page at ``path`` (in ``lang``) if it holds widget instance ``ns`` of ``name``."""
    page = library.at(lang, path) if path else None
    if page is not None:
        inst = page.instance(ns)
        if inst is not None and inst.widget.name == name:
            return page
    return None


async def fragment(request: Request):
    """Rendered in the thread pool (a quick widget's on the event loop); a heavy state
    waits at the worker's gate (app/widgets/admission.py)."""
    lang, name = request.path_params["lang"], request.path_params["name"]
    widget = widgets.get(name)
    return await admission.respond(request, render_fragment, lang, name, request,
                                   quick=widget is not None and widget.quick)


# The answer a dial asks for most often, so the app tries it first, as a plain route: it
# skips FastAPI's parameter checks, which have nothing to check here (the widget checks its
# own query; the JSON twin, /api/widget/{name}, is the documented form of the same state),
# and it matches the site's languages only, so no other address reaches it.
PATH = "/{lang:lang}/widget/{name}"


def render_fragment(lang, name, request):
    widget = widgets.get(name)
    if lang not in settings.LANGS or widget is None:
        return not_found(request)
    site = request.app.state.site
    pairs = query_pairs(request)
    ns = request.query_params.get("ns", name)
    if not re.fullmatch(re.escape(name) + r"(-[2-9])?", ns):
        return not_found(request)

    cur_path, cur_pairs = view.current_pairs(request.headers.get("HX-Current-URL"))
    page = find_page(site.library, lang, cur_path, ns, name)
    if page is None and ns == name:
        page = site.library.home_of(lang, name)
    if page is not None and page.instance(ns) is not None:
        inst = page.instance(ns)
        action = page.path
    else:
        page = None
        inst = view.Instance(widget, ns, {})
        action = request.url.path

    own_keys = {f"{ns}.{p.key}" for p in widget.params} | {p.key for p in widget.params}
    source = cur_pairs if (page is not None and cur_pairs is not None) else pairs
    others = [(k, v) for k, v in source if k not in own_keys and k != "ns"]
    mine = [(k, v) for k, v in pairs if k in own_keys]
    htmx = request.headers.get("HX-Request") == "true"
    # htmx asking from the widget's live form swaps only the widget's output (and the embed
    # snippet, out of band): that is all it is sent, not the form it already has
    target = request.headers.get("HX-Target", "").rpartition("#")[2]   # "id" (htmx 2) or "tag#id"
    part = view.OUT if htmx and target == f"{ns}-out" else None
    html, state = embed.render_with_control(inst, lang, others + mine, action=action, part=part)

    headers = {"Vary": "HX-Request, HX-Current-URL, HX-Target"}
    if state is not None and page is not None and htmx:
        headers["HX-Replace-Url"] = f"{page.path}?{view.state_query(inst, state, others)}"
    return HTMLResponse(html, status_code=200 if state is not None else 422, headers=headers)
