"""How the site looks when it leaves its own tab: share cards, structured data,
the Atom feeds, the web app manifest and the icons.

- ``/card/{lang}/{slug}.png`` is the page's share card (app/pages/cards.py); with
  ``?w=<widget>`` it carries that widget's title too. The address the pages give
  holds ``v=``, a hash of the drawing, and is kept for a year; any other ``v``
  (an old card) is answered with today's card for five minutes.
- ``head(...)`` is what a page's ``<head>`` says about it for link previews:
  ``og:image`` with its size and alt, ``twitter:card``, and JSON-LD (``WebSite``
  for the cover, ``Article`` for the other pages, part of the book).
- ``/{lang}/feed.xml``: an Atom feed of the book's pages after the cover, with
  their summaries; ``/{lang}/manifest.webmanifest``; ``/favicon.ico`` (PNGs of
  static/favicon.svg in an ICO), ``/apple-touch-icon.png`` and ``/icon-{n}.png``.

Every list here comes from the site's own page list (``Site.pages_in_order``,
``Site.toc``), so a page added to the story gets its card, its feed entry and
its structured data with no change here. Dates are the content file's first and
last commit (one ``git log`` at start-up), or its modification time outside a
git checkout.
"""

import datetime as dt
import functools
import hashlib
import html as html_mod
import json
import os
import re
import struct
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import widgets
from app.pages import cards
from app.story import content
from app.web import addresses, i18n, settings
from app.web.templating import THEME, icon_svg, icon_url, icon_version  # noqa: F401  (the icons are drawn from the favicon)

router = APIRouter(include_in_schema=False)

YEAR = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
ICON_SIZES = (180, 192, 512)
ICO_SIZES = (16, 32, 48)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# --- what the page says about itself ---------------------------------------------------

def _label(lang, slug, page):
    if slug == "index":
        return i18n.say(lang, i18n.TAGLINE)
    if page is not None and page.chapter:
        return i18n.say(lang, "Chapter %(n)s", n=page.chapter)
    return i18n.say(lang, content.SECTIONS[slug]) if slug in content.SECTIONS else ""


def _prose(page):
    return "".join(s for s in page.segments if isinstance(s, str)) if page is not None else ""


def _figure(site, lang, page):
    """The page's first drawing, else the book's opening one (chapter 1's)."""
    svg = cards.first_figure(_prose(page))
    if svg is None:
        for slug in content.PAGES:
            svg = cards.first_figure(_prose(site.library.get(lang, slug)))
            if svg:
                break
    return svg


FIGURE_ALT_RE = re.compile(r'<div class="figure-art" role="img" aria-label="([^"]*)"')


def card(site, lang, slug, widget_name=None):
    """(svg, alt) of a page's card, made once per site."""
    key = ("card", lang, slug, widget_name)
    if key not in site.cache:
        page = site.library.get(lang, slug)
        title = page.title if page is not None else i18n.say(lang, i18n.SITE_NAME)
        widget_title = None
        if widget_name:
            widget_title = widgets.get(widget_name).title_in(lang)
        label = _label(lang, slug, page)
        svg = cards.card_svg(lang, i18n.say(lang, i18n.SITE_NAME), label, title, _figure(site, lang, page), widget_title)
        alt = " · ".join(x for x in (i18n.say(lang, i18n.SITE_NAME), label, title, widget_title) if x)
        m = FIGURE_ALT_RE.search(_prose(page))
        if m:
            drawing = html_mod.unescape(m.group(1))
            if alt[-1] in "？！。?!.":   # the title ends its own sentence
                alt = i18n.say(lang, "%(alt)s Drawing: %(drawing)s", alt=alt, drawing=drawing)
            else:
                alt = i18n.say(lang, "%(alt)s. Drawing: %(drawing)s", alt=alt, drawing=drawing)
        site.cache[key] = (svg, alt)
    return site.cache[key]


def card_path(site, lang, slug, widget_name=None):
    svg, _ = card(site, lang, slug, widget_name)
    query = (f"w={widget_name}&" if widget_name else "") + f"v={cards.version(svg)}"
    return f"/card/{lang}/{slug}.png?{query}"


