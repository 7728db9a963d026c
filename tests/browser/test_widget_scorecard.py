"""scorecard in a real browser: typing a name rescoring it course by course."""

from playwright.sync_api import expect

from tests.browser.helpers import query, ready, twin


def test_typing_a_name_rescores_it(kpage, server):
    kpage.goto(server + "/en/chapter/4")
    ready(kpage)
    answers = []
    kpage.on("response", lambda r: answers.append(r) if "/en/widget/scorecard" in r.url else None)
    rows = kpage.locator("#scorecard-out li.score-row")
    expect(rows).to_have_count(5)
    total = kpage.locator("#scorecard-out li.compare-this")
    assert float(total.get_attribute("data-value")) == twin(server, "scorecard", name="emma")["total"]

    kpage.locator("#scorecard-name").fill("bcdfghjk")
    expect(rows).to_have_count(9)
    card = twin(server, "scorecard", name="bcdfghjk")
    nonsense = card["total"]
    expect(total).to_have_attribute("data-value", repr(nonsense))
    expect(total.locator(".num")).to_have_text(card["total_points"])
    # a string of consonants is worse than guessing blind, as chapter 4 says
    assert nonsense > float(kpage.locator("#scorecard-out li.compare-blind").get_attribute("data-value"))
    expect(kpage.locator("#scorecard-out .score-verdict")).to_contain_text("worse than guessing blind")
    widths = rows.locator("svg.pen rect").evaluate_all("els => els.map(e => Number(e.getAttribute('width')))")
    assert len(widths) == 9 and max(widths) > 0
    assert query(kpage)["scorecard.name"] == "bcdfghjk"
    # htmx named the output it swaps, so it was sent that and the embed snippet, not the form again
    assert answers and all("<form" not in a.text() and 'id="scorecard-out"' in a.text() for a in answers)
    assert kpage.watch.problems == [], kpage.watch.problems
