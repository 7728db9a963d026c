"""Every backward pass against finite differences and against the scalar autograd."""

import numpy as np
import pytest

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


# ---------------------------------------------------------------- rmsnorm

def test_rmsnorm_backward_matches_finite_differences():
    x = RNG.normal(size=(5, 16))
    w = RNG.normal(size=(5, 16))
    y, r = model.rmsnorm_forward(x)
    dx = model.rmsnorm_backward(w, x, r)
    num = numeric_grad(lambda: float(np.sum(model.rmsnorm_forward(x)[0] * w)), x)
    np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-9)


def test_rmsnorm_backward_matches_scalar_autograd():
    x = RNG.normal(size=(3, 16))
    w = RNG.normal(size=(3, 16))
    xs = values(x)
    total = sum(sum(yi * float(wi) for yi, wi in zip(reference.rmsnorm(row), wrow)) for row, wrow in zip(xs, w))
    total.backward()
    _, r = model.rmsnorm_forward(x)
    np.testing.assert_allclose(model.rmsnorm_backward(w, x, r), grads(xs), rtol=0, atol=1e-12)


# ---------------------------------------------------------------- attention

def _attn_loss(xn, wqkv, w):
    o, _ = model.attention_forward(xn, wqkv, model.CONFIG)
    return float(np.sum(o * w))


def test_attention_backward_matches_finite_differences():
    t = 6
    xn = RNG.normal(size=(t, 16))
    wqkv = RNG.normal(size=(48, 16)) * 0.3
    w = RNG.normal(size=(t, 16))
    o, cache = model.attention_forward(xn, wqkv, model.CONFIG)
    dqkv = model.attention_backward(w, cache, model.CONFIG)
    dx = dqkv @ wqkv
    dw = dqkv.T @ xn
    np.testing.assert_allclose(dx, numeric_grad(lambda: _attn_loss(xn, wqkv, w), xn), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(dw, numeric_grad(lambda: _attn_loss(xn, wqkv, w), wqkv), rtol=1e-5, atol=1e-8)


def test_attention_backward_matches_scalar_autograd():
    t, hs = 4, model.CONFIG.head_size
    xn = RNG.normal(size=(t, 16))
    wqkv = RNG.normal(size=(48, 16)) * 0.3
    w = RNG.normal(size=(t, 16))
    xs = values(xn)
    wq, wk, wv = values(wqkv[:16]), values(wqkv[16:32]), values(wqkv[32:])
    keys, vals, total = [], [], Value(0.0)
    for pos in range(t):
        q = reference.linear(xs[pos], wq)
        keys.append(reference.linear(xs[pos], wk))
        vals.append(reference.linear(xs[pos], wv))
        out = []
        for h in range(4):
            s = slice(h * hs, h * hs + hs)
            logits = [sum(a * b for a, b in zip(q[s], k[s])) / hs**0.5 for k in keys]
            p = reference.softmax(logits)
            out.extend(sum(p[u] * vals[u][s][j] for u in range(len(vals))) for j in range(hs))
        total = total + sum(o * float(wi) for o, wi in zip(out, w[pos]))
    total.backward()
    _, cache = model.attention_forward(xn, wqkv, model.CONFIG)
    dqkv = model.attention_backward(w, cache, model.CONFIG)
    np.testing.assert_allclose(dqkv @ wqkv, grads(xs), atol=1e-12)
    np.testing.assert_allclose((dqkv.T @ xn)[:16], grads(wq), atol=1e-12)
    np.testing.assert_allclose((dqkv.T @ xn)[32:], grads(wv), atol=1e-12)


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
