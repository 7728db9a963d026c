"""next-dish in a real browser: typing a beginning, walking a name forward, turning the knob."""

from playwright.sync_api import expect

from tests.browser.helpers import query, ready, twin


def bars(page, ns="next-dish"):
    """(token, share) per bar as drawn, in order."""
    return page.locator(f"#{ns}-out li.vote").evaluate_all(
        "els => els.map(e => [Number(e.dataset.tok), Number(e.dataset.p)])"
    )


def the_vote(server, **state):
    """(token, share) per bar, most votes first, for a state: from the twin."""
    d = twin(server, "next-dish", **state)
    return [[r["tok"], r["p"]] for r in d["rows"] + d["rest"]]


def test_typing_walking_and_the_knob_redraw_the_vote(kpage, server):
    kpage.goto(server + "/en/chapter/3")
    ready(kpage)
    got = bars(kpage)
    assert len(got) == 27 and got == the_vote(server, prefix="emm", t="1")

    kpage.locator("#next-dish-prefix").fill("jo")
    summary = kpage.locator("#next-dish-out .inside-summary")
    expect(summary).to_contain_text("After “j o”")
    want = the_vote(server, prefix="jo", t="1")
    assert bars(kpage) == want

    # walk forward: the favourite's letter serves it
    fav = chr(ord("a") + want[0][0])
    kpage.locator(f"#next-dish-go-{want[0][0]}").click()
    expect(kpage.locator("#next-dish-prefix")).to_have_value("jo" + fav)
    expect(kpage.locator("#next-dish-out .so-far .course-chip")).to_have_count(4)
    assert bars(kpage) == the_vote(server, prefix="jo" + fav, t="1")
    assert query(kpage)["next-dish.prefix"] == "jo" + fav

    # the knob at 0, from the keyboard: all on the favourite
    kpage.locator("#next-dish-t").focus()
    kpage.keyboard.press("Home")
    expect(kpage.locator("#next-dish-out li.vote").first.locator(".vote-pct")).to_contain_text("100.0%")
    assert [p for _, p in bars(kpage)] == [1.0] + [0.0] * 26
    assert query(kpage)["next-dish.t"] == "0"
    # one course back
    kpage.locator("#next-dish-back").click()
    expect(kpage.locator("#next-dish-prefix")).to_have_value("jo")
    assert kpage.watch.problems == [], kpage.watch.problems


def test_without_javascript_a_letter_is_a_link(nojs_page, server):
    nojs_page.goto(server + "/zh/chapter/3?next-dish.prefix=ann")
    nojs_page.locator("#next-dish-go-0").click()
    nojs_page.wait_for_url("**next-dish.prefix=anna**")
    expect(nojs_page.locator("#next-dish-prefix")).to_have_value("anna")
    expect(nojs_page.locator("#next-dish-out .inside-summary")).to_contain_text("“a n n a”之后")
    assert nojs_page.watch.problems == [], nojs_page.watch.problems
