"""The kitchen line: parameters, the forward pass and its backward pass.

The model is microGPT: one layer, 16-number flavour cards, four sous-chefs
(attention heads) of 4 numbers each, a prep room (MLP) of 64 workers, no
biases and no learned norm gains: 4,192 knobs in all. Every matrix has shape
(n_out, n_in) and is used as ``y = W @ x``.

All knobs live in one flat float64 vector; the named matrices are views into
it, laid out in the reference's creation order. That makes the optimiser one
vectorised update and a checkpoint a handful of arrays.

Two forward passes compute the same numbers:
- ``forward(params, tokens)`` chains the stations of ``layers`` over a whole
  menu at once with a causal mask (training and inspection) and returns
  ``(logits, cache)``; ``backward(dlogits, cache, params)`` chains their
  backward passes and returns the gradient of every knob as one flat vector.
- ``step(params, tokens, pos, kv)`` runs one position for a batch of menus
  with a KV cache (the sous-chefs' notebook), as the reference does.
"""

import dataclasses
import math
import random

import numpy as np

from engine import layers as L
from engine.layers import RMS_EPS, softmax_rows  # noqa: F401  (re-exported)

INIT_STD = 0.08    # spread of the random starting settings


@dataclasses.dataclass(frozen=True)
class Config:
    vocab_size: int = 27  # courses: a..z and the service bell
    n_embd: int = 16      # numbers on one flavour card
    n_head: int = 4       # sous-chefs (attention heads)
    n_layer: int = 1      # passes along the line (transformer blocks)
    block_size: int = 16  # positions the kitchen can plan (longest menu + bell)
    n_mlp: int = 64       # workers in the prep room (hidden units)

    @property
    def head_size(self):
        return self.n_embd // self.n_head


CONFIG = Config()


def param_shapes(config=CONFIG):
    """Names and (n_out, n_in) shapes in the reference's creation order."""
    c = config
    shapes = {
        "wte": (c.vocab_size, c.n_embd),
        "wpe": (c.block_size, c.n_embd),
        "lm_head": (c.vocab_size, c.n_embd),
    }
    for i in range(c.n_layer):
        shapes[f"layer{i}.attn_wq"] = (c.n_embd, c.n_embd)
        shapes[f"layer{i}.attn_wk"] = (c.n_embd, c.n_embd)
        shapes[f"layer{i}.attn_wv"] = (c.n_embd, c.n_embd)
        shapes[f"layer{i}.attn_wo"] = (c.n_embd, c.n_embd)
        shapes[f"layer{i}.mlp_fc1"] = (c.n_mlp, c.n_embd)
        shapes[f"layer{i}.mlp_fc2"] = (c.n_embd, c.n_mlp)
    return shapes


def param_counts(config=CONFIG):
    """How many knobs each matrix holds, in creation order: name -> rows x columns."""
    return {name: r * c for name, (r, c) in param_shapes(config).items()}


PARAM_SHAPES = param_shapes()
N_PARAMS = sum(param_counts().values())  # 4,192


def _offsets(config):
    out, off = {}, 0
    for name, (r, c) in param_shapes(config).items():
        out[name] = (off, r, c)
        off += r * c
    return out, off


