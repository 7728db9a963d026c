"""Chapter 8's three-star kitchen: the scale, a new recipe book (SFT) and the judges (RLHF).

The routes run against the fixture story plus a chapter 8 that holds the
widget, so they do not depend on how far the real chapters have come.
"""

import re

import numpy as np
import pytest

from engine import checkpoint, data, model, tune
from engine.sample import sample

from app.widgets import admission, michelin
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin
from tests.app.stories import both, story_client


CHAPTER = """---
title: Michelin
summary: From street stall to three stars.
---

## Three stars

Hand Xiao Ming a new recipe book, then be the judge.

::: widget michelin

::: summary
In one sentence: same cooking, bigger kitchen.
:::
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with story_client(tmp_path_factory.mktemp("story"), both("chapter-8", CHAPTER)) as c:
        yield c


def part(html, name, ns="michelin"):
    """The HTML of one panel: scale, sft or judges."""
    start = html.index(f'class="michelin-part michelin-{name}"')
    rest = html[start:]
    nxt = rest.find('class="michelin-part', 10)
    return rest if nxt < 0 else rest[:nxt]


def shown_names(html):
    return re.findall(r'<span class="name-text">([^<]+)</span>', html)


def kitchen(client, lang="en", query=""):
    """What the three-star kitchen computes for a state (a query string), from its twin."""
    return twin(client, "michelin", lang, dict(kv.split("=", 1) for kv in query.split("&") if kv))


def results(html):
    """(before, after) names shown in a panel's before/after columns."""
    cols = html.split('class="before-after"', 1)[1].split('<p class="ba-title">')[1:3]
    return shown_names(cols[0]), shown_names(cols[1])


# --- the page and the fragment --------------------------------------------------------

def test_chapter_shows_all_three_panels_with_no_js_forms(client):
    for lang in ("zh", "en"):
        page = f"/{lang}/chapter/8?michelin.book=start&michelin.letter=q&utm=z"
        r = client.get(page)
        assert r.status_code == 200
        assert 'id="w-michelin"' in r.text and 'id="michelin-out"' in r.text
        assert "/static/css/widgets/michelin.css" in r.text
        for name in ("scale", "sft", "judges"):
            assert f"michelin-{name}" in r.text
        forms = re.findall(r'<form[^>]*>(.*?)</form>', r.text.split('id="w-michelin"', 1)[1], re.S)
        assert len(forms) >= 3  # the book, the judges, and the first pair's two picks
        heads = re.findall(r'<form[^>]*method="get" action="([^"]+)"', r.text)
        assert all(a.startswith(f"/{lang}/chapter/8#michelin-") for a in heads)
        for form in forms:
            assert '<input type="hidden" name="keep" value="michelin">' in form and 'name="utm"' not in form
            # every form carries the whole state, so each submission keeps the other panel
            for key in michelin.MICHELIN.query(michelin.MICHELIN.parse({})):
                assert f'name="michelin.{key}"' in form
        assert 'name="michelin.letter" value="q"' in r.text
        judges = r.text.split('id="w-michelin"', 1)[1].split('action="/' + lang + '/chapter/8#michelin-judges"', 1)[1]
        pairs, _ = submit_without_js(client, page, '<form action="/' + lang + '/chapter/8#michelin-judges"' + judges)
        assert ("utm", "z") in pairs and ("michelin.letter", "q") in pairs


