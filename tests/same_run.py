"""How close two runs of the same training must be to count as the same run.

The shipped checkpoint and log were written by `kitchen train` on one
machine. On another, the linear-algebra library and numpy's vector loops
may pick different kernels for that processor, and a float64 sum taken in
another order can differ in its last bit. ENGINE.md allows exactly that
difference and no other, so a fresh run must agree with the shipped one to
within a few units in the last place: far tighter than any real change to
the model, the data order or the optimiser could stay.
"""

import numpy as np

LOSS_ATOL = 1e-12    # per step, on losses near 2-3.5
WEIGHT_ATOL = 1e-12  # per knob, on settings below 1 in size


def assert_same_losses(ours, shipped):
    assert len(ours) == len(shipped)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(shipped), rtol=0, atol=LOSS_ATOL)


def assert_same_weights(ours, shipped):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(shipped), rtol=0, atol=WEIGHT_ATOL)


def read_loss_log(text):
    """A loss log's lines as (steps, losses)."""
    rows = [line.split() for line in text.splitlines() if line.strip()]
    return [int(r[0]) for r in rows], [float(r[1]) for r in rows]
