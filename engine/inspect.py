"""Looking inside the kitchen: everything the widgets show about one name.

``inspect`` runs one name (or the beginning of one) along the line and keeps
every intermediate: the courses, their flavour cards and order tags, each
sous-chef's attention, the prep-room workers before and after the inspector,
the residual stream around each block, the vote and the score per course
(``penalty``, which the guessing game's stakes are scored by too).

``gradient`` gives the influence of every one of the knobs on a name's score;
``knob_influence`` one knob's, checked by turning it, with its share per
serving for a flavour card. ``card_similarity`` and ``nearest_cards`` compare
the flavour cards, ``card_map`` lays them flat.
``knob_address`` and ``knob_label`` name any knob as (matrix, row, column)
with a plain label. ``turn_knobs`` tastes a name with some knobs changed, on
a private copy: the shared model is never touched.
"""

import dataclasses
import math

import numpy as np

from engine.model import forward, loss_and_grad, softmax_rows
from engine.tokenizer import BOS, VOCAB, check_name, encode, encode_prefix, token_label


@dataclasses.dataclass
class Inspection:
    text: str              # the name or prefix, lower-cased
    is_prefix: bool        # True: no closing bell, the last position has no known next course
    tokens: list           # input course ids, position by position (starts with the bell)
    targets: list          # the true next course at each position, None where unknown
    labels: list           # display labels of the input courses
    tok_emb: np.ndarray    # (T,C) flavour card of each course
    pos_emb: np.ndarray    # (T,C) order tag of each position
    emb: np.ndarray        # (T,C) card + tag
    attn: np.ndarray       # (L,H,T,T) row t = each sous-chef's weights over positions <= t
    mlp_pre: np.ndarray    # (L,T,M) prep-room workers before the inspector
    mlp_post: np.ndarray   # (L,T,M) after the inspector (negative poured away)
    mlp_out: np.ndarray    # (L,T,M) how much each worker added to the dish (size of its contribution)
    resid: list            # per layer: dict of (T,C) arrays "in", "after_attn", "after_mlp"
    logits: np.ndarray     # (T,V) the raw vote
    probs: np.ndarray      # (T,V) the vote as probabilities
    losses: np.ndarray     # (T,) -log p(true next course), NaN where unknown
    loss: float            # mean over known positions (the name's score); NaN if none


def _tokens(text, is_prefix):
    if is_prefix:
        text = check_name(text, allow_empty=True, max_len=15)
        toks = encode_prefix(text)
        return text, toks, toks[1:] + [None]
    text = check_name(text)
    toks = encode(text)
    return text, toks[:-1], toks[1:]


def penalty(probs, targets):
    """The diners' penalty: -ln of the share each vote gave the course that came.
    probs (T,V), targets (T,) token ids -> (T,). The scorecard's and the game's scores."""
    probs, targets = np.asarray(probs, dtype=np.float64), np.asarray(targets, dtype=np.intp)
    return -np.log(probs[np.arange(targets.shape[0]), targets])        # (T,)


def inspect(params, text, *, is_prefix=False):
    """Run ``text`` through the model and keep everything (see ``Inspection``)."""
    text, inputs, targets = _tokens(text, is_prefix)
    logits, cache = forward(params, inputs)
    idx = cache["idx"]
    known = np.array([t is not None for t in targets])
    probs = softmax_rows(logits)                                           # (T,V)
    tgt = np.array([t if t is not None else 0 for t in targets], dtype=np.intp)
    losses = np.where(known, penalty(probs, tgt), np.nan)                 # (T,)
    attn, pre, post, out, resid = [], [], [], [], []
    for i, c in enumerate(cache["layers"]):
        _, hpre, (hpost, _) = c["mlp"]                                   # workers before/after the inspector
        attn.append(c["attn"][3])                                          # (H,T,T)
        pre.append(hpre)                                                   # (T,M)
        post.append(hpost)                                                 # (T,M)
        out.append(hpost * np.linalg.norm(params[f"layer{i}.mlp_fc2"], axis=0))  # (T,M)
        resid.append({"in": c["x_in"], "after_attn": c["x_mid"], "after_mlp": c["x_out"]})
    return Inspection(
        text=text, is_prefix=is_prefix, tokens=idx.tolist(), targets=list(targets),
        labels=[token_label(t) for t in idx.tolist()],
        tok_emb=params["wte"][idx].copy(), pos_emb=params["wpe"][: len(idx)].copy(), emb=cache["emb"],
        attn=np.array(attn), mlp_pre=np.array(pre), mlp_post=np.array(post), mlp_out=np.array(out),
        resid=resid, logits=logits, probs=probs, losses=losses,
        loss=float(np.mean(losses[known])) if known.any() else math.nan,
    )


