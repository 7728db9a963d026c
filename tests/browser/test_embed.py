"""Embedding in a real browser, from a second origin.

A small host page, served by its own http.server on another port of
127.0.0.1 (so another origin), holds two widgets pasted exactly as the Embed
control shows them, plus the host script, plus an iframe of a chapter page.
The widgets load, answer input inside their iframes, and the host script fits
each iframe to the height its widget reports. The chapter refuses to be framed.
"""

import functools
import html as html_mod
import http.server
import re
import socket
import threading
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from engine import tokenizer


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A teacher's page</title></head>
<body>
<h1>Lesson notes</h1>
<script>
  // what the widgets tell this page, to compare with what the host script did
  window.reports = [];
  window.addEventListener("message", function (e) {
    if (!e.data || e.data.type !== "kitchen:height") return;
    var frames = Array.prototype.slice.call(document.getElementsByTagName("iframe"));
    window.reports.push({frame: frames.findIndex(function (f) { return f.contentWindow === e.source; }),
                         height: e.data.height, id: e.data.id, origin: e.origin});
  });
</script>
<p>The dial:</p>
%(temperature)s
<p>The cutting board:</p>
%(tokenizer)s
<p>The whole chapter (it should refuse):</p>
<iframe id="chapter" src="%(chapter)s" title="chapter" width="600" height="300"></iframe>
</body>
</html>
"""

def snippet(server, path, ns):
    """The Embed control's snippet for widget ``ns`` on the page at ``path``, as a reader copies it."""
    with urllib.request.urlopen(server + path, timeout=10) as r:
        text = r.read().decode()
    m = re.search(rf'id="{ns}-embed-code"[^>]*>(.*?)</textarea>', text, re.S)
    assert m, f"no snippet for {ns} on {path}"
    return html_mod.unescape(m.group(1))


@pytest.fixture
def host(server, tmp_path):
    """A host page on another origin; yields (url, snippets)."""
    snippets = {
        "temperature": snippet(server, "/en/chapter/7", "temperature"),
        "tokenizer": snippet(server, "/en/chapter/2", "tokenizer"),
    }
    (tmp_path / "index.html").write_text(
        HOST_PAGE % {**snippets, "chapter": server + "/en/chapter/7"}, encoding="utf-8"
    )
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html", snippets
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def frame_of(page, index):
    return page.locator("iframe").nth(index).element_handle().content_frame()


def fitted(page, index):
    """Wait until iframe ``index`` has the height its widget last reported; return it."""
    page.wait_for_function(
        """(i) => {
            const f = document.getElementsByTagName("iframe")[i];
            const mine = window.reports.filter(r => r.frame === i);
            return mine.length > 0 && f.clientHeight === Math.round(mine[mine.length - 1].height);
        }""",
        arg=index,
    )
    return page.evaluate("(i) => document.getElementsByTagName('iframe')[i].clientHeight", index)


def content_height(frame):
    return frame.evaluate("() => Math.ceil(document.body.getBoundingClientRect().height)")


