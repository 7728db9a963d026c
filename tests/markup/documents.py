"""Every kind of HTML the site sends, gathered from the real story for the
markup checks: each page of the story (app.pages.site's page list, so pages added
later are included), the 404 page, each widget's embed page and fragment (plain
and as htmx asks for it) in both languages, and each widget-state link the pages
themselves hold (one per widget)."""

import functools
import re
from urllib.parse import urlsplit

from app import widgets
from app.story import content
from app.web import settings

HREF = re.compile(r'<a\b[^>]*\bhref="(/(?:zh|en)/[^"#]*\?[^"#]*)')


@functools.lru_cache(maxsize=1)
def real_site():
    from app.pages import site

    return site.build()


@functools.lru_cache(maxsize=1)
def client():
    from fastapi.testclient import TestClient

    from app.main import create_app

    # no lifespan: no page here trains, so the training helper is not started
    return TestClient(create_app(real_site()), base_url="http://testserver")


def fragment_document(lang, body):
    """A fragment as the page holds it: inside a minimal valid page."""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>fragment</title></head>'
        f"<body><main>{body}</main></body></html>"
    )


def pages():
    """(path, status) of every page of the story, and a missing one."""
    site = real_site()
    out = [(content.page_path(lang, slug), 200) for lang, slug in site.pages_in_order()]
    out.append(("/zh/no-such-page", 404))
    return out


def collect():
    """[(label, html)] of every document, as served."""
    c = client()
    site = real_site()
    docs = []
    state_links = {}
    for path, status in pages():
        r = c.get(path)
        assert r.status_code == status, (path, r.status_code)
        docs.append((path, r.text))
        for href in HREF.findall(r.text):
            href = href.replace("&amp;", "&")
            key = (urlsplit(href).path, href.split("?")[1].split("=")[0].split(".")[0])
            state_links.setdefault(key, href)
    for href in sorted(state_links.values()):
        r = c.get(href)
        docs.append((href, r.text))
    for lang in settings.LANGS:
        for name in widgets.BUILT:
            embed = f"/embed/{lang}/{name}"
            r = c.get(embed)
            assert r.status_code == 200, embed
            docs.append((embed, r.text))
            r = c.get(embed, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver" + embed})
            docs.append((embed + " (htmx)", fragment_document(lang, r.text)))
            frag = f"/{lang}/widget/{name}"
            r = c.get(frag)
            assert r.status_code == 200, frag
            docs.append((frag, fragment_document(lang, r.text)))
            home = site.library.home_of(lang, name)
            if home is not None:
                r = c.get(frag, headers={"HX-Request": "true", "HX-Current-URL": "http://testserver" + home.path})
                docs.append((frag + " (htmx)", fragment_document(lang, r.text)))
    return docs
