"""After the street stall: a new recipe book (SFT) and the judges (RLHF), in miniature.

Chapter 8 tells how a three-star kitchen turns a cook who only continues into an
assistant. This module does the same two steps, for real, on our apprentice:

- ``sft(params, names, steps, lr)``: supervised fine-tuning. Keep practising,
  exactly as in ``engine.train``, but on a new little book of names. Returns a
  tuned copy; the knobs passed in are not touched.
- ``RewardModel``: the taster. A Bradley-Terry model (logistic regression on the
  difference of simple features of two names: length, last letter a vowel …)
  learns a judge's taste from pairs ``(preferred, other)`` and then scores any
  name. ``JUDGES`` are built-in judges with a stated taste.
- ``rlhf(params, reward, steps, ...)``: reinforcement learning from the
  taster's scores. Each step the apprentice cooks a batch of names (sampled at
  temperature 1 from his own knobs), the taster scores them, and every knob is
  turned so that names scoring above the batch's average become more likely and
  those below less likely (REINFORCE with the batch mean as baseline, the old
  master Adam doing the turning), held on a leash to the cook he was. Returns
  a tuned copy.

The chapter's experiments whole, as the widget shows them, return plain data:
``street_stall`` (our figures), ``sft_experiment`` (a new book: dishes before
and after, how many follow its rule) and ``rlhf_experiment`` (a taster from
judged pairs, then tuning toward it: dishes and scores before and after).

numpy and the standard library only; everything is seeded, so the same call
gives the same knobs.
"""

import dataclasses
import functools
import math
import random

import numpy as np

from engine import optim
from engine.model import Params, forward, loss_and_grad
from engine.sample import sample
from engine.tokenizer import BOS
from engine.train import checked_names, train

VOWELS = frozenset("aeiouy")
RARE = frozenset("jqvwxz")

SFT_STEPS = 200        # default length of a fine-tuning run
SFT_LR = 0.003         # default strength of the hand for it
RL_STEPS = 20          # default number of RLHF rounds
RL_BATCH = 32          # names cooked and scored per round
RL_LR = 0.002          # strength of the hand for RLHF (a light touch)
RL_TEMPERATURE = 1.0   # the apprentice cooks from his own, unsharpened vote
RL_LEASH = 1.0         # how strongly he is held to the cook he was (KL leash)


# ------------------------------------------------------------------ a new recipe book

def sft(params, names, steps=SFT_STEPS, lr=SFT_LR, optimizer="adam", record=None):
    """A copy of ``params`` practised ``steps`` more menus on ``names`` (cycled in order).

    The same loop as the original practice (``engine.train.train``): only the
    book changes. Returns the tuned copy; each step's loss is appended to
    ``record`` if a list is given.
    """
    tuned = params.copy()
    for rec in train(tuned, checked_names(names), steps=steps, lr=lr, optimizer=optimizer):
        if record is not None:
            record.append(rec.loss)
    return tuned


# ------------------------------------------------------------------ the taster

@dataclasses.dataclass(frozen=True)
class Feature:
    key: str        # stable identifier
    label: str      # what it measures, in plain English


FEATURES = (
    Feature("length", "number of letters"),
    Feature("end_vowel", "ends in a vowel (a e i o u y)"),
    Feature("start_vowel", "starts with a vowel"),
    Feature("vowel_share", "share of letters that are vowels"),
    Feature("double", "has a double letter (like nn)"),
    Feature("rare", "uses an uncommon letter (j q v w x z)"),
)


def features(name):
    """The raw features of one name, in ``FEATURES`` order."""
    n = len(name)
    vowels = sum(ch in VOWELS for ch in name)
    return np.array([
        float(n),
        float(n > 0 and name[-1] in VOWELS),
        float(n > 0 and name[0] in VOWELS),
        vowels / n if n else 0.0,
        float(any(a == b for a, b in zip(name, name[1:]))),
        float(any(ch in RARE for ch in name)),
    ])


