"""Load tests, run by hand on loopback (not part of the test suite).

    .venv/bin/python bench/load.py readers   [--workers 2] [--readers 64] [--rate 5] [--seconds 60] [--streams 4] [--moves walk|random]
    .venv/bin/python bench/load.py locust    [--workers 2] [--readers 64] [--rate 5] [--seconds 60] [--streams 4]   # needs locust
    .venv/bin/python bench/load.py wrk       [--workers 2] [--readers 64] [--rate 5] [--seconds 60] [--streams 4]   # needs wrk
    .venv/bin/python bench/load.py saturate  [--seconds 20] [--connections 64]      # needs wrk
    .venv/bin/python bench/load.py pages     [--seconds 20] [--connections 64]      # needs wrk
    .venv/bin/python bench/load.py weight

readers   Open loop: every reader keeps one keep-alive connection and moves
          the temperature dial `rate` times a second on a fixed schedule,
          sending the fragment request htmx sends, while `streams` live
          practice runs stream at the same time (each restarted when it
          ends). `--moves walk` (the default) moves like a reader: each
          reader opens chapter 7 in its default state, then nudges the dial
          one notch (0.1) left or right, and one move in ten presses "next
          table" (the seed goes up by one); like the browser, it sends the
          address the last answer gave (HX-Replace-Url) as HX-Current-URL.
          `--moves random` is the worst case: every request asks for a
          random temperature (0-2 in hundredths) at a random seed (1-999), a
          state no one has asked for, so no answer is ever a repeat.
          Latency is measured from the moment a request was *due*, so a slow
          answer that delays the next request is counted against the server
          (no coordinated omission). Memory: the summed RSS of the server's
          processes after a 5 s warm-up and at the end.
locust    The same readers (`walk`) and streams, but the readers are locust
          users (`bench/locustfile.py`, `pip install locust`), each with
          `constant_throughput(rate)`: locust's own percentiles, measured from
          when each request was sent.
wrk       The same readers (`walk`) and streams, but the readers are wrk's
          (Debian's `wrk`, written in C, so the load costs the two cores
          least): one wrk thread per reader, each thread one keep-alive
          connection, whose Lua script walks the dial as `Walk` does, sends
          HX-Current-URL, checks every answer, and waits (`delay()`) a
          random 0.5-1.5 times the period (1/rate) before each move. wrk's
          percentiles, measured from when each request was sent.
saturate  Closed loop: wrk against the dial fragment (a new random temperature
          per request) on ONE worker, `connections` connections.
pages     Closed loop: wrk against a chapter page on ONE worker.
weight    Every page in both languages: HTML + its CSS + its JS, without htmx.

Each command starts its own server on a free 127.0.0.1 port, in its own
process group, and stops it by that group's id. The load average is printed
next to every figure, because other work on the machine moves the numbers.
"""

import argparse
import asyncio
import os
import pathlib
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_NAMES = ROOT.parent / "shared" / "data" / "names.txt"
DIAL = "/en/widget/temperature"
CHAPTER = "/en/chapter/7"


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env():
    env = dict(os.environ)
    if not env.get("KITCHEN_NAMES") and SHARED_NAMES.exists():
        env["KITCHEN_NAMES"] = str(SHARED_NAMES)
    return env


