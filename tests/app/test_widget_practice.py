"""Chapter 6's practice kitchen: the page, the fragment, the live stream, its bound and its stop.

The routes run against the fixture story plus a chapter 6 that holds the
widget, so they do not depend on how far the real chapters have come.
"""

import json
import math
import os
import pathlib
import re
import signal
import socket
import threading
import time
from urllib.parse import parse_qsl

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from engine import checkpoint, sample as sampling, train as training
from engine.train import reference_start, train

from app.api import streams
from app.web import i18n
from app.training import helper as trainer
from app.training.helper import TRAINER
from app.widgets import admission, practice
from tests.app.widget_checks import assert_refused, shown, twin
from tests.same_run import assert_same_losses
from tests.app import stories
from tests.app.stories import both


CHAPTER = """---
title: Practice
summary: Cook, taste, trace, adjust.
---

## Practice

Set Xiao Ming going.

::: widget practice

::: summary
In one sentence: practice.
:::
"""


@pytest.fixture(scope="module")
def story_site(tmp_path_factory):
    return stories.story_site(tmp_path_factory.mktemp("story"), both("chapter-6", CHAPTER))


@pytest.fixture(scope="module")
def app(story_site):
    from app.main import create_app

    return create_app(story_site)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def unpaced():
    saved = streams.STATS.pace
    streams.STATS.pace = 0
    yield
    streams.STATS.pace = saved


def events_of(text):
    """(event, data) for every SSE event in a response body."""
    out = []
    for block in text.split("\n\n"):
        event, data = "message", None
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:].strip())
        if data is not None:
            out.append((event, data))
    return out


def engine_run(seed, lr, optimizer, steps):
    """Losses and dishes straight from the engine, as the widget promises."""
    docs, params, _ = reference_start(seed)
    losses, dishes = [], {}
    for rec in train(params, docs, steps=steps, lr=lr, optimizer=optimizer):
        losses.append(rec.loss)
        if rec.step in practice.milestones(steps):
            dishes[rec.step] = sampling.sample(params, n=practice.DISH_N, temperature=practice.DISH_T,
                                               seed=practice.DISH_SEED).names
    return losses, dishes


def out_of(html, ns="practice"):
    return html.split(f'id="{ns}-out"', 1)[1]


# --- the stream ---------------------------------------------------------------------------

def test_reference_stream_is_the_default_run_loss_for_loss(client, unpaced):
    r = client.get("/api/train?steps=1000&lr=0.01&seed=42&optimizer=adam")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = events_of(r.text)
    assert events[0] == ("start", {"steps": 1000, "lr": 0.01, "seed": 42, "optimizer": "adam",
                                   "milestones": [1, 100, 500, 1000], "smooth": practice.SMOOTH})
    steps = [d for e, d in events if e == "message"]
    assert [d["step"] for d in steps] == list(range(1, 1001))
    assert_same_losses([d["loss"] for d in steps], checkpoint.default_log())
    assert all(set(d) >= {"step", "loss", "lr", "grad_norm", "name"} for d in steps)
    # the steps are plain messages: a client that only listens for messages gets exactly them
    assert not any("step" in d and "loss" in d for e, d in events if e != "message")
    assert steps[0]["lr"] == 0.01 and steps[-1]["lr"] == pytest.approx(0.01 / 1000)
    dishes = {d["step"]: d["names"] for e, d in events if e == "dishes"}
    _, want = engine_run(42, 0.01, "adam", 1000)
    assert dishes == want
    assert events[-1] == ("done", {"steps": 1000, "broke_at": None})


def test_a_replayed_run_gives_identical_losses_and_the_page_draws_them(client, unpaced):
    query = "steps=150&lr=0.05&seed=7&optimizer=sgd"
    a = [d["loss"] for e, d in events_of(client.get(f"/api/train?{query}").text) if e == "message"]
    b = [d["loss"] for e, d in events_of(client.get(f"/api/train?{query}").text) if e == "message"]
    losses, dishes = engine_run(7, 0.05, "sgd", 150)
    assert a == b == losses
    # the page without JavaScript draws the very same run
    d = twin(client, "practice", go="1", steps="150", lr="0.05", seed="7", opt="sgd")
    (line,) = d["lines"]
    assert line["opt"] == "sgd"
    points = line["points"].split()
    smooth = practice.running_mean(losses)
    xs = practice.point_steps(150)
    assert len(points) == len(xs) == 150
    for s, pt in zip(xs, points):
        x, y = map(float, pt.split(","))
        assert x == pytest.approx(practice.x_of(s, 150), abs=0.051)
        assert y == pytest.approx(practice.y_of(smooth[s - 1]), abs=0.051)
    assert [row["menu"] for row in d["table"]] == ["menu 1", "menu 100", "menu 150"]
    for m, row in zip((1, 100, 150), d["table"]):
        (cell,) = row["cells"]
        assert cell["loss"] == f"{losses[m - 1]:.2f}"
        assert cell["smooth"] == f"{sum(losses[max(0, m - 50):m]) / min(m, 50):.2f}"
        assert cell["dishes"] == [n or "🛎️" for n in dishes[m]]


