"""Flavour cards (chapter 2): the strip is the model's own card, the map is the engine's
projection, the closest cards are the real ones; state in the URL and errors."""

import html as html_mod
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, inspect
from engine.tokenizer import BOS, VOCAB
from tests.app.stories import story_client
from tests.app.widget_checks import submit_without_js

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


def points(text, ns="flavor-cards"):
    """course id -> (role, x, y, cx, cy) for the map's points."""
    found = re.findall(
        r'<g class="fc-pt fc-pt-(\w+)" data-course="(\d+)" data-x="([^"]+)" data-y="([^"]+)">\s*'
        r'<circle cx="([^"]+)" cy="([^"]+)"',
        out_of(text, ns),
    )
    return {int(c): (role, float(x), float(y), float(cx), float(cy)) for role, c, x, y, cx, cy in found}


def printed(value):
    return f"{value:+.2f}".replace("-", "−")


def get(client, lang, query):
    return client.get(f"/{lang}/widget/flavor-cards?{query}")


def test_the_content_places_the_cards_in_chapter_2():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-2.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget flavor-cards\s*$", text, re.M)


@pytest.mark.parametrize("course", ["a", "e", "q", "z", "bell"])
def test_the_strip_is_the_models_card(client, course):
    wte = checkpoint.default_params()["wte"]
    i = course_id(course)
    for lang in ("zh", "en"):
        r = get(client, lang, f"c={course}")
        assert r.status_code == 200
        (cid, values, shown), = strips(r.text)
        assert cid == i
        assert values == wte[i].tolist()  # exact, all 16
        assert len(values) == wte.shape[1] == 16
        assert shown == [printed(v) for v in wte[i]]
        # the table alternative prints the same values
        table = re.search(r"<tbody>(.*?)</tbody>", out_of(r.text), re.S).group(1)
        rows = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
        assert rows == [[str(j + 1), printed(v)] for j, v in enumerate(wte[i])]


def test_the_colour_step_follows_sign_and_size(client):
    wte = checkpoint.default_params()["wte"]
    scale = np.abs(wte).max()
    r = get(client, "en", "c=o")
    cells = re.findall(r'data-value="([^"]+)"><span class="fc-swatch fc-(pos|neg|zero)(\d?)"', out_of(r.text))
    assert len(cells) == 16
    for value, sign, level in cells:
        v = float(value)
        assert sign == ("pos" if v > 0 else "neg" if v < 0 else "zero")
        assert int(level) == min(5, int(np.ceil(abs(v) / scale * 5)))
    assert f"up to about ±{scale:.2f}" in r.text


def test_two_cards_side_by_side(client):
    wte = checkpoint.default_params()["wte"]
    unit = wte / np.linalg.norm(wte, axis=1, keepdims=True)
    r = get(client, "en", "c=a&vs=e")
    (c1, v1, _), (c2, v2, _) = strips(r.text)
    assert (c1, c2) == (0, 4) and v1 == wte[0].tolist() and v2 == wte[4].tolist()
    sim = float(unit[0] @ unit[4])
    more = sum(1 for j in range(27) if j not in (0, 4) and unit[0] @ unit[j] > sim)
    text = html_mod.unescape(out_of(r.text))
    assert f"Closeness of “a” and “e”: {printed(sim)}. Of the other 25 cards, {more} " in text
    # both columns in the table
    assert "<th scope=\"col\">a</th><th scope=\"col\">e</th>" in r.text
    same = get(client, "zh", "c=bell&vs=bell")
    assert "同一张卡" in same.text and len(strips(same.text)) == 2


def test_the_map_is_the_engines_projection(client):
    params = checkpoint.default_params()
    coords = inspect.card_map(params)
    r = get(client, "en", "c=u&vs=bell")
    pts = points(r.text)
    assert sorted(pts) == list(range(27))
    for i, (role, x, y, cx, cy) in pts.items():
        assert (x, y) == (coords[i, 0], coords[i, 1])
        assert role == ("chosen" if i == VOCAB.index("u") else "vs" if i == BOS else "other")
    # drawn to one scale on both axes, up is positive: cx = a + s*x, cy = b - s*y
    xs = np.array([pts[i][1] for i in range(27)])
    ys = np.array([pts[i][2] for i in range(27)])
    cxs = np.array([pts[i][3] for i in range(27)])
    cys = np.array([pts[i][4] for i in range(27)])
    sx, ax = np.polyfit(xs, cxs, 1)
    sy, by = np.polyfit(ys, cys, 1)
    assert sx > 0 and sy == pytest.approx(-sx, rel=1e-3)
    assert np.allclose(ax + sx * xs, cxs, atol=0.01) and np.allclose(by + sy * ys, cys, atol=0.01)
    # the chosen course is drawn last, on top, with its letter
    assert re.findall(r'<g class="fc-pt fc-pt-(\w+)"', out_of(r.text))[-1] == "chosen"


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

    r = get(client, "en", f"c={course}")
    text = html_mod.unescape(out_of(r.text))
    want = ", ".join(word(j, "en") for j in order[:4])
    assert f"the cards most like {word(i, 'en')} are {want}; the least alike is {word(order[-1], 'en')}." in text
    assert "cosine similarity" in text
    zh = html_mod.unescape(out_of(get(client, "zh", f"c={course}").text))
    assert f"最像的几张卡是：{'、'.join(word(j, 'zh') for j in order[:4])}；" in zh
    # the table lists every course by closeness, the chosen one first
    table = re.findall(r"<tbody>(.*?)</tbody>", out_of(r.text), re.S)[1]
    rows = re.findall(r"<tr[^>]*><td>([^<]*)</td><td>([^<]*)</td>", table)
    from engine.tokenizer import token_label

    assert [label for label, _ in rows] == [token_label(j) for j in [i, *order]]
    assert [s for _, s in rows] == [printed(float(sims[j])) for j in [i, *order]]


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
            r = get(client, lang, bad)
            assert r.status_code == 422
            assert 'class="widget-error" role="alert"' in r.text and message in r.text
            assert "<form" in r.text and 'name="flavor-cards.c"' in r.text
    # capitals and the bell's other names are understood
    assert strips(get(client, "en", "c=E").text)[0][0] == 4
    assert strips(get(client, "en", "c=%F0%9F%9B%8E%EF%B8%8F").text)[0][0] == BOS


def test_chapter_page_with_namespaced_state_and_no_js_form(ch2):
    wte = checkpoint.default_params()["wte"]
    for lang in ("zh", "en"):
        r = ch2.get(f"/{lang}/chapter/2?flavor-cards.c=k&flavor-cards.vs=bell&utm=mail")
        assert r.status_code == 200 and "<h1>" in r.text
        (c1, v1, _), (c2, v2, _) = strips(r.text)
        assert (c1, c2) == (VOCAB.index("k"), BOS) and v1 == wte[VOCAB.index("k")].tolist()
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
    assert [c for c, _, _ in strips(r.text, "flavor-cards-2")] == [BOS, 4]
    assert [c for c, _, _ in strips(r.text)] == [0]


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
