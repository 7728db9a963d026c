"""HEAD gets the GET answer's status and headers, without the body."""

import pytest

from app.api.streams import STATS
from app.widgets.admission import GATE
from tests.app.asgi_call import asgi_messages

SAME = ("content-type", "content-length", "etag", "cache-control", "content-security-policy",
        "x-content-type-options", "referrer-policy", "vary")


@pytest.mark.parametrize("path", [
    "/en/chapter/7",
    "/zh/",
    "/en/widget/temperature?t=0.8&n=5&seed=3",
    "/api/sample?n=3&seed=5&temperature=0.7",
    "/api/model",
    "/embed/en/temperature?t=0.9",
    "/oembed?url=http://testserver/embed/en/temperature",
    "/healthz",
    "/static/css/kitchen.css",
])
def test_head_is_get_without_the_body(client, path):
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == 200 and got.content
    assert head.status_code == 200
    assert head.content == b""
    for name in SAME:
        assert head.headers.get(name) == got.headers.get(name), name


@pytest.mark.parametrize("path,status", [
    ("/en/chapter/99", 404),
    ("/xx/", 404),
    ("/en/widget/temperature?t=99", 422),
    ("/api/sample?n=0", 422),
])
def test_head_of_an_error_has_the_errors_status_and_no_body(client, path, status):
    head = client.head(path)
    assert head.status_code == status == client.get(path).status_code
    assert head.content == b""


def test_head_revalidates_with_the_etag(client):
    etag = client.get("/en/chapter/7").headers["etag"]
    head = client.head("/en/chapter/7", headers={"If-None-Match": etag})
    assert head.status_code == 304 and head.content == b""


def test_head_does_not_start_a_practice_run(client):
    before = (GATE.stats()["admitted"], STATS.steps)
    head = client.head("/api/train?steps=50&seed=3")
    assert head.status_code == 405
    assert head.headers["allow"] == "GET"
    assert head.content == b""
    assert (GATE.stats()["admitted"], STATS.steps) == before and STATS.active == 0


def test_no_body_byte_leaves_the_app_for_a_head(client):
    get = asgi_messages(client.app, "GET", "/en/chapter/7")
    head = asgi_messages(client.app, "HEAD", "/en/chapter/7")
    assert b"".join(m.get("body", b"") for m in get if m["type"] == "http.response.body")
    assert [m["type"] for m in head] == ["http.response.start", "http.response.body"]
    assert head[1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert head[0]["status"] == 200
    assert dict(head[0]["headers"])[b"content-length"] == dict(get[0]["headers"])[b"content-length"]


def test_a_body_sent_in_parts_ends_once_and_empty():
    from app.web.head_requests import HeadAsGet

    seen = {}

    async def parts(scope, receive, send):
        seen["method"] = scope["method"]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"6")]})
        for chunk in (b"ab", b"cd"):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"ef"})

    sent = asgi_messages(HeadAsGet(parts), "HEAD", "/x")
    assert seen["method"] == "GET"
    assert sent[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]
    assert asgi_messages(HeadAsGet(parts), "GET", "/x")[-1]["body"] == b"ef"