@pytest.mark.parametrize("query", ["go=1&steps=150&lr=0.05&seed=7&opt=sgd", "go=1&steps=120&seed=3&opt=both",
                                   "go=1&steps=400&lr=1&seed=42&opt=adam", ""])
def test_the_practice_kitchen_shows_what_its_twin_computes(client, query):
    for lang in ("zh", "en"):
        d = twin(client, "practice", lang, dict(parse_qsl(query)))
        r = client.get(f"/{lang}/widget/practice?{query}")
        assert r.status_code == 200
        out = out_of(r.text)
        assert re.findall(r'<polyline class="line line-(\w+)" points="([^"]+)"', out) == [(x["opt"], x["points"]) for x in d["lines"]]
        for line in d["summary"]:
            assert shown(line) in out
        rows = re.findall(r'<tr><th scope="row">([^<]+)</th>((?:<td>[^<]*</td>)+)</tr>', out)
        assert [(m, re.findall(r"<td>([^<]*)</td>", cells)) for m, cells in rows] == \
            [(shown(row["menu"]), [v for c in row["cells"] for v in (c["loss"], c["smooth"])]) for row in d["table"]]
        dishes = re.findall(r'<span class="dish">([^<]+)</span>', out)
        assert dishes == [shown(n) for row in d["table"] for c in row["cells"] for n in c["dishes"]]
        assert f'data-geom="{shown(d["geom_json"])}"' in r.text
        for tick in d["x_ticks"] + d["y_ticks"]:
            assert f">{tick['label']}</text>" in out


def test_running_mean_is_the_mean_of_the_last_window():
    xs = [3.0, 1.0, 2.0, 6.0, 5.0]
    assert practice.running_mean(xs, window=2) == [3.0, 2.0, 1.5, 4.0, 5.5]
    assert practice.running_mean(xs, window=50) == pytest.approx([3.0, 2.0, 2.0, 3.0, 3.4])


def test_too_heavy_a_hand_breaks_the_run_and_it_says_so(client, unpaced):
    events = events_of(client.get("/api/train?steps=400&lr=1&seed=42&optimizer=adam").text)
    broke = [d for e, d in events if e == "broke"]
    assert len(broke) == 1
    steps = [d["step"] for e, d in events if e == "message"]
    assert steps == list(range(1, broke[0]["step"]))
    assert all(math.isfinite(d["loss"]) for e, d in events if e == "message")
    assert events[-1] == ("done", {"steps": len(steps), "broke_at": broke[0]["step"]})
    d = twin(client, "practice", "zh", go="1", steps="400", lr="1", seed="42", opt="adam")
    assert f"第 {broke[0]['step']:,} 套时分数已经不是一个数了" in " ".join(d["summary"])
    # only the menus it reached are listed
    menus = [int(re.fullmatch(r"第 ([\d,]+) 套", row["menu"]).group(1).replace(",", "")) for row in d["table"]]
    assert menus and max(menus) <= len(steps)


@pytest.mark.parametrize("query", [
    "steps=2001", "steps=0", "steps=1.5", "lr=0", "lr=2", "lr=nan", "lr=inf", "lr=abc",
    "seed=-1", "seed=99999999999", "optimizer=rmsprop",
])
def test_bad_stream_queries_are_a_json_422(client, query):
    r = client.get(f"/api/train?{query}")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"][0]["msg"]


# --- the widget --------------------------------------------------------------------------

