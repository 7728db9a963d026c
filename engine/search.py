"""The most likely whole menus: greedy and beam search, and the sampling lab.

A whole menu's share is the product of the votes for each of its courses, the
closing bell included (the model's own vote, temperature 1); we add their
logarithms. ``greedy`` always serves the favourite course, which is what
temperature 0 serves. ``beam`` keeps the ``width`` most likely unfinished menus
at every course, so it can give up a favourite that leads into a split vote.
A menu is finished when the bell is served or when it fills the kitchen
(``block_size`` positions: no vote is taken after the last one). A name has
at least one letter: the bell straight after the opening bell is not a menu.

``lab`` is chapter 7's sampling lab in one call: the next course's vote
trimmed by the rules (``engine.sample.cut``), a table of names served with
those rules, and beam search beside greedy from the same beginning.
"""

import dataclasses

import numpy as np

from engine.model import forward, new_kv, step
from engine.sample import check_seed, check_temperature, cut, sample
from engine.tokenizer import BOS, VOCAB, check_name, decode, encode_prefix

MAX_WIDTH = 10  # menus kept at every course


def log_softmax_rows(logits):
    """Log of the vote. logits (B, V) -> (B, V)."""
    z = logits - logits.max(axis=1, keepdims=True)                       # (B,V)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))              # (B,V)


@dataclasses.dataclass
class Menu:
    """One finished menu found from a beginning."""
    name: str          # the whole name, the beginning included
    tokens: list       # the courses chosen after the beginning (bell excluded)
    logprob: float     # log of its share: the sum of the log-votes of its courses, closing bell included
    rang_bell: bool    # True if it ended with the bell, False if it filled the kitchen


def _feed(params, start, batch):
    """The notebook after the beginning's courses (all but the last), for ``batch`` menus."""
    kv = new_kv(params.config, batch)
    for pos, tok in enumerate(start[:-1]):
        step(params, np.full(batch, tok), pos, kv)
    return kv


def greedy(params, prefix=""):
    """Always the favourite course: the menu temperature 0 serves, with its log-share."""
    prefix = check_name(prefix, allow_empty=True)
    cfg = params.config
    start = encode_prefix(prefix)
    kv = _feed(params, start, 1)
    tok, out, total = start[-1], [], 0.0
    for pos in range(len(start) - 1, cfg.block_size):
        logits, _ = step(params, np.array([tok]), pos, kv)              # (1,V)
        lp = log_softmax_rows(logits)[0]                                 # (V,)
        tok = int(np.argmax(logits[0]))                                  # as temperature 0 picks
        total += float(lp[tok])
        if tok == BOS:
            return Menu(prefix + decode(out), out, total, True)
        out.append(tok)
    return Menu(prefix + decode(out), out, total, False)


def beam(params, prefix="", width=5, favourite=None):
    """The ``width`` most likely whole menus beam search finds from ``prefix``, most likely first.

    At each course every kept menu is extended by every course; the ``width``
    best unfinished ones go on, and those that served the bell join the finished.
    The search stops when no unfinished menu can still beat the ``width``-th
    finished one (shares only shrink as courses are added). The greedy menu is
    one of the candidates, so the first menu is never less likely than greedy's
    (``favourite``: greedy's menu for this prefix, if the caller has it already).
    """
    if isinstance(width, bool) or not isinstance(width, int) or not 1 <= width <= MAX_WIDTH:
        raise ValueError(f"the beam width must be a whole number from 1 to {MAX_WIDTH}")
    prefix = check_name(prefix, allow_empty=True)
    cfg = params.config
    V = cfg.vocab_size
    start = encode_prefix(prefix)
    kv = _feed(params, start, 1)
    seqs = [[]]                                                          # courses after the beginning, per kept menu
    scores = np.zeros(1)                                                 # (B,) log-share so far
    last = np.array([start[-1]])                                         # (B,) newest course
    done = [favourite if favourite is not None else greedy(params, prefix)]
    for pos in range(len(start) - 1, cfg.block_size):
        logits, _ = step(params, last, pos, kv)                          # (B,V)
        total = scores[:, None] + log_softmax_rows(logits)               # (B,V) log-share with each next course
        full = pos == cfg.block_size - 1                                 # no room after this course
        for b in range(len(seqs)):
            if not prefix and not seqs[b]:
                continue                                                 # the bell straight after the bell: no name
            done.append(Menu(prefix + decode(seqs[b]), list(seqs[b]), float(total[b, BOS]), True))
        total[:, BOS] = -np.inf
        flat = np.argsort(-total, axis=None, kind="stable")[:width]      # (≤W,) best extensions
        rows, toks = np.divmod(flat, V)
        if full:
            done += [Menu(prefix + decode(seqs[r] + [t]), seqs[r] + [int(t)], float(total[r, t]), False)
                     for r, t in zip(rows.tolist(), toks.tolist())]
            break
        seqs = [seqs[r] + [int(t)] for r, t in zip(rows.tolist(), toks.tolist())]
        scores = total[rows, toks]                                       # (W,)
        last = toks
        for layer in kv:                                                 # each kept menu takes its parent's notebook
            layer["k"], layer["v"] = layer["k"][rows], layer["v"][rows]
        best = _best(done, width)
        if len(best) == width and scores.max() <= best[-1].logprob:
            break
    return _best(done, width)


def _best(menus, width):
    seen, out = set(), []
    for m in sorted(menus, key=lambda m: (-m.logprob, m.name)):
        if m.name not in seen:
            seen.add(m.name)
            out.append(m)
    return out[:width]


def menu_logprob(params, name, prefix=""):
    """Log-share of a whole menu given its beginning ``prefix``: one full forward pass,
    the log-votes of the courses after the beginning added up (to check the searches)."""
    name = check_name(name, max_len=params.config.block_size)
    if not name.startswith(check_name(prefix, allow_empty=True)):
        raise ValueError("the menu must start with its beginning")
    tokens = [BOS] + [VOCAB.index(ch) for ch in name]
    seq = tokens + [BOS] if len(tokens) <= params.config.block_size else tokens  # room for the closing bell's vote
    logits, _ = forward(params, seq[:-1])
    lp = log_softmax_rows(logits)                                        # (T,V)
    return float(sum(lp[i, seq[i + 1]] for i in range(len(prefix), len(seq) - 1)))


@dataclasses.dataclass
class Lab:
    """Everything the sampling lab shows for one setting."""
    prefix: str
    cut: object        # engine.sample.Cut: the next course's vote, what each rule cut, the die
    served: object     # engine.sample.SampleResult: the table's names with these rules
    beam: list         # Menu, most likely first
    greedy: Menu       # always the favourite


def lab(params, prefix="", temperature=1.0, top_k=None, top_p=1.0, min_p=0.0, seed=1, n=10, width=5):
    """The sampling lab for one setting (see the module docstring)."""
    prefix = check_name(prefix, allow_empty=True)
    temperature = check_temperature(temperature)
    seed = check_seed(seed)
    logits, _ = forward(params, encode_prefix(prefix))                   # (T,V)
    trimmed = cut(logits[-1], temperature, top_k, top_p, min_p)
    served = sample(params, n=n, temperature=temperature, seed=seed, prefix=prefix,
                    top_k=top_k, top_p=top_p, min_p=min_p)
    favourite = greedy(params, prefix)
    return Lab(prefix, trimmed, served, beam(params, prefix, width, favourite), favourite)
