"""A real oEmbed consumer (PyPI's micawber, as blog engines use such libraries) asks
the live server about a chapter's and an embed's address, and finds the
discovery link in the HTTP headers as a consumer that reads only headers would."""

import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import micawber
import pytest

from app.web import i18n


@pytest.fixture
def providers(server):
    registry = micawber.ProviderRegistry()
    provider = micawber.Provider(server + "/oembed", timeout=10)
    registry.register(re.escape(server) + r"/(?:zh|en)/chapter/\d.*", provider)
    registry.register(re.escape(server) + r"/embed/(?:zh|en)/[a-z-]+.*", provider)
    return registry


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chapter_is_titled_by_its_chapter_with_its_card(providers, server, lang):
    url = f"{server}/{lang}/chapter/7?temperature.t=1.3"
    data = providers.request(url)
    assert data["type"] == "rich" and data["provider_name"] == i18n.say(lang, i18n.SITE_NAME)
    assert data["title"].startswith(i18n.say(lang, "Chapter %(n)s", n=7) + " · ")
    assert "<iframe" in data["html"] and f"/embed/{lang}/temperature?t=1.3" in data["html"]
    thumb = data["thumbnail_url"]
    assert parse_qs(urlsplit(thumb).query)["w"] == ["temperature"]
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (1200, 630)
    with urllib.request.urlopen(thumb, timeout=20) as r:
        assert r.headers["content-type"] == "image/png" and r.read(8) == b"\x89PNG\r\n\x1a\n"


def test_an_embed_is_titled_by_its_widget(providers, server):
    data = providers.request(f"{server}/embed/en/tokenizer?text=anna")
    assert "cutting board" in data["title"].lower()
    assert "thumbnail_url" in data


def test_discovery_from_the_headers_alone(server):
    request = urllib.request.Request(f"{server}/en/chapter/3", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as r:
        link = r.headers["link"]
    m = re.fullmatch(r'<([^>]+)>; rel="alternate"; type="application/json\+oembed"', link)
    assert m
    with urllib.request.urlopen(m.group(1), timeout=10) as r:
        assert r.headers["access-control-allow-origin"] == "*"
        assert b'"thumbnail_url"' in r.read()
