"""The guessing game: the reader bets on each next course of a name against Xiao Ming.

A name is served one course at a time (its letters, then the closing bell).
Before each course the reader stakes on one course, or spreads the stake over
two or three. A stake is a vote like Xiao Ming's, and both are scored by the
diners exactly as the scorecard scores a name (``inspect.penalty``: -ln of
the share given to the course that came).

How a stake becomes a vote (``stake``): a pinch, ``FLOOR`` of the whole stake,
is spread evenly over all 27 courses, so a miss costs a finite number of
points; the rest is shared equally by the courses the reader named. Xiao
Ming's vote is the model's at temperature 1, the scorecard's.
"""

import dataclasses
import functools
import math
import random

import numpy as np

from engine.inspect import inspect, penalty
from engine.tokenizer import BOS, VOCAB_SIZE, check_name

FLOOR = 0.1        # share of every stake spread evenly over all the courses
MAX_PICKS = 3      # courses one stake may name
MAX_SEED = 2**31 - 1


def check_picks(picks, vocab_size=VOCAB_SIZE):
    """One stake's courses as a tuple of token ids; ValueError if unusable."""
    picks = tuple(int(p) for p in picks)
    if not 1 <= len(picks) <= MAX_PICKS:
        raise ValueError(f"a stake names 1 to {MAX_PICKS} courses, not {len(picks)}")
    if any(not 0 <= p < vocab_size for p in picks):
        raise ValueError(f"courses are token ids 0 to {vocab_size - 1}")
    if len(set(picks)) != len(picks):
        raise ValueError("a stake names each course once")
    return picks


def stake(picks, vocab_size=VOCAB_SIZE):
    """The reader's stake as a vote over the courses: (V,), summing to 1."""
    picks = check_picks(picks, vocab_size)
    out = np.full(vocab_size, FLOOR / vocab_size)                      # (V,) the pinch on every course
    out[list(picks)] += (1.0 - FLOOR) / len(picks)                      # (V,) the rest, shared equally
    return out


def rules(vocab_size=VOCAB_SIZE):
    """What a stake costs: penalty points for a hit with 1, 2 or 3 courses named, and a miss."""
    hits = {k: float(penalty(stake(range(k), vocab_size)[None], [0])[0]) for k in range(1, MAX_PICKS + 1)}
    miss = float(penalty(stake([0], vocab_size)[None], [1])[0])
    return {"hit": hits, "miss": miss, "pinch": FLOOR / vocab_size, "floor": FLOOR,
            "courses": vocab_size, "blind": math.log(vocab_size)}


@functools.lru_cache(maxsize=1)
def _book():
    from engine.data import load_names
    return tuple(load_names())


def book_name(seed):
    """The menu a seed picks from the book (the data set), the same every time."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED}")
    book = _book()
    return book[random.Random(seed).randrange(len(book))]


@dataclasses.dataclass
class Game:
    name: str              # the menu being served
    targets: list          # the courses as they come: its letters, then the bell (n = len(name) + 1)
    before: list           # the courses on the table before each one (the bell first)
    picks: list            # per course bet so far (k of them), the reader's courses as token ids
    reader: np.ndarray     # (k,) the reader's penalty per course
    model: np.ndarray      # (k,) Xiao Ming's penalty per course (the scorecard's)
    reader_share: np.ndarray  # (k,) the share the reader's stake gave the course that came
    model_share: np.ndarray   # (k,) the share Xiao Ming's vote gave it
    model_top: list        # per course bet so far, Xiao Ming's favourite course
    blind: float           # penalty per course for guessing blind: ln 27

    @property
    def n_courses(self):
        return len(self.targets)

    @property
    def done(self):
        return len(self.picks) == len(self.targets)


def play(params, bets, name=None, seed=None):
    """Score the bets so far on a name (typed, or picked from the book by ``seed``).

    ``bets`` is a list of stakes, each a sequence of 1 to 3 token ids, one per
    course served so far; more bets than the menu has courses is a ValueError.
    """
    if name:
        name = check_name(name)
    elif seed is not None:
        name = book_name(seed)
    else:
        raise ValueError("a game needs a name or a seed")
    ins = inspect(params, name)
    n = len(ins.targets)
    bets = [check_picks(b) for b in bets]
    if len(bets) > n:
        raise ValueError(f"{len(bets)} bets, but {name!r} has only {n} courses")
    k = len(bets)
    targets = ins.targets[:k]
    stakes = np.array([stake(b) for b in bets]).reshape(k, VOCAB_SIZE)  # (k,V)
    return Game(
        name=name, targets=list(ins.targets), before=list(ins.tokens), picks=bets,
        reader=penalty(stakes, targets), model=ins.losses[:k].copy(),
        reader_share=stakes[np.arange(k), targets] if k else np.zeros(0),
        model_share=ins.probs[np.arange(k), targets] if k else np.zeros(0),
        model_top=[int(np.argmax(ins.probs[t])) for t in range(k)],
        blind=math.log(VOCAB_SIZE),
    )


__all__ = ["FLOOR", "MAX_PICKS", "stake", "check_picks", "rules", "book_name", "play", "Game", "BOS"]
