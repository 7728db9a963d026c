"""The trace back's animation in a real browser, the new figures and pages at phone width."""

import pytest

from tests.browser.conftest import route_cdn, Watch

SEGMENTS = ".ft-a"


def open_page(browser, server, path, width, motion):
    context = browser.new_context(viewport={"width": width, "height": 760}, reduced_motion=motion)
    route_cdn(context)
    page = context.new_page()
    page.watch = Watch(page)
    page.goto(server + path)
    return context, page


def animations(page):
    return page.locator(SEGMENTS).evaluate_all(
        "els => els.map(e => { const s = getComputedStyle(e);"
        " return [s.animationName, s.strokeDasharray, e.getAnimations().length]; })")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_trace_back_is_still_under_reduced_motion(browser, server, lang):
    context, page = open_page(browser, server, f"/{lang}/chapter/5", 360, "reduce")
    try:
        found = animations(page)
        assert len(found) == 5
        assert all(name == "none" and dash == "none" and n == 0 for name, dash, n in found), found
        # the blame at every stop is shown at once, fully
        opacity = page.locator("#figure-trace .ft-o").evaluate_all("els => els.map(e => getComputedStyle(e).opacity)")
        assert opacity and set(opacity) == {"1"}
        assert page.watch.problems == [], page.watch.problems
    finally:
        context.close()


def test_the_trace_back_draws_itself_when_motion_is_allowed(browser, server):
    context, page = open_page(browser, server, "/en/chapter/5", 360, "no-preference")
    try:
        found = animations(page)
        assert [name for name, _, _ in found] == [f"ft-d{k}" for k in range(1, 6)]
        assert all(n == 1 for _, _, n in found)
        # the thread is drawn as the figure scrolls into view: before that, not yet drawn
        offset = page.locator(".ft-5").evaluate("e => Number(getComputedStyle(e).strokeDashoffset.replace('px', ''))")
        assert offset > 0.5
        page.locator("#figure-trace").scroll_into_view_if_needed()
        page.evaluate("document.querySelector('#figure-trace').scrollIntoView({block: 'center'})")
        page.wait_for_timeout(400)
        for k in range(1, 6):
            offset = page.locator(f".ft-{k}").evaluate("e => Number(getComputedStyle(e).strokeDashoffset.replace('px', ''))")
            assert offset < 0.01, f"stretch {k} is drawn once the figure is in the middle of the screen"
        opacity = page.locator("#figure-trace .ft-o").evaluate_all("els => els.map(e => getComputedStyle(e).opacity)")
        assert set(opacity) == {"1"}, "every stop's blame and the knob are shown"
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/zh/chapter/5", "/en/chapter/5", "/zh/chapter/3", "/en/chapter/8",
                                  "/zh/glossary", "/en/glossary", "/zh/video", "/en/video"])
def test_pages_and_figures_fit_a_phone(browser, server, path):
    context, page = open_page(browser, server, path, 360, "reduce")
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        for fig in page.locator("figure svg").all():
            assert fig.bounding_box()["width"] <= 340
        for fig in page.locator("#figure-trace svg, #figure-wall svg, #figure-loop svg").all():
            # the smallest label of these figures is still legible on the phone: 12 px on screen
            sizes = fig.locator("text").evaluate_all(
                "els => els.map(e => parseFloat(getComputedStyle(e).fontSize) * Math.hypot(e.getScreenCTM().a, e.getScreenCTM().b))")
            assert min(sizes) >= 12, (path, min(sizes))
        assert page.watch.problems == [], page.watch.problems
    finally:
        context.close()