def feature_matrix(names):
    return np.array([features(n) for n in names]).reshape(len(names), len(FEATURES))  # (N,F)


class RewardModel:
    """Bradley-Terry taster: P(a preferred to b) = sigmoid(w . (f(a) - f(b))).

    Features are standardised with the mean and spread of a reference set of
    names (``fit``'s ``reference``), so the weights are comparable: each says
    how much one typical step of that feature moves the score.
    """

    def __init__(self, weights, mean, scale):
        self.weights = np.asarray(weights, dtype=np.float64)  # (F,)
        self.mean = np.asarray(mean, dtype=np.float64)         # (F,)
        self.scale = np.asarray(scale, dtype=np.float64)       # (F,)

    @classmethod
    def fit(cls, pairs, reference, l2=1.0, iters=50):
        """Learn from ``pairs`` of (preferred name, other name).

        ``reference``: names whose feature spread sets the units. Newton's
        method on the L2-regularised logistic loss (it is convex, so this finds
        its one minimum). Pairs of equal features carry no information and are
        harmless.
        """
        pairs = list(pairs)
        if not pairs:
            raise ValueError("the taster needs at least one judged pair")
        ref = feature_matrix(list(reference))
        mean = ref.mean(axis=0)
        scale = ref.std(axis=0)
        scale[scale < 1e-9] = 1.0
        win = (feature_matrix([a for a, _ in pairs]) - mean) / scale   # (P,F)
        lose = (feature_matrix([b for _, b in pairs]) - mean) / scale  # (P,F)
        d = win - lose                                                  # (P,F)
        w = np.zeros(d.shape[1])
        eye = np.eye(d.shape[1])
        for _ in range(iters):
            p = 1.0 / (1.0 + np.exp(-(d @ w)))                         # (P,) P(preferred wins)
            grad = -d.T @ (1.0 - p) + l2 * w                           # (F,)
            hess = (d * (p * (1.0 - p))[:, None]).T @ d + l2 * eye     # (F,F)
            delta = np.linalg.solve(hess, grad)
            w -= delta
            if np.max(np.abs(delta)) < 1e-10:
                break
        return cls(w, mean, scale)

    def score(self, names):
        """The taster's score of each name (higher = more to the judge's taste)."""
        if isinstance(names, str):
            names = [names]
        z = (feature_matrix(list(names)) - self.mean) / self.scale     # (N,F)
        return z @ self.weights                                         # (N,)

    def prefers(self, a, b):
        """P(the taster prefers a to b)."""
        s = self.score([a, b])
        return 1.0 / (1.0 + math.exp(-(s[0] - s[1])))

    def __call__(self, names):
        return self.score(names)


# ------------------------------------------------------------------ built-in judges

def _plate(a, b):
    """An empty plate is no dish, so any dish beats it: the dish when one of the two is
    empty, None when both are. Every built-in judge asks this first."""
    return a or b or None


def _shorter(a, b):
    if not a or not b:
        return _plate(a, b)
    return None if len(a) == len(b) else (a if len(a) < len(b) else b)


def _vowel_end(a, b):
    if not a or not b:
        return _plate(a, b)
    ea, eb = a[-1:] in VOWELS, b[-1:] in VOWELS
    return None if ea == eb else (a if ea else b)


@dataclasses.dataclass(frozen=True)
class Judge:
    key: str
    taste: str          # the stated taste, in plain English
    choose: object      # (a, b) -> the preferred name, or None when it has no preference
    measure: object     # dish -> 0/1 or a number: how well one dish (not an empty plate) meets the taste


JUDGES = {
    "short": Judge("short", "likes short names", _shorter, len),
    "vowel": Judge("vowel", "likes names that end in a vowel", _vowel_end, lambda n: float(n[-1:] in VOWELS)),
}


def judged_pairs(judge, pairs):
    """(preferred, other) for every pair the judge has an opinion on."""
    out = []
    for a, b in pairs:
        best = judge.choose(a, b)
        if best is not None:
            out.append((best, b if best == a else a))
    return out


