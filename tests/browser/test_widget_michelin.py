"""The three-star kitchen in a real browser: a new recipe book changes the dishes, and
judging eight pairs with the keyboard trains a taster and tunes Xiao Ming."""

from playwright.sync_api import expect
from tests.browser.helpers import query, ready


def test_a_new_recipe_book_shows_the_dishes_before_and_after(kpage, server):
    kpage.goto(server + "/en/chapter/8")
    ready(kpage)
    sft = kpage.locator("#michelin-sft")
    before = sft.locator(".before-after > div").nth(0).locator(".name-text").all_inner_texts()
    sft.locator("input[value=start]").check()
    sft.locator("input.letter").fill("q")
    sft.locator("button[type=submit]").click()
    expect(kpage.locator("#michelin-sft .michelin-result")).to_contain_text("names starting with q")
    cols = kpage.locator("#michelin-sft .before-after > div")
    assert cols.nth(0).locator(".name-text").all_inner_texts() == before  # same table, before
    after = cols.nth(1).locator(".name-text").all_inner_texts()
    assert sum(n.startswith("q") for n in after) >= 7
    assert sum(n.startswith("q") for n in before) <= 1
    assert query(kpage)["michelin.book"] == "start" and query(kpage)["michelin.letter"] == "q"
    assert kpage.watch.problems == [], kpage.watch.problems


def test_judging_eight_pairs_with_the_keyboard_tunes_the_apprentice(kpage, server):
    kpage.goto(server + "/zh/chapter/8?michelin.jseed=3")
    ready(kpage)
    judges = kpage.locator("#michelin-judges")
    expect(judges.locator(".michelin-pair")).to_contain_text("第 1 对，共 8 对")
    kpage.evaluate("window.samePage = true")  # gone if a pick reloads the page instead of htmx
    # new buttons are wired up as they are swapped in: no moment when Enter submits natively
    assert kpage.evaluate("htmx.config.defaultSettleDelay") == 0
    kpage.locator("#michelin-pick-a").focus()
    for k in range(8):
        kpage.keyboard.press("Enter")
        if k < 7:
            expect(kpage.locator("#michelin-judges .michelin-pair")).to_contain_text(f"第 {k + 2} 对，共 8 对")
            expect(kpage.locator("#michelin-pick-a")).to_be_focused()  # the keyboard keeps its place
    expect(kpage.locator("#michelin-judges")).to_contain_text("试吃员从中学到的口味", timeout=15_000)
    # the pick buttons are gone: the keyboard lands on what the judging taught, not on the page
    expect(kpage.locator("#michelin-judges [data-lands-focus]")).to_be_focused()
    kpage.keyboard.press("Tab")
    assert kpage.evaluate("document.activeElement.closest('#michelin-judges') !== null")
    assert kpage.evaluate("window.samePage === true"), "a pick reloaded the whole page"
    assert query(kpage)["michelin.picks"] == "aaaaaaaa"
    cols = kpage.locator("#michelin-judges .before-after > div")
    expect(cols).to_have_count(2)
    assert cols.nth(1).locator(".name").count() == 10
    expect(cols.nth(1).locator(".tag").first).to_contain_text("得分")
    assert kpage.watch.problems == [], kpage.watch.problems


def test_focus_comes_back_to_the_pick_even_if_it_fell_to_the_page_meanwhile(kpage, server):
    kpage.goto(server + "/en/chapter/8?michelin.jseed=5")
    ready(kpage)
    kpage.locator("#michelin-pick-a").focus()
    # focus falls to the page while the answer is on its way
    kpage.evaluate(
        "document.addEventListener('htmx:beforeSend',"
        " () => setTimeout(() => document.activeElement.blur(), 0), {once: true})"
    )
    kpage.keyboard.press("Enter")
    expect(kpage.locator("#michelin-judges .michelin-pair")).to_contain_text("Pair 2 of 8")
    expect(kpage.locator("#michelin-pick-a")).to_be_focused()
    assert kpage.watch.problems == [], kpage.watch.problems


def test_a_bad_value_gets_the_pages_own_message_not_the_browsers(kpage, server):
    kpage.goto(server + "/zh/chapter/8")
    ready(kpage)
    steps = kpage.locator("#michelin-sft-steps")
    steps.fill("5000")
    kpage.locator("#michelin-sft-go").click()
    expect(kpage.locator("#michelin-out .widget-error")).to_contain_text("新菜谱练几套")
    expect(kpage.locator("#michelin-sft-go")).to_be_focused()
    assert [p for p in kpage.watch.problems if "422" not in p] == []
