"""Speed and weight of chapter 5's widgets, run by hand (not part of the tests):

    KITCHEN_NAMES=../shared/data/names.txt .venv/bin/python bench/chapter5_widgets.py

For trace-back and knob-wall, with 7-letter names, it measures in one process
the median time of the fragment route ``/{lang}/widget/<name>?…`` through the
ASGI app (httpx's ASGI transport: routing, parsing, the engine calls and the
partial, without a socket), in wall-clock and in the process's own CPU time
(which other programs on a busy machine inflate less), and of the render alone.
It also prints each fragment's size, and the weight of chapter 5 in its
starting state: the page plus its own stylesheets and scripts (htmx not
counted). Targets: fragments at most 10 ms, the chapter at most 150 KB.
"""

import argparse
import asyncio
import os
import pathlib
import re
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

NAMES = ["abigail", "matthew", "charles", "zachary", "natalie", "jasmine", "olivier", "brandon"]
STATIONS = ["wte", "wpe", "attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2", "lm_head"]

CASES = {
    "trace-back, a step and a card knob": ("trace-back", lambda n, i: [("name", n), ("step", str(i % 7)), ("row", str(1 + i % 27))]),
    "trace-back, a prep-room knob": ("trace-back", lambda n, i: [("name", n), ("station", "mlp_fc1"), ("row", str(1 + i % 64)), ("col", "3")]),
    "knob-wall, settings": ("knob-wall", lambda n, i: [("name", n)]),
    "knob-wall, tasted + knob": ("knob-wall", lambda n, i: [("name", n), ("view", "influence"), ("knob", str(i % 432))]),
    "knob-wall, any station + turn": ("knob-wall", lambda n, i: [
        ("name", n), ("view", "influence"), ("station", STATIONS[i % 9]), ("knob", str((i * 97) % 4192)),
        ("set", f"{(i % 20) / 10 - 1:.1f}")]),
    "knob-wall, 1,024-knob station": ("knob-wall", lambda n, i: [
        ("name", n), ("view", "influence"), ("station", "mlp_fc1"), ("knob", str(2144 + i % 1024)), ("set", "0.5")]),
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
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--lang", default="en", choices=("zh", "en"))
    args = ap.parse_args(argv)

    import httpx

    from app import widgets
    from app.main import create_app
    from app.widgets import view

    app = create_app()
    loop = asyncio.new_event_loop()
    aclient = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")

    def get(path, params=None):
        return loop.run_until_complete(aclient.get(path, params=params))

    print(f"{'case':<36} {'fragment ms':>12} {'(cpu ms)':>9} {'render ms':>10} {'bytes':>8}")
    worst = 0.0
    for label, (name, make) in CASES.items():
        w = widgets.get(name)

        def fragment(i):
            r = get(f"/{args.lang}/widget/{name}", params=make(NAMES[i % len(NAMES)], i))
            assert r.status_code == 200, r.text[:200]

        def render(i):
            pairs = [(f"{name}.{k}", v) for k, v in make(NAMES[i % len(NAMES)], i)]
            view.render(view.Instance(w, name), args.lang, pairs, action="/bench")

        for i in range(20):  # warm up
            fragment(i)
        f_ms = median_ms(fragment, args.repeats)
        c_ms = median_ms(fragment, args.repeats, time.process_time)
        r_ms = median_ms(render, args.repeats)
        size = len(get(f"/{args.lang}/widget/{name}", params=make("abigail", 3)).content)
        worst = max(worst, f_ms)
        print(f"{label:<36} {f_ms:>12.2f} {c_ms:>9.2f} {r_ms:>10.2f} {size:>8}")
    print(f"slowest fragment median: {worst:.2f} ms (target <= 10 ms)")

    heaviest = 0
    for lang in ("zh", "en"):
        page = get(f"/{lang}/chapter/5")
        total = len(page.content)
        for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
            if "/vendor/" not in url and not url.split("?")[0].endswith(".svg"):
                total += len(get(url).content)
        heaviest = max(heaviest, total)
        print(f"/{lang}/chapter/5: page {len(page.content)} bytes, with its CSS and JS {total} bytes ({total / 1024:.1f} KB)")
    return 0 if worst <= 10 and heaviest <= 150 * 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
