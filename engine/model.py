"""The kitchen line: parameters, the forward pass and its backward pass.

The model is microGPT: one layer, 16-number flavour cards, four sous-chefs
(attention heads) of 4 numbers each, a prep room (MLP) of 64 workers, no
biases and no learned norm gains: 4,192 knobs in all. Every matrix has shape
(n_out, n_in) and is used as ``y = W @ x``.

All knobs live in one flat float64 vector; the named matrices are views into
it, laid out in the reference's creation order. That makes the optimiser one
vectorised update and a checkpoint a handful of arrays.

Two forward passes compute the same numbers:
- ``forward(params, tokens)`` runs a whole menu at once with a causal mask
  (training and inspection) and returns ``(logits, cache)``; ``backward(dlogits,
  cache)`` returns the gradient of every knob as one flat vector.
- ``step(params, tokens, pos, kv)`` runs one position for a batch of menus
  with a KV cache (the sous-chefs' notebook), as the reference does.
"""

import dataclasses
import math
import random

import numpy as np

RMS_EPS = 1e-5     # added to the mean square before the root (rinsing the palate)
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


PARAM_SHAPES = param_shapes()
N_PARAMS = sum(r * c for r, c in PARAM_SHAPES.values())  # 4,192


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


# ---------------------------------------------------------------- forward/backward pairs

def rmsnorm_forward(x):
    """Rinse the palate: scale each row to unit root-mean-square."""
    r = (np.add.reduce(x * x, axis=-1) / x.shape[-1] + RMS_EPS) ** -0.5  # (T,)
    return x * r[..., None], r                              # (T,C), (T,)


def rmsnorm_backward(dy, x, r):
    c = x.shape[-1]
    s = np.add.reduce(dy * x, axis=-1)                      # (T,)
    return dy * r[..., None] - x * (r**3 * s / c)[..., None]  # (T,C)


