"""Training in a process of its own, next to each worker.

Training is the heaviest work the site does: a practice run of 1,000 menus
takes about 0.2 s of numpy, and chapter 8's tuning up to a second. Done in the
worker's threads it would hold Python's interpreter lock in turns with the
event loop, and every other reader's dial would wait for it. So each worker
hands training to one helper process of its own (started with the worker,
with ``spawn``), and the operating system shares the cores between the two.
Starting it with the worker, not at the first run, keeps the first reader from
waiting for it and keeps the server's memory the same from its first minute to
its last.

The helper computes whole engine functions (``compute``): a finished practice
run, a tuning experiment. The engine memoises them by their arguments, so the
helper's memory is where a run or an experiment already computed is found
again; the worker keeps none of them. A live practice stream asks for the
whole run at once and replays it at the page's pace (app/api/streams.py).

If the helper process dies, the job it was doing is done in the worker
instead, and the next job starts a fresh helper.
"""

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

NICE = 5                 # how much lower the helper's priority is than the worker's
WATCH_EVERY = 0.5        # seconds between the helper's checks that its worker is still there
LONG_AT_ONCE = 2         # jobs one worker's threads wait for at once (outside a route's gate)


class TrainerGone(RuntimeError):
    """The helper process died, or could not be started."""


# --- in the helper process --------------------------------------------------------------

def _init(worker):
    """The helper yields the cores to the worker: a reader turning a dial is served
    before a practice run or a tuning, which have time to spare (a stream is paced).
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


def _pid():
    return os.getpid()


# --- in the worker -----------------------------------------------------------------------


class Trainer:
    """The worker's side: starts the helper and talks to it.

    Every app that starts (its lifespan) calls ``start`` and ``shutdown`` once;
    the helper stops when the last one has shut down. A helper that died is
    replaced by the next call."""

    def __init__(self):
        self._pool = None
        self._lock = threading.Lock()
        self._users = 0
        self._long = threading.BoundedSemaphore(LONG_AT_ONCE)

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

        Waiting (at most the job the helper is in the middle of) lets the
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

    def compute(self, fn, *args):
        """``fn(*args)`` in the helper (blocks the calling thread): for a finished practice
        run or chapter 8's tuning, numpy that would otherwise hold the worker's interpreter lock.
        ``fn`` must be a module-level function and its arguments and result picklable.
        If the helper cannot do it, the calling thread does."""
        with self._long:
            try:
                return self._call_sync(fn, *args)
            except TrainerGone:
                return fn(*args)

    async def compute_async(self, fn, *args):
        """``compute``, awaited on the event loop: no thread waits for the helper.
        If the helper cannot do it, a thread of the pool does."""
        try:
            return await self._call(fn, *args)
        except TrainerGone:
            return await asyncio.to_thread(fn, *args)

    def helper_pid(self):
        """The helper's process id, starting it if needed (blocks the calling thread)."""
        return self._call_sync(_pid)


TRAINER = Trainer()
