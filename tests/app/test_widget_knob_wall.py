"""knob-wall end to end: the nine stations, a station's grid, tasting, the inspector, turning a knob.

Route tests run on the fixture story plus a chapter 5 that holds both chapter-5 widgets."""

import html
import math
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, model, tokenizer
from engine import inspect as ins

from app.widgets import knob_wall, knobs
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin

PAGE_LIMIT = 150 * 1024


def cells(html, key=r"knob-wall\.knob"):
    """(knob number, colour strength, class) of every knob button in the grid (``key``
    "@KNOB@" reads the twin's ready-made grid, before the partial names the field)."""
    return [(int(i), float(v), cls) for i, v, cls in
            re.findall(rf"<button type=submit name={key} value=(\d+) style=--v:(-?[\d.]+)(?: class=(\w+))?", html)]


def wall(client, lang="en", **query):
    """What the wall computes for a state, from its twin."""
    return twin(client, "knob-wall", lang, **query)


def grid(client, **query):
    return cells(wall(client, **query)["zoom"]["grid"], "@KNOB@")


def inspect_block(html):
    return html.split('id="knob-wall-inspect"', 1)[1]


# ---------------------------------------------------------------- routes

def test_chapter_page_shows_the_wall_lean_and_with_its_assets(ch5):
    for lang in ("zh", "en"):
        r = ch5.get(f"/{lang}/chapter/5")
        assert r.status_code == 200
        assert 'id="w-knob-wall"' in r.text and 'id="knob-wall-out"' in r.text
        assert "/static/css/widgets/knob-wall.css?v=" in r.text and "/static/js/widgets/knob-wall.js?v=" in r.text
        # the starting render holds one station's grid (432 flavour-card knobs), not all 4,192
        assert len(cells(r.text)) == 432
        size = len(r.content)
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', r.text):
            if "vendor" not in asset and not asset.endswith(".svg"):
                size += len(ch5.get(asset).content)
        print(lang, "chapter page with its CSS and JS:", size, "bytes")
        assert size <= PAGE_LIMIT, size


def test_fragment_in_both_languages(ch5):
    zh = ch5.get("/zh/widget/knob-wall")
    en = ch5.get("/en/widget/knob-wall")
    assert zh.status_code == en.status_code == 200
    assert zh.text.lstrip().startswith('<section class="widget widget-knob-wall" id="w-knob-wall"')
    for word in ("风味档案卡", "上菜顺序标签", "副厨的问题旋钮", "副厨的标签旋钮", "副厨的配方旋钮", "副厨的汇报旋钮",
                 "加工间·进", "加工间·出", "出菜口投票", "尝一尝"):
        assert word in zh.text, word
    for word in ("flavour cards", "order tags", "question knobs", "recipe knobs", "report knobs",
                 "prep room, in", "prep room, out", "final vote", "Taste it"):
        assert word in en.text, word
    assert '<small class="term">参数 parameters</small>' in zh.text


def test_station_sizes_add_up_to_the_whole_wall(ch5):
    d = wall(ch5)
    sizes = [st["size"] for st in d["stations"]]
    assert [st["key"] for st in d["stations"]] == list(knobs.ORDER)
    assert sum(sizes) == model.N_PARAMS == 4192 == d["total"] and d["total_text"] == "4,192"
    p = checkpoint.default_params()
    assert sizes == [p.offsets[knobs.matrix(k)][1] * p.offsets[knobs.matrix(k)][2] for k in knobs.ORDER]
    assert [(st["rows"], st["cols"]) for st in d["stations"]] == [p.offsets[knobs.matrix(k)][1:] for k in knobs.ORDER]


@pytest.mark.parametrize("query", ["", "name=olivia&view=influence", "station=mlp_fc1&knob=2200&set=0.25",
                                   "name=emma&knob=200&set=0.75&view=influence", "knob=735"])
