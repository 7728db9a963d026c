"""Heavy work waits at one bounded gate per worker (app/widgets/admission.py): a few run, a short
queue waits, the rest hear at once that the kitchen is busy, in the page's language."""

import asyncio
import re

import pytest

from app.widgets import admission
from app.widgets.admission import Busy, Gate, Gone


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 10))


class Jobs:
    """Jobs that finish when the test says so, counting how many ever started."""

    def __init__(self):
        self.started = []
        self.release = {}

    def job(self, key):
        async def work():
            self.started.append(key)
            event = self.release.setdefault(key, asyncio.Event())
            await event.wait()
            return f"result {key}"
        return work

    def finish(self, key):
        self.release.setdefault(key, asyncio.Event()).set()


def never():
    return asyncio.get_running_loop().create_future()


def test_a_few_run_a_short_queue_waits_and_the_rest_are_turned_away():
    async def main():
        gate, jobs = Gate(at_once=1, queue=2, wait=1), Jobs()
        loop = asyncio.get_running_loop()
        readers = [asyncio.ensure_future(gate.get(k, jobs.job(k), never(), deadline=loop.time() + 10)) for k in "abc"]
        await asyncio.sleep(0.01)
        assert jobs.started == ["a"] and gate.stats()["jobs"] == 3
        t0 = loop.time()
        with pytest.raises(Busy):              # a fourth state: no room in the queue within half its wait
            await gate.get("d", jobs.job("d"), never())
        assert 0.4 < loop.time() - t0 < 1.5
        for k in "abc":
            jobs.finish(k)
        assert await asyncio.gather(*readers) == ["result a", "result b", "result c"]
        assert jobs.started == ["a", "b", "c"]  # "d" never ran
        assert gate.stats()["refused"] == 1

    run(main())


def test_a_reader_who_finds_the_queue_full_gets_in_when_a_job_leaves_it():
    async def main():
        gate, jobs = Gate(at_once=1, queue=0, wait=5), Jobs()
        first = asyncio.ensure_future(gate.get("a", jobs.job("a"), never()))
        second = asyncio.ensure_future(gate.get("b", jobs.job("b"), never()))
        await asyncio.sleep(0.01)
        assert jobs.started == ["a"] and not second.done()
        jobs.finish("a")
        jobs.finish("b")
        assert await first == "result a" and await second == "result b"
        assert gate.stats()["refused"] == 0

    run(main())


def test_readers_of_the_same_state_share_one_job_and_the_gate_keeps_no_result():
    async def main():
        gate, jobs = Gate(at_once=1, queue=0, wait=5), Jobs()
        one = asyncio.ensure_future(gate.get("a", jobs.job("a"), never()))
        two = asyncio.ensure_future(gate.get("a", jobs.job("a"), never()))
        await asyncio.sleep(0.01)
        jobs.finish("a")
        assert await one == await two == "result a"
        assert jobs.started == ["a"]
        # a later reader asks the job again: the engine's memo answers it, the gate keeps nothing
        assert await gate.get("a", jobs.job("a"), never()) == "result a"
        assert jobs.started == ["a", "a"]
        assert gate.stats()["jobs"] == 0 and not hasattr(gate, "kept")

    run(main())


def test_a_reader_who_leaves_takes_a_waiting_job_out_of_the_queue():
    async def main():
        gate, jobs = Gate(at_once=1, queue=3, wait=5), Jobs()
        first = asyncio.ensure_future(gate.get("a", jobs.job("a"), never()))
        gone = never()
        second = asyncio.ensure_future(gate.get("b", jobs.job("b"), gone))
        await asyncio.sleep(0.01)
        gone.set_result(None)                  # the reader of "b" closes the tab
        with pytest.raises(Gone):
            await second
        assert gate.stats()["jobs"] == 1 and gate.stats()["dropped"] == 1
        jobs.finish("a")
        assert await first == "result a"
        await asyncio.sleep(0.01)
        assert jobs.started == ["a"]           # "b" never ran

    run(main())