def softmax_rows(z):
    z = z - np.maximum.reduce(z, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.add.reduce(e, axis=-1, keepdims=True)


def _mask(t):
    """(T,T): 0 where a position may look (itself and earlier), -inf above the diagonal."""
    return np.where(np.triu(np.ones((t, t), dtype=bool), 1), -np.inf, 0.0)


_MASKS = {}


def attention_forward(xn, wqkv, config):
    """The four sous-chefs look back over the courses so far."""
    t, c = xn.shape
    h, d = config.n_head, config.head_size
    qkv = xn @ wqkv.T                                       # (T,3C)
    q = qkv[:, :c].reshape(t, h, d).transpose(1, 0, 2)      # (H,T,D)
    k = qkv[:, c:2 * c].reshape(t, h, d).transpose(1, 0, 2) # (H,T,D)
    v = qkv[:, 2 * c:].reshape(t, h, d).transpose(1, 0, 2)  # (H,T,D)
    att = (q @ k.transpose(0, 2, 1)) / math.sqrt(d)         # (H,T,T)
    mask = _MASKS.get(t)
    if mask is None:
        mask = _MASKS[t] = _mask(t)
    att += mask
    p = softmax_rows(att)                                   # (H,T,T)
    o = (p @ v).transpose(1, 0, 2).reshape(t, c)            # (T,C)
    return o, (q, k, v, p)


def attention_backward(do, cache, config):
    q, k, v, p = cache
    t = q.shape[1]
    h, d = config.n_head, config.head_size
    do = do.reshape(t, h, d).transpose(1, 0, 2)             # (H,T,D)
    dp = do @ v.transpose(0, 2, 1)                          # (H,T,T)
    dv = p.transpose(0, 2, 1) @ do                          # (H,T,D)
    datt = p * (dp - np.add.reduce(dp * p, axis=-1, keepdims=True)) / math.sqrt(d)  # (H,T,T)
    dq = datt @ k                                           # (H,T,D)
    dk = datt.transpose(0, 2, 1) @ q                        # (H,T,D)
    # back to (T,3C), laid out as [q heads | k heads | v heads] like the qkv view
    return np.concatenate([dq.transpose(1, 0, 2).reshape(t, -1),
                           dk.transpose(1, 0, 2).reshape(t, -1),
                           dv.transpose(1, 0, 2).reshape(t, -1)], axis=1)  # (T,3C)


def forward(params, tokens):
    """Run a whole menu at once. ``tokens`` are the inputs (length T <= block_size).

    Returns ``logits`` (T, vocab) and a cache with every intermediate array,
    which ``backward`` and the inspection widgets read.
    """
    cfg = params.config
    idx = np.asarray(tokens, dtype=np.intp)
    t = idx.shape[0]
    if not 1 <= t <= cfg.block_size:
        raise ValueError(f"the kitchen plans 1 to {cfg.block_size} positions, got {t}")
    emb = params["wte"][idx] + params["wpe"][:t]            # (T,C)
    x, r0 = rmsnorm_forward(emb)                            # (T,C)
    layers = []
    for i in range(cfg.n_layer):
        xa = x                                              # (T,C) the spoon of broth
        xn, r1 = rmsnorm_forward(xa)                        # (T,C)
        o, att_cache = attention_forward(xn, params.qkv(i), cfg)  # (T,C)
        xm = o @ params[f"layer{i}.attn_wo"].T + xa         # (T,C)
        xn2, r2 = rmsnorm_forward(xm)                       # (T,C)
        hpre = xn2 @ params[f"layer{i}.mlp_fc1"].T          # (T,M)
        hpost = np.maximum(hpre, 0.0)                       # (T,M) the inspector
        x = hpost @ params[f"layer{i}.mlp_fc2"].T + xm      # (T,C)
        layers.append((xa, xn, r1, o, att_cache, xm, xn2, r2, hpre, hpost))
    logits = x @ params["lm_head"].T                        # (T,V)
    cache = {"idx": idx, "emb": emb, "r0": r0, "x0": layers[0][0] if layers else x,
             "layers": layers, "x_final": x}
    return logits, cache


def loss_from_logits(logits, targets):
    """Mean of -log(probability of the true next course), and the probabilities."""
    probs = softmax_rows(logits)                            # (T,V)
    t = np.arange(len(targets))
    losses = -np.log(probs[t, targets])                     # (T,)
    return losses, probs


def backward(dlogits, cache, params, out=None):
    """Gradient of every knob, as one flat vector in ``params.flat`` order.

    ``out`` is an optional Params to write into (reused across steps).
    """
    cfg = params.config
    g = out if out is not None else Params(np.zeros_like(params.flat), cfg)
    g["wte"][...] = 0.0
    g["wpe"][...] = 0.0
    x = cache["x_final"]
    g["lm_head"][...] = dlogits.T @ x                       # (V,C)
    dx = dlogits @ params["lm_head"]                        # (T,C)
    for i in reversed(range(cfg.n_layer)):
        xa, xn, r1, o, att_cache, xm, xn2, r2, hpre, hpost = cache["layers"][i]
        g[f"layer{i}.mlp_fc2"][...] = dx.T @ hpost          # (C,M)
        dh = (dx @ params[f"layer{i}.mlp_fc2"]) * (hpre > 0)  # (T,M)
        g[f"layer{i}.mlp_fc1"][...] = dh.T @ xn2            # (M,C)
        dxm = dx + rmsnorm_backward(dh @ params[f"layer{i}.mlp_fc1"], xm, r2)  # (T,C)
        g[f"layer{i}.attn_wo"][...] = dxm.T @ o             # (C,C)
        dqkv = attention_backward(dxm @ params[f"layer{i}.attn_wo"], att_cache, cfg)  # (T,3C)
        g.qkv(i)[...] = dqkv.T @ xn                         # (3C,C)
        dx = dxm + rmsnorm_backward(dqkv @ params.qkv(i), xa, r1)  # (T,C)
    demb = rmsnorm_backward(dx, cache["emb"], cache["r0"])  # (T,C)
    t = demb.shape[0]
    g["wpe"][:t] = demb
    g["wte"][...] = _onehot(cache["idx"], cfg.vocab_size).T @ demb  # (V,C) summed per course
    return g.flat


_EYES = {}


def _onehot(idx, n):
    eye = _EYES.get(n)
    if eye is None:
        eye = _EYES[n] = np.eye(n)
    return eye[idx]                                         # (T,V)


def loss_and_grad(params, tokens, out=None):
    """Training loss of one menu (tokens include both bells) and its flat gradient.

    With ``out`` (a Params), the gradient is written there and only the loss is returned.
    """
    n = min(params.config.block_size, len(tokens) - 1)
    inputs = tokens[:n]
    targets = np.asarray(tokens[1:n + 1], dtype=np.intp)
    logits, cache = forward(params, inputs)
    losses, probs = loss_from_logits(logits, targets)
    dlogits = probs.copy()
    dlogits[np.arange(n), targets] -= 1.0
    dlogits /= n
    loss = float(np.add.reduce(losses) / n)
    if out is not None:
        backward(dlogits, cache, params, out)
        return loss
    return loss, backward(dlogits, cache, params)


# ---------------------------------------------------------------- one position, with a KV cache

def new_kv(config=CONFIG, batch=1):
    """An empty notebook: per layer, room for the keys and values of every position."""
    shape = (batch, config.n_head, config.block_size, config.head_size)
    return [{"k": np.zeros(shape), "v": np.zeros(shape)} for _ in range(config.n_layer)]


def step(params, tokens, pos, kv):
    """Run position ``pos`` for a batch of menus. ``tokens``: (B,) ids at that position.

    Writes this position's keys and values into ``kv`` and returns
    ``(logits (B,V), attn)`` where ``attn`` lists per layer the (B,H,pos+1)
    attention weights: which notebook pages each sous-chef read.
    """
    cfg = params.config
    if not 0 <= pos < cfg.block_size:
        raise ValueError(f"positions run from 0 to {cfg.block_size - 1}, got {pos}")
    idx = np.asarray(tokens, dtype=np.intp)
    b = idx.shape[0]
    h, d, c = cfg.n_head, cfg.head_size, cfg.n_embd
    x, _ = rmsnorm_forward(params["wte"][idx] + params["wpe"][pos])  # (B,C)
    attn = []
    for i in range(cfg.n_layer):
        xa = x
        xn, _ = rmsnorm_forward(xa)                                  # (B,C)
        qkv = xn @ params.qkv(i).T                                   # (B,3C)
        q = qkv[:, :c].reshape(b, h, 1, d)                           # (B,H,1,D)
        kv[i]["k"][:, :, pos] = qkv[:, c:2 * c].reshape(b, h, d)    # page pos of the notebook
        kv[i]["v"][:, :, pos] = qkv[:, 2 * c:].reshape(b, h, d)
        keys, vals = kv[i]["k"][:, :, : pos + 1], kv[i]["v"][:, :, : pos + 1]  # (B,H,S,D)
        att = (q @ keys.transpose(0, 1, 3, 2)) / math.sqrt(d)       # (B,H,1,S)
        p = softmax_rows(att)                                        # (B,H,1,S)
        o = (p @ vals).reshape(b, c)                                 # (B,C)
        x = o @ params[f"layer{i}.attn_wo"].T + xa                   # (B,C)
        xn2, _ = rmsnorm_forward(x)
        hpost = np.maximum(xn2 @ params[f"layer{i}.mlp_fc1"].T, 0.0) # (B,M)
        x = hpost @ params[f"layer{i}.mlp_fc2"].T + x                # (B,C)
        attn.append(p[:, :, 0, :])
    return x @ params["lm_head"].T, attn                             # (B,V)
