"""The sous-chefs' table (chapter 3): four grids, a chosen course, state in the URL, errors.

Every share the widget prints must be the engine's own attention weight.
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


def out_of(text, ns="sous-chefs"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def checked(text, ns="sous-chefs"):
    return re.findall(rf'id="{ns}-pos-(\d+)" name="{ns}\.pos" value="\d+"( checked)?', text)


def test_the_content_places_the_sous_chefs_in_chapter_3():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-3.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget sous-chefs(\s+\w+=\S+)*\s*$", text, re.M)


CELL = re.compile(r'<rect class="cell" x="(\d+)" y="(\d+)" width="1" height="1" fill-opacity="([^"]+)"/>')


@pytest.mark.parametrize("name, pos", [("emma", 3), ("olivia", 0), ("bo", 2), ("abcdefghijklmno", 15), ("zzz", 1)])
def test_every_share_is_the_engines_attention(client, name, pos):
    ins = inspection.inspect(checkpoint.default_params(), name)
    att = ins.attn[0]
    d = twin(client, "sous-chefs", name=name, pos=str(pos))
    assert len(d["heads"]) == 4
    T = len(name) + 1
    for h, head in enumerate(d["heads"]):
        # the chosen row: whom this sous-chef looked back at, and how much
        looks = head["looks"]
        assert [look["pos"] for look in looks] == list(range(pos + 1))
        assert np.allclose([look["w"] for look in looks], att[h, pos, : pos + 1], rtol=0, atol=1e-12)
        assert [look["pct"] for look in looks] == [f"{att[h, pos, s] * 100:.1f}%" for s in range(pos + 1)]
        assert [look["top"] for look in looks] == [s == int(att[h, pos, : pos + 1].argmax()) for s in range(pos + 1)]
        assert head["total_w"] == pytest.approx(1.0, abs=1e-12) and head["total"] == "100.0%"
        assert att[h, pos].sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(att[h][np.triu_indices(T, 1)] == 0)  # nobody sees the future
        # the grid: only the lower triangle is drawn, darker for more attention
        cells = CELL.findall(head["cells"])
        assert len(cells) == T * (T + 1) // 2
        for x, y, o in cells:
            t, s = int(y) - 1, int(x) - 1
            assert s <= t
            assert float(o) == pytest.approx(0.06 + 0.94 * att[h, t, s], abs=1e-3)


def test_a_sentence_per_sous_chef_says_whom_he_looked_at_most(client):
    att = inspection.inspect(checkpoint.default_params(), "emma").attn[0]
    en = twin(client, "sous-chefs", name="emma", pos="3")
    zh = twin(client, "sous-chefs", "zh", name="emma", pos="3")
    for h in range(4):
        top = int(att[h, 3, :4].argmax())
        sentence = en["heads"][h]["sentence"]
        assert sentence.startswith(f"Sous-chef {h + 1} looked mostly at")
        assert f"(order tag {top}): {att[h, 3, top] * 100:.1f}%." in sentence
        assert f"{att[h, 3, top] * 100:.1f}%" in zh["heads"][h]["sentence"]
    assert en["focus"].startswith("Chosen: ‘m’, order tag 3.")


@pytest.mark.parametrize("name, pos", [("emma", 3), ("bo", 0), ("abcdefghijklmno", 15)])
def test_the_table_shows_what_its_twin_computes(client, name, pos):
    for lang in ("zh", "en"):
        d = twin(client, "sous-chefs", lang, name=name, pos=str(pos))
        r = client.get(f"/{lang}/widget/sous-chefs?name={name}&pos={pos}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert f'<p class="inside-summary">{shown(d["focus"])}</p>' in out
        figs = re.findall(r'<figure class="head".*?</figure>', out, re.S)
        assert len(figs) == len(d["heads"])
        for fig, head in zip(figs, d["heads"]):
            # the ready-made grid, its frame and the chosen row, as they are
            assert f'viewBox="0 0 {d["size"]} {d["size"]}"' in fig
            assert d["frame"] in fig and head["cells"] in fig and d["sel"] in fig
            assert f'<p class="head-sentence">{shown(head["sentence"])}</p>' in fig
            looks = re.findall(r'<li class="look( top)?" data-w="([^"]+)"><span class="look-label">([^<]*)<small class="tag-no">(\d+)</small>'
                               r'.*?<rect width="([^"]+)" height="1"/></svg><span class="look-pct">([^<]+)', fig)
            assert looks == [(" top" if lk["top"] else "", str(lk["w"]), shown(lk["label"]), str(lk["pos"]), str(lk["bar"]),
                              lk["pct"] + (" " if lk["top"] else "")) for lk in head["looks"]]
            assert f'data-total="{head["total_w"]}">' in fig and f"<strong>{head['total']}</strong>" in fig
        tables = re.findall(r"<table>.*?</table>", out, re.S)
        assert len(tables) == len(d["heads"])
        for table, head in zip(tables, d["heads"]):
            header = re.findall(r'<th scope="col">([^<]*)<small class="tag-no">(\d+)</small></th>', table)
            assert header == [(shown(lb["label"]), str(lb["pos"])) for lb in d["labels"]]
            for row in head["table"]:
                assert f'<tr><th scope="row">{shown(row["label"])}<small class="tag-no">{row["pos"]}</small></th>{row["cells"]}</tr>' in table


def test_the_json_attention_is_the_inspections(client):
    for name in ("emma", "x", "christopher"):
        r = client.get("/api/attention", params={"name": name})
        assert r.status_code == 200
        body = r.json()
        ins = inspection.inspect(checkpoint.default_params(), name)
        assert body["tokens"] == ins.tokens and body["labels"] == ins.labels
        heads_ = np.array(body["heads"])
        T = len(name) + 1
        assert heads_.shape == (4, T, T)
        assert np.array_equal(heads_, ins.attn[0])
        assert np.allclose(heads_.sum(axis=2), 1.0, atol=1e-12)
        for t in range(T):
            assert np.all(heads_[:, t, t + 1:] == 0)


@pytest.mark.parametrize("query", ["name=em1", "name=", "name=" + "a" * 16, "name=%F0%9F%8D%95"])
def test_the_json_attention_refuses_bad_names_with_a_422(client, query):
    r = client.get("/api/attention?" + query)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "name"]


def test_fragment_speaks_the_page_language_and_names_the_real_term_once(client):
    zh = client.get("/zh/widget/sous-chefs?name=emma&pos=3")
    en = client.get("/en/widget/sous-chefs?sous-chefs.name=emma&sous-chefs.pos=3")
    for r in (zh, en):
        assert r.status_code == 200
        assert r.text.lstrip().startswith('<section class="widget widget-sous-chefs inside" id="w-sous-chefs"')
        assert "<html" not in r.text
    assert "副厨 1" in zh.text and "加起来：<strong>100.0%</strong>" in zh.text and "Sous-chef" not in zh.text
    assert zh.text.count("注意力 attention") == 1
    assert "Sous-chef 4" in en.text and en.text.count(">attention</small>") == 1
    # a table per head as the text alternative
    assert en.text.count("<table>") == 4 and zh.text.count("<caption>副厨") == 4


def test_chapter_page_takes_its_state_from_namespaced_keys(client):
    r = client.get("/en/chapter/3?sous-chefs.name=olivia&sous-chefs.pos=2")
    assert r.status_code == 200
    radios = checked(r.text)
    assert [p for p, _ in radios] == [str(i) for i in range(7)]
    assert [p for p, c in radios if c] == ["2"]
    assert 'name="sous-chefs.name" value="olivia"' in r.text
    focus = twin(client, "sous-chefs", name="olivia", pos="2")["focus"]
    assert focus.startswith("Chosen: ‘l’, order tag 2.") and shown(focus) in r.text


def test_no_js_form_reloads_the_chapter_and_keeps_the_other_widgets_state(client):
    r = client.get("/zh/chapter/3?next-dish.prefix=an&utm=mail")
    form = r.text.split('id="w-sous-chefs"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/zh/chapter/3#w-sous-chefs"' in form
    assert '<input type="hidden" name="keep" value="sous-chefs">' in form
    assert 'name="next-dish.prefix"' not in form and 'name="utm"' not in form
    pairs, again = submit_without_js(client, "/zh/chapter/3?next-dish.prefix=an&utm=mail", form)
    assert ("next-dish.prefix", "an") in pairs and ("utm", "mail") in pairs and ("sous-chefs.name", "emma") in pairs
    assert again.status_code == 200
    assert 'name="sous-chefs.name" value="emma"' in form
    assert len(checked(form)) == 5 and '<button type="submit"' in form


def test_a_course_beyond_the_name_is_its_last_course_and_the_address_says_so(client):
    r = client.get(
        "/en/widget/sous-chefs?sous-chefs.name=bo&sous-chefs.pos=9",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/3?utm=x"},
    )
    assert r.status_code == 200
    assert [p for p, c in checked(r.text) if c] == ["2"]
    answer = client.get("/api/widget/sous-chefs?name=bo&pos=9").json()
    assert answer["state"] == {"name": "bo", "pos": "2"} and answer["data"]["pos"] == 2
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/en/chapter/3"
    assert parse_qsl(url.query) == [("utm", "x"), ("sous-chefs.name", "bo"), ("sous-chefs.pos", "2")]


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("name=em1", "名字只能用字母 a–z，最多 15 个。", "The name may use only the letters a–z, at most 15 of them."),
        ("name=", "名字不能是空的", "The name is empty"),
        ("name=" + "a" * 16, "最多 15 个", "at most 15"),
        ("pos=-1", "第几道菜（号位）要是 0 到 15 之间的整数。", "The course (position) must be a whole number from 0 to 15."),
        ("pos=2.5", "0 到 15", "from 0 to 15"),
        ("pos=16", "0 到 15", "from 0 to 15"),
        ("pos=nan", "0 到 15", "from 0 to 15"),
    ],
)
def test_bad_state_is_a_422_with_a_message_in_the_page_language(client, query, zh, en):
    assert_refused(client, "sous-chefs", 3, query, zh, en)
    assert 'name="sous-chefs.name"' in client.get(f"/en/widget/sous-chefs?{query}").text
