"""Speed of the site on one worker, run by hand (not part of the tests).

    .venv/bin/python bench/site.py [--seconds 10] [--connections 32]

1. A chapter page: requests per second on one uvicorn worker, measured with
   wrk (Debian's `wrk` package) over loopback, closed loop. Target: >= 1,000.
2. The dial: median time of one fragment request (the temperature widget at a
   new state) as one client sees it over loopback, which bounds the server's
   time from above; and the same render measured inside the process.
   Target: <= 10 ms.

It starts its own server on a free 127.0.0.1 port and stops it by process id.
"""

import argparse
import http.client
import os
import pathlib
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port):
    env = dict(os.environ)
    if not env.get("KITCHEN_NAMES") and SHARED_NAMES.exists():
        env["KITCHEN_NAMES"] = str(SHARED_NAMES)
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--log-level", "warning", "--no-access-log"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server stopped (exit {proc.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("the server did not start within 60 s")


def chapter_path(port):
    """A chapter page that exists (chapter 7 if present)."""
    for path in ["/zh/chapter/7", "/en/chapter/7"] + [f"/zh/chapter/{n}" for n in range(1, 9)] + ["/zh/"]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                if r.status == 200:
                    return path, len(r.read())
        except OSError:
            continue
    sys.exit("no page answered")


def page_throughput(port, path, seconds, connections):
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("wrk is missing: apt-get install -y wrk")
    out = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)
    return rps, int(non2xx.group(1)) if non2xx else 0, p50


def dial_latency(port, requests):
    """Sequential fragment requests at random states, one keep-alive connection.
    Over loopback the round trip is the server's time plus well under 0.1 ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    rng = random.Random(7)
    trips = []
    for i in range(requests + 20):
        t = rng.randint(0, 20) / 10
        seed = rng.randint(0, 10**6)
        path = f"/en/widget/temperature?temperature.t={t}&temperature.n=10&temperature.seed={seed}"
        start = time.perf_counter()
        conn.request("GET", path, headers={"HX-Request": "true", "HX-Target": "temperature-out",
                                                  "HX-Current-URL": f"http://127.0.0.1:{port}/en/chapter/7"})
        r = conn.getresponse()
        r.read()
        elapsed = time.perf_counter() - start
        if r.status != 200:
            sys.exit(f"dial request failed: {r.status} {path}")
        if i >= 20:  # warm-up
            trips.append(elapsed * 1000)
    conn.close()
    return statistics.median(trips), statistics.quantiles(trips, n=100)[98]


def dial_in_process(requests):
    """The same work without any network: the fragment route through the ASGI app."""
    if not os.environ.get("KITCHEN_NAMES") and SHARED_NAMES.exists():
        os.environ["KITCHEN_NAMES"] = str(SHARED_NAMES)
    sys.path.insert(0, str(ROOT))
    from app.widgets import temperature, view

    rng = random.Random(7)
    times = []
    inst = view.Instance(temperature.TEMPERATURE, "temperature")
    for i in range(requests + 20):
        pairs = [("temperature.t", str(rng.randint(0, 20) / 10)), ("temperature.seed", str(rng.randint(0, 10**6)))]
        start = time.perf_counter()
        view.render(inst, "en", pairs, action="/en/chapter/7")
        if i >= 20:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()

    port = free_port()
    proc = start_server(port)
    try:
        path, size = chapter_path(port)
        rps, bad, p50 = page_throughput(port, path, args.seconds, args.connections)
        print(f"chapter page {path} ({size:,} bytes): {rps:,.0f} requests/s on one worker "
              f"(wrk, {args.connections} connections, {args.seconds} s, median {p50}, non-2xx {bad})")
        median, p99 = dial_latency(port, args.requests)
        print(f"dial fragment, one client over loopback: median {median:.2f} ms, p99 {p99:.2f} ms "
              f"({args.requests} requests at random states)")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"dial render in process (sample + partial, no network): median {dial_in_process(args.requests):.2f} ms")


if __name__ == "__main__":
    main()
