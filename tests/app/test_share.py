"""The site outside its own tab: share cards, structured data, the Atom feeds,
the manifest and the icons. Run on the real story, every page in both languages
(the site's own page list, so a page added later is checked too)."""

import html as html_mod
import json
import re
import struct
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from app.pages import cards, share
from app.story import content
from app.web import i18n, settings
from tests.markup import documents

HOST = "http://testserver"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def c():
    return documents.client()


@pytest.fixture(scope="module")
def site():
    return documents.real_site()


def pages():
    return [content.page_path(lang, slug) for lang, slug in documents.real_site().pages_in_order()]


def meta(html, prop):
    found = re.findall(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)">', html)
    return [html_mod.unescape(v) for v in found]


def png_size(body):
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


def jsonld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.mark.parametrize("path", pages())
def test_every_page_has_its_card_and_structured_data(c, site, path):
    html = c.get(path).text
    lang = path.split("/")[1]
    [image] = meta(html, "og:image")
    assert image.startswith(f"{HOST}/card/{lang}/") and "v=" in image
    assert meta(html, "og:image:width") == ["1200"] and meta(html, "og:image:height") == ["630"]
    [alt] = meta(html, "og:image:alt")
    title = html_mod.unescape(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1))
    assert title in alt and i18n.say(lang, i18n.SITE_NAME) in alt
    assert meta(html, "twitter:card") == ["summary_large_image"]
    r = c.get(image)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert png_size(r.content) == (1200, 630)
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    data = jsonld(html)
    assert data["@context"] == "https://schema.org" and data["inLanguage"] == lang
    if path == f"/{lang}/":
        assert data["@type"] == "WebSite" and data["url"] == f"{HOST}/{lang}/"
    else:
        assert data["@type"] == "Article" and data["headline"] == title
        assert data["url"] == HOST + path
        assert data["isPartOf"] == {"@type": "Book", "name": i18n.say(lang, i18n.SITE_NAME), "url": f"{HOST}/{lang}/", "inLanguage": lang}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", data["datePublished"])
        assert data["datePublished"] <= data["dateModified"]
        assert data["image"]["url"] == image
    # the small conventions, on every page
    assert f'<link rel="alternate" type="application/atom+xml" href="/{lang}/feed.xml"' in html
    assert f'<link rel="manifest" href="/{lang}/manifest.webmanifest">' in html
    assert re.search(r'<meta name="theme-color" content="#[0-9a-f]{6}">', html)
    assert re.search(r'<link rel="apple-touch-icon" href="/icon-180\.png\?v=[0-9a-f]+">', html)


@pytest.mark.parametrize("lang", settings.LANGS)
def test_a_card_is_drawn_from_the_pages_own_figure_and_title(site, lang):
    page = site.library.get(lang, "chapter-3")
    svg, alt = share.card(site, lang, "chapter-3")
    figure = cards.first_figure("".join(s for s in page.segments if isinstance(s, str)))
    labels = [x for x in re.findall(r"<text\b[^>]*>([^<]+)</text>", figure) if x.strip()]
    assert labels and all(label in svg for label in labels)
    assert page.title[:4] in html_mod.unescape(svg)
    other, _ = share.card(site, "en" if lang == "zh" else "zh", "chapter-3")
    assert other != svg


def test_a_card_really_draws_its_text(site):
    """The renderer finds the fonts: the card with its title differs from one without."""
    svg, _ = share.card(site, "zh", "chapter-3")
    page = site.library.get("zh", "chapter-3")
    title_lines = re.findall(r'<text x="72"[^>]*font-weight="700" fill="#2b2420">[^<]+</text>', svg)
    assert title_lines
    bare = svg
    for line in title_lines:
        bare = bare.replace(line, "")
    assert cards.png(svg) != cards.png(bare), f"the title of {page.title!r} is not drawn"