def test_chapter_starts_with_the_form_and_an_empty_curve(client):
    for lang in ("zh", "en"):
        r = client.get(f"/{lang}/chapter/6")
        assert r.status_code == 200
        assert 'id="w-practice"' in r.text and "<polyline" not in r.text
        assert "/static/js/widgets/practice.js" in r.text and "/static/css/widgets/practice.css" in r.text
        form = r.text.split('id="w-practice"', 1)[1].split("</form>", 1)[0]
        assert f'method="get" action="/{lang}/chapter/6#w-practice"' in form
        assert 'name="practice.go" value="1"' in form  # the start button
        for key in ("lr", "opt", "steps", "seed"):
            assert f'name="practice.{key}"' in form
        assert 'value="adam" checked' in form
        assert ("开始练习" if lang == "zh" else "Start practising") in form


def test_chapter_with_state_draws_the_finished_run_and_keeps_other_keys(client):
    r = client.get("/zh/chapter/6?practice.go=1&practice.opt=both&practice.steps=120&practice.seed=3&utm=x")
    assert r.status_code == 200
    out = out_of(r.text)
    assert '<polyline class="line line-adam"' in out and '<polyline class="line line-sgd"' in out
    assert "有记忆的老师傅" in out and "没有记忆的普通师傅" in out
    assert '<input type="hidden" name="keep" value="practice">' in r.text and 'name="utm"' not in out_of(r.text)
    assert 'value="both" checked' in r.text and 'name="practice.steps" min="1" max="2000" step="1" value="120"' in r.text
    adam, _ = engine_run(3, 0.01, "adam", 120)
    summary = twin(client, "practice", "zh", go="1", opt="both", steps="120", seed="3")["summary"]
    assert f"第 1 套 {adam[0]:.2f} 分" in summary[0] and shown(summary[0]) in out
    assert "再练一遍" in r.text


def test_fragment_in_both_languages_with_bare_or_namespaced_keys(client):
    for lang, word in (("zh", "滑动平均"), ("en", "running mean")):
        bare = client.get(f"/{lang}/widget/practice?go=1&steps=60&seed=5")
        spaced = client.get(f"/{lang}/widget/practice?practice.go=1&practice.steps=60&practice.seed=5")
        for r in (bare, spaced):
            assert r.status_code == 200
            assert r.text.lstrip().startswith('<section class="widget widget-practice" id="w-practice"')
            assert word in r.text and "<polyline" in r.text
        assert bare.text == spaced.text


