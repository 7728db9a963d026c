"""Security headers: the policy on every kind of response, framing by path."""

import re

import pytest

from app.web import security_headers as headers, settings

NOT_EMBED = [
    "/zh/chapter/7",
    "/en/chapter/1",
    "/zh/widget/temperature?t=0.8",
    "/en/widget/temperature?t=99",  # a 422
    "/api/model",
    "/api/sample?n=2&seed=3",
    "/api/nope",  # a JSON 404
    "/zh/no-such-page",  # the page 404
    "/healthz",
    "/static/css/kitchen.css",
]


def directives(csp):
    out = {}
    for part in csp.split(";"):
        bits = part.split()
        if bits:
            out[bits[0]] = bits[1:]
    return out


@pytest.mark.parametrize("path", NOT_EMBED)
def test_every_response_carries_the_policy_and_may_not_be_framed(client, path):
    r = client.get(path)
    assert r.status_code < 500
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert r.headers["x-frame-options"] == "DENY"
    d = directives(r.headers["content-security-policy"])
    assert d["frame-ancestors"] == ["'none'"]
    assert d["script-src"] == ["'self'"] + [s.cdn_url for s in settings.SCRIPTS.values()]
    assert "'unsafe-inline'" not in d["script-src"] and "'unsafe-eval'" not in d["script-src"]
    assert d["img-src"] == ["'self'", "data:"]
    assert d["connect-src"] == ["'self'"]
    assert d["base-uri"] == ["'none'"]
    assert d["form-action"] == ["'self'"]
    assert d["object-src"] == ["'none'"]
    assert d["default-src"] == ["'self'"]
    # only one of each header
    assert len(r.headers.get_list("content-security-policy")) == 1
    assert len(r.headers.get_list("x-frame-options")) == 1


def test_the_script_sources_are_exact_pinned_files():
    for s in settings.SCRIPTS.values():
        assert s.version in s.cdn_url and s.cdn_url.endswith(s.file)
    assert "https://cdn.jsdelivr.net" not in headers.script_sources()


@pytest.mark.parametrize("path", ["/embed/zh/temperature", "/embed/en/temperature?t=0.8"])
def test_embed_pages_may_be_framed_anywhere(client, path):
    r = client.get(path)
    assert r.status_code < 500
    assert "x-frame-options" not in r.headers
    d = directives(r.headers["content-security-policy"])
    assert d["frame-ancestors"] == ["*"]
    assert d["script-src"] == ["'self'"] + [s.cdn_url for s in settings.SCRIPTS.values()]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_path_that_only_starts_like_embed_is_not_framable(client):
    r = client.get("/embedded/zh/x")
    assert directives(r.headers["content-security-policy"])["frame-ancestors"] == ["'none'"]
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/zh/chapter/7", "/en/chapter/1", "/zh/", "/en/thread", "/zh/ending",
                                  "/zh/widget/temperature?t=0.8"])
def test_pages_have_no_inline_script_or_handler(client, path):
    html = client.get(path).text
    # structured data (JSON-LD) is a data block, never run: take it out first
    html = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
    for tag in re.findall(r"<script\b[^>]*>", html, re.I):
        assert "src=" in tag, tag
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None
    assert re.search(r"\son[a-z]+\s*=", html, re.I) is None
    assert "javascript:" not in html.lower()


def test_cdn_script_tags_carry_their_hash(client):
    html = client.get("/zh/chapter/7").text
    for s in settings.SCRIPTS.values():
        if s.cdn_url in html:
            tag = re.search(rf'<script src="{re.escape(s.cdn_url)}"[^>]*>', html).group(0)
            assert f'integrity="{s.sri}"' in tag


def test_the_docs_page_is_allowed_exactly_its_inline_script(client):
    r = client.get("/docs")
    assert r.status_code == 200
    d = directives(r.headers["content-security-policy"])
    inline = headers.inline_script_hashes(r.content)
    assert inline, "the docs page has its inline script"
    for h in inline:
        assert h in d["script-src"]
    assert "'unsafe-inline'" not in d["script-src"]
    assert d["frame-ancestors"] == ["'none'"]


def test_the_training_stream_is_not_buffered_by_the_middleware(client):
    with client.stream("GET", "/api/train?steps=3&seed=1") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-store"
        assert "etag" not in r.headers
        assert r.headers["x-frame-options"] == "DENY"
        body = b"".join(r.iter_bytes())
    assert b"event: done" in body or b"done" in body
