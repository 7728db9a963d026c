"""What the browser tests share."""

import json
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

from app.story import content
from app.web import settings


def ready(page):
    """htmx is loaded and nothing is on its way: the page is ready for the reader."""
    page.wait_for_function("() => window.htmx !== undefined")
    page.wait_for_load_state("networkidle")


def query(page):
    """The query of the page's address, one value per key."""
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def api(server, path):
    """A JSON answer of the live server."""
    with urllib.request.urlopen(server + path, timeout=10) as r:
        return json.loads(r.read())


def twin(server, widget, lang="en", /, **query):
    """The data ``widget``'s partial renders for a state, from the live server's JSON twin:
    what a page should show once the reader has brought it to that state."""
    return api(server, f"/api/widget/{widget}?" + urlencode({**query, "lang": lang}))["data"]


def story_paths():
    """Every page the story has so far, in both languages."""
    paths = []
    for lang in settings.LANGS:
        slugs = {p.stem for p in (settings.CONTENT_DIR / lang).glob("*.md") if p.name.lower() != "readme.md"}
        for slug in content.PAGES:
            if slug in slugs or slug == "index":
                paths.append(content.page_path(lang, slug))
    return paths


def text_boxes(page, selector):
    """For each element matching ``selector``: its drawn font size in CSS pixels (an SVG's
    scale included) and its box on the page, (px, left, top, right, bottom)."""
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].map(t => {
             const r = t.getBoundingClientRect(), m = t.getScreenCTM ? t.getScreenCTM() : null;
             return [parseFloat(getComputedStyle(t).fontSize) * (m ? m.a : 1), r.left, r.top, r.right, r.bottom];
           })""",
        selector,
    )
