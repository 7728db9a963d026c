"""The same model built from scalar ``Value``s, one number at a time.

This is the arithmetic of the pure-Python reference, written out on the
story's autograd. It is slow (a tenth to half a second per training step, by machine) and
exists to check the fast numpy engine: same losses, same gradients, same
updates, within float64 rounding.
"""

import math

from engine.autograd import Value
from engine.model import CONFIG, RMS_EPS, Params, param_shapes


def to_values(params):
    """Every knob as a Value, in nested lists of rows: name -> [[Value]]."""
    return {name: [[Value(float(x)) for x in row] for row in params[name]] for name in param_shapes(params.config)}


def to_params(sd, config=CONFIG):
    """Back from Values to a numpy Params (the data, not the gradients)."""
    return Params.from_dict({n: [[v.data for v in row] for row in m] for n, m in sd.items()}, config)


def grads_of(sd, config=CONFIG):
    """The gradients held by the Values, as a numpy Params."""
    return Params.from_dict({n: [[float(v.grad) for v in row] for row in m] for n, m in sd.items()}, config)


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def softmax(logits):
    max_val = max(v.data for v in logits)
    exps = [(v - max_val).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + RMS_EPS) ** -0.5
    return [xi * scale for xi in x]


def gpt(sd, token_id, pos_id, keys, values, config=CONFIG):
    """One position of the forward pass; ``keys``/``values`` are the notebook per layer."""
    hs = config.head_size
    x = [t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])]
    x = rmsnorm(x)
    for li in range(config.n_layer):
        x_res = x
        x = rmsnorm(x)
        q = linear(x, sd[f"layer{li}.attn_wq"])
        k = linear(x, sd[f"layer{li}.attn_wk"])
        v = linear(x, sd[f"layer{li}.attn_wv"])
        keys[li].append(k)
        values[li].append(v)
        x_attn = []
        for h in range(config.n_head):
            hs0 = h * hs
            q_h = q[hs0:hs0 + hs]
            k_h = [ki[hs0:hs0 + hs] for ki in keys[li]]
            v_h = [vi[hs0:hs0 + hs] for vi in values[li]]
            logits = [sum(q_h[j] * k_h[t][j] for j in range(hs)) / hs**0.5 for t in range(len(k_h))]
            w = softmax(logits)
            x_attn.extend(sum(w[t] * v_h[t][j] for t in range(len(v_h))) for j in range(hs))
        x = linear(x_attn, sd[f"layer{li}.attn_wo"])
        x = [a + b for a, b in zip(x, x_res)]
        x_res = x
        x = rmsnorm(x)
        x = linear(x, sd[f"layer{li}.mlp_fc1"])
        x = [xi.relu() for xi in x]
        x = linear(x, sd[f"layer{li}.mlp_fc2"])
        x = [a + b for a, b in zip(x, x_res)]
    return linear(x, sd["lm_head"])


def loss_of(sd, tokens, config=CONFIG):
    """The training loss of one menu (both bells included) as a Value graph."""
    n = min(config.block_size, len(tokens) - 1)
    keys = [[] for _ in range(config.n_layer)]
    values = [[] for _ in range(config.n_layer)]
    losses = []
    for pos in range(n):
        probs = softmax(gpt(sd, tokens[pos], pos, keys, values, config))
        losses.append(-probs[tokens[pos + 1]].log())
    return (1 / n) * sum(losses)


def train(sd, token_lists, steps, lr=0.01, beta1=0.85, beta2=0.99, eps=1e-8, config=CONFIG):
    """Adam on Values, exactly as the reference loop; yields (step, loss) 1-based."""
    flat = [p for m in sd.values() for row in m for p in row]
    m = [0.0] * len(flat)
    v = [0.0] * len(flat)
    for i in range(steps):
        loss = loss_of(sd, token_lists[i % len(token_lists)], config)
        for p in flat:
            p.grad = 0
        loss.backward()
        lr_t = lr * (1 - i / steps)
        for j, p in enumerate(flat):
            m[j] = beta1 * m[j] + (1 - beta1) * p.grad
            v[j] = beta2 * v[j] + (1 - beta2) * p.grad**2
            m_hat = m[j] / (1 - beta1 ** (i + 1))
            v_hat = v[j] / (1 - beta2 ** (i + 1))
            p.data -= lr_t * m_hat / (v_hat**0.5 + eps)
        yield i + 1, loss.data


def sample_one(sd, rng, temperature, config=CONFIG):
    """One name, drawn with ``rng.choices`` as the reference does."""
    keys = [[] for _ in range(config.n_layer)]
    values = [[] for _ in range(config.n_layer)]
    token, out = config.vocab_size - 1, []
    for pos in range(config.block_size):
        logits = gpt(sd, token, pos, keys, values, config)
        probs = softmax([l / temperature for l in logits])
        token = rng.choices(range(config.vocab_size), weights=[p.data for p in probs])[0]
        if token == config.vocab_size - 1:
            break
        out.append(token)
    return out


def training_seconds(steps=1000, measured=2):
    """Seconds the one-number-at-a-time reference would take for ``steps`` menus,
    estimated from timing its first ``measured`` menus of the reference run."""
    import time

    from engine.tokenizer import encode
    from engine.train import reference_start

    docs, params, _ = reference_start()
    sd = to_values(params)
    start = time.perf_counter()
    for _ in train(sd, [encode(d) for d in docs[:measured]], steps=measured):
        pass
    return (time.perf_counter() - start) / measured * steps


__all__ = ["to_values", "to_params", "grads_of", "gpt", "loss_of", "train", "sample_one", "training_seconds", "math"]