class Params:
    """All knobs: a flat float64 vector with a named (n_out, n_in) view per matrix."""

    def __init__(self, flat, config=CONFIG):
        offsets, total = _offsets(config)
        flat = np.asarray(flat, dtype=np.float64)
        if flat.shape != (total,):
            raise ValueError(f"expected {total} parameters, got shape {flat.shape}")
        self.flat = flat
        self.config = config
        self.offsets = offsets  # name -> (start, rows, cols)
        self._views = {n: flat[o:o + r * c].reshape(r, c) for n, (o, r, c) in offsets.items()}
        c = config
        # q, k and v are consecutive, so one (3C, C) view serves all three
        if c.n_layer:
            self._qkv = [flat[offsets[f"layer{i}.attn_wq"][0]:offsets[f"layer{i}.attn_wq"][0] + 3 * c.n_embd * c.n_embd]
                         .reshape(3 * c.n_embd, c.n_embd) for i in range(c.n_layer)]

    def __getitem__(self, name):
        return self._views[name]

    def names(self):
        return list(self._views)

    def items(self):
        return self._views.items()

    def qkv(self, layer):
        return self._qkv[layer]

    def copy(self):
        """A writeable copy; the original is untouched by anything done to it."""
        return Params(self.flat.copy(), self.config)

    def freeze(self):
        """Make these parameters read-only (the shared default model)."""
        self.flat.flags.writeable = False
        for v in self._views.values():
            v.flags.writeable = False
        for v in getattr(self, "_qkv", []):
            v.flags.writeable = False
        return self

    @property
    def writeable(self):
        return bool(self.flat.flags.writeable)

    def as_dict(self):
        return {n: v.copy() for n, v in self._views.items()}

    @classmethod
    def from_dict(cls, arrays, config=CONFIG):
        shapes = param_shapes(config)
        missing = [n for n in shapes if n not in arrays]
        extra = [n for n in arrays if n not in shapes]
        if missing or extra:
            raise ValueError(f"parameters do not match the model: missing {missing}, unexpected {extra}")
        parts = []
        for n, shape in shapes.items():
            a = np.asarray(arrays[n])
            if a.shape != shape:
                raise ValueError(f"parameter {n} has shape {a.shape}, expected {shape}")
            parts.append(a.astype(np.float64).ravel())
        return cls(np.concatenate(parts), config)


def init_params(rng=None, config=CONFIG):
    """Random starting knobs, drawn as the reference does.

    ``rng`` is a ``random.Random`` already used for the shuffle; each matrix in
    creation order is filled row by row with ``rng.gauss(0, 0.08)``.
    """
    rng = rng if rng is not None else random.Random(42)
    _, total = _offsets(config)
    flat = np.fromiter((rng.gauss(0, INIT_STD) for _ in range(total)), dtype=np.float64, count=total)
    return Params(flat, config)


# ---------------------------------------------------------------- the whole menu at once

def forward(params, tokens):
    """Run a whole menu at once. ``tokens`` are the inputs (length T <= block_size).

    Returns ``logits`` (T, vocab) and a cache with every station's cache,
    which ``backward`` and the inspection widgets read.
    """
    cfg = params.config
    idx = np.asarray(tokens, dtype=np.intp)
    t = idx.shape[0]
    if not 1 <= t <= cfg.block_size:
        raise ValueError(f"the kitchen plans 1 to {cfg.block_size} positions, got {t}")
    emb, c_embed = L.embed_forward(params["wte"], params["wpe"], idx)  # (T,C)
    x, c_norm0 = L.rmsnorm_forward(emb)                     # (T,C)
    layers = []
    for i in range(cfg.n_layer):
        x_in = x                                            # (T,C) the pot
        xn, c_norm1 = L.rmsnorm_forward(x_in)               # (T,C)
        qkv, c_qkv = L.linear_forward(xn, params.qkv(i))    # (T,3C)
        o, c_attn = L.attention_forward(qkv, cfg.n_head)    # (T,C)
        a, c_wo = L.linear_forward(o, params[f"layer{i}.attn_wo"])  # (T,C)
        x_mid = a + x_in                                    # (T,C) the station's ladle added to the pot
        xn2, c_norm2 = L.rmsnorm_forward(x_mid)             # (T,C)
        m, c_mlp = L.mlp_forward(xn2, params[f"layer{i}.mlp_fc1"], params[f"layer{i}.mlp_fc2"])  # (T,C)
        x = m + x_mid                                       # (T,C)
        layers.append({"x_in": x_in, "norm1": c_norm1, "qkv": c_qkv, "attn": c_attn, "wo": c_wo,
                       "x_mid": x_mid, "norm2": c_norm2, "mlp": c_mlp, "x_out": x})
    logits, c_head = L.linear_forward(x, params["lm_head"])  # (T,V)
    cache = {"idx": idx, "emb": emb, "embed": c_embed, "norm0": c_norm0, "layers": layers, "head": c_head}
    return logits, cache


