"""The sampling lab (chapter 7): the vote, what each rule cut, the die, the table's names, the whole menus.

Every figure the partial shows must be the engine's: the die's shares (exact,
from ``data-die``), the courses each rule cut, the ten names served with the
rules, and beam search beside greedy.
"""

import html as html_mod
import math
import pathlib
import re
from urllib.parse import parse_qsl

import numpy as np
import pytest

from engine import checkpoint, data, model, sample as sampling, search
from engine.tokenizer import VOCAB_SIZE, encode_prefix, token_label

from app.widgets import sampling as widget
from tests.app.stories import per_language, story_client
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin

ROOT = pathlib.Path(__file__).resolve().parents[2]

CHAPTER_7 = {
    "zh": "---\ntitle: 出师\nsummary: 小明自己掌勺。\n---\n\n## 旋钮\n\n拧一拧。\n\n::: widget temperature\n\n"
          "::: widget sampling prefix=emm top_p=0.9\n\n::: summary\n一句话：掷骰子。\n:::\n",
    "en": "---\ntitle: Serving\nsummary: Xiao Ming cooks alone.\n---\n\n## The knob\n\nTurn it.\n\n::: widget temperature\n\n"
          "::: widget sampling prefix=emm top_p=0.9\n\n::: summary\nIn one sentence: roll the die.\n:::\n",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with story_client(tmp_path_factory.mktemp("story-sampling"), per_language("chapter-7", CHAPTER_7)) as c:
        yield c


def out_of(text, ns="sampling"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def rows(text):
    """Per vote row: (token id, die share, cut text or None)."""
    out = out_of(text)
    found = []
    for tok, die, body in re.findall(r'<tr class="sl-row[^"]*" data-tok="(\d+)" data-die="([^"]+)">(.*?)</tr>', out, re.S):
        cut = re.search(r'<span class="sl-cut">✂ (?:被裁：|cut by )([^<]+)</span>', body)
        found.append((int(tok), float(die), cut.group(1) if cut else None))
    return found


def body_of(text, tok):
    return re.search(rf'<tr class="sl-row[^"]*" data-tok="{tok}" [^>]*>(.*?)</tr>', out_of(text), re.S).group(1)


def served(text):
    return re.findall(r'<li class="name (invented|known)"><span class="name-text">([a-z]+)</span>', out_of(text))


def menus(text):
    return re.findall(r'<li class="sl-menu[^"]*"><span class="name-text">([a-z]+)</span> <span class="sl-share">([^<]+)</span> '
                      r'<small class="sl-log">log ([^<]+)</small>', out_of(text))


def lab(client, lang="en", **query):
    """What the lab computes for a state, from its twin; its vote rows all in one list."""
    d = twin(client, "sampling", lang, **query)
    return d, d["rows"] + d["rest"]


def engine_cut(prefix, t, k, p, m):
    logits, _ = model.forward(checkpoint.default_params(), encode_prefix(prefix))
    return sampling.cut(logits[-1], t, k, p, m)


def test_the_content_places_the_lab_right_after_the_dial_in_both_languages():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-7.md").read_text(encoding="utf-8")
        widgets = re.findall(r"^::: widget (\S+)", text, re.M)
        assert widgets[widgets.index("temperature") + 1] == "sampling"
        between = text.split("::: widget temperature", 1)[1].split("::: widget sampling", 1)[0]
        assert "top-k" in between and "top-p" in between and "min-p" in between
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`sampling`" in readme.split("## Embed it", 1)[1].split("## Settings", 1)[0]


STATES = [
    ("emm", 1.0, 27, 0.9, 0.0),
    ("emm", 0.8, 5, 0.9, 0.05),
    ("", 1.5, 27, 1.0, 0.2),
    ("abigail", 0.5, 3, 0.5, 0.0),
    ("x", 2.0, 10, 0.7, 0.1),
    ("ol", 0.0, 27, 1.0, 0.0),
    ("ann", 1.0, 27, 1.0, 0.0),
]


@pytest.mark.parametrize("prefix, t, k, p, m", STATES)
def test_every_figure_is_the_engines(client, prefix, t, k, p, m):
    d, got = lab(client, prefix=prefix, t=str(t), top_k=str(k), top_p=str(p), min_p=str(m), seed="3", width="6")
    c = engine_cut(prefix, t, k, p, m)
    # every course once, most votes first
    assert sorted(r["tok"] for r in got) == list(range(VOCAB_SIZE))
    assert [r["tok"] for r in got] == sorted(range(VOCAB_SIZE), key=lambda i: (-c.vote[i], i))
    assert [r["rank"] for r in got] == list(range(1, 28)) and d["rest_start"] == len(d["rows"]) + 1
    die = np.zeros(VOCAB_SIZE)
    for r in got:
        die[r["tok"]] = r["die_p"]
        rules = [name for key, name in widget.RULE_NAMES.items() if r["tok"] in c.cut_by[key]]
        assert r["kept"] == (r["die_p"] > 0)
        if r["die_p"] > 0 or not rules:
            assert r["cut"] == ""
            assert r["die_p"] > 0 or (c.warmed[r["tok"]] == 0 and r["knob"])
        else:
            assert r["cut"] == ", ".join(rules) and not r["knob"]
    assert np.array_equal(die, c.die)
    # the die sums to 1 over the courses every rule allows, and nothing else
    assert math.isclose(die.sum(), 1.0, abs_tol=1e-12)
    allowed = set(range(VOCAB_SIZE)) - set().union(*map(set, c.cut_by.values()))
    allowed -= {i for i in range(VOCAB_SIZE) if c.warmed[i] == 0}  # at 0 the knob leaves only the favourite
    assert {i for i in range(VOCAB_SIZE) if die[i] > 0} == allowed
    # the ten names: the engine's, with these rules, marked as the dial marks them
    want = sampling.sample(checkpoint.default_params(), n=10, temperature=t, seed=3, prefix=prefix, top_k=k, top_p=p, min_p=m)
    assert [n["text"] for n in d["names"]] == want.names
    assert [n["invented"] for n in d["names"]] == [n not in data.known_names() for n in want.names]
    assert d["n_invented"] == sum(n not in data.known_names() for n in want.names)
    # the whole menus: beam search, most likely first, never below greedy
    found = search.beam(checkpoint.default_params(), prefix, 6)
    assert [mm["name"] for mm in d["menus"]] == [mm.name for mm in found]
    assert [mm["logprob"] for mm in d["menus"]] == [f"{mm.logprob:.2f}" for mm in found]
    assert [mm["share"] for mm in d["menus"]] == [widget.share(math.exp(mm.logprob)) for mm in found]
    g = search.greedy(checkpoint.default_params(), prefix)
    assert found[0].logprob >= g.logprob
    assert (d["greedy"]["name"], d["greedy"]["share"]) == (g.name, widget.share(math.exp(g.logprob)))
    if found[0].name == g.name:
        assert "Here they agree" in d["verdict"]
    else:
        assert f"Here they differ: always taking the favourite serves “{g.name}”" in d["verdict"]
        assert f"the beam found “{found[0].name}”" in d["verdict"]
    n_kept = len(allowed)
    assert d["n_kept"] == n_kept
    assert f"{n_kept} of the 27 courses {'is' if n_kept == 1 else 'are'} left on the die." in d["summary"]


@pytest.mark.parametrize("query", ["", "prefix=emm&t=0.8&top_k=5&top_p=0.9&min_p=0.05", "prefix=ol&t=0", "prefix=x&t=2&top_k=10&width=10"])
def test_the_lab_shows_what_its_twin_computes(client, query):
    for lang in ("zh", "en"):
        d, got = lab(client, lang, **dict(parse_qsl(query)))
        r = client.get(f"/{lang}/widget/sampling?{query}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert rows(r.text) == [(row["tok"], row["die_p"], shown(row["cut"]) if row["cut"] and not row["knob"] else None) for row in got]
        for row in got:
            body = body_of(r.text, row["tok"])
            assert re.findall(r'<td class="sl-num">([^<]*)</td>', body) == [shown(row["vote"]), shown(row["warmed"])]
            if row["kept"]:
                assert f'<rect width="{row["bar"]}" height="1"/></svg><span class="sl-num">{shown(row["die"])}</span>' in body
            assert ("sl-knob" in body) == (not row["kept"] and row["knob"])
        assert [html_mod.unescape(c) for c in re.findall(r'<span class="course-chip">([^<]*)</span>', out.split("</p>", 1)[0])] == d["so_far"]
        assert f'id="sampling-summary">{shown(d["summary"])}</p>' in out
        assert re.findall(r"<li>([^<]*)</li>", out.split('<ul class="sl-rule-lines">', 1)[1].split("</ul>", 1)[0]) == \
            [shown(line) for line in d["rule_lines"]]
        assert f'<p class="sample-summary">{shown(d["served_summary"])}</p>' in out
        assert served(r.text) == [("invented" if n["invented"] else "known", n["text"]) for n in d["names"]]
        assert menus(r.text) == [(m["name"], shown(m["share"]), m["logprob"]) for m in d["menus"]]
        greedy = out.split('<p class="sl-greedy">', 1)[1].split("</p>", 1)[0]
        assert d["greedy"]["name"] in greedy and shown(d["greedy"]["share"]) in greedy and d["greedy"]["logprob"] in greedy
        assert f'<p class="sl-verdict">{shown(d["verdict"])}</p>' in out


def test_a_menu_that_fills_the_kitchen_says_how_many_courses_in_both_languages(client):
    room = checkpoint.default_params().config.block_size
    prefix = "abcdefghijklmno"            # one letter short of a full kitchen: most menus fill it
    for lang, said in (("zh", "排满 {} 道"), ("en", "fills the kitchen (all {} courses)")):
        d = twin(client, "sampling", lang, prefix=prefix)
        assert d["block_size"] == room
        full = [m for m in d["menus"] if m["full"]]
        assert full and all(len(m["name"]) == room for m in full)
        tags = re.findall(r'<small class="tag">([^<]*)</small>', out_of(client.get(f"/{lang}/widget/sampling?prefix={prefix}").text))
        assert tags == [said.format(room)] * len(full), (lang, tags)


def test_rule_lines_say_what_each_rule_did(client):
    d, _ = lab(client, "zh", prefix="emm", t="0.8", top_k="5", top_p="0.9", min_p="0.05")
    c = engine_cut("emm", 0.8, 5, 0.9, 0.05)
    text = "".join(d["rule_lines"])
    assert f"top-k = 5：只留票数最多的 5 道，裁掉 {len(c.cut_by['top_k'])} 道。" in text
    kept_p = 27 - len(c.cut_by["top_p"])
    assert f"这里是前 {kept_p} 道" in text and f"裁掉 {len(c.cut_by['top_p'])} 道。" in text
    fav = int(c.warmed.argmax())
    assert f"头名“{token_label(fav)}”占 {c.warmed[fav] * 100:.1f}%" in text
    en = "".join(lab(client, prefix="emm", top_p="1")[0]["rule_lines"])
    assert "top-k: all 27 courses stay (off)." in en and "top-p = 1: it must reach 100%" in en and "min-p = 0: nothing is dropped (off)." in en


@pytest.mark.parametrize("rule", ["top_k=1", "top_p=0.05", "min_p=1"])
def test_keeping_only_the_favourite_serves_what_the_dial_serves_at_zero(client, rule):
    d, _ = lab(client, prefix="b", t="0.7", seed="5", **dict([rule.split("=")]))
    cold = sampling.sample(checkpoint.default_params(), n=10, temperature=0, seed=1, prefix="b").names
    assert [n["text"] for n in d["names"]] == cold
    assert len(set(cold)) == 1
    assert d["n_kept"] == 1 and "1 of the 27 courses is left on the die." in d["summary"]


def test_chapter_page_starting_state_and_the_no_js_form(client):
    r = client.get("/en/chapter/7?temperature.t=1.5&utm=x")
    assert r.status_code == 200
    section = r.text.split('id="w-sampling"', 1)[1]
    form = section.split("</form>", 1)[0]
    assert 'method="get" action="/en/chapter/7#w-sampling"' in form
    assert '<input type="hidden" name="keep" value="sampling">' in form
    assert 'name="temperature.t"' not in form and 'name="utm"' not in form
    pairs, _ = submit_without_js(client, "/en/chapter/7?temperature.t=1.5&utm=x", form)
    assert ("temperature.t", "1.5") in pairs and ("utm", "x") in pairs
    for key in ("prefix", "t", "top_k", "top_p", "min_p", "seed", "width"):
        assert f'name="sampling.{key}"' in form
    assert 'name="sampling.prefix" value="emm"' in form and 'name="sampling.top_p" min="0.05" max="1" step="0.05" value="0.9"' in form
    # htmx in its validating form, every button typed
    assert "data-hx-get=" in form and not re.search(r"\shx-[a-z]+=", form)
    assert all('type="' in b for b in re.findall(r"<button[^>]*>", section.split("</section>", 1)[0]))
    # the limits are the parameters'
    for key in ("top_k", "top_p", "min_p", "seed", "width"):
        p = widget.PARAM[key]
        assert re.search(rf'name="sampling\.{key}" min="{p.format(p.lo)}" max="{p.format(p.hi)}"', form), key
    assert f'id="sampling-t-num" min="0" max="{widget.PARAM["t"].format(widget.PARAM["t"].hi)}"' in form
    # its own assets on the chapter page
    assert "/static/css/widgets/sampling.css?v=" in r.text


def test_fragment_in_both_languages(client):
    zh = client.get("/zh/widget/sampling?prefix=emm&top_k=4")
    en = client.get("/en/widget/sampling?sampling.prefix=emm&sampling.top_k=4")
    assert zh.status_code == 200 and en.status_code == 200
    assert zh.text.lstrip().startswith('<section class="widget widget-sampling inside" id="w-sampling"')
    assert "取样实验室" in zh.text and "最可能的整套菜单" in zh.text and "每一步都选头名" in zh.text
    assert "The sampling lab" in en.text and "The most likely whole menus" in en.text and "Always the favourite" in en.text
    assert rows(zh.text) == rows(en.text) and served(zh.text) == served(en.text) and menus(zh.text) == menus(en.text)


def test_embed_page(client):
    for lang in ("zh", "en"):
        r = client.get(f"/embed/{lang}/sampling?prefix=ann&top_k=3&width=10")
        assert r.status_code == 200
        assert 'id="w-sampling"' in r.text and 'data-hx-get="/embed/' in r.text
        d, _ = lab(client, lang, prefix="ann", top_k="3", width="10")
        assert len(d["menus"]) == 10 and menus(r.text) == [(m["name"], shown(m["share"]), m["logprob"]) for m in d["menus"]]
        bad = client.get(f"/embed/{lang}/sampling?top_k=0")
        assert bad.status_code == 422 and 'class="widget-error" role="alert"' in bad.text


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("top_p=", "凑够 P 就停（top-p）要是 0.05 到 1 之间的数。", "The top-p (the smallest set reaching P) must be a number from 0.05 to 1."),
        ("top_k=0", "只留前 K 道（top-k）要是 1 到 27 之间的整数。", "The top-k (keep the K most likely) must be a whole number from 1 to 27."),
        ("top_k=2.5", "只留前 K 道（top-k）要是 1 到 27 之间的整数。", "must be a whole number from 1 to 27"),
        ("prefix=em1", "一套菜的开头只能用字母 a–z", "The start of the menu may use only the letters a–z"),
        ("prefix=" + "a" * 16, "最多 15 个", "at most 15"),
        ("min_p=1.5", "不到头名 M 倍就丢（min-p）要是 0 到 1 之间的数。", "The min-p (drop below M times the favourite) must be a number from 0 to 1."),
        ("t=-1", "冒险程度（温度）要是 0 到 5 之间的数。", "The adventurousness (temperature) must be a number from 0 to 5."),
        ("width=11", "束宽（同时盯住几套菜单）要是 1 到 10 之间的整数。", "The beam width (menus kept at each course) must be a whole number from 1 to 10."),
        ("seed=-2", "桌号", "table (seed)"),
    ],
)
def test_bad_state_gets_the_pages_own_message(client, query, zh, en):
    assert_refused(client, "sampling", 7, query, zh, en)


def test_the_json_twin_is_the_data_the_partial_shows(client):
    query = "prefix=olivia&t=0.9&top_k=6&top_p=0.8&min_p=0.02&seed=12&width=4"
    answer = client.get(f"/api/widget/sampling?{query}&lang=zh")
    assert answer.status_code == 200
    body = answer.json()
    assert body["state"] == {"prefix": "olivia", "t": "0.9", "top_k": "6", "top_p": "0.8", "min_p": "0.02", "seed": "12", "width": "4"}
    data = body["data"]
    c = engine_cut("olivia", 0.9, 6, 0.8, 0.02)
    rows_all = data["rows"] + data["rest"]
    assert [r["die_p"] for r in sorted(rows_all, key=lambda r: r["tok"])] == c.die.tolist()
    want = sampling.sample(checkpoint.default_params(), n=10, temperature=0.9, seed=12, prefix="olivia", top_k=6, top_p=0.8, min_p=0.02)
    assert [n["text"] for n in data["names"]] == want.names
    assert [m["name"] for m in data["menus"]] == [m.name for m in search.beam(checkpoint.default_params(), "olivia", 4)]
    page = client.get(f"/zh/widget/sampling?{query}")
    assert [n for _, n in served(page.text)] == want.names
    assert [(t, d) for t, d, _ in rows(page.text)] == [(r["tok"], r["die_p"]) for r in rows_all]
    bad = client.get("/api/widget/sampling?top_k=0&lang=en")
    assert bad.status_code == 422 and "The top-k (keep the K most likely) must be a whole number from 1 to 27." in bad.text
