"""The book of menus in a real browser: looking names up, drawing a random page,
switching the chart with the keyboard, and the same without JavaScript."""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.helpers import ready, text_boxes, twin


def query(page):
    """The address's query; without JavaScript a pressed page button comes after the
    hidden page field, and the last value is the one the server reads."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query, keep_blank_values=True).items()}


def shown(page):
    return page.locator("#recipe-book-out .rb-name").all_inner_texts()


def book(server, lang="en", **state):
    """What the book shows for a state: from its twin."""
    return twin(server, "recipe-book", lang, **state)


def on_page(server, page):
    """The names on a page of the book: from the twin."""
    return [n["text"] for n in book(server, page=str(page))["names"]]


def letters(server, by):
    """The course chart's (letter, count) bars for a way of counting: from the twin."""
    return [(c["label"], c["count"]) for c in book(server, by=by)["letters"]["cols"]]


def letters_drawn(page):
    bars = page.locator("#recipe-book-out .rb-svg-let .rb-bar")
    return [(bars.nth(i).get_attribute("data-letter"), int(bars.nth(i).get_attribute("data-count"))) for i in range(bars.count())]


def test_looking_names_up_as_you_type(kpage, server):
    kpage.goto(server + "/en/chapter/1")
    ready(kpage)
    answers = []
    kpage.on("response", lambda r: answers.append(r) if "/en/widget/recipe-book" in r.url else None)
    box = kpage.locator("#recipe-book-q")
    expect(kpage.locator("#recipe-book-out .rb-hint")).to_be_visible()
    box.fill("zzzq")
    missing = kpage.locator("#recipe-book-out .rb-missing")
    expect(missing).to_contain_text("No. The master never served “zzzq”.")
    near = kpage.locator("#recipe-book-out .rb-near-name").all_inner_texts()
    look = book(server, q="zzzq")["lookup"]
    assert near and near == look["before"] + look["after"]
    expect(kpage).to_have_url(re.compile(r"recipe-book\.q=zzzq"))
    box.fill("Emma")
    expect(kpage.locator("#recipe-book-out .rb-found")).to_contain_text("“emma” is in the book: card 1, on page 1.")
    expect(kpage.locator("#recipe-book-out .rb-match .rb-name")).to_have_text("emma")
    expect(box).to_be_focused()  # the box is never swapped away while typing
    # the output lies inside the form: htmx named it, so it was sent that and the embed snippet only
    assert answers and all("<form" not in a.text() and 'id="recipe-book-out"' in a.text() for a in answers)
    assert kpage.watch.problems == []


def test_a_random_page_has_a_link_that_reproduces_it(kpage, server):
    kpage.goto(server + "/en/chapter/1")
    ready(kpage)
    assert shown(kpage) == on_page(server, 1)
    button = kpage.locator("#recipe-book-random")
    target = int(button.get_attribute("value"))
    assert target != 1
    button.focus()
    kpage.keyboard.press("Enter")
    expect(kpage).to_have_url(re.compile(rf"recipe-book\.page={target}(&|$)"))
    expect(kpage.locator("#recipe-book-page-text")).to_contain_text(f"Page {target:,} of")
    assert shown(kpage) == on_page(server, target)
    # the keyboard stays on the button, so pressing again keeps drawing
    expect(kpage.locator("#recipe-book-random")).to_be_focused()
    second = int(kpage.locator("#recipe-book-random").get_attribute("value"))
    kpage.keyboard.press("Enter")
    expect(kpage).to_have_url(re.compile(rf"recipe-book\.page={second}(&|$)"))
    after = shown(kpage)
    assert after == on_page(server, second) and after != on_page(server, target)
    # next page, then a fresh load of the address shows the same page
    kpage.locator("#recipe-book-next").click()
    expect(kpage).to_have_url(re.compile(rf"recipe-book\.page={second + 1}(&|$)"))
    here = shown(kpage)
    kpage.goto(kpage.url)
    assert shown(kpage) == here == on_page(server, second + 1)
    assert kpage.watch.problems == []


def test_switching_the_course_chart_with_the_arrow_keys(kpage, server):
    kpage.goto(server + "/zh/chapter/1")
    ready(kpage)
    assert letters_drawn(kpage) == letters(server, "all")
    kpage.locator("#recipe-book-by-all").focus()
    kpage.keyboard.press("ArrowRight")
    svg = kpage.locator("#recipe-book-out .rb-svg-let")
    expect(svg).to_have_attribute("data-by", "first")
    expect(kpage).to_have_url(re.compile(r"recipe-book\.by=first"))
    assert letters_drawn(kpage) == letters(server, "first")
    expect(kpage.locator("#recipe-book-by-first")).to_be_focused()
    kpage.keyboard.press("ArrowRight")
    expect(svg).to_have_attribute("data-by", "last")
    drawn_last = letters_drawn(kpage)
    assert drawn_last == letters(server, "last")
    # the bars really changed: the tallest bar is now the most common last course
    heights = kpage.locator("#recipe-book-out .rb-svg-let .rb-bar").evaluate_all("els => els.map(e => +e.getAttribute('height'))")
    assert heights[0] == max(heights) and drawn_last[0][0] != letters(server, "all")[0][0]
    assert kpage.watch.problems == []


def test_bad_name_shows_a_message_and_recovers(kpage, server):
    kpage.goto(server + "/en/chapter/1")
    ready(kpage)
    box = kpage.locator("#recipe-book-q")
    box.fill("anne marie")
    expect(kpage.locator("#recipe-book-out [role=alert]")).to_contain_text("only the letters a–z")
    box.fill("annemarie")
    expect(kpage.locator("#recipe-book-out .rb-result")).to_be_visible()
    assert [p for p in kpage.watch.problems if "422" not in p] == []


def test_the_book_works_without_javascript(nojs_page, server):
    nojs_page.goto(server + "/zh/chapter/1?recipe-book.page=7")
    assert shown(nojs_page) == on_page(server, 7)
    with nojs_page.expect_navigation():
        nojs_page.locator("#recipe-book-next").click()
    assert query(nojs_page)["recipe-book.page"] == "8"
    assert shown(nojs_page) == on_page(server, 8)
    # Enter in the name box looks the name up and keeps the page open
    nojs_page.locator("#recipe-book-q").fill("olivia")
    with nojs_page.expect_navigation():
        nojs_page.locator("#recipe-book-q").press("Enter")
    assert query(nojs_page)["recipe-book.q"] == "olivia" and query(nojs_page)["recipe-book.page"] == "8"
    expect(nojs_page.locator("#recipe-book-out .rb-found")).to_contain_text("“olivia”在册子里")
    with nojs_page.expect_navigation():
        nojs_page.locator("#recipe-book-random").click()
    page = int(query(nojs_page)["recipe-book.page"])
    assert page != 8 and shown(nojs_page) == on_page(server, page)


def test_the_length_charts_figures_are_readable_on_a_phone_and_never_touch(kpage, server):
    for width in (360, 1280):
        kpage.set_viewport_size({"width": width, "height": 900})
        kpage.goto(server + "/en/chapter/1")
        ready(kpage)
        boxes = text_boxes(kpage, "#w-recipe-book .rb-val")
        assert len(boxes) >= 6
        assert 10 <= min(b[0] for b in boxes) and max(b[0] for b in boxes) <= 16, (width, boxes)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not (a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]), (width, a, b)
    assert kpage.watch.problems == []
