"""The wall, the trace back and the serving loop show the engine's own numbers: computed
when the site starts, and different when the model is different. The trace back's
animation is off unless the reader's system allows motion."""

import dataclasses
import re

import numpy as np
import pytest

from app.model_facts import facts, figures
from app.web import i18n
from app.model_facts.figures import figure_context
from engine import checkpoint, inspect as ins, model
from tests.figures.test_figures import SVG, parse, render, texts


def test_station_counts_are_the_engines_matrices():
    rows = figures.station_counts()
    counts = model.param_counts()
    assert sum(n for _, n, _ in rows) == model.N_PARAMS == sum(counts.values())
    by_key = {k: n for k, n, _ in rows}
    assert by_key["cards"] == counts["wte"] and by_key["pass"] == counts["lm_head"]
    assert by_key["prep"] == counts["layer0.mlp_fc1"] + counts["layer0.mlp_fc2"]
    assert sum(p for _, _, p in rows) == 100


def test_a_different_model_gives_a_different_wall():
    small = dataclasses.replace(model.CONFIG, n_embd=8, n_head=2, n_mlp=32, n_layer=2)
    rows = dict((k, n) for k, n, _ in figures.station_counts(small))
    assert sum(rows.values()) == sum(model.param_counts(small).values()) != model.N_PARAMS
    assert rows["question"] == 2 * 8 * 8, "every layer's sous-chefs are counted"
    assert rows["prep"] == 2 * 2 * 32 * 8
    wall = figures.wall_data("en", small)
    assert wall["n_params"] == f"{sum(rows.values()):,}"
    assert [b["count"] for b in wall["bands"]] == [f"{n:,}" for n in rows.values()]
    assert wall["bands"] != figures.wall_data("en")["bands"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_wall_figure_shows_every_station_count(lang):
    words = texts(parse(render("wall", lang)))
    for _, n, _ in figures.station_counts():
        assert f"{n:,}" in words
    prep = dict((k, p) for k, _, p in figures.station_counts())["prep"]
    assert any(w.startswith(f"{prep}%") for w in words)
    assert any(f"{model.N_PARAMS:,}" in w for w in words)
    # bands are as tall as their share of the knobs, and stack without gaps
    rects = [el for el in parse(render("wall", lang)).iter(SVG + "rect")]
    heights = [float(r.get("height")) for r in rects]
    counts = [n for _, n, _ in figures.station_counts()]
    assert np.allclose(np.array(heights) / sum(heights), np.array(counts) / sum(counts), atol=1e-3)


def test_the_trace_ends_on_a_knob_with_large_influence_for_its_dish():
    p = checkpoint.default_params()
    b = figures.trace_blame(p)
    loss, grad = ins.gradient(p, b["dish"])
    mags = np.abs(grad)
    off, r, c = p.offsets["wte"]
    assert b["knob"] == off + int(np.argmax(mags[off:off + r * c])), "the flavour card knob with most influence"
    assert b["rank"] == int((mags > mags[b["knob"]]).sum()) + 1
    assert b["rank"] <= 20, "one of the most blamed knobs of the whole wall"
    assert sum(b["stops"]) == 100 and len(b["stops"]) == 4
    share = mags[p.offsets["lm_head"][0]:p.offsets["lm_head"][0] + 27 * 16].sum() / mags.sum()
    assert abs(b["stops"][0] - 100 * share) < 1, "the pass's own knobs carry their share"
    assert b["stops"][0] > 0


def test_a_different_model_gives_a_different_trace():
    p = checkpoint.default_params()
    before = figures.trace_blame(p)
    other = p.copy()
    other["lm_head"][...] *= 3.0           # a louder pass changes who is to blame
    after = figures.trace_blame(other)
    assert after["stops"] != before["stops"]
    shown = figures.trace_data("en", other)
    assert [s["blame"] for s in shown["stops"]] == [f"{pct}% of the blame" for pct in after["stops"]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_trace_figure_names_the_knob_as_the_knob_wall_does(lang):
    from app.widgets import knobs

    p = checkpoint.default_params()
    b = figures.trace_blame(p)
    words = texts(parse(render("trace", lang)))
    a = b["address"]
    label = knobs.knob_label(p, a, lang)              # the knob wall's own name for it
    letter = knobs.VOCAB[a.row]
    assert any(f"#{b['knob']}" in w and knobs.station_name("wte", lang).lower() in w.lower() for w in words)
    assert any(letter in w and str(a.col + 1) in w for w in words)
    assert letter in label and str(a.col + 1) in label
    for pct in b["stops"]:
        assert any(f"{pct}%" in w for w in words)
    stations = {"zh": "出菜口", "en": "pass"}[lang]
    assert any(stations in w for w in words), "the pass is one of the stops"
    # the placeholders say the same as the figure
    f = facts.build()
    assert facts.resolve("trace_knob:number", lang, f) == str(b["knob"])
    assert facts.resolve("trace_knob:label", lang, f) == label
    assert [facts.resolve(f"trace_blame:{k}", lang, f) for k in facts.TRACE_STOP_KEYS] == [str(x) for x in b["stops"]]


def test_the_trace_has_a_text_alternative_with_every_stop():
    for lang in ("zh", "en"):
        root = parse(render("trace", lang))
        desc = root.find(SVG + "desc").text
        for stop in figure_context("trace", lang)["stops"]:
            assert stop["name"] in desc and stop["blame"] in desc
        assert figure_context("trace", lang)["knob_number"] in desc


def test_the_trace_moves_only_when_motion_is_allowed():
    svg = render("trace", "en")
    css = "".join(el.text for el in parse(svg).iter(SVG + "style"))
    # every animation and every dash that hides the thread is inside the no-preference query
    outside = re.sub(r"@media \(prefers-reduced-motion:no-preference\)\{(?:[^{}]|\{[^{}]*\}|\{(?:[^{}]|\{[^{}]*\})*\})*\}", "", css)
    assert "@media (prefers-reduced-motion:no-preference)" in css
    assert "animation:" not in outside and "animation-timeline" not in outside and "stroke-dasharray:1" not in outside
    # one drawn segment per stop of the thread, plus the last one up to the wall, in order
    segments = [el for el in parse(svg).iter(SVG + "path") if "ft-a" in el.get("class", "")]
    assert [el.get("class").split()[-1] for el in segments] == [f"ft-{k}" for k in range(1, 6)]
    assert all(el.get("pathLength") == "1" for el in segments)
    for k in range(1, 6):
        assert f".ft-{k}{{animation:ft-d{k} " in css and f"@keyframes ft-d{k}" in css


def test_the_loop_shows_the_engines_vote():
    from engine.sample import vote  # noqa: F401  (the vote the figure reads is engine.inspect.next_vote)

    p = checkpoint.default_params()
    probs = ins.next_vote(p, figures.LOOP_PREFIX, 1.0)
    top = np.argsort(-probs)[:figures.LOOP_SHOWN]
    data = figures.loop_data("en")
    assert [v["pct"] for v in data["votes"]] == [f"{100 * probs[i]:.0f}%" for i in top]
    assert data["pick"] == "abcdefghijklmnopqrstuvwxyz"[top[0]]
    other = p.copy()
    other["lm_head"][...] = 0.0            # a pass that cannot tell courses apart
    flat = figures.loop_data("en", other)
    assert all(v["pct"] == f"{100 / 27:.0f}%" for v in flat["votes"])


@pytest.mark.parametrize("expr", ["station_knobs", "station_knobs:kitchen", "station_share:wte", "trace_blame",
                                  "trace_blame:plate", "trace_knob", "trace_knob:colour"])
def test_wall_and_trace_placeholders_check_their_argument(expr):
    with pytest.raises(facts.PlaceholderError):
        facts.resolve(expr, "en")


def test_wall_placeholders_are_the_figures_counts():
    f = facts.build()
    for key, n, pct in figures.station_counts():
        assert facts.resolve(f"station_knobs:{key}", "zh", f) == f"{n:,}"
        assert facts.resolve(f"station_share:{key}", "en", f) == str(pct)
    assert facts.resolve("trace_knob:ordinal", "en", f) == i18n.ordinal(f.trace["rank"], "en")
    assert [i18n.ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_line_names_the_engines_number_of_sous_chefs(lang):
    from app.story.content import render_figure
    from tests.figures.test_figures import TEMPLATES

    shown = texts(parse(render("line", lang)))
    word = "位副厨" if lang == "zh" else "sous-chefs"
    assert any(t.startswith(str(model.CONFIG.n_head)) and word in t for t in shown)
    two = dataclasses.replace(model.CONFIG, n_head=2)
    other = texts(parse(render_figure("line", lang, "x", TEMPLATES, lambda name, lang: figures.line_data(two))))
    assert any(t.startswith("2") and word in t for t in other)
    assert not any(t.startswith(str(model.CONFIG.n_head)) and word in t for t in other)
