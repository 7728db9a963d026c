"""The server itself holds under abuse, with no proxy in front (app/web/server.py,
app/widgets/admission.py): headers bounded, slow and idle connections closed, the number of
sockets capped, heavy widget work bounded and dropped when its reader leaves.

One real ``kitchen serve`` (one worker) with small limits, so each probe is modest:
a few tens of KB over the header limit, a few hundred sockets over the cap."""

import concurrent.futures
import socket
import statistics
import threading
import time

import pytest

from tests.app.serving import children, cpu_seconds, get, kitchen, rss_kb

HEADER_KB = 16
TIMEOUT = 2          # slow headers and idle connections, seconds
CONNECTIONS = 100
FILES = 400          # the server's open-file limit: fewer than the idle sockets below


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kitchen(tmp_path_factory.mktemp("limits"), "--max-header-kb", str(HEADER_KB),
                 "--header-timeout", str(TIMEOUT), "--keep-alive", str(TIMEOUT),
                 "--max-connections", str(CONNECTIONS), files=FILES) as (base, proc):
        yield base, proc


def connect(proc):
    s = socket.create_connection(("127.0.0.1", proc.port), timeout=10)
    return s


def answer(s):
    """Everything the server sends until it closes (or 10 s pass)."""
    chunks = []
    try:
        while True:
            got = s.recv(65536)
            if not got:
                break
            chunks.append(got)
    except (socket.timeout, ConnectionResetError):
        pass
    return b"".join(chunks)


def closed_within(s, seconds):
    """Seconds until the server closes ``s`` (sending whatever it sends), or None."""
    s.settimeout(seconds)
    t0 = time.monotonic()
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - t0


def test_headers_past_the_limit_get_431(server):
    base, proc = server
    s = connect(proc)
    s.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * (HEADER_KB * 1024 + 4096) + b"\r\n\r\n")
    assert answer(s).startswith(b"HTTP/1.1 431 ")
    s.close()
    # a long request line is part of the head too
    s = connect(proc)
    s.sendall(b"GET /en/?q=" + b"b" * (HEADER_KB * 1024 + 10) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer(s).startswith(b"HTTP/1.1 431 ")
    s.close()
    # just under the limit is a normal request
    s = connect(proc)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"c" * (HEADER_KB * 1024 - 200) + b"\r\nConnection: close\r\n\r\n")
    assert answer(s).startswith(b"HTTP/1.1 200 ")
    s.close()


def test_a_header_that_never_ends_is_cut_off_and_the_worker_does_not_hold_it(server):
    base, proc = server
    before = rss_kb(proc.pid)
    s = connect(proc)
    s.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nHX-Current-URL: http://x/?")
    sent, chunk = 0, b"a=1&" * 16384          # 64 KB at a time, 32 MB at most
    with pytest.raises(OSError):               # the server closes the connection on us
        while sent < 32 << 20:
            s.sendall(chunk)
            sent += len(chunk)
    s.close()
    assert sent < 16 << 20, "the server kept reading the header"
    assert rss_kb(proc.pid) - before < 8 * 1024
    assert get(base + "/en/")[0] == 200


def test_slow_headers_get_408_and_an_idle_connection_is_closed(server):
    base, proc = server
    s = connect(proc)
    s.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\n")      # and nothing more
    t0 = time.monotonic()
    got = answer(s)
    assert got.startswith(b"HTTP/1.1 408 ") and time.monotonic() - t0 < TIMEOUT + 2
    s.close()
    s = connect(proc)                                    # a connection that says nothing
    took = closed_within(s, TIMEOUT + 3)
    assert took is not None and took < TIMEOUT + 2
    s.close()
    # an idle keep-alive connection after an answer too
    s = connect(proc)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(10)
    assert s.recv(65536).startswith(b"HTTP/1.1 200 ")
    took = closed_within(s, TIMEOUT + 3)
    assert took is not None and took < TIMEOUT + 2
    s.close()


