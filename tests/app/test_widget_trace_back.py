"""trace-back end to end: the six cards, the two-ingredient dish step by step, the real kitchen.

Route tests run on the fixture story plus a chapter 5 that holds both chapter-5 widgets."""

import html
import math
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine import checkpoint
from engine import inspect as ins
from engine.autograd import Value, dish_graph, relay

from app.widgets import knobs, trace_back
from tests.app.widget_checks import assert_refused, submit_without_js


def steps_block(html, ns="trace-back"):
    return html.split(f'id="{ns}-steps"', 1)[1].split('<details class="tb-table">', 1)[0]


def real_block(html, ns="trace-back"):
    return html.split(f'id="{ns}-out"', 1)[1]


def grads_shown(html):
    return {int(n): g for n, g in re.findall(r'data-node="(\d+)">.*?(?:data-grad="([^"]*)")?', steps_block(html), re.S)}


# ---------------------------------------------------------------- routes

def test_chapter_page_shows_the_widget_with_its_assets(ch5):
    for lang in ("zh", "en"):
        r = ch5.get(f"/{lang}/chapter/5")
        assert r.status_code == 200
        assert 'id="w-trace-back"' in r.text and 'id="trace-back-out"' in r.text
        assert "/static/css/widgets/trace-back.css?v=" in r.text
        assert "/static/js/widgets/trace-back.js?v=" in r.text
        assert r.text.count("/static/js/widgets/trace-back.js") == 1


def test_fragment_in_both_languages_uses_the_kitchen_words(ch5):
    zh = ch5.get("/zh/widget/trace-back")
    en = ch5.get("/en/widget/trace-back")
    assert zh.status_code == en.status_code == 200
    assert zh.text.lstrip().startswith('<section class="widget widget-trace-back" id="w-trace-back"')
    for word in ("混合", "调配", "浓缩", "提味", "发酵", "品控", "盐", "糖", "往前"):
        assert word in zh.text, word
    for word in ("Mix", "Blend", "Reduce", "Season", "Ferment", "Inspect", "salt", "sugar", "Forward"):
        assert word in en.text, word
    # the real term shown once, in small type
    assert '<small class="term">反向传播 backpropagation</small>' in zh.text
    assert "<html" not in zh.text


def test_state_in_the_address_sets_step_name_and_knob(ch5):
    r = ch5.get("/en/chapter/5?trace-back.step=3&trace-back.name=olivia&trace-back.station=wpe&trace-back.row=2&trace-back.col=7")
    assert r.status_code == 200
    assert "Step 4 of 7" in r.text
    real = real_block(r.text)
    assert '<strong class="mono">olivia</strong>' in real
    assert "order tag of position 2, number 7" in real
    assert '<option value="wpe" selected>' in real


def test_no_js_forms_reload_the_chapter_and_keep_every_other_state(ch5):
    r = ch5.get("/zh/chapter/5?trace-back.step=2&trace-back.name=anna&knob-wall.knob=7&utm=x")
    nav = steps_block(r.text).split('<form class="widget-form tb-nav"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/zh/chapter/5#trace-back-steps"' in nav
    assert '<input type="hidden" name="keep" value="trace-back">' in nav
    assert 'name="knob-wall.knob"' not in nav and 'name="utm"' not in nav
    pairs, _ = submit_without_js(ch5, "/zh/chapter/5?trace-back.step=2&trace-back.name=anna&knob-wall.knob=7&utm=x",
                                 '<form class="widget-form tb-nav"' + nav, button=("trace-back.step", "3"))
    assert ("knob-wall.knob", "7") in pairs and ("utm", "x") in pairs and ("trace-back.step", "3") in pairs
    assert '<input type="hidden" name="trace-back.name" value="anna">' in nav
    assert 'name="trace-back.step" value="1" data-tb="prev"' in nav
    assert 'name="trace-back.step" value="3" data-tb="next"' in nav
    pick = real_block(r.text).split("</form>", 1)[0]
    assert '<input type="hidden" name="trace-back.step" value="2">' in pick
    assert 'name="trace-back.name" value="anna"' in pick


def test_htmx_request_replaces_the_address(ch5):
    r = ch5.get(
        "/en/widget/trace-back?trace-back.step=4&trace-back.name=emma",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/5?knob-wall.view=influence"},
    )
    assert r.status_code == 200
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/en/chapter/5"
    assert dict(parse_qsl(url.query)) == {
        "knob-wall.view": "influence", "trace-back.step": "4", "trace-back.name": "emma",
        "trace-back.station": "wte", "trace-back.row": "13", "trace-back.col": "1",
    }


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("step=7", "步数要是 0 到 6 之间的整数。", "The step must be a whole number from 0 to 6."),
        ("step=-1", "0 到 6", "from 0 to 6"),
        ("step=nan", "0 到 6", "from 0 to 6"),
        ("name=em1", "名字只能用字母 a–z", "may use only the letters a–z"),
        ("name=", "名字不能是空的", "The name is empty"),
        ("name=" + "a" * 16, "最多 15 个", "at most 15"),
        ("station=oven", "工位只能是 风味档案卡（wte）、上菜顺序标签（wpe）", "The station must be one of flavour cards (wte), order tags (wpe)"),
        ("station=wte&row=28", "风味档案卡只有 27 行、16 列。", "The flavour cards have 27 rows and 16 columns."),
        ("station=mlp_fc2&col=65", "1 到 64", "from 1 to 64"),
        ("row=0", "行要是 1 到 64", "The row must be a whole number from 1 to 64"),
        ("col=1.5", "列要是 1 到 64", "The column must be a whole number"),
    ],
)
def test_bad_state_is_a_422_in_the_page_language(ch5, query, zh, en):
    assert_refused(ch5, "trace-back", 5, query, zh, en)


