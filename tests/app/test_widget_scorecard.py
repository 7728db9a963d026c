"""The diners' scorecard (chapter 4): stakes, penalties, the average and its yardsticks.

The average must be the engine's training loss for the name, the yardsticks
blind guessing and the default run's last hundred practice menus.
"""

import math
import pathlib
import re

import numpy as np
import pytest

from engine import checkpoint, inspect as inspection, model, tokenizer

from tests.app import inside_site
from tests.app.widget_checks import assert_refused, shown, submit_without_js, twin

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client():
    return inside_site.client()


def out_of(text, ns="scorecard"):
    return text.split(f'id="{ns}-out"', 1)[1].split("</section>", 1)[0]


def rows(text):
    return [(float(p), float(loss)) for p, loss in re.findall(r'<li class="score-row[^"]*" data-p="([^"]+)" data-loss="([^"]+)">', out_of(text))]


def compare(text):
    return dict((k, float(v)) for k, v in re.findall(r'<li class="compare compare-(\w+)" data-value="([^"]+)">', out_of(text)))


def test_the_content_places_the_scorecard_in_chapter_4():
    for lang in ("zh", "en"):
        text = (ROOT / "content" / lang / "chapter-4.md").read_text(encoding="utf-8")
        assert re.search(r"^::: widget scorecard\s*$", text, re.M)


@pytest.mark.parametrize("name", ["emma", "x", "bcdfghjklmnpqrs", "olivia"])
def test_the_total_is_the_engines_loss_for_the_name(client, name):
    params = checkpoint.default_params()
    loss, _ = model.loss_and_grad(params, tokenizer.encode(name))
    ins = inspection.inspect(params, name)
    d = twin(client, "scorecard", name=name)
    assert len(d["rows"]) == d["n"] == len(name) + 1
    targets = tokenizer.encode(name)[1:]
    for t, row in enumerate(d["rows"]):
        assert row["p"] == ins.probs[t, targets[t]]
        assert row["loss"] == ins.losses[t]
        assert row["loss"] == pytest.approx(-math.log(row["p"]), rel=1e-12)
        assert row["points"] == f"{ins.losses[t]:.2f}"
    c = {item["key"]: item["value"] for item in d["compare"]}
    assert c["this"] == pytest.approx(loss, abs=1e-12) and c["this"] == ins.loss == d["total"]
    assert np.mean([row["loss"] for row in d["rows"]]) == pytest.approx(loss, abs=1e-12)
    assert c["blind"] == math.log(27) == d["blind"]
    assert c["typical"] == pytest.approx(np.mean(checkpoint.default_log()[900:1000]), abs=1e-12)
    assert f"the average penalty is {loss:.2f} points" in d["summary"]
    assert d["total_points"] == f"{loss:.2f}"
    assert [item["points"] for item in d["compare"] if item["key"] == "blind"] == ["3.30"]
    # the sharpest sting is marked
    worst = int(np.argmax(ins.losses))
    assert [row["worst"] for row in d["rows"]] == [t == worst for t in range(len(d["rows"]))]
    verdict = "worse than guessing blind" if loss > math.log(27) else ("Better than guessing blind" if loss > c["typical"] else "Better than Xiao Ming's usual score")
    assert verdict in d["verdict"]


def test_the_chapter_text_about_emma_holds(client):
    """Chapter 4 says the sharpest sting for "emma" comes at the second m."""
    ins = inspection.inspect(checkpoint.default_params(), "emma")
    assert int(np.argmax(ins.losses)) == 2  # after the first m, the true next course is the second m
    assert twin(client, "scorecard", name="emma")["sting"].startswith("The sharpest sting: after ‘m’, the real next course was ‘m’")


