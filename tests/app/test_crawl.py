"""What search engines see: robots.txt, the sitemap, canonical and alternate links."""

import re
import xml.etree.ElementTree as ET

import pytest

from app.story import content
from tests.app.stories import story_client

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def sitemap_entries(text):
    """{loc: {hreflang: href}} from a sitemap."""
    root = ET.fromstring(text.encode())
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    out = {}
    for url in root.findall("s:url", NS):
        loc = url.find("s:loc", NS).text
        assert loc not in out, f"{loc} is listed twice"
        out[loc] = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)
                    if link.get("rel") == "alternate"}
    return out


def head_links(html):
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', html)
    og_url = re.findall(r'<meta property="og:url" content="([^"]+)">', html)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    return canonical, og_url, alternates


def test_robots_points_at_the_sitemap_and_keeps_crawlers_on_the_pages(client):
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert lines[0] == "User-agent: *"
    for path in ("/api/", "/embed/", "/oembed", "/zh/widget/", "/en/widget/"):
        assert f"Disallow: {path}" in lines
    assert not any(line == "Disallow: /" for line in lines)
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert r.headers["etag"] and "max-age" in r.headers["cache-control"]


def test_the_sitemap_lists_every_page_in_both_languages_with_its_twin(client, fixture_site):
    r = client.get("/sitemap.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    entries = sitemap_entries(r.text)
    expected = {f"http://testserver{content.page_path(lang, slug)}" for lang, slug in fixture_site.pages_in_order()}
    # the fixture story: the cover, chapters 1 and 7, the ending and the thread, in both languages
    assert len(expected) == 10
    assert set(entries) == expected
    for loc, alternates in entries.items():
        path = loc.removeprefix("http://testserver")
        assert client.get(path).status_code == 200, path
        lang = path.split("/")[1]
        other = "en" if lang == "zh" else "zh"
        assert alternates[lang] == loc
        assert alternates[other] == loc.replace(f"/{lang}/", f"/{other}/", 1)
        assert alternates["x-default"] == loc.replace(f"/{lang}/", "/zh/", 1)
        # the page says the same about itself
        assert head_links(client.get(path).text)[2] == alternates


def test_a_page_without_a_twin_has_no_alternate_in_the_other_language(tmp_path):
    chapter = "---\ntitle: Only English\nsummary: Not yet in Chinese.\n---\n\n## One\n\nText.\n\n::: summary\nOne.\n:::\n"
    with story_client(tmp_path, {("en", "chapter-2"): chapter}) as c:
        entries = sitemap_entries(c.get("/sitemap.xml").text)
        assert entries["http://testserver/en/chapter/2"] == {
            "en": "http://testserver/en/chapter/2", "x-default": "http://testserver/en/chapter/2"}
        assert "http://testserver/zh/chapter/2" not in entries
        assert head_links(c.get("/en/chapter/2").text)[2] == {
            "en": "http://testserver/en/chapter/2", "x-default": "http://testserver/en/chapter/2"}


@pytest.mark.parametrize("path", ["/en/chapter/7", "/zh/chapter/7?temperature.t=0.9&temperature.seed=4", "/zh/"])
def test_the_canonical_address_is_the_page_without_its_widget_state(client, path):
    canonical, og_url, alternates = head_links(client.get(path).text)
    bare = "http://testserver" + path.split("?")[0]
    assert canonical == [bare]
    # a link preview reads og:url as the thing shared: a widget's state previews as itself
    assert [u.replace("&amp;", "&") for u in og_url] == ["http://testserver" + path]
    lang = path.split("/")[1]
    assert alternates[lang] == bare


def test_the_public_address_is_used_when_set(client, monkeypatch):
    monkeypatch.setenv("KITCHEN_PUBLIC_URL", "https://kitchen.example.org")
    assert "Sitemap: https://kitchen.example.org/sitemap.xml" in client.get("/robots.txt").text
    entries = sitemap_entries(client.get("/sitemap.xml").text)
    assert entries and all(loc.startswith("https://kitchen.example.org/") for loc in entries)
    canonical, _, alternates = head_links(client.get("/en/thread").text)
    assert canonical == ["https://kitchen.example.org/en/thread"]
    assert alternates["zh"] == "https://kitchen.example.org/zh/thread"


def test_embed_pages_ask_not_to_be_indexed_and_pages_do_not(client):
    assert '<meta name="robots" content="noindex">' in client.get("/embed/en/temperature").text
    page = client.get("/en/chapter/7").text
    assert 'name="robots"' not in page
