"""Flavour cards in a real browser: picking a course (mouse and arrow keys) redraws its
strip and moves the highlight on the map; a second course adds a second strip."""

import re

from playwright.sync_api import expect

from engine.tokenizer import BOS
from tests.browser.helpers import ready, twin


def strip_values(page, nth=0):
    cells = page.locator("#flavor-cards-out .fc-card").nth(nth).locator(".fc-cell")
    return [float(v) for v in cells.evaluate_all("els => els.map(e => e.dataset.value)")]


def chosen_point(page):
    g = page.locator("#flavor-cards-out .fc-pt-chosen")
    circle = g.locator("circle")
    return int(g.get_attribute("data-course")), float(circle.get_attribute("cx")), float(circle.get_attribute("cy"))


def cards(server, **state):
    """The strips' values for a state, and the map's points by course: from the twin."""
    d = twin(server, "flavor-cards", **state)
    return [[float(x["value"]) for x in c["cells"]] for c in d["cards"]], {p["id"]: p for p in d["points"]}


def test_picking_a_course_redraws_the_strip_and_moves_the_highlight(kpage, server):
    kpage.goto(server + "/en/chapter/2")
    ready(kpage)
    assert [strip_values(kpage)] == cards(server, c="a")[0]
    before = chosen_point(kpage)
    assert before[0] == 0
    kpage.locator("label.fc-letter", has_text=re.compile(r"^e$")).click()
    expect(kpage.locator("#flavor-cards-out .fc-card").first).to_have_attribute("data-course", "4")
    strips, points = cards(server, c="e")
    assert [strip_values(kpage)] == strips
    after = chosen_point(kpage)
    assert after[0] == 4 and (after[1], after[2]) != (before[1], before[2])
    # the highlighted point sits where the map puts e
    assert (after[1], after[2]) == (points[4]["cx"], points[4]["cy"]) and points[4]["role"] == "chosen"
    expect(kpage).to_have_url(re.compile(r"flavor-cards\.c=e"))
    expect(kpage.locator("#flavor-cards-near")).to_contain_text("the cards most like “e” are")
    # arrow keys walk through the courses; the keyboard stays on the picker
    kpage.locator("#flavor-cards-c-e").focus()
    kpage.keyboard.press("ArrowRight")
    expect(kpage.locator("#flavor-cards-out .fc-card").first).to_have_attribute("data-course", "5")
    assert [strip_values(kpage)] == cards(server, c="f")[0]
    expect(kpage.locator("#flavor-cards-c-f")).to_be_focused()
    expect(kpage).to_have_url(re.compile(r"flavor-cards\.c=f"))
    assert kpage.watch.problems == []


def test_comparing_with_the_bell_adds_a_second_strip(kpage, server):
    kpage.goto(server + "/zh/chapter/2?flavor-cards.c=o")
    ready(kpage)
    expect(kpage.locator("#flavor-cards-out .fc-card")).to_have_count(1)
    kpage.locator("#flavor-cards-vs").select_option("bell")
    expect(kpage.locator("#flavor-cards-out .fc-card")).to_have_count(2)
    assert [strip_values(kpage, 0), strip_values(kpage, 1)] == cards(server, c="o", vs="bell")[0]
    expect(kpage.locator("#flavor-cards-out .fc-compare")).to_contain_text("“o”和服务铃的相似度是")
    expect(kpage.locator("#flavor-cards-out .fc-pt-vs")).to_have_attribute("data-course", str(BOS))
    expect(kpage).to_have_url(re.compile(r"flavor-cards\.c=o.*flavor-cards\.vs=bell|flavor-cards\.vs=bell.*flavor-cards\.c=o"))
    kpage.locator("#flavor-cards-vs").select_option("")
    expect(kpage.locator("#flavor-cards-out .fc-card")).to_have_count(1)
    assert kpage.watch.problems == []


def test_the_cards_work_without_javascript(nojs_page, server):
    nojs_page.goto(server + "/en/chapter/2")
    nojs_page.locator("#flavor-cards-c-z").check(force=True)
    nojs_page.locator("#flavor-cards-vs").select_option("a")
    with nojs_page.expect_navigation():
        nojs_page.locator("#w-flavor-cards button[type=submit]").click()
    assert re.search(r"flavor-cards\.c=z", nojs_page.url) and re.search(r"flavor-cards\.vs=a", nojs_page.url)
    assert [strip_values(nojs_page, 0), strip_values(nojs_page, 1)] == cards(server, c="z", vs="a")[0]


LABEL_BOXES = """() => [...document.querySelectorAll('#flavor-cards-out .fc-map text')].map(t => {
  const r = t.getBoundingClientRect();
  return {label: t.textContent.trim(), box: [r.left, r.top, r.right, r.bottom],
          px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a};
})"""


def test_on_a_phone_no_letter_on_the_map_covers_another(kpage, server):
    # the crowded middle of the map (h, x, z, r, d …) is where labels used to collide
    kpage.set_viewport_size({"width": 360, "height": 800})
    for state in ("", "?flavor-cards.c=h&flavor-cards.vs=x", "?flavor-cards.c=bell&flavor-cards.vs=r"):
        kpage.goto(server + "/en/chapter/2" + state)
        ready(kpage)
        labels = kpage.evaluate(LABEL_BOXES)
        assert len(labels) == 27
        clashes = []
        for i, a in enumerate(labels):
            assert a["px"] >= 11, a       # still readable after the map shrinks to the phone
            for b in labels[i + 1:]:
                (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
                if min(r1, r2) - max(l1, l2) > 1 and min(b1, b2) - max(t1, t2) > 1:
                    clashes.append((a["label"], b["label"]))
        assert clashes == [], state
    assert kpage.watch.problems == []
