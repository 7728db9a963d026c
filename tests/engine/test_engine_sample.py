import math

import numpy as np
import pytest

from engine import model
from engine.data import known_names
from engine.sample import sample
from engine.tokenizer import BOS, encode_prefix


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
