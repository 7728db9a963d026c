"""prep-room in a real browser: another course and another name redraw the 64 hands."""

import numpy as np
from playwright.sync_api import expect

from engine import checkpoint, inspect as inspection
from tests.browser.helpers import query, ready


def drawn(page):
    """Indices of the hands drawn as let through, and how many were drawn as poured away."""
    grid = page.locator("#w-prep-room svg.prep-grid")
    kinds = grid.locator(".hand").evaluate_all("els => els.map(e => e.classList.contains('pass'))")
    assert len(kinds) == 64
    return [i for i, k in enumerate(kinds) if k], kinds.count(False)


def test_picking_a_course_and_a_name_redraws_the_hands(kpage, server):
    kpage.goto(server + "/en/chapter/3")
    ready(kpage)
    params = checkpoint.default_params()
    pre = inspection.inspect(params, "emma").mlp_pre[0]
    count = kpage.locator("#prep-room-out .prep-count")
    passed, poured = drawn(kpage)
    assert passed == list(np.flatnonzero(pre[3] > 0)) and poured == 64 - len(passed)
    expect(count).to_have_attribute("data-pass", str(len(passed)))

    # with the keyboard: from the second m back to the first
    kpage.locator("#prep-room-pos-3").focus()
    kpage.keyboard.press("ArrowLeft")
    n2 = int((pre[2] > 0).sum())
    expect(count).to_have_text(f"Of 64 kitchen hands, the inspector let {n2} through and poured {64 - n2} away.")
    expect(kpage.locator("#prep-room-pos-2")).to_be_focused()
    assert drawn(kpage)[0] == list(np.flatnonzero(pre[2] > 0))
    assert n2 != len(passed)  # the drawing really changed
    assert query(kpage)["prep-room.pos"] == "2"

    # another name
    kpage.locator("#prep-room-name").fill("sophia")
    expect(kpage.locator("#prep-room-courses input[type=radio]")).to_have_count(7)
    pre_s = inspection.inspect(params, "sophia").mlp_pre[0, 2]
    expect(count).to_have_attribute("data-pass", str(int((pre_s > 0).sum())))
    assert drawn(kpage)[0] == list(np.flatnonzero(pre_s > 0))
    # the table is there for anyone who can't see the grid
    kpage.locator("#w-prep-room details summary").click()
    expect(kpage.locator("#w-prep-room details tbody tr")).to_have_count(64)
    assert kpage.watch.problems == [], kpage.watch.problems
