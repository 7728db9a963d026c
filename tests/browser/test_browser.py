"""The site in a real browser: every page, the dial, the language switch,
small screens, accessibility, and reading with JavaScript off."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.web import settings
from tests.browser.helpers import story_paths


PATHS = story_paths()
THREADS = [p for p in PATHS if p.endswith("/thread")]


def names(page, ns="temperature"):
    return page.locator(f"#{ns}-out .name-text").all_inner_texts()


def test_there_are_pages_to_check():
    assert len(PATHS) >= 4 and "/zh/chapter/7" in PATHS and "/en/chapter/7" in PATHS


@pytest.mark.parametrize("path", PATHS + ["/zh/no-such-page"])
def test_page_loads_without_errors(kpage, server, path):
    response = kpage.goto(server + path)
    expected = 404 if "no-such" in path else 200
    assert response.status == expected
    if expected == 404:
        # the page itself answers 404 (the browser logs that once); nothing else may fail
        problems = kpage.watch.problems
        problems.remove(f"HTTP 404: {server + path}")
        doc_404 = [p for p in problems if p.startswith("console: Failed to load resource") and "404" in p]
        if doc_404:
            problems.remove(doc_404[0])
    else:
        kpage.wait_for_function("() => window.htmx !== undefined && typeof window.htmx.version === 'string'")
        assert kpage.evaluate("htmx.version") == settings.HTMX.version
    kpage.wait_for_load_state("networkidle")
    expect(kpage.locator("h1")).to_have_count(1)
    assert kpage.watch.problems == []


@pytest.mark.parametrize("path", PATHS + ["/en/no-such-page"])
def test_no_serious_accessibility_violation(kpage, server, path):
    kpage.goto(server + path)
    kpage.wait_for_load_state("networkidle")
    results = Axe().run(kpage)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []


@pytest.mark.parametrize("path", PATHS)
def test_no_horizontal_scroll_on_a_small_phone(kpage, server, path):
    kpage.set_viewport_size({"width": 360, "height": 740})
    kpage.goto(server + path)
    kpage.wait_for_load_state("networkidle")
    width = kpage.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width}px wide at 360px"


@pytest.mark.parametrize("width, lo, hi", [(360, 280, 340), (1280, 440, 480)])
def test_figures_fill_a_phone_and_stay_near_their_drawn_size_on_a_wide_screen(kpage, server, width, lo, hi):
    """The drawings are 360 wide: a phone shows them across its width, a wide screen
    at 30rem at most, so their words stay near reading size."""
    kpage.set_viewport_size({"width": width, "height": 900})
    seen = []
    for path in ("/en/chapter/3", "/zh/chapter/5", "/en/chapter/8"):
        kpage.goto(server + path)
        seen += kpage.eval_on_selector_all(".figure-art svg", "els => els.map(e => e.getBoundingClientRect().width)")
    assert len(seen) >= 3
    assert all(lo <= w <= hi for w in seen), seen


def test_moving_the_dial_with_the_keyboard_resamples_and_keeps_a_link(kpage, server):
    kpage.goto(server + "/en/chapter/7")
    kpage.wait_for_function("() => window.htmx !== undefined")
    answers = []
    kpage.on("response", lambda r: answers.append(r) if "/en/widget/temperature" in r.url else None)
    before = names(kpage)
    assert before
    dial = kpage.locator("#temperature-t")
    number = kpage.locator("#temperature-t-num")
    expect(number).to_be_visible()  # the script shows the number box
    dial.focus()
    for _ in range(3):
        kpage.keyboard.press("ArrowRight")
    expect(number).to_have_value("0.8")
    kpage.wait_for_function(
        "(before) => { const now = [...document.querySelectorAll('#temperature-out .name-text')].map(e => e.textContent);"
        " return now.length && now.join() !== before.join(); }",
        arg=before,
    )
    expect(kpage).to_have_url(re.compile(r"/en/chapter/7\?.*temperature\.t=0\.8"))
    assert kpage.evaluate("document.activeElement.id") == "temperature-t"
    # htmx named the output it swaps, so it was sent that and the embed snippet, not the form again
    assert answers and all("<form" not in a.text() and 'id="temperature-out"' in a.text() for a in answers)
    after = names(kpage)
    # the address now holds this state: loading it shows the same names
    kpage.goto(kpage.url)
    assert names(kpage) == after
    assert kpage.watch.problems == []


def test_typing_a_temperature_and_the_next_table_button(kpage, server):
    kpage.goto(server + "/zh/chapter/7")
    kpage.wait_for_function("() => window.htmx !== undefined")
    number = kpage.locator("#temperature-t-num")
    number.fill("0")
    expect(kpage).to_have_url(re.compile(r"temperature\.t=0(&|$)"))
    zero = names(kpage)
    assert len(set(zero)) == 1  # never take a risk: the same most likely name every time
    expect(kpage.locator("#temperature-t")).to_have_value("0")
    number.fill("1.5")
    expect(kpage).to_have_url(re.compile(r"temperature\.t=1\.5"))
    first = names(kpage)
    kpage.locator("#w-temperature").get_by_role("button", name="换一桌").click()
    expect(kpage).to_have_url(re.compile(r"temperature\.seed=2"))
    assert names(kpage) != first
    number.fill("9")
    expect(kpage.locator("#temperature-out [role=alert]")).to_contain_text("0 到 5")
    assert [p for p in kpage.watch.problems if "422" not in p] == []


def test_language_switch_keeps_the_chapter_and_the_dial(kpage, server):
    kpage.goto(server + "/zh/chapter/7")
    kpage.wait_for_function("() => window.htmx !== undefined")
    dial = kpage.locator("#temperature-t")
    dial.focus()
    for _ in range(5):
        kpage.keyboard.press("ArrowRight")
    expect(kpage).to_have_url(re.compile(r"temperature\.t=1(&|$)"))
    zh_names = names(kpage)
    kpage.locator("a.lang-switch").click()
    expect(kpage).to_have_url(re.compile(r"/en/chapter/7\?.*temperature\.t=1(&|$)"))
    expect(kpage.locator("html")).to_have_attribute("lang", "en")
    expect(kpage.locator("#temperature-t")).to_have_value("1")
    assert names(kpage) == zh_names
    kpage.locator("a.lang-switch").click()
    expect(kpage).to_have_url(re.compile(r"/zh/chapter/7\?.*temperature\.t=1(&|$)"))


@pytest.mark.parametrize("path", [p for p in PATHS if "/chapter/" in p or p.endswith("/ending")][:4])
def test_chapters_read_without_javascript(nojs_page, server, path):
    response = nojs_page.goto(server + path)
    assert response.status == 200
    expect(nojs_page.locator("h1")).to_be_visible()
    paragraphs = nojs_page.locator("main .story > p")
    assert paragraphs.count() >= 1
    expect(paragraphs.first).to_be_visible()
    assert len(paragraphs.first.inner_text().strip()) > 5


def test_the_dial_works_without_javascript(nojs_page, server):
    nojs_page.goto(server + "/zh/chapter/7")
    before = names(nojs_page)
    expect(nojs_page.locator("#temperature-t-num")).to_be_hidden()
    nojs_page.locator("#temperature-t").focus()
    nojs_page.keyboard.press("ArrowRight")
    nojs_page.keyboard.press("ArrowRight")
    nojs_page.locator("#temperature-n").fill("12")
    with nojs_page.expect_navigation():
        nojs_page.locator("#w-temperature button[type=submit]").click()
    assert re.search(r"/zh/chapter/7\?.*temperature\.t=0\.7.*temperature\.n=12", nojs_page.url)
    after = names(nojs_page)
    assert len(after) == 12 and after != before
    expect(nojs_page.locator("#temperature-t-show")).to_have_text("0.7")


@pytest.mark.parametrize("path", THREADS)
def test_thread_copy_buttons(kpage, context, server, path):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    kpage.goto(server + path)
    buttons = kpage.locator("button.copy-post")
    expect(buttons.first).to_be_visible()
    buttons.first.click()
    copied = kpage.evaluate("navigator.clipboard.readText()")
    first_post = kpage.locator("li.post").first.inner_text()
    assert copied and copied in first_post
    assert "复制" not in copied and "Copy" not in copied
    # the last post links to the story: the copied text carries the link's full address
    lang = path.split("/")[1]
    buttons.last.click()
    last = kpage.evaluate("navigator.clipboard.readText()")
    assert f"{server}/{lang}/ " in last and last.endswith("10/10")
    assert last.replace(f" {server}/{lang}/", "") == kpage.locator("li.post").last.inner_text().replace(
        kpage.locator("li.post").last.locator("button").inner_text(), "").strip()
