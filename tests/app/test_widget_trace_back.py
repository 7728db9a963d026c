"""trace-back end to end: the six cards, the two-ingredient dish step by step, the real kitchen.

Route tests run on the fixture story plus a chapter 5 that holds both chapter-5 widgets."""

import html
import math
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from fastapi.testclient import TestClient

from engine import checkpoint, tokenizer
from engine import inspect as ins
from engine.autograd import Value, dish_graph, relay

from app.widgets import knobs, trace_back
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin


def steps_block(html, ns="trace-back"):
    return html.split(f'id="{ns}-steps"', 1)[1].split('<details class="tb-table">', 1)[0]


def real_block(html, ns="trace-back"):
    return html.split(f'id="{ns}-out"', 1)[1]


def grads_shown(block):
    """node id -> the influence written on it in the drawing ('' while not traced yet)."""
    nodes = re.findall(r'data-node="(\d+)">(.*?)</g>', block, re.S)
    return {int(n): (re.findall(r'data-grad="([^"]*)"', body) or [""])[0] for n, body in nodes}


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
    d = twin(ch5, "trace-back", step="3", name="olivia", station="wpe", row="2", col="7")
    assert d["steps"]["step"] == 3 and d["steps"]["position"] == "Step 4 of 7"
    assert d["real"]["name"] == "olivia" and "order tag of position 2, number 7" in d["real"]["label"]
    assert [st["key"] for st in d["real"]["stations"] if st["selected"]] == ["wpe"]
    r = ch5.get("/en/chapter/5?trace-back.step=3&trace-back.name=olivia&trace-back.station=wpe&trace-back.row=2&trace-back.col=7")
    assert r.status_code == 200
    assert d["steps"]["position"] in r.text
    real = real_block(r.text)
    assert '<strong class="mono">olivia</strong>' in real
    assert f"<strong>{shown(d['real']['label'])}</strong>" in real
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

    last = twin(ch5, "trace-back", step=str(len(frames) - 1))["steps"]
    assert "Salt's influence is 4, sugar's is 2." in last["text"]
    assert (last["salt_grad"], last["sugar_grad"]) == ("4", "2") and last["done"]
    assert last["final_grads"] == {"dish": 1, "seasoning": 1, "salt": 4, "sugar": 2}
    assert "盐的影响是 4，糖的影响是 2。" in twin(ch5, "trace-back", "zh", step=str(len(frames) - 1))["steps"]["text"]

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
        changed = twin(fresh, "trace-back", step="6")["steps"]
    assert "Salt's influence is 8, sugar's is 5." in changed["text"]
    assert (changed["salt_grad"], changed["sugar_grad"]) == ("8", "5")


def test_each_back_step_shows_the_multiplication_along_the_relay(ch5):
    steps = [twin(ch5, "trace-back", step=str(k))["steps"] for k in range(7)]
    assert "Blend: salt 2 × sugar 3 = 6" in steps[1]["text"]
    assert "Mix: seasoning 6 + salt 2 = 8" in steps[2]["text"]
    assert "influence on itself is 1" in steps[3]["text"]
    assert "seasoning 1 × 1 = 1; salt 1 × 1 = 1" in steps[4]["text"]
    assert "salt 3 × 1 = 3, plus 1 from its other path: 4 in all; sugar 2 × 1 = 2" in steps[5]["text"]
    # influence is known only once tracing has reached a station
    assert all(not n["grad"] for n in steps[2]["nodes"])
    assert {n["name"]: n["grad"] for n in steps[5]["nodes"]} == {"salt": "4", "sugar": "2", "seasoning": "1", "the dish": "1"}
    # one station is the current one
    assert [n["name"] for n in steps[5]["nodes"] if n["current"]] == ["seasoning"]


@pytest.mark.parametrize("step", [0, 2, 5, 6])
def test_the_steps_show_what_their_twin_computes(ch5, step):
    for lang in ("zh", "en"):
        s = twin(ch5, "trace-back", lang, step=str(step))["steps"]
        block = steps_block(ch5.get(f"/{lang}/widget/trace-back?step={step}").text)
        assert f'data-tb-step="{s["step"]}" data-tb-last="{s["last"]}"' in block
        assert f'<span class="tb-phase-label phase-{s["phase"]}">{shown(s["phase_label"])}</span> <span class="tb-pos">{shown(s["position"])}</span>' in block
        assert f'<p class="tb-say" id="trace-back-say" aria-live="polite">{shown(s["text"])}</p>' in block
        assert grads_shown(block) == {n["id"]: n["grad"] for n in s["nodes"]}
        assert block.count('class="tb-node is-current"') == sum(n["current"] for n in s["nodes"])
        for n in s["nodes"]:
            assert f'>{"▶ " if n["current"] else ""}{shown(n["name"])}</text>' in block
            assert f'data-value>{n["value"]}</text>' in block
            if n["grad"]:
                assert f'data-grad="{n["grad"]}">{shown(n["grad_text"])}</text>' in block
        for e in s["edges"]:
            assert f'<path d="{e["d"]}"' in block
            assert (f'text-anchor="middle">{shown(e["local"])}</text>' in block) == bool(e["local"])
        if s["next"] is not None:
            assert f'value="{s["next"]}" data-tb="next"' in block and f">{shown(s['next_label'])}</button>" in block


