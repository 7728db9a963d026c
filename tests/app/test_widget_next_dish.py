"""The vote at the pass (chapter 3): sorted bars, the knob, walking a name forward, errors.

Every bar must be the engine's ``next_vote`` for that beginning and temperature.
"""

import html as html_mod
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from engine import checkpoint, inspect as inspection
from engine.tokenizer import BOS, token_label

from tests.app import inside_site
from tests.app.widget_checks import assert_refused, shown, twin

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    return inside_site.client()


def out_of(text, ns="next-dish"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def votes(text, ns="next-dish"):
    """(token, share, printed percent) per bar, in the order drawn."""
    rows = re.findall(r'<li class="vote[^"]*" data-tok="(\d+)" data-p="([^"]+)">.*?<span class="vote-pct">([^< ]+)', out_of(text, ns), re.S)
    return [(int(t), float(p), pct) for t, p, pct in rows]


def vote(client, lang="en", **query):
    """The vote for a state, from its twin: every row, the top ten and the rest."""
    d = twin(client, "next-dish", lang, **query)
    return d, d["rows"] + d["rest"]


def go_links(text, ns="next-dish"):
    return {int(t): html_mod.unescape(href) for t, href in re.findall(rf'id="{ns}-go-(\d+)" href="([^"]+)"', out_of(text, ns))}


def test_the_content_places_the_vote_in_chapter_3():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-3.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget next-dish\s*$", text, re.M)


@pytest.mark.parametrize("prefix, t", [("emm", 1), ("", 1), ("", 0.3), ("emm", 0), ("q", 5), ("abcdefghijklmno", 2)])
def test_the_bars_are_the_engines_vote(client, prefix, t):
    probs = inspection.next_vote(checkpoint.default_params(), prefix, t)
    d, got = vote(client, prefix=prefix, t=str(t))
    assert len(got) == 27 and sorted(r["tok"] for r in got) == list(range(27))
    assert [r["rank"] for r in got] == list(range(1, 28)) and d["rest_start"] == len(d["rows"]) + 1
    shares = [r["p"] for r in got]
    assert shares == sorted(shares, reverse=True)
    for r in got:
        assert r["p"] == probs[r["tok"]]
        assert r["label"] == token_label(r["tok"]) and r["is_bell"] == (r["tok"] == BOS)
        if r["p"] >= 0.0005:
            assert r["pct"] == f"{r['p'] * 100:.1f}%"
        # a letter walks the name one course further while there is room; the bell ends it
        assert r["next"] == (None if r["tok"] == BOS or len(prefix) == 15 else prefix + r["label"])
    assert sum(shares) == pytest.approx(1.0, abs=1e-12)
    if t == 0:
        assert [r["pct"] for r in got].count("100.0%") == 1 and [r["pct"] for r in got][1:] == ["0%"] * 26


@pytest.mark.parametrize("query", ["prefix=emm&t=1", "prefix=&t=0.3", "prefix=abcdefghijklmno&t=2", "prefix=q&t=0"])
def test_the_vote_shows_what_its_twin_computes(client, query):
    for lang in ("zh", "en"):
        d, rows = vote(client, lang, **dict(parse_qsl(query, keep_blank_values=True)))
        r = client.get(f"/{lang}/widget/next-dish?{query}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert votes(r.text) == [(row["tok"], row["p"], shown(row["pct"])) for row in rows]
        assert [html_mod.unescape(c) for c in re.findall(r'<span class="course-chip">([^<]*)</span>', out)] == d["so_far"]
        assert f'<p class="inside-summary">{shown(d["summary"])}</p>' in out
        assert f'<p class="inside-legend">{shown(d["hint"])}</p>' in out
        assert f'aria-label="{shown(d["votes_label"])}"' in out
        assert (f"<summary>{shown(d['rest_title'])}</summary>" in out) == bool(d["rest"])
        links = go_links(r.text)
        assert {tok: dict(parse_qsl(urlsplit(href).query, keep_blank_values=True))["next-dish.prefix"]
                for tok, href in links.items()} == {row["tok"]: row["next"] for row in rows if row["next"]}
        for row in rows:
            if row["next"]:
                assert f'aria-label="{shown(row["go_label"])}">{row["label"]}</a>' in out
            assert f'<rect width="{row["bar"]}" height="1"/>' in out


def test_the_json_vote_is_next_vote(client):
    for prefix, t in (("emm", 1.0), ("", 0.5), ("zz", 0.0), ("olivi", 3.0)):
        r = client.get("/api/next", params={"prefix": prefix, "temperature": t})
        assert r.status_code == 200
        body = r.json()
        want = inspection.next_vote(checkpoint.default_params(), prefix, t)
        assert len(body["probs"]) == 27 and body["probs"] == want.tolist()
        assert body["labels"][BOS] == token_label(BOS) and body["labels"][:26] == list("abcdefghijklmnopqrstuvwxyz")
        assert body["prefix"] == prefix and body["temperature"] == t


@pytest.mark.parametrize("query, loc", [("prefix=e1", "prefix"), ("prefix=" + "a" * 16, "prefix"), ("temperature=nan", "temperature"),
                                        ("temperature=-1", "temperature"), ("temperature=5.1", "temperature"), ("temperature=inf", "temperature")])
def test_the_json_vote_refuses_bad_input_with_a_422(client, query, loc):
    r = client.get("/api/next?" + query)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", loc]


def test_each_letter_walks_the_name_one_course_further(client):
    r = client.get("/zh/chapter/3?next-dish.prefix=emm&next-dish.t=0.7&sous-chefs.pos=2")
    links = go_links(r.text)
    assert set(links) == set(range(26))  # every letter, never the bell
    url = urlsplit(links[0])
    assert url.path == "/zh/chapter/3" and url.fragment == "w-next-dish"
    assert parse_qsl(url.query) == [("keep", "next-dish"), ("next-dish.prefix", "emma"), ("next-dish.t", "0.7")]
    # the same link for htmx: the fragment with the next state
    a = re.search(r'id="next-dish-go-0" [^>]*>', out_of(r.text)).group(0)
    assert 'data-hx-get="/zh/widget/next-dish"' in a
    assert "data-hx-vals='{\"next-dish.prefix\": \"emma\", \"next-dish.t\": \"0.7\"}'" in a
    # one course back, and back to the bell
    back = html_mod.unescape(re.search(r'id="next-dish-back" href="([^"]+)"', r.text).group(1))
    assert ("next-dish.prefix", "em") in parse_qsl(urlsplit(back).query)
    again = html_mod.unescape(re.search(r'id="next-dish-restart" href="([^"]+)"', r.text).group(1))
    assert ("next-dish.prefix", "") in parse_qsl(urlsplit(again).query, keep_blank_values=True)
    # following a link shows the vote after the longer beginning
    # following a link without JavaScript keeps the other widgets' state (from the page it was on)
    sent = client.get(links[0].split("#")[0], follow_redirects=False,
                      headers={"Referer": "http://testserver/zh/chapter/3?next-dish.prefix=emm&next-dish.t=0.7&sous-chefs.pos=2"})
    assert sent.status_code == 303
    assert parse_qsl(urlsplit(sent.headers["location"]).query) == [
        ("sous-chefs.pos", "2"), ("next-dish.prefix", "emma"), ("next-dish.t", "0.7")]
    nxt = client.get(sent.headers["location"])
    d, rows = vote(client, "zh", prefix="emma", t="0.7")
    assert rows[0]["p"] == max(inspection.next_vote(checkpoint.default_params(), "emma", 0.7))
    assert votes(nxt.text) == [(row["tok"], row["p"], shown(row["pct"])) for row in rows]
    assert d["so_far"] == ["🛎️", "e", "m", "m", "a"] and d["back"] == "emm"
    assert "已经上了：" in nxt.text and out_of(nxt.text).count('<span class="course-chip">') == 5


def test_a_full_menu_has_no_more_room(client):
    d, rows = vote(client, prefix="abcdefghijklmno", t="1")
    assert not d["room"] and all(row["next"] is None for row in rows)
    assert "This menu already has 15 courses" in d["hint"]
    r = client.get("/en/widget/next-dish?prefix=abcdefghijklmno&t=1")
    assert go_links(r.text) == {}
    assert shown(d["hint"]) in r.text


def test_the_second_vote_keeps_its_own_state(client):
    r = client.get("/en/chapter/3")
    probs = inspection.next_vote(checkpoint.default_params(), "ann", 0.5)
    _, rows = vote(client, prefix="ann", t="0.5")
    assert rows[0]["tok"] == int(np.argmax(probs)) and all(row["p"] == probs[row["tok"]] for row in rows)
    assert votes(r.text, "next-dish-2") == [(row["tok"], row["p"], shown(row["pct"])) for row in rows]
    r = client.get(
        "/en/widget/next-dish?ns=next-dish-2&next-dish-2.prefix=jo",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/3?next-dish.prefix=k"},
    )
    assert r.headers["HX-Replace-Url"] == "/en/chapter/3?next-dish.prefix=k&next-dish-2.prefix=jo&next-dish-2.t=0.5"
    assert 'data-hx-get="/en/widget/next-dish?ns=next-dish-2"' in r.text


def test_fragment_in_both_languages(client):
    zh = client.get("/zh/widget/next-dish")
    en = client.get("/en/widget/next-dish")
    for r in (zh, en):
        assert r.status_code == 200
        assert r.text.lstrip().startswith('<section class="widget widget-next-dish inside" id="w-next-dish"')
    probs = inspection.next_vote(checkpoint.default_params(), "emm", 1)
    top = int(np.argmax(probs))
    assert vote(client, "zh")[0]["summary"] == f"“e m m”之后，冒险程度 1：票数最多的是“{token_label(top)}”（{probs[top] * 100:.1f}%）。"
    assert vote(client, "en")[0]["summary"] == \
        f"After “e m m”, at adventurousness 1, the favourite is ‘{token_label(top)}’ ({probs[top] * 100:.1f}%)."
    assert zh.text.count("temperature") == 1 and "冒险旋钮" in zh.text
    assert 'type="range" id="next-dish-t" name="next-dish.t" min="0" max="5"' in en.text


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("prefix=em!", "开头只能用字母 a–z", "The beginning may use only the letters a–z"),
        ("prefix=" + "b" * 16, "最多 15 个", "at most 15"),
        ("t=5.5", "冒险程度（温度）要是 0 到 5 之间的数。", "The adventurousness (temperature) must be a number from 0 to 5."),
        ("t=nan", "0 到 5", "from 0 to 5"),
        ("t=-0.1", "0 到 5", "from 0 to 5"),
    ],
)
def test_bad_state_is_a_422(client, query, zh, en):
    assert_refused(client, "next-dish", 3, query, zh, en)


def test_the_chapter_text_about_emm_holds(client):
    """Chapter 3 says: after "e m m", i and a are neck and neck, e close behind, q hardly a chance."""
    probs = inspection.next_vote(checkpoint.default_params(), "emm", 1.0)
    order = [token_label(int(i)) for i in np.argsort(-probs)]
    assert order[:3] == ["i", "a", "e"]
    assert probs[8] - probs[0] < 0.05 and probs[16] < 0.005
    assert [row["label"] for row in vote(client, prefix="emm", t="1")[1]][:3] == ["i", "a", "e"]
