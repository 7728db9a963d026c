"""The embed page holds still: what the scripts reveal (the dial's number box,
"next table") has its place from the first paint, so nothing below it moves when
they run, even on a slow phone and a slow line (as Lighthouse's mobile run)."""

import pytest

SHIFTS = """window.__shift = 0;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
}).observe({type: 'layout-shift', buffered: true});"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_embed_page_does_not_move_after_its_first_paint(browser, server, lang):
    from tests.browser.conftest import route_cdn

    context = browser.new_context(viewport={"width": 412, "height": 823}, device_scale_factor=1.75)
    try:
        route_cdn(context)
        context.add_init_script(SHIFTS)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 100_000})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.goto(f"{server}/embed/{lang}/temperature")
        page.wait_for_function("() => window.htmx !== undefined")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        assert page.locator(".dial-number").is_visible()
        assert page.evaluate("window.__shift") < 0.01
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_guessing_game_embed_does_not_move_when_its_key_hint_appears(browser, server, lang):
    """On a phone the hint "or press its letter key" wraps onto a line of its own: it has
    that line from the first paint, so the bets below it stay put when guess.js runs."""
    from tests.browser.conftest import route_cdn

    context = browser.new_context(viewport={"width": 360, "height": 800})
    try:
        route_cdn(context)
        context.add_init_script(SHIFTS)
        page = context.new_page()
        page.goto(f"{server}/embed/{lang}/guess")
        page.wait_for_function("() => window.htmx !== undefined")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        assert page.locator(".guess-js-hint").is_visible()
        assert page.evaluate("window.__shift") < 0.001
    finally:
        context.close()
