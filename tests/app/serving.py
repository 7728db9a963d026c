"""A real ``kitchen serve`` on a free loopback port, for tests that need the server itself."""

import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
KITCHEN = pathlib.Path(sys.executable).parent / "kitchen"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, headers=None, timeout=20):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def cpu_seconds(pid):
    """User and system CPU time a process has used, in seconds."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextlib.contextmanager
def kitchen(tmp_path, *options, env=None, files=None, wait=90):
    """``kitchen serve`` with ``options``; yields (base URL, process). ``files`` caps the
    server's open files (its hard limit), as a small machine would."""
    if not KITCHEN.exists():
        pytest.skip("the kitchen command is not installed in this environment")
    port = free_port()
    log_path = tmp_path / f"server-{port}.log"

    def limit():
        if files is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(KITCHEN), "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *options],
            cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=limit,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + wait
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"the server stopped (exit {proc.returncode}):\n{log_path.read_text()[-3000:]}")
                try:
                    if get(base + "/healthz", timeout=5)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within {wait} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
            proc.port = port
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
