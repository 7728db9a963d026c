"""deploy/nginx.conf, run as it is meant to run: Debian's nginx in front of two
``kitchen serve`` instances on loopback (on free ports here), and one of them killed."""

import contextlib
import gzip
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from tests.app.serving import ROOT, free_port, get, kitchen

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = ROOT / "deploy" / "nginx.conf"


def config_for(proxy_port, ports):
    """The deploy file with this test's ports in place of its own."""
    text = CONF.read_text()
    text = text.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{proxy_port};")
    for old, new in zip((8001, 8002), ports):
        text = text.replace(f"server 127.0.0.1:{old} ", f"server 127.0.0.1:{new} ")
    assert text.count("server 127.0.0.1:") == 2 and str(proxy_port) in text
    return text


@contextlib.contextmanager
def nginx(conf_text):
    """nginx in the foreground, its prefix a folder its workers' user can reach."""
    prefix = pathlib.Path(tempfile.mkdtemp(prefix="kitchen-nginx-"))
    prefix.chmod(0o755)
    (prefix / "tmp").mkdir(mode=0o755)
    conf = prefix / "nginx.conf"
    conf.write_text(conf_text)
    proc = subprocess.Popen([NGINX, "-p", f"{prefix}/", "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGQUIT)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        proc.error_log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not pathlib.Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs it)")
    root = tmp_path_factory.mktemp("deploy")
    pace = {"KITCHEN_TRAIN_PACE": "40"}          # a 40-step run streams for about a second
    with contextlib.ExitStack() as stack:
        one = stack.enter_context(kitchen(root, env=pace))
        two = stack.enter_context(kitchen(root, env=pace))
        proxy_port = free_port()
        proxy = stack.enter_context(nginx(config_for(proxy_port, (one[1].port, two[1].port))))
        base = f"http://127.0.0.1:{proxy_port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if get(base + "/healthz", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and proxy.poll() is None, "nginx did not start"
            time.sleep(0.2)
        yield base, one[1], two[1]


def test_the_shipped_file_is_valid_for_nginx():
    if not pathlib.Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs it)")
    prefix = pathlib.Path(tempfile.mkdtemp(prefix="kitchen-nginx-"))
    try:
        (prefix / "tmp").mkdir()
        r = subprocess.run([NGINX, "-t", "-p", f"{prefix}/", "-c", str(CONF)], capture_output=True, text=True, timeout=20)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    assert r.returncode == 0, r.stderr


def test_a_page_a_widget_and_an_embed_through_the_proxy(site):
    base, _, _ = site
    status, headers, body = get(base + "/en/chapter/7")
    assert status == 200 and b"<h1" in body and headers["ETag"]
    status, headers, body = get(base + "/zh/widget/temperature?t=0.8&seed=5&n=5")
    assert status == 200 and b'id="temperature-out"' in body
    status, headers, body = get(base + "/embed/en/temperature?t=1.1")
    assert status == 200 and b"<iframe" not in body and b'id="w-temperature"' in body
    assert headers["Content-Security-Policy"]


def test_pages_are_cached_by_their_etag_and_gzipped(site):
    base, _, _ = site
    path = "/en/chapter/7?temperature.seed=77"
    first = get(base + path)
    second = get(base + path)
    assert first[0] == second[0] == 200 and second[1]["X-Cache-Status"] == "HIT"
    assert first[1]["ETag"] == second[1]["ETag"]
    assert get(base + path, {"If-None-Match": first[1]["ETag"]})[0] == 304
    status, headers, body = get(base + path, {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and b"<h1" in gzip.decompress(body)


def test_the_proxy_has_its_own_header_limit(site):
    base, _, _ = site
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /en/ HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40_000 + b"\r\n\r\n")
        got = s.recv(200)
    assert got.startswith(b"HTTP/1.1 400 ") or got.startswith(b"HTTP/1.1 431 ")


def test_the_practice_stream_is_not_buffered(site):
    base, _, _ = site
    import urllib.request

    t0 = time.monotonic()
    with urllib.request.urlopen(base + "/api/train?steps=40&seed=3&lr=0.01", timeout=20) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        first = r.readline()
        first_at = time.monotonic() - t0
        rest = r.read().decode()
        done_at = time.monotonic() - t0
    assert first.startswith(b"retry:") or first.startswith(b"event:")
    assert "event: done" in rest and len(re.findall(r'"step":', rest)) >= 40
    # the first event arrives while the run still goes on (paced at 40 steps a second)
    assert first_at < 0.6 and done_at > first_at + 0.5


def test_when_one_instance_is_killed_the_other_answers(site):
    base, one, two = site
    os.killpg(one.pid, signal.SIGKILL)
    one.wait(timeout=10)
    for seed in range(200, 212):             # new states: none of them is in the cache
        status, headers, body = get(base + f"/en/widget/temperature?seed={seed}&n=3", timeout=10)
        assert status == 200 and headers["X-Cache-Status"] != "HIT", seed
    assert get(base + "/healthz")[0] == 200
    assert get(base + "/zh/chapter/7")[0] == 200
