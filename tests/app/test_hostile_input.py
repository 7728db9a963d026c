"""Hostile input on every parameter of every widget and every /api route:
never a 5xx, never a hang, 422 where the value is refused, and whatever is
echoed comes back escaped."""

import re
import time

import pytest

from app import widgets
from app.web import settings

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
]
RAW_MARKERS = ["<script>alert", "<img src=x", "<svg onload", "</textarea><script"]

HOSTILE = XSS + [
    "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400",
    "-1", "-0", "0x10", "1_0", "１２", "٣",
    "99999999999999999999999999999999", "9" * 400, "1" * 5000,
    "a" * 10240, "é", "名字", "emma\u202e", "ＥＭＭＡ", "🍜",
    "a\x00b", "\x00", "", " ", "%", "%00", "../../etc/passwd", "{{7*7}}", "${7*7}",
]

SLOW = 20.0  # seconds: nothing hostile may keep a worker this long


def lang_of(i):
    return settings.LANGS[i % 2]


def assert_escaped(body, where):
    for m in RAW_MARKERS:
        assert m not in body, f"{where}: raw {m!r} echoed"


def check_html(r, where):
    assert r.status_code < 500, f"{where}: {r.status_code}"
    assert_escaped(r.text, where)


WIDGET_CASES = [
    (w.name, p.key, value)
    for w in widgets.BUILT.values()
    for p in w.params
    for value in HOSTILE
]


def test_every_widget_has_parameters_to_walk():
    assert len(widgets.BUILT) == len(widgets.NAMES) >= 16
    assert all(w.params for w in widgets.BUILT.values())


@pytest.mark.parametrize("name", sorted(widgets.BUILT))
def test_hostile_values_in_every_widget_parameter(client, name):
    w = widgets.BUILT[name]
    for p in w.params:
        for i, value in enumerate(HOSTILE):
            lang = lang_of(i)
            where = f"{name}.{p.key}={value[:40]!r} ({lang})"
            t0 = time.perf_counter()
            r = client.get(f"/{lang}/widget/{name}", params={p.key: value})
            assert time.perf_counter() - t0 < SLOW, where
            check_html(r, where)
            assert r.status_code in (200, 422), where
            if r.status_code == 422:
                # the short message is in the page's language
                assert 'role="alert"' in r.text, where
                if lang == "zh":
                    assert re.search(r"[\u4e00-\u9fff]", r.text), where
            # namespaced, repeated, and with the hostile value last and first
            r = client.get(f"/{lang}/widget/{name}", params=[(p.key, "" if p.default is None else p.format(p.default)),
                                                             (p.key, value), (f"{name}.{p.key}", value)])
            check_html(r, where + " repeated")
            assert r.status_code in (200, 422), where


@pytest.mark.parametrize("value", XSS + ["NaN", "1e309", "a" * 10240, "\x00"])
def test_hostile_values_in_a_chapter_page_query(client, value):
    keys = [f"{w.name}.{p.key}" for w in widgets.BUILT.values() for p in w.params]
    for i, lang in enumerate(settings.LANGS):
        for chapter in ("1", "7"):
            r = client.get(f"/{lang}/chapter/{chapter}", params=[(k, value) for k in keys[: 30 if len(value) < 100 else 2]] + [(value, value)])
            check_html(r, f"chapter {chapter} {lang} {value[:20]!r}")
            assert r.status_code in (200, 422)


def test_a_huge_query_is_bounded(client):
    r = client.get("/zh/chapter/7", params=[(f"k{i}", "v" * 100) for i in range(500)])
    assert r.status_code in (200, 414, 422)
    r = client.get("/en/widget/temperature", params=[("t", str(i % 3)) for i in range(2000)])
    assert r.status_code in (200, 422)


@pytest.mark.parametrize("path", [
    "/xx/", "/fr/chapter/1", "/zh/chapter/9", "/zh/chapter/0", "/zh/chapter/01", "/zh/chapter/1.0",
    "/zh/chapter/%3Cscript%3E", "/zh/widget/nope", "/en/widget/<script>alert(1)</script>",
    "/xx/widget/temperature", "/zh/widget/temperature-9", "/zh/chapter/" + "9" * 5000,
    "/zh/widget/temperature?ns=temperature-99", "/zh/widget/temperature?ns=%3Cscript%3E",
])
def test_unknown_chapters_widgets_and_langs_get_the_bilingual_404(client, path):
    r = client.get(path)
    assert r.status_code == 404, path
    assert "这道菜不在菜单上" in r.text and "That dish is not on the menu" in r.text
    assert_escaped(r.text, path)


# --- the JSON API ---------------------------------------------------------------------


def api_routes(app):
    """(path, query keys) of every GET route under /api, from the OpenAPI document."""
    out = []
    for path, ops in app.openapi()["paths"].items():
        if path.startswith("/api/") and "get" in ops:
            names = [q["name"] for q in ops["get"].get("parameters", []) if q["in"] == "query"]
            out.append((path, names))
    return out


