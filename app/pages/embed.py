"""Any widget inside someone else's page: the embed page, the snippet, oEmbed.

``/embed/{lang}/{name}?key=…`` is a small whole page holding one widget in the
state its (bare) query keys give, with a link back to its chapter. It reports
its height to the page that frames it with ``postMessage`` (static/js/embed.js);
a host page that includes static/js/embed-host.js resizes such iframes itself.
``?theme=light|dark`` fixes the colours; otherwise they follow the reader's
system. The embed page sets no cookies and needs nothing from its parent.

Every widget on a chapter gets an "Embed" control (``control``): the
``<iframe>`` snippet for its current state, refreshed out of band whenever
htmx swaps the widget. ``/oembed?url=…&format=json`` answers for chapter and
embed URLs, as the oEmbed 1.0 spec asks (404 for an address it does not know,
501 for any format other than json).

The site's absolute address is app/web/addresses.py's.
"""

import re
from types import SimpleNamespace
from urllib.parse import urlsplit, parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from app import widgets
from app.web import addresses, i18n, settings, templating
from app.widgets import admission
from app.web.addresses import (BASE, BASE_Q, HOST_RE, base_url, oembed_href,  # noqa: F401
                               oembed_link, public_url)
from app.pages.routes import keep_redirect, not_found, query_pairs
from app.widgets import view
from app.widgets.base import InputError

router = APIRouter(include_in_schema=False)

THEMES = ("light", "dark")

DEFAULT_WIDTH = 720      # oEmbed width when the consumer sets no maxwidth


# --- addresses and the snippet ------------------------------------------------

def embed_path(lang, widget, state, theme=None):
    """/embed/{lang}/{name}?bare state keys[&theme=…]."""
    pairs = list(widget.query(state).items())
    if theme in THEMES:
        pairs.append(("theme", theme))
    return f"/embed/{lang}/{widget.name}?{addresses.query(pairs)}"


TITLE_P_RE = re.compile(r'<p class="widget-title"([^>]*)>(.*?)</p>', re.S)
HEADING_RE = re.compile(r"<(/?)h([3-6])\b")


def as_own_page(html):
    """A partial written to sit under a chapter's h2, made the whole of a page: its
    title becomes the page's h1 and its headings move up one level, so the outline
    has no gap (h1, h2, … instead of h3 straight after nothing)."""
    html = TITLE_P_RE.sub(r'<h1 class="widget-title"\1>\2</h1>', html, count=1)
    return HEADING_RE.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) - 1}", html)


def iframe(src, title, height, width="100%"):
    """The iframe element (src absolute, with markers)."""
    w = width if isinstance(width, str) else str(int(width))
    style = "width:100%;border:0" if w == "100%" else "max-width:100%;border:0"
    return (
        f'<iframe src="{_attr(src)}" title="{_attr(title)}" width="{w}" height="{int(height)}" '
        f'style="{style}" loading="lazy" data-kitchen-embed></iframe>'
    )


def host_script():
    return f'<script src="{BASE}/static/js/embed-host.js" async></script>'


def snippet(lang, widget, state, title, path=None):
    """The two lines that embed ``widget`` in ``state`` (``path``: its embed page's path, if known)."""
    src = BASE + (path or embed_path(lang, widget, state))
    return iframe(src, title, widget.height) + "\n" + host_script()