def backward(dlogits, cache, params, out=None):
    """Gradient of every knob, as one flat vector in ``params.flat`` order.

    ``out`` is an optional Params to write into (reused across steps).
    """
    cfg = params.config
    g = out if out is not None else Params(np.zeros_like(params.flat), cfg)
    dx, g["lm_head"][...] = L.linear_backward(dlogits, cache["head"])  # (T,C), (V,C)
    for i in reversed(range(cfg.n_layer)):
        c = cache["layers"][i]
        dxn2, g[f"layer{i}.mlp_fc1"][...], g[f"layer{i}.mlp_fc2"][...] = L.mlp_backward(dx, c["mlp"])
        dx_mid = dx + L.rmsnorm_backward(dxn2, c["norm2"])  # (T,C) both paths into x_mid
        do, g[f"layer{i}.attn_wo"][...] = L.linear_backward(dx_mid, c["wo"])  # (T,C), (C,C)
        dqkv = L.attention_backward(do, c["attn"])          # (T,3C)
        dxn, g.qkv(i)[...] = L.linear_backward(dqkv, c["qkv"])  # (T,C), (3C,C)
        dx = dx_mid + L.rmsnorm_backward(dxn, c["norm1"])   # (T,C)
    demb = L.rmsnorm_backward(dx, cache["norm0"])           # (T,C)
    g["wte"][...], g["wpe"][...] = L.embed_backward(demb, cache["embed"])
    return g.flat


def loss_and_grad(params, tokens, out=None):
    """Training loss of one menu (tokens include both bells) and its flat gradient.

    With ``out`` (a Params), the gradient is written there and only the loss is returned.
    """
    n = min(params.config.block_size, len(tokens) - 1)
    targets = np.asarray(tokens[1:n + 1], dtype=np.intp)
    logits, cache = forward(params, tokens[:n])
    loss, c_loss = L.cross_entropy_forward(logits, targets)
    dlogits = L.cross_entropy_backward(1.0, c_loss)
    if out is not None:
        backward(dlogits, cache, params, out)
        return loss
    return loss, backward(dlogits, cache, params)


# ---------------------------------------------------------------- one position, with a KV cache

def new_kv(config=CONFIG, batch=1):
    """An empty notebook: per layer, room for the keys and values of every position."""
    shape = (batch, config.n_head, config.block_size, config.head_size)
    return [{"k": np.zeros(shape), "v": np.zeros(shape)} for _ in range(config.n_layer)]


class _Entry:
    """What the first station reads, for every (course, position) pair of a read-only model.

    Before the first station a position's pot depends only on its course and its
    place: the course's card plus the place's card, brought to strength, then
    brought to strength again and turned into the first station's questions,
    keys and recipes. For the shipped model (read-only, so these never go stale)
    ``step`` reads them from these tables, computed once with the very same
    operations, instead of computing them again at every position of every menu.
    ``rows[pos]`` holds position ``pos``'s pot and questions|keys|recipes side by
    side, one row per course, so one gather serves both.
    """

    def __init__(self, params):
        cfg = params.config
        x, _ = L.rmsnorm_forward(params["wte"][:, None, :] + params["wpe"][None, :, :])   # (V,P,C)
        xn, _ = L.rmsnorm_forward(x)                                                       # (V,P,C)
        qkv = (xn.reshape(-1, cfg.n_embd) @ params.qkv(0).T).reshape(*xn.shape[:2], -1)  # (V,P,3C)
        self.x, self.xn, self.qkv = x, xn, qkv
        self.rows = [np.concatenate([x[:, pos], qkv[:, pos]], axis=1) for pos in range(cfg.block_size)]  # P x (V,4C)
        self.xn_at = [np.ascontiguousarray(xn[:, pos]) for pos in range(cfg.block_size)]  # P x (V,C)
        # a batch of one is multiplied by a different routine (matrix times vector), whose
        # last bits may differ: it multiplies its row from ``xn``, as it always did
        probe = np.arange(min(cfg.vocab_size, 3))
        self.batched = bool(np.array_equal(xn[probe, 0] @ params.qkv(0).T, qkv[probe, 0]))