def test_two_widgets_work_inside_another_origin(kpage, server, host):
    url, snippets = host
    assert urlsplit(url).netloc != urlsplit(server).netloc
    for code in snippets.values():
        assert f'<script src="{server}/static/js/embed-host.js" async></script>' in code
    start_heights = [int(re.search(r'height="(\d+)"', snippets[n]).group(1)) for n in ("temperature", "tokenizer")]

    kpage.set_viewport_size({"width": 900, "height": 2600})
    kpage.goto(url)
    dial = kpage.frame_locator("iframe >> nth=0")
    board = kpage.frame_locator("iframe >> nth=1")
    expect(dial.locator("#w-temperature .widget-title")).to_contain_text(re.compile("adventurousness", re.I))
    expect(board.locator("#w-tokenizer")).to_be_visible()

    # the host script fitted each iframe to what its widget reported, from the kitchen's origin
    for i in (0, 1):
        height = fitted(kpage, i)
        assert height != start_heights[i]
        assert abs(height - content_height(frame_of(kpage, i))) <= 2
    reports = kpage.evaluate("window.reports")
    assert {r["origin"] for r in reports} == {server}
    assert {r["id"] for r in reports if r["frame"] == 0} == {"temperature"}
    assert {r["id"] for r in reports if r["frame"] == 1} == {"tokenizer"}

    # the dial answers inside its iframe: fewer dishes, a shorter widget, a shorter iframe
    dial.locator("#w-temperature").wait_for()
    frame_of(kpage, 0).wait_for_function("() => window.htmx !== undefined")
    before = fitted(kpage, 0)
    names = dial.locator("#temperature-out li.name")
    expect(names).to_have_count(10)
    count = dial.locator("#temperature-n")
    count.fill("2")
    count.press("Enter")
    expect(names).to_have_count(2)
    kpage.wait_for_function(
        "(h) => document.getElementsByTagName('iframe')[0].clientHeight < h", arg=before
    )
    after = fitted(kpage, 0)
    assert after < before
    assert abs(after - content_height(frame_of(kpage, 0))) <= 2
    # the iframe's own address holds the new state, as an embed (never a chapter)
    dial_url = frame_of(kpage, 0).url
    assert urlsplit(dial_url).path == "/embed/en/temperature"
    assert parse_qs(urlsplit(dial_url).query)["n"] == ["2"]
    assert kpage.url == url

    # the cutting board answers too
    frame_of(kpage, 1).wait_for_function("() => window.htmx !== undefined")
    board.locator("#tokenizer-text").fill("sophia")
    expect(board.locator("#tokenizer-out .tk-ids")).to_have_text(" ".join(map(str, tokenizer.encode("sophia"))))
    assert urlsplit(frame_of(kpage, 1).url).path == "/embed/en/tokenizer"

    # a chapter page refuses to be framed (frame-ancestors 'none'): the browser blocks
    # the answer and shows its own error page in the frame, never the chapter
    kpage.wait_for_function("() => document.getElementById('chapter').contentWindow !== null")
    chapter = kpage.locator("#chapter").element_handle().content_frame()
    expect(kpage.frame_locator("#chapter").locator("h1")).not_to_have_text("Serving: Xiao Ming cooks alone")
    assert not chapter.url.startswith(server)
    assert chapter.evaluate("() => !document.body || !document.body.innerText.includes('Xiao Ming')")
    blocked = [p for p in kpage.watch.problems if "/en/chapter/7" in p or "frame-ancestors" in p]
    assert any("ERR_BLOCKED_BY_RESPONSE" in p for p in blocked)
    # that refusal is the only complaint
    assert [p for p in kpage.watch.problems if p not in blocked] == []


def test_embed_page_follows_theme_and_reports_nothing_alone(kpage, server):
    kpage.emulate_media(color_scheme="light")
    kpage.goto(server + "/embed/zh/temperature?theme=dark")
    paper = kpage.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert paper == "rgb(29, 25, 22)"
    kpage.goto(server + "/embed/zh/temperature")
    assert kpage.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(251, 246, 238)"
    kpage.emulate_media(color_scheme="dark")
    kpage.goto(server + "/embed/zh/temperature?theme=light")
    assert kpage.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(251, 246, 238)"
    assert kpage.context.cookies() == []
    assert kpage.watch.problems == []


def test_the_embed_control_follows_the_widget(kpage, server):
    kpage.goto(server + "/en/chapter/2")
    kpage.wait_for_function("() => window.htmx !== undefined")
    control = kpage.locator("#tokenizer-embed")
    control.locator("summary").click()
    code = control.locator("textarea")
    expect(code).to_be_visible()
    assert f"{server}/embed/en/tokenizer?text=emma" in code.input_value()
    copy = control.locator("button[data-copy-code]")
    expect(copy).to_be_visible()
    kpage.locator("#tokenizer-text").fill("sophia")
    expect(kpage.locator("#tokenizer-out .tk-ids")).to_have_text(" ".join(map(str, tokenizer.encode("sophia"))))
    expect(code).to_have_value(re.compile(r"/embed/en/tokenizer\?text=sophia&amp;|/embed/en/tokenizer\?text=sophia\""))
    # still open, and the copy button still there after the swap
    expect(control).to_have_attribute("open", "")
    expect(control.locator("button[data-copy-code]")).to_be_visible()
    assert kpage.watch.problems == []


def test_an_embed_works_without_javascript(nojs_page, server):
    nojs_page.goto(server + "/embed/en/temperature?theme=dark")
    names = nojs_page.locator("#temperature-out li.name")
    expect(names).to_have_count(10)
    nojs_page.locator("#temperature-n").fill("3")
    nojs_page.locator("#w-temperature button[type=submit]").click()
    expect(names).to_have_count(3)
    parts = urlsplit(nojs_page.url)
    assert parts.path == "/embed/en/temperature"
    assert parse_qs(parts.query)["temperature.n"] == ["3"] and parse_qs(parts.query)["theme"] == ["dark"]
    assert "theme-dark" in nojs_page.locator("body").get_attribute("class")
    back = nojs_page.locator("#embed-back a")
    assert "temperature.n=3" in back.get_attribute("href")
    assert nojs_page.watch.problems == []