def widget_in(page, query_pairs):
    """The widget a page's query sets (the first whose keys it holds), or None."""
    if page is None or not query_pairs:
        return None
    keys = {k for k, _ in query_pairs}
    for inst, _ in page.widgets:
        if any(k.startswith(f"{inst.ns}.") for k in keys):
            return inst.widget.name
    return None


def head(site, lang, slug, query_pairs=(), widget_name=None, structured=True):
    """Link-preview tags for a page: the card, and JSON-LD (addresses with BASE markers).
    An embed page names its widget and has the card, not the chapter's JSON-LD."""
    page = site.library.get(lang, slug)
    widget_name = widget_name or widget_in(page, query_pairs)
    _, alt = card(site, lang, slug, widget_name)
    image = addresses.BASE + card_path(site, lang, slug, widget_name)
    return {
        "image": image,
        "image_alt": alt,
        "image_width": cards.W,
        "image_height": cards.H,
        "jsonld": jsonld(site, lang, slug, image) if structured else None,
    }


def jsonld(site, lang, slug, image):
    page = site.library.get(lang, slug)
    base = addresses.BASE
    book = {"@type": "Book", "name": i18n.say(lang, i18n.SITE_NAME), "url": f"{base}/{lang}/", "inLanguage": lang}
    if page is None or slug == "index":
        data = {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": i18n.say(lang, i18n.SITE_NAME),
            "headline": page.title if page else i18n.say(lang, i18n.SITE_NAME),
            "description": page.summary if page else i18n.say(lang, i18n.TAGLINE),
            "url": f"{base}/{lang}/",
            "inLanguage": lang,
            "image": image,
        }
    else:
        published, modified = dates(site)[(lang, slug)]
        data = {
            "@context": "https://schema.org",
            "@type": "Article",
            "headline": page.title,
            "description": page.summary,
            "url": base + page.path,
            "mainEntityOfPage": base + page.path,
            "inLanguage": lang,
            "image": {"@type": "ImageObject", "url": image, "width": cards.W, "height": cards.H},
            "datePublished": published,
            "dateModified": modified,
            "author": {"@type": "Organization", "name": i18n.say(lang, i18n.SITE_NAME), "url": f"{base}/{lang}/"},
            "isPartOf": book,
        }
        if page.chapter:
            data["position"] = page.chapter
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/")   # never closes its <script>


