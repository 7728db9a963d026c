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


# ---------------------------------------------------------------- a practice run, watched

MILESTONES = (1, 100, 500, 1000)   # menus after which the apprentice's dishes are tasted
DISH_N = 5                          # dishes sampled at each milestone
DISH_T = 0.5                        # at this adventurousness
DISH_SEED = 1                       # always the same table, so only the knobs differ


@dataclasses.dataclass(frozen=True)
class Dishes:
    step: int          # after this many practice menus
    names: tuple       # what the apprentice cooks then


@dataclasses.dataclass(frozen=True)
class Broke:
    step: int          # the first menu whose score was no longer a number


@dataclasses.dataclass(frozen=True)
class Run:
    key: tuple                 # (seed, lr, optimizer, steps)
    losses: tuple              # per step, step 1 first (shorter if it broke)
    dishes: tuple              # Dishes at the milestones reached
    broke_at: int | None       # step where the score stopped being a number
    lrs: tuple                 # per step: the strength of the hand used
    grad_norms: tuple          # per step: how loudly the knobs were told to move
    names: tuple               # per step: the menu practised

    def events(self):
        """The events of ``practice`` that made this run, in their order: a
        ``StepRecord`` per step, ``Dishes`` after each tasted step, ``Broke`` last
        if it broke. A finished run can be replayed at any pace."""
        dishes = {d.step: d for d in self.dishes}
        for i, loss in enumerate(self.losses):
            step = i + 1
            yield StepRecord(step, loss, self.lrs[i], self.grad_norms[i], self.names[i])
            if step in dishes:
                yield dishes[step]
        if self.broke_at is not None:
            yield Broke(self.broke_at)


def milestones(steps, marks=MILESTONES):
    """Menus whose dishes are tasted: those of ``marks`` within the run, and the last."""
    return tuple(sorted({m for m in marks if m <= steps} | {steps}))


def practice(seed=42, lr=0.01, optimizer="adam", steps=1000, *, marks=None, n=DISH_N,
             temperature=DISH_T, sample_seed=DISH_SEED, stop=None):
    """One practice run from scratch, watched: a generator of events.

    Sets up ``reference_start(seed)``, trains with the hand decaying over
    ``steps`` menus, and yields a ``StepRecord`` per step, ``Dishes`` (``n``
    names sampled at ``temperature`` with ``sample_seed``) after each step of
    ``marks`` (default: ``milestones(steps)``), and ``Broke`` if the score
    stops being a number (the run ends there). ``stop`` ends the run early,
    after that step, on the same schedule.

    The caller decides how fast to consume it (all at once, or in small
    batches for a live stream). Wrap consumption in ``np.errstate`` if a heavy
    hand may overflow.
    """
    docs, params, _ = reference_start(seed)
    marks = set(milestones(steps) if marks is None else marks)
    for rec in train(params, docs, steps=steps, lr=lr, optimizer=optimizer):
        if not math.isfinite(rec.loss):
            yield Broke(rec.step)
            return
        yield rec
        if rec.step in marks:
            if not np.isfinite(params.flat).all():
                yield Broke(rec.step + 1)
                return
            got = _sample(params, n=n, temperature=temperature, seed=sample_seed, known=frozenset())
            yield Dishes(rec.step, tuple(got.names))
        if rec.step == stop:
            return


def _sample(*args, **kwargs):
    from engine.sample import sample  # local: sample imports nothing from here, keep it one-way

    return sample(*args, **kwargs)


def collect(key, events):
    """A ``Run`` from the events of ``practice``."""
    steps, dishes, broke = [], [], None
    for item in events:
        if isinstance(item, StepRecord):
            steps.append(item)
        elif isinstance(item, Dishes):
            dishes.append(item)
        elif isinstance(item, Broke):
            broke = item.step
    return Run(tuple(key), tuple(r.loss for r in steps), tuple(dishes), broke,
               lrs=tuple(r.lr for r in steps), grad_norms=tuple(r.grad_norm for r in steps),
               names=tuple(r.name for r in steps))


@functools.lru_cache(maxsize=16)
def practice_run(seed=42, lr=0.01, optimizer="adam", steps=1000):
    """The finished practice run for (seed, lr, optimizer, steps), as plain data, every
    step of it (memoised: a page drawing the run and a stream replaying it share one)."""
    with np.errstate(all="ignore"):
        return collect((seed, lr, optimizer, steps), practice(seed, lr, optimizer, steps))


@dataclasses.dataclass(frozen=True)
class Snapshot:
    step: int             # after this many practice menus
    loss: float           # that step's score
    names: tuple          # dishes the apprentice makes at that point


@functools.lru_cache(maxsize=8)
def snapshots(steps=(1, 100, 500, 1000), n=4, temperature=0.5, seed=0):
    """The default run's apprentice at chosen steps, with ``n`` sampled names each
    (the hand decays over at least 1,000 menus, as in the default run)."""
    steps = tuple(sorted(steps))
    total = steps[-1]
    losses, out = {}, []
    for item in practice(42, 0.01, "adam", max(total, 1000), marks=steps, n=n, temperature=temperature,
                         sample_seed=seed, stop=total):
        if isinstance(item, StepRecord):
            losses[item.step] = item.loss
        elif isinstance(item, Dishes):
            out.append(Snapshot(item.step, losses[item.step], item.names))
    return tuple(out)


def training_seconds(steps=1000):
    """Wall-clock seconds this engine takes for the reference run of ``steps`` menus."""
    import time

    docs, params, _ = reference_start()
    start = time.perf_counter()
    for _ in train(params, docs, steps=steps):
        pass
    return time.perf_counter() - start
