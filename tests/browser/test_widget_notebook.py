"""notebook in a real browser: serving course by course, one new page each time, and starting over."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import query, ready, twin


def reading(page):
    """(pages, sous-chefs) shares of the newest course as drawn."""
    rows = page.locator("#notebook-out tr.nb-page")
    return [
        [float(x) for x in rows.nth(i).locator("td.nb-read").evaluate_all("els => els.map(e => e.dataset.w)")]
        for i in range(rows.count())
    ]


def twin_reading(server, menu):
    """The same, for ``menu``: from the twin."""
    return [[r["w"] for r in p["reads"]] for p in twin(server, "notebook", menu=menu)["pages"]]


def the_name(server):
    """The name the notebook serves from the bell at the chapter's table: from the twin, course by course."""
    menu = ""
    while (chosen := twin(server, "notebook", menu=menu)["chosen"]) is not None:
        menu = chosen["menu"]
    return menu


def test_serving_course_by_course_adds_one_page_each_time(kpage, server):
    want = the_name(server)
    kpage.goto(server + "/en/chapter/7")
    ready(kpage)
    pages = kpage.locator("#notebook-out tr.nb-page")
    expect(pages).to_have_count(1)
    labels = []
    for k in range(1, 17):
        nxt = kpage.locator("#notebook-next")
        if nxt.count() == 0:
            break
        labels = pages.locator("th .course-chip").all_inner_texts()
        if k % 2:
            nxt.click()
        else:  # the keyboard works too
            nxt.focus()
            kpage.keyboard.press("Enter")
        expect(pages).to_have_count(k + 1)
        # the earlier pages are still there, unchanged; only the newest is new
        assert pages.locator("th .course-chip").all_inner_texts()[:k] == labels
        expect(kpage.locator("#notebook-out tr.nb-page.new")).to_have_attribute("data-page", str(k))
        menu = query(kpage)["notebook.menu"]
        assert reading(kpage) == twin_reading(server, menu)
    assert query(kpage)["notebook.menu"] == want
    expect(kpage.locator("#notebook-out .nb-end")).to_contain_text(f"the menu “{want}” is done")
    kpage.locator("#notebook-restart").click()
    expect(pages).to_have_count(1)
    expect(kpage.locator("#notebook-menu")).to_have_value("")
    assert kpage.watch.problems == [], kpage.watch.problems


def test_without_javascript_the_next_course_is_a_link(nojs_page, server):
    nojs_page.goto(server + "/zh/chapter/7?notebook.menu=em&notebook.seed=4")
    nojs_page.locator("#notebook-next").click()
    nojs_page.wait_for_url(re.compile(r".*notebook\.menu=em[a-z]&.*"))
    assert len(query(nojs_page)["notebook.menu"]) == 3
    expect(nojs_page.locator("#notebook-out tr.nb-page")).to_have_count(4)
    assert nojs_page.watch.problems == [], nojs_page.watch.problems
