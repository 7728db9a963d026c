"""The stations of the line as forward/backward pairs.

Each pair follows one pattern: ``X_forward(...) -> out, cache`` computes the
station and keeps what its backward pass needs; ``X_backward(dout, cache)``
takes the influence arriving at the station's output and returns the
influence on each of its inputs (and on its knobs). The model chains them;
tests check every backward pass against finite differences and against the
scalar autograd.

Shapes: T positions, C = 16 numbers per card, H = 4 sous-chefs of D = 4
numbers, M = 64 prep-room workers, V = 27 courses.
"""

import math

import numpy as np

RMS_EPS = 1e-5  # added to the mean square before the root


# ---------------------------------------------------------------- flavour cards + order tags

def embed_forward(wte, wpe, idx):
    """Each course's flavour card plus its order tag."""
    t = idx.shape[0]
    out = wte[idx] + wpe[:t]                                # (T,C)
    return out, (idx, wte.shape[0], wpe.shape[0])


_EYES = {}


def _onehot(idx, n):
    eye = _EYES.get(n)
    if eye is None:
        eye = _EYES[n] = np.eye(n)
    return eye[idx]                                         # (T,V)


def embed_backward(dout, cache):
    """-> (dwte, dwpe): a course used twice collects both influences."""
    idx, n_vocab, n_pos = cache
    dwte = _onehot(idx, n_vocab).T @ dout                   # (V,C)
    dwpe = np.zeros((n_pos, dout.shape[1]))                 # (P,C)
    dwpe[: dout.shape[0]] = dout
    return dwte, dwpe


# ---------------------------------------------------------------- bringing it to strength

def rmsnorm_forward(x):
    """Scale each row to unit root-mean-square (no learned gain)."""
    r = np.add.reduce(x * x, axis=-1)                       # (T,) the sum of squares, then in place:
    r /= x.shape[-1]                                        # the mean square,
    r += RMS_EPS
    r **= -0.5                                              # 1 / sqrt(mean square + eps)
    return x * r[..., None], (x, r)                         # (T,C)


def rmsnorm_backward(dout, cache):
    x, r = cache
    c = x.shape[-1]
    s = np.add.reduce(dout * x, axis=-1)                    # (T,)
    return dout * r[..., None] - x * (r**3 * s / c)[..., None]  # (T,C)


# ---------------------------------------------------------------- a row of knobs: y = W x

def linear_forward(x, w):
    return x @ w.T, (x, w)                                  # (T,n_out)


def linear_backward(dout, cache):
    """-> (dx, dw)"""
    x, w = cache
    return dout @ w, dout.T @ x                             # (T,n_in), (n_out,n_in)


# ---------------------------------------------------------------- the quality inspector

def relu_forward(h):
    return np.maximum(h, 0.0), h                            # (T,M)


def relu_backward(dout, cache):
    return dout * (cache > 0)                               # (T,M)


# ---------------------------------------------------------------- the four sous-chefs

def softmax_rows(z, in_place=False):
    """Shares along the last axis: exp(z - max) over its sum. ``in_place``: ``z`` is
    scratch the caller gives away; it is overwritten with the shares and returned."""
    m = np.maximum.reduce(z, axis=-1, keepdims=True)
    if in_place:
        z -= m
        e = z
    else:
        e = z - m                                           # a new array; the rest works in place
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=-1, keepdims=True)
    return e


_MASKS = {}


def _mask(t):
    """(T,T): 0 where a position may look (itself and earlier), -inf above the diagonal."""
    m = _MASKS.get(t)
    if m is None:
        m = _MASKS[t] = np.where(np.triu(np.ones((t, t), dtype=bool), 1), -np.inf, 0.0)
    return m


def attention_forward(qkv, n_head):
    """Causal multi-head attention from (T,3C) questions|keys|recipes to (T,C) reports."""
    t, c3 = qkv.shape
    c = c3 // 3
    d = c // n_head
    q = qkv[:, :c].reshape(t, n_head, d).transpose(1, 0, 2)      # (H,T,D)
    k = qkv[:, c:2 * c].reshape(t, n_head, d).transpose(1, 0, 2) # (H,T,D)
    v = qkv[:, 2 * c:].reshape(t, n_head, d).transpose(1, 0, 2)  # (H,T,D)
    att = (q @ k.transpose(0, 2, 1)) / math.sqrt(d)         # (H,T,T)
    att += _mask(t)
    p = softmax_rows(att, in_place=True)                    # (H,T,T) row t: weights over s <= t
    o = (p @ v).transpose(1, 0, 2).reshape(t, c)            # (T,C)
    return o, (q, k, v, p)


def attention_backward(dout, cache):
    """-> dqkv (T,3C), laid out as [q heads | k heads | v heads]."""
    q, k, v, p = cache
    h, t, d = q.shape
    do = dout.reshape(t, h, d).transpose(1, 0, 2)           # (H,T,D)
    dp = do @ v.transpose(0, 2, 1)                          # (H,T,T)
    dv = p.transpose(0, 2, 1) @ do                          # (H,T,D)
    datt = p * (dp - np.add.reduce(dp * p, axis=-1, keepdims=True)) / math.sqrt(d)  # (H,T,T)
    dq = datt @ k                                           # (H,T,D)
    dk = datt.transpose(0, 2, 1) @ q                        # (H,T,D)
    return np.concatenate([dq.transpose(1, 0, 2).reshape(t, -1),
                           dk.transpose(1, 0, 2).reshape(t, -1),
                           dv.transpose(1, 0, 2).reshape(t, -1)], axis=1)  # (T,3C)


# ---------------------------------------------------------------- the prep room

def mlp_forward(x, w1, w2):
    """Workers read the card (w1), the inspector pours away negatives, results go back (w2)."""
    hpre, c1 = linear_forward(x, w1)                        # (T,M)
    hpost, cr = relu_forward(hpre)                          # (T,M)
    y, c2 = linear_forward(hpost, w2)                       # (T,C)
    return y, (c1, cr, c2)


def mlp_backward(dout, cache):
    """-> (dx, dw1, dw2)"""
    c1, cr, c2 = cache
    dh, dw2 = linear_backward(dout, c2)                     # (T,M), (C,M)
    dx, dw1 = linear_backward(relu_backward(dh, cr), c1)    # (T,C), (M,C)
    return dx, dw1, dw2


# ---------------------------------------------------------------- the diners' score

def cross_entropy_forward(logits, targets):
    """Mean over positions of -log(probability given to the true next course)."""
    probs = softmax_rows(logits)                            # (T,V)
    n = len(targets)
    losses = -np.log(probs[np.arange(n), targets])          # (T,)
    return float(np.add.reduce(losses) / n), (probs, targets, losses)


def cross_entropy_backward(dloss, cache):
    probs, targets, _ = cache
    n = len(targets)
    dlogits = probs.copy()                                  # (T,V)
    dlogits[np.arange(n), targets] -= 1.0
    dlogits /= n
    if dloss != 1.0:
        dlogits *= dloss
    return dlogits
