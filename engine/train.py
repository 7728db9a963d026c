"""Practice: make a menu, taste it, trace back, turn the knobs; repeat.

``train`` is a generator that yields one ``StepRecord`` per step and leaves
the caller to decide what to show (a progress bar, a live curve, nothing).
It changes the ``Params`` it is given in place, so pass a copy of anything
shared. ``reference_start`` sets up the reference run: shuffle the names with
Python's ``random`` seeded 42, then draw the starting knobs from the same
stream, which the reference then continues for sampling.
"""

import dataclasses
import functools
import math
import random
import re

import numpy as np

from engine import optim
from engine.data import load_names
from engine.model import CONFIG, Params, init_params, loss_and_grad
from engine.tokenizer import BOS, MAX_NAME_LEN, check_name

MAX_STEPS = 100_000  # a bound on any one run


@dataclasses.dataclass(frozen=True)
class StepRecord:
    step: int          # 1-based
    loss: float        # the score of this step's menu
    lr: float          # the strength of the hand used for this step
    grad_norm: float   # how loudly the knobs were told to move, all together
    name: str          # the menu practised


def reference_start(seed=42, names=None, config=CONFIG):
    """(shuffled names, starting knobs, the random stream afterwards), as the reference."""
    docs = list(load_names() if names is None else names)
    rng = random.Random(seed)
    rng.shuffle(docs)
    params = init_params(rng, config)
    return docs, params, rng


def check_training_args(steps, lr, optimizer):
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 1 to {MAX_STEPS}")
    if not isinstance(lr, (int, float)) or not math.isfinite(lr) or not 0 < lr <= 10:
        raise ValueError("the learning rate must be a number above 0 and at most 10")
    if optimizer not in optim.OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(optim.OPTIMIZERS)}")


_PLAIN_NAMES = re.compile(r"[a-z]{1,%d}(?:\n[a-z]{1,%d})*" % (MAX_NAME_LEN, MAX_NAME_LEN))


def checked_names(names):
    """The names as a list, each checked (and folded to lower case) once."""
    names = list(names)
    if not names:
        raise ValueError("there must be at least one name to practise on")
    if all(isinstance(n, str) for n in names) and _PLAIN_NAMES.fullmatch("\n".join(names)):
        return names  # the common case, checked in one pass
    return [check_name(n, max_len=MAX_NAME_LEN) for n in names]


def encode_checked(name):
    """[BOS] + ids + [BOS] for a name already checked."""
    return [BOS] + [ord(ch) - 97 for ch in name] + [BOS]


def train(params, names, *, steps=1000, lr=0.01, optimizer="adam"):
    """Train ``params`` in place on ``names`` (in the given order), one name per step.

    Step i uses ``names[i % len(names)]``; the learning rate decays linearly
    from ``lr`` to zero over ``steps``. Yields a StepRecord after each update.
    """
    check_training_args(steps, lr, optimizer)
    if not params.writeable:
        raise ValueError("these parameters are read-only; train a copy")
    names = checked_names(names)
    opt = optim.make(optimizer, params.flat.size, lr)
    grad = Params(np.zeros_like(params.flat), params.config)  # reused every step
    for i in range(steps):
        name = names[i % len(names)]
        loss = loss_and_grad(params, encode_checked(name), out=grad)
        lr_t = opt.update(params.flat, grad.flat, i, steps)
        yield StepRecord(i + 1, loss, lr_t, float(np.sqrt(np.dot(grad.flat, grad.flat))), name)


def reference_run(steps=1000, seed=42, lr=0.01, optimizer="adam", names=None):
    """The reference run: returns (params, records, rng) after training."""
    docs, params, rng = reference_start(seed, names)
    records = list(train(params, docs, steps=steps, lr=lr, optimizer=optimizer))
    return params, records, rng


@dataclasses.dataclass(frozen=True)
class Snapshot:
    step: int             # after this many practice menus
    loss: float           # that step's score
    names: tuple          # dishes the apprentice makes at that point


@functools.lru_cache(maxsize=8)
def snapshots(steps=(1, 100, 500, 1000), n=4, temperature=0.5, seed=0):
    """The default run's apprentice at chosen steps, with ``n`` sampled names each."""
    from engine.sample import sample  # local: sample imports nothing from here, keep it one-way

    steps = tuple(sorted(steps))
    total = steps[-1]
    docs, params, _ = reference_start()
    out = []
    for rec in train(params, docs, steps=max(total, 1000), lr=0.01):
        if rec.step in steps:
            out.append(Snapshot(rec.step, rec.loss, tuple(sample(params, n=n, temperature=temperature, seed=seed).names)))
        if rec.step == total:
            break
    return tuple(out)


def training_seconds(steps=1000):
    """Wall-clock seconds this engine takes for the reference run of ``steps`` menus."""
    import time

    docs, params, _ = reference_start()
    start = time.perf_counter()
    for _ in train(params, docs, steps=steps):
        pass
    return time.perf_counter() - start
