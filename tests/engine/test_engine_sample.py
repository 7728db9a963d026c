import math

import numpy as np
import pytest

from engine import model
from engine.data import known_names
from engine.sample import sample, serve_next
from engine.tokenizer import BOS, VOCAB, encode_prefix


def test_same_seed_same_names(params):
    a = sample(params, n=20, temperature=0.8, seed=7)
    b = sample(params, n=20, temperature=0.8, seed=7)
    c = sample(params, n=20, temperature=0.8, seed=8)
    assert a.names == b.names
    assert a.names != c.names


def test_names_are_real_words_of_the_kitchen(params):
    r = sample(params, n=50, temperature=1.0, seed=3)
    assert len(r.names) == 50
    assert all(set(n) <= set("abcdefghijklmnopqrstuvwxyz") and len(n) <= 16 for n in r.names)


def test_invented_means_not_in_the_book(params):
    r = sample(params, n=100, temperature=0.7, seed=11)
    book = known_names()
    assert r.invented == [n not in book for n in r.names]
    assert any(r.invented) and not all(r.invented)


def test_temperature_zero_never_takes_a_risk(params):
    a = sample(params, n=5, temperature=0, seed=1)
    b = sample(params, n=5, temperature=0, seed=99)
    assert a.names == b.names and len(set(a.names)) == 1
    # every course chosen is the favourite of its vote
    for probs, tok in a.steps[0]:
        assert probs[tok] == 1.0


def test_low_temperature_is_less_varied_than_high(params):
    cold = sample(params, n=200, temperature=0.2, seed=5)
    hot = sample(params, n=200, temperature=1.5, seed=5)
    assert len(set(cold.names)) < len(set(hot.names))
    assert sum(cold.invented) < sum(hot.invented)


def test_prefix_is_kept(params):
    r = sample(params, n=10, temperature=1.0, seed=2, prefix="Mar")
    assert all(n.startswith("mar") for n in r.names)


def test_votes_are_probabilities_and_match_the_model(params):
    r = sample(params, n=3, temperature=1.0, seed=4, prefix="an")
    first_probs, _ = r.steps[0][0]
    assert math.isclose(sum(first_probs), 1.0)
    logits, _ = model.forward(params, encode_prefix("an"))
    e = np.exp(logits[-1] - logits[-1].max())
    np.testing.assert_allclose(first_probs, e / e.sum(), atol=1e-12)
    for name_steps, name in zip(r.steps, r.names):
        chosen = [t for _, t in name_steps]
        assert len(chosen) == len(name) - 2 + (1 if len(name) < 16 else 0)
        if len(name) < 16:
            assert chosen[-1] == BOS


def test_one_name_equals_a_lone_walk_with_the_same_draws(params):
    """Batching changes nothing: name i with seed s equals drawing it alone."""
    import random

    r = sample(params, n=4, temperature=0.9, seed=21)
    rng = random.Random(21)
    u = [rng.random() for _ in range(4 * 16)]
    for i in range(4):
        kv, tok, out = model.new_kv(params.config, 1), BOS, []
        for pos in range(16):
            logits, _ = model.step(params, [tok], pos, kv)
            z = logits[0] / 0.9
            p = np.exp(z - z.max())
            p /= p.sum()
            cum = np.cumsum(p)
            tok = min(int((cum <= u[i * 16 + pos] * cum[-1]).sum()), 26)
            if tok == BOS:
                break
            out.append(tok)
        assert r.tokens[i] == out


@pytest.mark.parametrize("kwargs, words", [
    ({"n": 0}, "n must"),
    ({"n": 1001}, "n must"),
    ({"n": 2.5}, "n must"),
    ({"temperature": -0.1}, "temperature"),
    ({"temperature": float("nan")}, "temperature"),
    ({"temperature": float("inf")}, "temperature"),
    ({"temperature": "hot"}, "temperature"),
    ({"seed": -1}, "seed"),
    ({"prefix": "ab1"}, "a-z"),
    ({"prefix": "a" * 16}, "at most 15"),
])
def test_bad_requests_get_a_clear_reason(params, kwargs, words):
    with pytest.raises(ValueError, match=words):
        sample(params, **kwargs)


def test_a_long_prefix_still_fits(params):
    r = sample(params, n=2, temperature=1.0, seed=0, prefix="abcdefghijklmno")
    assert all(n.startswith("abcdefghijklmno") and len(n) <= 16 for n in r.names)