def _entry(params):
    """The first station's tables for read-only parameters, else None."""
    if params.writeable or not params.config.n_layer:
        return None
    entry = params.__dict__.get("_entry")
    if entry is None:
        entry = params._entry = _Entry(params)
    return entry


def _line(params):
    """Each layer's (Wqkv, Wo, W1, W2) and the lm_head, turned to multiply rows (views of the
    knobs, so they follow every change to them), and the sizes ``step`` reads:
    (layers, lm_head, H, D, C, sqrt(D))."""
    line = params.__dict__.get("_line")
    if line is None:
        cfg = params.config
        layers = [(params.qkv(i).T, params[f"layer{i}.attn_wo"].T, params[f"layer{i}.mlp_fc1"].T,
                   params[f"layer{i}.mlp_fc2"].T) for i in range(cfg.n_layer)]
        line = params._line = (layers, params["lm_head"].T, cfg.n_head, cfg.head_size, cfg.n_embd,
                               math.sqrt(cfg.head_size))
    return line


def step(params, tokens, pos, kv):
    """Run position ``pos`` for a batch of menus. ``tokens``: (B,) ids at that position.

    Writes this position's keys and values into ``kv`` and returns
    ``(logits (B,V), attn)`` where ``attn`` lists per layer the (B,H,pos+1)
    attention weights: which notebook pages each sous-chef read.
    """
    block = params.config.block_size
    if not 0 <= pos < block:
        raise ValueError(f"positions run from 0 to {block - 1}, got {pos}")
    idx = np.asarray(tokens, dtype=np.intp)
    b = idx.shape[0]
    layers, lm_head, h, d, c, scale = _line(params)
    entry = _entry(params)
    qkv = None
    if entry is None:
        x, _ = L.rmsnorm_forward(params["wte"][idx] + params["wpe"][pos])  # (B,C)
    elif b > 1 and entry.batched:
        row = entry.rows[pos].take(idx, axis=0)                        # (B,4C) the same numbers, read
        x, qkv = row[:, :c], row[:, c:]                                # (B,C) the pot, (B,3C)
    else:
        x = entry.x[idx, pos]                                          # (B,C)
        qkv = entry.xn_at[pos].take(idx, axis=0) @ layers[0][0]        # (B,3C)
    attn = []
    for i, (w_qkv, w_o, w_1, w_2) in enumerate(layers):
        xa = x
        if i or qkv is None:
            xn, _ = L.rmsnorm_forward(xa)                              # (B,C)
            qkv = xn @ w_qkv                                           # (B,3C)
        q = qkv[:, :c].reshape(b, h, 1, d)                           # (B,H,1,D)
        page = kv[i]
        page["k"][:, :, pos] = qkv[:, c:2 * c].reshape(b, h, d)     # page pos of the notebook
        page["v"][:, :, pos] = qkv[:, 2 * c:].reshape(b, h, d)
        keys, vals = page["k"][:, :, : pos + 1], page["v"][:, :, : pos + 1]  # (B,H,S,D)
        att = q @ keys.transpose(0, 1, 3, 2)                         # (B,H,1,S)
        att /= scale
        p = softmax_rows(att, in_place=True)                         # (B,H,1,S)
        o = (p @ vals).reshape(b, c)                                 # (B,C)
        x = o @ w_o                                                  # (B,C)
        x += xa
        xn2, _ = L.rmsnorm_forward(x)
        hpost = xn2 @ w_1                                            # (B,M)
        np.maximum(hpost, 0.0, out=hpost)
        y = hpost @ w_2                                              # (B,C)
        y += x
        x = y
        attn.append(p[:, :, 0, :])
    return x @ lm_head, attn                                         # (B,V)