def test_backprop_example_api_is_the_autograd_graph(ch5):
    r = ch5.get("/api/backprop-example")
    assert r.status_code == 200
    data = r.json()
    assert data == dish_graph()
    by_label = {n["label"]: n for n in data["nodes"]}
    assert (by_label["salt"]["grad"], by_label["sugar"]["grad"]) == (4, 2)


# ---------------------------------------------------------------- engine agreement

def test_step_through_comes_from_export_graph_and_ends_at_4_and_2(ch5, monkeypatch):
    graph = dish_graph()
    frames = relay(graph)
    assert len(frames) == trace_back.N_STEPS == 7
    final = frames[-1]["grads"]
    # the relay's running sums end exactly at the graph's own grads
    assert final == {n["id"]: n["grad"] for n in graph["nodes"]}
    labels = {n["id"]: n["label"] for n in graph["nodes"]}
    assert {labels[i]: g for i, g in final.items() if labels[i] in ("salt", "sugar")} == {"salt": 4, "sugar": 2}

    last = ch5.get(f"/en/widget/trace-back?step={len(frames) - 1}").text
    assert "Salt&#39;s influence is 4, sugar&#39;s is 2." in last
    assert "<strong>salt 4, sugar 2</strong>" in last
    zh = ch5.get(f"/zh/widget/trace-back?step={len(frames) - 1}").text
    assert "盐的影响是 4，糖的影响是 2。" in zh

    # the numbers are read from the exported graph: a different graph shows different numbers
    def other_graph():
        salt, sugar = Value(5, label="salt"), Value(7, label="sugar")
        seasoning = salt * sugar
        seasoning.label = "seasoning"
        dish = seasoning + salt
        dish.label = "dish"
        dish.backward()
        from engine.autograd import export_graph
        return export_graph(dish)

    monkeypatch.setattr(trace_back, "dish_graph", other_graph)
    # a fresh app without the store of answers, which still holds the first graph's step 6
    from app.main import create_app

    with TestClient(create_app(ch5.app.state.site, answer_bytes=0)) as fresh:
        changed = fresh.get("/en/widget/trace-back?step=6").text
    assert "Salt&#39;s influence is 8, sugar&#39;s is 5." in changed


def test_each_back_step_shows_the_multiplication_along_the_relay(ch5):
    texts = [ch5.get(f"/en/widget/trace-back?step={k}").text for k in range(7)]
    assert "Blend: salt 2 × sugar 3 = 6" in steps_block(texts[1])
    assert "Mix: seasoning 6 + salt 2 = 8" in steps_block(texts[2])
    assert "influence on itself is 1" in steps_block(texts[3])
    assert "seasoning 1 × 1 = 1; salt 1 × 1 = 1" in steps_block(texts[4])
    step5 = steps_block(texts[5])
    assert "salt 3 × 1 = 3, plus 1 from its other path: 4 in all; sugar 2 × 1 = 2" in step5
    # the drawing: influence labels appear only once tracing has reached them
    assert 'data-grad=' not in steps_block(texts[2])
    assert 'data-grad="4"' in step5 and 'data-grad="2"' in step5
    # the current node is marked in words as well as colour
    assert step5.count('class="tb-node is-current"') == 1
    assert "▶ seasoning" in step5


