"""The cutting board (chapter 2): courses between bells, capitals, turned-away characters,
/api/tokenize, state in the URL and errors.

The numbers shown must be exactly ``engine.tokenizer.encode`` of the letters that have a course.
"""

import html as html_mod
import pathlib
import re
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from engine import tokenizer
from tests.app.stories import per_language, story_client
from tests.app.widget_checks import shown, submit_without_js, twin, twin_refusal

ROOT = pathlib.Path(__file__).resolve().parents[2]

CHAPTER_2 = {
    "zh": """---
title: 拆解
summary: 一套菜拆成一道道。
---

## 编号

每道菜有号码，一共 {{vocab_size}} 种。

::: widget tokenizer

## 卡片

::: widget flavor-cards

::: widget tokenizer text=Zoë

::: summary
一句话：先拆，再编号。
:::
""",
    "en": """---
title: Courses
summary: A meal is cut into courses.
---

## Numbers

Every course has a number, {{vocab_size}} kinds in all.

::: widget tokenizer

## Cards

::: widget flavor-cards

::: widget tokenizer text=Zoë

::: summary
In one sentence: cut it up, then number it.
:::
""",
}


@pytest.fixture(scope="module")
def ch2(tmp_path_factory):
    """The fixture story plus a chapter 2 holding the chapter's widgets (and a second board)."""
    with story_client(tmp_path_factory.mktemp("story"), per_language("chapter-2", CHAPTER_2)) as c:
        yield c