def test_the_wall_shows_what_its_twin_computes(ch5, query):
    for lang in ("zh", "en"):
        d = wall(ch5, lang, **dict(parse_qsl(query)))
        out = ch5.get(f"/{lang}/widget/knob-wall?{query}").text.split('id="knob-wall-out"', 1)[1]
        assert (f'<strong data-loss="{d["loss_raw"]}">{d["loss"]}</strong>' in out) == d["tasting"]
        assert (f'<strong class="mono">{d["name"]}</strong>' in out.split('id="knob-wall-zoom"', 1)[0]) == d["tasting"]
        stations = re.findall(r'class="kw-station[^"]*" data-size="(\d+)"[^>]*>\s*<span class="kw-st-name">([^<]*)</span> <small class="term">([^<]*)</small>\s*'
                              r'<img class="kw-thumb" src="([^"]+)"', out)
        assert stations == [(str(st["size"]), shown(st["label"]), shown(st["term"]), st["picture"]) for st in d["stations"]]
        for st in d["stations"]:
            assert (st["share_text"] if d["tasting"] else st["mean_setting"]) in out
        assert f'data-total="{d["total"]}">{d["total_text"]}<' in out
        z = d["zoom"]
        assert f'{shown(z["label"])} <small class="term">{shown(z["term"])}</small>' in out
        assert f'style="--cols:{z["cols"]}" data-cols="{z["cols"]}"' in out
        assert z["grid"].replace("@KNOB@", "knob-wall.knob") in out
        for k in z["table"]:
            assert f'<tr><td>{k["index"]}</td><td>{shown(k["label"])}</td><td class="mono">{k["setting"]}</td><td class="mono">{k["influence"]}</td></tr>' in out
        k = d["knob"]
        assert ('id="knob-wall-inspect"' in out) and ((k is None) == ('data-setting="' not in out))
        if k is not None:
            block = inspect_block(out)
            assert f"#{k['index']}</h3>" in block and f"<strong>{shown(k['label'])}</strong>" in block
            assert (k["label_en"] is not None) == (lang == "zh")
            if k["label_en"]:
                assert f'<small class="term" lang="en">{shown(k["label_en"])}</small>' in block
            assert f'data-setting="{k["setting_raw"]}">{k["setting"]}</dd>' in block
            assert f'data-influence="{k["influence_raw"]}"' in block and shown(k["direction"]) in block
            assert f'value="{k["value"]}"' in block
            tr = k["turn"]
            assert ("data-after=" in block) == (tr is not None)
            if tr is not None:
                assert f'data-before="{tr["before_raw"]}">{tr["before"]}</span>' in block
                assert f'data-after="{tr["after_raw"]}">{tr["after"]}</strong>' in block
                assert f'<span class="mono">{tr["delta"]}</span>' in block and f'<span class="mono">{tr["predicted"]}</span>' in block
                votes = re.findall(r'<th scope="row" class="mono">([^<]*)</th>.*?data-p="([^"]+)">([^<]*)</span>.*?data-p="([^"]+)">([^<]*)</span>', block)
                assert votes == [(shown(v["course"]), str(v["before_raw"]), v["before"], str(v["after_raw"]), v["after"]) for v in tr["votes"]]


@pytest.mark.parametrize("station", knobs.ORDER)
def test_every_station_zooms_into_all_its_knobs(ch5, station):
    p = checkpoint.default_params()
    off, rows, cols = p.offsets[knobs.matrix(station)]
    z = wall(ch5, station=station)["zoom"]
    assert [i for i, _, _ in cells(z["grid"], "@KNOB@")] == list(range(off, off + rows * cols))
    assert (z["rows"], z["cols"], z["first"], z["last"]) == (rows, cols, off, off + rows * cols - 1)


