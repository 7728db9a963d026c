"""The book of menus (chapter 1): lookup, pages, charts, state in the URL, errors.

Every count the widget shows must equal a count made here, independently,
from ``engine.data.load_names()``.
"""

import collections
import html as html_mod
import math
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit


import pytest

from engine import data

from app.widgets import recipe_book
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin
from tests.app.stories import per_language, story_client

ROOT = pathlib.Path(__file__).resolve().parents[2]

CHAPTER_1 = {
    "zh": "---\ntitle: 食材\nsummary: 名字就是菜单。\n---\n\n## 菜单册\n\n共 {{n_names}} 套。\n\n"
          "::: widget recipe-book\n\n::: summary\n一句话：名字就是菜单。\n:::\n",
    "en": "---\ntitle: Ingredients\nsummary: Names are menus.\n---\n\n## The book\n\n{{n_names}} menus.\n\n"
          "::: widget recipe-book\n\n::: summary\nIn one sentence: names are menus.\n:::\n",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The fixture story with a chapter 1 that holds the book (this module's own copy)."""
    with story_client(tmp_path_factory.mktemp("story"), per_language("chapter-1", CHAPTER_1)) as c:
        yield c


def out_of(text, ns="recipe-book"):
    return text.split(f'id="{ns}-out"', 1)[1]


def page_names(text, ns="recipe-book"):
    return re.findall(r'<span class="rb-name">([a-z]+)</span>', out_of(text, ns))


def table_rows(text, which):
    """Rows of the length table (which=0) or the course table (which=1)."""
    tables = re.findall(r"<tbody>(.*?)</tbody>", out_of(text), re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", tables[which], re.S)
    return [[html_mod.unescape(cell) for cell in re.findall(r"<td>([^<]*)</td>", row)] for row in rows]


def bars(text, chart):
    svg = re.search(rf'<svg class="rb-svg rb-svg-{chart}"(.*?)</svg>', out_of(text), re.S).group(1)
    return re.findall(r'<rect class="rb-bar" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"(?: data-letter="([a-z])")? data-count="(\d+)"', svg)


def book(client, lang="en", **query):
    """What the book computes for a state, from its twin."""
    return twin(client, "recipe-book", lang, **query)


def button_value(text, ns, which):
    m = re.search(rf'id="{ns}-{which}" name="{ns}\.page" value="(\d+)"', text)
    return int(m.group(1)) if m else None


def test_the_content_places_the_book_in_chapter_1():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-1.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget recipe-book\s*$", text, re.M)


def test_counts_are_the_data_sets_own():
    names = data.load_names()
    assert len(names) == 32033
    b = recipe_book.book()
    assert len(b.names) == len(names) and list(b.names) == names
    assert b.lengths == dict(sorted(collections.Counter(map(len, names)).items()))
    assert b.letters["all"] == collections.Counter("".join(names))
    assert b.letters["first"] == collections.Counter(n[0] for n in names)
    assert b.letters["last"] == collections.Counter(n[-1] for n in names)
    assert recipe_book.n_pages(b) == math.ceil(len(names) / recipe_book.PAGE_SIZE)


@pytest.mark.parametrize("by", ["all", "first", "last"])
def test_the_charts_and_tables_are_the_real_counts(client, by):
    names = data.load_names()
    d = book(client, by=by)
    assert d["by"] == by
    assert d["intro"].startswith(f"The book holds {len(names):,} menus, {len(set(names)):,} different names")
    lengths = collections.Counter(map(len, names))
    assert [[str(r["n"]), r["count"], r["pct"]] for r in d["lengths"]["rows"]] == [
        [str(n), f"{lengths[n]:,}", recipe_book.pct(lengths[n], len(names))] for n in sorted(lengths)
    ]
    assert [c["count"] for c in d["lengths"]["cols"]] == [lengths[n] for n in sorted(lengths)]
    counts = {
        "all": collections.Counter("".join(names)),
        "first": collections.Counter(n[0] for n in names),
        "last": collections.Counter(n[-1] for n in names),
    }[by]
    rows = d["letters"]["rows"]
    assert len(rows) == 26
    assert [row["letter"] for row in rows] == sorted("abcdefghijklmnopqrstuvwxyz", key=lambda ch: (-counts[ch], ch))
    assert [row["rank"] for row in rows] == list(range(1, 27))
    for row in rows:
        assert int(row["count"].replace(",", "")) == counts[row["letter"]]
    drawn = d["letters"]["cols"]
    assert [(c["label"], c["count"]) for c in drawn] == [(row["letter"], counts[row["letter"]]) for row in rows]
    # bar heights are proportional to the counts: the tallest is the most common
    heights = [c["h"] for c in drawn]
    assert heights[0] == max(heights) and heights == sorted(heights, reverse=True)
    top = max(counts.values())
    for c in drawn:
        assert c["h"] == pytest.approx(recipe_book.BAR_H * counts[c["label"]] / top, abs=0.06)


@pytest.mark.parametrize("query", ["", "by=first&page=2", "q=emma", "q=zzzq&by=last&page=2670", "q=olivia&page=3"])
def test_the_book_shows_what_its_twin_computes(client, query):
    for lang in ("zh", "en"):
        d = book(client, lang, **dict(parse_qsl(query)))
        r = client.get(f"/{lang}/widget/recipe-book?{query}")
        assert r.status_code == 200
        out = out_of(r.text)
        look = d["lookup"]
        assert f'class="rb-result rb-{look["state"]}"' in out and shown(look["text"]) in out
        if look["state"] == "missing":
            near = re.findall(r'<span class="rb-near-name">([a-z]+)</span>', out)
            assert near == look["before"] + look["after"] and shown(look["near_text"]) in out
        # the way to the found name's page, unless this is it
        assert button_value(r.text, "recipe-book", "goto") == (look["page"] if look.get("page", d["page"]) != d["page"] else None)
        assert f'<p class="rb-meta">{shown(d["intro"])}</p>' in out
        assert f'<p class="rb-page-text" id="recipe-book-page-text">{shown(d["page_text"])}</p>' in out
        cards = re.findall(r'<li class="rb-card( rb-match)?"><span class="rb-card-no">([^<]*)</span> <span class="rb-name">([a-z]+)</span>', out)
        assert cards == [(" rb-match" if n["match"] else "", n["card"], n["text"]) for n in d["names"]]
        for which in ("prev", "random", "next"):
            assert button_value(r.text, "recipe-book", which) == d[f"{which}_page"]
        for chart, key in (("len", "lengths"), ("let", "letters")):
            assert [int(c) for _, _, c in bars(r.text, chart)] == [c["count"] for c in d[key]["cols"]]
            assert [float(h) for h, _, _ in bars(r.text, chart)] == [c["h"] for c in d[key]["cols"]]
            assert shown(d[key]["summary"]) in out
        assert table_rows(r.text, 0) == [[str(row["n"]), row["count"], row["pct"]] for row in d["lengths"]["rows"]]
        assert table_rows(r.text, 1) == [[str(row["rank"]), row["letter"], row["count"], row["pct"]] for row in d["letters"]["rows"]]
        assert f'value="{d["by"]}" checked' in out


def test_the_text_of_chapter_1_is_true_of_the_charts():
    """The prose after the widget: a above all, then e, n, i; q and x rare; many end on a or n."""
    b = recipe_book.book()
    ranked = [ch for ch, _ in b.letters["all"].most_common()]
    assert ranked[0] == "a" and set(ranked[1:4]) == {"e", "n", "i"}
    assert set(ranked[-2:]) == {"q", "x"}
    assert [ch for ch, _ in b.letters["last"].most_common(2)] == ["n", "a"]
    assert b.letters["last"]["q"] < 0.001 * len(b.names)


def test_looking_up_a_name_that_is_in_the_book(client):
    look = book(client, q="emma")["lookup"]
    assert look["state"] == "found"
    names = data.load_names()
    assert names.index("emma") == 0
    copies = names.count("emma")
    assert "Yes. “emma” is in the book: card 1, on page 1." in look["text"]
    assert f"It appears {copies} times." in look["text"]
    # on its own page the name is marked
    assert [n["text"] for n in book(client, q="emma")["names"] if n["match"]] == ["emma"]
    zh = book(client, "zh", q="Emma")["lookup"]  # capitals count as lower case
    assert "在。“emma”在册子里：第 1 张卡片，第 1 页。" in zh["text"]
    r = client.get("/en/widget/recipe-book?q=emma")
    assert '<span class="rb-name">emma</span> <span class="rb-tag">your name</span>' in out_of(r.text)


def test_a_found_name_on_another_page_offers_to_open_it(client):
    names = data.load_names()
    name = names[500]
    card = names.index(name) + 1
    page = (card - 1) // recipe_book.PAGE_SIZE + 1
    look = book(client, q=name)["lookup"]
    assert f"card {card:,}, on page {page:,}." in look["text"]
    assert look["page"] == page
    assert button_value(client.get(f"/en/widget/recipe-book?q={name}").text, "recipe-book", "goto") == page
    there = book(client, q=name, page=str(page))
    assert there["lookup"]["page"] == there["page"] == page
    assert [n["text"] for n in there["names"] if n["match"]] == [name]
    assert button_value(client.get(f"/en/widget/recipe-book?q={name}&page={page}").text, "recipe-book", "goto") is None


def test_a_name_that_is_not_in_the_book_says_so_with_its_neighbours(client):
    known = data.known_names()
    assert "zzzq" not in known
    d = book(client, q="zzzq")
    look = d["lookup"]
    assert look["state"] == "missing" and "No. The master never served “zzzq”." in look["text"]
    want = sorted(n for n in known if n < "zzzq")[-recipe_book.NEAREST:]
    assert look["before"] + look["after"] == want  # nothing sorts after zzzq
    look = book(client, q="emmq")["lookup"]
    before = sorted(n for n in known if n < "emmq")[-recipe_book.NEAREST:]
    after = sorted(n for n in known if n > "emmq")[: recipe_book.NEAREST]
    assert (look["before"], look["after"]) == (before, after)
    assert not any(n["match"] for n in book(client, q="emmq")["names"])


def test_empty_lookup_invites_a_name(client):
    look = book(client, "zh", q="")["lookup"]
    assert look["state"] == "empty" and "看看它在不在册子里" in look["text"]


@pytest.mark.parametrize("page", [1, 2, 1000, 2670])
def test_a_page_shows_its_twelve_menus_in_file_order(client, page):
    names = data.load_names()
    d = book(client, page=str(page))
    start = (page - 1) * recipe_book.PAGE_SIZE
    assert [n["text"] for n in d["names"]] == names[start:start + recipe_book.PAGE_SIZE]
    assert [n["card"] for n in d["names"]] == [f"{i + 1:,}" for i in range(start, min(start + 12, len(names)))]
    last = math.ceil(len(names) / recipe_book.PAGE_SIZE)
    assert d["page_text"] == f"Page {page:,} of {last:,}: cards {start + 1:,}–{min(start + 12, len(names)):,}."
    assert d["prev_page"] == (page - 1 if page > 1 else None)
    assert d["next_page"] == (page + 1 if page < last else None)


def test_the_random_page_is_seeded_by_the_page_so_every_draw_has_a_link(client):
    n_pages = recipe_book.n_pages(recipe_book.book())
    seen = set()
    page = 1
    for _ in range(30):
        nxt = book(client, page=str(page))["random_page"]
        assert 1 <= nxt <= n_pages and nxt != page
        # the same page always offers the same draw
        assert book(client, "zh", page=str(page))["random_page"] == nxt
        seen.add(nxt)
        page = nxt
    assert len(seen) > 20  # it wanders through the book


def test_chapter_page_takes_its_state_from_namespaced_keys(client):
    names = data.load_names()
    r = client.get("/zh/chapter/1?recipe-book.q=olivia&recipe-book.page=3&recipe-book.by=last")
    assert r.status_code == 200
    assert "<h1>" in r.text and 'id="w-recipe-book"' in r.text
    d = book(client, "zh", q="olivia", page="3", by="last")
    assert [n["text"] for n in d["names"]] == names[24:36] == page_names(r.text)
    assert "“olivia”在册子里" in d["lookup"]["text"] and shown(d["lookup"]["text"]) in r.text
    assert 'id="recipe-book-by-last" name="recipe-book.by" value="last" checked' in r.text
    assert 'value="olivia"' in r.text
    last = collections.Counter(n[-1] for n in names)
    assert d["letters"]["rows"][0]["letter"] == last.most_common(1)[0][0] == table_rows(r.text, 1)[0][1]


def test_no_js_form_reloads_the_chapter_and_the_button_value_wins(client):
    r = client.get("/zh/chapter/1?recipe-book.page=7&utm=mail")
    form = r.text.split('id="w-recipe-book"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/zh/chapter/1#w-recipe-book"' in form
    assert '<input type="hidden" name="keep" value="recipe-book">' in form and 'name="utm"' not in form
    assert 'name="recipe-book.q"' in form and 'name="recipe-book.by"' in form
    # "Look up" is the first submit button (Enter in the name box), and it has no name: it keeps the page
    first_submit = re.search(r'<button type="submit"[^>]*>', form).group(0)
    assert "name=" not in first_submit
    # the page is kept in a hidden input that comes before the page buttons, so a pressed
    # button's value is the last one in the query and wins
    hidden = form.index('<input type="hidden" name="recipe-book.page" value="7">')
    for which in ("prev", "random", "next"):
        assert form.index(f'id="recipe-book-{which}"') > hidden
    # what a browser sends for "next page": the hidden page, then the button's
    pairs, nxt = submit_without_js(client, "/zh/chapter/1?recipe-book.page=7&utm=mail", form, button=("recipe-book.page", "8"))
    assert ("utm", "mail") in pairs and [v for k, v in pairs if k == "recipe-book.page"] == ["7", "8"]
    assert page_names(nxt.text) == [n["text"] for n in book(client, "zh", page="8")["names"]] == data.load_names()[84:96]


def test_fragment_is_the_same_partial_with_bare_or_namespaced_keys(client):
    bare = client.get("/en/widget/recipe-book?q=ava&page=2&by=first")
    spaced = client.get("/en/widget/recipe-book?recipe-book.q=ava&recipe-book.page=2&recipe-book.by=first")
    for r in (bare, spaced):
        assert r.status_code == 200
        assert "<html" not in r.text
        assert r.text.lstrip().startswith('<section class="widget widget-recipe-book" id="w-recipe-book"')
        assert page_names(r.text) == [n["text"] for n in book(client, q="ava", page="2", by="first")["names"]]
    assert bare.text == spaced.text


def test_htmx_request_replaces_the_address_with_the_whole_state(client):
    r = client.get(
        "/en/widget/recipe-book?recipe-book.q=mia&recipe-book.page=9&recipe-book.by=first",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/1?utm=x"},
    )
    assert r.status_code == 200
    url = urlsplit(r.headers["HX-Replace-Url"])
    assert url.path == "/en/chapter/1"
    assert parse_qsl(url.query, keep_blank_values=True) == [
        ("utm", "x"), ("recipe-book.q", "mia"), ("recipe-book.page", "9"), ("recipe-book.by", "first"),
    ]


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("q=anne%20marie", "要查的名字只能用字母 a–z", "may use only the letters a–z"),
        ("q=zo%C3%AB", "只能用字母 a–z", "only the letters a–z"),
        ("q=" + "a" * 16, "最多 15 个", "at most 15"),
        ("q=" + "a" * 300, "最多 15 个", "at most 15"),
        ("page=0", "页码要是 1 到 2,670 之间的整数。", "The page must be a whole number from 1 to 2,670."),
        ("page=2671", "1 到 2,670", "from 1 to 2,670"),
        ("page=-3", "1 到 2,670", "from 1 to 2,670"),
        ("page=1.5", "1 到 2,670", "from 1 to 2,670"),
        ("page=nan", "1 到 2,670", "from 1 to 2,670"),
        ("page=", "1 到 2,670", "from 1 to 2,670"),
        ("page=" + "9" * 60, "1 到 2,670", "from 1 to 2,670"),
        ("by=middle", "要数的菜只能是", "must be one of: all, first, last"),
    ],
)
def test_bad_state_is_a_422_with_a_message_in_the_page_language(client, query, zh, en):
    assert_refused(client, "recipe-book", 1, query, zh, en)
