"""scorecard in a real browser: typing a name rescoring it course by course."""

from playwright.sync_api import expect

from engine import checkpoint, model, tokenizer
from tests.browser.helpers import query, ready


def test_typing_a_name_rescores_it(kpage, server):
    params = checkpoint.default_params()
    kpage.goto(server + "/en/chapter/4")
    ready(kpage)
    rows = kpage.locator("#scorecard-out li.score-row")
    expect(rows).to_have_count(5)
    total = kpage.locator("#scorecard-out li.compare-this")
    emma = model.loss_and_grad(params, tokenizer.encode("emma"))[0]
    assert float(total.get_attribute("data-value")) == emma

    kpage.locator("#scorecard-name").fill("bcdfghjk")
    expect(rows).to_have_count(9)
    nonsense = model.loss_and_grad(params, tokenizer.encode("bcdfghjk"))[0]
    expect(total).to_have_attribute("data-value", repr(nonsense))
    expect(total.locator(".num")).to_have_text(f"{nonsense:.2f}")
    # a string of consonants is worse than guessing blind, as chapter 4 says
    assert nonsense > float(kpage.locator("#scorecard-out li.compare-blind").get_attribute("data-value"))
    expect(kpage.locator("#scorecard-out .score-verdict")).to_contain_text("worse than guessing blind")
    widths = rows.locator("svg.pen rect").evaluate_all("els => els.map(e => Number(e.getAttribute('width')))")
    assert len(widths) == 9 and max(widths) > 0
    assert query(kpage)["scorecard.name"] == "bcdfghjk"
    assert kpage.watch.problems == [], kpage.watch.problems