# ------------------------------------------------------------------ tuning toward the taster

def _menu(tokens, ended, block_size):
    """[BOS] + letters (+ BOS if the bell rang), cut to what the kitchen can plan."""
    seq = [BOS] + list(tokens) + ([BOS] if ended else [])
    return seq[: block_size + 1]


def log_prob(params, seq):
    """log p(menu) under ``params``: minus the number of votes times the mean loss."""
    n = min(params.config.block_size, len(seq) - 1)
    logits, _ = forward(params, seq[:n])                                  # (n,V)
    logits = logits - logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))    # (n,V)
    return float(logp[np.arange(n), seq[1:n + 1]].sum())


def rlhf(params, reward, steps=RL_STEPS, lr=RL_LR, batch=RL_BATCH, temperature=RL_TEMPERATURE,
         leash=RL_LEASH, seed=0, record=None):
    """A copy of ``params`` tuned toward ``reward`` (names -> scores) by REINFORCE.

    Each round: cook ``batch`` names from the current knobs and score them. A
    name's shaped score is the taster's score minus ``leash`` times how much
    more likely the tuned cook now finds it than the original cook did
    (log p_tuned - log p_start, the usual KL leash that keeps RLHF a light
    touch). Every knob is turned along sum_i A_i * grad log p(name_i) / batch,
    where A_i is the shaped score minus the round's mean, divided by the
    round's spread. ``log p(name)`` is minus the menu's length times its mean
    loss, so its gradient comes straight from ``loss_and_grad``. Adam turns the
    knobs with the same linearly decaying hand as practice.

    Returns the tuned copy; each round's mean reward is appended to ``record``
    if a list is given.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 1000:
        raise ValueError("steps must be a whole number from 1 to 1000")
    if isinstance(batch, bool) or not isinstance(batch, int) or not 2 <= batch <= 1000:
        raise ValueError("batch must be a whole number from 2 to 1000")
    if not isinstance(lr, (int, float)) or not math.isfinite(lr) or not 0 < lr <= 1:
        raise ValueError("the learning rate must be a number above 0 and at most 1")
    if not isinstance(leash, (int, float)) or not math.isfinite(leash) or leash < 0:
        raise ValueError("the leash must be a number from 0 up")
    start = params
    tuned = params.copy()
    cfg = tuned.config
    opt = optim.make("adam", tuned.flat.size, lr)
    g = Params(np.zeros_like(tuned.flat), cfg)        # one name's gradient, reused
    grads = np.zeros((batch, tuned.flat.size))        # (B,P) each name's gradient of its mean loss
    for i in range(steps):
        cooked = sample(tuned, n=batch, temperature=temperature, seed=seed * 100_003 + i, known=frozenset())
        scores = np.asarray(reward(cooked.names), dtype=np.float64)     # (B,)
        if record is not None:
            record.append(float(scores.mean()))
        lengths = np.zeros(batch)                                        # (B,) votes per menu
        drift = np.zeros(batch)                                          # (B,) log p_tuned - log p_start
        for j, (toks, k) in enumerate(zip(cooked.tokens, cooked.lengths)):
            seq = _menu(toks, k > len(toks), cfg.block_size)
            n = len(seq) - 1
            loss = loss_and_grad(tuned, seq, out=g)
            grads[j] = g.flat
            lengths[j] = n
            if leash:
                drift[j] = -n * loss - log_prob(start, seq)
        shaped = scores - leash * drift                                  # (B,)
        spread = shaped.std()
        if spread < 1e-12:
            continue  # every name scored the same: nothing to learn this round
        adv = (shaped - shaped.mean()) / spread                          # (B,)
        total = (adv * lengths / batch) @ grads                          # (P,) descend on -A log p
        opt.update(tuned.flat, total, i, steps)
    return tuned


# ------------------------------------------------------------------ the chapter's experiments, whole
#
# Each returns plain data (numbers, names, flags) and is memoised by its
# arguments: a state already computed costs a lookup. They are module-level and
# their results picklable, so a worker may run them in a helper process.

SHOW_N, SHOW_T, SHOW_SEED = 10, 0.5, 1     # dishes shown before and after, at the usual adventurousness
MEASURE_N, MEASURE_SEED = 100, 2           # samples counted for the before/after measures
BOOK_SEED = 0                              # the order a new book's names are practised in
REF_N, REF_SEED = 200, 7                   # names that set the taster's units
PAIRS_YOU = 8                              # pairs a reader judges
PAIRS_JUDGE = 40                           # pairs a built-in judge judges
BOOKS = ("a", "start", "list")             # names ending in a / starting with a letter / a list


def _default():
    from engine import checkpoint  # local: checkpoint imports train and sample, as this module does

    return checkpoint.default_params()


@functools.lru_cache(maxsize=1)
def street_stall():
    """Our kitchen's figures beside the big ones: knobs, names in the book, kinds of
    course, longest menu, courses practised in the shipped run and its steps."""
    from engine import checkpoint, data
    from engine.model import CONFIG, N_PARAMS
    from engine.tokenizer import VOCAB_SIZE, encode
    from engine.train import reference_start

    docs, _, _ = reference_start(checkpoint.REFERENCE_SEED)
    steps = len(checkpoint.default_log())
    courses = sum(min(CONFIG.block_size, len(encode(n)) - 1) for n in docs[:steps])
    return {"params": N_PARAMS, "names": len(data.load_names()), "vocab": VOCAB_SIZE,
            "context": CONFIG.block_size, "courses": courses, "steps": steps}


@functools.lru_cache(maxsize=1)
def _names_by_rule():
    from engine.data import load_names

    names = load_names()
    return {"end_a": tuple(n for n in names if n.endswith("a")),
            **{ch: tuple(n for n in names if n.startswith(ch)) for ch in "abcdefghijklmnopqrstuvwxyz"}}


def book_of(kind, letter="", names=()):
    """(a new book's names in practice order, the rule a name follows if it is 'like the book').

    ``kind`` "a": the names ending in a; "start": those starting with ``letter``;
    "list": ``names`` themselves."""
    if kind == "a":
        book, rule = list(_names_by_rule()["end_a"]), (lambda n: n.endswith("a"))
    elif kind == "start":
        book, rule = list(_names_by_rule()[letter]), (lambda n, c=letter: n.startswith(c))
    elif kind == "list":
        listed = frozenset(names)
        book, rule = list(names), (lambda n: n in listed)
    else:
        raise ValueError(f"the book must be one of {', '.join(BOOKS)}")
    random.Random(BOOK_SEED).shuffle(book)
    return book, rule


def _dishes(params):
    return tuple(sample(params, n=SHOW_N, temperature=SHOW_T, seed=SHOW_SEED, known=frozenset()).names)


def _measure(params):
    return tuple(sample(params, n=MEASURE_N, temperature=SHOW_T, seed=MEASURE_SEED, known=frozenset()).names)


@dataclasses.dataclass(frozen=True)
class SFTResult:
    book_size: int          # names in the new book
    before: tuple           # SHOW_N dishes before (same seed as after)
    after: tuple            # SHOW_N dishes after practising the book
    before_match: tuple     # per dish before: does it follow the book's rule
    after_match: tuple      # per dish after
    match_before: int       # of MEASURE_N samples before, how many follow the rule
    match_after: int        # ... and after


@functools.lru_cache(maxsize=32)
def sft_experiment(kind, letter, names, steps):
    """A new recipe book: the trained apprentice practises ``steps`` more menus of it
    (``sft``); his dishes before and after, and how many of MEASURE_N samples follow
    the book's rule before and after. ``names`` is a tuple (used by the "list" book)."""
    base = _default()
    book, rule = book_of(kind, letter, names)
    tuned = sft(base, book, steps=steps, lr=SFT_LR)
    before, after = _dishes(base), _dishes(tuned)
    return SFTResult(
        book_size=len(book), before=before, after=after,
        before_match=tuple(map(rule, before)), after_match=tuple(map(rule, after)),
        match_before=sum(map(rule, _measure(base))), match_after=sum(map(rule, _measure(tuned))),
    )


@functools.lru_cache(maxsize=32)
def judge_pairs(jseed, count):
    """``count`` pairs of different, non-empty dishes from the trained apprentice."""
    got = sample(_default(), n=4 * count + 8, temperature=1.0, seed=jseed, known=frozenset()).names
    seen, pool = set(), []
    for n in got:
        if n and n not in seen:
            seen.add(n)
            pool.append(n)
    pool = pool[: 2 * count]
    return tuple(zip(pool[::2], pool[1::2]))


@functools.lru_cache(maxsize=1)
def reference_names():
    """The names whose feature spread sets the taster's units."""
    return tuple(sample(_default(), n=REF_N, temperature=1.0, seed=REF_SEED, known=frozenset()).names)


def yardstick(judge, names):
    """A built-in judge's own measure of a batch: the vowel judge counts over every
    plate (an empty one ends in no vowel); the short-names judge averages the dishes
    only, since an empty plate is no dish and no judge would call it the shortest."""
    measure = JUDGES[judge].measure
    dishes = [n for n in names if n] if judge == "short" else list(names)
    return float(np.mean([measure(n) for n in dishes])) if dishes else 0.0


@dataclasses.dataclass(frozen=True)
class RLHFResult:
    judged: tuple           # (preferred, other) pairs the taster learned from
    weights: tuple          # the taster's weight per FEATURES entry
    before: tuple           # (dish, taster's score) before, SHOW_N of them
    after: tuple            # ... after tuning toward the taster
    mean_before: float      # the taster's mean score over MEASURE_N samples, before
    mean_after: float       # ... after
    empty_before: int       # empty plates among the MEASURE_N samples, before
    empty_after: int        # ... after
    judge_before: float | None = None   # a built-in judge's own yardstick, before
    judge_after: float | None = None    # ... after


@functools.lru_cache(maxsize=32)
def rlhf_experiment(judge, picks, jseed, rounds):
    """The judges: a taster learned from judged pairs, then ``rounds`` of RLHF toward it.

    ``judge`` "you": the reader's ``picks`` ("a"/"b" per pair of
    ``judge_pairs(jseed, PAIRS_YOU)``); otherwise a built-in judge of ``JUDGES``
    judges ``judge_pairs(jseed, PAIRS_JUDGE)``."""
    base = _default()
    if judge == "you":
        pairs = judge_pairs(jseed, PAIRS_YOU)
        judged = [(a, b) if p == "a" else (b, a) for (a, b), p in zip(pairs, picks)]
    else:
        judged = judged_pairs(JUDGES[judge], judge_pairs(jseed, PAIRS_JUDGE))
    taster = RewardModel.fit(judged, reference_names())
    tuned = rlhf(base, taster, steps=rounds, seed=jseed)
    before, after = _measure(base), _measure(tuned)
    shown_before, shown_after = _dishes(base), _dishes(tuned)
    extra = {}
    if judge != "you":
        extra = {"judge_before": yardstick(judge, before), "judge_after": yardstick(judge, after)}
    return RLHFResult(
        judged=tuple(judged),
        weights=tuple(float(w) for w in taster.weights),
        before=tuple((n, float(s)) for n, s in zip(shown_before, taster.score(shown_before))),
        after=tuple((n, float(s)) for n, s in zip(shown_after, taster.score(shown_after))),
        mean_before=float(taster.score(before).mean()),
        mean_after=float(taster.score(after).mean()),
        empty_before=sum(1 for n in before if not n),
        empty_after=sum(1 for n in after if not n),
        **extra,
    )