def next_vote(params, prefix, temperature=1.0):
    """The vote over the 27 next courses after ``prefix`` (bell last), at a temperature."""
    from engine.sample import check_temperature, vote

    temperature = check_temperature(temperature)
    prefix = check_name(prefix, allow_empty=True, max_len=15)
    logits, _ = forward(params, encode_prefix(prefix))
    return vote(logits[-1:], temperature)[0]


def gradient(params, name):
    """(loss, influence of every knob as a flat vector) for one name."""
    return loss_and_grad(params, encode(check_name(name)))


# ---------------------------------------------------------------- the sous-chefs' habits

@dataclasses.dataclass
class HeadHabits:
    n_names: int           # how many names were looked at
    bell: np.ndarray       # (L,H) mean attention on the opening bell, over every course after it
    even_bell: float       # what looking evenly over the courses in sight would give the bell
    course: np.ndarray     # (L,H,V) mean attention on an earlier course of each kind, as a multiple
                           #         of looking evenly (bell and the course in hand left out)
    seen: np.ndarray       # (V,) how many times a course of each kind was there to look back at


def head_habits(params, names):
    """How each sous-chef spends his attention over ``names`` (the habits chapter 6 tells)."""
    cfg = params.config
    bell = np.zeros((cfg.n_layer, cfg.n_head))
    even = 0.0
    rows = 0
    ratio = np.zeros((cfg.n_layer, cfg.n_head, cfg.vocab_size))
    seen = np.zeros(cfg.vocab_size)
    for name in names:
        ins = inspect(params, name)
        a = ins.attn                                                       # (L,H,T,T)
        T = a.shape[-1]
        toks = np.array(ins.tokens)
        for t in range(1, T):
            bell += a[:, :, t, 0]
            even += 1.0 / (t + 1)
            rows += 1
            if t > 1:                                                      # earlier courses 1..t-1
                np.add.at(ratio, (slice(None), slice(None), toks[1:t]), a[:, :, t, 1:t] * (t + 1))
                np.add.at(seen, toks[1:t], 1)
    course = ratio / np.maximum(seen, 1)                                   # (L,H,V), 0 where never seen
    return HeadHabits(len(names), bell / max(rows, 1), even / max(rows, 1), course, seen)


# ---------------------------------------------------------------- naming the knobs

STATIONS = {
    "wte": "flavour cards",
    "wpe": "order tags",
    "lm_head": "final vote",
    "attn_wq": "sous-chefs' question knobs",
    "attn_wk": "sous-chefs' label knobs",
    "attn_wv": "sous-chefs' recipe knobs",
    "attn_wo": "sous-chefs' report knobs",
    "mlp_fc1": "prep room, in",
    "mlp_fc2": "prep room, out",
}


@dataclasses.dataclass(frozen=True)
class KnobAddress:
    index: int     # position in the flat vector, 0..4191
    matrix: str    # e.g. "wte", "layer0.attn_wq"
    row: int
    col: int

    @property
    def kind(self):
        return self.matrix.split(".")[-1]


