"""In a real browser: how soon the game's answer appears after the reader presses a letter.
Run by hand (not part of the tests):

    .venv/bin/python bench/guess_browser.py [--games 4] [--workers 2]

It starts `kitchen serve` on a free loopback port, opens chapter 4 in chromium
(the pinned htmx is answered from node_modules, nothing leaves the machine),
starts a game on a 7-letter menu of the reader's own, focuses the keypad and
presses one letter per course, each time waiting for the new row of the board.
For every press it records, inside the page (performance.now()), the time from
the key press to the new row being in the page (network, server, swap).
Median and maximum are printed with the load average.
"""

import argparse
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from load import Server, loadavg  # noqa: E402

from app.web import settings  # noqa: E402

NAMES = ["abigail", "matthew", "charles", "natalie"]

WATCH = """
() => {
  window.__bet = {};
  const rows = () => document.querySelectorAll('#guess-out li.guess-row').length;
  document.addEventListener('keydown', () => { window.__bet = {key: performance.now(), before: rows()}; }, true);
  new MutationObserver(() => {
    const d = window.__bet;
    if (d.key && !d.shown && rows() > d.before) { d.shown = performance.now(); }
  }).observe(document.body, {childList: true, subtree: true});
}
"""


def answer_with(body):
    def fulfil(route):
        route.fulfill(status=200, body=body, headers={"content-type": "application/javascript"})

    return fulfil


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--games", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    server = Server(args.workers)
    key_ms = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
            context = browser.new_context()
            context.route("**/*", lambda route: route.fallback()
                          if route.request.url.startswith(server.base) else route.abort("blockedbyclient"))
            for script in settings.SCRIPTS.values():
                context.route(script.cdn_url, answer_with(script.local_path.read_bytes()))
            page = context.new_page()
            for g in range(args.games):
                name = NAMES[g % len(NAMES)]
                page.goto(server.base + f"/en/chapter/4?guess.name={name}", wait_until="domcontentloaded")
                page.wait_for_function("() => window.htmx !== undefined")
                page.evaluate(WATCH)
                page.locator("#guess-bet-a").focus()
                for ch in name[::-1]:  # a letter of the menu, mostly not the next one
                    page.keyboard.press(ch)
                    page.wait_for_function("() => window.__bet.shown", timeout=10_000)
                    d = page.evaluate("window.__bet")
                    key_ms.append(d["shown"] - d["key"])
                    page.wait_for_timeout(150)
            browser.close()
    finally:
        server.stop()
    print(f"{len(key_ms)} bets in {args.games} games, {args.workers} workers")
    print(f"key -> new row of the board: median {statistics.median(key_ms):.0f} ms, max {max(key_ms):.0f} ms")
    print("load average:", " ".join(loadavg()))


if __name__ == "__main__":
    main()
