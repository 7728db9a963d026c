"""Abuse on loopback, the same runs against two copies of the site side by side.

    .venv/bin/python bench/abuse.py [--tree before=/tmp/kitchen-before] [--tree after=.]
                                    [--seconds 20] [--clients 48] [--only heavy,dropped,headers,idle]

A tree is a checkout of the project (``git archive main | tar -x -C /tmp/kitchen-before``
gives main's code); each is served by ``python -m app.cli serve --workers 1`` from its
own folder on a free 127.0.0.1 port, a fresh server for every run, with its defaults.

heavy    ``clients`` readers ask, closed loop, for new states of the two heavy widgets
         (chapter 8's tuning: a new book length or a new judged run; chapter 6: a
         finished practice run at a new seed) for ``seconds``, while one reader walks
         the temperature dial through new states (a new seed each time, 10 moves a
         second). Figures: the dial's median, p99 and worst answer, and for the heavy
         requests how many were answered with 200 / 503 / other, the slowest, and how
         many took over 10 s (or were still unanswered 30 s after the burst). The
         same dial walk for 5 s before the burst gives the machine's own figure.
dropped  60 heavy requests (new judged runs) sent at once, each connection closed
         10 ms later; the CPU-seconds the training helper spends from then until it
         has been idle for 3 s (at most 60 s), and how long a new dial state asked
         0.5 s after the drop takes.
headers  One connection sends a request whose header never ends, up to 1 GB or for
         20 s, as fast as the server reads it; the worker's memory before, at its
         peak while the header is sent, and after, how much was sent before the
         server cut it off, and how long a normal page takes afterwards.
idle     20,000 connections opened and left idle; the worker's memory and open files
         at the peak, how many connections were refused, and whether (and how fast)
         a normal page answers meanwhile.
"""

import argparse
import asyncio
import os
import pathlib
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- processes ------------------------------------------------------------------------------

