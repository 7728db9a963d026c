"""Embedding (issue: any widget in another page): the embed page, the Embed
control's snippet, oEmbed, and the site's address written into pages.

These run against the real story in content/, so every widget is checked
where readers meet it, in both languages."""

import html as html_mod
import re
from urllib.parse import parse_qsl, urlencode, urlsplit
from tests.app.widget_checks import submit_without_js

import pytest
from fastapi.testclient import TestClient

from app import widgets
from app.pages.embed import BASE, BASE_Q
from app.web import i18n, settings
from app.widgets.base import InputError, Number

LANGS = settings.LANGS
NAMES = sorted(widgets.BUILT)
HOST = "http://testserver"


@pytest.fixture(scope="module")
def real_site():
    from app.pages import site

    return site.build()


@pytest.fixture(scope="module")
def rc(real_site):
    from app.main import create_app

    with TestClient(create_app(real_site)) as c:
        yield c


def home(site, lang, name):
    page = site.library.home_of(lang, name)
    assert page is not None, f"{name} is on no page in {lang}"
    return page, page.instance(name)


def starting_state(site, lang, name):
    _, inst = home(site, lang, name)
    return inst.widget.parse({}, inst.args)


def other_state(widget, state):
    """A valid state that differs from ``state`` in one key."""
    for p in widget.params:
        if isinstance(p, Number):
            for raw in (p.lo, p.hi, (p.lo + p.hi) / 2):
                value = p.parse(p.format(raw))
                if value != state[p.key]:
                    return {**state, p.key: value}
    for p in widget.params:  # letters, or a widget's own kind of value
        for raw in ("anna", "bo", "b", "e"):
            try:
                value = p.parse(raw)
            except InputError:
                continue
            if value != state[p.key]:
                return {**state, p.key: value}
    raise AssertionError(f"no second state for {widget.name}")


def snippet_src(text, ns):
    """The iframe src in the Embed control of instance ``ns``, and the control's HTML."""
    m = re.search(
        rf'<details class="embed-control" id="{re.escape(ns)}-embed">.*?<textarea[^>]*>(.*?)</textarea>', text, re.S
    )
    assert m, f"no Embed control for {ns}"
    code = html_mod.unescape(m.group(1))
    src = re.search(r'<iframe src="([^"]+)"', code)
    assert src, code
    return html_mod.unescape(src.group(1)), code


def embed_url(lang, widget, state):
    return f"{HOST}/embed/{lang}/{widget.name}?{urlencode(widget.query(state))}"


