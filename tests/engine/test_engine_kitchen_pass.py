"""The whole line for one course (engine.inspect.kitchen_pass) and its logit lens.

The last read-point is the real vote, number for number the vote next-dish shows
for the same courses; the earlier read-points are the pass applied to the stream
as it stands, checked against a plain numpy computation from the knobs.
"""

import math

import numpy as np
import pytest

from engine import inspect as ins, lens
from engine.tokenizer import BOS, encode

CASES = [("emma", 3), ("emma", 0), ("emma", 4), ("christopher", 7), ("x", 1), ("bcdfghjklmnpqrs", 15)]


def rmsnorm(x):
    return x / math.sqrt(float(np.mean(x * x)) + 1e-5)


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.parametrize("name,pos", CASES)
def test_the_last_read_point_is_the_vote_of_next_dish(params, name, pos):
    kp = lens.kitchen_pass(params, name, pos)
    want = ins.next_vote(params, name[:pos], 1.0)
    assert np.array_equal(kp.lens["prep_room"], want)
    assert np.array_equal(kp.probs, want)
    assert list(kp.lens) == list(lens.READ_POINTS)


@pytest.mark.parametrize("name,pos", CASES)
def test_every_read_point_is_a_vote_whose_shares_sum_to_one(params, name, pos):
    kp = lens.kitchen_pass(params, name, pos)
    for key, p in kp.lens.items():
        assert p.shape == (27,) and np.all(p >= 0), key
        assert p.sum() == pytest.approx(1.0, abs=1e-12), key
    assert kp.attn.shape == (4, pos + 1)
    np.testing.assert_allclose(kp.attn.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("name,pos", CASES)
def test_the_stations_match_a_plain_computation_from_the_knobs(params, name, pos):
    kp = lens.kitchen_pass(params, name, pos)
    toks = encode(name)
    assert kp.tokens == toks[: pos + 1] and kp.target == toks[pos + 1]
    card, tag = params["wte"][toks[pos]], params["wpe"][pos]
    np.testing.assert_array_equal(kp.tok_emb, card)
    np.testing.assert_array_equal(kp.pos_emb, tag)
    x0 = rmsnorm(card + tag)
    np.testing.assert_allclose(kp.stream["cards"], x0, atol=1e-12)
    head = params["lm_head"]
    np.testing.assert_allclose(kp.lens["cards"], softmax(head @ x0), atol=1e-12)
    # the sous-chefs: one head at a time over the courses so far, from the knobs
    xs = np.array([rmsnorm(params["wte"][t] + params["wpe"][i]) for i, t in enumerate(toks[: pos + 1])])
    xn = np.array([rmsnorm(x) for x in xs])
    q, k, v = (xn @ params[f"layer0.attn_w{m}"].T for m in "qkv")
    heads = []
    for h in range(4):
        s = slice(4 * h, 4 * h + 4)
        w = softmax(k[:, s] @ q[-1, s] / 2.0)
        np.testing.assert_allclose(kp.attn[h], w, atol=1e-12)
        heads.append(w @ v[:, s])
    x1 = params["layer0.attn_wo"] @ np.concatenate(heads) + xs[-1]
    np.testing.assert_allclose(kp.stream["sous_chefs"], x1, atol=1e-12)
    np.testing.assert_allclose(kp.lens["sous_chefs"], softmax(head @ x1), atol=1e-12)
    pre = params["layer0.mlp_fc1"] @ rmsnorm(x1)
    np.testing.assert_allclose(kp.mlp_pre, pre, atol=1e-12)
    x2 = params["layer0.mlp_fc2"] @ np.maximum(pre, 0) + x1
    np.testing.assert_allclose(kp.stream["prep_room"], x2, atol=1e-12)
    np.testing.assert_allclose(kp.added["sous_chefs"] + kp.added["prep_room"], x2 - x0, atol=1e-12)
    np.testing.assert_allclose(kp.probs, softmax(head @ x2), atol=1e-12)
    # the contribution of a worker poured away is nothing
    assert np.all(kp.mlp_out[pre <= 0] == 0)
    # bringing it to strength makes its root mean square one (but for the tiny safety term)
    for key, (before, after) in kp.strength.items():
        assert after == pytest.approx(1.0, abs=1e-3), key
    assert kp.strength["cards"][0] == pytest.approx(math.sqrt(np.mean((card + tag) ** 2)), rel=1e-12)


@pytest.mark.parametrize("name,pos", CASES)
def test_the_pass_agrees_with_the_whole_name_and_the_scorecard(params, name, pos):
    """The model never looks ahead: the pass on the courses so far is the whole name's at that course."""
    kp = lens.kitchen_pass(params, name, pos)
    whole = ins.inspect(params, name)
    np.testing.assert_allclose(kp.probs, whole.probs[pos], atol=1e-12)
    np.testing.assert_allclose(kp.attn, whole.attn[0, :, pos, : pos + 1], atol=1e-12)
    assert kp.penalty == pytest.approx(whole.losses[pos], abs=1e-10)
    assert kp.penalty == ins.penalty(kp.probs[None], [kp.target])[0]


def test_a_course_outside_the_name_is_refused(params):
    for pos in (-1, 5, 16, True, 1.5):
        with pytest.raises(ValueError):
            lens.kitchen_pass(params, "emma", pos)
    with pytest.raises(ValueError):
        lens.kitchen_pass(params, "em1a", 1)
    assert lens.kitchen_pass(params, "Emma", 4).target == BOS


def test_penalty_is_minus_the_log_of_the_share(params):
    probs = np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])
    np.testing.assert_allclose(ins.penalty(probs, [0, 2]), [math.log(2), -math.log(0.7)], rtol=1e-15)