# --- dates -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def _git_dates(folder):
    """{(lang, slug): (first, last)} commit dates of the content files, or {} (asked once
    per folder: the history does not change while the server runs)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "log", "--format=%x00%cI", "--name-only", "--", "."],
            capture_output=True, text=True, timeout=20, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    found = {}
    for block in out.split("\x00")[1:]:
        lines = [x for x in block.splitlines() if x.strip()]
        if not lines:
            continue
        when = lines[0].strip()
        for name in lines[1:]:
            parts = Path(name.strip()).parts
            if len(parts) >= 2 and parts[-1].endswith(".md"):
                key = (parts[-2], parts[-1][:-3])
                first, last = found.get(key, (when, when))
                found[key] = (when, last)  # the log runs newest first: the last seen is the first
    return found


def dates(site):
    """{(lang, slug): (published, modified)}, ISO 8601, for every page of the story."""
    if "dates" not in site.cache:
        folders = {page.file.parent.parent for page in site.library.pages.values()}
        from_git = {}
        for folder in folders:
            from_git.update(_git_dates(folder))
        out = {}
        for (lang, slug), page in site.library.pages.items():
            mtime = dt.datetime.fromtimestamp(os.stat(page.file).st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
            out[(lang, slug)] = from_git.get((lang, slug), (mtime, mtime))
        site.cache["dates"] = out
    return site.cache["dates"]


# --- routes: cards and icons ----------------------------------------------------------------

def _png_response(body, v, wanted):
    return Response(body, media_type="image/png",
                    headers={"Cache-Control": YEAR if v == wanted else SHORT})


@router.get("/card/{lang}/{name}")
def card_png(lang: str, name: str, request: Request):
    from app.pages.routes import not_found

    site = request.app.state.site
    slug = name[:-4] if name.endswith(".png") else None
    widget_name = request.query_params.get("w") or None
    if (lang not in settings.LANGS or not slug or not SLUG_RE.match(slug) or not site.exists(lang, slug)
            or (widget_name is not None and widgets.get(widget_name) is None)):
        return not_found(request)
    svg, _ = card(site, lang, slug, widget_name)
    return _png_response(cards.png_cached(svg), request.query_params.get("v"), cards.version(svg))


@router.get("/icon-{size}.png")
def icon_png(size: str, request: Request):
    from app.pages.routes import not_found

    if not size.isdigit() or int(size) not in ICON_SIZES:
        return not_found(request)
    n = int(size)
    body = cards.png_cached(icon_svg(n, padded=True), n, n)
    return _png_response(body, request.query_params.get("v"), icon_version())


@router.get("/apple-touch-icon.png")
def apple_touch_icon(request: Request):
    return Response(cards.png_cached(icon_svg(180, padded=True), 180, 180), media_type="image/png")


def ico(pngs):
    """An ICO file holding PNG images [(size, bytes)]."""
    head = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, data = b"", b""
    for size, body in pngs:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(body), offset + len(data))
        data += body
    return head + entries + data


@router.get("/favicon.ico")
def favicon_ico():
    body = ico([(n, cards.png_cached(icon_svg(n, padded=False), n, n)) for n in ICO_SIZES])
    return Response(body, media_type="image/x-icon")


# --- the manifest and the feeds -------------------------------------------------------------

@router.get("/{lang}/manifest.webmanifest")
def manifest(lang: str, request: Request):
    from app.pages.routes import not_found

    if lang not in settings.LANGS:
        return not_found(request)
    data = {
        "name": i18n.say(lang, i18n.SITE_NAME),
        "short_name": i18n.say(lang, "Kitchen"),   # under a home-screen icon
        "description": i18n.say(lang, i18n.TAGLINE),
        "lang": i18n.locale(lang).replace("_", "-"),
        "dir": "ltr",
        "start_url": f"/{lang}/",
        "scope": "/",
        "display": "minimal-ui",
        "background_color": THEME["light"],
        "theme_color": THEME["light"],
        "icons": [
            {"src": f"/static/favicon.svg?v={icon_version()}", "sizes": "any", "type": "image/svg+xml"},
            {"src": icon_url(192), "sizes": "192x192", "type": "image/png"},
            {"src": icon_url(512), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return Response(json.dumps(data, ensure_ascii=False, indent=1), media_type="application/manifest+json")


def feed_xml(site, lang, base):
    """The Atom feed of the book in ``lang``: its pages after the cover, in reading order."""
    all_dates = dates(site)
    home = f"{base}/{lang}/"
    entries = []
    for item in site.toc(lang):
        published, modified = all_dates[(lang, item["slug"])]
        url = base + item["href"]
        entries.append((modified, (
            "  <entry>\n"
            f"    <id>{escape(url)}</id>\n"
            f"    <title>{escape(item['label'] + ' · ' + item['title'])}</title>\n"
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(url)}/>\n"
            f"    <published>{published}</published>\n"
            f"    <updated>{modified}</updated>\n"
            f"    <summary>{escape(item['summary'] or '')}</summary>\n"
            "  </entry>\n"
        )))
    updated = max((m for m, _ in entries), default=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">\n'
        f"  <id>{escape(home)}</id>\n"
        f"  <title>{escape(i18n.say(lang, i18n.SITE_NAME))}</title>\n"
        f"  <subtitle>{escape(i18n.say(lang, i18n.TAGLINE))}</subtitle>\n"
        f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(f'{base}/{lang}/feed.xml')}/>\n"
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(home)}/>\n"
        f"  <updated>{updated}</updated>\n"
        f"  <author><name>{escape(i18n.say(lang, i18n.SITE_NAME))}</name><uri>{escape(home)}</uri></author>\n"
        f"  <icon>{escape(base + icon_url(192))}</icon>\n"
        + "".join(e for _, e in entries)
        + "</feed>\n"
    )


@router.get("/{lang}/feed.xml")
def feed(lang: str, request: Request):
    from app.pages.routes import not_found

    if lang not in settings.LANGS:
        return not_found(request)
    site = request.app.state.site
    return Response(feed_xml(site, lang, addresses.base_url(request.scope)), media_type="application/atom+xml")