def test_no_js_forms_reload_the_chapter_and_keep_other_state(ch5):
    page = "/zh/chapter/5?knob-wall.name=anna&knob-wall.knob=9&trace-back.step=3&utm=y"
    r = ch5.get(page)
    forms = re.findall(r'<form class="kw-cells" method="get" action="([^"]+)".*?</form>', r.text, re.S)
    assert forms == ["/zh/chapter/5#knob-wall-inspect"]
    grid_form = r.text.split('<form class="kw-cells"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="keep" value="knob-wall">' in grid_form
    assert 'name="trace-back.step"' not in grid_form and 'name="utm"' not in grid_form
    assert '<input type="hidden" name="knob-wall.name" value="anna">' in grid_form
    pairs, again = submit_without_js(ch5, page, '<form class="kw-cells"' + grid_form, button=("knob-wall.knob", "4"))
    assert ("trace-back.step", "3") in pairs and ("utm", "y") in pairs and ("knob-wall.knob", "4") in pairs
    assert again.status_code == 200
    assert 'name="knob-wall.knob" value' not in grid_form.split('<div class="kw-scroll', 1)[0]  # only the knobs choose a knob
    # the selected knob is marked in the grid, not by colour alone
    assert "<button type=submit name=knob-wall.knob value=9 style=--v:" in grid_form
    assert re.search(r"value=9 style=--v:-?[\d.]+ class=sel aria-pressed=true>", grid_form)


def test_htmx_request_replaces_the_address(ch5):
    r = ch5.get(
        "/en/widget/knob-wall?knob-wall.name=emma&knob-wall.view=influence&knob-wall.station=mlp_fc1&knob-wall.knob=2200&knob-wall.set=0.25",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/5?trace-back.step=2"},
    )
    assert r.status_code == 200
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/en/chapter/5"
    assert parse_qsl(url.query, keep_blank_values=True) == [
        ("trace-back.step", "2"), ("knob-wall.name", "emma"), ("knob-wall.view", "influence"),
        ("knob-wall.station", "mlp_fc1"), ("knob-wall.knob", "2200"), ("knob-wall.set", "0.25"),
    ]


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("name=x1", "名字只能用字母 a–z", "may use only the letters a–z"),
        ("name=", "名字不能是空的", "The name is empty"),
        ("view=colour", "显示方式只能是 setting / influence 之一。", "The view must be one of setting / influence."),
        ("station=kitchen", "工位只能是 风味档案卡（wte）、上菜顺序标签（wpe）", "The station must be one of flavour cards (wte), order tags (wpe)"),
        ("knob=4192", "旋钮编号要是 0 到 4191 之间的整数，或者留空。", "The knob number must be a whole number from 0 to 4191, or empty."),
        ("knob=-1", "0 到 4191", "from 0 to 4191"),
        ("knob=2.5", "0 到 4191", "from 0 to 4191"),
        ("knob=3&set=nan", "旋钮的新位置要是 -100 到 100 之间的数", "The new setting must be a number from -100 to 100"),
        ("knob=3&set=101", "-100 到 100", "from -100 to 100"),
        ("knob=3&set=1e400", "-100 到 100", "from -100 to 100"),
        ("knob=3&set=abc", "-100 到 100", "from -100 to 100"),
    ],
)
def test_bad_state_is_a_422_in_the_page_language(ch5, query, zh, en):
    assert_refused(ch5, "knob-wall", 5, query, zh, en)


def test_the_way_back_from_a_refused_state_keeps_the_other_widgets_state(ch5):
    start = ch5.get("/en/chapter/5").text
    start_name = re.search(r'name="knob-wall\.name" value="([^"]*)"', start).group(1)
    for lang in ("zh", "en"):
        page = f"/{lang}/chapter/5?trace-back.step=3&knob-wall.name=x1&knob-wall.knob=9&utm=y"
        r = ch5.get(page)
        assert r.status_code == 422
        back = re.search(r'<p class="widget-error" role="alert">.*?</p>\s*<p><a href="([^"]+)"', r.text, re.S).group(1)
        url = urlsplit(html.unescape(back))
        assert url.path == f"/{lang}/chapter/5" and url.fragment == "w-knob-wall"
        # the link carries the marker and nothing of the refused state; the page it was on keeps the rest
        assert ("keep", "knob-wall") in parse_qsl(url.query) and "x1" not in url.query
        sent = ch5.get(html.unescape(back).split("#")[0], follow_redirects=False,
                       headers={"Referer": "http://testserver" + page})
        assert sent.status_code == 303 and sent.headers["cache-control"] == "no-store"
        location = sent.headers["location"]
        pairs = parse_qsl(urlsplit(location).query, keep_blank_values=True)
        assert ("trace-back.step", "3") in pairs and ("utm", "y") in pairs
        assert not [k for k, _ in pairs if k.startswith("knob-wall.") or k == "keep"], pairs
        again = ch5.get(location)
        assert again.status_code == 200 and 'class="widget-error"' not in again.text
        assert f'name="knob-wall.name" value="{start_name}"' in again.text
        assert shown(twin(ch5, "trace-back", lang, step=3)["steps"]["position"]) in again.text   # still at step 4
        assert again.text.count("<button type=submit name=knob-wall.knob") == len(cells(start))
        assert "class=sel aria-pressed=true" not in again.text   # no knob is selected, as at the start


