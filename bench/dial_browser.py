"""In a real browser: how soon new names appear after the reader moves the dial.
Run by hand (not part of the tests):

    .venv/bin/python bench/dial_browser.py [--moves 20] [--workers 2]

It starts `kitchen serve` on a free loopback port, opens chapter 7 in chromium
(the pinned htmx is answered from node_modules, nothing leaves the machine),
focuses the temperature dial and presses an arrow key `moves` times, each time
waiting for the names to change. For every move it records, inside the page
(performance.now()):

- key -> names: from the key press to the moment the new names are in the page;
  this includes the dial's debounce (the data-hx-trigger delay in
  templates/widgets/_temperature.html);
- request -> names: from htmx sending the request to the new names being in
  the page (network, server, swap).

Medians and maxima are printed with the load average.
"""

import argparse
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from load import Server, loadavg  # noqa: E402

from app.web import settings  # noqa: E402

WATCH = """
() => {
  window.__dial = {};
  const names = () => [...document.querySelectorAll('#temperature-out .name-text')].map(e => e.textContent).join();
  document.addEventListener('keydown', () => {
    window.__dial = {key: performance.now(), before: names()};
  }, true);
  document.body.addEventListener('htmx:beforeRequest', () => { window.__dial.request = performance.now(); });
  new MutationObserver(() => {
    const d = window.__dial;
    if (d.key && !d.shown && names() && names() !== d.before) { d.shown = performance.now(); }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""


def answer_with(body):
    def fulfil(route):
        route.fulfill(status=200, body=body, headers={"content-type": "application/javascript"})

    return fulfil


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--moves", type=int, default=20)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    server = Server(args.workers)
    key_ms, req_ms = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            context = browser.new_context()
            # nothing leaves the machine: refuse every other address (routes added later win)
            context.route("**/*", lambda route: route.fallback()
                          if route.request.url.startswith(server.base) else route.abort("blockedbyclient"))
            for script in settings.SCRIPTS.values():
                context.route(script.cdn_url, answer_with(script.local_path.read_bytes()))
            page = context.new_page()
            page.goto(server.base + "/en/chapter/7", wait_until="domcontentloaded")
            page.wait_for_function("() => window.htmx !== undefined")
            page.evaluate(WATCH)
            page.locator("#temperature-t").focus()
            for i in range(args.moves):
                key = "ArrowRight" if (i // 5) % 2 == 0 else "ArrowLeft"
                page.keyboard.press(key)
                page.wait_for_function("() => window.__dial.shown", timeout=10_000)
                d = page.evaluate("window.__dial")
                key_ms.append(d["shown"] - d["key"])
                req_ms.append(d["shown"] - d["request"])
                page.wait_for_timeout(250)
            browser.close()
    finally:
        server.stop()
    print(f"{args.moves} dial moves, {args.workers} workers")
    print(f"key -> new names (includes the dial's debounce): median {statistics.median(key_ms):.0f} ms, "
          f"max {max(key_ms):.0f} ms")
    print(f"request -> new names: median {statistics.median(req_ms):.0f} ms, max {max(req_ms):.0f} ms")
    print("load average:", " ".join(loadavg()))


if __name__ == "__main__":
    main()