def test_htmx_fragment_replaces_the_address_with_the_run(client):
    r = client.get("/en/widget/practice?practice.go=1&practice.steps=60&practice.lr=0.02",
                   headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/6?x=1"})
    assert r.status_code == 200
    assert r.headers["HX-Replace-Url"] == (
        "/en/chapter/6?x=1&practice.lr=0.02&practice.opt=adam&practice.steps=60&practice.seed=42&practice.go=1")


@pytest.mark.parametrize("query, zh, en", [
    ("lr=0", "师傅的手劲（学习率）要是 0.0001 到 1 之间的数。", "The weight of the hand (learning rate) must be a number from 0.0001 to 1."),
    ("lr=5", "0.0001 到 1", "from 0.0001 to 1"),
    ("lr=nan", "0.0001 到 1", "from 0.0001 to 1"),
    ("steps=2001", "练习的套数要是 1 到 2000 之间的整数。", "The number of practice menus must be a whole number from 1 to 2000."),
    ("steps=2.5", "1 到 2000", "from 1 to 2000"),
    ("opt=rmsprop", "师傅只能是 adam / sgd / both 之一。", "The teacher must be one of adam / sgd / both."),
    ("seed=-4", "厨房编号", "seed"),
    ("go=2", "开始", "start"),
])
def test_bad_state_is_a_422_in_the_page_language(client, query, zh, en):
    assert_refused(client, "practice", 6, query, zh, en)


# --- bound and stop, on a real server -------------------------------------------------------

@pytest.fixture(scope="module")
def live(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def slow_streams():
    """Streams paced slowly, so they are still running when the test acts."""
    saved = streams.STATS.pace, streams.STATS.limit
    streams.STATS.pace, streams.STATS.limit = 100, 4
    yield streams.STATS
    streams.STATS.pace, streams.STATS.limit = saved


def wait_for(pred, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if pred():
            return time.monotonic() - start
        time.sleep(0.01)
    return None


def first_step(lines):
    """The first step event from an iterator of lines (kept open: dropping an
    iterator of httpx's closes the connection, which is the reader leaving)."""
    for line in lines:
        if line.startswith("data:") and '"loss"' in line:
            return json.loads(line[5:])
    raise AssertionError("no step arrived")


def test_leaving_the_stream_stops_it_within_a_second(live, slow_streams):
    stats = slow_streams
    assert wait_for(lambda: stats.active == 0, 5) is not None
    before = stats.steps
    with httpx.Client(timeout=10) as http:
        with http.stream("GET", f"{live}/api/train?steps=2000&seed=9&optimizer=adam") as r:
            assert r.status_code == 200
            lines = r.iter_lines()
            assert first_step(lines)["step"] == 1
            assert stats.active == 1
            running = stats.steps
            assert wait_for(lambda: stats.steps > running, 1.0) is not None  # still sending
            assert stats.active == 1
        left = time.monotonic()
    took = wait_for(lambda: stats.active == 0, 1.0)
    assert took is not None, "the stream kept its slot after the reader left"
    stopped_at = stats.steps
    time.sleep(0.5)
    assert stats.steps == stopped_at, "the stream went on after the reader left"
    assert stats.last_step_at - left < 1.0
    assert stopped_at - before < 2000  # far from finishing


def test_past_the_bound_a_reader_gets_503_with_retry_after(live, slow_streams):
    stats = slow_streams
    assert wait_for(lambda: stats.active == 0, 5) is not None
    with httpx.Client(timeout=10) as http:
        opened = []
        try:
            for seed in range(stats.limit):
                cm = http.stream("GET", f"{live}/api/train?steps=2000&seed={seed}")
                r = cm.__enter__()
                opened.append(cm)
                assert r.status_code == 200
                lines = r.iter_lines()
                opened.append(lines)
                first_step(lines)
            assert stats.active == stats.limit
            busy = http.get(f"{live}/api/train?steps=10")
            assert busy.status_code == 503
            assert int(busy.headers["Retry-After"]) > 0
            body = busy.json()
            assert body["message"] == i18n.every_language(streams.BUSY)
            assert body["detail"] == i18n.say("en", streams.BUSY)
        finally:
            for cm in opened[::2]:
                cm.__exit__(None, None, None)
    assert wait_for(lambda: stats.active == 0, 1.0) is not None
    with httpx.Client(timeout=10) as http:
        r = http.get(f"{live}/api/train?steps=5")
        assert r.status_code == 200 and events_of(r.text)[-1][0] == "done"


# --- the whole run, computed once in the training helper, let in at the gate ------------------

class Spy:
    """Stands in for ``TRAINER.compute_async``: records each engine call and when it ended."""

    def __init__(self, real, delay=0.0):
        self.real, self.delay = real, delay
        self.calls, self.ended = [], []

    async def __call__(self, fn, *args):
        import asyncio

        self.calls.append((fn.__name__, args))
        await asyncio.sleep(self.delay)
        try:
            return await self.real(fn, *args)
        finally:
            self.ended.append(time.monotonic())


def test_a_stream_computes_its_whole_run_once_in_the_helper_then_sends_it_at_the_pages_pace(
        live, slow_streams, monkeypatch):
    stats = slow_streams
    assert wait_for(lambda: stats.active == 0, 5) is not None
    helper = TRAINER.helper_pid()
    assert helper != os.getpid()
    # the helper yields the cores to the worker's readers
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, helper) == min(mine + trainer.NICE, 19)
    spy = Spy(TRAINER.compute_async)
    monkeypatch.setattr(TRAINER, "compute_async", spy)
    admitted = admission.GATE.stats()["admitted"]
    before = stats.steps
    with httpx.Client(timeout=10) as http:
        with http.stream("GET", f"{live}/api/train?steps=2000&seed=21") as r:
            lines = r.iter_lines()  # held: dropping it would close the stream (the reader leaving)
            first_step(lines)
            # one engine call, for the whole run, finished before the first step was sent
            assert spy.calls == [("practice_run", (21, 0.01, "adam", 2000))] and len(spy.ended) == 1
            assert admission.GATE.stats()["admitted"] == admitted + 1
            assert stats.steps - before < 2000  # ... and it is sent at the page's pace, not at once
    assert wait_for(lambda: stats.active == 0, 1.0) is not None
    assert TRAINER.helper_pid() == helper  # the same helper serves the next run


def test_a_stream_is_paced(client):
    saved = streams.STATS.pace
    streams.STATS.pace = 400
    try:
        client.get("/api/train?steps=200&seed=4")  # the run is computed (and memoised) first
        start = time.monotonic()
        with client.stream("GET", "/api/train?steps=200&seed=4") as r:
            chunks = [c for c in r.iter_text() if c]
        took = time.monotonic() - start
    finally:
        streams.STATS.pace = saved
    # 200 steps at 400 a second: half a second, in batches (the first batch goes at once)
    assert took >= (200 - streams.BATCH) / 400 - 0.02
    assert len(chunks) >= 200 // streams.BATCH
    assert events_of("".join(chunks))[-1] == ("done", {"steps": 200, "broke_at": None})


def test_a_stream_and_the_finished_page_of_the_same_run_share_one_job(live, monkeypatch):
    """Asked at the same time, the live stream and the page without JavaScript wait for the
    same job at the gate: the run is computed once."""
    spy = Spy(TRAINER.compute_async, delay=0.5)
    monkeypatch.setattr(TRAINER, "compute_async", spy)
    got = {}

    def fetch(name, url):
        with httpx.Client(timeout=20) as http:
            got[name] = http.get(url)

    threads = [threading.Thread(target=fetch, args=("stream", f"{live}/api/train?steps=90&seed=24&lr=0.03"))]
    threads.append(threading.Thread(target=fetch, args=(
        "page", f"{live}/en/widget/practice?go=1&steps=90&seed=24&lr=0.03&opt=adam")))
    for t in threads:
        t.start()
        time.sleep(0.1)
    for t in threads:
        t.join(30)
    assert got["stream"].status_code == 200 and got["page"].status_code == 200
    assert spy.calls == [("practice_run", (24, 0.03, "adam", 90))]
    losses = [d["loss"] for e, d in events_of(got["stream"].text) if e == "message"]
    assert losses == engine_run(24, 0.03, "adam", 90)[0]
    assert f"{losses[0]:.2f} on menu 1" in got["page"].text


class FullGate(admission.Gate):
    def __init__(self):
        super().__init__(at_once=1, queue=0, wait=1)

    async def get(self, key, job, gone, deadline=None):
        self.refused += 1
        raise admission.Busy()


def test_when_the_gate_for_heavy_work_is_full_a_stream_is_a_503_with_retry_after(client, monkeypatch):
    full = FullGate()
    monkeypatch.setattr(admission, "GATE", full)
    r = client.get("/api/train?steps=12&seed=3")
    assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
    assert r.json()["message"] == i18n.every_language(streams.BUSY) and full.refused == 1
    assert streams.STATS.active == 0  # its slot is given back


def test_a_run_that_cannot_be_computed_is_a_503_that_says_so(client, monkeypatch):
    async def broken(fn, *args):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(TRAINER, "compute_async", broken)
    r = client.get("/api/train?steps=13&seed=3")
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert r.json()["message"] == i18n.every_language(streams.LOST) and streams.STATS.active == 0


def test_a_reader_who_leaves_while_the_run_waits_at_the_gate_frees_the_slot_and_the_queue(monkeypatch):
    """The stream waits for its run as an awaiting task; when the reader leaves, its job
    leaves the queue unstarted and its slot is given back."""
    import asyncio

    async def never_called(fn, *args):
        raise AssertionError("the run was computed for a reader who had left")

    monkeypatch.setattr(TRAINER, "compute_async", never_called)

    class Reader:
        def __init__(self):
            self.left = asyncio.Event()
            self.messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive(self):
            if self.messages:
                return self.messages.pop(0)
            await self.left.wait()
            return {"type": "http.disconnect"}

    async def go():
        gate = admission.Gate(at_once=1, queue=2, wait=30)
        monkeypatch.setattr(admission, "GATE", gate)
        busy = asyncio.Event()

        async def hold():
            await busy.wait()

        first = asyncio.ensure_future(gate.get("another", hold, asyncio.get_running_loop().create_future()))
        await asyncio.sleep(0.01)
        stats = streams.Stats(limit=2, pace=0)
        reader = Reader()
        stream = asyncio.ensure_future(streams.train_stream(reader, 1, 0.01, "adam", 10, stats=stats))
        await asyncio.sleep(0.05)
        assert stats.active == 1 and gate.stats()["jobs"] == 2 and not stream.done()
        reader.left.set()
        response = await asyncio.wait_for(stream, 5)
        assert response.status_code == 503 and stats.active == 0
        assert gate.stats()["jobs"] == 1 and gate.stats()["dropped"] == 1
        busy.set()
        await first

    asyncio.run(go())


def test_if_the_helper_dies_while_it_computes_the_run_the_stream_still_arrives_whole(live, slow_streams):
    stats = slow_streams
    stats.pace = 0
    assert wait_for(lambda: stats.active == 0, 5) is not None
    helper = TRAINER.helper_pid()
    got = {}

    def fetch():
        with httpx.Client(timeout=30) as http:
            got["r"] = http.get(f"{live}/api/train?steps=2000&seed=22")

    t = threading.Thread(target=fetch)
    t.start()
    time.sleep(0.15)  # the helper is training the run now
    os.kill(helper, signal.SIGKILL)
    t.join(30)
    events = events_of(got["r"].text)
    assert got["r"].status_code == 200 and events[-1] == ("done", {"steps": 2000, "broke_at": None})
    assert [d["step"] for e, d in events if e == "message"] == list(range(1, 2001))
    assert wait_for(lambda: stats.active == 0, 1.0) is not None
    with httpx.Client(timeout=10) as http:
        r = http.get(f"{live}/api/train?steps=5&seed=23")
        assert r.status_code == 200 and events_of(r.text)[-1][0] == "done"
    assert TRAINER.helper_pid() != helper


def test_a_whole_run_from_the_helper_is_the_engine_run():
    key = (5, 0.01, "sgd", 120)
    run = TRAINER.compute(training.practice_run, *key)
    losses, dishes = engine_run(*key)
    assert list(run.losses) == losses
    assert {d.step: list(d.names) for d in run.dishes} == {k: list(v) for k, v in dishes.items()}


def test_a_helper_that_died_while_idle_is_replaced_by_the_next_call(live, slow_streams):
    stats = slow_streams
    assert wait_for(lambda: stats.active == 0, 5) is not None
    helper = TRAINER.helper_pid()
    os.kill(helper, signal.SIGKILL)
    assert wait_for(lambda: not os.path.exists(f"/proc/{helper}") or
                    open(f"/proc/{helper}/stat").read().split()[2] == "Z", 5) is not None
    time.sleep(0.2)
    with httpx.Client(timeout=20) as http:
        r = http.get(f"{live}/api/train?steps=5&seed=31")
    assert r.status_code == 200 and events_of(r.text)[-1][0] == "done"  # not "cut short"
    assert TRAINER.helper_pid() != helper


def test_the_helper_stops_only_when_the_last_app_using_it_shuts_down():
    t = trainer.Trainer()
    try:
        t.start()
        t.start()
        pid = t.helper_pid()
        t.shutdown()
        assert t.helper_pid() == pid  # the other app still uses it
        t.shutdown()
        assert t._pool is None
        t.start()
        assert t.helper_pid() != pid  # a new app starts a new helper
    finally:
        t.shutdown()


def test_the_helper_ends_when_its_worker_is_killed(tmp_path):
    import subprocess
    import sys

    script = (
        "import os, sys\n"
        "from app.training.helper import Trainer\n"
        "t = Trainer()\n"
        "print(t.helper_pid(), flush=True)\n"
        "sys.stdin.read()\n"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[2])})
    helper = None
    try:
        helper = int(worker.stdout.readline())
        assert os.path.exists(f"/proc/{helper}")
        worker.kill()  # no clean shutdown: the helper must notice by itself
        worker.wait(timeout=10)

        def gone():
            try:
                return open(f"/proc/{helper}/stat").read().split()[2] == "Z"
            except FileNotFoundError:
                return True

        assert wait_for(gone, 5) is not None, "the helper outlived its worker"
    finally:
        if worker.poll() is None:
            worker.kill()
        if helper is not None and os.path.exists(f"/proc/{helper}"):
            os.kill(helper, signal.SIGKILL)  # leave nothing behind, even when the test fails


def test_a_helper_whose_worker_died_before_it_started_leaves_at_once():
    import subprocess
    import sys

    # a helper told that its worker is a process that is not its parent: the
    # worker is gone already, so the helper must not wait on its queue for ever
    code = "import time\nfrom app.training import helper\nhelper._init(worker=1)\ntime.sleep(30)\n"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], timeout=20,
                          env={**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[2])})
    assert done.returncode == 0
    assert time.monotonic() - start < 10
