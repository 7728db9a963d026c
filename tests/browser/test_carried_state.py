"""Every widget's state kept when another widget moves, with and without JavaScript.

A widget's forms and links carry only its own keys (and the marker keep=<ns>);
the other widgets' state is written once, in the page's address. Chapter 3 holds
four widgets side by side: the sous-chefs, the prep room, next-dish and the
kitchen map.
"""

from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import expect

from tests.browser.helpers import query, ready

START = "/en/chapter/3?sous-chefs.name=olivia&sous-chefs.pos=2&next-dish.prefix=an&utm=mail"


def pairs(page):
    parts = urlsplit(page.url)
    return parse_qsl(parts.query, keep_blank_values=True), parts.fragment


def test_without_javascript_the_keyboard_moves_one_widget_and_the_page_keeps_the_others(nojs_page, server):
    page = nojs_page
    page.goto(server + START)
    expect(page.locator("#sous-chefs-name")).to_have_value("olivia")
    # nothing of the other widgets' state is written in a widget
    for ns in ("sous-chefs", "prep-room", "next-dish", "kitchen-map"):
        html = page.locator(f"#w-{ns}").inner_html()
        assert "utm=" not in html and 'name="utm"' not in html
        assert ns == "sous-chefs" or "olivia" not in html

    # the prep room, by keyboard alone: a new name, Enter sends the form and the page reloads
    page.locator("#prep-room-name").focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("zoe")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    got, fragment = pairs(page)
    keys = dict(got)
    assert keys["prep-room.name"] == "zoe" and fragment == "w-prep-room"
    assert keys["sous-chefs.name"] == "olivia" and keys["sous-chefs.pos"] == "2"
    assert keys["next-dish.prefix"] == "an" and keys["utm"] == "mail" and "keep" not in keys
    expect(page.locator("#sous-chefs-name")).to_have_value("olivia")
    expect(page.locator("#prep-room-name")).to_have_value("zoe")
    expect(page.locator("#next-dish-prefix")).to_have_value("an")

    # a letter of next-dish is a link: reached with Tab, followed with Enter, the rest kept
    link = page.locator("#next-dish-go-4")          # 'e'
    link.focus()
    expect(link).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    keys = dict(pairs(page)[0])
    assert keys["next-dish.prefix"] == "ane" and keys["prep-room.name"] == "zoe"
    assert keys["sous-chefs.name"] == "olivia" and keys["utm"] == "mail" and "keep" not in keys
    expect(page.locator("#prep-room-name")).to_have_value("zoe")
    expect(page.locator("#next-dish-prefix")).to_have_value("ane")
    assert page.watch.problems == []


def test_with_javascript_the_keyboard_moves_one_widget_and_the_address_keeps_the_others(kpage, server):
    kpage.goto(server + START)
    ready(kpage)
    kpage.locator("#prep-room-name").focus()
    kpage.keyboard.press("ControlOrMeta+a")
    kpage.keyboard.type("zoe")
    kpage.wait_for_function("() => location.search.includes('prep-room.name=zoe')")
    keys = query(kpage)
    assert keys["sous-chefs.name"] == "olivia" and keys["next-dish.prefix"] == "an" and keys["utm"] == "mail"
    assert "keep" not in keys
    # the page never reloaded: the keyboard is still in the name box
    expect(kpage.locator("#prep-room-name")).to_be_focused()
    assert kpage.watch.problems == []
