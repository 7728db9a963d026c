"""Pages: redirects, cover, chapters, ending, thread, 404, head tags, language switch."""

import html
import re
from html.parser import HTMLParser

import pytest


class Tags(HTMLParser):
    """Collects start tags with their attributes, and the text of <h1>."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.h1 = []
        self._in_h1 = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "h1":
            self._in_h1 += 1
            self.h1.append("")

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 -= 1

    def handle_data(self, data):
        if self._in_h1:
            self.h1[-1] += data

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def parse(html):
    p = Tags()
    p.feed(html)
    return p


@pytest.mark.parametrize(
    "header, lang",
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("zh-TW", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, zh;q=0.5", "zh"),
        ("en;q=0.4, zh-Hans;q=0.9", "zh"),
        ("de", "en"),
        ("", "en"),
        ("garbage;;;q=x", "en"),
    ],
)
def test_root_redirects_by_accept_language(client, header, lang):
    r = client.get("/", headers={"Accept-Language": header}, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == f"/{lang}/"
    assert "accept-language" in r.headers["vary"].lower()


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cover_has_contents_of_existing_pages_only(client, lang):
    r = client.get(f"/{lang}/")
    assert r.status_code == 200
    tags = parse(r.text)
    hrefs = [a["href"] for a in tags.find("a") if "href" in a]
    for present in (f"/{lang}/chapter/1", f"/{lang}/chapter/7", f"/{lang}/ending", f"/{lang}/thread"):
        assert present in hrefs
    for missing in range(2, 7):
        assert f"/{lang}/chapter/{missing}" not in hrefs
    assert 'class="toc"' in r.text


@pytest.mark.parametrize("path", ["/zh/", "/en/", "/zh/chapter/7", "/en/chapter/1", "/zh/ending", "/en/thread"])
def test_page_head_and_landmarks(client, path):
    lang = path.split("/")[1]
    other = "en" if lang == "zh" else "zh"
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    tags = parse(r.text)
    assert tags.find("html")[0]["lang"] == lang
    assert len(tags.h1) == 1 and tags.h1[0].strip()
    assert len(tags.find("main", id="main")) == 1
    assert tags.find("a", **{"class": "skip-link", "href": "#main"})
    title = re.search(r"<title>(.*?)</title>", r.text).group(1)
    assert title.strip()
    assert tags.find("meta", name="description")[0]["content"].strip()
    for prop in ("og:title", "og:description", "og:type", "og:locale", "og:site_name"):
        assert tags.find("meta", property=prop), prop
    alternates = {a["hreflang"]: a["href"] for a in tags.find("link", rel="alternate") if "hreflang" in a}
    base = "http://testserver"
    assert alternates[lang] == base + path
    assert alternates[other] == base + path.replace(f"/{lang}/", f"/{other}/", 1)
    assert alternates["x-default"] == base + path.replace(f"/{lang}/", "/zh/", 1)
    switch = tags.find("a", **{"class": "lang-switch"})[0]
    assert base + switch["href"] == alternates[other]
    assert switch["lang"] == other


def test_chapter_titles_and_summary_come_from_front_matter_with_placeholders(client, fixture_site):
    r = client.get("/en/chapter/1")
    n_names = f"{fixture_site.facts.n_names:,}"
    title = html.unescape(re.search(r"<title>(.*?)</title>", r.text).group(1))
    assert title == f"Ingredients: {n_names} menus · The Apprentice's Kitchen"
    assert f'content="Xiao Ming learns from {n_names} names."' in r.text
    assert '<div class="chapter-summary">' in r.text


def test_previous_and_next_follow_reading_order_of_existing_pages(client):
    tags = parse(client.get("/zh/chapter/7").text)
    assert tags.find("a", rel="prev")[0]["href"] == "/zh/chapter/1"
    assert tags.find("a", rel="next")[0]["href"] == "/zh/ending"
    tags = parse(client.get("/zh/chapter/1").text)
    assert tags.find("a", rel="prev")[0]["href"] == "/zh/"
    tags = parse(client.get("/en/ending").text)
    assert tags.find("a", rel="prev")[0]["href"] == "/en/chapter/7"
    assert not tags.find("a", rel="next")


def test_language_switch_keeps_the_query(client):
    r = client.get("/zh/chapter/7?temperature.t=0.8&temperature-2.n=3&utm=x")
    assert r.status_code == 200
    switch = parse(r.text).find("a", **{"class": "lang-switch"})[0]
    assert switch["href"] == "/en/chapter/7?temperature.t=0.8&temperature-2.n=3&utm=x"


@pytest.mark.parametrize(
    "path",
    [
        "/fr/",
        "/fr/chapter/1",
        "/zh/chapter/2",
        "/zh/chapter/9",
        "/zh/chapter/0",
        "/zh/chapter/x",
        "/zh/chapter/07",
        "/en/chapter/1.5",
        "/zh/nope",
        "/nope",
        "/zh/widget/nope",
        "/xx/widget/temperature",
        "/zh/widget/temperature?ns=temperature-x",
        "/zh/widget/temperature?ns=other",
        "/zh/chapter/7/extra",
    ],
)
def test_bad_paths_get_the_bilingual_404_page(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "这道菜不在菜单上" in r.text
    assert "That dish is not on the menu" in r.text
    assert 'href="/zh/"' in r.text and 'href="/en/"' in r.text
    assert len(parse(r.text).h1) == 1


def test_unknown_api_path_is_json_404(client):
    r = client.get("/api/nope")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}


def test_thread_posts_are_cards_with_copy_buttons(client):
    r = client.get("/zh/thread")
    assert r.status_code == 200
    tags = parse(r.text)
    posts = tags.find("li", **{"class": "post"})
    assert [p["id"] for p in posts] == ["post-1", "post-2", "post-3"]
    buttons = tags.find("button", **{"class": "copy-post"})
    assert [b["data-copy"] for b in buttons] == ["post-1", "post-2", "post-3"]
    assert all("hidden" in b for b in buttons)  # shown by the script only
    assert tags.find("ol", **{"class": "thread"})


def test_figure_renders_inline_with_alt_and_caption(client, fixture_site):
    r = client.get("/zh/chapter/1")
    n_params = f"{fixture_site.facts.n_params:,}"
    assert '<figure class="figure figure-demo" id="figure-demo">' in r.text
    assert f'role="img" aria-label="小明站在 {n_params} 个旋钮的墙前"' in r.text
    assert "<svg" in r.text and "厨房: 小明站在" in r.text
    assert re.search(r"<figcaption>\s*<p>小明的厨房。</p>\s*</figcaption>", r.text)


def test_query_echo_is_escaped(client):
    evil = '"><script>alert(1)</script>'
    r = client.get("/zh/chapter/7", params={"x": evil, "temperature.n": evil})
    assert "<script>alert(1)" not in r.text
    r = client.get("/zh/widget/temperature", params={"n": evil, "x": evil})
    assert "<script>alert(1)" not in r.text


def test_pages_without_query_are_served_from_memory(client, fixture_site):
    first = fixture_site.page("zh", "chapter-7")
    assert fixture_site.page("zh", "chapter-7") is first
    # the only change on the way out: the site's address written over its markers (app/pages/embed.py)
    from app.pages.embed import BASE, BASE_Q

    served = first.html.replace(BASE_Q, "http%3A%2F%2Ftestserver").replace(BASE, "http://testserver")
    assert client.get("/zh/chapter/7").text == served


def test_many_and_long_query_values_are_bounded(client):
    params = [(f"k{i}", "v" * 100) for i in range(300)]
    r = client.get("/en/chapter/7", params=params)
    assert r.status_code == 200
    assert len(r.text) < 200_000
