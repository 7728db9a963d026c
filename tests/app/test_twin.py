"""The JSON twin of every widget, /api/widget/{name}: the data its partial renders."""

import dataclasses
import re

import pytest
from markupsafe import Markup, escape

from app import widgets
from app.api.twin import plain
from app.widgets import view

NAMES = list(widgets.BUILT)


def expected(client, name, lang, query=None):
    """What the fragment route renders, computed directly: the same starting state, the same parse."""
    widget = widgets.get(name)
    page = client.app.state.site.library.home_of(lang, name)
    inst = page.instance(name) if page is not None else None
    args = dict(inst.args) if inst is not None else {}
    state = widget.parse(view.own_values(widget, name, query or {}), args)
    return {"name": name, "lang": lang, "title": widget.title_in(lang), "concept": widget.concept_in(lang),
            "state": widget.query(state), "data": plain(widget.compute(state, lang))}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("michelin", "practice")])
def test_every_widgets_twin_is_the_data_its_partial_renders(client, name, lang):
    r = client.get(f"/api/widget/{name}?lang={lang}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == expected(client, name, lang)


@pytest.mark.parametrize("name, query", [
    ("practice", {"go": "1", "steps": "40", "opt": "both"}),
    ("michelin", {"judge": "you", "picks": "ab"}),
    ("trace-back", {"step": "4", "station": "wpe", "row": "2", "col": "3"}),
    ("knob-wall", {"knob": "17", "set": "0.5", "view": "influence"}),
])
def test_a_state_away_from_the_start_is_the_same_data_too(client, name, query):
    for lang in ("zh", "en"):
        r = client.get(f"/api/widget/{name}", params={**query, "lang": lang})
        assert r.status_code == 200
        assert r.json() == expected(client, name, lang, query)


def test_the_twin_reads_the_fragments_query_and_agrees_with_its_page(client):
    bare = client.get("/api/widget/temperature?t=1.3&n=4&seed=7").json()
    spaced = client.get("/api/widget/temperature?temperature.t=1.3&temperature.n=4&temperature.seed=7").json()
    assert bare == spaced
    assert bare["state"] == {"t": "1.3", "n": "4", "seed": "7"}
    fragment = client.get("/en/widget/temperature?t=1.3&n=4&seed=7").text
    names = [n["text"] for n in bare["data"]["names"]]
    assert len(names) == 4
    shown = re.findall(r"<li[^>]*>\s*(?:<[^>]+>\s*)*([a-z]*)", fragment.split('id="temperature-out"', 1)[1])
    assert [n for n in shown if n][:4] == [n for n in names if n]
    assert str(escape(bare["data"]["summary"])) in fragment


@pytest.mark.parametrize("name, query, key", [
    ("temperature", "t=9", "t"),
    ("recipe-book", "page=0", "page"),
    ("flavor-cards", "c=%25", "c"),
    ("trace-back", "row=99", "row"),
    ("michelin", "picks=abc", "picks"),
])
def test_a_bad_value_is_a_422_with_the_widgets_own_message(client, name, query, key):
    for lang in ("zh", "en"):
        r = client.get(f"/api/widget/{name}?{query}&lang={lang}")
        assert r.status_code == 422
        (detail,) = r.json()["detail"]
        assert detail["loc"] == ["query", key]
        fragment = client.get(f"/{lang}/widget/{name}?{query}")
        assert fragment.status_code == 422
        assert str(escape(detail["msg"])) in fragment.text


def test_an_unknown_widget_or_language_is_refused_in_json(client):
    r = client.get("/api/widget/no-such-widget")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = client.get("/api/widget/temperature?lang=fr")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "lang"]