def test_api_knobs(ch5):
    p = checkpoint.default_params()
    r = ch5.get("/api/knobs", params={"name": "Emma", "knob": 100, "set": 0.3})
    assert r.status_code == 200
    data = r.json()
    loss, grad = ins.gradient(p, "emma")
    assert data["name"] == "emma" and data["loss"] == loss
    assert data["settings"] == p.flat.tolist() and data["influence"] == grad.tolist()
    assert sum(s["size"] for s in data["stations"]) == data["n_params"] == 4192
    assert data["knob"]["label_en"] == ins.knob_label(p, 100)
    assert data["knob"]["label_zh"] == knobs.knob_label(p, 100, "zh")
    assert data["turn"]["loss_after"] == ins.turn_knobs(p, "emma", {100: 0.3}).loss
    assert len(data["turn"]["next_after"]) == tokenizer.VOCAB_SIZE
    for params, loc in (({"name": "em ma"}, "name"), ({"knob": 4192}, "knob"), ({"knob": 1, "set": "inf"}, "set"),
                        ({"set": 0.5}, "set"), ({"name": "a" * 16}, "name"), ({"knob": "x"}, "knob")):
        bad = ch5.get("/api/knobs", params=params)
        assert bad.status_code == 422, params
        assert bad.json()["detail"][0]["loc"][-1] == loc


# ---------------------------------------------------------------- engine agreement

def test_wall_colours_follow_the_settings_then_the_influence(ch5):
    p = checkpoint.default_params()
    setting = grid(ch5, name="olivia")
    tasted = grid(ch5, name="olivia", view="influence")
    assert [i for i, _, _ in setting] == [i for i, _, _ in tasted]
    _, grad = ins.gradient(p, "olivia")
    for (i, v, _), (_, g, _) in zip(setting, tasted):
        if abs(v) < 1:
            assert np.sign(v) == np.sign(round(p.flat[i] / knob_wall._scale(p.flat), 2))
        assert (g == 0) == (round(grad[i] / knob_wall._scale(grad), 2) == 0)
    # the cards of letters that are not in the name stay dark: no influence at all
    for i, g, _ in tasted:
        letter = i // 16
        if letter < 26 and tokenizer.VOCAB[letter] not in "olivia":
            assert g == 0
    assert any(g != 0 for _, g, _ in tasted)
    # the five brightest are marked with more than colour
    marked = [i for i, _, cls in tasted if cls == "top"]
    block = np.abs(grad[:432])
    assert sorted(marked) == sorted(int(j) for j in np.argsort(-block, kind="stable")[:5])


def test_inspector_shows_label_setting_and_influence_from_the_engine(ch5):
    p = checkpoint.default_params()
    for name, knob in (("emma", 200), ("noah", 700), ("ava", 2500), ("isabella", 3300)):
        _, grad = ins.gradient(p, name)
        for lang in ("zh", "en"):
            k = wall(ch5, lang, name=name, knob=str(knob))["knob"]
            label = ins.knob_label(p, knob) if lang == "en" else knobs.knob_label(p, knob, "zh")
            assert k["index"] == knob and k["label"] == label
            assert k["setting_raw"] == float(p.flat[knob])
            assert k["influence_raw"] == float(grad[knob])


def test_the_chinese_inspector_gives_the_engine_s_english_name_beside_the_label_and_the_english_one_does_not_repeat_it(ch5):
    p = checkpoint.default_params()
    english = ins.knob_label(p, 700).replace("'", "&#39;")
    zh = inspect_block(ch5.get("/zh/widget/knob-wall?knob=700").text)
    en = inspect_block(ch5.get("/en/widget/knob-wall?knob=700").text)
    label = re.compile(r'<p class="kw-label">(.*?)</p>')
    assert label.search(zh).group(1).replace("'", "&#39;") == (
        f'<strong>{knobs.knob_label(p, 700, "zh")}</strong> <small class="term" lang="en">{english}</small>')
    assert label.search(en).group(1).replace("'", "&#39;") == f"<strong>{english}</strong>"


def test_turning_a_knob_matches_the_engine_on_a_copy_and_leaves_the_shared_model(ch5):
    p = checkpoint.default_params()
    shared = p.flat.copy()
    knob, new = 200, 0.75
    tr = wall(ch5, name="emma", knob=str(knob), set=str(new))["knob"]["turn"]
    before, after = tr["before_raw"], tr["after_raw"]
    # the engine's own loss on a copy with that one change
    trial = p.copy()
    trial.flat[knob] = new
    want, _ = model.loss_and_grad(trial, tokenizer.encode("emma"))
    assert after == want
    assert before == ins.gradient(p, "emma")[0]
    assert after != before
    # the next-course vote after the name, before and after
    probs_after = ins.turn_knobs(p, "emma", {knob: new}).probs[-1]
    probs_before = ins.inspect(p, "emma").probs[-1]
    top = int(np.argmax(probs_before))
    assert tr["votes"][0]["before_raw"] == probs_before[top] and tr["votes"][0]["after_raw"] == probs_after[top]
    assert [v["course"] for v in tr["votes"]] == [tokenizer.token_label(int(i)) for i in np.argsort(-probs_before, kind="stable")[:5]]
    # the shared model is untouched, and tasting again gives the old score
    assert np.array_equal(p.flat, shared)
    assert wall(ch5, name="emma", knob="200", view="influence")["loss_raw"] == before


