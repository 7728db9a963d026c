"""Live practice runs as Server-Sent Events, at the page's pace: bounded per worker,
stopped when the reader leaves.

``/api/train`` (app/api/routes.py) streams one run of ``engine.train.practice_run``.
A practice run of 1,000 menus takes the engine about 0.2 s, so the route asks
for the whole run at once, in the worker's training helper process
(app/training/helper.py), let in at the worker's gate for heavy work
(app/widgets/admission.py): the request waits there as an awaiting task, never
holding a thread, and a page drawing the same run shares the job (the engine
memoises the run in the helper, so the finished page that follows a stream
finds it computed). Then the stream replays the run's events from memory at
the page's pace: ``KITCHEN_TRAIN_PACE`` steps per second (default 500, so
1,000 steps reach the page in about 2 s and the curve visibly grows; 0 sends
it at once). Between batches the stream checks whether the reader is still
there; a reader who leaves or presses stop ends it within one batch.

At most ``KITCHEN_TRAIN_STREAMS`` runs (default 4) stream at once in one
worker; past that, or when the gate has no room in time, the route answers 503
with Retry-After and a short message in both languages.

``STATS`` counts streams and the steps they have sent, so tests (and anyone
curious) can see that a stopped stream really stopped.
"""

import asyncio
import json
import math
import threading
import time

from starlette.responses import JSONResponse, StreamingResponse

from engine import train as training

from app.web import i18n
from app.web.i18n import N_
from app.web.settings import env_int
from app.widgets import admission, practice

BATCH = 20            # steps sent together
RETRY_AFTER = 5       # seconds, for a reader turned away


class Stats:
    """Per-worker counters of live training streams."""

    def __init__(self, limit, pace):
        self.limit = limit            # streams allowed at once
        self.pace = pace              # steps per second, 0 = unpaced
        self.active = 0               # streams open now
        self.steps = 0                # training steps sent by all streams
        self.last_step_at = 0.0       # time.monotonic() of the last step sent
        self.lock = threading.Lock()

    def sent(self, n):
        with self.lock:
            self.steps += n
            self.last_step_at = time.monotonic()


def stats_from_env():
    return Stats(
        limit=env_int("KITCHEN_TRAIN_STREAMS", 4, 1, 1000),
        pace=env_int("KITCHEN_TRAIN_PACE", 500, 0, 1_000_000),
    )


STATS = stats_from_env()

LOST = N_("This practice run was cut short. Please try again.")
BUSY = N_("The practice kitchen is full right now. Please try again in a few seconds.")


class Slot:
    """One place among the worker's streams; released exactly once."""

    def __init__(self, stats):
        self.stats = stats
        self.held = True

    def release(self):
        if self.held:
            self.held = False
            self.stats.active -= 1


def take_slot(stats=STATS):
    """A Slot, or None when the worker already streams ``stats.limit`` runs."""
    if stats.active >= stats.limit:
        return None
    stats.active += 1
    return Slot(stats)


def refusal(message):
    """A 503 the page shows in its language (``message``: every language's words), with Retry-After."""
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"},
        content={"detail": i18n.say("en", message), "message": i18n.every_language(message),
                 "retry_after": RETRY_AFTER},
    )


def busy_response():
    return refusal(BUSY)


def sse(event, data):
    """One SSE event; ``event`` None is a plain message (what ``EventSource.onmessage`` gets)."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'), allow_nan=False)}\n\n"


def _finite(x):
    return x if math.isfinite(x) else None


def encode(item):
    """One item of ``engine.train.practice`` as an SSE event."""
    if isinstance(item, training.Dishes):
        return sse("dishes", {"step": item.step, "names": list(item.names)})
    if isinstance(item, training.Broke):
        return sse("broke", {"step": item.step})
    # a step is a plain message, so a client that only listens for messages gets exactly
    # the step records (step, loss, ...); the named events around them are extras
    return sse(None, {
        "step": item.step, "loss": _finite(item.loss), "lr": item.lr,
        "grad_norm": _finite(item.grad_norm), "name": item.name,
    })


class TrainStream(StreamingResponse):
    """A streaming response that gives back its slot however it ends."""

    media_type = "text/event-stream"

    def __init__(self, content, slot=None, status_code=200, **kwargs):
        super().__init__(content, status_code=status_code, **kwargs)
        self.slot = slot

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.slot is not None:
                self.slot.release()


async def _replay(request, run, slot, stats):
    """The run's events at ``stats.pace`` steps a second, ``BATCH`` steps at a time."""
    seed, lr, optimizer, steps = run.key
    try:
        yield "retry: 600000\n" + sse("start", {
            "steps": steps, "lr": lr, "seed": seed, "optimizer": optimizer,
            "milestones": list(training.milestones(steps)), "smooth": practice.SMOOTH,
        })
        start = time.monotonic()
        sent = 0
        chunk, n = [], 0
        for item in run.events():
            chunk.append(encode(item))
            if isinstance(item, training.StepRecord):
                n += 1
            if n < BATCH:
                continue
            if await request.is_disconnected():
                return
            stats.sent(n)
            sent += n
            yield "".join(chunk)
            chunk, n = [], 0
            if stats.pace:
                wait = start + sent / stats.pace - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
        chunk.append(sse("done", {"steps": len(run.losses), "broke_at": run.broke_at}))
        if await request.is_disconnected():
            return
        stats.sent(n)
        yield "".join(chunk)
    finally:
        slot.release()


async def train_stream(request, seed, lr, optimizer, steps, stats=STATS):
    """The SSE response for one run; a 503 when the worker streams all it may or the
    gate has no room in time (an empty one for a reader who left while waiting)."""
    slot = take_slot(stats)
    if slot is None:
        return busy_response()
    try:
        run = await admission.computed(request, training.practice_run, seed, lr, optimizer, steps)
    except admission.Busy:
        slot.release()
        return busy_response()
    except admission.Gone:
        slot.release()
        return admission.gone_response()
    except Exception:
        slot.release()
        return refusal(LOST)
    except BaseException:
        slot.release()
        raise
    return TrainStream(
        _replay(request, run, slot, stats),
        slot,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
