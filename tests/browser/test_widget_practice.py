"""The practice kitchen in a real browser: the curve grows while the server trains, stop
really stops the server's work, a finished run swaps in the server's drawing and its
address, and the page works without JavaScript."""

import json
import time
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

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
    assert took is not None, "the server kept training after stop"
    done = api(server, "/api/train/status")["steps_computed"]
    shown = points(kpage)
    assert 0 < shown < len(practice.point_steps(2000))
    time.sleep(0.6)
    assert api(server, "/api/train/status")["steps_computed"] == done
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


def test_a_run_cut_short_on_the_server_is_reported_in_the_page_language(kpage, server):
    cut = (
        "retry: 600000\nevent: start\ndata: "
        + json.dumps({"steps": 1000, "lr": 0.01, "seed": 42, "optimizer": "adam",
                      "milestones": [1, 100, 500, 1000], "smooth": practice.SMOOTH})
        + "\n\ndata: "
        + json.dumps({"step": 1, "loss": 3.3, "lr": 0.01, "grad_norm": 1.0, "name": "emma"})
        + "\n\nevent: error\ndata: "
        + json.dumps({"message": {"zh": "这次练习中途断了，请再试一次。", "en": "This practice run was cut short. Please try again."}})
        + "\n\n"
    )
    kpage.route("**/api/train?*", lambda route: route.fulfill(
        status=200, body=cut, headers={"content-type": "text/event-stream", "cache-control": "no-store"}))
    kpage.goto(server + "/zh/chapter/6")
    ready(kpage)
    kpage.locator("#w-practice [data-practice-start]").click()
    status = kpage.locator("#w-practice [data-practice-status]")
    expect(status).to_contain_text("这次练习中途断了")
    expect(kpage.locator("#w-practice [data-practice-start]")).to_be_enabled()
    expect(kpage.locator("#w-practice [data-practice-stop]")).to_be_disabled()
    # what came before the cut stays on the curve (drawn on the next animation frame)
    expect(kpage.locator("#w-practice [data-practice-chart]")).to_have_attribute("data-points", "1")