def test_a_link_with_a_widgets_state_previews_with_the_widgets_title(c, site):
    plain = c.get("/en/chapter/7").text
    state = c.get("/en/chapter/7?notebook.menu=ab&notebook.t=0.5&notebook.seed=1").text
    [plain_image] = meta(plain, "og:image")
    [state_image] = meta(state, "og:image")
    assert parse_qs(urlsplit(state_image).query)["w"] == ["notebook"]
    assert "w=" not in plain_image
    title = share.widgets.get("notebook").title_in("en")
    assert title in meta(state, "og:image:alt")[0]
    svg, _ = share.card(site, "en", "chapter-7", "notebook")
    drawn = html_mod.unescape(svg)
    assert all(word in drawn for word in title.split())
    a, b = c.get(plain_image).content, c.get(state_image).content
    assert png_size(b) == (1200, 630) and a != b
    # the embed page of a widget previews with the same card
    embed = c.get("/embed/en/notebook").text
    assert meta(embed, "og:image") == [state_image.split("?")[0] + "?" + urlsplit(state_image).query]
    assert "application/ld+json" not in embed


def test_an_old_or_unknown_card_address(c):
    r = c.get("/card/zh/chapter-3.png?v=0000000000")
    assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=300"
    for bad in ("/card/zh/chapter-99.png", "/card/fr/index.png", "/card/zh/chapter-3.png?w=nope", "/card/zh/chapter-3"):
        assert c.get(bad).status_code == 404, bad


@pytest.mark.parametrize("lang", settings.LANGS)
def test_the_atom_feed_lists_the_book_with_summaries(c, site, lang):
    r = c.get(f"/{lang}/feed.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    assert root.find(f"{ATOM}title").text == i18n.say(lang, i18n.SITE_NAME)
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"{HOST}/{lang}/feed.xml"
    entries = root.findall(f"{ATOM}entry")
    toc = site.toc(lang)
    assert len(entries) == len(toc) >= 9
    for entry, item in zip(entries, toc):
        assert entry.find(f"{ATOM}id").text == HOST + item["href"]
        assert entry.find(f"{ATOM}link").get("href") == HOST + item["href"]
        assert item["title"] in entry.find(f"{ATOM}title").text
        assert entry.find(f"{ATOM}summary").text == item["summary"]
        assert entry.find(f"{ATOM}updated").text >= entry.find(f"{ATOM}published").text
    assert root.find(f"{ATOM}updated").text == max(e.find(f"{ATOM}updated").text for e in entries)
    assert c.get("/fr/feed.xml").status_code == 404


@pytest.mark.parametrize("lang", settings.LANGS)
def test_the_manifest_and_its_icons(c, lang):
    r = c.get(f"/{lang}/manifest.webmanifest")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/manifest+json")
    data = r.json()
    assert data["name"] == i18n.say(lang, i18n.SITE_NAME) and data["start_url"] == f"/{lang}/"
    assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"]) and re.fullmatch(r"#[0-9a-f]{6}", data["background_color"])
    for icon in data["icons"]:
        got = c.get(icon["src"])
        assert got.status_code == 200 and got.headers["content-type"] == icon["type"]
        assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
        if icon["type"] == "image/png":
            n = int(icon["sizes"].split("x")[0])
            assert png_size(got.content) == (n, n)


def test_favicon_ico_and_apple_touch_icon_are_answered_directly(c):
    r = c.get("/favicon.ico", follow_redirects=False)
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    reserved, kind, count = struct.unpack("<HHH", r.content[:6])
    assert (reserved, kind, count) == (0, 1, 3)
    for i in range(count):
        w, h, _, _, planes, bits, size, offset = struct.unpack("<BBBBHHII", r.content[6 + 16 * i: 22 + 16 * i])
        assert png_size(r.content[offset:offset + size]) == (w, h)
    apple = c.get("/apple-touch-icon.png")
    assert apple.status_code == 200 and png_size(apple.content) == (180, 180)
