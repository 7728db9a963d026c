import numpy as np
import pytest

from engine import train
from engine.sample import sample
from tests.same_run import assert_same_losses


def test_records_per_step(start):
    docs, p0 = start
    recs = list(train.train(p0.copy(), docs, steps=20))
    assert [r.step for r in recs] == list(range(1, 21))
    assert [r.name for r in recs] == docs[:20]
    assert all(r.grad_norm > 0 and r.lr > 0 for r in recs)


def test_sgd_is_a_different_teacher(start):
    docs, p0 = start
    a, b = p0.copy(), p0.copy()
    la = [r.loss for r in train.train(a, docs, steps=50, optimizer="adam")]
    lb = [r.loss for r in train.train(b, docs, steps=50, optimizer="sgd", lr=0.5)]
    assert la[0] == lb[0] and la[1] != lb[1]
    assert not np.array_equal(a.flat, b.flat)


def test_training_replays_exactly(start):
    docs, p0 = start
    a = [r.loss for r in train.train(p0.copy(), docs, steps=30, lr=0.02)]
    b = [r.loss for r in train.train(p0.copy(), docs, steps=30, lr=0.02)]
    assert a == b


def test_a_new_recipe_book_moves_the_names(params):
    """Continue from the trained model on names ending in 'a': more samples end in 'a'."""
    from engine.data import load_names

    book = [n for n in load_names() if n.endswith("a")][:300]
    tuned = params.copy()
    recs = list(train.train(tuned, book, steps=300, lr=0.01))
    before = sample(params, n=200, temperature=0.8, seed=1).names
    after = sample(tuned, n=200, temperature=0.8, seed=1).names
    share = lambda names: sum(n.endswith("a") for n in names) / len(names)
    assert share(after) > share(before) + 0.2
    assert np.mean([r.loss for r in recs[-50:]]) < np.mean([r.loss for r in recs[:50]])


@pytest.mark.parametrize("kwargs, words", [
    ({"steps": 0}, "steps"),
    ({"steps": 10**9}, "steps"),
    ({"lr": 0}, "learning rate"),
    ({"lr": float("nan")}, "learning rate"),
    ({"optimizer": "rmsprop"}, "optimizer"),
])
def test_bad_training_requests(start, kwargs, words):
    docs, p0 = start
    with pytest.raises(ValueError, match=words):
        next(train.train(p0.copy(), docs, **kwargs))


def test_bad_names_in_a_book(start):
    _, p0 = start
    with pytest.raises(ValueError, match="a-z"):
        next(train.train(p0.copy(), ["emma", "j0hn"], steps=2))
    with pytest.raises(ValueError, match="at least one"):
        next(train.train(p0.copy(), [], steps=2))


def test_snapshots_show_the_apprentice_growing():
    snaps = train.snapshots()
    assert [s.step for s in snaps] == [1, 100, 500, 1000]
    assert all(len(s.names) == 4 for s in snaps)
    from engine.checkpoint import default_log

    assert_same_losses([s.loss for s in snaps], [default_log()[s.step - 1] for s in snaps])
    from engine.checkpoint import default_params

    assert list(snaps[-1].names) == sample(default_params(), n=4, temperature=0.5, seed=0).names


def _same_events(a, b):
    """Equal events, a score or a norm that is not a number equal to one that is not either."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert type(x) is type(y)
        if isinstance(x, train.StepRecord):
            assert (x.step, x.loss, x.lr, x.name) == (y.step, y.loss, y.lr, y.name)
            assert x.grad_norm == y.grad_norm or (np.isnan(x.grad_norm) and np.isnan(y.grad_norm))
        else:
            assert x == y


@pytest.mark.parametrize("key", [(3, 0.02, "sgd", 120), (42, 1.0, "adam", 400)])
def test_a_finished_run_replays_the_very_events_that_made_it(key):
    """One computation serves a page and a live stream: the finished run holds every step,
    and its events are those of ``practice``, in their order (a run that breaks too)."""
    run = train.practice_run(*key)
    with np.errstate(all="ignore"):
        live = list(train.practice(*key))
    _same_events(list(run.events()), live)
    assert run.key == key and len(run.losses) == len(run.lrs) == len(run.grad_norms) == len(run.names)
    if key[1] == 1.0:
        assert run.broke_at == len(run.losses) + 1 and isinstance(live[-1], train.Broke)
    assert train.practice_run(*key) is run  # memoised: asked again, it is not trained again