def test_technique_cards_show_the_autograd_numbers(ch5):
    html = ch5.get("/en/widget/trace-back").text
    cards = dict(re.findall(r'<details class="tb-card" data-op="(\w+)">(.*?)</details>', html, re.S))
    assert set(cards) == {"add", "mul", "pow", "log", "exp", "relu"}
    assert "2 + 3 = 5" in cards["add"] and "passes back 1 to each side" in cards["add"]
    assert "2 × 3 = 6" in cards["mul"] and "passes back 3 to the first" in cards["mul"] and "2 to the second" in cards["mul"]
    x = Value(4)
    (x**2).backward()
    assert f"passes back {knobs.num(x.grad)}" in cards["pow"]
    y = Value(4)
    y.log().backward()
    assert "season 4 → 1.386" in cards["log"] and f"passes back {knobs.num(y.grad)}" in cards["log"]
    assert "ferment 1 → 2.718" in cards["exp"]
    assert "poured away: passes back 0" in cards["relu"]


def shown_influence(html):
    m = re.search(r'data-influence="([^"]+)">([^<]+)</strong>', real_block(html))
    return float(m.group(1)), m.group(2)


@pytest.mark.parametrize(
    "name, station, row, col",
    [
        ("emma", "wte", 13, 1),      # 'm' is served twice: two paths add up
        ("olivia", "wpe", 3, 5),
        ("abigail", "lm_head", 27, 4),
        ("sophia", "attn_wq", 6, 11),
        ("noah", "attn_wv", 16, 16),
        ("william", "attn_wo", 2, 9),
        ("mia", "mlp_fc1", 40, 3),
        ("james", "mlp_fc2", 5, 33),
    ],
)
def test_traced_influence_equals_the_engines_gradient(ch5, name, station, row, col):
    p = checkpoint.default_params()
    loss, grad = ins.gradient(p, name)
    a = ins.knob_address(p, knobs.matrix(station), row - 1, col - 1)
    for lang in ("zh", "en"):
        html = ch5.get(f"/{lang}/widget/trace-back?name={name}&station={station}&row={row}&col={col}").text
        raw, text = shown_influence(html)
        assert raw == float(grad[a.index])
        g = float(grad[a.index])
        if g == 0:
            assert text == "0"
        else:
            assert math.isclose(float(text), g, rel_tol=1e-3)
        real = real_block(html)
        label = ins.knob_label(p, a) if lang == "en" else knobs.knob_label(p, a, "zh")
        assert label.replace("'", "&#39;") in real
        assert f"data-loss=\"{loss!r}\"" in real


def test_a_card_used_twice_adds_its_two_paths(ch5):
    p = checkpoint.default_params()
    _, grad = ins.gradient(p, "emma")
    html = ch5.get("/en/widget/trace-back?name=emma&station=wte&row=13&col=4").text
    chips = re.findall(r"order tag (\d) \(m\) <span class=\"mono\">([^<]+)</span>", real_block(html))
    assert [tag for tag, _ in chips] == ["2", "3"], "numbered as the order tags are everywhere else (the bell is 0)"
    off = p.offsets["wpe"][0]
    shares = [grad[off + int(tag) * 16 + 3] for tag, _ in chips]
    assert math.isclose(sum(shares), grad[12 * 16 + 3], rel_tol=1e-9, abs_tol=1e-15)
    assert "served 2 times" in html


def test_the_nudge_check_really_turns_the_knob(ch5):
    p = checkpoint.default_params()
    before = p.flat.copy()
    html = ch5.get("/en/widget/trace-back?name=sophia&station=lm_head&row=1&col=2").text
    m = re.search(r"takes the score from <span class=\"mono\">([^<]+)</span> to <span class=\"mono\">([^<]+)</span>", html)
    idx = ins.knob_address(p, "lm_head", 0, 1).index
    after = ins.turn_knobs(p, "sophia", {idx: float(p.flat[idx]) + trace_back.NUDGE}).loss
    assert math.isclose(float(m.group(2)), after, rel_tol=1e-5)
    assert np.array_equal(p.flat, before)


def test_suggested_knobs_are_the_most_telling_ones(ch5):
    p = checkpoint.default_params()
    _, grad = ins.gradient(p, "liam")
    html = ch5.get("/en/widget/trace-back?name=liam").text
    suggestions = re.findall(r'name="trace-back.station" value="(\w+)"><input type="hidden" name="trace-back.row" value="(\d+)">'
                             r'<input type="hidden" name="trace-back.col" value="(\d+)">', html)
    top = [int(i) for i in np.argsort(-np.abs(grad), kind="stable")[:3]]
    got = [ins.knob_address(p, knobs.matrix(s), int(r) - 1, int(c) - 1).index for s, r, c in suggestions]
    assert got[:3] == top
    assert 3 <= len(got) <= 5


