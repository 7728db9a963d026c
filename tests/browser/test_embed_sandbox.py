"""An embed placed the way WordPress places an iframe from a site it does not know:
only the ``<iframe>``, no script line, and ``sandbox="allow-scripts"``, on a page of
another origin (a second port of 127.0.0.1, served by its own http.server).

Inside, the page has an opaque origin: every request it makes is cross-origin, the
browser checks htmx's hash only on a CORS answer, and forms may not be submitted.
The widget must still load, answer the dial, the buttons and Enter, and stream a
practice run; and it works the same in an iframe with no sandbox. The chapter
itself still refuses to be framed."""

import functools
import http.server
import threading

import pytest
from playwright.sync_api import expect

from tests.browser.test_embed import QuietHandler, free_port

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A blog post</title></head>
<body><h1>My post</h1>
<iframe %(sandbox)s src="%(src)s" title="widget" width="700" height="%(height)s"></iframe>
</body></html>
"""


@pytest.fixture
def blog(server, tmp_path):
    """A blog on another origin; returns a function writing one post and giving its address."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def post(name, path, sandbox=True, height=900):
        (tmp_path / name).write_text(PAGE % {
            "sandbox": 'sandbox="allow-scripts"' if sandbox else "", "src": server + path, "height": height,
        }, encoding="utf-8")
        return f"http://127.0.0.1:{httpd.server_address[1]}/{name}"

    try:
        yield post
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def widget_frame(page):
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_function("() => window.htmx !== undefined")
    return frame


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "plain"])
def test_the_dial_answers_in_a_frame_on_another_origin(kpage, blog, lang, sandbox):
    kpage.goto(blog(f"dial-{lang}.html", f"/embed/{lang}/temperature", sandbox))
    frame = widget_frame(kpage)
    assert frame.evaluate("window.origin") == ("null" if sandbox else frame.evaluate("location.origin"))
    names = frame.locator("#temperature-out .name-text")
    expect(names).to_have_count(10)
    first = names.all_inner_texts()
    # the dial: htmx asks the embed page itself, across origins
    frame.locator("#temperature-t").fill("1.5")
    frame.wait_for_function("(a) => [...document.querySelectorAll('#temperature-out .name-text')]"
                            ".map(e => e.textContent).join() !== a", arg=",".join(first))
    # the Serve button: no form submit, the answer still comes
    frame.evaluate("document.getElementById('temperature-n').value = '4'")
    frame.locator("#w-temperature button[type=submit]").click()
    expect(names).to_have_count(4)
    # Enter in a field
    frame.evaluate("document.getElementById('temperature-n').value = '6'")
    frame.locator("#temperature-n").press("Enter")
    expect(names).to_have_count(6)
    assert kpage.watch.problems == []


def test_a_knob_and_a_practice_run_in_a_sandboxed_frame(kpage, blog):
    kpage.goto(blog("wall.html", "/embed/en/knob-wall", height=1400))
    frame = widget_frame(kpage)
    knob = frame.locator(".kw-grid button").nth(7)
    number = knob.get_attribute("value")
    knob.click()
    expect(frame.locator("#knob-wall-inspect h2")).to_contain_text(f"#{number}")

    kpage.goto(blog("practice.html", "/embed/zh/practice?steps=40", height=1200))
    frame = widget_frame(kpage)
    frame.locator("#w-practice button[data-practice-start]").click()
    # the live stream reaches the sandboxed frame (the dishes after menu 1 appear as it
    # trains), and at its end the server's drawing of the run is swapped in
    expect(frame.locator("#w-practice [data-practice-dishes] li").first).to_contain_text("第 1 套", timeout=20_000)
    expect(frame.locator("#w-practice .practice-numbers")).to_be_attached(timeout=20_000)
    assert kpage.watch.problems == []


def test_the_whole_widget_shows_without_the_host_script(kpage, blog):
    """Nothing resizes the frame: the snippet's height holds the whole widget at the
    width blogs give it, and anything taller scrolls inside the frame."""
    from app import widgets

    kpage.set_viewport_size({"width": 760, "height": 900})
    for name in ("temperature", "tokenizer", "next-dish"):
        height = widgets.get(name).height
        kpage.goto(blog(f"{name}.html", f"/embed/en/{name}", height=height))
        frame = widget_frame(kpage)
        kpage.wait_for_load_state("networkidle")
        tall = frame.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        assert tall <= height + 2, f"{name} needs {tall}px, the snippet gives {height}"



@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_newest_widgets_show_whole_without_the_host_script(kpage, blog, lang):
    """The map, the sampling lab and the guessing game as a blog without the host script
    shows them: their snippet's height holds the starting state in either language."""
    from app import widgets

    kpage.set_viewport_size({"width": 760, "height": 900})
    short = []
    for name in ("kitchen-map", "sampling", "guess"):
        height = widgets.get(name).height
        kpage.goto(blog(f"{name}-{lang}.html", f"/embed/{lang}/{name}", height=height))
        frame = widget_frame(kpage)
        kpage.wait_for_load_state("networkidle")
        tall = frame.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        if tall > height + 2:
            short.append(f"{lang} {name} needs {tall}px, the snippet gives {height}")
    assert short == []

def test_a_chapter_still_refuses_any_frame(kpage, blog, server):
    kpage.goto(blog("chapter.html", "/en/chapter/7"))
    frame = kpage.locator("iframe").element_handle().content_frame()
    kpage.wait_for_timeout(500)
    assert frame.url.startswith("chrome-error:"), frame.url
    kpage.watch.problems.clear()  # the refusal itself is reported by the browser
