"""Serving: the apprentice invents new menus, course by course.

``sample`` cooks ``n`` names at once through the KV cache. Each position's
logits are divided by the temperature (the adventurousness knob) before the
vote; temperature 0 means never take a risk: always the most likely course.
A seed fixes the draws, so the same seed gives the same names. Each name's
draws come from its own row of uniforms, so a name does not depend on how
long the others turned out.

``serve_next`` serves one table one course at a time, for the notebook.

``sample_reference`` draws one name after another from a ``random.Random``
with ``choices``, exactly as the reference prints its 20 names.
"""

import dataclasses
import math
import random

import numpy as np

from engine.model import new_kv, softmax_rows, step
from engine.tokenizer import BOS, check_name, decode, encode_prefix

MAX_N = 1000           # names per call
MAX_TEMPERATURE = 100  # beyond this every course is equally likely anyway
MAX_SEED = 2**63 - 1


def check_temperature(temperature):
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise ValueError("the temperature must be a number from 0 up")
    if math.isnan(temperature) or temperature < 0 or temperature > MAX_TEMPERATURE:
        raise ValueError(f"the temperature must be a number from 0 to {MAX_TEMPERATURE}")
    return float(temperature)


def check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED}")
    return seed


def vote(logits, temperature):
    """Probabilities of the next course at a temperature; 0 puts all on the favourite."""
    if temperature == 0:
        probs = np.zeros_like(logits)
        probs[np.arange(logits.shape[0]), np.argmax(logits, axis=-1)] = 1.0
        return probs
    return softmax_rows(logits / temperature)


def pick(probs, rolls):
    """The course each row's roll (a number in [0, 1)) lands on: the first whose running
    share of the vote passes it. probs (n, V), rolls (n,) -> (n,) token ids."""
    cum = np.cumsum(probs, axis=1)                                      # (n,V)
    x = rolls * cum[:, -1]                                              # (n,)
    return np.minimum((cum <= x[:, None]).sum(axis=1), probs.shape[1] - 1)


@dataclasses.dataclass
class SampleResult:
    names: list      # the invented menus, prefix included
    invented: list   # True where the name is not in the data set
    tokens: list     # per name, the chosen token ids after the prefix (bell excluded)
    probs: np.ndarray  # (n, steps, vocab) the vote at each generated position
    lengths: list    # per name, how many votes were taken (generated tokens, final bell included)

    @property
    def steps(self):
        """Per name, a list of (probabilities as 27 floats, chosen token) per generated position."""
        out = []
        for i, k in enumerate(self.lengths):
            chosen = self.tokens[i] + ([BOS] if k > len(self.tokens[i]) else [])
            out.append([(self.probs[i, j].tolist(), chosen[j]) for j in range(k)])
        return out


def sample(params, n=10, temperature=0.5, seed=0, prefix="", known=None):
    """Cook ``n`` names at once. ``known`` is the set of names in the book (default: the data set)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise ValueError(f"n must be a whole number from 1 to {MAX_N}")
    temperature = check_temperature(temperature)
    seed = check_seed(seed)
    prefix = check_name(prefix, allow_empty=True)
    cfg = params.config
    start = encode_prefix(prefix)
    kv = new_kv(cfg, n)
    for pos, tok in enumerate(start[:-1]):  # feed the prefix, no votes needed
        step(params, np.full(n, tok), pos, kv)
    rng = random.Random(seed)
    room = cfg.block_size - (len(start) - 1)
    uniforms = np.array([rng.random() for _ in range(n * room)]).reshape(n, room)
    tok = np.full(n, start[-1])
    alive = np.ones(n, dtype=bool)
    chosen = np.full((n, room), BOS)
    probs = np.zeros((n, room, cfg.vocab_size))
    lengths = np.zeros(n, dtype=int)
    for j in range(room):
        logits, _ = step(params, tok, len(start) - 1 + j, kv)
        p = vote(logits, temperature)
        nxt = pick(p, uniforms[:, j])
        probs[alive, j] = p[alive]
        chosen[alive, j] = nxt[alive]
        lengths[alive] += 1
        alive &= nxt != BOS
        if not alive.any():
            break
        tok = nxt
    tokens = [[t for t in row[:k] if t != BOS] for row, k in zip(chosen.tolist(), lengths.tolist())]
    names = [prefix + decode(t) for t in tokens]
    if known is None:
        from engine.data import known_names
        known = known_names()
    return SampleResult(names, [nm not in known for nm in names], tokens, probs, lengths.tolist())


def sample_reference(params, rng, n=20, temperature=0.5):
    """The reference's sampling loop: one name at a time, ``rng.choices`` per course."""
    cfg = params.config
    names = []
    for _ in range(n):
        kv = new_kv(cfg, 1)
        tok, out = BOS, []
        for pos in range(cfg.block_size):
            logits, _ = step(params, [tok], pos, kv)
            weights = softmax_rows(logits / temperature)[0].tolist()
            tok = rng.choices(range(cfg.vocab_size), weights=weights)[0]
            if tok == BOS:
                break
            out.append(tok)
        names.append(decode(out))
    return names


def serve_next(params, menu, temperature=0.5, seed=0):
    """The next course of one table, served through the notebook (the KV cache).

    The courses so far (the bell, then ``menu``) each write their page; the newest
    one's vote is taken, and the next course is drawn with the roll this table's
    seed gives that position, exactly as ``sample(params, n=1, seed=seed)`` draws:
    walking from the bell to the closing bell serves the very name ``sample`` does.
    Returns (attention: per layer (H, P), the newest course over the P pages;
    the vote (V,) and the next token, both None when the notebook is full).
    """
    temperature = check_temperature(temperature)
    seed = check_seed(seed)
    tokens = encode_prefix(check_name(menu, allow_empty=True))
    cfg = params.config
    kv = new_kv(cfg, 1)
    for pos, tok in enumerate(tokens):
        logits, attn = step(params, np.array([tok]), pos, kv)
    attention = [a[0] for a in attn]                                     # L x (H,P)
    if len(tokens) >= cfg.block_size:
        return attention, None, None
    rng = random.Random(seed)
    rolls = [rng.random() for _ in range(len(tokens))]                  # one per position so far
    probs = vote(logits, temperature)                                    # (1,V)
    return attention, probs[0], int(pick(probs, np.array(rolls[-1:]))[0])
