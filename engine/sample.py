"""Serving: the apprentice invents new menus, course by course.

``sample`` cooks ``n`` names at once through the KV cache. Each position's
logits are divided by the temperature (the adventurousness knob) before the
vote; temperature 0 means never take a risk: always the most likely course.
A seed fixes the draws, so the same seed gives the same names. Each name's
draws come from its own row of uniforms, so a name does not depend on how
long the others turned out. For the shipped model the first positions of
every menu (the bell, the first course, the first two) are read from tables
made by the very same pass (``_Openings``), so they are not cooked again at
every call.

Three rules may trim the die after the knob and before the roll (``cut``):
top-k keeps the K most likely courses, top-p the smallest set whose shares
reach P, min-p the courses with at least M times the favourite's share. Each
rule reads the same vote (after the knob); a course stays on the die only if
every rule keeps it, and the shares are re-spread over what is left. With the
rules off (the defaults) the die is the vote itself, bit for bit.

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


def check_rules(top_k=None, top_p=1.0, min_p=0.0, vocab_size=27):
    """The three rules, checked: (top_k or None for all, top_p, min_p)."""
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= vocab_size:
            raise ValueError(f"top-k must be a whole number from 1 to {vocab_size}")
        if top_k == vocab_size:
            top_k = None
    for name, value, lo_open in (("top-p", top_p, True), ("min-p", min_p, False)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise ValueError(f"{name} must be a number from 0 to 1")
        if value > 1 or value < 0 or (lo_open and value == 0):
            raise ValueError(f"{name} must be a number {'above 0 and up to' if lo_open else 'from 0 to'} 1")
    return top_k, float(top_p), float(min_p)


def rules_off(top_k, top_p, min_p):
    return top_k is None and top_p >= 1 and min_p <= 0


TOP_P_SLACK = 1e-12  # shares that add up to P within rounding count as reaching it


def rule_keeps(probs, top_k=None, top_p=1.0, min_p=0.0):
    """What each rule keeps. probs (n, V), checked rules -> three (n, V) bool masks
    (top-k, top-p, min-p); True = the rule leaves that course on the die.
    Ties rank by token id, as ``np.argmax`` picks the favourite."""
    n, V = probs.shape
    order = np.argsort(-probs, axis=1, kind="stable")                    # (n,V) most likely first
    rank = np.empty_like(order)
    rank[np.arange(n)[:, None], order] = np.arange(V)                    # (n,V) 0 = favourite
    keep_k = rank < (V if top_k is None else top_k)                      # (n,V)
    if top_p >= 1:
        keep_p = np.ones_like(keep_k)
    else:
        cum = np.cumsum(np.take_along_axis(probs, order, axis=1), axis=1)  # (n,V) running share
        size = (cum < top_p - TOP_P_SLACK).sum(axis=1) + 1               # (n,) smallest set reaching P
        keep_p = rank < size[:, None]                                    # (n,V)
    keep_m = probs >= min_p * probs.max(axis=1, keepdims=True)          # (n,V)
    return keep_k, keep_p, keep_m


def trim(probs, top_k=None, top_p=1.0, min_p=0.0):
    """The die after the rules: shares re-spread over the courses every rule keeps.
    probs (n, V) -> (n, V); unchanged (the same array) when the rules are off."""
    if rules_off(top_k, top_p, min_p):
        return probs
    keep_k, keep_p, keep_m = rule_keeps(probs, top_k, top_p, min_p)
    kept = np.where(keep_k & keep_p & keep_m, probs, 0.0)               # (n,V)
    return kept / kept.sum(axis=1, keepdims=True)                        # (n,V) each row sums to 1


@dataclasses.dataclass
class Cut:
    """One vote trimmed by the rules, for showing (arrays are (V,), token-id order)."""
    vote: np.ndarray       # the vote as it comes out of the pass (temperature 1)
    warmed: np.ndarray     # the vote after the adventurousness knob, before the rules
    cut_by: dict           # "top_k" / "top_p" / "min_p" -> token ids that rule takes off the die
    die: np.ndarray        # what the roll reads: shares over the kept courses, summing to 1
    rules: tuple           # the checked rules (top_k or None, top_p, min_p)


def cut(logits, temperature=1.0, top_k=None, top_p=1.0, min_p=0.0):
    """The next course's vote from ``logits`` (V,), trimmed by the rules."""
    temperature = check_temperature(temperature)
    rules = check_rules(top_k, top_p, min_p, logits.shape[-1])
    z = logits.reshape(1, -1)                                            # (1,V)
    raw, warmed = softmax_rows(z)[0], vote(z, temperature)              # (V,) (1,V)
    names = ("top_k", "top_p", "min_p")
    if rules_off(*rules):
        cut_by = {name: [] for name in names}
    else:
        cut_by = {name: np.flatnonzero(~m[0]).tolist() for name, m in zip(names, rule_keeps(warmed, *rules))}
    return Cut(raw, warmed[0], cut_by, trim(warmed, *rules)[0], rules)