@pytest.mark.parametrize("name", ["emma", "x", "olivia"])
def test_the_scorecard_shows_what_its_twin_computes(client, name):
    for lang in ("zh", "en"):
        d = twin(client, "scorecard", lang, name=name)
        r = client.get(f"/{lang}/widget/scorecard?name={name}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert rows(r.text) == [(row["p"], row["loss"]) for row in d["rows"]]
        drawn = re.findall(r'<li class="score-row( worst)?"[^>]*>\s*<span class="score-what">([^<]*) → <strong>([^<]*)</strong></span>'
                           r'.*?<rect width="([^"]+)" height="1"/></svg><span class="num">[^<\d]*([^<]+)</span>'
                           r'.*?<rect width="([^"]+)" height="1"/></svg><span class="num">[^<\d]*([\d.]+)', out, re.S)
        assert drawn == [(" worst" if row["worst"] else "", shown(row["after"]), shown(row["target"]), str(row["stake_bar"]),
                          shown(row["pct"]), str(row["bar"]), row["points"]) for row in d["rows"]]
        assert out.count("▲") == 1
        assert compare(r.text) == {item["key"]: item["value"] for item in d["compare"]}
        for item in d["compare"]:
            assert f'<span class="compare-label">{shown(item["label"])}</span>' in out
            assert f'<rect width="{item["bar"]}" height="1"/></svg><span class="num">{item["points"]}' in out
        assert f'<p class="inside-summary">{shown(d["summary"])}</p>' in out
        assert f'<p class="score-sting">{shown(d["sting"])}</p>' in out
        assert f'<p class="score-verdict">{shown(d["verdict"])}' in out
        table = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", out)
        assert table == [(shown(row["after"]), shown(row["target"]), shown(row["pct"]), row["points"]) for row in d["rows"]]
        assert f"{d['n']}" in out.split("<tfoot>", 1)[1] and f"<td>{d['total_points']}</td></tr></tfoot>" in out


def test_fragment_in_both_languages_and_the_chapter_page(client):
    zh = client.get("/zh/widget/scorecard?name=olivia")
    en = client.get("/en/chapter/4?scorecard.name=olivia&utm=mail")
    assert zh.status_code == 200 and en.status_code == 200
    assert zh.text.lstrip().startswith('<section class="widget widget-scorecard inside" id="w-scorecard"')
    loss = inspection.inspect(checkpoint.default_params(), "olivia").loss
    summary = twin(client, "scorecard", "zh", name="olivia")["summary"]
    assert summary == f"“olivia”一共评了 7 次，平均扣 {loss:.2f} 分。" and summary in zh.text and "闭眼瞎猜" in zh.text
    assert zh.text.count("损失 loss") == 1
    form = en.text.split('id="w-scorecard"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/en/chapter/4#w-scorecard"' in form
    assert '<input type="hidden" name="keep" value="scorecard">' in form and 'name="utm"' not in form
    pairs, _ = submit_without_js(client, "/en/chapter/4?scorecard.name=olivia&utm=mail", form)
    assert ("utm", "mail") in pairs and ("scorecard.name", "olivia") in pairs
    assert 'name="scorecard.name" value="olivia"' in form
    assert "<table>" in out_of(en.text) and "Penalty points" in en.text


def test_htmx_request_replaces_the_address(client):
    r = client.get(
        "/en/widget/scorecard?scorecard.name=ZOE",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/4"},
    )
    assert r.status_code == 200
    assert r.headers["HX-Replace-Url"] == "/en/chapter/4?scorecard.name=zoe"
    assert client.get("/api/widget/scorecard?scorecard.name=ZOE").json()["state"] == {"name": "zoe"}


@pytest.mark.parametrize(
    "query, zh, en",
    [
        ("name=zo%C3%AB", "名字只能用字母 a–z", "The name may use only the letters a–z"),
        ("name=", "名字不能是空的", "The name is empty"),
        ("name=" + "c" * 40, "最多 15 个", "at most 15"),
    ],
)
def test_bad_state_is_a_422(client, query, zh, en):
    assert_refused(client, "scorecard", 4, query, zh, en)
