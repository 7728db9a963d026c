"""prep-room in a real browser: another course and another name redraw the 64 hands."""

from playwright.sync_api import expect

from tests.browser.helpers import query, ready, twin


def drawn(page):
    """Indices of the hands drawn as let through, and how many were drawn as poured away."""
    grid = page.locator("#w-prep-room svg.prep-grid")
    kinds = grid.locator(".hand").evaluate_all("els => els.map(e => e.classList.contains('pass'))")
    assert len(kinds) == 64
    return [i for i, k in enumerate(kinds) if k], kinds.count(False)


def passing(server, name, pos):
    """The hands let through for a state, and how many: from the twin."""
    d = twin(server, "prep-room", name=name, pos=str(pos))
    return [w["n"] - 1 for w in d["workers"] if w["passed"]], d["n_pass"], d["count"]


def test_picking_a_course_and_a_name_redraws_the_hands(kpage, server):
    kpage.goto(server + "/en/chapter/3")
    ready(kpage)
    count = kpage.locator("#prep-room-out .prep-count")
    passed, poured = drawn(kpage)
    want, n, _ = passing(server, "emma", 3)
    assert passed == want and poured == 64 - n
    expect(count).to_have_attribute("data-pass", str(n))

    # with the keyboard: from the second m back to the first
    kpage.locator("#prep-room-pos-3").focus()
    kpage.keyboard.press("ArrowLeft")
    want2, n2, said = passing(server, "emma", 2)
    expect(count).to_have_text(said)
    expect(kpage.locator("#prep-room-pos-2")).to_be_focused()
    assert drawn(kpage)[0] == want2
    assert n2 != n  # the drawing really changed
    assert query(kpage)["prep-room.pos"] == "2"

    # another name
    kpage.locator("#prep-room-name").fill("sophia")
    expect(kpage.locator("#prep-room-courses input[type=radio]")).to_have_count(7)
    want_s, n_s, _ = passing(server, "sophia", 2)
    expect(count).to_have_attribute("data-pass", str(n_s))
    assert drawn(kpage)[0] == want_s
    # the table is there for anyone who can't see the grid
    kpage.locator("#w-prep-room details summary").click()
    expect(kpage.locator("#w-prep-room details tbody tr")).to_have_count(64)
    assert kpage.watch.problems == [], kpage.watch.problems