def test_technique_cards_show_the_autograd_numbers(ch5):
    cards = {c["op"]: c for c in twin(ch5, "trace-back")["cards"]}
    assert set(cards) == {"add", "mul", "pow", "log", "exp", "relu"}

    def said(op):
        return " ".join(e["forward"] + " " + e["back"] for e in cards[op]["examples"])

    assert "2 + 3 = 5" in said("add") and "passes back 1 to each side" in said("add")
    assert "2 × 3 = 6" in said("mul") and "passes back 3 to the first" in said("mul") and "2 to the second" in said("mul")
    assert cards["mul"]["examples"][0]["grads"] == [3.0, 2.0]
    x = Value(4)
    (x**2).backward()
    assert f"passes back {knobs.num(x.grad)}" in said("pow") and [x.grad] in [e["grads"] for e in cards["pow"]["examples"]]
    y = Value(4)
    y.log().backward()
    assert "season 4 → 1.386" in said("log") and f"passes back {knobs.num(y.grad)}" in said("log")
    assert "ferment 1 → 2.718" in said("exp")
    assert "poured away: passes back 0" in said("relu")


def test_the_cards_show_what_their_twin_computes(ch5):
    for lang in ("zh", "en"):
        cards = twin(ch5, "trace-back", lang)["cards"]
        drawn = dict(re.findall(r'<details class="tb-card" data-op="(\w+)">(.*?)</details>', ch5.get(f"/{lang}/widget/trace-back").text, re.S))
        assert list(drawn) == [c["op"] for c in cards]
        for c in cards:
            body = drawn[c["op"]]
            assert f'<span class="tb-card-name">{shown(c["name"])}</span> <small class="term">{shown(c["term"])}</small>' in body
            assert shown(c["rule"]) in body
            for e in c["examples"]:
                assert f'{shown(e["forward"])}</span>' in body and f'{shown(e["back"])}</span>' in body


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
    g = float(grad[a.index])
    for lang in ("zh", "en"):
        real = twin(ch5, "trace-back", lang, name=name, station=station, row=str(row), col=str(col))["real"]
        assert real["influence_raw"] == g and real["index"] == a.index
        if g == 0:
            assert real["influence"] == "0"
        else:
            assert math.isclose(float(real["influence"]), g, rel_tol=1e-3)
        label = ins.knob_label(p, a) if lang == "en" else knobs.knob_label(p, a, "zh")
        assert real["label"] == label
        assert real["loss_raw"] == loss


@pytest.mark.parametrize("query", ["name=emma&station=wte&row=13&col=4", "name=sophia&station=lm_head&row=1&col=2",
                                   "name=xq&station=wte&row=5&col=1", "name=mia&station=mlp_fc1&row=40&col=3"])
def test_the_real_kitchen_shows_what_its_twin_computes(ch5, query):
    for lang in ("zh", "en"):
        r = twin(ch5, "trace-back", lang, dict(parse_qsl(query)))["real"]
        real = real_block(ch5.get(f"/{lang}/widget/trace-back?{query}").text)
        assert f'<strong class="mono">{r["name"]}</strong>' in real
        assert f'<strong data-loss="{r["loss_raw"]}">{r["loss"]}</strong>' in real
        assert f'<strong>{shown(r["label"])}</strong>' in real and f"#{r['index']} · {shown(r['term'])}" in real
        assert (r["label_en"] is not None) == (lang == "zh")
        if r["label_en"]:
            assert f'lang="en">{shown(r["label_en"])} · #{r["index"]}' in real
        path = re.findall(r"<li>(.*?)</li>", real.split('class="tb-path"', 1)[1].split("</ol>", 1)[0], re.S)
        assert path == [shown(stop) for stop in r["path"]]
        assert f'<strong data-influence="{r["influence_raw"]}">{r["influence"]}</strong>' in real
        chips = re.findall(r'<span class="tb-chip">[^<]*?(\d+)[^<\d]*<span class="mono">([^<]+)</span>', real)
        assert chips == [(str(x["order_tag"]), x["influence"]) for x in r["paths"]]
        if r["paths"]:
            assert f'= <strong class="mono">{r["paths_total"]}</strong>' in real
        for value in (r["nudge"], r["predicted"], r["loss_long"], r["nudged_loss"]):
            assert value in real
        for k in r["suggestions"]:
            assert shown(k["label"]) in real and k["influence"] in real
        options = re.findall(r'<option value="(\w+)"( selected)?>([^<]+)</option>', real)
        assert options == [(st["key"], " selected" if st["selected"] else "", shown(st["label"])) for st in r["stations"]]


