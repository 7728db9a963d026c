"""ETag, Cache-Control and 304 for answers determined by their URL; none for live ones."""

import hashlib
import re

import pytest

from app.web import http_caching as caching

# the plain answer's ETag (compressed answers name their encoding: tests/app/test_compression.py)
PLAIN = {"Accept-Encoding": "identity"}

CACHED = [
    "/zh/chapter/7",
    "/en/chapter/7?temperature.t=0.8",
    "/zh/",
    "/zh/widget/temperature?t=0.8&seed=3",
    "/en/widget/temperature",
    "/api/sample?n=3&seed=5&temperature=0.7",
    "/api/model",
    "/api/next?prefix=em",
    "/api/tokenize?text=emma",
    "/api/attention?name=emma",
    "/openapi.json",
]


@pytest.mark.parametrize("path", CACHED)
def test_a_determined_answer_has_a_strong_etag_and_answers_304(client, path):
    r = client.get(path, headers=PLAIN)
    assert r.status_code == 200
    etag = r.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag), etag  # strong: no W/
    assert etag == '"' + hashlib.blake2b(r.content, digest_size=16).hexdigest() + '"'
    assert r.headers["cache-control"] == "public, max-age=300"

    again = client.get(path, headers=PLAIN)
    assert again.headers["etag"] == etag, "the same URL gives the same body"

    r304 = client.get(path, headers={**PLAIN, "If-None-Match": etag})
    assert r304.status_code == 304
    assert r304.content == b""
    assert r304.headers["etag"] == etag
    assert r304.headers["cache-control"] == "public, max-age=300"
    assert r304.headers["x-content-type-options"] == "nosniff"

    for other in ['"0000"', f"W/{etag}, \"x\"", f'"x", {etag}', "*"]:
        expect = 304 if etag in other or other == "*" else 200
        assert client.get(path, headers={**PLAIN, "If-None-Match": other}).status_code == expect, other


def test_different_states_have_different_etags(client):
    a = client.get("/api/sample?n=3&seed=5").headers["etag"]
    b = client.get("/api/sample?n=3&seed=6").headers["etag"]
    assert a != b


def test_a_versioned_static_file_is_immutable_and_an_unversioned_one_is_not(client):
    html = client.get("/zh/chapter/7").text
    href = re.search(r'/static/css/kitchen\.css\?v=[0-9a-f]+', html).group(0)
    r = client.get(href, headers=PLAIN)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = r.headers["etag"]
    assert etag == '"' + hashlib.blake2b(r.content, digest_size=16).hexdigest() + '"'
    assert client.get(href, headers={**PLAIN, "If-None-Match": etag}).status_code == 304
    plain = client.get("/static/css/kitchen.css", headers=PLAIN)
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert plain.headers["etag"] == etag


@pytest.mark.parametrize("path", ["/healthz", "/api/train/status"])
def test_live_answers_are_not_stored(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert "etag" not in r.headers
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 200


def test_the_stream_is_not_cached(client):
    with client.stream("GET", "/api/train?steps=2&seed=1") as r:
        assert r.headers["cache-control"] == "no-store"
        assert "etag" not in r.headers
        r.read()


@pytest.mark.parametrize("path", ["/zh/widget/temperature?t=99", "/api/sample?n=0", "/zh/no-such-page", "/api/nope"])
def test_errors_are_not_given_a_cache_policy(client, path):
    r = client.get(path)
    assert r.status_code in (404, 422)
    assert "etag" not in r.headers
    assert "cache-control" not in r.headers
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == r.status_code


def test_a_redirect_is_left_alone(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and "etag" not in r.headers


def test_only_get_is_cached(client):
    r = client.post("/api/sample")
    assert "etag" not in r.headers


def test_if_none_match_parsing():
    tag = b'"abc"'
    assert caching.matches(b'"abc"', tag)
    assert caching.matches(b'W/"abc"', tag)
    assert caching.matches(b' "x" ,  "abc" ', tag)
    assert caching.matches(b"*", tag)
    assert not caching.matches(b'"abcd"', tag)
    assert not caching.matches(b"abc", tag)