def test_a_running_job_whose_reader_left_finishes_and_frees_its_place():
    """A job under way is not cancelled when its reader leaves: it finishes in the helper,
    whose engine memoises it for the next reader; its place goes to the next job."""
    async def main():
        gate, jobs = Gate(at_once=1, queue=0, wait=5), Jobs()
        gone = never()
        reader = asyncio.ensure_future(gate.get("a", jobs.job("a"), gone))
        await asyncio.sleep(0.01)
        gone.set_result(None)
        with pytest.raises(Gone):
            await reader
        jobs.finish("a")
        await asyncio.sleep(0.01)
        assert gate.stats()["finished"] == 1 and gate.stats()["running"] == 0
        jobs.finish("b")
        assert await gate.get("b", jobs.job("b"), never()) == "result b"
        assert jobs.started == ["a", "b"]

    run(main())


def test_a_reader_waits_for_its_turn_at_most_the_wait():
    async def main():
        gate, jobs = Gate(at_once=1, queue=1, wait=1), Jobs()
        asyncio.ensure_future(gate.get("a", jobs.job("a"), never()))
        await asyncio.sleep(0.01)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        with pytest.raises(Busy):
            await gate.get("b", jobs.job("b"), never())
        assert 0.9 < loop.time() - t0 < 2
        assert gate.stats()["jobs"] == 1       # "b" left the queue with its reader
        jobs.finish("a")

    run(main())


def test_a_failed_job_reaches_its_readers_and_frees_its_place():
    async def main():
        gate = Gate(at_once=1, queue=0, wait=5)

        async def broken():
            raise RuntimeError("no")

        with pytest.raises(RuntimeError):
            await gate.get("a", broken, never())
        jobs = Jobs()
        jobs.finish("b")
        assert await gate.get("b", jobs.job("b"), never()) == "result b"

    run(main())


# --- through the routes --------------------------------------------------------------------

class FullGate(Gate):
    """A gate whose every place is taken."""

    def __init__(self):
        super().__init__(at_once=1, queue=0, wait=1)

    async def get(self, key, job, gone, deadline=None):
        self.refused += 1
        raise Busy()


@pytest.fixture
def full(monkeypatch):
    gate = FullGate()
    monkeypatch.setattr(admission, "GATE", gate)
    return gate


def out_region(text, ns):
    m = re.search(rf'id="{ns}-out".*', text, re.S)
    return m.group(0) if m else ""


@pytest.mark.parametrize("lang, words", [("zh", "厨房正忙，请过几秒再试。"), ("en", "The kitchen is busy; try again in a few seconds.")])
def test_a_new_michelin_state_when_the_kitchen_is_full_is_a_503_in_the_pages_language(client, full, lang, words):
    r = client.get(f"/{lang}/widget/michelin?book=start&letter=q&sft_steps=37", headers={"HX-Request": "true"})
    assert r.status_code == 503
    assert r.headers["retry-after"] == str(admission.RETRY_AFTER)
    assert words in r.text and 'role="alert"' in r.text
    # the form stays, holding what the reader asked for
    assert 'name="michelin.sft_steps"' in r.text and 'value="37"' in r.text
    assert "hx-replace-url" not in r.headers and "etag" not in r.headers
    assert full.refused >= 1


def test_a_finished_practice_run_when_the_kitchen_is_full_is_a_503_on_the_embed_page_too(client, full):
    r = client.get("/en/widget/practice?go=1&steps=33&seed=5")
    assert r.status_code == 503 and "The kitchen is busy" in r.text
    r = client.get("/embed/zh/practice?go=1&steps=34&seed=5")
    assert r.status_code == 503 and "厨房正忙" in r.text and r.headers["retry-after"]


CHAPTER_6 = """---
title: Practice
summary: Practice makes.
---

## Practice

Set Xiao Ming going.

::: widget practice

::: summary
In one sentence: practice.
:::
"""


@pytest.fixture(scope="module")
def ch6(tmp_path_factory):
    from tests.app.stories import both, story_client

    with story_client(tmp_path_factory.mktemp("story-ch6"), both("chapter-6", CHAPTER_6)) as c:
        yield c


