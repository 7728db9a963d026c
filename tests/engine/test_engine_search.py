"""The rules that trim the die (top-k, top-p, min-p), greedy and beam search, and the sampling lab."""

import math

import numpy as np
import pytest

from engine import model, sample as sampling, search
from engine.tokenizer import BOS, VOCAB, encode_prefix

PREFIXES = ["", "e", "emm", "ann", "zq", "abigail", "olivia", "x", "abcdefghijklmn"]
RULES = [  # (top_k, top_p, min_p)
    (5, 1.0, 0.0), (1, 1.0, 0.0), (None, 0.9, 0.0), (None, 0.05, 0.0), (None, 1.0, 0.1), (None, 1.0, 1.0),
    (3, 0.5, 0.2), (26, 0.99, 0.01), (10, 0.8, 0.0),
]


def last_logits(params, prefix):
    logits, _ = model.forward(params, encode_prefix(prefix))
    return logits[-1]


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("t", [0.3, 1.0, 2.0])
@pytest.mark.parametrize("top_k, top_p, min_p", RULES)
def test_after_the_rules_the_die_sums_to_one_over_the_courses_every_rule_allows(params, prefix, t, top_k, top_p, min_p):
    c = sampling.cut(last_logits(params, prefix), t, top_k, top_p, min_p)
    warmed = softmax(last_logits(params, prefix) / t)
    np.testing.assert_allclose(c.warmed, warmed, atol=1e-12)
    np.testing.assert_allclose(c.vote, softmax(last_logits(params, prefix)), atol=1e-12)
    assert math.isclose(c.die.sum(), 1.0, abs_tol=1e-12)
    # each rule, worked out here by hand from the warmed vote
    order = sorted(range(27), key=lambda i: (-warmed[i], i))
    allowed_k = set(order[: top_k or 27])
    running, allowed_p = 0.0, set(range(27) if top_p >= 1 else ())
    for i in order if top_p < 1 else ():
        allowed_p.add(i)
        running += warmed[i]
        if running >= top_p - 1e-12:
            break
    allowed_m = {i for i in range(27) if warmed[i] >= min_p * warmed.max()}
    assert set(c.cut_by["top_k"]) == set(range(27)) - allowed_k
    assert set(c.cut_by["top_p"]) == set(range(27)) - allowed_p
    assert set(c.cut_by["min_p"]) == set(range(27)) - allowed_m
    allowed = allowed_k & allowed_p & allowed_m
    assert {i for i in range(27) if c.die[i] > 0} == allowed
    assert order[0] in allowed  # the favourite always stays
    # the shares are re-spread in proportion: each kept course keeps its ratio to the others
    kept = np.array(sorted(allowed))
    np.testing.assert_allclose(c.die[kept], warmed[kept] / warmed[kept].sum(), rtol=1e-12)
    # top-p's set is the smallest that reaches P: without its last course it falls short
    if top_p < 1:
        p_set = [i for i in order if i in allowed_p]
        assert sum(warmed[i] for i in p_set) >= top_p - 1e-12
        assert sum(warmed[i] for i in p_set[:-1]) < top_p


def test_with_the_rules_off_the_die_is_the_vote_bit_for_bit(params):
    for prefix in PREFIXES:
        for t in (0, 0.5, 1.0, 3.0):
            z = last_logits(params, prefix).reshape(1, -1)
            c = sampling.cut(z[0], t)
            assert np.array_equal(c.die, sampling.vote(z, t)[0])
            assert c.cut_by == {"top_k": [], "top_p": [], "min_p": []}
            # k = 27 is "all", p = 1 keeps everything, m = 0 drops nothing
            assert np.array_equal(sampling.cut(z[0], t, 27, 1.0, 0.0).die, c.die)


@pytest.mark.parametrize("seed", [1, 7, 42])
@pytest.mark.parametrize("t", [0.5, 1.0])
def test_default_rules_serve_exactly_what_sample_served_before(params, seed, t):
    plain = sampling.sample(params, n=20, temperature=t, seed=seed)
    ruled = sampling.sample(params, n=20, temperature=t, seed=seed, top_k=None, top_p=1.0, min_p=0.0)
    assert plain.names == ruled.names and np.array_equal(plain.probs, ruled.probs)


@pytest.mark.parametrize("prefix", ["", "ma", "x", "abigail"])
@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("rules", [{"top_k": 1}, {"top_p": 1e-9}, {"min_p": 1.0}])
def test_keeping_only_the_favourite_serves_what_temperature_zero_serves(params, prefix, t, rules):
    cold = sampling.sample(params, n=8, temperature=0, seed=3, prefix=prefix)
    ruled = sampling.sample(params, n=8, temperature=t, seed=11, prefix=prefix, **rules)
    assert ruled.names == cold.names
    assert search.greedy(params, prefix).name == cold.names[0]