def test_every_api_route_is_walked(client):
    paths = {p for p, _ in api_routes(client.app)}
    assert {"/api/sample", "/api/train", "/api/knobs", "/api/tokenize", "/api/next", "/api/attention"} <= paths


def test_hostile_values_in_every_api_parameter(client):
    walked = 0
    for path, names in api_routes(client.app):
        for key in names:
            for value in HOSTILE:
                where = f"{path}?{key}={value[:40]!r}"
                t0 = time.perf_counter()
                with client.stream("GET", path, params=[(key, value)]) as r:
                    ctype = r.headers.get("content-type", "")
                    if ctype.startswith("text/event-stream"):
                        # an accepted value starts a practice run: read its first event, then leave
                        next(r.iter_bytes())
                        body = ""
                    else:
                        body = r.read().decode()
                assert time.perf_counter() - t0 < SLOW, where
                assert r.status_code < 500 or r.status_code == 503, where
                assert r.status_code in (200, 422, 503), where
                if r.status_code == 422:
                    assert ctype.startswith("application/json"), where
                    detail = __import__("json").loads(body)["detail"]
                    assert detail and all("msg" in d for d in detail), where
                if body:
                    assert "text/html" not in ctype, where
                walked += 1
                # repeated keys: a sane value, then the hostile one
                r2 = client.get(path, params=[(key, "1"), (key, value)]) if path != "/api/train" else None
                if r2 is not None:
                    assert r2.status_code in (200, 422), where + " repeated"
    assert walked > 100


@pytest.mark.parametrize("query", [
    {"temperature": "5.000001"}, {"temperature": "-0.000001"}, {"n": "0"}, {"n": "51"},
    {"seed": "-1"}, {"seed": str(2**31)}, {"seed": str(2**64)}, {"prefix": "a" * 16}, {"prefix": "A1"},
])
def test_sample_bounds(client, query):
    assert client.get("/api/sample", params=query).status_code == 422


@pytest.mark.parametrize("query", [
    {"steps": "2001"}, {"steps": "0"}, {"lr": "0"}, {"lr": "1.5"}, {"lr": "nan"}, {"seed": str(2**40)},
    {"optimizer": "adamw"},
])
def test_train_bounds(client, query):
    assert client.get("/api/train", params=query).status_code == 422


@pytest.mark.parametrize("path,query", [
    ("/api/next", {"temperature": "5.1"}), ("/api/next", {"prefix": "a" * 16}),
    ("/api/attention", {"name": "a" * 16}), ("/api/attention", {"name": ""}),
    ("/api/tokenize", {"text": "a" * 16}), ("/api/knobs", {"name": "a" * 16}),
    ("/api/knobs", {"knob": "4192"}), ("/api/knobs", {"knob": "1", "set": "1e309"}),
    ("/api/knobs", {"set": "1"}),
])
def test_api_bounds(client, path, query):
    assert client.get(path, params=query).status_code == 422


@pytest.mark.parametrize("name,query", [
    ("temperature", {"t": "5.01"}), ("temperature", {"n": "51"}), ("temperature", {"seed": str(2**31)}),
    ("practice", {"steps": "2001"}), ("practice", {"lr": "2"}), ("practice", {"seed": str(2**31)}),
    ("next-dish", {"prefix": "a" * 16}), ("notebook", {"t": "6"}), ("scorecard", {"name": "a" * 16}),
])
def test_widget_bounds(client, name, query):
    for lang in settings.LANGS:
        r = client.get(f"/{lang}/widget/{name}", params=query)
        assert r.status_code == 422, (name, query, lang)


def test_an_echoed_value_comes_back_escaped(client):
    """The no-JS form shows what the reader typed; it must be text, not markup."""
    payload = '"><img src=x onerror=alert(1)>'
    for name in ("temperature", "tokenizer", "scorecard", "next-dish"):
        w = widgets.BUILT[name]
        key = w.params[0].key
        r = client.get(f"/en/widget/{name}", params={key: payload})
        assert r.status_code in (200, 422)
        assert "<img src=x" not in r.text
        assert 'role="alert"' in r.text or "&lt;img src=x" in r.text, name


@pytest.mark.parametrize("t", ["5e-324", "1e-300", "4.9e-7", "0.0000004"])
def test_a_tiny_temperature_is_read_as_the_widgets_read_it(client, t):
    """Found by fuzzing: a subnormal temperature overflowed the division into NaN votes."""
    r = client.get("/api/next", params={"temperature": t, "prefix": "em"})
    assert r.status_code == 200
    body = r.json()
    assert body["temperature"] == 0
    assert all(p is not None for p in body["probs"]) and abs(sum(body["probs"]) - 1) < 1e-6
    r = client.get("/api/sample", params={"temperature": t, "n": 3})
    assert r.status_code == 200 and r.json()["temperature"] == 0
    assert all(r.json()["names"])
