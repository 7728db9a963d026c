"""Compressed answers (app/web/compression.py): brotli or gzip as the browser accepts,
ETags that name the encoding and still answer 304, never the live stream."""

import gzip
import hashlib
import json
import re

import brotli
import pytest

from app.web import compression

BR = {"Accept-Encoding": "gzip, deflate, br"}
GZ = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


def raw(client, path, headers):
    """Status, headers and the bytes as sent (not decoded)."""
    with client.stream("GET", path, headers=headers) as r:
        body = b"".join(r.iter_raw())
        return r.status_code, r.headers, body


@pytest.mark.parametrize("path", ["/zh/chapter/7", "/en/", "/en/widget/temperature?t=0.8", "/api/attention?name=emmanuel"])
def test_pages_fragments_and_json_go_out_compressed_as_asked(client, path):
    status, plain_headers, plain = raw(client, path, PLAIN)
    assert status == 200 and "content-encoding" not in plain_headers and len(plain) >= compression.MIN_SIZE
    assert "accept-encoding" in plain_headers["vary"].lower()
    for headers, name, decode in ((BR, "br", brotli.decompress), (GZ, "gzip", gzip.decompress)):
        status, h, body = raw(client, path, headers)
        assert status == 200 and h["content-encoding"] == name
        assert decode(body) == plain
        assert len(body) < len(plain) * 0.6
        assert int(h["content-length"]) == len(body)
        assert "accept-encoding" in h["vary"].lower()
        assert h["etag"] == plain_headers["etag"][:-1] + f'-{name}"'
        assert h["cache-control"] == plain_headers["cache-control"]


def test_a_compressed_answer_is_revalidated_with_its_own_etag(client):
    path = "/zh/chapter/7"
    _, h, _ = raw(client, path, BR)
    etag = h["etag"]
    assert etag.endswith('-br"')
    again = client.get(path, headers={**BR, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert "accept-encoding" in again.headers["vary"].lower()
    # the plain ETag and the gzip one validate too; another answer's does not
    plain_etag = client.get(path, headers=PLAIN).headers["etag"]
    assert client.get(path, headers={**GZ, "If-None-Match": plain_etag[:-1] + '-gzip"'}).status_code == 304
    assert client.get(path, headers={**PLAIN, "If-None-Match": plain_etag}).status_code == 304
    assert client.get(path, headers={**BR, "If-None-Match": '"0123-br"'}).status_code == 200


def test_a_versioned_static_file_is_compressed_and_kept_a_year(client):
    href = re.search(r'/static/css/kitchen\.css\?v=[0-9a-f]+', client.get("/zh/").text).group(0)
    status, h, body = raw(client, href, BR)
    assert status == 200 and h["content-encoding"] == "br"
    assert h["cache-control"] == "public, max-age=31536000, immutable"
    assert brotli.decompress(body).startswith(b"/*")


def test_small_answers_and_pictures_are_sent_as_they_are(client):
    status, h, body = raw(client, "/api/model", BR)
    assert status == 200 and len(body) < compression.MIN_SIZE
    assert "content-encoding" not in h
    assert json.loads(body)["n_params"] == 4192


def test_the_live_practice_stream_is_never_held_or_compressed(client):
    with client.stream("GET", "/api/train?steps=3&seed=1", headers=BR) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in r.headers
        first = next(r.iter_lines())
        assert first.startswith(("data:", "event:", "id:", "retry:", ":"))


def test_a_head_answer_names_the_encoding_a_get_would_use(client):
    get = raw(client, "/en/chapter/7", BR)
    head = client.head("/en/chapter/7", headers=BR)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-encoding"] == "br"
    assert head.headers["content-length"] == str(len(get[2]))
    assert head.headers["etag"] == get[1]["etag"]


@pytest.mark.parametrize("value, chosen", [
    (b"gzip, deflate, br", "br"),
    (b"br;q=0, gzip", "gzip"),
    (b"gzip;q=0.5", "gzip"),
    (b"identity", None),
    (b"*", "br"),
    (b"*, br;q=0", "gzip"),
    (b"", None),
])
def test_accept_encoding_is_read_with_its_weights(value, chosen):
    assert compression.accepted(value) == chosen


def test_compressed_bodies_are_kept_by_etag():
    packed = compression.Packed()
    body = b"<p>" + b"kitchen " * 400 + b"</p>"
    etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
    first = packed.get(body, "br", etag)
    assert packed.get(body, "br", etag) is first
    assert brotli.decompress(first) == body
