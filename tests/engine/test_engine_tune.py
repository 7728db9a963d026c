"""A new recipe book (SFT), the taster (reward model) and the judges (RLHF), on the real model."""

import random

import numpy as np
import pytest

from engine import checkpoint, data, tune
from engine.model import loss_and_grad
from engine.sample import sample
from engine.tokenizer import encode
from engine.train import train


@pytest.fixture(scope="module")
def base():
    return checkpoint.default_params()


def test_sft_moves_samples_toward_the_new_book_and_leaves_the_original_alone(base):
    book = [n for n in data.load_names() if n.endswith("a")]
    random.Random(0).shuffle(book)
    before_flat = base.flat.copy()
    losses = []
    tuned = tune.sft(base, book, steps=150, lr=0.003, record=losses)
    assert np.array_equal(base.flat, before_flat)
    assert len(losses) == 150
    before = sample(base, n=100, temperature=0.5, seed=1).names
    after = sample(tuned, n=100, temperature=0.5, seed=1).names
    n_before = sum(n.endswith("a") for n in before)
    n_after = sum(n.endswith("a") for n in after)
    assert n_before < 50
    assert n_after >= n_before + 30


def test_sft_is_the_same_practice_loop_on_another_book(base):
    book = ["zara", "zoe", "zane"]
    losses = []
    tuned = tune.sft(base, book, steps=30, lr=0.003, record=losses)
    copy = base.copy()
    ref = [r.loss for r in train(copy, book, steps=30, lr=0.003, optimizer="adam")]
    assert losses == ref
    assert np.array_equal(tuned.flat, copy.flat)
    starts = sum(n.startswith("z") for n in sample(tuned, n=50, temperature=0.5, seed=2).names)
    assert starts > sum(n.startswith("z") for n in sample(base, n=50, temperature=0.5, seed=2).names)


def test_features_are_what_their_labels_say():
    f = dict(zip([x.key for x in tune.FEATURES], tune.features("anna")))
    assert f == {"length": 4, "end_vowel": 1, "start_vowel": 1, "vowel_share": 0.5, "double": 1, "rare": 0}
    g = dict(zip([x.key for x in tune.FEATURES], tune.features("zbk")))
    assert g == {"length": 3, "end_vowel": 0, "start_vowel": 0, "vowel_share": 0, "double": 0, "rare": 1}


@pytest.mark.parametrize("key", ["short", "vowel"])
def test_the_taster_learns_the_judges_taste(base, key):
    judge = tune.JUDGES[key]
    pool = sample(base, n=80, temperature=1.0, seed=3).names
    pairs = tune.judged_pairs(judge, zip(pool[::2], pool[1::2]))
    assert len(pairs) >= 10
    rm = tune.RewardModel.fit(pairs, sample(base, n=200, temperature=1.0, seed=7).names)
    weights = dict(zip([x.key for x in tune.FEATURES], rm.weights))
    if key == "short":
        assert weights["length"] < 0 and abs(weights["length"]) == max(abs(w) for w in weights.values())
        assert rm.score("ann")[0] > rm.score("annabelle")[0]
    else:
        assert weights["end_vowel"] > 0 and abs(weights["end_vowel"]) == max(abs(w) for w in weights.values())
        assert rm.score("kira")[0] > rm.score("kirk")[0]
    # it agrees with the judge on fresh pairs it never saw
    fresh = sample(base, n=200, temperature=1.0, seed=11).names
    agree = total = 0
    for a, b in zip(fresh[::2], fresh[1::2]):
        best = judge.choose(a, b)
        if best is None:
            continue
        total += 1
        agree += (rm.prefers(a, b) > 0.5) == (best == a)
    assert agree / total > 0.9


def test_reward_model_from_one_pair_and_refusing_none():
    rm = tune.RewardModel.fit([("ana", "christopher")], ["ana", "bob", "christopher", "li"])
    assert rm.prefers("ana", "christopher") > 0.5
    with pytest.raises(ValueError):
        tune.RewardModel.fit([], ["ana"])


def test_log_prob_is_minus_length_times_mean_loss(base):
    seq = encode("emma")
    loss, _ = loss_and_grad(base, seq)
    assert tune.log_prob(base, seq) == pytest.approx(-(len(seq) - 1) * loss, rel=1e-12)


def test_rlhf_raises_the_mean_reward_and_the_judges_own_measure(base):
    judge = tune.JUDGES["vowel"]
    pool = sample(base, n=80, temperature=1.0, seed=3).names
    rm = tune.RewardModel.fit(tune.judged_pairs(judge, zip(pool[::2], pool[1::2])),
                              sample(base, n=200, temperature=1.0, seed=7).names)
    before_flat = base.flat.copy()
    means = []
    tuned = tune.rlhf(base, rm, steps=15, seed=1, record=means)
    assert np.array_equal(base.flat, before_flat)
    assert len(means) == 15
    b = sample(base, n=200, temperature=1.0, seed=99).names
    a = sample(tuned, n=200, temperature=1.0, seed=99).names
    assert rm(a).mean() > rm(b).mean() + 0.5
    assert np.mean([judge.measure(x) for x in a]) > np.mean([judge.measure(x) for x in b]) + 0.2
    # seeded: the same call gives the same knobs
    again = tune.rlhf(base, rm, steps=15, seed=1)
    assert np.array_equal(again.flat, tuned.flat)


def test_rlhf_with_a_constant_reward_leaves_the_knobs_where_they_were(base):
    means = []
    tuned = tune.rlhf(base, lambda names: np.ones(len(names)), steps=3, leash=0.0, record=means)
    assert np.array_equal(tuned.flat, base.flat)
    assert means == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("kwargs", [{"steps": 0}, {"steps": 1001}, {"lr": float("nan")}, {"lr": 0}, {"batch": 1}, {"leash": -1}])
def test_rlhf_refuses_bad_arguments(base, kwargs):
    with pytest.raises(ValueError):
        tune.rlhf(base, lambda names: np.zeros(len(names)), **kwargs)


@pytest.mark.parametrize("key", ["short", "vowel"])
def test_no_built_in_judge_prefers_an_empty_plate(key):
    choose = tune.JUDGES[key].choose
    # an empty plate is no dish: shortest of all, and ending in no letter, yet it always loses
    assert choose("", "annabelle") == "annabelle" and choose("kirk", "") == "kirk"
    assert choose("", "") is None