def test_fragment_in_both_languages_and_htmx_address(client):
    for lang, word in (("zh", "一本新菜谱"), ("en", "A new recipe book")):
        r = client.get(f"/{lang}/widget/michelin?book=list&names=anna,bob")
        assert r.status_code == 200
        assert r.text.lstrip().startswith('<section class="widget widget-michelin" id="w-michelin"')
        assert word in r.text
        assert "<html" not in r.text
    r = client.get("/en/widget/michelin?michelin.judge=vowel&michelin.rounds=10",
                   headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/8"})
    assert r.status_code == 200
    assert r.headers["HX-Replace-Url"].startswith("/en/chapter/8?michelin.book=a&michelin.letter=z&")
    assert "michelin.judge=vowel&michelin.picks=&michelin.rounds=10&michelin.jseed=1" in r.headers["HX-Replace-Url"]


@pytest.mark.parametrize("query, zh, en", [
    ("book=soup", "新菜谱只能是 a / start / list 之一。", "The recipe book must be one of a / start / list."),
    ("book=start&letter=7", "开头的字母要是 a–z 中的一个字母。", "The first letter must be one letter a–z."),
    ("book=start&letter=ab", "开头的字母", "first letter"),
    ("book=list&names=bob,al1ce", "只能用字母 a–z", "letters a–z only"),
    ("book=list&names=abcdefghijklmnop", "每个最多 15 个字母", "at most 15 letters each"),
    ("book=list&names=,,", "1 到 50 个名字", "1 to 50 names"),
    ("sft_steps=5", "新菜谱练几套要是 10 到 500 之间的整数。", "The menus from the new book must be a whole number from 10 to 500."),
    ("judge=critic", "评委只能是", "The judge must be one of"),
    ("picks=abc", "你的选择只能是 a 或 b", "The picks may only be a or b"),
    ("picks=aaaaaaaaa", "最多 8 个", "at most 8"),
    ("rounds=61", "5 到 60", "from 5 to 60"),
    ("rounds=nan", "5 到 60", "from 5 to 60"),
    ("jseed=-1", "哪几对菜", "pairs (seed)"),
    ("book=list&names=<script>alert(1)</script>", "只能用字母 a–z", "letters a–z only"),
])
def test_bad_state_is_a_422_in_the_page_language_with_the_forms_kept(client, query, zh, en):
    assert_refused(client, "michelin", 8, query, zh, en)
    for lang in ("zh", "en"):
        r = client.get(f"/{lang}/widget/michelin?{query}")
        assert r.text.count("<form") >= 2 and "<script>" not in r.text


# --- the scale --------------------------------------------------------------------------

def test_scale_shows_the_engines_figures_and_the_quoted_ones(client):
    d = kitchen(client)
    ours = michelin.our_figures()
    assert ours["params"] == model.N_PARAMS == 4192
    assert ours["vocab"] == 27 and ours["context"] == model.CONFIG.block_size == 16
    assert ours["names"] == len(data.load_names())
    assert ours["steps"] == len(checkpoint.default_log())
    assert d["ours"] == {k: f"{v:,}" for k, v in ours.items()}
    values = [c["value"] for row in d["scale"] for c in row["cells"]]
    assert values == [
        "4,192", "1.5 billion", "405 billion",
        f"{ours['courses']:,}", "100 billion", "15 trillion",
        "27", "50,257", "128,000",
        "16", "1,024", "128,000",
    ]
    assert d["scale"][0]["cells"][1]["times"] == "357,824 × ours"  # 1.5 billion / 4,192, computed
    zh = kitchen(client, "zh")
    zh_values = [c["value"] for row in zh["scale"] for c in row["cells"]]
    assert "15 亿" in zh_values and "4,050 亿" in zh_values and "15 万亿" in zh_values
    assert "是小明的 9,660 万倍" in [c["times"] for c in zh["scale"][0]["cells"]]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("query", ["", "book=start&letter=q&sft_steps=150", "judge=you&picks=ab&jseed=5",
                                   "judge=short&rounds=15", "judge=short&rounds=60"])
def test_the_kitchen_shows_what_its_twin_computes(client, query, lang):
    d = kitchen(client, lang, query)
    html = client.get(f"/{lang}/widget/michelin?{query}").text
    scale = part(html, "scale")
    assert re.findall(r'<span class="value">([^<]+)', scale) == [c["value"] + ("" if lang == "zh" or not c["times"] else " ")
                                                                 for row in d["scale"] for c in row["cells"]]
    for row in d["scale"]:
        assert f'{shown(row["label"])} <small>{shown(row["small"])}</small>' in scale
        for c in row["cells"]:
            assert f'<rect class="bar-fill" width="{c["width"]}"' in scale
            if c["times"]:
                assert shown(c["times"]) in scale
    sft = part(html, "sft")
    before, after = results(sft)
    assert (before, after) == ([n["text"] for n in d["sft"]["before"]], [n["text"] for n in d["sft"]["after"]])
    assert sft.count('<li class="name match">') == sum(n["match"] for n in d["sft"]["before"] + d["sft"]["after"])
    assert f"<strong>{d['sft']['match_before']}</strong>" in sft and f"<strong>{d['sft']['match_after']}</strong>" in sft
    assert d["sft"]["book_size"] in sft and shown(d["sft"]["book_words"]) in sft and d["sft"]["steps"] in sft
    judges = part(html, "judges")
    j = d["judges"]
    for p in j.get("picked", []):
        assert f'<span class="name-text">{p["won"]}</span> {"胜过" if lang == "zh" else "beat"} <span class="name-text">{p["lost"]}</span>' in judges
    assert ("michelin-pick-a" in judges) == j["waiting"]
    if j["waiting"]:
        assert f'<span class="name-text">{j["pair"]["a"]}</span>' in judges and f'<span class="name-text">{j["pair"]["b"]}</span>' in judges
        assert f'name="michelin.picks" value="{j["pair"]["pick_a"]}"' in judges
        assert f'name="michelin.picks" value="{j["pair"]["pick_b"]}"' in judges
    else:
        assert shown(j["judge_words"]) in judges and all(shown(t) in judges for t in j["taste"])
        assert f"<strong>{j['mean_before']}</strong>" in judges and f"<strong>{j['mean_after']}</strong>" in judges
        assert shown(j["judge_measure"]) in judges
        assert (f'<p class="michelin-result michelin-gamed"><strong>{shown(j["gamed"])}</strong></p>' in judges) == bool(j["gamed"])
        scores = re.findall(r'<span class="name-text">([^<]+)</span> <span class="tag">[^<]* ([+−][\d.]+)</span>', judges)
        assert scores == [(shown(n["text"]), n["score"]) for n in j["before"] + j["after"]]



def test_every_language_names_large_counts_and_ratios_from_its_catalog():
    from app.web import settings
    for lang in settings.LANGS:
        for table in (michelin.COUNT_UNITS, michelin.RATIO_UNITS):
            found = michelin.units(lang, table)
            assert [u for u, _ in found] == sorted((u for u, _ in found), reverse=True) and found[-1][0] == 1
            assert all("{n}" in pattern for _, pattern in found)
    assert (michelin.big(96_600_000, "en"), michelin.big(96_600_000, "zh")) == ("96.6 million", "96,600,000")
    assert (michelin._times(357_824.2, "en"), michelin._times(357_824.2, "zh")) == ("357,824 × ours", "是小明的 35.8 万倍")
    assert (michelin._times(27.4, "en"), michelin._times(27.4, "zh")) == ("27 × ours", "是小明的 27 倍")

# --- a new recipe book -----------------------------------------------------------------

@pytest.mark.parametrize("query, rule", [
    ("book=a", lambda n: n.endswith("a")),
    ("book=start&letter=q", lambda n: n.startswith("q")),
    ("book=list&names=zed,zora,quill", lambda n: n in {"zed", "zora", "quill"}),
])
def test_sft_moves_the_dishes_toward_the_book_and_the_numbers_are_the_engines(client, query, rule):
    sft = kitchen(client, "en", query + "&sft_steps=150")["sft"]
    before, after = [n["text"] for n in sft["before"]], [n["text"] for n in sft["after"]]
    # the engine, called directly, gives the same dishes and counts
    state = michelin.MICHELIN.parse(dict(kv.split("=") for kv in (query + "&sft_steps=150").split("&")))
    book, _ = tune.book_of(state["book"], state["letter"], state["names"])
    base = checkpoint.default_params()
    tuned = tune.sft(base, book, steps=150, lr=tune.SFT_LR)
    assert before == sample(base, n=michelin.SHOW_N, temperature=0.5, seed=tune.SHOW_SEED).names
    assert after == sample(tuned, n=michelin.SHOW_N, temperature=0.5, seed=tune.SHOW_SEED).names
    m_before = sum(map(rule, sample(base, n=100, temperature=0.5, seed=tune.MEASURE_SEED).names))
    m_after = sum(map(rule, sample(tuned, n=100, temperature=0.5, seed=tune.MEASURE_SEED).names))
    assert (sft["match_before"], sft["match_after"], sft["n"]) == (m_before, m_after, 100)
    assert m_after >= m_before + 40
    assert sft["book_size"] == f"{len(book):,}" and sft["steps"] == "150"
    # the matching dishes are marked
    assert [n["match"] for n in sft["before"] + sft["after"]] == list(map(rule, before + after))


def test_a_typed_book_may_hold_fifty_names(client):
    names = [n for n in __import__("engine.data", fromlist=["x"]).load_names() if len(n) == 15][:2]
    names += [n for n in __import__("engine.data", fromlist=["x"]).load_names() if len(n) == 14][:6]
    names += [n for n in __import__("engine.data", fromlist=["x"]).load_names() if 4 <= len(n) <= 12][:42]
    assert len(names) == 50
    query = "book=list&names=" + ",".join(names)
    assert len(query) > 64 * 4, "well past the ordinary per-value limit"
    assert kitchen(client, "en", f"{query}&sft_steps=50")["sft"]["book_size"] == "50"
    r = client.get(f"/en/widget/michelin?{query}&sft_steps=50")
    assert r.status_code == 200
    assert "a book of 50 " in part(r.text, "sft")
    r = client.get(f"/en/widget/michelin?{query},anna&sft_steps=50")
    assert r.status_code == 422 and "1 to 50 names" in r.text


# --- the judges -------------------------------------------------------------------------

def test_the_reader_judges_pairs_one_at_a_time(client):
    j = kitchen(client, "en", "judge=you&picks=ab&jseed=5")["judges"]
    pairs = tune.judge_pairs(5, michelin.PAIRS_YOU)
    assert len(pairs) == michelin.PAIRS_YOU == j["n_pairs"]
    assert j["waiting"] and j["n_picked"] == 2
    assert j["pair"] == {"a": pairs[2][0], "b": pairs[2][1], "pick_a": "aba", "pick_b": "abb", "number": 3}
    # the pairs judged so far, with the winner first
    assert j["picked"] == [{"won": pairs[0][0], "lost": pairs[0][1]}, {"won": pairs[1][1], "lost": pairs[1][0]}]
    assert "before" not in j  # no tuning until every pair is judged
    html = part(client.get("/en/widget/michelin?judge=you&picks=ab&jseed=5").text, "judges")
    assert "Pair 3 of 8: which dish is better?" in html
    pick_a = html.split('id="michelin-pick-a"', 1)
    assert f'<span class="name-text">{pairs[2][0]}</span>' in pick_a[1].split("</button>", 1)[0]
    assert 'name="michelin.picks" value="aba"' in pick_a[0].rsplit("<form", 1)[1]
    assert 'name="michelin.picks" value="abb"' in html.split('id="michelin-pick-b"', 1)[0].rsplit("<form", 1)[1]
    assert "before-after" not in html


def test_after_eight_picks_the_taster_learns_them_and_rlhf_raises_its_score(client):
    pairs = tune.judge_pairs(5, michelin.PAIRS_YOU)
    # pick, every time, the shorter dish (first on a tie)
    picks = "".join("a" if len(a) <= len(b) else "b" for a, b in pairs)
    j = kitchen(client, "en", f"judge=you&picks={picks}&jseed=5&rounds=15")["judges"]
    judged = [(a, b) if p == "a" else (b, a) for (a, b), p in zip(pairs, picks)]
    taster = tune.RewardModel.fit(judged, tune.reference_names())
    assert dict(zip([f.key for f in tune.FEATURES], taster.weights))["length"] < 0
    assert any(t.startswith("dislikes long names") for t in j["taste"])
    base = checkpoint.default_params()
    tuned = tune.rlhf(base, taster, steps=15, seed=5)
    before, after = [n["text"] for n in j["before"]], [n["text"] for n in j["after"]]
    assert before == sample(base, n=10, temperature=0.5, seed=tune.SHOW_SEED).names
    assert after == [n or michelin.BELL for n in sample(tuned, n=10, temperature=0.5, seed=tune.SHOW_SEED).names]
    want = [f"{s:+.2f}".replace("-", "−") for s in taster.score(before)] + \
           [f"{s:+.2f}".replace("-", "−") for s in taster.score([n for n in sample(tuned, n=10, temperature=0.5, seed=1).names])]
    assert [n["score"] for n in j["before"] + j["after"]] == want
    mb = taster.score(sample(base, n=100, temperature=0.5, seed=tune.MEASURE_SEED).names).mean()
    ma = taster.score(sample(tuned, n=100, temperature=0.5, seed=tune.MEASURE_SEED).names).mean()
    assert ma > mb
    assert (j["mean_before"], j["mean_after"]) == (f"{mb:+.2f}".replace("-", "−"), f"{ma:+.2f}".replace("-", "−"))


@pytest.mark.parametrize("judge, first, measure", [
    ("vowel", "likes ending in a vowel", lambda n: float(n[-1:] in "aeiouy")),
    ("short", "dislikes long names", len),
])
def test_a_built_in_judge_states_its_taste_and_the_apprentice_moves_toward_it(client, judge, first, measure):
    j = kitchen(client, "en", f"judge={judge}&rounds=20&jseed=1")["judges"]
    assert j["taste"][0].startswith(first)
    res = admission.in_helper(tune.rlhf_experiment, judge, "", 1, 20)
    assert res.mean_after > res.mean_before + 0.5
    if judge == "vowel":
        assert res.judge_after > res.judge_before + 0.2
    else:
        assert res.judge_after < res.judge_before - 0.5
    before = sample(checkpoint.default_params(), n=100, temperature=0.5, seed=tune.MEASURE_SEED).names
    # the short-names judge measures dishes; an empty plate is none
    dishes = [n for n in before if n] if judge == "short" else before
    assert res.judge_before == pytest.approx(np.mean([measure(n) for n in dishes]))
    assert j["judge_measure"].startswith("The judge's own yardstick")
    assert (j["mean_before"], j["mean_after"]) == (f"{res.mean_before:+.2f}".replace("-", "−"), f"{res.mean_after:+.2f}".replace("-", "−"))
    # a light touch: no more empty plates than before, and no gaming claimed
    assert res.empty_after <= res.empty_before and j["gamed"] is None


def test_too_many_rounds_and_the_taster_is_gamed_and_the_page_says_so(client):
    j = kitchen(client, "en", "judge=short&rounds=60&jseed=1")["judges"]
    res = admission.in_helper(tune.rlhf_experiment, "short", "", 1, 60)
    assert res.empty_after > res.empty_before + 10
    assert f"But {res.empty_after} of the 100 dishes are empty plates, which no judge would call a dish" in j["gamed"]
    # the judge's own yardstick counts dishes, so it can't be fooled into praising empty plates
    assert 1 <= res.judge_after
    zh = kitchen(client, "zh", "judge=short&rounds=60&jseed=1")["judges"]
    assert f"100 道菜里有 {res.empty_after} 道是空盘子" in zh["gamed"]


def test_the_tuning_runs_in_the_training_helper_not_in_the_worker(monkeypatch):
    import os

    from app.training.helper import TRAINER

    assert TRAINER.compute(os.getpid) != os.getpid()
    seen = []
    real = TRAINER.compute

    def spy(fn, *args):
        seen.append(fn.__name__)
        return real(fn, *args)

    monkeypatch.setattr(TRAINER, "compute", spy)
    sft = admission.in_helper(tune.sft_experiment, "start", "k", (), 30)
    res = admission.in_helper(tune.rlhf_experiment, "vowel", "", 9, 5)
    assert seen == ["sft_experiment", "rlhf_experiment"]
    # what comes back is what the same computation gives in this process
    assert sft == tune.sft_experiment.__wrapped__("start", "k", (), 30)
    assert all(n.startswith("k") == m for n, m in zip(sft.after, sft.after_match))
    assert res == tune.rlhf_experiment.__wrapped__("vowel", "", 9, 5)


def test_a_field_the_chosen_book_does_not_read_never_blocks_the_page(client):
    # the letter only matters for "names starting with", the list only for "my own list"
    r = client.get("/en/widget/michelin?book=a&letter=1&names=7x")
    assert r.status_code == 200 and "widget-error" not in r.text
    assert kitchen(client, "en", "book=a&letter=1&names=7x")["sft"]["book_words"] == "names ending in a"
    assert client.get("/en/widget/michelin?book=start&letter=1").status_code == 422
    assert client.get("/en/widget/michelin?book=list&names=7x").status_code == 422
    # the content's starting state is still checked whole
    with pytest.raises(michelin.InputError):
        michelin.MICHELIN.check_args({"book": "a", "letter": "1"})


def test_the_list_help_states_the_limits_the_server_keeps(client):
    p = {x.key: x for x in michelin.MICHELIN.params}["names"]
    en = client.get("/en/widget/michelin").text
    assert f"at most {p.max_len} letters each, at most {p.max_names} names." in en
    assert f'maxlength="{p.max_raw}"' in en
    zh = client.get("/zh/widget/michelin").text
    assert f"每个最多 {p.max_len} 个字母，最多 {p.max_names} 个名字。" in zh
    fifty = ",".join(["ann"] * p.max_names)
    assert client.get("/en/widget/michelin", params={"book": "list", "names": fifty}).status_code == 200
    assert client.get("/en/widget/michelin", params={"book": "list", "names": fifty + ",bob"}).status_code == 422


def test_the_worker_keeps_no_tuning_of_its_own_the_engine_memoises_it_in_the_helper(client, monkeypatch):
    """A state a reader has seen is not kept in the worker beside the store of answers: asked
    for again, it is asked of the helper again, whose engine answers from its memo."""
    from app.training.helper import TRAINER

    r = client.get("/en/widget/michelin?book=start&letter=v&sft_steps=31")
    assert r.status_code == 200
    seen = []
    real = TRAINER.compute

    def spy(fn, *args):
        seen.append((fn.__name__, args))
        return real(fn, *args)

    monkeypatch.setattr(TRAINER, "compute", spy)
    sft = admission.in_helper(tune.sft_experiment, "start", "v", (), 31)
    assert seen == [("sft_experiment", ("start", "v", (), 31))]
    assert sft == tune.sft_experiment.__wrapped__("start", "v", (), 31)


def test_both_experiments_of_a_state_are_asked_of_the_helper_at_once(client, monkeypatch):
    """A state with a new recipe book and judges that have judged is rendered twice, not
    three times: the two experiments wait at the gate together."""
    from app.widgets import admission as adm

    renders = []
    real = adm.run_in_threadpool

    async def counting(fn, *args):
        renders.append(fn)
        return await real(fn, *args)

    monkeypatch.setattr(adm, "run_in_threadpool", counting)
    r = client.get("/en/widget/michelin?book=start&letter=y&sft_steps=14&judge=vowel&jseed=5&rounds=6")
    assert r.status_code == 200 and "widget-error" not in r.text
    assert len(renders) == 2
