"""Live training runs in a process of their own, next to each worker.

Training is the heaviest work the site does: a live practice run takes a
core's worth of numpy for as long as it streams, and chapter 8's tuning up to
a second. Done in the worker's threads
it would hold Python's interpreter lock in turns with the event loop, and
every other reader's dial would wait for it. So each worker hands training to
one helper process of its own (started with the worker, with ``spawn``), and
the operating system shares the cores between the two. Starting it with the
worker, not at the first run, keeps the first reader from waiting for it and
keeps the server's memory the same from its first minute to its last.

The helper keeps the open runs by id. The worker asks for the next batch of a
run, one batch at a time, so a run the reader has left is never computed more
than one batch ahead; ``close`` forgets it. The helper keeps at most
``MAX_OPEN`` runs: a worker that died without closing its runs cannot fill it.

If the helper process dies, the runs it held end (their streams say so) and
the next run starts a fresh helper.
"""

import asyncio
import itertools
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from engine import train as training

MAX_OPEN = 64            # runs the helper holds at least (more if the worker may stream more)
NICE = 5                 # how much lower the helper's priority is than the worker's
WATCH_EVERY = 0.5        # seconds between the helper's checks that its worker is still there
WHOLE_BATCH = 200        # steps per request when a whole run is computed
LONG_AT_ONCE = 2         # long jobs (whole runs, chapter 8's tuning) one worker has under way at once


class TrainerGone(RuntimeError):
    """The helper process died; the runs it held are lost."""


# --- in the helper process --------------------------------------------------------------

_runs = OrderedDict()          # run id -> the generator of engine.train.practice


def _init(worker):
    """The helper yields the cores to the worker: a reader turning a dial is served
    before the next batch of a practice run, which has time to spare (it is paced).
    It leaves Ctrl+C to the worker, and it ends when the worker is gone, however
    the worker ended."""
    import signal

    try:
        os.nice(NICE)
    except OSError:
        pass  # not allowed here: the helper runs at the worker's priority
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # ``worker`` is the worker's pid, passed in: if the worker died while this
    # helper was still starting, the helper already has another parent and
    # leaves at once (it holds its own call queue open, so it would otherwise
    # wait on it for ever, and keep multiprocessing's resource tracker alive)
    def watch():
        while True:
            if os.getppid() != worker:
                os._exit(0)
            time.sleep(WATCH_EVERY)

    threading.Thread(target=watch, name="watch-worker", daemon=True).start()


def _open(run_id, key, max_open=MAX_OPEN):
    _runs[run_id] = training.practice(*key)
    while len(_runs) > max_open:
        _, old = _runs.popitem(last=False)
        old.close()


def _next(run_id, n):
    """Up to ``n`` training steps of a run (and any dishes between them).

    Returns (items, steps, done), or None for a run this helper does not
    hold (it was dropped, or this is a new helper)."""
    events = _runs.get(run_id)
    if events is None:
        return None
    out, steps, done = [], 0, False
    with np.errstate(all="ignore"):
        while steps < n:
            item = next(events, None)
            if item is None:
                done = True
                break
            out.append(item)
            if isinstance(item, training.Broke):
                done = True
                break
            if not isinstance(item, training.Dishes):
                steps += 1
    if done:
        _close(run_id)
    return out, steps, done


def _close(run_id):
    events = _runs.pop(run_id, None)
    if events is not None:
        events.close()


def _pid():
    return os.getpid()


def _held():
    return list(_runs)


# --- in the worker -----------------------------------------------------------------------


