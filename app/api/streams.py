"""Live practice runs as Server-Sent Events: bounded per worker, stopped when the reader leaves.

``/api/train`` (app/api/routes.py) streams one run of ``engine.train.practice``.
The numpy work happens in the worker's training helper process
(app/training/helper.py), a small batch of steps at a time, never in the event loop
or the worker's threads. Between batches the stream checks whether the reader
is still there; when the reader disconnects or presses stop, the run ends
within one batch (a few milliseconds of work) and the helper forgets it.

Streams are paced: ``KITCHEN_TRAIN_PACE`` steps per second (default 500, so
1,000 steps reach the page in about 2 s and the curve visibly grows; 0 sends
as fast as the engine trains). At most ``KITCHEN_TRAIN_STREAMS`` runs (default
4) stream at once in one worker; past that the route answers 503 with
Retry-After and a short message in both languages.

``STATS`` counts streams and computed steps, so tests (and anyone curious)
can see that a stopped stream really stopped.
"""

import asyncio
import json
import math
import threading
import time

from starlette.responses import JSONResponse, StreamingResponse

from engine import train as training

from app.training import helper as trainer_mod
from app.training.helper import TRAINER, TrainerGone
from app.web.settings import env_int
from app.widgets import practice

BATCH = 20            # steps computed (and sent) together
RETRY_AFTER = 5       # seconds, for a reader turned away


class Stats:
    """Per-worker counters of live training streams."""

    def __init__(self, limit, pace):
        self.limit = limit            # streams allowed at once
        self.pace = pace              # steps per second, 0 = unpaced
        self.active = 0               # streams open now
        self.started = 0              # streams ever started
        self.steps = 0                # training steps computed by all streams
        self.last_step_at = 0.0       # time.monotonic() of the last computed step
        self.lock = threading.Lock()

    def computed(self, n):
        with self.lock:
            self.steps += n
            self.last_step_at = time.monotonic()


def stats_from_env():
    return Stats(
        limit=env_int("KITCHEN_TRAIN_STREAMS", 4, 1, 1000),
        pace=env_int("KITCHEN_TRAIN_PACE", 500, 0, 1_000_000),
    )


STATS = stats_from_env()
# the helper holds every run this worker may stream, and room for whole runs
TRAINER.max_open = max(trainer_mod.MAX_OPEN, 2 * STATS.limit)

LOST = {
    "zh": "这次练习中途断了，请再试一次。",
    "en": "This practice run was cut short. Please try again.",
}

BUSY = {
    "zh": "厨房里同时练习的小明太多了，请过几秒再试。",
    "en": "The practice kitchen is full right now. Please try again in a few seconds.",
}


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
    stats.started += 1
    return Slot(stats)


def busy_response():
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER)},
        content={"detail": BUSY["en"], "message": BUSY, "retry_after": RETRY_AFTER},
    )


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


async def _run(request, key, slot, stats, trainer=TRAINER):
    seed, lr, optimizer, steps = key
    items = []
    start = time.monotonic()
    sent = 0
    run_id = trainer.new_id()  # taken first, so the run is closed however the stream ends
    try:
        yield "retry: 600000\n" + sse("start", {
            "steps": steps, "lr": lr, "seed": seed, "optimizer": optimizer,
            "milestones": list(training.milestones(steps)), "smooth": practice.SMOOTH,
        })
        try:
            await trainer.open(run_id, key)
            while True:
                if await request.is_disconnected():
                    return
                batch, n, done = await trainer.next(run_id, BATCH)
                stats.computed(n)
                items.extend(batch)
                sent += n
                yield "".join(encode(item) for item in batch)
                if done:
                    break
                if stats.pace:
                    wait = start + sent / stats.pace - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
        except TrainerGone:
            yield sse("error", {"message": LOST})
            return
        run = training.collect(key, items)
        practice.RUNS.put(key, run)
        yield sse("done", {"steps": len(run.losses), "broke_at": run.broke_at})
    finally:
        trainer.close(run_id)
        slot.release()


def train_stream(request, seed, lr, optimizer, steps, stats=STATS):
    """The SSE response for one run, or a 503 when the worker is full."""
    slot = take_slot(stats)
    if slot is None:
        return busy_response()
    key = (seed, lr, optimizer, steps)
    return TrainStream(
        _run(request, key, slot, stats),
        slot,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
