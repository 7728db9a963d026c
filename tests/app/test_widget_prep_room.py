"""The prep room (chapter 3): 64 hands, the inspector's verdicts, state in the URL, errors.

The counts, the grid and the table must be the engine's own prep-room numbers.
"""

import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, inspect as inspection

from tests.app import inside_site
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    return inside_site.client()


def out_of(text, ns="prep-room"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def grid(markup):
    return re.findall(r'<rect class="hand pass" x="([^"]+)" y="([^"]+)" width="([^"]+)"|<g class="hand poured">', markup)


def table(markup):
    return re.findall(r'<tr class="(pass|poured)"><th scope="row">(\d+)</th><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>', markup)


def num(s):
    return float(s.replace("−", "-"))


def test_the_content_places_the_prep_room_in_chapter_3():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-3.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget prep-room(\s+\w+=\S+)*\s*$", text, re.M)


@pytest.mark.parametrize("name, pos", [("emma", 3), ("emma", 2), ("emma", 1), ("olivia", 6), ("xzq", 0)])
def test_the_inspectors_verdicts_are_the_engines(client, name, pos):
    ins = inspection.inspect(checkpoint.default_params(), name)
    pre, post, out = ins.mlp_pre[0, pos], ins.mlp_post[0, pos], ins.mlp_out[0, pos]
    n_pass = int((pre > 0).sum())
    d = twin(client, "prep-room", name=name, pos=str(pos))
    assert (d["n_pass"], d["n_poured"], d["n_workers"]) == (n_pass, 64 - n_pass, 64)
    assert f"the inspector let {n_pass} through and poured {64 - n_pass} away" in d["count"]
    workers = d["workers"]
    assert [w["n"] for w in workers] == list(range(1, 65))
    assert [w["pre"] for w in workers] == pre.tolist() and [w["out"] for w in workers] == out.tolist()
    assert [w["passed"] for w in workers] == (pre > 0).tolist()
    cells = grid(d["grid"])
    assert len(cells) == 64
    drawn_pass = [i for i, c in enumerate(cells) if c[0]]
    assert drawn_pass == [int(i) for i in np.flatnonzero(pre > 0)]
    # bigger squares for bigger contributions
    sizes = {i: float(cells[i][2]) for i in drawn_pass}
    for i in drawn_pass:
        for j in drawn_pass:
            if out[i] > out[j] + 1e-9:
                assert sizes[i] > sizes[j] and workers[i]["s"] > workers[j]["s"]
    rows = table(d["rows"])
    assert len(rows) == 64
    for i, (kind, n, idea, verdict, kept, adds) in enumerate(rows):
        assert int(n) == i + 1
        assert kind == ("pass" if pre[i] > 0 else "poured")
        assert verdict == ("let through" if pre[i] > 0 else "poured away")
        assert num(idea) == pytest.approx(pre[i], abs=0.005)
        assert num(kept) == pytest.approx(post[i], abs=0.005)
        assert post[i] == max(pre[i], 0.0)
        assert float(adds) == pytest.approx(out[i], abs=0.005)
        assert (idea, kept, adds) == (workers[i]["idea"], workers[i]["kept"], workers[i]["adds"])
    # the top contributors, biggest first
    want = [int(i) + 1 for i in np.argsort(-out, kind="stable") if pre[i] > 0][:5]
    assert [t["n"] for t in d["top"]] == want
    if n_pass == 0:
        assert "every idea went down the sink" in d["verdict"]


def test_the_verdicts_speak_the_page_language(client):
    n = int((inspection.inspect(checkpoint.default_params(), "emma").mlp_pre[0, 2] > 0).sum())
    zh = twin(client, "prep-room", "zh", name="emma", pos="2")
    assert zh["count"] == f"64 个工人里，品控员放行了 {n} 个，倒掉了 {64 - n} 个。"
    assert "放行" in zh["rows"] and "倒掉" in zh["rows"] and "let through" not in zh["rows"]
    # poured-away hands carry a mark, not colour alone
    en = twin(client, "prep-room", name="emma", pos="2")
    assert en["grid"].count('<g class="hand poured"><rect') == en["grid"].count("<path d=") == 64 - n


@pytest.mark.parametrize("name, pos", [("emma", 3), ("xzq", 0), ("olivia", 6)])
def test_the_prep_room_shows_what_its_twin_computes(client, name, pos):
    for lang in ("zh", "en"):
        d = twin(client, "prep-room", lang, name=name, pos=str(pos))
        r = client.get(f"/{lang}/widget/prep-room?name={name}&pos={pos}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert (f'<p class="inside-summary">{shown(d["focus"])} <span class="prep-count" data-pass="{d["n_pass"]}" '
                f'data-poured="{d["n_poured"]}">{shown(d["count"])}</span></p>') in out
        assert f'viewBox="{d["viewbox"]}"' in out and d["grid"] in out and d["rows"] in out
        assert f'<p class="prep-verdict">{shown(d["verdict"])}</p>' in out
        top = re.findall(r'<span class="top-who">[^<]* (\d+)</span>.*?<rect width="([^"]+)" height="1"/></svg><span class="top-num">([^<]+)</span>', out)
        assert top == [(str(t["n"]), str(t["bar"]), t["adds"]) for t in d["top"]]


def test_fragment_in_both_languages(client):
    zh = client.get("/zh/widget/prep-room?name=emma&pos=2")
    en = client.get("/en/widget/prep-room?prep-room.name=emma&prep-room.pos=2")
    for r in (zh, en):
        assert r.status_code == 200
        assert r.text.lstrip().startswith('<section class="widget widget-prep-room inside" id="w-prep-room"')
    assert "放行" in zh.text and "倒掉" in zh.text and "let through" not in zh.text and "工人 " in out_of(zh.text)
    assert zh.text.count("MLP") == 1 and en.text.count("MLP · ReLU") == 1


def test_chapter_page_and_no_js_form(client):
    r = client.get("/en/chapter/3?prep-room.name=olivia&prep-room.pos=4&sous-chefs.pos=1")
    assert r.status_code == 200
    form = r.text.split('id="w-prep-room"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/en/chapter/3#w-prep-room"' in form
    assert '<input type="hidden" name="keep" value="prep-room">' in form and 'name="sous-chefs.pos"' not in form
    pairs, _ = submit_without_js(client, "/en/chapter/3?prep-room.name=olivia&prep-room.pos=4&sous-chefs.pos=1", form)
    assert ("sous-chefs.pos", "1") in pairs and ("prep-room.pos", "4") in pairs
    assert 'name="prep-room.name" value="olivia"' in form
    assert re.findall(r'id="prep-room-pos-(\d+)" name="prep-room\.pos" value="\d+" checked', form) == ["4"]
    focus = twin(client, "prep-room", name="olivia", pos="4")["focus"]
    assert focus == "‘v’ (order tag 4) comes into the prep room." and shown(focus) in r.text


def test_htmx_request_replaces_the_address(client):
    r = client.get(
        "/zh/widget/prep-room?prep-room.name=ann&prep-room.pos=7",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/zh/chapter/3?next-dish.t=2"},
    )
    assert r.status_code == 200
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/zh/chapter/3"
    assert parse_qsl(url.query) == [("next-dish.t", "2"), ("prep-room.name", "ann"), ("prep-room.pos", "3")]
    assert client.get("/api/widget/prep-room?name=ann&pos=7").json()["state"] == {"name": "ann", "pos": "3"}


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("name=e-m", "名字只能用字母 a–z", "The name may use only the letters a–z"),
        ("name=%20", "名字不能是空的", "The name is empty"),
        ("pos=x", "0 到 15", "from 0 to 15"),
        ("pos=1e9", "0 到 15", "from 0 to 15"),
    ],
)
def test_bad_state_is_a_422(client, query, zh, en):
    assert_refused(client, "prep-room", 3, query, zh, en)