def test_served_names_only_use_courses_the_rules_allow(params):
    r = sampling.sample(params, n=50, temperature=1.5, seed=5, prefix="", top_k=3)
    for steps in r.steps:
        for probs, tok in steps:
            probs = np.array(probs)
            assert (probs > 0).sum() <= 3 and probs[tok] > 0 and math.isclose(probs.sum(), 1.0)
    loose = sampling.sample(params, n=50, temperature=1.5, seed=5, prefix="")
    assert len(set(r.names)) < len(set(loose.names))


@pytest.mark.parametrize("kwargs, words", [
    ({"top_k": 0}, "top-k"), ({"top_k": 28}, "top-k"), ({"top_k": 2.5}, "top-k"), ({"top_k": True}, "top-k"),
    ({"top_p": 0}, "top-p"), ({"top_p": 1.5}, "top-p"), ({"top_p": float("nan")}, "top-p"), ({"top_p": "x"}, "top-p"),
    ({"min_p": -0.1}, "min-p"), ({"min_p": 1.01}, "min-p"), ({"min_p": float("nan")}, "min-p"),
])
def test_bad_rules_get_a_clear_reason(params, kwargs, words):
    with pytest.raises(ValueError, match=words):
        sampling.sample(params, n=2, **kwargs)
    with pytest.raises(ValueError, match=words):
        sampling.cut(last_logits(params, "a"), 1.0, **kwargs)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_greedy_is_temperature_zero_and_its_share_is_the_models(params, prefix):
    g = search.greedy(params, prefix)
    assert g.name == sampling.sample(params, n=1, temperature=0, seed=0, prefix=prefix).names[0]
    assert math.isclose(g.logprob, search.menu_logprob(params, g.name, prefix), abs_tol=1e-9)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("width", [1, 2, 5, 10])
def test_beam_finds_whole_menus_at_least_as_likely_as_greedy(params, prefix, width):
    found = search.beam(params, prefix, width)
    g = search.greedy(params, prefix)
    assert 1 <= len(found) <= width
    assert found[0].logprob >= g.logprob
    logprobs = [m.logprob for m in found]
    assert logprobs == sorted(logprobs, reverse=True)
    assert len({m.name for m in found}) == len(found)
    for m in found:
        assert m.name.startswith(prefix) and len(m.name) >= max(1, len(prefix))
        assert set(m.name) <= set(VOCAB) and len(m.name) <= params.config.block_size
        # the share is the model's own: every course's vote multiplied, the closing bell included
        assert math.isclose(m.logprob, search.menu_logprob(params, m.name, prefix), abs_tol=1e-9)
        assert m.rang_bell == (len(m.name) < params.config.block_size)


def test_beam_without_the_greedy_lane_still_beats_greedy_here(params):
    """The guarantee does not rest only on the greedy menu joining the candidates."""
    nobody = search.Menu("", [], -math.inf, True)
    for prefix in ["", "a", "k", "emm", "ann", "zq", "x", "ol"]:
        g = search.greedy(params, prefix)
        for width in (2, 5, 10):
            assert search.beam(params, prefix, width, favourite=nobody)[0].logprob >= g.logprob - 1e-12


def test_beam_is_exhaustive_for_one_course_left(params):
    """With one course of room left, the search sees every ending: it must find the true best."""
    prefix = "abcdefghijklmno"  # 15 letters: one vote left, then the kitchen is full
    found = search.beam(params, prefix, 10)
    lp = np.log(softmax(last_logits(params, prefix)))
    want = sorted(((float(lp[i]), prefix + ("" if i == BOS else VOCAB[i])) for i in range(27)), key=lambda x: (-x[0], x[1]))[:10]
    assert [(round(m.logprob, 9), m.name) for m in found] == [(round(a, 9), b) for a, b in want]


@pytest.mark.parametrize("width", [0, 11, 2.5, True])
def test_bad_beam_width(params, width):
    with pytest.raises(ValueError, match="width"):
        search.beam(params, "a", width)


def test_the_lab_is_its_parts(params):
    lab = search.lab(params, "emm", 0.8, 5, 0.9, 0.05, 4, n=10, width=7)
    c = sampling.cut(last_logits(params, "emm"), 0.8, 5, 0.9, 0.05)
    assert np.array_equal(lab.cut.die, c.die) and lab.cut.cut_by == c.cut_by
    s = sampling.sample(params, n=10, temperature=0.8, seed=4, prefix="emm", top_k=5, top_p=0.9, min_p=0.05)
    assert lab.served.names == s.names and lab.served.invented == s.invented
    assert [m.name for m in lab.beam] == [m.name for m in search.beam(params, "emm", 7)]
    assert lab.greedy.name == search.greedy(params, "emm").name
