"""The sampling lab in a real browser: the rules redraw the die and the table, from the keyboard
too, a bad value gets the page's own message, it works without JavaScript, and it fits a phone."""

import functools
import html as html_mod
import http.server
import re
import threading
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import query, ready, twin


def die(page):
    """(token, share on the die) per row of the vote table, in order."""
    return page.locator("#sampling-out tr.sl-row").evaluate_all(
        "els => els.map(e => [Number(e.dataset.tok), Number(e.dataset.die)])"
    )


def names(page):
    return page.locator("#sampling-out .names .name-text").all_inner_texts()


def menus(page):
    return page.locator("#sampling-out .sl-menus .name-text").all_inner_texts()


def lab(server, lang="en", **state):
    """The names served and the beam's menus for a state: from the twin."""
    d = twin(server, "sampling", lang, **state)
    return [n["text"] for n in d["names"]], [m["name"] for m in d["menus"]]


def test_the_rules_redraw_the_die_and_the_table_and_keep_a_link(kpage, server):
    kpage.goto(server + "/en/chapter/7")
    ready(kpage)
    # the starting state of the content: emm, top-p 0.9
    assert (names(kpage), menus(kpage)) == lab(server, prefix="emm", top_p="0.9")

    top_k = kpage.locator("#sampling-top_k")
    top_k.fill("1")
    expect(kpage).to_have_url(re.compile(r"sampling\.top_k=1(&|$)"))
    expect(kpage.locator("#sampling-out .inside-summary")).to_contain_text("1 of the 27 courses is left on the die")
    kept = [(t, p) for t, p in die(kpage) if p > 0]
    assert len(kept) == 1 and kept[0][1] == 1.0
    assert names(kpage) == lab(server, prefix="emm", top_p="0.9", top_k="1")[0] == lab(server, prefix="emm", t="0")[0]
    # the keyboard stays where it was
    assert kpage.evaluate("document.activeElement.id") == "sampling-top_k"

    # from the keyboard: arrow the field up to 3, then the beam wider
    top_k.focus()
    kpage.keyboard.press("ArrowUp")
    kpage.keyboard.press("ArrowUp")
    expect(kpage).to_have_url(re.compile(r"sampling\.top_k=3(&|$)"))
    expect(kpage.locator("#sampling-out tr.sl-row:not(.cut)")).to_have_count(3)
    kpage.keyboard.press("Tab")  # on to top-p
    assert kpage.evaluate("document.activeElement.id") == "sampling-top_p"
    width = kpage.locator("#sampling-width")
    width.fill("10")
    expect(kpage.locator("#sampling-out .sl-menus li")).to_have_count(10)
    assert menus(kpage) == lab(server, prefix="emm", width="10")[1]

    # the address holds the whole state: loading it shows the same
    shown = names(kpage)
    q = query(kpage)
    assert (q["sampling.top_k"], q["sampling.width"], q["sampling.prefix"]) == ("3", "10", "emm")
    kpage.goto(kpage.url)
    assert names(kpage) == shown == lab(server, prefix="emm", top_k="3", top_p="0.9")[0]
    assert kpage.watch.problems == [], kpage.watch.problems


def test_a_bad_value_gets_the_pages_own_message_and_can_be_fixed(kpage, server):
    kpage.goto(server + "/zh/chapter/7")
    ready(kpage)
    top_p = kpage.locator("#sampling-top_p")
    top_p.fill("")
    alert = kpage.locator("#sampling-out [role=alert]")
    expect(alert).to_contain_text("凑够 P 就停（top-p）要是 0.05 到 1 之间的数。")
    prefix = kpage.locator("#sampling-prefix")
    top_p.fill("0.5")
    expect(alert).to_have_count(0)
    prefix.fill("em1")
    expect(alert).to_contain_text("一套菜的开头只能用字母 a–z")
    prefix.fill("")
    expect(kpage.locator("#sampling-out .inside-summary")).to_contain_text("只响了开场铃")
    expect(kpage.locator("#sampling-out .sl-menus li")).to_have_count(5)
    assert [p for p in kpage.watch.problems if "422" not in p] == []


