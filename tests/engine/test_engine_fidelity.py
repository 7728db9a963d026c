"""The engine replays the reference run, checked without a six-minute run."""

import numpy as np
import pytest

from engine import checkpoint, model, reference, train
from tests.same_run import assert_same_losses, assert_same_weights
from engine.tokenizer import encode

PUBLISHED_FIRST_LOSSES = [3.3660, 3.4243, 3.1778, 3.0664, 3.2209]


def test_reference_order_and_first_knobs(start):
    docs, p = start
    assert len(docs) == 32033 and docs[0] != "emma", "the names are shuffled"
    assert p.flat.size == model.N_PARAMS == 4192
    assert abs(float(np.std(p.flat)) - 0.08) < 0.005


def test_first_steps_equal_the_scalar_reference(start):
    docs, p0 = start
    steps = 3
    ours = p0.copy()
    sd = reference.to_values(p0)
    # train over the same 1000-step schedule, stop after 3
    ref_steps = reference.train(sd, [encode(d) for d in docs], steps=1000)
    our_steps = train.train(ours, docs, steps=1000)
    for _ in range(steps):
        (i, ref_loss), rec = next(ref_steps), next(our_steps)
        assert rec.step == i
        assert abs(rec.loss - ref_loss) < 1e-10
        np.testing.assert_allclose(ours.flat, reference.to_params(sd).flat, rtol=0, atol=1e-10)


def test_published_first_five_losses(start):
    docs, p0 = start
    run = train.train(p0.copy(), docs, steps=1000)
    losses = [next(run).loss for _ in range(5)]
    assert [round(x, 4) for x in losses] == PUBLISHED_FIRST_LOSSES


@pytest.fixture(scope="module")
def full_run():
    return train.reference_run()


def test_shipped_log_is_the_default_run(full_run):
    _, records, _ = full_run
    assert_same_losses([r.loss for r in records], checkpoint.default_log())
    assert [round(x, 4) for x in checkpoint.default_log()[:5]] == PUBLISHED_FIRST_LOSSES
    assert np.mean(checkpoint.default_log()[900:]) == pytest.approx(2.28, abs=0.01)


def test_shipped_checkpoint_is_the_default_run(full_run):
    params, _, _ = full_run
    assert_same_weights(params.flat, checkpoint.default_params().flat)


def test_the_reference_twenty_names(full_run, published_names):
    from engine.sample import sample_reference

    params, _, rng = full_run
    assert sample_reference(params, rng, 20, 0.5) == published_names
    assert checkpoint.reference_samples() == published_names


def test_learning_rate_decays_linearly(full_run):
    _, records, _ = full_run
    assert records[0].lr == 0.01
    assert records[500].lr == pytest.approx(0.005)
    assert records[-1].lr == pytest.approx(0.01 / 1000)
    assert all(r.grad_norm > 0 for r in records)