@pytest.mark.parametrize("temperature, seed", [(0.5, 1), (1.0, 7), (0, 3), (2.0, 12345)])
def test_serving_one_course_at_a_time_walks_to_the_name_sample_serves(params, temperature, seed):
    want = sample(params, n=1, temperature=temperature, seed=seed).names[0]
    menu = ""
    while True:
        attention, probs, nxt = serve_next(params, menu, temperature, seed)
        assert len(attention) == params.config.n_layer
        att = attention[0]                                                  # (H, P)
        assert att.shape == (params.config.n_head, len(menu) + 1)
        assert np.allclose(att.sum(axis=1), 1.0)
        if nxt is None or nxt == BOS:
            break
        assert probs.shape == (params.config.vocab_size,) and probs[nxt] > 0
        menu += VOCAB[nxt]
    assert menu == want


def test_serving_a_full_notebook_and_bad_input(params):
    attention, probs, nxt = serve_next(params, "a" * 15, 0.5, 1)
    assert probs is None and nxt is None and attention[0].shape[1] == 16
    for bad in (dict(menu="zoë"), dict(temperature=-1), dict(temperature=float("nan")), dict(seed=-1)):
        args = {"menu": "ann", "temperature": 0.5, "seed": 1, **bad}
        with pytest.raises(ValueError):
            serve_next(params, args["menu"], args["temperature"], args["seed"])


@pytest.mark.parametrize("batch", [1, 2, 10, 57])
def test_the_read_only_models_tables_give_the_very_numbers_of_the_plain_pass(params, batch):
    """The shipped model reads its first station's inputs from tables (model._Entry);
    a writeable copy computes them at every position: both give the same bits."""
    frozen = params if not params.writeable else params.copy().freeze()
    plain = frozen.copy()
    assert model._entry(frozen) is not None and model._entry(plain) is None
    rng = np.random.default_rng(batch)
    kv_a, kv_b = model.new_kv(frozen.config, batch), model.new_kv(plain.config, batch)
    for pos in range(frozen.config.block_size):
        tokens = rng.integers(0, len(VOCAB), batch)
        (la, aa), (lb, ab) = model.step(frozen, tokens, pos, kv_a), model.step(plain, tokens, pos, kv_b)
        assert np.array_equal(la, lb) and all(np.array_equal(x, y) for x, y in zip(aa, ab))
    a = sample(frozen, n=batch, temperature=0.9, seed=batch, top_p=0.8)
    b = sample(plain, n=batch, temperature=0.9, seed=batch, top_p=0.8)
    assert a.names == b.names and a.lengths == b.lengths and np.array_equal(a.probs, b.probs)


@pytest.mark.parametrize("n", [1, 2, 10, 28, 100, 300])
def test_the_openings_tables_hold_the_very_numbers_a_batch_of_that_size_computes(params, n):
    """The first positions are read from tables made for each batch size: a batch of n
    random openings gets the logits and notebook pages that ``step`` gives it, bit for bit."""
    from engine import sample as sample_mod

    frozen = params if not params.writeable else params.copy().freeze()
    op = sample_mod._openings(frozen, n)
    assert op is not None and op.depth == (2 if n < 8 else 3)
    V = frozen.config.vocab_size
    rng = np.random.default_rng(n)
    kv_step, kv_read = model.new_kv(frozen.config, n), model.new_kv(frozen.config, n)
    code = np.zeros(n, dtype=np.intp)
    for pos in range(op.depth):
        tokens = np.full(n, BOS) if pos == 0 else rng.integers(0, V, n)
        logits, _ = model.step(frozen, tokens, pos, kv_step)
        code = code * V + tokens if pos else code
        assert np.array_equal(op.read(code, pos, kv_read), logits)
        for a, b in zip(kv_step, kv_read):
            assert np.array_equal(a["k"], b["k"]) and np.array_equal(a["v"], b["v"])


@pytest.mark.parametrize("n, prefix, rules", [(1, "", {}), (2, "a", {}), (10, "", {}), (10, "mar", {"top_p": 0.9}),
                                              (100, "", {}), (300, "q", {"top_k": 5})])
def test_serving_with_the_openings_tables_serves_what_the_pass_alone_serves(params, monkeypatch, n, prefix, rules):
    from engine import sample as sample_mod

    frozen = params if not params.writeable else params.copy().freeze()
    fast = sample(frozen, n=n, temperature=1.3, seed=n, prefix=prefix, **rules)
    assert sample_mod._openings(frozen, n) is not None
    monkeypatch.setattr(sample_mod, "_openings", lambda params, n: None)
    plain = sample(frozen, n=n, temperature=1.3, seed=n, prefix=prefix, **rules)
    assert (fast.names, fast.tokens, fast.lengths, fast.invented) == (plain.names, plain.tokens, plain.lengths, plain.invented)
    assert fast.probs.tobytes() == plain.probs.tobytes()
