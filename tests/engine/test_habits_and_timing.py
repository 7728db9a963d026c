"""The sous-chefs' habits measured against looking evenly, and the training clocks."""

import numpy as np

from engine import checkpoint, inspect


def test_head_habits_count_attention_against_looking_evenly():
    """A made-up attention of exactly even looking gives every course a liking of 1."""
    params = checkpoint.default_params().copy()
    for m in ("layer0.attn_wq", "layer0.attn_wk"):
        params[m][...] = 0.0                      # every score equal: each sous-chef looks evenly
    habits = inspect.head_habits(params, ["emma", "olivia", "anna"])
    seen = habits.seen > 0
    assert np.allclose(habits.course[0][:, seen], 1.0)
    assert np.allclose(habits.bell[0], habits.even_bell)


def test_the_engine_trains_much_faster_than_the_one_number_at_a_time_reference():
    from engine import reference, train

    assert train.training_seconds(steps=20) * 5 < reference.training_seconds(steps=20, measured=1)
