"""The practice kitchen in a real browser: the curve grows while the server sends the run,
stop really stops the server's stream, a finished run swaps in the server's drawing and its
address, a run the server turns away is explained in the page's language, and the page
works without JavaScript."""

import json
import time
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from app.web import i18n
from app.widgets import practice
from tests.browser.helpers import api, ready


def points(page):
    return int(page.locator("#w-practice [data-practice-chart]").get_attribute("data-points") or 0)


def problems(page):
    """The page's problems, except the stream requests: Chromium reports a streamed
    response read to its end through a reader (and one closed by stop) as ERR_ABORTED."""
    return [p for p in page.watch.problems if not ("/api/train?" in p and "ERR_ABORTED" in p)]


def wait_idle(server, timeout=5):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if api(server, "/api/train/status")["active"] == 0:
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def test_the_curve_grows_while_streaming_and_stop_stops_the_server(kpage, server):
    assert wait_idle(server) is not None
    kpage.goto(server + "/en/chapter/6")
    ready(kpage)
    expect(kpage.locator("#w-practice polyline")).to_have_count(0)
    kpage.locator("#practice-steps").fill("2000")
    kpage.locator("#w-practice [data-practice-start]").click()
    stop = kpage.locator("#w-practice [data-practice-stop]")
    expect(stop).to_be_enabled()
    expect(stop).to_be_focused()
    kpage.wait_for_function("() => +document.querySelector('#w-practice [data-practice-chart]').dataset.points > 5")
    first = points(kpage)
    kpage.wait_for_function(f"() => +document.querySelector('#w-practice [data-practice-chart]').dataset.points > {first + 5}")
    assert api(server, "/api/train/status")["active"] == 1
    # the address already holds the run, so a link replays it
    q = {k: v[0] for k, v in parse_qs(urlsplit(kpage.url).query).items()}
    assert q["practice.go"] == "1" and q["practice.steps"] == "2000" and q["practice.opt"] == "adam"
    stop.click()
    took = wait_idle(server, 1.0)
    assert took is not None, "the server kept streaming after stop"
    done = api(server, "/api/train/status")["steps_sent"]
    shown = points(kpage)
    assert 0 < shown < len(practice.point_steps(2000))
    time.sleep(0.6)
    assert api(server, "/api/train/status")["steps_sent"] == done
    assert points(kpage) == shown  # the curve stopped growing too
    expect(kpage.locator("#w-practice [data-practice-status]")).to_contain_text("Stopped at menu")
    expect(kpage.locator("#w-practice [data-practice-start]")).to_be_enabled()
    assert problems(kpage) == [], problems(kpage)


def test_a_finished_run_swaps_in_the_servers_drawing_of_the_same_curve(kpage, server):
    assert wait_idle(server) is not None
    kpage.goto(server + "/zh/chapter/6")
    ready(kpage)
    kpage.locator("#w-practice input[value=both]").check()
    kpage.locator("#practice-steps").fill("300")
    kpage.locator("#practice-lr").fill("0.02")
    kpage.locator("#w-practice [data-practice-start]").click()
    # the dishes after menu 1 appear while it trains
    expect(kpage.locator("#w-practice [data-practice-dishes] li").first).to_contain_text("第 1 套")
    # when both streams end, the server's drawing and table replace the live one
    expect(kpage.locator("#w-practice .practice-numbers")).to_be_attached(timeout=10_000)
    lines = kpage.locator("#w-practice polyline")
    expect(lines).to_have_count(2)
    want = len(practice.point_steps(300))
    for i in range(2):
        assert len(lines.nth(i).get_attribute("points").split()) == want
    rows = kpage.locator("#w-practice .practice-numbers tbody tr")
    expect(rows).to_have_count(len(practice.milestones(300)))
    assert "practice.go=1" in kpage.url and "practice.opt=both" in kpage.url and "practice.lr=0.02" in kpage.url
    # the page at that address draws the very same curves
    live = [lines.nth(i).get_attribute("points") for i in range(2)]
    kpage.goto(kpage.url)
    again = kpage.locator("#w-practice polyline")
    assert [again.nth(i).get_attribute("points") for i in range(2)] == live
    assert problems(kpage) == [], problems(kpage)


def test_practice_without_javascript_draws_the_finished_run(nojs_page, server):
    nojs_page.goto(server + "/en/chapter/6")
    expect(nojs_page.locator("#w-practice [data-practice-stop]")).to_be_hidden()
    nojs_page.locator("#practice-steps").fill("120")
    nojs_page.locator("#w-practice input[value=sgd]").check()
    nojs_page.locator("#w-practice [data-practice-start]").click()
    nojs_page.wait_for_url("**/en/chapter/6?*practice.go=1*")
    line = nojs_page.locator("#w-practice polyline.line-sgd")
    expect(line).to_have_count(1)
    assert len(line.get_attribute("points").split()) == 120
    expect(nojs_page.locator("#w-practice [data-practice-status]")).to_contain_text("The plain cook with no memory")
    assert nojs_page.watch.problems == [], nojs_page.watch.problems


def test_a_run_the_server_turns_away_is_reported_in_the_page_language(kpage, server):
    from app.api import streams

    def refuse(words):
        return lambda route: route.fulfill(
            status=503, body=json.dumps({"detail": words["en"], "message": words, "retry_after": 5}),
            headers={"content-type": "application/json", "retry-after": "5", "cache-control": "no-store"})

    for words in (i18n.every_language(streams.LOST), i18n.every_language(streams.BUSY)):
        kpage.unroute("**/api/train?*")
        kpage.route("**/api/train?*", refuse(words))
        kpage.goto(server + "/zh/chapter/6")
        ready(kpage)
        kpage.locator("#w-practice [data-practice-start]").click()
        status = kpage.locator("#w-practice [data-practice-status]")
        expect(status).to_contain_text(words["zh"])
        expect(kpage.locator("#w-practice [data-practice-start]")).to_be_enabled()
        expect(kpage.locator("#w-practice [data-practice-stop]")).to_be_disabled()
        expect(kpage.locator("#w-practice [data-practice-chart]")).to_have_attribute("data-points", "0")