class Trainer:
    """The worker's side: starts the helper and talks to it.

    Every app that starts (its lifespan) calls ``start`` and ``shutdown`` once;
    the helper stops when the last one has shut down. A helper that died is
    replaced by the next call."""

    def __init__(self):
        self._pool = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._users = 0
        self._long = threading.BoundedSemaphore(LONG_AT_ONCE)
        self.max_open = MAX_OPEN

    def _executor(self):
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
                    initargs=(os.getpid(),))
            return self._pool

    def _lost(self, pool):
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def _submit(self, fn, *args):
        """A future for ``fn(*args)`` in the helper; a helper found dead is replaced once."""
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return pool, pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError):
                # it died while idle, or another app shut it down just now
                self._lost(pool)
                if attempt == 2:
                    raise TrainerGone("the training helper could not be started") from None

    async def _call(self, fn, *args):
        pool, future = self._submit(fn, *args)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._lost(pool)
            raise TrainerGone("the training helper stopped") from None

    def _call_sync(self, fn, *args):
        pool, future = self._submit(fn, *args)
        try:
            return future.result()
        except BrokenProcessPool:
            self._lost(pool)
            raise TrainerGone("the training helper stopped") from None

    def start(self):
        """Start the helper now (one more app uses it), without waiting for it."""
        with self._lock:
            self._users += 1
        self._submit(_pid)

    def shutdown(self):
        """One app is done with the helper; the last one stops it and waits for it.

        Waiting (at most the batch or job the helper is in the middle of) lets the
        helper's queues be closed before the worker exits: a worker stopped with
        SIGTERM exits at once after its shutdown, and multiprocessing's resource
        tracker would report what was still open as leaked."""
        with self._lock:
            self._users = max(0, self._users - 1)
            if self._users:
                return
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def new_id(self):
        """An id for a run, taken before it is opened so that it can always be closed."""
        return next(self._ids)

    async def open(self, run_id, key):
        """Open run ``run_id`` for ``key`` = (seed, lr, optimizer, steps) in the helper."""
        await self._call(_open, run_id, key, self.max_open)

    async def next(self, run_id, n):
        """(items, steps, done) for the next ``n`` steps of a run."""
        got = await self._call(_next, run_id, n)
        if got is None:
            raise TrainerGone(f"the training helper no longer holds run {run_id}")
        return got

    def close(self, run_id):
        """Forget a run. It does not wait, so it works in a stream that is being cancelled."""
        with self._lock:
            pool = self._pool
        if pool is None:
            return
        try:
            pool.submit(_close, run_id)
        except (BrokenProcessPool, RuntimeError):
            pass  # the helper is gone, or the worker is shutting down: nothing is held

    def whole(self, key):
        """The finished run for ``key`` (blocks the calling thread).

        It is computed in the helper in batches of ``WHOLE_BATCH`` steps, so
        live streams' batches take their turns between them, and at most
        ``LONG_AT_ONCE`` long jobs are under way at once."""
        with self._long:
            run_id = self.new_id()
            items = []
            try:
                self._call_sync(_open, run_id, key, self.max_open)
                while True:
                    got = self._call_sync(_next, run_id, WHOLE_BATCH)
                    if got is None:
                        raise TrainerGone(f"the training helper no longer holds run {run_id}")
                    batch, _, done = got
                    items.extend(batch)
                    if done:
                        break
            finally:
                self.close(run_id)
            return training.collect(key, items)

    def compute(self, fn, *args):
        """``fn(*args)`` in the helper (blocks the calling thread): for chapter 8's tuning,
        a second of numpy that would otherwise hold the worker's interpreter lock.
        ``fn`` must be a module-level function and its arguments and result picklable.
        If the helper cannot do it, the calling thread does."""
        with self._long:
            try:
                return self._call_sync(fn, *args)
            except TrainerGone:
                return fn(*args)

    async def whole_async(self, key):
        """``whole``, awaited on the event loop: no thread waits for the helper. A caller
        cancelled between batches stops the run there (the helper forgets it)."""
        run_id = self.new_id()
        items = []
        try:
            await self._call(_open, run_id, key, self.max_open)
            while True:
                batch, _, done = await self.next(run_id, WHOLE_BATCH)
                items.extend(batch)
                if done:
                    break
        finally:
            self.close(run_id)
        return training.collect(key, items)

    async def compute_async(self, fn, *args):
        """``compute``, awaited on the event loop: no thread waits for the helper.
        If the helper cannot do it, a thread of the pool does."""
        try:
            return await self._call(fn, *args)
        except TrainerGone:
            return await asyncio.to_thread(fn, *args)

    def held(self):
        """The ids of the runs the helper holds now (blocks the calling thread)."""
        return self._call_sync(_held)

    def helper_pid(self):
        """The helper's process id, starting it if needed (blocks the calling thread)."""
        return self._call_sync(_pid)


TRAINER = Trainer()