def knob_address(params, index_or_matrix, row=None, col=None):
    """Address a knob by flat index, or by (matrix, row, column); checks the bounds."""
    if row is None and col is None:
        index = index_or_matrix
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < params.flat.size:
            raise ValueError(f"knob numbers run from 0 to {params.flat.size - 1}")
        for name, (off, r, c) in params.offsets.items():
            if off <= index < off + r * c:
                return KnobAddress(int(index), name, (index - off) // c, (index - off) % c)
    matrix = index_or_matrix
    if matrix not in params.offsets:
        raise ValueError(f"unknown matrix {matrix!r}; the matrices are {', '.join(params.offsets)}")
    off, r, c = params.offsets[matrix]
    if not (isinstance(row, (int, np.integer)) and isinstance(col, (int, np.integer)) and 0 <= row < r and 0 <= col < c):
        raise ValueError(f"{matrix} has rows 0..{r - 1} and columns 0..{c - 1}")
    return KnobAddress(off + row * c + col, matrix, int(row), int(col))


def _course(i):
    return "the bell" if i == BOS else f"'{VOCAB[i]}'"


def knob_label(params, address):
    """A plain English label, e.g. "flavour card of 'e', number 5"."""
    a = address if isinstance(address, KnobAddress) else knob_address(params, address)
    hs = params.config.head_size
    kind, r, c = a.kind, a.row, a.col
    if kind == "wte":
        return f"flavour card of {_course(r)}, number {c + 1}"
    if kind == "wpe":
        return f"order tag of position {r + 1}, number {c + 1}"
    if kind == "lm_head":
        return f"final vote for {_course(r)}, reading card number {c + 1}"
    if kind in ("attn_wq", "attn_wk", "attn_wv"):
        what = {"attn_wq": "question", "attn_wk": "label", "attn_wv": "recipe"}[kind]
        return f"sous-chef {r // hs + 1}'s {what} knob {r % hs + 1}, reading card number {c + 1}"
    if kind == "attn_wo":
        return f"report knob: sous-chef {c // hs + 1}'s note {c % hs + 1} into card number {r + 1}"
    if kind == "mlp_fc1":
        return f"prep-room worker {r + 1}, reading card number {c + 1}"
    return f"prep-room worker {c + 1}'s output into card number {r + 1}"


# ---------------------------------------------------------------- turning knobs on a copy

MAX_KNOB_VALUE = 100.0


def turn_knobs(params, name, changes, *, is_prefix=False):
    """Inspect ``name`` with some knobs set to new values, on a private copy.

    ``changes`` maps a flat index or a KnobAddress to the new setting.
    Returns the Inspection made with the changed knobs.
    """
    trial = params.copy()
    for key, value in dict(changes).items():
        a = key if isinstance(key, KnobAddress) else knob_address(params, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or abs(value) > MAX_KNOB_VALUE:
            raise ValueError(f"a knob's setting must be a number from -{MAX_KNOB_VALUE:g} to {MAX_KNOB_VALUE:g}")
        trial.flat[a.index] = float(value)
    return inspect(trial, name, is_prefix=is_prefix)


# ---------------------------------------------------------------- one knob's influence, checked

@dataclasses.dataclass(frozen=True)
class KnobInfluence:
    name: str              # the menu tasted
    loss: float            # its score
    index: int             # the knob's place in the flat vector
    setting: float         # where the knob is set
    influence: float       # d(score)/d(knob), from the backward pass
    nudge: float           # how far the check turns the knob
    nudged_loss: float     # the score with the knob turned by ``nudge`` (on a private copy)
    positions: tuple       # a flavour-card knob: (position 1.., course id, influence through that serving)
    telling: tuple         # (flat index, influence) of knobs worth a look: the strongest,
                           # then each of the first two letters' card numbers that matter most


def knob_influence(params, name, index, nudge=0.001, n_top=3, n_letters=2):
    """How one knob sways ``name``'s score, and the check by really turning it.

    A flavour card is read once per course it is served at, so its knob's
    influence is the sum of one share per serving; a serving's share is the
    influence on that position's order tag (card and tag are added, so the
    backward pass hands both the same number). ``positions`` lists them.
    """
    name = check_name(name)
    loss, grad = gradient(params, name)
    address = knob_address(params, index)
    setting = float(params.flat[address.index])
    nudged = turn_knobs(params, name, {address.index: setting + nudge}).loss
    n_embd = params.config.n_embd
    positions = []
    if address.matrix == "wte":
        off_wpe = params.offsets["wpe"][0]
        for pos, tok in enumerate(encode(name)[:-1]):      # the courses served, bell first
            if tok == address.row:
                positions.append((pos + 1, tok, float(grad[off_wpe + pos * n_embd + address.col])))
    off_wte = params.offsets["wte"][0]
    picks = [int(i) for i in np.argsort(-np.abs(grad), kind="stable")[:n_top]]
    for ch in list(dict.fromkeys(name))[:n_letters]:
        start = off_wte + VOCAB.index(ch) * n_embd
        picks.append(start + int(np.argmax(np.abs(grad[start:start + n_embd]))))
    return KnobInfluence(name=name, loss=float(loss), index=address.index, setting=setting,
                         influence=float(grad[address.index]), nudge=nudge, nudged_loss=float(nudged),
                         positions=tuple(positions), telling=tuple((i, float(grad[i])) for i in dict.fromkeys(picks)))


# ---------------------------------------------------------------- the flavour cards side by side

def card_map(params):
    """A 2-D map of the 27 flavour cards: their two main directions (PCA), (27, 2)."""
    wte = params["wte"]
    centred = wte - wte.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    for j in range(2):  # fix the sign so the picture doesn't flip between runs
        if coords[np.argmax(np.abs(coords[:, j])), j] < 0:
            coords[:, j] = -coords[:, j]
    return coords


def card_similarity(params):
    """(V,V) cosine similarity of every pair of flavour cards, on all their numbers:
    1 = pointing the same way, 0 = unrelated, -1 = opposite."""
    cards = params["wte"]                                           # (V,C)
    unit = cards / np.linalg.norm(cards, axis=1, keepdims=True)     # (V,C)
    return unit @ unit.T                                            # (V,V)


def nearest_cards(similarity, course):
    """The other courses, most alike to ``course`` first (ties in course order)."""
    return [int(j) for j in np.argsort(-similarity[course], kind="stable") if j != course]


__all__ = ["Inspection", "inspect", "penalty", "next_vote", "gradient", "KnobAddress", "knob_address", "knob_label",
           "turn_knobs", "KnobInfluence", "knob_influence", "card_map", "card_similarity", "nearest_cards",
           "head_habits", "HeadHabits", "STATIONS", "softmax_rows"]