def test_without_javascript_the_form_reloads_the_page_in_the_new_state(nojs_page, server):
    nojs_page.goto(server + "/zh/chapter/7?temperature.t=1.2")
    nojs_page.locator("#sampling-prefix").fill("ann")
    nojs_page.locator("#sampling-top_k").fill("4")
    nojs_page.locator("#sampling-min_p").fill("0.1")
    nojs_page.locator("#w-sampling button[type=submit]").click()
    nojs_page.wait_for_url(re.compile(r".*sampling\.top_k=4.*#w-sampling$"))
    q = query(nojs_page)
    assert q["temperature.t"] == "1.2" and q["sampling.prefix"] == "ann" and q["sampling.min_p"] == "0.1"
    assert (names(nojs_page), menus(nojs_page)) == lab(server, "zh", prefix="ann", top_k="4", top_p="0.9", min_p="0.1")
    nojs_page.locator("#sampling-top_k").fill("0")
    nojs_page.locator("#w-sampling button[type=submit]").click()
    expect(nojs_page.locator("#sampling-out [role=alert]")).to_contain_text("只留前 K 道（top-k）要是 1 到 27 之间的整数。")
    assert [p for p in nojs_page.watch.problems if "422" not in p] == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("state", ["", "?sampling.top_k=5&sampling.width=10&sampling.prefix=abcdefghijklmn"])
def test_it_fits_a_phone(kpage, server, lang, state):
    kpage.set_viewport_size({"width": 360, "height": 740})
    kpage.goto(f"{server}/{lang}/chapter/7{state}")
    ready(kpage)
    assert kpage.evaluate("document.documentElement.scrollWidth") <= 360
    box = kpage.locator("#w-sampling").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    # the vote table fits inside the widget without scrolling sideways
    fits = kpage.locator("#sampling-out .table-scroll").first.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert fits
    for field in ("prefix", "top_k", "top_p", "min_p", "width", "seed"):
        b = kpage.locator(f"#sampling-{field}").bounding_box()
        assert b["x"] + b["width"] <= box["x"] + box["width"]


@pytest.fixture
def host_page(server, tmp_path):
    """A page on another origin holding the lab as the chapter's Embed control gives it."""
    with urllib.request.urlopen(server + "/zh/chapter/7?sampling.top_k=2&sampling.prefix=ol", timeout=10) as r:
        text = r.read().decode()
    code = html_mod.unescape(re.search(r'id="sampling-embed-code"[^>]*>(.*?)</textarea>', text, re.S).group(1))
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Notes</title></head><body><h1>Notes</h1>{code}</body></html>',
        encoding="utf-8",
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_embedded_on_another_origin_it_answers_inside_its_frame(kpage, server, host_page):
    assert urlsplit(host_page).netloc != urlsplit(server).netloc
    kpage.set_viewport_size({"width": 900, "height": 2400})
    kpage.goto(host_page)
    lab = kpage.frame_locator("iframe")
    expect(lab.locator("#sampling-out tr.sl-row:not(.cut)")).to_have_count(2)
    frame = kpage.locator("iframe").element_handle().content_frame()
    frame.wait_for_function("() => window.htmx !== undefined")
    lab.locator("#sampling-width").fill("8")
    expect(lab.locator("#sampling-out .sl-menus li")).to_have_count(8)
    assert urlsplit(frame.url).path == "/embed/zh/sampling"
    assert parse_qs(urlsplit(frame.url).query)["width"] == ["8"]
    assert kpage.url == host_page
    assert kpage.watch.problems == [], kpage.watch.problems


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_cut_course_stays_readable(kpage, server, lang):
    """The rows a rule cut are struck through and quieter, but their words (the bell's
    "end" too) keep the contrast a reader needs."""
    from axe_playwright_python.sync_playwright import Axe

    kpage.goto(f"{server}/embed/{lang}/sampling?prefix=emm&top_k=2")
    kpage.wait_for_load_state("networkidle")
    assert kpage.locator("#sampling-out tr.sl-row.cut .tag-no").count() == 1
    results = Axe().run(kpage, options={"runOnly": ["color-contrast"]})
    bad = [n["html"] for v in results.response["violations"] for n in v["nodes"]]
    assert bad == []
