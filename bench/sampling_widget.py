"""Speed of chapter 7's sampling lab, run by hand (not part of the tests):

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/sampling_widget.py

With a 7-letter beginning, the rules on (top-k, top-p and min-p all cutting)
and beam search at its widest (10), it measures in one process the median time of
1. the fragment route ``/{lang}/widget/sampling?…`` through the ASGI app, called
   in this process's event loop (httpx's ASGI transport: the whole server-side
   request, routing, parsing, the engine call and the partial, without a socket);
2. the render alone (``app.widgets.view.render``: the engine call and the partial);
3. the engine call alone (``engine.search.lab``), and its beam search alone.
The store of answers is off, so every request is computed; the state changes
between requests (beginning, seed, temperature). Target: at most 10 ms for the
fragment. The fragment is also timed in CPU time (the process's own, which other
programs on a busy machine don't inflate).

With ``--before TREE`` (another checkout, e.g. the commit before the rules) it
also times, in turn in this tree and in that one, what the rules must not slow
down when they are off: 20 names at temperature 0.5 (the engine), and
``/api/sample`` and ``/api/next`` with their defaults through the ASGI app.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

# the tree whose app and engine are timed: this one, or the one --before names (KITCHEN_BENCH_TREE)
ROOT = pathlib.Path(os.environ.get("KITCHEN_BENCH_TREE") or pathlib.Path(__file__).resolve().parents[1])
# bench/engine.py would shadow the engine package: keep this folder off the path
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]
# every request is computed: a worker's store of answers would time a lookup instead
os.environ["KITCHEN_ANSWER_CACHE_MB"] = "0"
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "app")]

NAMES = ["abigail", "matthew", "charles", "zachary", "natalie", "jasmine", "olivier", "brandon"]


def case(i):
    """The query for request ``i``: a 7-letter beginning, every rule cutting, beam width 10."""
    return [("prefix", NAMES[i % len(NAMES)]), ("t", str(0.5 + (i % 10) / 10)), ("top_k", "5"),
            ("top_p", "0.9"), ("min_p", "0.05"), ("seed", str(i)), ("width", "10")]


def median_ms(fn, repeats, clock=time.perf_counter):
    times = []
    for i in range(repeats):
        t = clock()
        fn(i)
        times.append(clock() - t)
    return statistics.median(times) * 1000


def plain(repeats):
    """Medians (ms, CPU ms) of the paths the rules leave alone when off, in this process's tree."""
    import asyncio

    import httpx

    import inside_site
    from engine import checkpoint, sample

    params = checkpoint.default_params()
    app = inside_site.client().app
    loop = asyncio.new_event_loop()
    aclient = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    def get(path):
        def run(i):
            r = loop.run_until_complete(aclient.get(path.format(i=i)))
            assert r.status_code == 200
        return run

    cases = {
        "20 names at t=0.5": lambda i: sample.sample(params, n=20, temperature=0.5, seed=i),
        "/api/sample": get("/api/sample?seed={i}"),
        "/api/next": get("/api/next?prefix=abigail&temperature=0.{i}"),
    }
    for fn in cases.values():
        for i in range(20):
            fn(i)
    return {k: (median_ms(fn, repeats), median_ms(fn, repeats, time.process_time)) for k, fn in cases.items()}


def compare(before, repeats, rounds=3):
    """Run ``plain`` in this tree and in ``before`` by turns; the medians of each tree's rounds."""
    import json
    import subprocess

    runs = {"after": [], "before": []}
    for _ in range(rounds):
        for label, tree in (("before", before), ("after", str(ROOT))):
            env = dict(os.environ, PYTHONPATH=tree, KITCHEN_BENCH_TREE=tree)
            out = subprocess.run([sys.executable, __file__, "--plain-only", "--repeats", str(repeats)], env=env,
                                 cwd=tree, check=True, capture_output=True, text=True).stdout
            runs[label].append(json.loads(out))
    print(f"\nrules off, {rounds} rounds by turns (median of round medians), ms wall / CPU:")
    print(f"{'what':<20} {'before':>16} {'after':>16}")
    for key in runs["after"][0]:
        cells = []
        for label in ("before", "after"):
            wall = statistics.median(r[key][0] for r in runs[label])
            cpu = statistics.median(r[key][1] for r in runs[label])
            cells.append(f"{wall:.2f} / {cpu:.2f}")
        print(f"{key:<20} {cells[0]:>16} {cells[1]:>16}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--before", metavar="TREE", help="another checkout to compare the rules-off paths with")
    ap.add_argument("--plain-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.plain_only:
        import json

        print(json.dumps(plain(args.repeats)))
        return 0

    import asyncio

    import httpx

    import inside_site
    from app import widgets
    from app.widgets import view
    from engine import checkpoint, search

    app = inside_site.client().app
    loop = asyncio.new_event_loop()
    aclient = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    w = widgets.get("sampling")
    params = checkpoint.default_params()

    print(f"{'lang':<5} {'fragment ms':>12} {'(cpu ms)':>9} {'render ms':>10} {'engine ms':>10} {'beam ms':>8} {'bytes':>8}")
    worst = 0.0
    for lang in ("zh", "en"):
        def fragment(i):
            r = loop.run_until_complete(aclient.get(f"/{lang}/widget/sampling", params=case(i)))
            assert r.status_code == 200, r.text[:200]

        def render(i):
            view.render(view.Instance(w, "sampling"), lang, [(f"sampling.{k}", v) for k, v in case(i)], action="/bench")

        def engine_call(i):
            q = dict(case(i))
            search.lab(params, q["prefix"], float(q["t"]), 5, 0.9, 0.05, i, n=10, width=10)

        def beam(i):
            search.beam(params, NAMES[i % len(NAMES)], 10)

        for i in range(20):  # warm up
            fragment(i)
        f_ms = median_ms(fragment, args.repeats)
        c_ms = median_ms(fragment, args.repeats, time.process_time)
        r_ms = median_ms(render, args.repeats)
        e_ms = median_ms(engine_call, args.repeats)
        b_ms = median_ms(beam, args.repeats)
        size = len(loop.run_until_complete(aclient.get(f"/{lang}/widget/sampling", params=case(3))).content)
        worst = max(worst, f_ms)
        print(f"{lang:<5} {f_ms:>12.2f} {c_ms:>9.2f} {r_ms:>10.2f} {e_ms:>10.2f} {b_ms:>8.2f} {size:>8}")
    print(f"slowest fragment median: {worst:.2f} ms (target <= 10 ms); load average {os.getloadavg()}")
    if args.before:
        compare(args.before, args.repeats)
    return 0 if worst <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