@pytest.mark.parametrize("query", ["trace-back?name=emma&station=wte&row=13&col=1", "knob-wall?name=emma&knob=100"])
def test_a_knob_is_named_in_the_page_language_with_the_english_name_beside_it_in_chinese(ch5, query):
    """The English page speaks English only; the Chinese page adds the knob's English
    name in small type, marked as English."""
    en = ch5.get(f"/en/widget/{query}").text
    assert re.findall(r"[\u4e00-\u9fff]", en) == []
    zh = ch5.get(f"/zh/widget/{query}").text
    p = checkpoint.default_params()
    knob = 192 if query.startswith("trace-back") else 100
    english = [html.unescape(t) for t in re.findall(r'<small class="term" lang="en">([^<]*)', zh)]
    assert any(t.startswith(ins.knob_label(p, knob)) for t in english), english
    assert knobs.knob_label(p, knob, "zh") in zh


def test_every_knob_and_station_is_named_in_english_as_the_engine_names_it_and_each_knob_apart_in_chinese():
    """The knobs' names are messages in the catalogs; in English they are the engine's own labels."""
    p = checkpoint.default_params()
    n = int(p.flat.size)
    assert [knobs.knob_label(p, i, "en") for i in range(n)] == [ins.knob_label(p, i) for i in range(n)]
    assert len({knobs.knob_label(p, i, "zh") for i in range(n)}) == n
    assert [knobs.station_name(k, "en") for k in knobs.ORDER] == [ins.STATIONS[k] for k in knobs.ORDER]


def test_the_twin_gives_the_knobs_english_label_beside_a_label_in_another_language(ch5):
    p = checkpoint.default_params()
    a = ins.knob_address(p, "layer0.attn_wq", 6, 2)
    real = {lang: ch5.get(f"/api/widget/trace-back?station=attn_wq&row=7&col=3&lang={lang}").json()["data"]["real"]
            for lang in ("zh", "en")}
    assert real["en"]["label"] == ins.knob_label(p, a) and real["en"]["label_en"] is None
    assert real["zh"]["label"] == knobs.knob_label(p, a, "zh") and real["zh"]["label_en"] == ins.knob_label(p, a)
    h = 6 // p.config.head_size + 1
    assert real["zh"]["path"][-1] == f"第 {h} 位副厨的问题" and real["en"]["path"][-1] == f"sous-chef {h}'s question"


@pytest.mark.parametrize("station, through", [
    ("attn_wq", ["the sous-chefs' reports", "the sous-chefs' table: how much sous-chef 1 looked at each course", "sous-chef 1's question"]),
    ("attn_wk", ["the sous-chefs' table: how much sous-chef 1 looked at each course", "sous-chef 1's label"]),
    ("attn_wv", ["the sous-chefs' reports", "the courses' recipes for sous-chef 1, weighed by how much he looked at each"]),
    ("wpe", ["the sous-chefs' table (and straight back along the pot)", "bringing it to strength", "order tags"]),
])
def test_the_path_back_follows_the_kitchen_line(ch5, station, through):
    html = ch5.get(f"/en/widget/trace-back?name=emma&station={station}&row=2&col=1").text
    path = re.findall(r'<li[^>]*>(.*?)</li>', html.split('class="tb-path"', 1)[1].split("</ol>", 1)[0], re.S)
    stops = [re.sub(r"<[^>]+>", "", x).strip().replace("&#39;", "'") for x in path]
    assert stops[:2] == ["the score", "the final vote"]
    assert [s for s in stops if s in through] == through, stops


def test_a_refused_state_offers_the_stations_by_name_to_fix_it(ch5):
    from app.widgets import knobs

    for lang in ("zh", "en"):
        r = ch5.get(f"/{lang}/widget/trace-back?station=attn_wk&row=99")
        assert r.status_code == 422
        select = r.text.split('id="trace-back-station"', 1)[1].split("</select>", 1)[0]
        options = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', select)
        assert [o[0] for o in options] == list(knobs.ORDER)
        assert [html.unescape(o[2]) for o in options] == [knobs.station_name(k, lang) for k in knobs.ORDER]
        assert [o[0] for o in options if o[1]] == ["attn_wk"]   # the station asked for stays chosen
