"""The cutting board in a real browser: typing changes the courses, capitals are folded,
turned-away characters are drawn and explained, and it works without JavaScript."""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.helpers import ready, twin


def ids(page):
    return page.locator("#tokenizer-out .tk-ids")


def numbers(server, text, lang="en"):
    """The numbers the board shows for ``text``: from its twin."""
    return twin(server, "tokenizer", lang, text=text)["numbers"]


def test_typing_a_name_redraws_its_courses(kpage, server):
    kpage.goto(server + "/en/chapter/2")
    ready(kpage)
    answers = []
    kpage.on("response", lambda r: answers.append(r) if "/en/widget/tokenizer" in r.url else None)
    expect(ids(kpage)).to_have_text(numbers(server, "emma"))
    box = kpage.locator("#tokenizer-text")
    box.fill("sophia")
    expect(ids(kpage)).to_have_text(numbers(server, "sophia"))
    tiles = kpage.locator("#tokenizer-out .tk-tile")
    expect(tiles).to_have_count(len("sophia") + 2)
    assert tiles.locator(".tk-char").all_inner_texts()[1:-1] == list("sophia")
    expect(kpage).to_have_url(re.compile(r"tokenizer\.text=sophia"))
    # capitals: the same courses, and the reader is told
    box.fill("EMMA")
    expect(ids(kpage)).to_have_text(numbers(server, "EMMA"))
    expect(kpage.locator("#tokenizer-out .tk-folded-note")).to_contain_text("E → e, M → m")
    expect(kpage.locator("#tokenizer-out .tk-folded")).to_have_count(4)
    expect(box).to_be_focused()
    # htmx named the output it swaps, so it was sent that and the embed snippet, not the form again
    assert answers and all("<form" not in a.text() and 'id="tokenizer-out"' in a.text() for a in answers)
    assert kpage.watch.problems == []


def test_other_characters_are_drawn_and_explained(kpage, server):
    kpage.goto(server + "/zh/chapter/2")
    ready(kpage)
    box = kpage.locator("#tokenizer-text")
    box.fill("Zoë 2")
    expect(ids(kpage)).to_have_text(numbers(server, "Zoë 2", "zh"))
    rejected = kpage.locator("#tokenizer-out .tk-rejected .tk-char")
    expect(rejected).to_have_count(3)
    assert rejected.all_inner_texts() == ["ë", "␣", "2"]
    expect(kpage.locator("#tokenizer-out .tk-kind-accent")).to_contain_text("带符号的字母")
    expect(kpage.locator("#tokenizer-out .tk-kind-space")).to_contain_text("空格不是菜")
    expect(kpage.locator("#tokenizer-out .tk-kind-digit")).to_contain_text("数字不是菜")
    expect(kpage.locator("#tokenizer-out .tk-turned")).to_contain_text("下面 3 个字符")
    # nothing left to serve
    box.fill("李雷")
    expect(ids(kpage)).to_have_count(0)
    expect(kpage.locator("#tokenizer-out .tk-summary")).to_contain_text("什么也上不了")
    expect(kpage.locator("#tokenizer-out .tk-rejected")).to_have_count(2)
    query = parse_qs(urlsplit(kpage.url).query)
    assert query["tokenizer.text"] == ["李雷"]
    # absurd input: too many courses is a message, and the board recovers
    box.fill("abcdefghijklmnop")
    expect(kpage.locator("#tokenizer-out [role=alert]")).to_contain_text("最多只能排 15 道菜")
    box.fill("abc")
    expect(ids(kpage)).to_have_text(numbers(server, "abc", "zh"))
    assert [p for p in kpage.watch.problems if "422" not in p] == []


def test_the_board_works_without_javascript(nojs_page, server):
    nojs_page.goto(server + "/en/chapter/2")
    nojs_page.locator("#tokenizer-text").fill("Ava-Li")
    with nojs_page.expect_navigation():
        nojs_page.locator("#tokenizer-text").press("Enter")
    assert parse_qs(urlsplit(nojs_page.url).query)["tokenizer.text"] == ["Ava-Li"]
    expect(nojs_page.locator("#tokenizer-out .tk-ids")).to_have_text(numbers(server, "Ava-Li"))
    expect(nojs_page.locator("#tokenizer-out .tk-kind-punct")).to_be_visible()