def out_of(text, ns="tokenizer"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def tiles(text, ns="tokenizer"):
    """(kind, label, number or None) for every tile drawn, bells included."""
    out = []
    for cls, body in re.findall(r'<li class="tk-tile tk-(\w+)[^"]*">(.*?)</li>', out_of(text, ns), re.S):
        label = html_mod.unescape(re.search(r'<span class="tk-char"[^>]*>([^<]*)</span>', body).group(1))
        num = re.search(r'<span class="tk-num">(\d+)</span>', body)
        out.append((cls, label, int(num.group(1)) if num else None))
    return out


def numbers(text, ns="tokenizer"):
    m = re.search(r'<code class="tk-ids">([^<]*)</code>', out_of(text, ns))
    return [int(x) for x in m.group(1).split()] if m else None


def get(client, lang, text, **extra):
    return client.get(f"/{lang}/widget/tokenizer?text={quote(text)}", **extra)


def test_the_content_places_the_board_in_chapter_2():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-2.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget tokenizer\s*$", text, re.M)


def board(client, lang, text):
    """What the board computes for ``text``, from its twin."""
    return twin(client, "tokenizer", lang, text=text)


@pytest.mark.parametrize("name", ["emma", "sophia", "a", "zzyzx", "christopherjohn", "qu"])
def test_numbers_are_the_engines_encoding(client, name):
    want = tokenizer.encode(name)
    for lang in ("zh", "en"):
        d = board(client, lang, name)
        assert d["tokens"] == want and d["numbers"] == " ".join(map(str, want))
        assert [t["id"] for t in d["row"]] == want
        assert [t["kind"] for t in d["row"]] == ["bell"] + ["course"] * len(name) + ["bell"]
        assert [t["label"] for t in d["row"]] == [tokenizer.token_label(i) for i in want]
    api = client.get("/api/tokenize", params={"text": name}).json()
    assert api["tokens"] == tokenizer.encode(name)
    assert api["courses"] == [tokenizer.token_label(i) for i in api["tokens"]]
    assert api["text"] == name and api["bos"] == tokenizer.BOS


def test_emma_between_two_bells(client):
    d = board(client, "en", "emma")
    assert d["tokens"] == [26, 4, 12, 12, 0, 26]
    assert d["summary"] == "“emma” is an omakase of 4 courses: with a bell at each end, Xiao Ming receives 6 numbers."
    assert d["problems"] == [] and d["folded_text"] == "" and d["turned_away"] == ""
    zh = board(client, "zh", "emma")
    assert zh["summary"] == "“emma”是一套 4 道菜的 omakase：加上首尾两声铃，小明拿到 6 个号码。"


def test_capitals_are_folded_and_the_reader_is_told(client):
    d = board(client, "en", "EmMa")
    assert d["tokens"] == tokenizer.encode("emma")
    assert "Capitals are read as lower case: E → e, M → m." in d["folded_text"]
    assert [(t["typed"], t["label"]) for t in d["row"] if t.get("folded")] == [("E", "e"), ("M", "m")]
    zh = board(client, "zh", "Emma")
    assert "大写字母一律当小写：E → e。" in zh["folded_text"]


@pytest.mark.parametrize(
    "typed, letters, kinds",
    [
        ("Zoë 2", "zo", {"accent": ["ë"], "space": ["␣"], "digit": ["2"]}),
        ("anne-marie", "annemarie", {"punct": ["-"]}),
        ("李雷", "", {"chinese": ["李", "雷"]}),
        ("emma🛎️", "emma", {"bell": ["🛎️"]}),
        ("jo👍🏽y", "joy", {"emoji": ["👍🏽"]}),
        ("jose\u0301", "jos", {"accent": ["e\u0301"]}),
        ("ann\u200b", "ann", {"invisible": ["U+200B"]}),
        ("ψυχή", "", {"letter": ["ψ", "υ", "χ", "ή"]}),
        ("$5", "", {"symbol": ["$"], "digit": ["5"]}),
        ("\u212aate", "ate", {"lookalike": ["\u212a"]}),      # the kelvin sign only looks like a K
        ("\uff21nn", "nn", {"lookalike": ["\uff21"]}),        # a full-width A
        (" emma ", "emma", {"space": ["␣"]}),                 # a space before or after is shown too
    ],
)
def test_every_other_character_is_shown_and_explained_not_dropped(client, typed, letters, kinds):
    from app.widgets.tokenizer import clusters, kind_of, shown as tile_label

    for lang in ("en", "zh"):
        d = board(client, lang, typed)
        if letters:
            assert d["tokens"] == tokenizer.encode(letters)
            inner = d["row"][1:-1]
        else:
            assert d["tokens"] == [] and d["status"] == "none"
            assert ("nothing to serve" if lang == "en" else "什么也上不了") in d["summary"]
            inner = d["row"]
        # every character typed is on the board, in order: a course or a turned-away tile
        typed_clusters = clusters(typed)
        assert len(inner) == len(typed_clusters)
        for tile, cl in zip(inner, typed_clusters):
            if cl.isascii() and cl.isalpha():
                assert (tile["kind"], tile["label"], tile["id"]) == ("course", cl.lower(), tokenizer.encode(cl.lower())[1])
            else:
                assert tile["kind"] == "rejected" and "id" not in tile and tile["label"] == tile_label(cl, kind_of(cl))
        # and each kind of trouble is named, with its characters and why
        assert {p["kind"]: p["chars"] for p in d["problems"]} == kinds
        assert all(p["why"] for p in d["problems"])
        n_bad = sum(1 for c in typed_clusters if not (c.isascii() and c.isalpha()))
        assert sum(p["count"] for p in d["problems"]) == n_bad
        if lang == "en":
            assert "Xiao Ming knows only the 26 letters and the bell." in d["turned_away"]
            assert f"{n_bad} character" in d["turned_away"] and "turned away at the door" in d["turned_away"]
        else:
            assert f"下面 {n_bad} 个字符在这间厨房里没有对应的菜，被挡在了门外" in d["turned_away"]


def test_the_bell_and_a_space_are_explained_in_kitchen_words(client):
    why = " ".join(p["why"] for p in board(client, "en", "a b🛎️")["problems"])
    assert "A space is not a course" in why
    assert "You don't order the bell: the kitchen rings it itself" in why
    zh = " ".join(p["why"] for p in board(client, "zh", "a b🛎️")["problems"])
    assert "空格不是菜" in zh and "服务铃不用你点" in zh


def test_empty_box_invites_a_name(client):
    d = board(client, "en", "")
    assert d["status"] == "empty" and d["summary"] == "Type a name to see it cut into courses."
    assert d["tokens"] == [] and d["row"] == []


@pytest.mark.parametrize("text", ["emma", "EmMa", "Zoë 2", "jo👍🏽y", "ann\u200b", "李雷", "$5 $", ""])
def test_the_board_shows_what_its_twin_computes(client, text):
    for lang in ("zh", "en"):
        d = board(client, lang, text)
        r = get(client, lang, text)
        assert r.status_code == 200
        out = out_of(r.text)
        assert f'<p class="tk-summary">{shown(d["summary"])}</p>' in out
        assert tiles(r.text) == [("course" if t["kind"] == "course" else t["kind"], t["label"], t.get("id"))
                                 for t in d["row"]]
        folded = [t for t in d["row"] if t.get("folded")]
        assert len(re.findall(r'class="tk-tile tk-course tk-folded"', out)) == len(folded)
        for t in folded:
            assert f'<span class="tk-was">{"原来是 " if lang == "zh" else "was "}{t["typed"]}</span>' in out
        assert numbers(r.text) == (d["tokens"] or None)
        assert ("tk-folded-note" in out) == bool(d["folded_text"])
        if d["folded_text"]:
            assert f'</span> {shown(d["folded_text"])}</p>' in out
        assert ("tk-problems" in out) == bool(d["problems"])
        if d["problems"]:
            assert f'<p class="tk-turned">{shown(d["turned_away"])}</p>' in out
            found = re.findall(r'<li class="tk-kind tk-kind-(\w+)">(.*?)</li>', out, re.S)
            assert [k for k, _ in found] == [p["kind"] for p in d["problems"]]
            for (_, body), p in zip(found, d["problems"]):
                assert f'<span class="tk-kind-label">{shown(p["label"])}</span>' in body
                assert [html_mod.unescape(c) for c in re.findall(r'<span class="tk-char-chip">([^<]*)</span>', body)] == p["chars"]
                assert (f'<span class="tk-count">× {p["count"]}</span>' in body) == (p["count"] > 1)
                assert f'<span class="tk-kind-why">{shown(p["why"])}</span>' in body


@pytest.mark.parametrize(
    "text, zh, en",
    [
        ("a" * 16, "小明最多只能排 15 道菜", "Xiao Ming can plan at most 15 courses"),
        ("abc " * 11, "最多 40 个字符，这里有 44 个", "at most 40 characters, this has 44"),
        ("x" * 64, "最多 40 个字符", "at most 40 characters"),
        ("é" * 41, "最多 40 个字符", "at most 40 characters"),
    ],
)
def test_absurd_input_is_a_422_in_the_page_language(client, text, zh, en):
    for lang, message in (("zh", zh), ("en", en)):
        said = twin_refusal(client, "tokenizer", f"text={quote(text)}", lang)
        assert message in said
        r = get(client, lang, text)
        assert r.status_code == 422
        assert f'<p class="widget-error" role="alert">{shown(said)}</p>' in r.text
        assert "<form" in r.text and 'id="w-tokenizer"' in r.text


def test_a_very_long_query_is_refused_not_cut_short(ch2):
    # the page keeps at most 64 characters of a value; the board refuses anything over 40
    query = "tokenizer.text=" + "ab" * 100
    assert twin_refusal(ch2, "tokenizer", query, "en").endswith("at most 40 characters, this has more than 64.")
    assert twin_refusal(ch2, "tokenizer", query, "zh").endswith("最多 40 个字符，这里有超过 64 个。")
    r = ch2.get("/en/chapter/2?" + query)
    assert r.status_code == 422 and "at most 40 characters, this has more than 64." in r.text
    r = ch2.get("/zh/chapter/2?" + query)
    assert "最多 40 个字符，这里有超过 64 个。" in r.text


def test_api_tokenize(client):
    r = client.get("/api/tokenize", params={"text": "emma"})
    assert r.status_code == 200
    body = r.json()
    assert body["tokens"] == [26, 4, 12, 12, 0, 26]
    assert body["courses"] == ["🛎️", "e", "m", "m", "a", "🛎️"]
    assert body["text"] == "emma" and body["n_courses"] == 4 and body["folded"] is False
    folded = client.get("/api/tokenize", params={"text": "Emma"}).json()
    assert folded["tokens"] == body["tokens"] and folded["folded"] is True and folded["typed"] == "Emma"


@pytest.mark.parametrize("text", ["e m", "zoë", "李", "emma1", "", "a" * 16, "a" * 65, "\u212aate"])
def test_api_tokenize_refuses_what_is_not_a_name(client, text):
    r = client.get("/api/tokenize", params={"text": text})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail[0]["loc"] == ["query", "text"] and detail[0]["msg"]
    assert client.get("/api/tokenize").status_code == 422


def test_chapter_page_in_both_languages_with_namespaced_state(ch2):
    for lang in ("zh", "en"):
        r = ch2.get(f"/{lang}/chapter/2?tokenizer.text=Sophia&tokenizer-2.text=li%20lei")
        assert r.status_code == 200 and "<h1>" in r.text
        assert numbers(r.text) == board(ch2, lang, "Sophia")["tokens"]
        assert numbers(r.text, "tokenizer-2") == board(ch2, lang, "li lei")["tokens"]
        assert 'value="Sophia"' in r.text
    # the second board starts where the content says: text=Zoë
    r = ch2.get("/en/chapter/2")
    assert numbers(r.text) == board(ch2, "en", "emma")["tokens"]
    assert numbers(r.text, "tokenizer-2") == board(ch2, "en", "Zoë")["tokens"]
    assert [p["label"] for p in board(ch2, "en", "Zoë")["problems"]] == ["accented letter"]
    assert "accented letter" in out_of(r.text, "tokenizer-2")


def test_no_js_form_reloads_the_chapter_and_keeps_the_other_widgets(ch2):
    r = ch2.get("/zh/chapter/2?flavor-cards.c=e&tokenizer-2.text=bo")
    form = r.text.split('id="w-tokenizer"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/zh/chapter/2#w-tokenizer"' in form
    assert '<input type="hidden" name="keep" value="tokenizer">' in form
    assert 'name="flavor-cards.c"' not in form and 'name="tokenizer-2.text"' not in form
    pairs, _ = submit_without_js(ch2, "/zh/chapter/2?flavor-cards.c=e&tokenizer-2.text=bo", form)
    assert ("flavor-cards.c", "e") in pairs and ("tokenizer-2.text", "bo") in pairs
    assert 'name="tokenizer.text"' in form and 'type="submit"' in form


def test_htmx_request_replaces_the_address(ch2):
    r = ch2.get(
        "/en/widget/tokenizer?tokenizer.text=Ava",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/2?flavor-cards.c=o"},
    )
    assert r.status_code == 200 and numbers(r.text) == board(ch2, "en", "Ava")["tokens"]
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/en/chapter/2"
    assert parse_qsl(url.query) == [("flavor-cards.c", "o"), ("tokenizer.text", "Ava")]