def test_a_page_whose_heavy_widget_is_turned_away_is_a_503_with_the_rest_of_the_page(ch6, full):
    r = ch6.get("/zh/chapter/6?practice.go=1&practice.steps=35&practice.seed=8")
    assert r.status_code == 503 and r.headers["retry-after"] == str(admission.RETRY_AFTER)
    assert "厨房正忙，请过几秒再试。" in r.text
    assert "<h1" in r.text and 'name="practice.steps"' in r.text and 'value="35"' in r.text


def test_a_page_waits_for_its_heavy_widget_without_holding_a_thread(ch6, monkeypatch):
    """While the page's run is computed, the request is an awaiting task, not a thread
    of the pool: the rendering runs only before and after (twice), never during."""
    from app.widgets import admission as adm

    threads = []
    real = adm.run_in_threadpool

    async def counting(fn, *args):
        threads.append(fn)
        return await real(fn, *args)

    monkeypatch.setattr(adm, "run_in_threadpool", counting)
    r = ch6.get("/en/chapter/6?practice.go=1&practice.steps=36&practice.seed=8")
    assert r.status_code == 200 and "line-adam" in r.text
    assert len(threads) == 2  # rendered, the run awaited at the gate, rendered again
    # two runs side by side are awaited together: still two renderings, not three
    threads.clear()
    r = ch6.get("/en/chapter/6?practice.go=1&practice.steps=37&practice.seed=8&practice.opt=both")
    assert r.status_code == 200 and "line-adam" in r.text and "line-sgd" in r.text
    assert len(threads) == 2


def test_a_state_already_computed_is_asked_of_the_helper_again_not_of_a_cache_in_the_worker(client, monkeypatch):
    """The worker keeps no heavy result beside the store of answers: the same answer asked
    again is the store's, even when the kitchen is full; the state asked for from another
    page address goes to the gate again (a short job, answered from the engine's memo in
    the helper), so a full gate turns it away."""
    from app.widgets import admission as adm

    first = client.get("/en/widget/michelin?book=start&letter=w&sft_steps=12")
    assert first.status_code == 200
    full = FullGate()
    monkeypatch.setattr(adm, "GATE", full)
    same = client.get("/en/widget/michelin?book=start&letter=w&sft_steps=12")
    assert same.status_code == 200 and same.text == first.text and full.refused == 0
    again = client.get("/en/widget/michelin?book=start&letter=w&sft_steps=12",
                       headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/en/chapter/8?x=1"})
    assert again.status_code == 503 and "The kitchen is busy" in again.text and full.refused == 1


def test_a_json_twin_of_a_heavy_state_waits_at_the_same_gate(client, full):
    r = client.get("/api/widget/michelin?book=start&letter=j&sft_steps=43&lang=zh")
    assert r.status_code == 503 and r.headers["retry-after"] == str(admission.RETRY_AFTER)
    assert r.json()["detail"] == "厨房正忙，请过几秒再试。"
    r = client.get("/api/widget/practice?go=1&steps=44&seed=9")
    assert r.status_code == 503 and r.json()["detail"].startswith("The kitchen is busy")
    assert client.get("/api/widget/temperature?t=0.4&seed=9").status_code == 200


def test_a_quick_widget_is_rendered_on_the_event_loop_and_the_rest_in_the_thread_pool(client, monkeypatch):
    """A hop to a thread costs a good part of a quick answer: the dial is rendered where
    the request is awaited; a widget not marked quick still goes to the pool."""
    from app.pages import fragments
    from app.widgets import temperature, tokenizer

    assert temperature.TEMPERATURE.quick and not tokenizer.TOKENIZER.quick
    where = {}
    real = fragments.render_fragment

    def noting(lang, name, request):
        try:
            asyncio.get_running_loop()
            where[name] = "the event loop"
        except RuntimeError:
            where[name] = "a thread of the pool"
        return real(lang, name, request)

    monkeypatch.setattr(fragments, "render_fragment", noting)
    assert client.get("/en/widget/temperature?t=1.2&seed=3").status_code == 200
    assert client.get("/en/widget/tokenizer?text=abc").status_code == 200
    assert where == {"temperature": "the event loop", "tokenizer": "a thread of the pool"}
