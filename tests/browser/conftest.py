"""Browser tests: Debian's chromium drives a real `kitchen serve` on a free port.

The server runs in its default mode, loading htmx from the CDN. The CDN is
not reachable from here, so every browser context answers the pinned CDN URL
with the npm-installed file; the browser still checks the SRI hash. Any other
request that leaves 127.0.0.1 is refused and counted as a failure.
"""

import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from app.web import settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    port = free_port()
    env = dict(os.environ)
    env.pop("KITCHEN_HTMX", None)
    kitchen = pathlib.Path(sys.executable).parent / "kitchen"
    if kitchen.exists():
        cmd = [str(kitchen), "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server stopped (exit {proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within 60 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


class Watch:
    """Console errors, page errors and failed requests seen by one page.

    A request the page itself cancelled (net::ERR_ABORTED: a navigation cut a
    download short, or htmx replaced a dial request by a newer one) is not a
    failure."""

    def __init__(self, page):
        self.problems = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def _failed(self, request):
        if request.failure and "ERR_ABORTED" in request.failure:
            return
        self.problems.append(f"failed: {request.url} {request.failure}")


def route_cdn(context):
    """The pinned CDN URLs answer with the npm files; nothing else leaves the machine.

    Playwright tries the most recently added route first, so the catch-all
    refusal goes in before the CDN answers."""

    def refuse(route):
        url = route.request.url
        if url.startswith("http://127.0.0.1:") or url.startswith("data:"):
            route.fallback()
        else:
            route.abort("blockedbyclient")

    def serve_file(path):
        body = path.read_bytes()

        def fulfil(route):
            route.fulfill(
                status=200,
                body=body,
                headers={"content-type": "application/javascript", "access-control-allow-origin": "*"},
            )

        return fulfil

    context.route("**/*", refuse)
    for script in settings.SCRIPTS.values():
        context.route(script.cdn_url, serve_file(script.local_path))


@pytest.fixture
def kpage(context, page):
    route_cdn(context)
    page.watch = Watch(page)
    return page


@pytest.fixture
def nojs_page(browser):
    context = browser.new_context(java_script_enabled=False)
    route_cdn(context)
    page = context.new_page()
    page.watch = Watch(page)
    yield page
    context.close()
