"""Heavy work is let in at one bounded gate per worker, awaited, never queued without end.

A new state of chapter 8's kitchen (a tuning run) or a practice run (chapter 6:
its finished page, ``go=1``, or its live stream, ``/api/train``) costs the
training helper from a fifth of a second to a few seconds of numpy. Left to
queue freely, forty such requests would hold every thread of the worker's pool
while they wait for the helper, and every other reader's dial would wait behind
them. So every job of that kind goes through ``GATE``:

- at most ``KITCHEN_HEAVY_AT_ONCE`` jobs run at once (default 1: the helper is
  one process, so two jobs under way only share it and both finish later) and
  at most ``KITCHEN_HEAVY_QUEUE`` more wait for their turn (default 4). A
  request whose job finds the queue full waits for room in it, holding no job,
  no thread and no helper time, for the first half of its wait at most (a job
  that gets in late would have no time left for its turn, and be dropped
  unstarted). A request waits at most ``KITCHEN_HEAVY_WAIT`` seconds
  (default 4) in all; then the reader gets 503 with Retry-After and the
  widget says, in the page's language, that the kitchen is busy, with its form
  still there. (Refusing at once instead lets a few clients that ask again the
  moment they are refused keep the worker busy rendering refusals, and the
  dials of other readers wait behind them.)
- waiting is awaited on the event loop (the helper is awaited too), so no
  thread of the pool is held and the other routes keep their threads;
- two readers asking for the same computation share one job (a page and a
  live stream of the same practice run too);
- a reader who leaves while the job waits takes it out of the queue (when no
  other reader waits for it); a job that already runs finishes in the helper,
  whose engine memoises it, so the next reader who asks the same state finds it
  there at the cost of a short job. The gate keeps no results of its own: the
  engine's memo and the store of answers (app/web/answer_memory.py) are the
  worker's only caches.

How a route uses it: ``admitted(request, fn, *args)`` runs the rendering ``fn``
in the thread pool. A widget's ``compute`` asks for an engine computation with
``in_helper(engine_fn, *args)`` (or several at once with ``in_helper_all``):
inside ``admitted`` a result this request has not been given yet raises
``Needed``, the route awaits the jobs at the gate and renders again. Outside a
route (start-up, a script, a test calling ``compute``), the calling thread
waits for the helper, as before. A route that needs the result itself (the
live stream) awaits ``computed(request, engine_fn, *args)``.
"""

import asyncio
import contextvars
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app.training.helper import TRAINER
from app.web.i18n import Message
from app.web.settings import env_int
from app.widgets.base import InputError

AT_ONCE = 1              # jobs under way at once: the helper is one process, so more only share it
QUEUE = 4                # jobs waiting for their turn beyond those
WAIT = 4                 # seconds a request waits for its turn (all its jobs together)
RETRY_AFTER = 5          # seconds, sent to a reader turned away

class Busy(InputError):
    """The gate is full, or the wait was too long: the widget shows this message."""

    status = 503

    def __init__(self):
        super().__init__(Message("The kitchen is busy; try again in a few seconds."))


class Gone(Exception):
    """The reader left before the answer was ready."""


class Needed(Exception):
    """Raised inside ``admitted``: the rendering needs heavy results first (key -> job)."""

    def __init__(self, jobs):
        super().__init__(tuple(jobs))
        self.jobs = jobs


_REFUSED = object()
_given = contextvars.ContextVar("kitchen_admission_given", default=None)


@dataclass
class Entry:
    """One job at the gate: its result (a future), whether it runs, who waits for it."""

    future: asyncio.Future
    started: asyncio.Event
    task: asyncio.Task | None = None
    readers: int = 0


