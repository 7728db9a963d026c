"""guess in a real browser: a bet is one key press with JavaScript, a link or a form without."""

import re

from playwright.sync_api import expect

from engine import game
from tests.browser.helpers import query, ready, twin


def totals(page):
    el = page.locator("#guess-out .guess-totals")
    return float(el.get_attribute("data-you")), float(el.get_attribute("data-xm"))


def test_a_bet_is_one_key_press_and_the_game_ends_with_a_link(kpage, server):
    kpage.set_viewport_size({"width": 360, "height": 740})
    kpage.goto(server + "/en/chapter/4?guess.name=emma")
    ready(kpage)
    expect(kpage.locator("#guess-out .guess-js-hint")).to_be_visible()
    kpage.locator("#guess-bet-a").focus()
    rows = kpage.locator("#guess-out li.guess-row")
    for k, key in enumerate("emma.", 1):
        kpage.keyboard.press(key)
        expect(rows).to_have_count(k)
        if k < 5:
            expect(kpage.locator("#guess-keys")).to_be_focused()
    assert query(kpage)["guess.bets"] == "e-m-m-a-."
    d = twin(server, "guess", name="emma", bets="e-m-m-a-.")
    assert totals(kpage) == (d["you_sum"], d["xm_sum"])
    expect(kpage.locator("#guess-share-text")).to_contain_text("I beat the kitchen on “emma”")
    expect(kpage.locator("#guess-share")).to_be_focused()
    expect(kpage.locator('#w-guess button[data-copy="guess-share-box"]')).to_be_visible()
    assert kpage.evaluate("document.documentElement.scrollWidth") <= 360
    assert kpage.watch.problems == [], kpage.watch.problems


def test_a_spread_stake_from_the_form_and_a_wide_screen(kpage, server):
    kpage.set_viewport_size({"width": 1280, "height": 900})
    kpage.goto(server + "/zh/chapter/4?guess.seed=2")
    ready(kpage)
    kpage.locator("#guess-bet").fill("a e i")
    kpage.keyboard.press("Enter")
    expect(kpage.locator("#guess-out li.guess-row")).to_have_count(1)
    assert query(kpage)["guess.bets"] == "aei" and "guess.bet" not in query(kpage)
    expect(kpage.locator("#guess-out li.guess-row .guess-you")).to_contain_text("你押“a”、“e”、“i”")
    # a bad stake gets the page's own message, and the game is still there to go on
    kpage.locator("#guess-bet").fill("aa")
    kpage.keyboard.press("Enter")
    expect(kpage.locator("#guess-out .widget-error")).to_contain_text("出现了两次")
    assert game.book_name(2) not in kpage.locator("#guess-out").inner_text()
    assert kpage.watch.problems and all("422" in p for p in kpage.watch.problems), kpage.watch.problems


def test_without_javascript_the_game_is_a_series_of_links_and_forms(nojs_page, server):
    nojs_page.set_viewport_size({"width": 360, "height": 740})
    nojs_page.goto(server + "/en/chapter/4?guess.name=anna")
    nojs_page.locator("#guess-bet-a").click()
    nojs_page.wait_for_url(re.compile(r"guess\.bets=a(&|#|$)"))
    nojs_page.locator("#guess-bet").fill("nm")
    nojs_page.locator(".guess-spread button[type=submit]").click()
    # the form sends the bets so far and the new one; the page folds them together
    nojs_page.wait_for_url(re.compile(r"guess\.bets=a&guess\.bet=nm"))
    expect(nojs_page.locator("#guess-out li.guess-row")).to_have_count(2)
    assert "guess.bets=a-nm-" in nojs_page.locator("#guess-bet-e").get_attribute("href")
    d = twin(server, "guess", name="anna", bets="a-nm")
    assert totals(nojs_page) == (d["you_sum"], d["xm_sum"])
    assert nojs_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert nojs_page.watch.problems == [], nojs_page.watch.problems


def test_the_game_and_the_map_work_embedded_on_another_origin(kpage, server, tmp_path):
    import functools
    import http.server
    import threading
    from urllib.parse import urlsplit

    from tests.browser.test_embed import QuietHandler, free_port, snippet

    codes = [snippet(server, "/en/chapter/4?guess.name=emma", "guess"), snippet(server, "/zh/chapter/3", "kitchen-map")]
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notes</title></head><body>'
        + "".join(codes) + "</body></html>", encoding="utf-8")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                            functools.partial(QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
        assert urlsplit(url).netloc != urlsplit(server).netloc
        kpage.set_viewport_size({"width": 900, "height": 2000})
        kpage.goto(url)
        game_frame = kpage.frame_locator("iframe >> nth=0")
        expect(game_frame.locator("#w-guess")).to_be_visible()
        kpage.locator("iframe").nth(0).element_handle().content_frame().wait_for_function("() => window.htmx !== undefined")
        game_frame.locator("#guess-bet-a").focus()
        kpage.keyboard.press("e")
        expect(game_frame.locator("#guess-out li.guess-row")).to_have_count(1)
        frame_url = kpage.locator("iframe").nth(0).element_handle().content_frame().url
        assert urlsplit(frame_url).path == "/embed/en/guess" and "bets=e" in frame_url
        map_frame = kpage.frame_locator("iframe >> nth=1")
        expect(map_frame.locator("#kitchen-map-read-3")).to_be_visible()
        link = map_frame.locator("#kitchen-map-sous-chefs .km-more a")
        assert link.get_attribute("target") == "_blank"
        assert kpage.watch.problems == [], kpage.watch.problems
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_presses_faster_than_the_answers_are_all_counted_in_order(kpage, server):
    kpage.goto(server + "/en/chapter/4?guess.name=olivia")
    ready(kpage)
    kpage.locator("#guess-bet-a").focus()
    kpage.keyboard.type("olivia.")          # no waiting between the presses
    expect(kpage.locator("#guess-out li.guess-row")).to_have_count(7)
    kpage.wait_for_function("() => new URLSearchParams(location.search).get('guess.bets') === 'o-l-i-v-i-a-.'")
    expect(kpage.locator("#guess-share-text")).to_contain_text("I beat the kitchen on “olivia”")
    assert kpage.watch.problems == [], kpage.watch.problems