def test_tasting_again_without_moving_the_slider_changes_nothing(ch5):
    p = checkpoint.default_params()
    knob = 735
    assert knobs.sig(p.flat[knob], 4) != repr(float(p.flat[knob]))   # the slider shows it rounded
    value = wall(ch5, name="emma", knob=str(knob))["knob"]["value"]
    html = ch5.get(f"/en/widget/knob-wall?name=emma&knob={knob}").text
    assert re.search(r'id="knob-wall-set" [^>]*value="([^"]+)"', html).group(1) == value
    tr = wall(ch5, name="emma", knob=str(knob), set=value)["knob"]["turn"]
    assert tr["same"] and tr["before_raw"] == tr["after_raw"]
    result = ch5.get(f"/en/widget/knob-wall?name=emma&knob={knob}&set={value}").text.split('id="knob-wall-result"', 1)[1]
    assert "no change" in result
    # a real turn, however small, is tasted as it is
    moved = float(value) + 0.01
    tr = wall(ch5, name="emma", knob=str(knob), set=str(moved))["knob"]["turn"]
    trial = p.copy()
    trial.flat[knob] = moved
    assert not tr["same"] and tr["after_raw"] == model.loss_and_grad(trial, tokenizer.encode("emma"))[0]


def test_put_it_back_clears_the_turn(ch5):
    r = ch5.get(
        "/en/widget/knob-wall?knob-wall.name=emma&knob-wall.knob=200&knob-wall.set=",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/5?knob-wall.set=0.5"},
    )
    # an empty setting is left out of the address
    assert r.headers["HX-Replace-Url"] == "/en/chapter/5?knob-wall.name=emma&knob-wall.view=setting&knob-wall.station=wte&knob-wall.knob=200"
    html = r.text
    assert 'data-after=' not in html and "Move the slider above" in html
    k = wall(ch5, name="emma", knob="200", set="")["knob"]
    assert k["turn"] is None and math.isfinite(k["setting_raw"])


def decode_png(uri):
    """(rows, cols, palette indices) of one of the wall's palette PNGs."""
    import base64
    import struct
    import zlib

    data = base64.b64decode(uri.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    cols, rows, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 3)
    raw = zlib.decompress(chunks[b"IDAT"])
    lines = [raw[r * (cols + 1):(r + 1) * (cols + 1)] for r in range(rows)]
    assert all(line[0] == 0 for line in lines)
    return rows, cols, np.array([list(line[1:]) for line in lines])


def test_the_whole_wall_in_nine_small_pictures(ch5):
    p = checkpoint.default_params()
    _, grad = ins.gradient(p, "olivia")
    for view, values in (("setting", p.flat), ("influence", grad)):
        pictures = [st["picture"] for st in wall(ch5, name="olivia", view=view)["stations"]]
        assert len(pictures) == 9
        total = 0
        for key, uri in zip(knobs.ORDER, pictures):
            off, rows, cols = p.offsets[knobs.matrix(key)]
            r, c, idx = decode_png(uri)
            assert (r, c) == (rows, cols)
            total += r * c
            block = values[off:off + rows * cols].reshape(rows, cols)
            # see-through exactly where the knob is (rounded to) 0; the sign picks the colour
            assert np.array_equal(idx == 0, np.abs(block) / knob_wall._scale(values) * knob_wall.LEVELS <= 1e-9)
            assert np.array_equal(idx > knob_wall.LEVELS, (block > 0) & (idx != 0))
        assert total == 4192
    # letters outside the name: their flavour cards are see-through when tasting
    _, _, cards = decode_png(wall(ch5, name="olivia", view="influence")["stations"][0]["picture"])
    for letter in range(26):
        assert (cards[letter] == 0).all() == (tokenizer.VOCAB[letter] not in "olivia")