def test_openapi_lists_every_widgets_twin_with_its_parameters_and_limits(client):
    paths = client.get("/openapi.json").json()["paths"]
    for name, widget in widgets.BUILT.items():
        op = paths[f"/api/widget/{name}"]["get"]
        params = {p["name"]: p for p in op["parameters"]}
        assert list(params) == [p.key for p in widget.params] + ["lang"]
        for p in widget.params:
            schema = params[p.key]["schema"]
            if hasattr(p, "lo"):
                assert (schema["minimum"], schema["maximum"]) == (p.lo, p.hi), (name, p.key)
            if hasattr(p, "options"):
                assert schema["enum"] == list(p.options)
        assert set(op["responses"]) >= {"200", "422"}
    temperature = {p["name"]: p for p in paths["/api/widget/temperature"]["get"]["parameters"]}
    assert temperature["t"]["schema"] == {"type": "number", "minimum": 0, "maximum": 5, "default": 0.5}


# one state away from the start for every widget (the start is the home chapter's)
ANOTHER_STATE = {
    "recipe-book": {"q": "ann", "page": "2", "by": "last"},
    "tokenizer": {"text": "Zoë 2"},
    "flavor-cards": {"c": "e", "vs": "a"},
    "sous-chefs": {"name": "sophia", "pos": "2"},
    "prep-room": {"name": "ava", "pos": "1"},
    "next-dish": {"prefix": "ann", "t": "0.5"},
    "kitchen-map": {"name": "zoe", "pos": "1"},
    "scorecard": {"name": "xqz"},
    "guess": {"name": "emma", "bets": "e-m-mai-a-."},
    "trace-back": {"step": "4", "station": "wpe", "row": "2", "col": "3"},
    "knob-wall": {"knob": "17", "set": "0.5", "view": "influence"},
    "practice": {"go": "1", "steps": "40", "opt": "both"},
    "temperature": {"t": "1.3", "n": "4", "seed": "7"},
    "sampling": {"prefix": "em", "t": "0.8", "top_k": "5"},
    "notebook": {"menu": "em", "t": "1"},
    "michelin": {"judge": "you", "picks": "ab"},
}


class FromTwin:
    """A widget whose ``compute`` answers with the twin's data: rendering it shows
    what a partial makes of that data alone."""

    def __init__(self, widget, data):
        self._widget, self._data = widget, data

    def __getattr__(self, key):
        return getattr(self._widget, key)

    def compute(self, state, lang):
        return self._data


def as_markup_where(computed, data):
    """``data`` (the twin's JSON) with each text that ``compute`` gave as ready-made
    markup (an SVG, a table's rows) marked as markup again: JSON has text only."""
    if isinstance(computed, Markup):
        return Markup(data)
    if dataclasses.is_dataclass(computed) and not isinstance(computed, type):
        computed = {f.name: getattr(computed, f.name) for f in dataclasses.fields(computed)}
    if isinstance(computed, dict):
        return {str(k): as_markup_where(v, data[str(k)]) for k, v in computed.items()}
    if isinstance(computed, (list, tuple)):
        return [as_markup_where(c, d) for c, d in zip(computed, data)]
    return data


def test_every_widget_has_another_state_to_compare():
    assert set(ANOTHER_STATE) == set(NAMES)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", NAMES)
def test_the_fragment_is_its_partial_rendered_from_the_twins_data_alone(client, name, lang):
    """At its starting state and at one other, the fragment's HTML is the partial rendered
    from nothing but the twin's JSON: the twin holds exactly what the partial shows."""
    widget = widgets.get(name)
    page = client.app.state.site.library.home_of(lang, name)
    args = dict(page.instance(name).args) if page is not None else {}
    action = page.path if page is not None else f"/{lang}/widget/{name}"
    for query in ({}, ANOTHER_STATE[name]):
        answer = client.get(f"/api/widget/{name}", params={**query, "lang": lang})
        assert answer.status_code == 200, answer.text
        data = answer.json()["data"]
        fragment = client.get(f"/{lang}/widget/{name}", params=query)
        assert fragment.status_code == 200
        computed = widget.compute(widget.parse(query, args), lang)
        assert plain(computed) == data
        inst = view.Instance(FromTwin(widget, as_markup_where(computed, data)), name, args)
        html, state = view.render(inst, lang, list(query.items()), action=action)
        assert state is not None
        # the fragment is the partial followed by the "Embed" control
        assert fragment.text.startswith(html), (name, lang, query)
        assert fragment.text[len(html):].startswith('<details class="embed-control"'), (name, lang, query)