class Gate:
    """The worker's admission point for heavy jobs (see the module's notes)."""

    def __init__(self, at_once, queue, wait):
        self.at_once = at_once        # jobs running at once
        self.queue = queue            # jobs waiting beyond those
        self.wait = wait              # seconds a reader waits for its job to start
        self._loop = None
        self._reset()

    def _reset(self):
        self.jobs = {}                 # key -> Entry, running or waiting
        self.running = 0
        self._turns = []               # futures of jobs waiting for a place, in order
        self._room = []                # futures of readers waiting for room in the queue
        self.admitted = self.refused = self.dropped = self.finished = 0

    def _bind(self):
        loop = asyncio.get_running_loop()
        if loop is not self._loop:     # a new event loop is a new server: start clean
            self._loop = loop
            self._reset()

    # --- the queue -----------------------------------------------------------------------
    async def _turn(self):
        if self.running < self.at_once and not self._turns:
            self.running += 1
            return
        turn = self._loop.create_future()
        self._turns.append(turn)
        try:
            await turn                 # the place is handed over by _release
        except asyncio.CancelledError:
            if turn in self._turns:
                self._turns.remove(turn)
            elif turn.done() and not turn.cancelled():
                self._release()        # handed a place just as it left: pass it on
            raise

    def _release(self):
        while self._turns:
            turn = self._turns.pop(0)
            if not turn.done():
                turn.set_result(None)  # the place goes to the next job, running stays the same
                return
        self.running -= 1

    async def _work(self, key, entry, job):
        await self._turn()
        entry.started.set()
        try:
            result = await job()
        except BaseException as exc:
            self._forget(key)
            if not entry.future.done():
                if isinstance(exc, asyncio.CancelledError):
                    entry.future.cancel()
                else:
                    entry.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            self._release()
        self._forget(key)
        self.finished += 1
        if not entry.future.done():
            entry.future.set_result(result)

    def _forget(self, key):
        """A job leaves the gate: its place goes to the reader waiting longest for room."""
        if self.jobs.pop(key, None) is not None:
            self._wake()

    def _wake(self):
        while self._room:
            room = self._room.pop(0)
            if not room.done():
                room.set_result(None)
                return

    # --- a reader ------------------------------------------------------------------------
    async def _wait_for_room(self, gone, timeout):
        """True when the queue may have room now; False when ``timeout`` passed first.
        The reader waits holding nothing but its connection: no thread, no helper time,
        and no answer to render many times a second for a client that asks again at once."""
        room = self._loop.create_future()
        self._room.append(room)
        try:
            done, _ = await asyncio.wait({room, gone}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if room in self._room:
                self._room.remove(room)
        if gone in done:
            if room.done():
                self._wake()           # woken as it left: the room goes to the next reader
            raise Gone()
        return room in done

    async def get(self, key, job, gone, deadline=None):
        """The result for ``key``: shared with a job under way, or computed by
        ``job()`` when there is room. ``gone`` is a future done when the reader leaves.
        Raises Busy (no room, or no turn within ``wait`` seconds, or by the event loop's
        time ``deadline``) or Gone."""
        self._bind()
        end = self._loop.time() + self.wait if deadline is None else deadline
        if gone.done():
            raise Gone()
        entry = self.jobs.get(key)
        # room in the queue is waited for during the first half of the wait at most, so a
        # job that gets in still has time for its turn (else it is dropped unstarted)
        room_end = end - self.wait / 2
        while entry is None and len(self.jobs) >= self.at_once + self.queue:
            timeout = room_end - self._loop.time()
            if timeout <= 0 or not await self._wait_for_room(gone, timeout):
                self.refused += 1
                raise Busy()
            entry = self.jobs.get(key)
        if entry is None:
            entry = Entry(future=self._loop.create_future(), started=asyncio.Event())
            entry.future.add_done_callback(lambda f: f.cancelled() or f.exception())  # always retrieved
            entry.task = self._loop.create_task(self._work(key, entry, job))
            self.jobs[key] = entry
            self.admitted += 1
        entry.readers += 1
        try:
            if not entry.started.is_set():
                start = asyncio.ensure_future(entry.started.wait())
                try:
                    done, _ = await asyncio.wait({start, gone}, timeout=max(0.0, end - self._loop.time()),
                                                 return_when=asyncio.FIRST_COMPLETED)
                finally:
                    start.cancel()
                if gone in done:
                    raise Gone()
                if not entry.started.is_set():
                    self.refused += 1
                    raise Busy()
            done, _ = await asyncio.wait({entry.future, gone}, return_when=asyncio.FIRST_COMPLETED)
            if entry.future in done:
                if entry.future.cancelled():
                    raise Gone()
                return entry.future.result()
            raise Gone()
        finally:
            entry.readers -= 1
            if entry.readers == 0 and not entry.started.is_set() and not entry.future.done():
                # nobody waits for it any more and it has not started: out of the queue
                self._forget(key)
                self.dropped += 1
                entry.task.cancel()

    def stats(self):
        return {"running": self.running, "waiting": len(self._turns), "jobs": len(self.jobs),
                "admitted": self.admitted, "refused": self.refused,
                "dropped": self.dropped, "finished": self.finished}


def gate_from_env():
    return Gate(
        at_once=env_int("KITCHEN_HEAVY_AT_ONCE", AT_ONCE, 1, 64),
        queue=env_int("KITCHEN_HEAVY_QUEUE", QUEUE, 0, 10_000),
        wait=env_int("KITCHEN_HEAVY_WAIT", WAIT, 1, 600),
    )


GATE = gate_from_env()


# --- inside the widgets --------------------------------------------------------------------

def key_of(fn, args):
    """The gate's key for the engine computation ``fn(*args)``: every route asking for
    the same computation shares one job."""
    return (fn.__module__, fn.__qualname__) + tuple(args)


def in_helper_all(calls):
    """``[fn(*args) for fn, args in calls]``, engine computations done in the worker's
    training helper (where the engine memoises them). Inside ``admitted``: the results
    the gate gave this request, else ``Needed`` for all those it lacks at once (so they
    are awaited together), or ``Busy`` if the gate refused one. Elsewhere the calling
    thread waits for the helper."""
    given = _given.get()
    if given is None:
        return [TRAINER.compute(fn, *args) for fn, args in calls]
    keys = [key_of(fn, args) for fn, args in calls]
    missing = {key: _job(fn, args) for key, (fn, args) in zip(keys, calls) if key not in given}
    if missing:
        raise Needed(missing)
    if any(given[key] is _REFUSED for key in keys):
        raise Busy()
    return [given[key] for key in keys]


def in_helper(fn, *args):
    """``fn(*args)`` through ``in_helper_all``."""
    return in_helper_all([(fn, args)])[0]


def _job(fn, args):
    return lambda: TRAINER.compute_async(fn, *args)


# --- in the routes ---------------------------------------------------------------------------

async def _disconnected(receive):
    """Returns when the reader has gone (reads the request's remaining messages)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class Outcome:
    """What ``admitted`` gives back: the value, and whether the gate turned a job away."""

    def __init__(self, value, busy):
        self.value = value
        self.busy = busy


async def admitted(request, fn, *args, gate=None, rounds=8, quick=False):
    """``fn(*args)`` in the thread pool, with every heavy result it asks for awaited
    at the gate first. Raises Gone when the reader leaves while a job is awaited.
    ``quick``: ``fn`` takes a few milliseconds at most, so it runs on the event loop
    itself (the hop to a thread and back would cost a good part of that)."""
    gate = gate or GATE
    deadline = asyncio.get_running_loop().time() + gate.wait   # one wait for all its jobs
    given = {}
    busy = False
    watch = None
    try:
        for _ in range(rounds):
            ctx = contextvars.copy_context()
            ctx.run(_given.set, given)
            try:
                value = ctx.run(fn, *args) if quick else await run_in_threadpool(ctx.run, fn, *args)
                return Outcome(value, busy)
            except Needed as need:
                if watch is None:
                    watch = asyncio.ensure_future(_disconnected(request.receive))
                keys = list(need.jobs)
                got = await asyncio.gather(*(gate.get(key, need.jobs[key], watch, deadline) for key in keys),
                                           return_exceptions=True)
                for key, value in zip(keys, got):
                    if isinstance(value, Busy):
                        value, busy = _REFUSED, True
                    elif isinstance(value, BaseException):
                        raise value
                    given[key] = value
        raise RuntimeError("a rendering asked for too many heavy results")
    finally:
        if watch is not None:
            watch.cancel()


async def respond(request, fn, *args, to_response=None, quick=False):
    """The answer of a route whose rendering may ask for heavy results:
    ``fn(*args)`` through ``admitted`` (on the event loop if ``quick``), made a
    response by ``to_response`` (by default ``fn`` returns one), stamped 503 if
    the gate turned a job away, and an empty 503 for a reader who left."""
    try:
        outcome = await admitted(request, fn, *args, quick=quick)
    except Gone:
        return gone_response()
    response = to_response(outcome.value) if to_response else outcome.value
    return stamp(response, outcome)


async def computed(request, fn, *args, gate=None):
    """``fn(*args)`` in the training helper, awaited at the gate by a route that needs the
    result itself (the live practice stream): no thread is held. Raises Busy (no room
    in time) or Gone (the reader left while it waited)."""
    gate = gate or GATE
    watch = asyncio.ensure_future(_disconnected(request.receive))
    try:
        return await gate.get(key_of(fn, args), _job(fn, args), watch)
    finally:
        watch.cancel()


def gone_response():
    """For a reader who left: nobody reads it, and no store keeps it."""
    return Response(status_code=503, headers={"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"})


def stamp(response, outcome):
    """503 and Retry-After when the gate turned a job of this answer away."""
    if outcome.busy:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER)
    return response