def vote(logits, temperature, out=None):
    """Probabilities of the next course at a temperature; 0 puts all on the favourite.
    logits (n, V) -> (n, V), written into ``out`` if given."""
    if temperature == 0:
        probs = np.zeros_like(logits) if out is None else out
        probs.fill(0.0)
        probs[np.arange(logits.shape[0]), np.argmax(logits, axis=-1)] = 1.0
        return probs
    return softmax_rows(np.divide(logits, temperature, out=out), in_place=True)


def pick(probs, rolls, out=None):
    """The course each row's roll (a number in [0, 1)) lands on: the first whose running
    share of the vote passes it. probs (n, V), rolls (n,) -> (n,) token ids (into ``out`` if given)."""
    cum = np.add.accumulate(probs, axis=1)                              # (n,V) running shares
    x = rolls * cum[:, -1]                                              # (n,)
    passed = np.add.reduce(cum <= x[:, None], axis=1)                   # (n,) courses the roll is past
    return np.minimum(passed, probs.shape[1] - 1, out=passed if out is None else out)


OPENING_DEPTH = 3     # positions the openings' tables may cover: the bell's, the first and second course's
OPENING_ROUNDS = 100  # at most this many batches spent computing one position's table
MAX_OPENINGS = 64     # batch sizes whose tables are kept (every size the site serves, 1-50, fits; 23 MB at most)