@pytest.mark.parametrize("query", ["name=emma&station=wte&row=13&col=4", "name=anna&station=wte&row=1&col=7",
                                   "name=olivia&station=wte&row=9&col=2", "name=sophia&station=wte&row=27&col=1",
                                   "name=bob&station=wte&row=2&col=5", "name=mia&station=wte&row=3&col=1"])
def test_each_path_s_order_tag_is_in_the_twin_as_the_page_shows_it(ch5, query):
    state = dict(parse_qsl(query))
    menu = tokenizer.encode(state["name"])          # the bell, the courses, the bell: order tags 0, 1, ...
    for lang in ("zh", "en"):
        paths = twin(ch5, "trace-back", lang, state)["real"]["paths"]
        chips = re.findall(r'<span class="tb-chip">[^<]*?(\d+)[^<\d]*<span class="mono">',
                           real_block(ch5.get(f"/{lang}/widget/trace-back?{query}").text))
        assert chips == [str(x["order_tag"]) for x in paths], (lang, query)
        # the tag at which the menu serves this card's course (the bell is tag 0), one before its position
        assert all(menu[x["order_tag"]] == int(state["row"]) - 1 and x["order_tag"] == x["position"] - 1 for x in paths)
        assert len(paths) == menu[:-1].count(int(state["row"]) - 1)


def test_a_card_used_twice_adds_its_two_paths(ch5):
    p = checkpoint.default_params()
    _, grad = ins.gradient(p, "emma")
    real = twin(ch5, "trace-back", name="emma", station="wte", row="13", col="4")["real"]
    assert real["is_card"] and [(x["position"], x["course"]) for x in real["paths"]] == [(3, "m"), (4, "m")]
    off = p.offsets["wpe"][0]
    # position 3 and 4 of the menu are order tags 2 and 3 (the bell is 0)
    shares = [grad[off + (x["position"] - 1) * 16 + 3] for x in real["paths"]]
    assert [x["raw"] for x in real["paths"]] == shares
    assert math.isclose(sum(shares), grad[12 * 16 + 3], rel_tol=1e-9, abs_tol=1e-15)
    html_ = ch5.get("/en/widget/trace-back?name=emma&station=wte&row=13&col=4").text
    chips = re.findall(r"order tag (\d) \(m\) <span class=\"mono\">([^<]+)</span>", real_block(html_))
    assert [tag for tag, _ in chips] == ["2", "3"], "numbered as the order tags are everywhere else (the bell is 0)"
    assert "served 2 times" in html_


def test_the_nudge_check_really_turns_the_knob(ch5):
    p = checkpoint.default_params()
    before = p.flat.copy()
    real = twin(ch5, "trace-back", name="sophia", station="lm_head", row="1", col="2")["real"]
    idx = ins.knob_address(p, "lm_head", 0, 1).index
    after = ins.turn_knobs(p, "sophia", {idx: float(p.flat[idx]) + trace_back.NUDGE}).loss
    assert math.isclose(float(real["nudged_loss"]), after, rel_tol=1e-5)
    assert real["nudge"] == f"{trace_back.NUDGE:g}"
    assert np.array_equal(p.flat, before)


def test_suggested_knobs_are_the_most_telling_ones(ch5):
    p = checkpoint.default_params()
    _, grad = ins.gradient(p, "liam")
    suggestions = twin(ch5, "trace-back", name="liam")["real"]["suggestions"]
    top = [int(i) for i in np.argsort(-np.abs(grad), kind="stable")[:3]]
    got = [ins.knob_address(p, knobs.matrix(k["station"]), k["row"] - 1, k["col"] - 1).index for k in suggestions]
    assert got[:3] == top
    assert 3 <= len(got) <= 5
    html_ = ch5.get("/en/widget/trace-back?name=liam").text
    drawn = re.findall(r'name="trace-back.station" value="(\w+)"><input type="hidden" name="trace-back.row" value="(\d+)">'
                       r'<input type="hidden" name="trace-back.col" value="(\d+)">', html_)
    assert drawn == [(k["station"], str(k["row"]), str(k["col"])) for k in suggestions]


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
    stops = twin(ch5, "trace-back", name="emma", station=station, row="2", col="1")["real"]["path"]
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
