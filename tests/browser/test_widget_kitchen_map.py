"""kitchen-map in a real browser: picking a course by keyboard, typing a name, following a station."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import query, ready, twin


def read_point(page, n):
    """(token, share) of read-point n as drawn."""
    return page.locator(f"#kitchen-map-read-{n} li.km-mini-row").evaluate_all(
        "els => els.map(e => [Number(e.dataset.tok), Number(e.dataset.p)])")


def check(page, server, name, pos):
    """The three read-points drawn are the twin's for this state."""
    d = twin(server, "kitchen-map", name=name, pos=str(pos))
    for read in d["reads"]:
        got = read_point(page, read["n"])
        assert len(got) == 5 and got == [[row["tok"], row["p"]] for row in read["rows"]], (name, pos, read["key"])
    assert read_point(page, 3) == [[v["tok"], v["p"]] for v in d["vote"]]


def test_a_phone_reader_picks_a_course_by_keyboard_and_types_a_name(kpage, server):
    kpage.set_viewport_size({"width": 360, "height": 740})
    kpage.goto(server + "/en/chapter/3")
    ready(kpage)
    check(kpage, server, "emma", 3)
    assert kpage.evaluate("document.documentElement.scrollWidth") <= 360
    # a real term in small type beside a station's name is just that: no glossary entry's rule above it
    assert kpage.locator("#kitchen-map-sous-chefs .km-name .term").evaluate(
        "e => getComputedStyle(e).borderTopStyle + ' ' + getComputedStyle(e).paddingTop") == "none 0px"
    # the course picker: arrow keys on the radios
    kpage.locator("#kitchen-map-pos-3").focus()
    kpage.keyboard.press("ArrowLeft")
    expect(kpage.locator("#kitchen-map-out .inside-summary")).to_contain_text("Order tag 2 of “emma”")
    check(kpage, server, "emma", 2)
    assert query(kpage)["kitchen-map.pos"] == "2"
    expect(kpage.locator("#kitchen-map-pos-2")).to_be_focused()
    kpage.locator("#kitchen-map-name").fill("olivia")
    expect(kpage.locator("#kitchen-map-out .inside-summary")).to_contain_text("“olivia”")
    expect(kpage.locator("#kitchen-map-courses .course-radio")).to_have_count(7)
    check(kpage, server, "olivia", 2)
    assert kpage.evaluate("document.documentElement.scrollWidth") <= 360
    assert kpage.watch.problems == [], kpage.watch.problems


def test_without_javascript_a_station_leads_to_its_widget(nojs_page, server):
    nojs_page.set_viewport_size({"width": 1280, "height": 900})
    nojs_page.goto(server + "/zh/chapter/3?kitchen-map.name=olivia&kitchen-map.pos=4")
    check(nojs_page, server, "olivia", 4)
    nojs_page.locator("#kitchen-map-sous-chefs .km-more a").click()
    nojs_page.wait_for_url(re.compile(r"sous-chefs\.pos=4"))
    expect(nojs_page.locator("#sous-chefs-name")).to_have_value("olivia")
    expect(nojs_page.locator("#sous-chefs-pos-4")).to_be_checked()
    # and the form works without JavaScript: a new name reloads the page in the new state
    nojs_page.goto(server + "/zh/chapter/3?kitchen-map.name=olivia&kitchen-map.pos=4")
    nojs_page.locator("#kitchen-map-name").fill("anna")
    nojs_page.locator("#kitchen-map-form button[type=submit]").click()
    nojs_page.wait_for_url(re.compile(r"kitchen-map\.name=anna"))
    expect(nojs_page.locator("#kitchen-map-out .inside-summary")).to_contain_text("“anna”的 4 号位")
    check(nojs_page, server, "anna", 4)
    assert nojs_page.watch.problems == [], nojs_page.watch.problems