# --- the embed page ---------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_embed_page_for_every_widget(rc, real_site, lang, name):
    r = rc.get(f"/embed/{lang}/{name}")
    assert r.status_code == 200, r.text[-500:]
    text = r.text
    assert f'<html lang="{lang}">' in text
    title = html_mod.unescape(re.search(r"<title>([^<]+)</title>", text).group(1))
    assert html_mod.unescape(title) == title, title    # escaped once, not twice
    assert title.endswith(" · " + i18n.say(lang, i18n.SITE_NAME))
    assert title.split(" · ")[0] not in ("", name)
    assert f'id="w-{name}"' in text
    # no site navigation, no Embed control inside the embed
    for chrome in ('class="site-header"', 'class="site-footer"', 'class="pager"', "footer-toc", "embed-control"):
        assert chrome not in text, chrome
    # a link back to the widget in its chapter, in the same state
    page, inst = home(real_site, lang, name)
    back = re.search(r'<p class="embed-back" id="embed-back"><a href="([^"]+)"', text)
    assert back, "no back link"
    href = html_mod.unescape(back.group(1))
    assert href.startswith(page.path + "?") and href.endswith(f"#w-{name}")
    state = starting_state(real_site, lang, name)
    assert dict(parse_qsl(urlsplit(href).query, keep_blank_values=True)) == {f"{name}.{k}": v for k, v in inst.widget.query(state).items()}
    # oEmbed discovery for this very embed
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)" title="[^"]+">', text)
    assert link, "no oEmbed link"
    q = dict(parse_qsl(urlsplit(html_mod.unescape(link.group(1))).query))
    assert q == {"url": embed_url(lang, inst.widget, state), "format": "json"}
    # its own assets, htmx pinned, the height reporter; no cookies
    for path in inst.widget.assets:
        assert f"/static/{path}?v=" in text
    assert f'integrity="{settings.HTMX.sri}"' in text
    assert "/static/js/embed.js?v=" in text
    assert "set-cookie" not in r.headers
    # the form swaps inside the embed and the no-JS form reloads the embed
    assert re.search(rf'(data-hx-get|data-fragment)="/embed/{lang}/{name}"', text)
    assert f"/{lang}/widget/{name}" not in text
    assert BASE not in text and BASE_Q not in text


def test_embed_page_state_and_theme(rc):
    r = rc.get("/embed/en/temperature", params={"t": "1.2", "n": "4", "seed": "7", "theme": "dark"})
    assert r.status_code == 200
    assert re.search(r'<body class="[^"]*\btheme-dark\b', r.text)
    assert 'value="1.2"' in r.text and 'value="4"' in r.text
    assert r.text.count('<li class="name ') == 4
    # the theme is a page option the no-JS form keeps (from the page it was sent on), not widget state
    form = r.text.split("<form", 1)[1]
    assert '<input type="hidden" name="keep" value="temperature">' in form and 'name="theme"' not in form
    pairs, again = submit_without_js(rc, "/embed/en/temperature?" + urlencode(
        {"t": "1.2", "n": "4", "seed": "7", "theme": "dark"}), "<form" + form)
    assert ("theme", "dark") in pairs and ("temperature.t", "1.2") in pairs
    assert re.search(r'<body class="[^"]*\btheme-dark\b', again.text)
    light = rc.get("/embed/zh/temperature", params={"theme": "light"})
    assert re.search(r'<body class="[^"]*\btheme-light\b', light.text)
    system = rc.get("/embed/zh/temperature", params={"theme": "purple"})
    assert system.status_code == 200
    assert "theme-" not in re.search(r'<body class="([^"]*)"', system.text).group(1)
    # the theme's colours exist for both
    css = rc.get("/static/css/embed.css").text
    assert "body.theme-dark" in css and "body.theme-light" in css


def test_embed_back_link_carries_the_state(rc):
    r = rc.get("/embed/zh/tokenizer", params={"text": "anna"})
    href = html_mod.unescape(re.search(r'id="embed-back"><a href="([^"]+)"', r.text).group(1))
    assert href == "/zh/chapter/2?tokenizer.text=anna#w-tokenizer"
    assert rc.get(href.split("#")[0]).status_code == 200


@pytest.mark.parametrize(
    "path", ["/embed/fr/temperature", "/embed/en/no-such-widget", "/embed/en/Temperature", "/embed/zh/"]
)
def test_embed_unknown_is_the_bilingual_404(rc, path):
    r = rc.get(path)
    assert r.status_code == 404
    assert all(i18n.say(x, "There is no page at this address. Perhaps a letter slipped.") in r.text for x in ("zh", "en"))


@pytest.mark.parametrize("lang", LANGS)
def test_embed_bad_state_is_422_in_place(rc, lang):
    r = rc.get(f"/embed/{lang}/temperature", params={"t": "nan"})
    assert r.status_code == 422
    assert 'class="widget-error" role="alert"' in r.text
    msg = "冒险" if lang == "zh" else "must be"
    assert msg in re.search(r'class="widget-error"[^>]*>([^<]+)<', r.text).group(1)
    assert 'id="embed-back"' in r.text and "site-header" not in r.text
    r = rc.get(f"/embed/{lang}/tokenizer", params={"text": "x" * 80})
    assert r.status_code == 422 and "widget-error" in r.text


def test_embed_htmx_swap_stays_in_the_embed(rc):
    headers = {"HX-Request": "true", "HX-Current-URL": f"{HOST}/embed/en/temperature?theme=dark"}
    r = rc.get("/embed/en/temperature", params={"temperature.t": "1.5", "theme": "dark"}, headers=headers)
    assert r.status_code == 200
    assert r.headers["HX-Replace-Url"] == "/embed/en/temperature?t=1.5&n=10&seed=1&theme=dark"
    assert "<html" not in r.text and 'id="temperature-out"' in r.text
    # the back link follows out of band
    assert 'id="embed-back" data-hx-swap-oob="true"' in r.text and "temperature.t=1.5" in r.text
    bad = rc.get("/embed/en/temperature", params={"temperature.t": "9"}, headers=headers)
    assert bad.status_code == 422 and "HX-Replace-Url" not in bad.headers
    # the chapter's own fragment route still points at the chapter
    frag = rc.get("/en/widget/temperature", params={"t": "1.5"},
                  headers={"HX-Request": "true", "HX-Current-URL": f"{HOST}/en/chapter/7"})
    assert frag.headers["HX-Replace-Url"].startswith("/en/chapter/7?")


# --- the Embed control on chapters ------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_every_widget_on_its_chapter_has_the_embed_control(rc, real_site, lang, name):
    page, inst = home(real_site, lang, name)
    widget = inst.widget
    state = starting_state(real_site, lang, name)
    r = rc.get(page.path)
    assert r.status_code == 200
    src, code = snippet_src(r.text, name)
    assert src == embed_url(lang, widget, state)
    assert f'<script src="{HOST}/static/js/embed-host.js" async></script>' in code
    iframe = re.search(r"<iframe [^>]+>", code).group(0)
    title = html_mod.unescape(re.search(r'title="([^"]+)"', iframe).group(1))
    assert html_mod.unescape(title) == title, title    # escaped once, not twice
    assert title.endswith(" · " + i18n.say(lang, i18n.SITE_NAME))
    assert title.split(" · ")[0] not in ("", name)
    assert 'width="100%"' in iframe and 'loading="lazy"' in iframe
    assert f'height="{widgets.get(name).height}"' in iframe
    summary = "嵌入" if lang == "zh" else "Embed"
    assert f'<details class="embed-control" id="{name}-embed">\n  <summary>{summary}</summary>' in r.text
    assert "data-copy-code" in r.text and "/static/js/embed-control.js?v=" in r.text

    # a new state through the fragment route: the snippet follows, swapped out of band
    new = other_state(widget, state)
    own = {f"{name}.{k}": v for k, v in widget.query(new).items()}
    frag = rc.get(f"/{lang}/widget/{name}", params=own,
                  headers={"HX-Request": "true", "HX-Current-URL": f"{HOST}{page.path}"})
    assert frag.status_code == 200, frag.text[-400:]
    assert f'id="{name}-embed-body" data-hx-swap-oob="true"' in frag.text
    src, _ = snippet_src(frag.text, name)
    assert src == embed_url(lang, widget, new) != embed_url(lang, widget, state)
    # and the chapter reached with that state shows the same snippet
    again = rc.get(page.path, params=own)
    assert snippet_src(again.text, name)[0] == src
    # the snippet's address really is the embed in that state
    embedded = rc.get(src.removeprefix(HOST))
    assert embedded.status_code == 200 and f'id="w-{name}"' in embedded.text


def test_a_bad_input_keeps_the_last_good_snippet(rc):
    r = rc.get("/en/widget/temperature", params={"temperature.t": "9"},
               headers={"HX-Request": "true", "HX-Current-URL": f"{HOST}/en/chapter/7"})
    assert r.status_code == 422
    assert 'id="temperature-embed-body"' in r.text
    assert 'id="temperature-embed-body" data-hx-swap-oob' not in r.text


def test_chapter_pages_advertise_oembed(rc):
    r = rc.get("/zh/chapter/3", params={"next-dish.prefix": "an"})
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)" title="([^"]+)">', r.text)
    assert link
    q = dict(parse_qsl(urlsplit(html_mod.unescape(link.group(1))).query))
    assert q == {"url": f"{HOST}/zh/chapter/3?next-dish.prefix=an", "format": "json"}
    assert "oembed" not in rc.get("/zh/").text  # the cover holds no widget


def test_public_url_setting_and_a_hostile_host(rc, monkeypatch):
    monkeypatch.setenv("KITCHEN_PUBLIC_URL", "https://kitchen.example.org/")
    r = rc.get("/en/chapter/7")
    src, code = snippet_src(r.text, "temperature")
    assert src.startswith("https://kitchen.example.org/embed/en/temperature?")
    assert "https://kitchen.example.org/static/js/embed-host.js" in code
    ok = rc.get("/oembed", params={"url": "https://kitchen.example.org/en/chapter/7"})
    assert ok.status_code == 200
    assert rc.get("/oembed", params={"url": f"{HOST}/en/chapter/7"}).status_code == 404
    monkeypatch.delenv("KITCHEN_PUBLIC_URL")
    r = rc.get("/en/chapter/7", headers={"host": 'evil"><script>x'})
    assert "<script>x" not in r.text and 'evil"' not in r.text
    src, _ = snippet_src(r.text, "temperature")
    assert src.startswith("http://") and "evil" not in src


# --- oEmbed --------------------------------------------------------------------------

REQUIRED = {"version": str, "type": str, "html": str, "width": int, "height": int, "provider_name": str}


def check_oembed(r, lang):
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    for key, kind in REQUIRED.items():
        assert isinstance(data.get(key), kind), key
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["width"] > 0 and data["height"] > 0
    assert data["provider_name"] == i18n.say(lang, i18n.SITE_NAME)
    assert data["provider_url"] == f"{HOST}/{lang}/"
    assert data["title"]
    src = re.search(r'<iframe src="([^"]+)"', data["html"])
    assert src and re.search(rf'width="{data["width"]}" height="{data["height"]}"', data["html"])
    return data, html_mod.unescape(src.group(1))


def test_oembed_for_a_chapter_url(rc):
    data, src = check_oembed(rc.get("/oembed", params={"url": f"{HOST}/en/chapter/7?temperature.t=1.3", "format": "json"}), "en")
    assert src == f"{HOST}/embed/en/temperature?t=1.3&n=10&seed=1"
    # a chapter's address is titled by its chapter; the frame, by the widget it shows
    page = rc.get("/en/chapter/7").text
    assert data["title"] == "Chapter 7 · " + html_mod.unescape(re.search(r"<h1>([^<]+)</h1>", page).group(1))
    shown = re.search(r'<p class="widget-title" id="temperature-title">([^<]+)<', page)
    iframe_title = html_mod.unescape(re.search(r'title="([^"]+)"', data["html"]).group(1))
    assert iframe_title == html_mod.unescape(shown.group(1)).strip() + " · " + i18n.say("en", i18n.SITE_NAME)
    # its thumbnail is the chapter's share card with the widget's title in it
    assert data["thumbnail_url"].startswith(f"{HOST}/card/en/chapter-7.png?w=temperature&v=")
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (1200, 630)
    # with no state: the chapter's first widget in its starting state
    _, src = check_oembed(rc.get("/oembed", params={"url": f"{HOST}/zh/chapter/3"}), "zh")
    assert src.startswith(f"{HOST}/embed/zh/sous-chefs?")
    # the widget whose state the URL holds, or whose anchor it points at
    _, src = check_oembed(rc.get("/oembed", params={"url": f"{HOST}/zh/chapter/3?next-dish.prefix=an"}), "zh")
    assert src.startswith(f"{HOST}/embed/zh/next-dish?prefix=an")
    _, src = check_oembed(rc.get("/oembed", params={"url": f"{HOST}/en/chapter/7#w-notebook"}), "en")
    assert src.startswith(f"{HOST}/embed/en/notebook?")


def test_oembed_titles_are_plain_text_escaped_once(rc):
    # the sous-chefs' title has an apostrophe: plain in the JSON, one &#x27; or &#39; in the html
    data, _ = check_oembed(rc.get("/oembed", params={"url": f"{HOST}/embed/en/sous-chefs"}), "en")
    assert data["title"].startswith("The sous-chefs' meeting")
    iframe_title = re.search(r'title="([^"]+)"', data["html"]).group(1)
    assert html_mod.unescape(iframe_title) == data["title"] + " · " + i18n.say("en", i18n.SITE_NAME)


def test_oembed_for_an_embed_url(rc):
    data, src = check_oembed(rc.get("/oembed", params={"url": f"{HOST}/embed/zh/tokenizer?text=anna&theme=dark", "format": "json"}), "zh")
    assert src == f"{HOST}/embed/zh/tokenizer?text=anna&theme=dark"
    assert f'<script src="{HOST}/static/js/embed-host.js" async></script>' in data["html"]
    assert data["height"] == widgets.get("tokenizer").height
    assert data["thumbnail_url"].startswith(f"{HOST}/card/zh/chapter-2.png?w=tokenizer&v=")
    card = rc.get(data["thumbnail_url"])
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"


def test_oembed_maxwidth_and_maxheight(rc):
    url = f"{HOST}/embed/en/temperature"
    wide = rc.get("/oembed", params={"url": url}).json()
    narrow = rc.get("/oembed", params={"url": url, "maxwidth": "320", "maxheight": "200"}).json()
    assert wide["width"] > 320 and narrow["width"] == 320
    assert narrow["height"] == 200 < wide["height"]
    assert 'width="320" height="200"' in narrow["html"]
    roomy = rc.get("/oembed", params={"url": url, "maxwidth": "5000"}).json()
    assert roomy["width"] == wide["width"]


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/en/chapter/7",
        "https://testserver.evil.example/embed/en/temperature",
        f"{HOST}/en/chapter/9",
        f"{HOST}/en/",
        f"{HOST}/en/thread",
        f"{HOST}/embed/en/nope",
        f"{HOST}/embed/fr/temperature",
        f"{HOST}/embed/en/temperature?t=99",
        f"{HOST}/api/sample",
        "javascript:alert(1)",
        "",
    ],
)
def test_oembed_unknown_urls_are_404(rc, url):
    assert rc.get("/oembed", params={"url": url, "format": "json"}).status_code == 404


