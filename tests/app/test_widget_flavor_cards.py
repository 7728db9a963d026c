"""Flavour cards (chapter 2): the strip is the model's own card, the map is the engine's
projection, the closest cards are the real ones; state in the URL and errors."""

import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, inspect
from engine.tokenizer import BOS, VOCAB
from tests.app.stories import story_client
from tests.app.widget_checks import shown, submit_without_js, twin, twin_refusal

ROOT = pathlib.Path(__file__).resolve().parents[2]
COURSES = list(VOCAB) + ["bell"]


def course_id(word):
    return BOS if word == "bell" else VOCAB.index(word)


@pytest.fixture(scope="module")
def ch2(tmp_path_factory):
    """The fixture story plus a chapter 2 holding the flavour cards (and a second set)."""
    chapters = {
        (lang, "chapter-2"): f"---\ntitle: {title}\nsummary: {title}.\n---\n\n## 1\n\n::: widget flavor-cards\n\n"
                             f"::: widget flavor-cards c=bell vs=e\n\n::: summary\n{title}.\n:::\n"
        for lang, title in (("zh", "拆解"), ("en", "Courses"))
    }
    with story_client(tmp_path_factory.mktemp("story"), chapters) as c:
        yield c


def out_of(text, ns="flavor-cards"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def strips(text, ns="flavor-cards"):
    """[(course id, [16 floats], [16 printed values])] for each strip drawn."""
    out = []
    for cid, body in re.findall(r'<div class="fc-card fc-card-\w+" data-course="(\d+)">(.*?)</ol>', out_of(text, ns), re.S):
        values = [float(v) for v in re.findall(r'<li class="fc-cell" data-value="([^"]+)">', body)]
        printed = re.findall(r'<span class="fc-val">([^<]+)</span>', body)
        out.append((int(cid), values, printed))
    return out


def printed(value):
    return f"{value:+.2f}".replace("-", "−")


def get(client, lang, query):
    return client.get(f"/{lang}/widget/flavor-cards?{query}")


def test_the_content_places_the_cards_in_chapter_2():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-2.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget flavor-cards\s*$", text, re.M)


def cards(client, lang="en", **query):
    """What the flavour cards compute for a state, from their twin."""
    return twin(client, "flavor-cards", lang, **query)


@pytest.mark.parametrize("course", ["a", "e", "q", "z", "bell"])
def test_the_strip_is_the_models_card(client, course):
    wte = checkpoint.default_params()["wte"]
    i = course_id(course)
    for lang in ("zh", "en"):
        (card,) = cards(client, lang, c=course)["cards"]
        assert card["id"] == i
        values = [float(cell["value"]) for cell in card["cells"]]
        assert values == wte[i].tolist()  # exact, all 16
        assert len(values) == wte.shape[1] == 16
        assert [cell["text"] for cell in card["cells"]] == [printed(v) for v in wte[i]]
        # the table alternative prints the same values
        assert [[str(r["n"]), *r["cols"]] for r in cards(client, lang, c=course)["rows"]] == \
            [[str(j + 1), printed(v)] for j, v in enumerate(wte[i])]


def test_the_colour_step_follows_sign_and_size(client):
    wte = checkpoint.default_params()["wte"]
    scale = np.abs(wte).max()
    d = cards(client, c="o")
    cells = d["cards"][0]["cells"]
    assert len(cells) == 16
    for cell in cells:
        v = float(cell["value"])
        sign, level = re.fullmatch(r"fc-(pos|neg|zero)(\d?)", cell["cls"]).groups()
        assert sign == ("pos" if v > 0 else "neg" if v < 0 else "zero")
        assert int(level) == min(5, int(np.ceil(abs(v) / scale * 5)))
    assert f"up to about ±{scale:.2f}" in d["legend_text"]


def test_two_cards_side_by_side(client):
    wte = checkpoint.default_params()["wte"]
    unit = wte / np.linalg.norm(wte, axis=1, keepdims=True)
    d = cards(client, c="a", vs="e")
    c1, c2 = d["cards"]
    assert (c1["id"], c2["id"]) == (0, 4)
    assert [float(x["value"]) for x in c1["cells"]] == wte[0].tolist()
    assert [float(x["value"]) for x in c2["cells"]] == wte[4].tolist()
    sim = float(unit[0] @ unit[4])
    more = sum(1 for j in range(27) if j not in (0, 4) and unit[0] @ unit[j] > sim)
    assert d["compare"]["sim"] == printed(sim)
    assert d["compare"]["text"].startswith(f"Closeness of “a” and “e”: {printed(sim)}. Of the other 25 cards, {more} ")
    # both columns in the table
    assert d["rows"][0]["cols"] == [printed(wte[0, 0]), printed(wte[4, 0])]
    same = cards(client, "zh", c="bell", vs="bell")
    assert "同一张卡" in same["compare"]["text"] and len(same["cards"]) == 2


def test_the_map_is_the_engines_projection(client):
    params = checkpoint.default_params()
    coords = inspect.card_map(params)
    pts = {p["id"]: p for p in cards(client, c="u", vs="bell")["points"]}
    assert sorted(pts) == list(range(27))
    for i, p in pts.items():
        assert (float(p["x"]), float(p["y"])) == (coords[i, 0], coords[i, 1])
        assert p["role"] == ("chosen" if i == VOCAB.index("u") else "vs" if i == BOS else "other")
    # drawn to one scale on both axes, up is positive: cx = a + s*x, cy = b - s*y
    xs = np.array([float(pts[i]["x"]) for i in range(27)])
    ys = np.array([float(pts[i]["y"]) for i in range(27)])
    cxs = np.array([pts[i]["cx"] for i in range(27)])
    cys = np.array([pts[i]["cy"] for i in range(27)])
    sx, ax = np.polyfit(xs, cxs, 1)
    sy, by = np.polyfit(ys, cys, 1)
    assert sx > 0 and sy == pytest.approx(-sx, rel=1e-3)
    assert np.allclose(ax + sx * xs, cxs, atol=0.01) and np.allclose(by + sy * ys, cys, atol=0.01)
    # the chosen course comes last, to be drawn on top
    assert cards(client, c="u", vs="bell")["points"][-1]["role"] == "chosen"


@pytest.mark.parametrize("course", ["a", "e", "m", "bell"])
def test_the_closest_cards_are_measured_on_all_sixteen_numbers(client, course):
    wte = checkpoint.default_params()["wte"]
    unit = wte / np.linalg.norm(wte, axis=1, keepdims=True)
    i = course_id(course)
    sims = unit @ unit[i]
    order = [j for j in np.argsort(-sims, kind="stable") if j != i]

    def word(j, lang):
        if j == BOS:
            return "服务铃" if lang == "zh" else "the bell"
        return f"“{VOCAB[j]}”"

    d = cards(client, c=course)
    want = ", ".join(word(j, "en") for j in order[:4])
    assert d["near_text"] == f"To Xiao Ming, the cards most like {word(i, 'en')} are {want}; the least alike is {word(order[-1], 'en')}."
    assert "cosine similarity" in d["fine_print"]
    zh = cards(client, "zh", c=course)
    assert f"最像的几张卡是：{'、'.join(word(j, 'zh') for j in order[:4])}；" in zh["near_text"]
    # the table lists every course by closeness, the chosen one first
    from engine.tokenizer import token_label

    assert [r["label"] for r in d["table"]] == [token_label(j) for j in [i, *order]]
    assert [r["sim"] for r in d["table"]] == [printed(float(sims[j])) for j in [i, *order]]
    assert [r["chosen"] for r in d["table"]] == [True] + [False] * 26


def test_the_vowels_sit_together_as_chapter_2_says(client):
    """The prose after the widget: after training, a e i o u are placed close together."""
    wte = checkpoint.default_params()["wte"]
    unit = wte / np.linalg.norm(wte, axis=1, keepdims=True)
    vowels = [VOCAB.index(v) for v in "aeiou"]
    for v in vowels:
        sims = unit @ unit[v]
        closest = [j for j in np.argsort(-sims) if j != v][:4]
        assert len(set(closest) & set(vowels)) >= 3
    # on the map they are the five points furthest along the first direction
    coords = inspect.card_map(checkpoint.default_params())
    assert set(np.argsort(-coords[:, 0])[:5].tolist()) == set(vowels)


@pytest.mark.parametrize("query", ["c=a", "c=a&vs=e", "c=bell&vs=bell", "c=u&vs=bell", "c=Q&vs=o"])
def test_the_cards_show_what_their_twin_computes(client, query):
    for lang in ("zh", "en"):
        d = twin(client, "flavor-cards", lang, dict(parse_qsl(query)))
        r = get(client, lang, query)
        assert r.status_code == 200
        out = out_of(r.text)
        assert strips(r.text) == [(c["id"], [float(x["value"]) for x in c["cells"]], [x["text"] for x in c["cells"]])
                                  for c in d["cards"]]
        swatches = re.findall(r'<li class="fc-cell" data-value="[^"]+"><span class="fc-swatch ([\w-]+)"', out)
        assert swatches == [x["cls"] for c in d["cards"] for x in c["cells"]]
        for c in d["cards"]:
            assert f'<strong class="fc-big">{shown(c["name"])}</strong> <span class="fc-card-sub">{shown(c["sub"])}</span>' in out
        assert f'<span class="fc-legend-text">{shown(d["legend_text"])}</span>' in out
        assert (d["compare"] is not None) == ('class="fc-compare"' in out)
        if d["compare"]:
            assert f'<p class="fc-compare">{shown(d["compare"]["text"])}</p>' in out
        tables = re.findall(r"<tbody>(.*?)</tbody>", out, re.S)
        rows = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", tables[0])]
        assert rows == [[str(row["n"]), *row["cols"]] for row in d["rows"]]
        assert f'id="flavor-cards-near">{shown(d["near_text"])}</p>' in out
        drawn = re.findall(r'<g class="fc-pt fc-pt-(\w+)" data-course="(\d+)" data-x="([^"]+)" data-y="([^"]+)">\s*'
                           r'<circle cx="([^"]+)" cy="([^"]+)" r="([^"]+)"></circle>\s*<text[^>]*>([^<]*)</text>', out)
        assert drawn == [(p["role"], str(p["id"]), p["x"], p["y"], str(p["cx"]), str(p["cy"]), str(p["r"]), shown(p["label"]))
                         for p in d["points"]]
        assert f"{shown(d['map_caption'])}</figcaption>" in out
        assert f"<summary>{shown(d['table_summary'])}</summary>" in out
        table = re.findall(r'<tr[^>]*><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', tables[1])
        assert table == [(shown(t["label"]), t["sim"], t["x"], t["y"]) for t in d["table"]]
        classes = re.findall(r'<tr( class="fc-row-chosen")?><td>', tables[1])
        assert [bool(c) for c in classes] == [t["chosen"] for t in d["table"]] and sum(t["chosen"] for t in d["table"]) == 1
        assert f"<small>{shown(d['fine_print'])}</small>" in out


def test_state_round_trips_and_bad_input_is_a_422(client):
    for bad, zh, en in [
        ("c=ab", "要看的菜要是一个字母 a–z，或者 bell（服务铃）。", "The course must be one letter a–z, or bell."),
        ("c=", "要看的菜", "The course must be"),
        ("c=1", "要看的菜", "The course must be"),
        ("c=%C3%A9", "要看的菜", "The course must be"),
        ("vs=zz", "用来比较的菜", "The course to compare with must be"),
        ("c=" + "a" * 200, "要看的菜", "The course must be"),
    ]:
        for lang, message in (("zh", zh), ("en", en)):
            said = twin_refusal(client, "flavor-cards", bad, lang)
            assert message in said
            r = get(client, lang, bad)
            assert r.status_code == 422
            assert f'<p class="widget-error" role="alert">{shown(said)}</p>' in r.text
            assert "<form" in r.text and 'name="flavor-cards.c"' in r.text
    # capitals and the bell's other names are understood
    assert cards(client, c="E")["cards"][0]["id"] == 4
    assert cards(client, c="\U0001F6CE\ufe0f")["cards"][0]["id"] == BOS


def test_chapter_page_with_namespaced_state_and_no_js_form(ch2):
    for lang in ("zh", "en"):
        r = ch2.get(f"/{lang}/chapter/2?flavor-cards.c=k&flavor-cards.vs=bell&utm=mail")
        assert r.status_code == 200 and "<h1>" in r.text
        d = cards(ch2, lang, c="k", vs="bell")
        assert [(c["id"], [float(x["value"]) for x in c["cells"]]) for c in d["cards"]] == [(c, v) for c, v, _ in strips(r.text)]
        form = r.text.split('id="w-flavor-cards"', 1)[1].split("</form>", 1)[0]
        assert f'method="get" action="/{lang}/chapter/2#w-flavor-cards"' in form
        assert '<input type="hidden" name="keep" value="flavor-cards">' in form and 'name="utm"' not in form
        pairs, _ = submit_without_js(ch2, f"/{lang}/chapter/2?flavor-cards.c=k&flavor-cards.vs=bell&utm=mail", form)
        assert ("utm", "mail") in pairs and ("flavor-cards.c", "k") in pairs
        radios = re.findall(r'<input type="radio" id="flavor-cards-c-(\w+)" name="flavor-cards.c" value="(\w+)"( checked)?>', form)
        assert [v for _, v, _ in radios] == COURSES
        assert [v for _, v, checked in radios if checked] == ["k"]
        options = re.findall(r'<option value="(\w*)"( selected)?>', form)
        assert [v for v, _ in options] == [""] + COURSES
        assert [v for v, s in options if s] == ["bell"]
    # the second set starts where the content says: c=bell vs=e
    r = ch2.get("/en/chapter/2")
    assert [c for c, _, _ in strips(r.text, "flavor-cards-2")] == [c["id"] for c in cards(ch2, c="bell", vs="e")["cards"]] == [BOS, 4]
    assert [c for c, _, _ in strips(r.text)] == [c["id"] for c in cards(ch2)["cards"]] == [0]


def test_htmx_request_replaces_the_address(ch2):
    r = ch2.get(
        "/zh/widget/flavor-cards?flavor-cards.c=o&flavor-cards.vs=",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/zh/chapter/2?flavor-cards-2.c=z"},
    )
    assert r.status_code == 200
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/zh/chapter/2"
    assert parse_qsl(url.query, keep_blank_values=True) == [
        ("flavor-cards-2.c", "z"), ("flavor-cards.c", "o"), ("flavor-cards.vs", ""),
    ]
