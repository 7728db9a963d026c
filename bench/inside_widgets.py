"""Speed of the widgets inside the kitchen line, run by hand (not part of the tests):

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/inside_widgets.py

For each of sous-chefs, prep-room, next-dish, scorecard and notebook, with a
7-letter name (or beginning), it measures in one process the median time of
1. the fragment route ``/{lang}/widget/<name>?…`` through the ASGI app, called
   in this process's event loop (httpx's ASGI transport: the whole server-side
   request, routing, parsing, the engine call and the partial, without a socket);
2. the render alone (``app.widgets.view.render``: the engine call and the partial).
Target: at most 10 ms for the fragment. The fragment is also timed in CPU time
(the process's own, which other programs on a busy machine don't inflate). It
also prints the size of each fragment.
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
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "app")]

NAMES = ["abigail", "matthew", "charles", "zachary", "natalie", "jasmine", "olivier", "brandon"]


def cases(name, i):
    """(widget, query pairs) for one 7-letter name; the state changes between runs."""
    return {
        "sous-chefs": [("name", name), ("pos", str(i % 8))],
        "prep-room": [("name", name), ("pos", str(i % 8))],
        "next-dish": [("prefix", name), ("t", str(0.5 + (i % 10) / 10))],
        "scorecard": [("name", name)],
        "notebook": [("menu", name), ("t", "0.5"), ("seed", str(i))],
    }


def median_ms(fn, repeats, clock=time.perf_counter):
    times = []
    for i in range(repeats):
        t = clock()
        fn(i)
        times.append(clock() - t)
    return statistics.median(times) * 1000


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--lang", default="en", choices=("zh", "en"))
    args = ap.parse_args(argv)

    import asyncio

    import httpx

    import inside_site
    from app import widgets
    from app.widgets import view

    app = inside_site.client().app
    loop = asyncio.new_event_loop()
    aclient = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    class Client:
        def get(self, path, params=None):
            return loop.run_until_complete(aclient.get(path, params=params))

    client = Client()
    print(f"{'widget':<12} {'fragment ms':>12} {'(cpu ms)':>9} {'render ms':>10} {'bytes':>8}")
    worst = 0.0
    for widget in ("sous-chefs", "prep-room", "next-dish", "scorecard", "notebook"):
        w = widgets.get(widget)

        def fragment(i):
            pairs = cases(NAMES[i % len(NAMES)], i)[widget]
            r = client.get(f"/{args.lang}/widget/{widget}", params=pairs)
            assert r.status_code == 200, r.text[:200]

        def render(i):
            pairs = [(f"{widget}.{k}", v) for k, v in cases(NAMES[i % len(NAMES)], i)[widget]]
            view.render(view.Instance(w, widget), args.lang, pairs, action="/bench")

        for i in range(20):  # warm up
            fragment(i)
        f_ms = median_ms(fragment, args.repeats)
        c_ms = median_ms(fragment, args.repeats, time.process_time)
        r_ms = median_ms(render, args.repeats)
        size = len(client.get(f"/{args.lang}/widget/{widget}", params=cases("abigail", 3)[widget]).content)
        worst = max(worst, f_ms)
        print(f"{widget:<12} {f_ms:>12.2f} {c_ms:>9.2f} {r_ms:>10.2f} {size:>8}")
    print(f"slowest fragment median: {worst:.2f} ms (target <= 10 ms)")
    return 0 if worst <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
