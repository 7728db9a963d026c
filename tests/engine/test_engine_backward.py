"""Every backward pass against finite differences and against the scalar autograd."""

import numpy as np
import pytest

from engine import layers as L
from engine import model, reference
from engine.autograd import Value
from engine.tokenizer import encode

RNG = np.random.default_rng(0)


def numeric_grad(f, x, h=1e-6):
    """Central differences of scalar f with respect to every element of array x."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        up = f()
        x[i] = old - h
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def values(a):
    return [[Value(float(x)) for x in row] for row in a]


def grads(vs):
    return np.array([[v.grad for v in row] for row in vs])


# ---------------------------------------------------------------- each station's pair

def check_pair_fd(forward, backward, inputs, rtol=1e-5):
    """Compare backward(w, cache) with central differences of sum(forward(*inputs) * w)."""
    out, cache = forward(*inputs)
    w = RNG.normal(size=np.shape(out))
    grads = backward(w, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    float_inputs = [x for x in inputs if isinstance(x, np.ndarray) and x.dtype == np.float64]
    assert len(grads) == len(float_inputs)
    for g, x in zip(grads, float_inputs):
        num = numeric_grad(lambda: float(np.sum(forward(*inputs)[0] * w)), x)
        np.testing.assert_allclose(g, num, rtol=rtol, atol=1e-8)
    return w, grads


def test_rmsnorm_pair_matches_finite_differences():
    check_pair_fd(L.rmsnorm_forward, L.rmsnorm_backward, [RNG.normal(size=(5, 16))])


def test_rmsnorm_pair_matches_scalar_autograd():
    x = RNG.normal(size=(3, 16))
    w = RNG.normal(size=(3, 16))
    xs = values(x)
    total = sum(sum(yi * float(wi) for yi, wi in zip(reference.rmsnorm(row), wrow)) for row, wrow in zip(xs, w))
    total.backward()
    _, cache = L.rmsnorm_forward(x)
    np.testing.assert_allclose(L.rmsnorm_backward(w, cache), grads(xs), rtol=0, atol=1e-12)


def test_linear_pair_matches_finite_differences_and_scalar_autograd():
    x, wt = RNG.normal(size=(4, 16)), RNG.normal(size=(8, 16))
    w, (dx, dw) = check_pair_fd(L.linear_forward, L.linear_backward, [x, wt])
    xs, ws = values(x), values(wt)
    total = sum(sum(o * float(wi) for o, wi in zip(reference.linear(row, ws), wrow)) for row, wrow in zip(xs, w))
    total.backward()
    np.testing.assert_allclose(dx, grads(xs), atol=1e-12)
    np.testing.assert_allclose(dw, grads(ws), atol=1e-12)


def test_relu_pair_matches_finite_differences_and_scalar_autograd():
    h = RNG.normal(size=(4, 64))
    h[np.abs(h) < 1e-3] = 0.5  # keep away from the kink for finite differences
    w, (dh,) = check_pair_fd(L.relu_forward, lambda d, c: (L.relu_backward(d, c),), [h])
    hs = values(h)
    total = sum(sum(v.relu() * float(wi) for v, wi in zip(row, wrow)) for row, wrow in zip(hs, w))
    total.backward()
    np.testing.assert_allclose(dh, grads(hs), atol=0)


def test_mlp_pair_matches_finite_differences_and_scalar_autograd():
    x, w1, w2 = RNG.normal(size=(3, 16)), RNG.normal(size=(64, 16)) * 0.3, RNG.normal(size=(16, 64)) * 0.3
    w, (dx, dw1, dw2) = check_pair_fd(L.mlp_forward, L.mlp_backward, [x, w1, w2])
    xs, w1s, w2s = values(x), values(w1), values(w2)
    total = Value(0.0)
    for row, wrow in zip(xs, w):
        y = reference.linear([v.relu() for v in reference.linear(row, w1s)], w2s)
        total = total + sum(o * float(wi) for o, wi in zip(y, wrow))
    total.backward()
    np.testing.assert_allclose(dx, grads(xs), atol=1e-12)
    np.testing.assert_allclose(dw1, grads(w1s), atol=1e-12)
    np.testing.assert_allclose(dw2, grads(w2s), atol=1e-12)


def test_embed_pair_matches_finite_differences_and_scalar_autograd():
    wte, wpe = RNG.normal(size=(27, 16)), RNG.normal(size=(16, 16))
    idx = np.array([26, 4, 12, 12, 0])  # 'm' twice: its card collects both influences
    w, (dwte, dwpe) = check_pair_fd(L.embed_forward, L.embed_backward, [wte, wpe, idx])
    tes, pes = values(wte), values(wpe)
    total = Value(0.0)
    for t, tok in enumerate(idx):
        total = total + sum((a + b) * float(wi) for a, b, wi in zip(tes[tok], pes[t], w[t]))
    total.backward()
    np.testing.assert_allclose(dwte, grads(tes), atol=1e-12)
    np.testing.assert_allclose(dwpe, grads(pes), atol=1e-12)


def test_attention_pair_matches_finite_differences():
    qkv = RNG.normal(size=(6, 48))
    check_pair_fd(lambda x: L.attention_forward(x, 4), L.attention_backward, [qkv])


def test_attention_pair_matches_scalar_autograd():
    t, hs = 4, 4
    qkv = RNG.normal(size=(t, 48))
    w = RNG.normal(size=(t, 16))
    rows = values(qkv)
    keys, vals, total = [], [], Value(0.0)
    for pos in range(t):
        q, k, v = rows[pos][:16], rows[pos][16:32], rows[pos][32:]
        keys.append(k)
        vals.append(v)
        out = []
        for h in range(4):
            s = slice(h * hs, h * hs + hs)
            logits = [sum(a * b for a, b in zip(q[s], kk[s])) / hs**0.5 for kk in keys]
            p = reference.softmax(logits)
            out.extend(sum(p[u] * vals[u][s][j] for u in range(len(vals))) for j in range(hs))
        total = total + sum(o * float(wi) for o, wi in zip(out, w[pos]))
    total.backward()
    _, cache = L.attention_forward(qkv, 4)
    np.testing.assert_allclose(L.attention_backward(w, cache), grads(rows), atol=1e-12)


def test_cross_entropy_pair_matches_finite_differences_and_scalar_autograd():
    logits = RNG.normal(size=(5, 27))
    targets = np.array([4, 12, 12, 0, 26])
    loss, cache = L.cross_entropy_forward(logits, targets)
    d = L.cross_entropy_backward(1.0, cache)
    num = numeric_grad(lambda: L.cross_entropy_forward(logits, targets)[0], logits)
    np.testing.assert_allclose(d, num, rtol=1e-6, atol=1e-9)
    ls = values(logits)
    total = (1 / 5) * sum(-reference.softmax(row)[tgt].log() for row, tgt in zip(ls, targets))
    total.backward()
    assert abs(total.data - loss) < 1e-12
    np.testing.assert_allclose(d, grads(ls), atol=1e-12)
    np.testing.assert_allclose(L.cross_entropy_backward(2.0, cache), 2 * d)


# ---------------------------------------------------------------- the whole model

NAMES = ["emma", "li", "bartholomewjohn", "zzzzzzzzzzzzzzz"]  # 15 letters: 17 tokens, cut to 16 positions


@pytest.mark.parametrize("name", NAMES)
def test_model_backward_matches_scalar_autograd(start, name):
    _, p = start
    tokens = encode(name)
    loss, g = model.loss_and_grad(p, tokens)
    sd = reference.to_values(p)
    L = reference.loss_of(sd, tokens)
    L.backward()
    assert abs(loss - L.data) < 1e-10
    np.testing.assert_allclose(g, reference.grads_of(sd).flat, rtol=0, atol=1e-10)


def test_model_backward_matches_finite_differences(params):
    p = params.copy()
    tokens = encode("jessica")
    _, g = model.loss_and_grad(p, tokens)
    # every matrix: a spread of entries, including all of one flavour card row in use
    idx = set(RNG.choice(p.flat.size, size=300, replace=False).tolist())
    off, _, cols = p.offsets["wte"]
    idx |= {off + 9 * cols + c for c in range(cols)}  # 'j'
    for name, (o, r, c) in p.offsets.items():
        idx |= {o, o + r * c - 1}
    for i in sorted(idx):
        old = p.flat[i]
        p.flat[i] = old + 1e-6
        up, _ = model.loss_and_grad(p, tokens)
        p.flat[i] = old - 1e-6
        down, _ = model.loss_and_grad(p, tokens)
        p.flat[i] = old
        assert g[i] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-8), i


def test_kv_cache_step_matches_whole_menu_forward(params):
    tokens = encode("sophia")[:-1]
    logits, _ = model.forward(params, tokens)
    kv = model.new_kv(params.config, 1)
    for pos, tok in enumerate(tokens):
        step_logits, attn = model.step(params, [tok], pos, kv)
        np.testing.assert_allclose(step_logits[0], logits[pos], atol=1e-12)
        assert attn[0].shape == (1, 4, pos + 1)


def test_kv_cache_step_matches_scalar_reference(params):
    sd = reference.to_values(params)
    keys, vals = [[]], [[]]
    kv = model.new_kv(params.config, 1)
    for pos, tok in enumerate(encode("ava")[:-1]):
        ref = [v.data for v in reference.gpt(sd, tok, pos, keys, vals)]
        ours, _ = model.step(params, [tok], pos, kv)
        np.testing.assert_allclose(ours[0], ref, atol=1e-12)


def test_forward_refuses_too_many_positions(params):
    with pytest.raises(ValueError, match="1 to 16"):
        model.forward(params, [0] * 17)
    with pytest.raises(ValueError):
        model.step(params, [0], 16, model.new_kv())
