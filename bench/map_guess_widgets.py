"""Speed of the kitchen map and the guessing game, run by hand (not part of the tests):

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/map_guess_widgets.py

With a 7-letter name it measures in one process, with the store of answers off
(every request computed), the median time of
1. the fragment route ``/{lang}/widget/<name>?…`` through the ASGI app, called
   in this process's event loop (httpx's ASGI transport: routing, parsing, the
   engine call and the partial, without a socket), in wall-clock and CPU time;
2. the render alone (``app.widgets.view.render``: the engine call and the partial).
The game is timed three ways: a menu of the reader's own half played, the same
menu finished (every row and the final comparison), and a menu from the book
by its seed. Target: at most 10 ms for each fragment.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
# bench/engine.py would shadow the engine package: keep this folder off the path
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]
# every request is computed: a worker's store of answers would time a lookup instead
os.environ["KITCHEN_ANSWER_CACHE_MB"] = "0"
sys.path[:0] = [str(ROOT)]
if "KITCHEN_NAMES" not in os.environ and (ROOT.parent / "shared" / "data" / "names.txt").exists():
    os.environ["KITCHEN_NAMES"] = str(ROOT.parent / "shared" / "data" / "names.txt")

NAMES = ["abigail", "matthew", "charles", "zachary", "natalie", "jasmine", "olivier", "brandon"]
STAKES = ["a", "e", "ai", "n", "eio", "l", "r", "."]


def cases(name, i):
    """(label, widget, query pairs) for one 7-letter name; the state changes between runs."""
    half = "-".join(STAKES[(i + j) % len(STAKES)] for j in range(4))
    full = "-".join(STAKES[(i + j) % len(STAKES)] for j in range(8))
    return [
        ("kitchen-map", "kitchen-map", [("name", name), ("pos", str(i % 8))]),
        ("guess, half", "guess", [("name", name), ("bets", half)]),
        ("guess, done", "guess", [("name", name), ("bets", full)]),
        ("guess, book", "guess", [("seed", str(i)), ("bets", "a-e")]),
    ]


def median_ms(fn, repeats, clock=time.perf_counter):
    times = []
    for i in range(repeats):
        t = clock()
        fn(i)
        times.append(clock() - t)
    return statistics.median(times) * 1000


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--lang", default="en", choices=("zh", "en"))
    args = ap.parse_args(argv)

    import asyncio

    import httpx

    from app import widgets
    from app.main import app
    from app.widgets import view

    loop = asyncio.new_event_loop()
    aclient = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    def get(path, params):
        return loop.run_until_complete(aclient.get(path, params=params))

    print(f"{'case':<13} {'fragment ms':>12} {'(cpu ms)':>9} {'render ms':>10} {'bytes':>8}")
    worst = 0.0
    for k, (label, widget, _) in enumerate(cases("abigail", 0)):
        w = widgets.get(widget)

        def pairs_of(i):
            return cases(NAMES[i % len(NAMES)], i)[k][2]

        def fragment(i):
            r = get(f"/{args.lang}/widget/{widget}", pairs_of(i))
            assert r.status_code == 200, r.text[:300]

        def render(i):
            view.render(view.Instance(w, widget), args.lang, [(f"{widget}.{a}", b) for a, b in pairs_of(i)],
                        action="/bench")

        for i in range(20):  # warm up
            fragment(i)
        f_ms = median_ms(fragment, args.repeats)
        c_ms = median_ms(fragment, args.repeats, time.process_time)
        r_ms = median_ms(render, args.repeats)
        size = len(get(f"/{args.lang}/widget/{widget}", pairs_of(3)).content)
        worst = max(worst, f_ms)
        print(f"{label:<13} {f_ms:>12.2f} {c_ms:>9.2f} {r_ms:>10.2f} {size:>8}")
    print(f"slowest fragment median: {worst:.2f} ms (target <= 10 ms)")
    return 0 if worst <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