class Server:
    """`kitchen serve --workers N` in its own process group."""

    def __init__(self, workers):
        self.port = free_port()
        kitchen = pathlib.Path(sys.executable).parent / "kitchen"
        self.proc = subprocess.Popen(
            [str(kitchen), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning"],
            cwd=ROOT, env=server_env(), start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                sys.exit(f"the server stopped (exit {self.proc.returncode})")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    sys.exit("the server did not start within 90 s")
                time.sleep(0.3)
        # every worker has loaded the model once it answers; give the others a moment
        time.sleep(2 if workers > 1 else 0)

    def pids(self):
        out = subprocess.run(["ps", "-o", "pid=", "-g", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(x) for x in out.split()]

    def rss_kb(self):
        total = 0
        for pid in self.pids():
            try:
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# --- readers: a tiny HTTP/1.1 keep-alive client, so the load tool costs little CPU -----


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
    body = await reader.readexactly(int(m.group(1))) if m else b""
    replace = re.search(rb"\r\nhx-replace-url: *([^\r]+)", head, re.I)
    return status, body, replace.group(1).decode() if replace else None


class Walk:
    """A reader at the dial: one notch left or right, now and then the next table."""

    def __init__(self, rng, base):
        self.rng = rng
        self.base = base
        self.tenths, self.seed = 5, 1          # chapter 7's default state: 0.5, table 1
        self.current = base + CHAPTER

    def next_query(self):
        if self.rng.random() < 0.1:
            self.seed += 1
        else:
            step = self.rng.choice((-1, 1))
            if not 0 <= self.tenths + step <= 20:
                step = -step
            self.tenths += step
        return f"temperature.t={self.tenths / 10:g}&temperature.n=10&temperature.seed={self.seed}"

    def answered(self, replace_url):
        if replace_url:
            self.current = self.base + replace_url


class Random:
    """The worst case: a state no one has asked for, every time."""

    def __init__(self, rng, base):
        self.rng = rng
        self.current = base + CHAPTER

    def next_query(self):
        return f"t={self.rng.randrange(0, 201) / 100:g}&n=10&seed={self.rng.randrange(1, 1000)}"

    def answered(self, replace_url):
        pass


MOVES = {"walk": Walk, "random": Random}


async def reader_task(port, schedule_start, rate, seconds, results, rng, mover):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    period = 1.0 / rate
    t0 = schedule_start + rng.random() * period  # readers out of step with each other
    k = 0
    try:
        while True:
            due = t0 + k * period
            if due - schedule_start > seconds:
                break
            k += 1
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            query = mover.next_query()
            results["distinct"].add((query, mover.current))
            req = (f"GET {DIAL}?{query} HTTP/1.1\r\n"
                   f"Host: 127.0.0.1:{port}\r\nHX-Request: true\r\nHX-Target: temperature-out\r\n"
                   f"HX-Current-URL: {mover.current}\r\n\r\n")
            w.write(req.encode())
            try:
                status, body, replace_url = await read_response(r)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                results["errors"].append(f"connection: {exc!r}")
                w.close()
                r, w = await asyncio.open_connection("127.0.0.1", port)
                continue
            latency = time.perf_counter() - due
            results["latency"].append(latency)
            if status != 200 or b"name-text" not in body:
                results["errors"].append(f"HTTP {status}")
            else:
                mover.answered(replace_url)
    finally:
        w.close()


async def stream_task(port, stop_at, results, seed):
    """A practice run streamed to the end, then another, until stop_at."""
    while time.perf_counter() < stop_at:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write((f"GET /api/train?steps=2000&seed={seed}&lr=0.01 HTTP/1.1\r\nHost: x\r\n"
                 "Connection: close\r\n\r\n").encode())
        head = await r.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            results["stream_errors"].append(f"HTTP {status}")
            w.close()
            await asyncio.sleep(1)
            continue
        events = 0
        while time.perf_counter() < stop_at:
            try:
                chunk = await asyncio.wait_for(r.read(65536), timeout=max(0.1, stop_at - time.perf_counter()))
            except asyncio.TimeoutError:
                break
            if not chunk:
                break
            events += chunk.count(b'data: {"step":')
        results["stream_steps"] += events
        results["streams_done"] += 1
        w.close()
        seed += 100


async def run_readers(port, readers, rate, seconds, streams, server, moves):
    results = {"latency": [], "errors": [], "stream_errors": [], "stream_steps": 0, "streams_done": 0,
               "distinct": set()}
    rng = random.Random(1)
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter() + 0.5
    stop_at = start + seconds
    tasks = [asyncio.create_task(stream_task(port, stop_at, results, 42 + i)) for i in range(streams)]
    movers = [MOVES[moves](random.Random(rng.random()), base) for _ in range(readers)]
    tasks += [asyncio.create_task(reader_task(port, start, rate, seconds, results, random.Random(rng.random()), m))
              for m in movers]
    await asyncio.sleep(5.5)
    rss_start = server.rss_kb()
    load_start = loadavg()
    samples = []
    while time.perf_counter() < stop_at:
        await asyncio.sleep(5)
        samples.append(server.rss_kb())
    await asyncio.gather(*tasks)
    return results, rss_start, samples, load_start


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def print_streams_and_memory(results, rss_start, samples, load_start, load_end):
    """The lines every load run ends with: the practice streams, the memory, the load average."""
    rss_end = samples[-1] if samples else rss_start
    print(f"training streams: {results['streams_done']} runs, {results['stream_steps']} steps streamed, "
          f"errors: {len(results['stream_errors'])}")
    print(f"RSS of the server's processes: {rss_start / 1024:.1f} MB after warm-up -> {rss_end / 1024:.1f} MB "
          f"at the end ({(rss_end - rss_start) / rss_start * 100:+.1f}%); samples MB: "
          f"{[round(s / 1024, 1) for s in samples]}")
    print(f"load average: {' '.join(load_start)} at the start of measuring, {' '.join(load_end)} at the end")


def cmd_readers(args):
    server = Server(args.workers)
    try:
        results, rss_start, samples, load_start = asyncio.run(
            run_readers(server.port, args.readers, args.rate, args.seconds, args.streams, server, args.moves))
    finally:
        load_end = loadavg()
        server.stop()
    lat = [x * 1000 for x in results["latency"]]
    print(f"readers={args.readers} rate={args.rate}/s each seconds={args.seconds} streams={args.streams} "
          f"workers={args.workers} moves={args.moves}")
    print(f"dial requests: {len(lat)} ({len(lat) / args.seconds:.0f}/s), errors: {len(results['errors'])}"
          f"{' ' + str(results['errors'][:5]) if results['errors'] else ''}")
    print(f"distinct requests (query and HX-Current-URL): {len(results['distinct'])} of {len(lat)}; "
          f"each worker computes each at most once and serves its repeats from memory")
    print(f"dial latency ms: p50 {statistics.median(lat):.1f}  p90 {pct(lat, 0.90):.1f}  "
          f"p99 {pct(lat, 0.99):.1f}  max {max(lat):.1f}")
    print_streams_and_memory(results, rss_start, samples, load_start, load_end)


# --- locust -------------------------------------------------------------------------------


def beside_streams(args, command, env=None, margin=8):
    """Start a server of ``args.workers``, stream ``args.streams`` practice runs
    and run ``command`` (a load tool, given the server's base URL) beside them.

    Returns (the tool's stdout and stderr, the stream results, RSS after a 5 s
    warm-up, RSS samples every 5 s while the tool runs, load average at the start,
    load average at the end). The streams outlast the tool by ``margin`` seconds
    at most (its start-up and run).
    """
    import threading

    server = Server(args.workers)
    results = {"stream_errors": [], "stream_steps": 0, "streams_done": 0}
    try:
        stop_at = time.perf_counter() + args.seconds + margin
        loop = asyncio.new_event_loop()

        async def streams():
            await asyncio.gather(*[stream_task(server.port, stop_at, results, 42 + i) for i in range(args.streams)])

        streamer = threading.Thread(target=loop.run_until_complete, args=(streams(),), daemon=True)
        streamer.start()
        time.sleep(1)  # the streams are under way before the readers come
        proc = subprocess.Popen(command(server.base), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        time.sleep(5.5)
        rss_start, load_start = server.rss_kb(), loadavg()
        samples = []
        while proc.poll() is None:
            time.sleep(5)
            samples.append(server.rss_kb())
        out, err = proc.communicate()
        streamer.join(timeout=30)
    finally:
        load_end = loadavg()
        server.stop()
    return out + err, results, rss_start, samples, load_start, load_end


def cmd_locust(args):
    import csv

    locust = pathlib.Path(sys.executable).parent / "locust"
    if not locust.exists() and not shutil.which("locust"):
        sys.exit("locust is not installed: .venv/bin/pip install locust")
    locust = str(locust) if locust.exists() else shutil.which("locust")
    out = pathlib.Path(tempfile.mkdtemp()) / "dial"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bench"), "BENCH_RATE": f"{args.rate:g}"}
    err, results, rss_start, samples, load_start, load_end = beside_streams(args, lambda base: [
        locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary",
        "-u", str(args.readers), "-r", str(args.readers), "-t", f"{args.seconds:g}s",
        "-H", base, "--csv", str(out), "--loglevel", "WARNING"], env=env)
    rows = list(csv.DictReader(open(f"{out}_stats.csv")))
    dial = next((r for r in rows if r["Name"] == "dial"), None)
    if dial is None:
        sys.exit(f"locust reported no dial requests:\n{err[-2000:]}")
    n, fails = int(dial["Request Count"]), int(dial["Failure Count"])
    print(f"locust readers={args.readers} constant_throughput({args.rate:g}) seconds={args.seconds:g} "
          f"streams={args.streams} workers={args.workers}")
    print(f"dial requests: {n} ({float(dial['Requests/s']):.0f}/s), failures: {fails}")
    print(f"dial latency ms (locust): p50 {dial['50%']}  p90 {dial['90%']}  p99 {dial['99%']}  max {float(dial['Max Response Time']):.0f}")
    print_streams_and_memory(results, rss_start, samples, load_start, load_end)


# --- wrk --------------------------------------------------------------------------------

# One wrk thread is one reader at the dial (`Walk` in Lua). The globals `dial`,
# `chapter`, `period_ms` and `id` are set per thread by setup().
WRK_READERS = r'''
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("id", count)
  thread:set("dial", DIAL)
  thread:set("chapter", CHAPTER)
  thread:set("period_ms", PERIOD_MS)
  table.insert(threads, thread)
end

local tenths, seed, current = 5, 1, nil
bad = 0   -- a global, so done() can read it with thread:get

function init(args)
  math.randomseed(id * 7919)
  current = "http://" .. wrk.host .. ":" .. wrk.port .. chapter
end

function delay()
  return math.floor(period_ms * (0.5 + math.random()))
end

function request()
  if math.random() < 0.1 then
    seed = seed + 1
  else
    local step = (math.random(2) == 1) and -1 or 1
    if tenths + step < 0 or tenths + step > 20 then step = -step end
    tenths = tenths + step
  end
  local path = string.format("%s?temperature.t=%g&temperature.n=10&temperature.seed=%d", dial, tenths / 10, seed)
  return wrk.format("GET", path, {["HX-Request"] = "true", ["HX-Target"] = "temperature-out", ["HX-Current-URL"] = current})
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, "name-text", 1, true) then
    bad = bad + 1
    return
  end
  local replace = headers["hx-replace-url"] or headers["HX-Replace-Url"]
  if replace then current = "http://" .. wrk.host .. ":" .. wrk.port .. replace end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("bad") end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f bad=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration / 1e6, failed, e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("RESULT p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
'''

WRK_DIAL = """
math.randomseed(7)
request = function()
  local t = math.random(0, 200) / 100
  return wrk.format("GET", "%s?t=" .. t .. "&n=10&seed=" .. math.random(1, 1000))
end
"""


def cmd_wrk_readers(args):
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    script = (WRK_READERS.replace("DIAL", f'"{DIAL}"', 1).replace("CHAPTER", f'"{CHAPTER}"', 1)
              .replace("PERIOD_MS", f"{1000 / args.rate:g}", 1))
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    f.write(script)
    f.close()
    try:
        out, results, rss_start, samples, load_start, load_end = beside_streams(args, lambda base: [
            "wrk", f"-t{args.readers}", f"-c{args.readers}", f"-d{args.seconds:g}s", "--timeout", "10s",
            "-s", f.name, base + DIAL], margin=3)
    finally:
        os.unlink(f.name)
    found = dict(kv.split("=") for line in out.splitlines() if line.startswith("RESULT ") for kv in line.split()[1:])
    if "requests" not in found:
        sys.exit(f"wrk reported nothing:\n{out[-2000:]}")
    n, secs = int(found["requests"]), float(found["seconds"])
    errors = sum(int(found[k]) for k in ("bad", "connect", "read", "write", "status", "timeout"))
    print(f"wrk readers={args.readers} (one thread and connection each) rate={args.rate:g}/s each "
          f"seconds={args.seconds:g} streams={args.streams} workers={args.workers}")
    print(f"dial requests: {n} ({n / secs:.0f}/s), errors: {errors} "
          f"(bad answers {found['bad']}, socket connect/read/write/timeout {found['connect']}/{found['read']}/"
          f"{found['write']}/{found['timeout']}, non-2xx {found['status']})")
    print(f"dial latency ms (wrk): p50 {found['p50']}  p90 {found['p90']}  p99 {found['p99']}  max {found['max']}")
    print_streams_and_memory(results, rss_start, samples, load_start, load_end)


def wrk(url, seconds, connections, script=None):
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        f.write(script)
        f.close()
        cmd += ["-s", f.name]
    out = subprocess.run(cmd + [url], capture_output=True, text=True).stdout
    return out


def summarize(out):
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    p50 = re.search(r"\n\s+50%\s+(\S+)", out).group(1)   # the latency distribution's lines, not a
    p99 = re.search(r"\n\s+99%\s+(\S+)", out).group(1)   # stdev share such as 75.50%
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    return (f"{float(rps):,.0f} requests/s, latency p50 {p50} p99 {p99}, non-2xx {bad.group(1) if bad else 0}"
            f"{', socket errors ' + errs.group(1) if errs else ''}")


def cmd_wrk(args, path, script):
    server = Server(1)
    try:
        url = server.base + path
        urllib.request.urlopen(url).read()
        before = loadavg()
        out = wrk(url, args.seconds, args.connections, script % path if script else None)
        after = loadavg()
    finally:
        server.stop()
    print(f"{path} on one worker, wrk -t2 -c{args.connections} -d{args.seconds}s: {summarize(out)}")
    print(f"load average: {' '.join(before)} before, {' '.join(after)} after")
    if args.verbose:
        print(out)


# --- page weight --------------------------------------------------------------------------


def cmd_weight(args):
    os.environ.update({k: v for k, v in server_env().items() if k == "KITCHEN_NAMES"})
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from app.story import content
    from app.web import settings
    from app.main import create_app

    client = TestClient(create_app())
    worst = 0
    for lang in settings.LANGS:
        for slug in content.PAGES:
            path = content.page_path(lang, slug)
            r = client.get(path)
            if r.status_code != 200:
                continue
            html = r.text
            total = len(r.content)
            parts = [len(r.content)]
            for ref in re.findall(r'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"', html):
                size = len(client.get(ref).content)
                total += size
                parts.append(size)
            worst = max(worst, total)
            print(f"{path:<20} {total / 1024:6.1f} KB  (HTML {parts[0] / 1024:.1f} KB + {len(parts) - 1} files)")
    print(f"heaviest page: {worst / 1024:.1f} KB (target <= 150 KB, htmx from its CDN not counted)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("readers", "locust", "wrk"):  # the dial readers beside the streams, three ways
        r = sub.add_parser(name)
        r.add_argument("--workers", type=int, default=2)
        r.add_argument("--readers", type=int, default=64)
        r.add_argument("--rate", type=float, default=5)
        r.add_argument("--seconds", type=float, default=60)
        r.add_argument("--streams", type=int, default=4)
        if name == "readers":
            r.add_argument("--moves", choices=sorted(MOVES), default="walk")
    for name in ("saturate", "pages"):
        s = sub.add_parser(name)
        s.add_argument("--seconds", type=int, default=20)
        s.add_argument("--connections", type=int, default=64)
        s.add_argument("--verbose", action="store_true")
    sub.add_parser("weight")
    args = p.parse_args()
    if args.cmd == "readers":
        cmd_readers(args)
    elif args.cmd == "locust":
        cmd_locust(args)
    elif args.cmd == "wrk":
        cmd_wrk_readers(args)
    elif args.cmd == "saturate":
        cmd_wrk(args, DIAL, WRK_DIAL)
    elif args.cmd == "pages":
        cmd_wrk(args, CHAPTER, None)
    else:
        cmd_weight(args)


if __name__ == "__main__":
    main()