class _Openings:
    """The first positions of ``n`` menus at once, served from tables (read-only model).

    Every menu starts with the bell at position 0, so the first vote and the
    first notebook page are the same for every menu; the second position
    depends only on the first course (27 kinds), the third on the first two
    (729). For the shipped model (read-only, so these never go stale) ``sample``
    reads them from these tables instead of running ``step`` for the first
    ``depth`` positions of every call (``depth`` is 3, or 2 for batches so small
    that the third position's table would take more than ``OPENING_ROUNDS``
    batches to compute).

    How many menus share a batch can change the last bits of a menu's numbers
    (the multiplications pick their routine by the matrices' sizes: one menu is
    a matrix times a vector, a few menus one kernel, many menus another). So the
    tables for ``n`` menus are computed by ``step`` itself, on batches of exactly
    ``n`` menus, every opening in turn. A row's numbers depend only on its own
    courses and on ``n``: the tables check that each value came out the same
    wherever it was computed, and are not used (``usable`` False) if not.

    Position p's table has a row per opening of p courses after the bell, at
    ``code`` = the courses read as a number in base V (first course first).
    """

    def __init__(self, params, n):
        cfg = params.config
        V = cfg.vocab_size
        self.logits, self.pages = [], []   # per position p: (V**p, V); per layer (V**p, 2, H, D) keys|recipes
        usable = True
        for pos in range(min(OPENING_DEPTH, cfg.block_size)):
            rows = V ** pos
            rounds = -(-rows // n)
            if pos > 1 and rounds > OPENING_ROUNDS:
                break
            logits_t = np.zeros((rows, V))
            pages_t = [np.zeros((rows, 2, cfg.n_head, cfg.head_size)) for _ in range(cfg.n_layer)]
            seen = np.zeros(rows, dtype=bool)
            for code in np.arange(rounds * n).reshape(rounds, n) % rows:  # (n,) openings, wrapping
                kv = new_kv(cfg, n)
                for q in range(pos):                                    # the earlier positions, from the tables
                    self.read(code // V ** (pos - q), q, kv)
                logits, _ = step(params, code % V if pos else np.full(n, BOS), pos, kv)  # (n,V)
                pages = [np.stack([page["k"][:, :, pos], page["v"][:, :, pos]], axis=1) for page in kv]  # (n,2,H,D)
                old = seen[code]                                        # (n,) computed in an earlier batch
                usable &= bool((logits_t[code[old]] == logits[old]).all()
                               and all((t[code[old]] == p[old]).all() for t, p in zip(pages_t, pages)))
                logits_t[code] = logits
                for t, p in zip(pages_t, pages):
                    t[code] = p
                usable &= bool((logits_t[code] == logits).all()         # an opening twice in one batch
                               and all((t[code] == p).all() for t, p in zip(pages_t, pages)))
                seen[code] = True
            for t in [logits_t] + pages_t:
                t.flags.writeable = False
            self.logits.append(logits_t)
            self.pages.append(pages_t)
        self.depth = len(self.logits)
        self.usable = usable

    def read(self, code, pos, kv):
        """Position ``pos`` for menus whose openings (courses after the bell up to ``pos``) are ``code``
        (n,): writes their notebook page and returns their logits (n, V), as ``step`` would."""
        for table, page in zip(self.pages[pos], kv):
            kv_page = table.take(code, axis=0)                            # (n,2,H,D)
            page["k"][:, :, pos] = kv_page[:, 0]
            page["v"][:, :, pos] = kv_page[:, 1]
        return self.logits[pos].take(code, axis=0)                       # (n,V)


def _openings(params, n):
    """The tables of ``n`` menus' first positions for read-only parameters, else None."""
    if params.writeable:
        return None
    tables = params.__dict__.setdefault("_openings", {})
    op = tables.get(n)
    if op is None:
        if len(tables) >= MAX_OPENINGS:
            tables.clear()
        op = tables[n] = _Openings(params, n)
    return op if op.usable else None


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


def sample(params, n=10, temperature=0.5, seed=0, prefix="", known=None, top_k=None, top_p=1.0, min_p=0.0):
    """Cook ``n`` names at once. ``known`` is the set of names in the book (default: the data set).
    ``top_k``, ``top_p``, ``min_p`` trim each vote before its roll (see ``trim``)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise ValueError(f"n must be a whole number from 1 to {MAX_N}")
    temperature = check_temperature(temperature)
    seed = check_seed(seed)
    prefix = check_name(prefix, allow_empty=True)
    cfg = params.config
    rules = check_rules(top_k, top_p, min_p, cfg.vocab_size)
    start = encode_prefix(prefix)
    kv = new_kv(cfg, n)
    openings = _openings(params, n)
    depth = openings.depth if openings is not None else 0               # positions read from the tables
    code = np.zeros(n, dtype=np.intp)                                   # (n,) each menu's opening, in base V
    for pos, tok in enumerate(start[:-1]):  # feed the prefix, no votes needed
        if pos < depth:
            code = code * cfg.vocab_size + tok if pos else code
            openings.read(code, pos, kv)
        else:
            step(params, np.full(n, tok), pos, kv)
    rng = random.Random(seed)
    room = cfg.block_size - (len(start) - 1)
    # each name's row of rolls, drawn name after name; rolls[j] holds position j's
    rolls = np.fromiter(iter(rng.random, None), float, n * room).reshape(n, room).T.copy()  # (room,n)
    trimmed = not rules_off(*rules)
    tok = np.full(n, start[-1])
    alive = np.ones(n, dtype=bool)
    dice = np.zeros((room, n, cfg.vocab_size))                          # (room,n,V) the die at each position
    picked = np.full((room, n), BOS)                                     # (room,n) the course each roll chose
    first = len(start) - 1                                               # the position of the first vote
    for j, die in enumerate(dice):                                       # die: (n,V) this position's
        pos = first + j
        if pos < depth:
            code = code * cfg.vocab_size + tok if pos else code
            logits = openings.read(code, pos, kv)                        # (n,V) as ``step`` gives them
        else:
            logits, _ = step(params, tok, pos, kv)
        if trimmed:
            die[...] = trim(vote(logits, temperature), *rules)
        else:
            vote(logits, temperature, out=die)
        nxt = pick(die, rolls[j], out=picked[j])       # every row; a finished name's later votes are cleared
        alive &= nxt != BOS
        if not np.count_nonzero(alive):
            break
        tok = nxt
    # each name ends at its first bell (its last vote), or runs out of room
    tokens, lengths = [], []
    for row in picked.T.tolist():
        k = row.index(BOS) if BOS in row else room                      # letters before the bell
        tokens.append(row[:k])
        lengths.append(min(k + 1, room))                                 # votes taken
    dice[np.arange(room)[:, None] >= np.array(lengths)] = 0.0           # a finished name's later votes
    probs = np.ascontiguousarray(dice.transpose(1, 0, 2))               # (n,room,V)
    names = [prefix + decode(t) for t in tokens]
    if known is None:
        from engine.data import known_names
        known = known_names()
    return SampleResult(names, [nm not in known for nm in names], tokens, probs, lengths)


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
