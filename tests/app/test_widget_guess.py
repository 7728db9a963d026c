"""The guessing game (chapter 4): the whole game in the address, scored like the scorecard.

A game's score must be the sum of the scorecard's per-course penalties for the
reader's stakes, and Xiao Ming's the scorecard's own penalties for the name.
"""

import html
import math
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, game, inspect as inspection
from engine.tokenizer import encode

from tests.app.stories import story_client
from tests.app.widget_checks import assert_refused, shown, twin

ROOT = pathlib.Path(__file__).resolve().parents[2]

CHAPTER_4 = """---
title: {title}
summary: {title}
---

## {title}

::: widget scorecard

::: widget guess

::: summary
{one}
:::
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    chapters = {(lang, "chapter-4"): CHAPTER_4.format(title=title, one=one)
                for lang, title, one in (("zh", "评分", "一句话：评分。"), ("en", "Score", "In one sentence: score."))}
    with story_client(tmp_path_factory.mktemp("story-guess"), chapters) as c:
        yield c


def out_of(text, ns="guess"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def rows(text):
    return [(float(y), float(x)) for y, x in re.findall(r'<li class="guess-row[^"]*" data-you="([^"]+)" data-xm="([^"]+)">', text)]


def test_the_content_places_the_game_next_to_the_scorecard():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-4.md").read_text(encoding="utf-8")
        widgets = re.findall(r"^::: widget (\S+)", text, re.M)
        assert widgets[widgets.index("scorecard") + 1] == "guess"


@pytest.mark.parametrize("name,bets", [
    ("emma", "e-m-mai-a-."),
    ("olivia", "o-ae-i"),
    ("x", "abc-."),
])
def test_a_games_score_is_the_sum_of_the_scorecards_per_course_scores(client, name, bets):
    d = twin(client, "guess", name=name, bets=bets)
    targets = encode(name)[1:]
    stakes = [[26 if ch == "." else ord(ch) - 97 for ch in part] for part in bets.split("-")]
    want_you = [inspection.penalty(game.stake(s)[None], [targets[i]])[0] for i, s in enumerate(stakes)]
    card_losses = [row["loss"] for row in twin(client, "scorecard", name=name)["rows"]]
    assert [row["you"] for row in d["rows"]] == want_you
    assert [row["xm"] for row in d["rows"]] == card_losses[: len(stakes)]
    assert [row["you_pts"] for row in d["rows"]] == [f"{y:.2f}" for y in want_you]
    assert d["you_sum"] == pytest.approx(sum(want_you), abs=1e-12)
    assert d["xm_sum"] == pytest.approx(sum(card_losses[: len(stakes)]), abs=1e-12)
    assert (d["you_total"], d["xm_total"]) == (f"{sum(want_you):.2f}", f"{sum(card_losses[: len(stakes)]):.2f}")
    probs = inspection.inspect(checkpoint.default_params(), name).probs
    assert [row["xm_top"] for row in d["rows"]] == [
        ("🛎️ the bell" if int(np.argmax(probs[i])) == 26 else f"‘{chr(97 + int(np.argmax(probs[i])))}’") for i in range(len(stakes))]
    assert [row["winner"] for row in d["rows"]] == ["you" if y < x else "xm" if x < y else "tie"
                                                    for y, x in zip(want_you, card_losses)]


@pytest.mark.parametrize("query", ["name=emma&bets=e-m-mai-a-.", "name=olivia&bets=o-ae-i", "seed=5&bets=a-e", "", "seed=3"])
def test_the_game_shows_what_its_twin_computes(client, query):
    for lang in ("zh", "en"):
        d = twin(client, "guess", lang, dict(parse_qsl(query)))
        r = client.get(f"/{lang}/widget/guess?{query}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert rows(out) == [(row["you"], row["xm"]) for row in d["rows"]]
        for row in d["rows"]:
            what = f'<span class="guess-what">{row["n"]}. {shown(row["after"])} → <strong>{shown(row["came"])}</strong></span>'
            assert what in out
            assert f'{shown(row["bet"])}{"：" if lang == "zh" else ": "}{row["you_pct"]} · <strong>−{row["you_pts"]}</strong>' in out
            assert f'{shown(row["xm_top"])}{"）：" if lang == "zh" else "): "}{row["xm_pct"]} · <strong>−{row["xm_pts"]}</strong>' in out
        assert f'<p class="guess-menu">{shown(d["menu"])}</p>' in out
        assert (f'<p class="guess-news">{shown(d["news"])}</p>' in out) == bool(d["news"])
        if d["k"]:
            assert f'data-you="{d["you_sum"]}" data-xm="{d["xm_sum"]}"' in out
            assert f'<strong>{d["you_total"]}</strong>' in out and f'<strong>{d["xm_total"]}</strong>' in out
        assert f"<p>{shown(d['rule'])}</p>" in out
        if d["done"]:
            assert f'<p class="guess-verdict">{shown(d["verdict"])}</p>' in out
            assert f'{shown(d["share"])}</p>' in out and f"{shown(d['blind_line'])}" in out
            assert dict(re.findall(r'<li class="compare compare-(\w+)" data-value="([^"]+)"', out)) == \
                {c["key"]: str(c["value"]) for c in d["compare"]}
            assert 'data-bet="a"' not in out
        else:
            assert f"<strong>{shown(d['turn'])}</strong>" in out
            keys = re.findall(r'id="guess-bet-(\w+)" data-bet="\w+" aria-label="([^"]+)" href="([^"]+)"', out)
            assert [(k, html.unescape(a)) for k, a, _ in keys] == [(key["id"], key["aria"]) for key in d["pad"]]
            assert [dict(parse_qsl(urlsplit(html.unescape(h)).query))["guess.bets"] for _, _, h in keys] == [key["bets"] for key in d["pad"]]


def test_a_finished_game_is_a_link_to_share_and_compares_with_guessing_blind(client):
    bets = "e-m-mai-a-."
    d = twin(client, "guess", name="emma", bets=bets)
    you = [row["you"] for row in d["rows"]]
    xm = inspection.inspect(checkpoint.default_params(), "emma").loss
    assert d["done"] and d["share"] == f"I beat the kitchen on “emma”: {np.mean(you):.2f} points a course against Xiao Ming's {xm:.2f}."
    assert d["blind_line"] == f"Guessing blind (one share in 27 on every course) loses {math.log(27):.2f} points a course."
    compare = {c["key"]: c["value"] for c in d["compare"]}
    assert compare["blind"] == math.log(27)
    assert compare["you"] == pytest.approx(np.mean(you), abs=1e-12)
    assert compare["xm"] == pytest.approx(xm, abs=1e-12)
    r = client.get(f"/en/chapter/4?guess.name=emma&guess.bets={bets}")
    assert r.status_code == 200
    out = out_of(r.text)
    share = html.unescape(re.search(r'<a id="guess-share" href="([^"]+)"', out).group(1))
    assert share == f"/en/chapter/4?keep=guess&guess.seed=1&guess.name=emma&guess.bets={bets}#w-guess"
    # a friend who opens it (no Referer) lands on the game's own address
    sent = client.get(share.split("#")[0], follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/en/chapter/4?guess.seed=1&guess.name=emma&guess.bets={bets}"
    again = client.get(sent.headers["location"])
    assert again.status_code == 200 and "I beat the kitchen on" in again.text
    # no keypad once the menu is over, and a bet after the end is refused
    assert 'data-bet="a"' not in out
    assert client.get(f"/en/widget/guess?name=emma&bets={bets}&bet=a").status_code == 422


def test_a_menu_from_the_book_stays_hidden_until_it_is_over(client):
    name = game.book_name(5)
    n = len(name) + 1
    bets = "-".join(["a"] * (n - 1))
    answer = client.get(f"/api/widget/guess?seed=5&bets={bets}")
    served = name  # every letter is on the table; only the closing bell is to come
    assert f"on the table 🛎️ {' '.join(served)}." in answer.json()["data"]["turn"]
    assert f"“{name}”" not in answer.text and f'"{name}"' not in answer.text
    r = client.get(f"/en/widget/guess?seed=5&bets={bets}")
    assert r.status_code == 200 and f"“{name}”" not in html.unescape(r.text)
    done = twin(client, "guess", seed="5", bets=bets + "-.")
    assert done["done"] and f"“{name}”" in done["verdict"]
    assert f"“{name}”" in html.unescape(client.get(f"/en/widget/guess?seed=5&bets={bets}-.").text)


def test_a_key_is_a_link_that_adds_one_bet(client):
    r = client.get("/zh/chapter/4?guess.seed=3&guess.bets=a-bc&utm=x")
    out = out_of(r.text)
    keys = re.findall(r'<a class="guess-key[^"]*" id="guess-bet-(\w+)" data-bet="\w+" aria-label="([^"]+)" href="([^"]+)"', out)
    assert len(keys) == 27
    for which, label, href in keys:
        char = "." if which == "bell" else which
        assert html.unescape(href) == f"/zh/chapter/4?keep=guess&guess.seed=3&guess.name=&guess.bets=a-bc-{char}#w-guess"
        assert label.startswith("押")
    # followed without JavaScript from the page, the key keeps the page's other state
    sent = client.get(html.unescape(keys[0][2]).split("#")[0], follow_redirects=False,
                      headers={"Referer": "http://testserver/zh/chapter/4?guess.seed=3&guess.bets=a-bc&utm=x"})
    assert sent.headers["location"] == f"/zh/chapter/4?utm=x&guess.seed=3&guess.name=&guess.bets=a-bc-{keys[0][0]}"
    # the form's bet is folded into the bets, and the address keeps only the bets
    a = client.get("/en/widget/guess?seed=3&bets=a-bc&bet=d, e")
    b = client.get("/en/widget/guess?seed=3&bets=a-bc-de")
    assert a.status_code == b.status_code == 200 and out_of(a.text) == out_of(b.text)
    r = client.get("/en/widget/guess?guess.seed=3&guess.bets=a-bc&guess.bet=.",
                   headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/4?utm=x"})
    assert r.headers["HX-Replace-Url"] == "/en/chapter/4?utm=x&guess.seed=3&guess.name=&guess.bets=a-bc-."


def test_the_rules_are_the_engines(client):
    rules = game.rules()
    en = twin(client, "guess")["rule"]
    zh = twin(client, "guess", "zh")["rule"]
    assert f"a miss costs {rules['miss']:.2f} points" in en and f"押错了也只扣 {rules['miss']:.2f} 分" in zh
    for k in (1, 2, 3):
        assert f"{rules['hit'][k]:.2f}" in en and f"{rules['hit'][k]:.2f}" in zh
    assert f"({rules['pinch'] * 100:.2f}% each)" in en


def test_both_languages_and_the_embed(client):
    for lang, title in (("zh", "和小明比一比"), ("en", "Beat the kitchen")):
        r = client.get(f"/{lang}/widget/guess?name=anna&bets=a-n")
        assert r.status_code == 200 and title in r.text
        e = client.get(f"/embed/{lang}/guess?name=anna&bets=a-n")
        assert e.status_code == 200 and 'id="w-guess"' in e.text and 'data-bet="a"' in e.text
        assert 'action="/embed/' in e.text


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("bets=aa", "“aa”里的“a”出现了两次", "“a” appears twice in “aa”"),
        ("bet=..", "“..”里的“铃”出现了两次", "the bell appears twice in “..”"),
        ("name=emma&bets=a-b-c-d-e-f", "地址里有 6 次押注，可这套菜只有 5 道", "The address holds 6 bets, but this menu has only 5 courses"),
        ("bets=a1", "押注只能用字母 a–z", "A bet may use only the letters a–z"),
        ("bet=é", "押注只能用字母 a–z", "A bet may use only the letters a–z"),
        ("bet=abcd", "一次最多押 3 道菜", "A bet names at most 3 courses"),
        ("bets=a--b", "地址里的押注有一道是空的", "The bets in the address skip a course"),
        ("name=emma&bets=a-b-c-d-e&bet=f", "这套菜已经上完了", "This menu is over"),
        ("name=em-ma", "你自己的菜单（名字）只能用字母 a–z", "may use only the letters a–z"),
        ("seed=-3", "桌号（随机种子）要是 0 到", "The table (seed) must be a whole number from 0 to"),
    ],
)
def test_bad_state_is_a_422(client, query, zh, en):
    assert_refused(client, "guess", 4, query, zh, en)


def test_the_json_twin_scores_the_same_and_keeps_the_menu_hidden(client):
    name = game.book_name(5)
    r = client.get("/api/widget/guess?seed=5&bets=a-e")
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == {"seed": "5", "name": "", "bets": "a-e"}
    g = game.play(checkpoint.default_params(), [[0], [4]], seed=5)
    assert [row["you"] for row in body["data"]["rows"]] == list(g.reader)
    assert [row["xm"] for row in body["data"]["rows"]] == list(g.model)
    assert body["data"]["name"] == "" and f'"{name}"' not in r.text
    bad = client.get("/api/widget/guess?name=emma&bets=a-b-c-d-e-f&lang=zh")
    assert bad.status_code == 422 and "这套菜只有 5 道" in bad.text


@pytest.mark.parametrize("lang, back", [("zh", "回到这一局"), ("en", "Back to this game")])
def test_a_mistyped_bet_keeps_the_game_it_was_typed_into(client, lang, back):
    """A bet typed wrong (the same course twice) is refused, and the message offers the way
    back to the game as it stood: the menu and the bets so far are not lost."""
    r = client.get(f"/{lang}/widget/guess", params={"guess.name": "emma", "guess.bets": "e-m", "guess.bet": "ee"})
    assert r.status_code == 422
    out = out_of(r.text)
    link = re.search(r'<a [^>]*id="guess-back"[^>]*>([^<]*)</a>', out)
    assert link and link.group(1).strip() == back, out
    href = html.unescape(re.search(r'href="([^"]*)"', link.group(0)).group(1))
    assert "guess.name=emma" in href and "guess.bets=e-m#" in href and "guess.bet=" not in href
    resumed = client.get(f"/{lang}/widget/guess", params={"guess.name": "emma", "guess.bets": "e-m"})
    assert resumed.status_code == 200 and 'id="guess-keys"' in resumed.text
    # a broken address has no game to go back to
    broken = client.get(f"/{lang}/widget/guess", params={"guess.name": "emma", "guess.bets": "e-m-m-a-.-a"})
    assert broken.status_code == 422 and 'id="guess-back"' not in broken.text
