"""What other sites may read (app/web/cors.py), and the oEmbed Link header that lets
them find a widget's embed code from a chapter's or an embed's address."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

OPENED = ["/embed/en/temperature", "/embed/zh/tokenizer?text=anna", "/oembed?url=http://testserver/en/chapter/7",
          "/api/model", "/static/css/kitchen.css"]
CLOSED = ["/en/chapter/7", "/zh/", "/en/widget/temperature", "/sitemap.xml"]


@pytest.mark.parametrize("path", OPENED)
def test_what_embeds_and_consumers_read_is_open_to_any_origin(client, path):
    r = client.get(path, headers={"Origin": "null"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert "HX-Replace-Url" in r.headers["access-control-expose-headers"]


@pytest.mark.parametrize("path", CLOSED)
def test_the_pages_themselves_are_not_opened(client, path):
    r = client.get(path, headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in r.headers


def test_a_sandboxed_embed_s_htmx_preflight_is_answered(client):
    r = client.options("/embed/en/temperature?temperature.t=1", headers={
        "Origin": "null", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "hx-current-url,hx-request,hx-target,hx-trigger"})
    assert r.status_code == 204 and r.content == b""
    assert r.headers["access-control-allow-origin"] == "*"
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"hx-current-url", "hx-request", "hx-target", "hx-trigger", "hx-trigger-name"} <= allowed
    assert "GET" in r.headers["access-control-allow-methods"]
    refused = client.options("/embed/en/temperature", headers={
        "Origin": "null", "Access-Control-Request-Method": "POST"})
    assert refused.status_code == 405


def test_an_htmx_answer_to_an_embed_is_readable_across_origins(client):
    r = client.get("/embed/en/temperature?t=1.2", headers={
        "Origin": "null", "HX-Request": "true", "HX-Current-URL": "http://testserver/embed/en/temperature"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    assert r.headers["hx-replace-url"].startswith("/embed/en/temperature?")


def test_the_practice_stream_is_open_and_still_a_stream(client):
    with client.stream("GET", "/api/train?steps=2&seed=1", headers={"Origin": "null"}) as r:
        assert r.headers["access-control-allow-origin"] == "*"
        assert r.headers["content-type"].startswith("text/event-stream")
        assert next(r.iter_lines()) is not None


def oembed_link(r):
    m = re.fullmatch(r'<([^>]+)>; rel="alternate"; type="application/json\+oembed"', r.headers.get("link", ""))
    assert m, r.headers.get("link")
    return m.group(1)


@pytest.mark.parametrize("path", ["/zh/chapter/7", "/en/chapter/7?temperature.t=1.3", "/embed/zh/temperature?t=0.3"])
def test_chapters_and_embeds_name_their_oembed_in_a_link_header(client, path):
    r = client.get(path)
    href = oembed_link(r)
    # the same address as the page's <link rel="alternate" type="application/json+oembed">
    element = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', r.text).group(1)
    assert href == element.replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.path == "/oembed"
    asked = urlsplit(dict(parse_qsl(parts.query))["url"])
    assert asked.netloc == "testserver" and asked.path == urlsplit(path).path
    assert set(parse_qsl(urlsplit(path).query)) <= set(parse_qsl(asked.query))
    answer = client.get(href)
    assert answer.status_code == 200 and answer.json()["type"] == "rich"


def test_pages_without_a_widget_send_no_oembed_link(client):
    assert "link" not in client.get("/zh/").headers