def test_oembed_other_formats_are_501(rc):
    for fmt in ("xml", "JSON", "html"):
        r = rc.get("/oembed", params={"url": f"{HOST}/en/chapter/7", "format": fmt})
        assert r.status_code == 501, fmt


def test_host_script_is_served(rc):
    r = rc.get("/static/js/embed-host.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert "kitchen:height" in r.text and "event.origin" in r.text and "contentWindow" in r.text


def test_the_readme_example_works(rc):
    readme = (settings.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Embed it", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```html\n(.*?)```", section, re.S).group(1)
    src = html_mod.unescape(re.search(r'<iframe src="([^"]+)"', code).group(1))
    script = re.search(r'<script src="([^"]+)" async></script>', code).group(1)
    for url in (src, script):
        parts = urlsplit(url)
        r = rc.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert r.status_code == 200, url
    assert 'id="w-temperature"' in rc.get(urlsplit(src).path + "?" + urlsplit(src).query).text
    # word for word what the chapter's Embed control gives for that dial, served there
    page = rc.get("http://127.0.0.1:8000/en/chapter/7?temperature.t=1.2").text
    snippets = [html_mod.unescape(x) for x in re.findall(r"&lt;iframe .*?&lt;/script&gt;", page, re.S)]
    assert code.strip() in snippets
    for name in widgets.NAMES:
        assert f"`{name}`" in section
