"""CPU cost of one dial request inside the process, through the whole ASGI app
(middleware, routing, the thread-pool hop, sampling, the partial), without any
network or HTTP parsing. Run by hand:

    .venv/bin/python bench/asgi_cost.py [--requests 2000]
    .venv/bin/python bench/asgi_cost.py --parts [--requests 2000]   # where the CPU goes, part by part

It measures the same requests computed (no store of answers), computed with
the security headers and the layer that holds whole answers (address, ETag,
compression) removed (what they cost), and
served again from a worker's store of answers (what a repeat costs).
"""

import argparse
import asyncio
import os
import pathlib
import random
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
if not os.environ.get("KITCHEN_NAMES") and SHARED_NAMES.exists():
    os.environ["KITCHEN_NAMES"] = str(SHARED_NAMES)


async def call(app, path, query):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query.encode(),
             "headers": [(b"host", b"127.0.0.1"), (b"hx-request", b"true"), (b"hx-target", b"temperature-out"),
                         (b"hx-current-url", b"http://127.0.0.1/en/chapter/7")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    status = None

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(app, n):
    """Wall time per request, and the process's CPU time per request (all threads):
    the CPU figure does not grow when other work shares the cores."""
    rng = random.Random(1)
    times = []
    for i in range(n + 100):
        if i == 100:
            cpu0 = time.process_time()
        q = f"t={rng.randrange(0, 201) / 100:g}&n=10&seed={rng.randrange(1, 1000)}"
        t0 = time.perf_counter()
        assert await call(app, "/en/widget/temperature", q) == 200
        if i >= 100:
            times.append(time.perf_counter() - t0)
    return times, (time.process_time() - cpu0) / n


def report(label, times, cpu):
    ms = sorted(t * 1000 for t in times)
    print(f"{label}: wall median {statistics.median(ms):.2f} ms, p99 {ms[int(0.99 * len(ms))]:.2f} ms; "
          f"CPU {cpu * 1000:.3f} ms per request -> at most {1 / cpu:,.0f} requests/s per core before HTTP")


def parts(app, n):
    """Where one fresh dial answer's CPU goes: the engine's sampling alone, the partial and
    its Embed control with the sampling done already, the route's whole function, and the
    whole app (what is left is routing, the thread-pool hop and the middleware)."""
    from starlette.requests import Request

    from app.pages import embed, fragments
    from app.widgets import temperature

    rng = random.Random(2)

    def cpu(fn):
        for _ in range(100):
            fn()
        t0 = time.process_time()
        for _ in range(n):
            fn()
        return (time.process_time() - t0) / n

    def query():
        return f"t={rng.randrange(0, 201) / 100:g}&n=10&seed={rng.randrange(1, 1000)}"

    def request():
        return Request({"type": "http", "method": "GET", "path": "/en/widget/temperature", "query_string": query().encode(),
                        "headers": [(b"host", b"127.0.0.1"), (b"hx-request", b"true"), (b"hx-target", b"temperature-out"),
                                    (b"hx-current-url", b"http://127.0.0.1/en/chapter/7")], "app": app,
                        "scheme": "http", "server": ("127.0.0.1", 80), "root_path": ""})

    page = app.state.site.library.home_of("en", "temperature")
    inst = page.instance("temperature")
    sampled = temperature.sample_names(10, 0.5, 1)
    real = temperature.sample_names
    figures = {"sampling ten names (engine.sample.sample)":
               cpu(lambda: real(10, rng.randrange(0, 201) / 100, rng.randrange(1, 1000)))}
    temperature.sample_names = lambda *a, **k: sampled
    try:
        figures["the partial and its Embed control, sampling excluded"] = cpu(lambda: embed.render_with_control(
            inst, "en", [("temperature.t", f"{rng.randrange(0, 201) / 100:g}")], action=page.path))
        figures["the route's function (parsing, HX-Replace-Url, the partial), sampling excluded"] = cpu(
            lambda: fragments.render_fragment("en", "temperature", request()))
        figures["the whole ASGI app, sampling excluded"] = measure_cpu(app, n)
    finally:
        temperature.sample_names = real
    figures["the whole ASGI app"] = measure_cpu(app, n)
    for label, value in figures.items():
        print(f"{label}: CPU {value * 1000:.3f} ms per request")


def measure_cpu(app, n):
    return asyncio.run(measure(app, n))[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--parts", action="store_true", help="where one fresh dial answer's CPU goes, part by part")
    args = p.parse_args()
    from app.main import create_app

    if args.parts:
        parts(create_app(answer_bytes=0), args.requests)
        print("load average:", " ".join(open("/proc/loadavg").read().split()[:3]))
        return

    computed = create_app(answer_bytes=0)
    site = computed.state.site
    bare = create_app(site, answer_bytes=0)
    bare.user_middleware = [m for m in bare.user_middleware if m.cls.__module__ not in ("app.web.security_headers", "app.web.whole_answers")]
    stored = create_app(site, answer_bytes=64 << 20)
    asyncio.run(measure(stored, args.requests))  # the first pass fills the store
    for label, app in (("computed (no store)", computed),
                       ("computed, without the security headers and the whole-answer layer", bare),
                       ("repeat served from the store", stored),
                       ("computed again", computed)):
        times, cpu = asyncio.run(measure(app, args.requests))
        report(label, times, cpu)
    print("load average:", " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    main()