def _attr(text):
    return (
        str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def control(inst, lang, state, partial_html, live):
    """The "Embed" control after a widget on a chapter: its snippet for ``state``.

    ``live`` marks the snippet to be swapped out of band by htmx (a good state);
    after a bad input the old snippet stays."""
    widget = inst.widget
    title = widget.title_in(lang)
    path = embed_path(lang, widget, state)
    return templating.render(
        "embed_control.html",
        ns=inst.ns,
        lang=lang,
        live=live,
        code=snippet(lang, widget, state, f"{title} · {i18n.say(lang, i18n.SITE_NAME)}", path),
        preview=path,
    )


def render_with_control(inst, lang, query_pairs, action, part=None):
    """``view.render`` followed by the widget's "Embed" control, as a chapter shows it
    (the snippet for the state shown: the starting state after a bad input, whose
    old snippet htmx then leaves in place). ``part``: see ``view.render``."""
    html, state = view.render(inst, lang, query_pairs, action, part=part)
    shown = state if state is not None else inst.widget.parse({}, inst.args)
    return html + control(inst, lang, shown, html, live=state is not None), state


# --- the embed page ---------------------------------------------------------------

def home_instance(site, lang, name):
    """The widget's first instance on its home page (for its starting state), and the page."""
    page = site.library.home_of(lang, name)
    if page is not None:
        inst = page.instance(name)
        if inst is not None:
            return inst, page
    return None, None


# an htmx request gets the fragment, and its new address keeps the theme of the
# page it came from (HX-Current-URL)
VARY = "HX-Request, HX-Current-URL"


@router.get("/embed/{lang}/{name}")
async def embed_page(lang: str, name: str, request: Request):
    """Rendered in the thread pool; a heavy state waits at the worker's gate (app/widgets/admission.py)."""
    widget = widgets.get(name)
    if widget is not None and lang in settings.LANGS and view.KEEP in request.query_params:
        # sent without JavaScript by the widget's form or link: the theme (and any other key) kept
        inst = view.Instance(widget, name, {}) if request.query_params[view.KEEP] == name else None
        return keep_redirect(view.kept_address(request.url.path, query_pairs(request), request.headers.get("referer"), inst))
    return await admission.respond(request, render_embed, lang, name, request)


def render_embed(lang, name, request):
    widget = widgets.get(name)
    if lang not in settings.LANGS or widget is None:
        return not_found(request)
    site = request.app.state.site
    home, page = home_instance(site, lang, name)
    inst = view.Instance(widget, name, dict(home.args) if home else {})
    pairs = query_pairs(request)
    theme = request.query_params.get("theme")
    theme = theme if theme in THEMES else None
    path = f"/embed/{lang}/{name}"
    html, state = view.render(inst, lang, pairs, action=path, fragment_url=path)
    html = as_own_page(html)
    back = back_link(page, lang, inst, state)
    status = 200 if state is not None else 422

    if request.headers.get("HX-Request") == "true":
        headers = {"Vary": VARY}
        if state is not None:
            cur_theme = theme
            if cur_theme is None:
                _, cur = view.current_pairs(request.headers.get("HX-Current-URL"))
                cur_theme = dict(cur or []).get("theme")
            headers["HX-Replace-Url"] = embed_path(lang, widget, state, cur_theme)
        body = html + templating.render("embed_back.html", lang, back=back, oob=True)
        return HTMLResponse(body, status_code=status, headers=headers)

    from app.pages import share

    title = widget.title_in(lang)
    shown = state if state is not None else widget.parse({}, inst.args)
    holder = SimpleNamespace(widgets=[(inst, 0)])
    oembed = oembed_href(embed_path(lang, widget, shown, theme))
    page_html = templating.render(
        "embed.html",
        lang,
        name=name,
        theme=theme,
        title=title,
        full_title=f"{title} · {i18n.say(lang, i18n.SITE_NAME)}",
        description=page.summary if page else i18n.say(lang, i18n.TAGLINE),
        alternates=[],
        og_type="website",
        locale=i18n.locale(lang),
        other_locales=[i18n.locale(x) for x in settings.LANGS if x != lang],
        scripts=site.scripts(holder),
        widget_assets=site.widget_assets(holder),
        widget=html,
        back=back,
        oembed=oembed,
        share=share.head(site, lang, page.slug if page else "index", widget_name=name, structured=False),
    )
    return HTMLResponse(page_html, status_code=status,
                        headers={"Vary": VARY, "Link": oembed_link(oembed, request.scope)})


def back_link(page, lang, inst, state):
    """The link from an embed back to the widget in its chapter, in the same state."""
    if page is None:
        return {"href": f"/{lang}/", "label": i18n.say(lang, i18n.SITE_NAME), "site": i18n.say(lang, i18n.SITE_NAME)}
    query = view.state_query(inst, state, []) if state is not None else ""
    href = page.path + (f"?{query}" if query else "") + f"#w-{inst.ns}"
    label = i18n.say(lang, "Chapter %(n)s", n=page.chapter) if page.chapter else i18n.say(lang, "Cover")
    return {"href": href, "label": f"{label} · {page.title}", "site": i18n.say(lang, i18n.SITE_NAME)}


# --- oEmbed -------------------------------------------------------------------------

def _positive(raw):
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def _same_site(parts, scope):
    base = urlsplit(base_url(scope))
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower():
        return False
    return public_url() is None or parts.scheme == base.scheme


LANG_RE = "(" + "|".join(map(re.escape, settings.LANGS)) + ")"
CHAPTER_RE = re.compile(r"^/" + LANG_RE + r"/chapter/([1-8])/?$")
EMBED_RE = re.compile(r"^/embed/" + LANG_RE + r"/([a-z][a-z-]*)/?$")


def resolve(site, url, scope):
    """(lang, widget, state, theme, page, chapter) for a chapter or embed URL of this
    site, or None. ``page`` is the chapter (or the widget's home page, for an embed
    URL); ``chapter`` says whether the URL was the chapter's."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not _same_site(parts, scope):
        return None
    pairs = parse_qsl(parts.query, keep_blank_values=True)[: view.MAX_KEYS]
    query = dict(pairs)
    m = EMBED_RE.match(parts.path)
    if m:
        lang, name = m.groups()
        widget = widgets.get(name)
        if widget is None:
            return None
        home, page = home_instance(site, lang, name)
        inst = view.Instance(widget, name, dict(home.args) if home else {})
        theme = query.get("theme") if query.get("theme") in THEMES else None
        chapter = False
    else:
        m = CHAPTER_RE.match(parts.path)
        if not m:
            return None
        lang, n = m.groups()
        page = site.library.get(lang, f"chapter-{n}")
        if page is None or not page.widgets:
            return None
        instances = [i for i, _ in page.widgets]
        inst = instances[0]
        wanted = parts.fragment[2:] if parts.fragment.startswith("w-") else None
        for cand in instances:
            if cand.ns == wanted:
                inst = cand
                break
        else:
            for cand in instances:
                if any(k.startswith(f"{cand.ns}.") for k in query):
                    inst = cand
                    break
        widget = inst.widget
        theme = None
        chapter = True
    try:
        state = widget.parse(view.own_values(widget, inst.ns, query), inst.args)
    except InputError:
        return None
    return lang, widget, state, theme, page, chapter


@router.get("/oembed")
def oembed(request: Request):
    fmt = request.query_params.get("format", "json")
    url = request.query_params.get("url", "")
    site = request.app.state.site
    found = resolve(site, url[:2000], request.scope) if url else None
    if found is None:
        return JSONResponse({"detail": "No embeddable widget at this URL."}, status_code=404)
    if fmt != "json":
        return JSONResponse({"detail": "Only format=json is supported."}, status_code=501)
    from app.pages import cards, share

    lang, widget, state, theme, page, chapter = found
    title = widget.title_in(lang)
    frame_title = title
    if chapter:   # a chapter's address is the chapter, shown by the widget it names
        chapter = i18n.say(lang, "Chapter %(n)s", n=page.chapter)
        title = f"{chapter} · {page.title}"
    width, height = DEFAULT_WIDTH, widget.height
    maxwidth = _positive(request.query_params.get("maxwidth"))
    maxheight = _positive(request.query_params.get("maxheight"))
    if maxwidth:
        width = min(width, max(maxwidth, 1))
    if maxheight:
        height = min(height, max(maxheight, 1))
    base = base_url(request.scope)
    src = base + embed_path(lang, widget, state, theme)
    code = iframe(src, f"{frame_title} · {i18n.say(lang, i18n.SITE_NAME)}", height, width) + host_script().replace(BASE, base)
    thumbnail = base + share.card_path(site, lang, page.slug if page else "index", widget.name)
    return JSONResponse(
        {
            "version": "1.0",
            "type": "rich",
            "html": code,
            "width": width,
            "height": height,
            "title": title,
            "provider_name": i18n.say(lang, i18n.SITE_NAME),
            "provider_url": f"{base}/{lang}/",
            "thumbnail_url": thumbnail,
            "thumbnail_width": cards.W,
            "thumbnail_height": cards.H,
            "cache_age": 3600,
        }
    )