def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def open_files(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


class Server:
    """``python -m app.cli serve`` from a tree, one worker, on a free loopback port."""

    def __init__(self, tree, options=()):
        """``options``: more ``kitchen serve`` options than its defaults."""
        self.tree = pathlib.Path(tree).resolve()
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": str(self.tree)}
        self.log = open(f"/tmp/kitchen-bench-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", "1", "--log-level", "error", *options],
            cwd=self.tree, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server in {tree} stopped: see {self.log.name}")
            try:
                if asyncio.run(request(self.port, "/healthz", timeout=5))[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server in {tree} did not start")
            time.sleep(0.3)
        time.sleep(1)          # the training helper has started too

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()
        pathlib.Path(self.log.name).unlink(missing_ok=True)


# --- a small HTTP client -------------------------------------------------------------------

async def request(port, path, timeout=30.0, headers=b""):
    """(status, seconds) for one GET on a new connection; status None on a failure."""
    t0 = time.perf_counter()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode() + headers + b"\r\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        await asyncio.wait_for(reader.read(), max(0.1, timeout - (time.perf_counter() - t0)))
        status = int(line.split()[1]) if line.startswith(b"HTTP/") else None
    except (OSError, asyncio.TimeoutError, ValueError, IndexError):
        status = None
    finally:
        if writer is not None:
            writer.close()
    return status, time.perf_counter() - t0


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def ms(x):
    return f"{1000 * x:,.0f} ms" if x < 10 else f"{x:,.1f} s"


# --- the runs --------------------------------------------------------------------------------

def heavy_paths(start):
    n = start
    while True:
        n += 1
        yield f"/en/widget/michelin?sft_steps={10 + n % 490}&letter={'abcdefghijklmnopqrstuvwxyz'[n % 26]}&book=start"
        yield f"/en/widget/practice?go=1&seed={n}"
        yield f"/en/widget/michelin?judge=vowel&jseed={n}"


async def run_heavy(server, seconds, clients):
    paths = heavy_paths(10_000)
    heavy, dial, quiet = [], [], []
    # the same dial walk for 5 s before the burst: what the machine gives without it
    seed, t_quiet = 40_000, time.monotonic() + 5
    while time.monotonic() < t_quiet:
        seed += 1
        quiet.append((await request(server.port, f"/en/widget/temperature?t=0.7&seed={seed}", timeout=60))[1])
        await asyncio.sleep(0.1)
    end = time.monotonic() + seconds
    helpers = children(server.pid)
    cpu0 = (cpu_s(server.pid), sum(cpu_s(p) for p in helpers), time.monotonic())

    async def hammer():
        while time.monotonic() < end:
            status, took = await request(server.port, next(paths), timeout=seconds + 30)
            heavy.append((status, took))

    async def walk():
        await asyncio.sleep(1.0)
        seed = 50_000
        while time.monotonic() < end:
            seed += 1
            dial.append(await request(server.port, f"/en/widget/temperature?t=0.7&seed={seed}", timeout=60))
            await asyncio.sleep(0.1)

    tasks = [asyncio.ensure_future(hammer()) for _ in range(clients)]
    await walk()
    span = time.monotonic() - cpu0[2]
    worker_cpu = (cpu_s(server.pid) - cpu0[0]) / span
    helper_cpu = (sum(cpu_s(p) for p in helpers if pathlib.Path(f"/proc/{p}").exists()) - cpu0[1]) / span
    done, pending = await asyncio.wait(tasks, timeout=30)
    for t in pending:
        t.cancel()
    d = [t for _, t in dial]
    statuses = {}
    for s, _ in heavy:
        statuses[s] = statuses.get(s, 0) + 1
    return {
        "quiet": f"the dial before the burst: {len(quiet)} answers, median {ms(statistics.median(quiet))}, "
                 f"p99 {ms(pct(quiet, 99))}, worst {ms(max(quiet))}",
        "dial": f"{len(d)} answers, median {ms(statistics.median(d))}, p99 {ms(pct(d, 99))}, worst {ms(max(d))}, "
                f"not 200: {sum(1 for s, _ in dial if s != 200)}",
        "heavy": f"{len(heavy)} answered ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items(), key=str))}), "
                 f"slowest {ms(max(t for _, t in heavy))}, over 10 s: {sum(1 for _, t in heavy if t > 10)}, "
                 f"5xx other than 503: {sum(1 for s, _ in heavy if s is not None and s >= 500 and s != 503)}, "
                 f"unanswered 30 s after the burst: {len(pending)}",
        "cpu": f"during the burst the worker used {100 * worker_cpu:.0f}% of a core, "
               f"its training helper {100 * helper_cpu:.0f}%",
    }


async def run_dropped(server):
    helpers = children(server.pid)
    before = sum(cpu_s(p) for p in helpers)
    socks = []
    for n in range(60):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(f"GET /en/widget/michelin?judge=vowel&jseed={20_000 + n}&rounds=30 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        socks.append(s)
    await asyncio.sleep(0.01)
    for s in socks:
        s.close()
    t_drop = time.monotonic()
    await asyncio.sleep(0.5)
    status, took = await request(server.port, "/en/widget/temperature?t=0.9&seed=777001", timeout=60)

    def used():
        return sum(cpu_s(p) for p in helpers if pathlib.Path(f"/proc/{p}").exists()) - before

    # until the helper has been idle for 3 s, or for at most 60 s
    last, still = used(), time.monotonic()
    while time.monotonic() - t_drop < 60 and time.monotonic() - still < 3:
        await asyncio.sleep(0.5)
        now = used()
        if now > last + 0.02:
            last, still = now, time.monotonic()
    spent = used()
    busy = "still working" if time.monotonic() - still < 3 else "then idle"
    return {"helper": f"{spent:.1f} CPU-seconds in the {time.monotonic() - t_drop:.0f} s after the drop ({busy})",
            "dial": f"a new dial state 0.5 s after the drop: {status} in {ms(took)}"}


def run_headers(server, total=1 << 30, seconds=20):
    before = rss_mb(server.pid)
    peak = [before]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(server.pid))
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nHX-Current-URL: http://x/?")
    chunk = b"a=1&" * (1 << 18)          # 1 MB
    sent, t0 = 0, time.monotonic()
    answer, ending = b"", "cut it off"
    s.settimeout(1)
    try:
        while sent < total:
            if time.monotonic() - t0 > seconds:
                ending = f"still read it after {seconds} s (the run stopped there)"
                break
            try:
                s.sendall(chunk)
            except socket.timeout:
                continue
            sent += len(chunk)
        else:
            s.sendall(b"\r\n\r\n")
            s.settimeout(30)
            answer = s.recv(100)
    except OSError:
        pass
    took = time.monotonic() - t0
    s.close()
    time.sleep(1)
    stop.set()
    status, page = asyncio.run(request(server.port, "/en/chapter/7", timeout=60))
    if answer:
        ending = "answered " + answer.split(b"\r\n")[0].decode()
    return {"memory": f"{before:.0f} MB before, {peak[0]:.0f} MB at the peak (+{peak[0] - before:.1f} MB), "
                      f"{rss_mb(server.pid):.0f} MB after",
            "header": f"{sent / (1 << 20):,.0f} MB sent in {took:.1f} s; the server {ending}",
            "page": f"a page afterwards: {status} in {ms(page)}"}


HOLDER = """
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
socks, failed = [], 0
for _ in range(count):
    try:
        socks.append(socket.create_connection(("127.0.0.1", port), timeout=2))
    except OSError:
        failed += 1
print(len(socks), failed, flush=True)
sys.stdin.read()        # hold them until the parent closes our stdin
"""


def run_idle(server, count=20_000, holders=4):
    """``count`` idle connections, held by ``holders`` small processes (one process may
    not have that many files open)."""
    before, files_before = rss_mb(server.pid), open_files(server.pid)
    procs = [subprocess.Popen([sys.executable, "-c", HOLDER, str(server.port), str(count // holders)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(holders)]
    opened = failed = 0
    for p in procs:
        a, b = p.stdout.readline().split()
        opened, failed = opened + int(a), failed + int(b)
    peak, files = rss_mb(server.pid), open_files(server.pid)
    status, page = asyncio.run(request(server.port, "/en/chapter/7", timeout=15))
    for p in procs:
        p.stdin.close()
        p.wait()
    time.sleep(1)
    return {"memory": f"{before:.0f} MB before, {peak:.0f} MB with the sockets open (+{peak - before:.1f} MB)",
            "files": f"worker's open files {files_before} before, {files} with {opened:,} connections opened "
                     f"({failed:,} connects failed)",
            "page": f"a page meanwhile: {status} in {ms(page)}"}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", action="append", metavar="NAME=PATH",
                   help="a copy of the site to run (repeat); default before=/tmp/kitchen-before after=.")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--clients", type=int, default=48)
    p.add_argument("--only", default="heavy,dropped,headers,idle")
    args = p.parse_args()
    trees = [t.split("=", 1) for t in (args.tree or [f"before=/tmp/kitchen-before", f"after={ROOT}"])]
    runs = args.only.split(",")
    results = {}
    for run in runs:
        for name, path in trees:
            server = Server(path)
            try:
                if run == "heavy":
                    got = asyncio.run(run_heavy(server, args.seconds, args.clients))
                elif run == "dropped":
                    got = asyncio.run(run_dropped(server))
                elif run == "headers":
                    got = run_headers(server)
                elif run == "idle":
                    got = run_idle(server)
                else:
                    raise SystemExit(f"no run called {run}")
            finally:
                server.stop()
            results[(run, name)] = got
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            print(f"{run:8} {name:7} load    {load} (1, 5, 15 min, at the end)", flush=True)
            for key, text in got.items():
                print(f"{run:8} {name:7} {key:7} {text}", flush=True)


if __name__ == "__main__":
    main()
