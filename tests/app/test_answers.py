"""The worker's store of answers: repeats come from memory, identical to a fresh answer,
keyed by everything the answer depends on, bounded in bytes, and never for live paths."""

import json

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web import answer_memory as answers, settings
from app.web.whole_answers import WholeAnswers
from tests.app.asgi_call import asgi_messages

CHAPTER = "http://testserver/en/chapter/7"


def answers_of(app):
    """The middleware that keeps answers, inside a built app."""
    layer = app.middleware_stack
    while layer is not None:
        if isinstance(layer, WholeAnswers):
            return layer
        layer = getattr(layer, "app", None)
    raise AssertionError("no WholeAnswers middleware in the app")


@pytest.fixture
def fresh(fixture_site):
    """A new app with its own empty store, so counts start at zero."""
    with TestClient(create_app(fixture_site, answer_bytes=8 << 20)) as c:
        c.get("/healthz")
        yield c, answers_of(c.app)


@pytest.fixture(scope="module")
def uncached(fixture_site):
    with TestClient(create_app(fixture_site, answer_bytes=0)) as c:
        yield c


SAME = [
    ("/en/widget/temperature?t=0.8&seed=3", {"HX-Request": "true", "HX-Current-URL": CHAPTER}),
    ("/en/widget/temperature?t=0.8&seed=3", {}),
    ("/zh/chapter/7?temperature.t=1.2", {}),
    ("/api/sample?n=3&seed=5&temperature=0.7", {}),
    ("/api/attention?name=emma", {}),
    ("/embed/en/temperature?t=0.3", {}),
    ("/embed/en/temperature?t=0.3", {"HX-Request": "true"}),
]


@pytest.mark.parametrize("path, headers", SAME)
def test_a_repeat_is_served_from_memory_and_is_the_same_answer(fresh, uncached, path, headers):
    client, mw = fresh
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    hits = mw.store.hits
    again = client.get(path, headers=headers)
    assert mw.store.hits == hits + 1, "the repeat did not come from the store"
    assert again.content == first.content
    assert again.headers == first.headers
    # and both are exactly what an app without a store answers
    plain = uncached.get(path, headers=headers)
    assert plain.content == first.content
    assert {k: v for k, v in plain.headers.items() if k != "date"} == {
        k: v for k, v in first.headers.items() if k != "date"
    }


def test_the_page_the_reader_is_on_is_part_of_the_key(fresh):
    client, mw = fresh
    path = "/en/widget/temperature?t=0.8&seed=3"
    a = client.get(path, headers={"HX-Request": "true", "HX-Current-URL": CHAPTER})
    b = client.get(path, headers={"HX-Request": "true", "HX-Current-URL": CHAPTER + "?notebook.menu=anna"})
    assert "notebook.menu=anna" not in a.headers["hx-replace-url"]
    assert "notebook.menu=anna" in b.headers["hx-replace-url"]
    assert mw.store.hits == 0
    plain = client.get(path)
    assert "hx-replace-url" not in plain.headers  # not an htmx request: no new address
    assert mw.store.hits == 0


def test_the_host_the_reader_used_is_part_of_the_key(fresh):
    client, mw = fresh
    url = "/oembed?url=http%3A%2F%2Fone.example%2Fembed%2Fen%2Ftemperature&format=json"
    one = client.get(url, headers={"Host": "one.example"})
    assert one.status_code == 200
    assert json.loads(one.content)["provider_url"] == "http://one.example/en/"
    # the same address asked of another host names a foreign site: not the kept answer
    two = client.get(url, headers={"Host": "two.example"})
    assert two.status_code == 404
    page_one = client.get("/en/chapter/7", headers={"Host": "one.example"}).text
    page_two = client.get("/en/chapter/7", headers={"Host": "two.example"}).text
    assert "http://one.example/oembed" in page_one and "two.example" not in page_one
    assert "http://two.example/oembed" in page_two and "one.example" not in page_two


def test_a_kept_answer_still_answers_if_none_match_with_304(fresh):
    client, mw = fresh
    path = "/zh/widget/temperature?t=0.4"
    etag = client.get(path).headers["etag"]
    client.get(path)
    hits = mw.store.hits
    r = client.get(path, headers={"If-None-Match": etag})
    assert mw.store.hits == hits + 1
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
    assert "content-security-policy" in r.headers