def test_more_idle_sockets_than_the_worker_can_hold_do_not_lock_readers_out(server):
    base, proc = server
    idle = []
    try:
        for _ in range(FILES + 200):
            idle.append(socket.create_connection(("127.0.0.1", proc.port), timeout=10))
        t0 = time.monotonic()
        status, _, body = get(base + "/en/chapter/7", timeout=5)
        assert status == 200 and b"<h1" in body and time.monotonic() - t0 < 3
        # the worker holds at most its cap (its pool, pipes and files besides)
        held = len(list((__import__("pathlib").Path(f"/proc/{proc.pid}/fd")).iterdir()))
        assert held < CONNECTIONS + 80
    finally:
        for s in idle:
            s.close()


def test_a_new_connection_past_the_cap_with_none_idle_gets_503(server):
    base, proc = server
    busy = []
    try:
        for _ in range(CONNECTIONS):          # every place holds a half-sent request
            s = socket.create_connection(("127.0.0.1", proc.port), timeout=10)
            s.sendall(b"GET /en/ HTTP/1.1\r\n")
            busy.append(s)
        time.sleep(0.3)
        s = socket.create_connection(("127.0.0.1", proc.port), timeout=5)
        got = answer(s)
        s.close()
        assert got.startswith(b"HTTP/1.1 503 ") and b"retry-after: " in got.lower()
    finally:
        for s in busy:
            s.close()
    time.sleep(0.3)
    assert get(base + "/en/")[0] == 200


HEAVY_CLIENTS = 48


def heavy_paths():
    """New heavy states, never asked before: tuning runs and finished practice runs."""
    n = 0
    while True:
        n += 1
        yield f"/en/widget/michelin?judge=short&jseed={1000 + n}&rounds=20"
        yield f"/en/widget/practice?go=1&steps=400&seed={5000 + n}"


def test_heavy_widget_work_is_bounded_and_other_readers_are_not_starved(server):
    base, proc = server
    paths = heavy_paths()
    lock = threading.Lock()
    stop = time.monotonic() + 8
    heavy = []                                 # (status, seconds)

    def hammer():
        while time.monotonic() < stop:
            with lock:
                path = next(paths)
            t0 = time.monotonic()
            try:
                status = get(base + path, timeout=30)[0]
            except OSError:
                status = None
            heavy.append((status, time.monotonic() - t0))

    dial = []
    with concurrent.futures.ThreadPoolExecutor(HEAVY_CLIENTS) as pool:
        for _ in range(HEAVY_CLIENTS):
            pool.submit(hammer)
        time.sleep(1)
        seed = 70000
        while time.monotonic() < stop:
            seed += 1
            t0 = time.monotonic()
            status = get(base + f"/en/widget/temperature?t=0.7&seed={seed}", timeout=30)[0]
            dial.append((status, time.monotonic() - t0))
            time.sleep(0.05)
    assert all(s == 200 for s, _ in dial)
    # the dial at new states keeps answering while the heavy work queues (the 100 ms
    # target is measured by bench/abuse.py; a shared test machine gets more room)
    assert statistics.median(t for _, t in dial) < 0.5 and max(t for _, t in dial) < 2.5, sorted(dial)[-5:]
    # every heavy request is answered, with its result or a 503, within 10 s
    assert heavy and all(s in (200, 503) for s, _ in heavy), {s for s, _ in heavy}
    assert max(t for _, t in heavy) < 10
    assert any(s == 503 for s, _ in heavy) and any(s == 200 for s, _ in heavy)


def test_heavy_requests_dropped_at_once_cost_the_helper_little(server):
    base, proc = server
    time.sleep(3)                              # what the previous test left under way ends
    helpers = children(proc.pid)
    before = sum(cpu_seconds(p) for p in helpers)
    for n in range(60):
        s = socket.create_connection(("127.0.0.1", proc.port), timeout=5)
        s.sendall(f"GET /en/widget/michelin?judge=vowel&jseed={9000 + n}&rounds=30 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        s.close()
    time.sleep(6)
    spent = sum(cpu_seconds(p) for p in helpers) - before
    assert spent < 2.5, f"the helper spent {spent:.1f} CPU-seconds on requests nobody waits for"
    t0 = time.monotonic()
    assert get(base + "/en/widget/michelin?judge=vowel&jseed=8999&rounds=30", timeout=20)[0] == 200
    assert time.monotonic() - t0 < 6
