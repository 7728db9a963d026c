"""`kitchen serve --workers 2`: two processes answer the same way, because every
answer is computed from its URL and the read-only model."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
KITCHEN = pathlib.Path(sys.executable).parent / "kitchen"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, headers=None, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def children(pid):
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        pytest.skip("ps is not available")
    return [int(x) for x in out.split()]


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    if not KITCHEN.exists():
        pytest.skip("the kitchen command is not installed in this environment")
    port = free_port()
    log_path = tmp_path_factory.mktemp("workers") / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(KITCHEN), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server stopped (exit {proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within 90 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        proc.log_path = log_path
        yield base, proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_two_worker_processes_serve_the_site(two_workers):
    base, proc = two_workers
    # uvicorn's supervisor starts the two workers as its children
    deadline = time.monotonic() + 30
    while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(children(proc.pid)) >= 2

    for path in ("/zh/chapter/7", "/en/chapter/7", "/zh/", "/en/thread"):
        status, headers, body = get(base + path)
        assert status == 200, path
        assert headers["Content-Security-Policy"] and headers["ETag"]
        # a HEAD through the real server: the same headers, no body
        h_status, h_headers, h_body = get(base + path, method="HEAD")
        assert (h_status, h_body) == (200, b""), path
        assert h_headers["ETag"] == headers["ETag"] and h_headers["Content-Length"] == str(len(body))

    # the same question gets the same answer, whichever worker takes it
    answers = {get(base + "/api/sample?n=5&seed=7&temperature=0.8")[2] for _ in range(12)}
    assert len(answers) == 1
    names = json.loads(answers.pop())["names"]
    assert len(names) == 5

    frags = {get(base + "/en/widget/temperature?t=0.8&seed=7&n=5")[2] for _ in range(12)}
    assert len(frags) == 1
    assert all(n.encode() in next(iter(frags)) for n in names)

    _, headers2, _ = get(base + "/api/sample?n=5&seed=7&temperature=0.8")
    assert get(base + "/api/sample?n=5&seed=7&temperature=0.8", {"If-None-Match": headers2["ETag"]})[0] == 304

    assert get(base + "/en/widget/temperature?t=99")[0] == 422
    status, _, body = get(base + "/api/train/status")
    assert status == 200 and json.loads(body)["limit"] >= 1


def test_stopping_the_process_group_stops_every_worker(two_workers):
    base, proc = two_workers
    workers = children(proc.pid)
    assert workers
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if pathlib.Path(f"/proc/{p}").exists()
                 and "Z" not in pathlib.Path(f"/proc/{p}/stat").read_text().split()[2]]
        time.sleep(0.2)

    def what(p):
        try:
            return pathlib.Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
        except OSError:
            return "?"

    assert alive == [], [f"{p}: {what(p)}" for p in alive]
    # a clean stop: the workers closed their training helpers, nothing was left for the
    # operating system's clean-up to find, and nothing went wrong on the way out
    log = proc.log_path.read_text()
    assert "leaked" not in log and "Traceback" not in log, log[-3000:]


def test_a_stopped_server_leaves_nothing_behind(tmp_path):
    """``kill`` (SIGTERM) to a one-worker server, as a service manager stops it: the
    worker shuts its training helper down and waits for it, so multiprocessing's
    resource tracker finds nothing left open, and the process group is empty afterwards."""
    if not KITCHEN.exists():
        pytest.skip("the kitchen command is not installed in this environment")
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(KITCHEN), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                try:
                    if get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.3)
            # a practice run has used the helper
            assert get(f"http://127.0.0.1:{port}/en/widget/practice?go=1&steps=50")[0] == 200
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
            deadline = time.monotonic() + 10
            while subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True).returncode == 0:
                assert time.monotonic() < deadline, "processes of the stopped server are still running"
                time.sleep(0.2)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    text = log_path.read_text()
    assert "leaked" not in text and "Traceback" not in text, text[-3000:]