@pytest.mark.parametrize("path", [
    "/en/widget/temperature?t=9",          # 422
    "/en/widget/no-such-widget",           # 404
    "/api/sample?n=0",                     # 422 from /api
    "/api/train/status",                   # live
    "/healthz",                            # live
])
def test_errors_and_live_answers_are_never_kept(fresh, path):
    client, mw = fresh
    first = client.get(path)
    client.get(path)
    assert mw.store.hits == 0, path
    assert len(mw.store.entries) == 0, f"{path} ({first.status_code}) was kept"


def test_the_practice_stream_is_never_kept(fresh):
    client, mw = fresh
    with client.stream("GET", "/api/train?steps=20&seed=3") as r:
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
        body = b"".join(r.iter_bytes())
    assert b'data: {"step":1,' in body
    assert len(mw.store.entries) == 0


def counted(store):
    """What the store should count: every entry's headers, every distinct body once."""
    return sum(e[2] for e in store.entries.values()) + sum(len(b) for b, _ in store.bodies.values())


def test_the_store_stays_within_its_bound_and_drops_the_oldest_first():
    store = answers.Store(10_000)
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
    for k in range(40):
        store.put(("k", k), start, b"%04d" % k * 250)
        assert store.bytes <= 10_000
        assert store.bytes == counted(store)
    kept = [k for k in range(40) if store.get(("k", k)) is not None]
    assert kept == list(range(40 - len(kept), 40)) and 5 <= len(kept) < 10
    assert store.get(("k", 0)) is None
    # reading an entry makes it the newest: it outlives the ones after it
    oldest = kept[0]
    assert store.get(("k", oldest)) is not None
    store.put(("k", 100), start, b"x" * 1000)
    assert store.get(("k", oldest)) is not None and store.get(("k", kept[1])) is None
    # an answer bigger than the whole store is not kept, and evicts nothing
    before = dict(store.entries)
    store.put(("big",), start, b"x" * 20_000)
    assert store.get(("big",)) is None and store.entries == before


def test_equal_bodies_are_held_once_and_counted_once():
    store = answers.Store(1 << 20)
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}
    body = b"<p>the same fragment</p>" * 100
    for page in range(5):  # the same state reached from five different pages
        store.put(("fragment", "t=0.6", f"from page {page}"), start, bytes(body))
    assert len(store.entries) == 5 and len(store.bodies) == 1
    entry = answers.OVERHEAD + len(b"content-type") + len(b"text/html")
    assert store.bytes == counted(store) == 5 * entry + len(body)
    held = {id(store.get(("fragment", "t=0.6", f"from page {p}"))[1]) for p in range(5)}
    assert len(held) == 1
    # the body goes when its last entry goes
    for page in range(5):
        store._drop(store.digest(("fragment", "t=0.6", f"from page {page}")))
        assert store.bytes == counted(store)
    assert store.bodies == {} and store.bytes == 0


def run_asgi(app, headers=(), method="GET"):
    return asgi_messages(app, method, "/x", headers)


@pytest.mark.parametrize("headers, kept", [
    ([(b"vary", b"*")], False),
    ([(b"set-cookie", b"a=1")], False),
    ([(b"cache-control", b"no-store")], False),
    ([(b"vary", b"Accept-Language")], True),
    ([], True),
])
def test_what_an_answer_says_about_itself_decides_whether_it_is_kept(headers, kept):
    calls = []

    async def inner(scope, receive, send):
        calls.append(1)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"hello"})

    mw = WholeAnswers(inner, max_bytes=1 << 20)
    first = run_asgi(mw, [(b"accept-language", b"zh")])
    second = run_asgi(mw, [(b"accept-language", b"zh")])
    assert first[-1]["body"] == second[-1]["body"] == b"hello"
    assert len(calls) == (1 if kept else 2)
    if kept and headers:
        run_asgi(mw, [(b"accept-language", b"en")])  # another language: not the kept answer
        assert len(calls) == 2


def test_the_size_comes_from_the_environment_and_bad_values_are_named(monkeypatch):
    monkeypatch.setenv("KITCHEN_ANSWER_CACHE_MB", "3")
    assert answers.max_bytes_from_env() == 3 << 20
    monkeypatch.setenv("KITCHEN_ANSWER_CACHE_MB", "0")
    assert WholeAnswers(None).store is None
    monkeypatch.setenv("KITCHEN_ANSWER_CACHE_MB", "lots")
    with pytest.raises(settings.SettingsError, match="KITCHEN_ANSWER_CACHE_MB must be a whole number"):
        answers.max_bytes_from_env()
    monkeypatch.setenv("KITCHEN_ANSWER_CACHE_MB", "-1")
    with pytest.raises(settings.SettingsError, match="KITCHEN_ANSWER_CACHE_MB must be a whole number from 0 to"):
        answers.max_bytes_from_env()
    monkeypatch.delenv("KITCHEN_ANSWER_CACHE_MB")
    assert answers.max_bytes_from_env() == answers.DEFAULT_MB << 20


def test_the_public_address_setting_is_part_of_the_key(fresh, monkeypatch):
    client, mw = fresh
    monkeypatch.delenv("KITCHEN_PUBLIC_URL", raising=False)
    plain = client.get("/en/chapter/7").text
    monkeypatch.setenv("KITCHEN_PUBLIC_URL", "https://kitchen.example.org")
    public = client.get("/en/chapter/7").text
    assert "https://kitchen.example.org/oembed" in public and "https://kitchen.example.org" not in plain
    assert mw.store.hits == 0


def test_static_files_are_not_kept(fresh):
    client, mw = fresh
    for _ in range(2):
        assert client.get("/static/css/kitchen.css").status_code == 200
    assert mw.store.hits == 0 and len(mw.store.entries) == 0


@pytest.mark.parametrize("method", ["HEAD", "POST"])
def test_only_gets_are_kept(method):
    calls = []
    mw = WholeAnswers(chunked_app([b"hello"], calls=calls), max_bytes=1 << 20)
    run_asgi(mw, method=method)
    run_asgi(mw, method=method)
    assert len(calls) == 2 and len(mw.store.entries) == 0


def chunked_app(chunks, headers=(), calls=None):
    async def inner(scope, receive, send):
        if calls is not None:
            calls.append(scope["query_string"])
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        for k, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": k < len(chunks) - 1})
    return inner


def test_an_answer_sent_in_pieces_is_kept_whole_and_one_too_big_is_not_kept():
    calls = []
    mw = WholeAnswers(chunked_app([b"one ", b"two ", b"three"], calls=calls), max_bytes=1 << 20)
    first, second = run_asgi(mw), run_asgi(mw)
    assert b"".join(m.get("body", b"") for m in first[1:]) == b"one two three"
    assert second[1]["body"] == b"one two three" and len(calls) == 1

    big = WholeAnswers(chunked_app([b"x" * 600, b"y" * 600], calls=calls), max_bytes=1000)
    run_asgi(big)
    run_asgi(big)
    assert len(calls) == 3 and len(big.store.entries) == 0


def test_an_outer_layer_that_edits_headers_in_place_does_not_change_the_kept_answer():
    mw = WholeAnswers(chunked_app([b"hello"], headers=[(b"content-type", b"text/plain")]), max_bytes=1 << 20)

    async def outer(scope, receive, send):
        async def edit(message):
            if message["type"] == "http.response.start":
                message["headers"].append((b"x-added", b"1"))  # in place, as some middleware does
            await send(message)
        await mw(scope, receive, edit)

    starts = [run_asgi(outer)[0]["headers"] for _ in range(3)]
    assert starts[0] == starts[1] == starts[2]
    assert starts[0][0] == (b"content-type", b"text/plain") and starts[0].count((b"x-added", b"1")) == 1


def test_the_table_of_paths_is_bounded_and_keeps_the_recent_ones():
    paths = answers.Paths(size=3)
    for k in range(5):
        assert paths.set(f"/p/{k}" + "x" * 10_000, (b"hx-request",))
    assert len(paths.names) == 3
    assert all(len(d) == 16 for d in paths.names)  # digests, not the long paths
    assert paths.get("/p/4" + "x" * 10_000) == (b"hx-request",) and paths.get("/p/0" + "x" * 10_000) is None
    # a path that changes what it varies on keeps its first answer's list
    assert not paths.set("/p/4" + "x" * 10_000, (b"accept-language",))
    assert paths.get("/p/4" + "x" * 10_000) == (b"hx-request",)
