"""The guessing game's scoring (engine.game): a stake is a vote, scored like the scorecard."""

import math

import numpy as np
import pytest

from engine import data, game, inspect as ins
from engine.tokenizer import BOS, encode


def test_a_stake_is_a_vote_with_a_pinch_on_every_course():
    for picks in ([4], [0, 26], [1, 2, 3]):
        s = game.stake(picks)
        assert s.shape == (27,) and s.sum() == pytest.approx(1.0, abs=1e-15)
        pinch = game.FLOOR / 27
        for t in range(27):
            want = pinch + ((1 - game.FLOOR) / len(picks) if t in picks else 0.0)
            assert s[t] == pytest.approx(want, rel=1e-15)
    rules = game.rules()
    assert rules["miss"] == pytest.approx(-math.log(0.1 / 27), rel=1e-14)
    assert rules["hit"][1] == pytest.approx(-math.log(0.9 + 0.1 / 27), rel=1e-14)
    assert rules["hit"][3] == pytest.approx(-math.log(0.3 + 0.1 / 27), rel=1e-14)
    assert math.isfinite(rules["miss"]) and rules["blind"] == math.log(27)


@pytest.mark.parametrize("picks", [[], [1, 1], [1, 2, 3, 4], [27], [-1]])
def test_a_bad_stake_is_refused(picks):
    with pytest.raises(ValueError):
        game.stake(picks)


@pytest.mark.parametrize("name,bets", [
    ("emma", [[4], [12], [12, 0, 8], [0], [BOS]]),
    ("olivia", [[0], [11, 4], [8]]),
    ("x", [[23], [0, 1, 2]]),
    ("emma", []),
])
def test_a_games_score_is_the_sum_of_the_scorecards_per_course_scores(params, name, bets):
    g = game.play(params, bets, name=name)
    targets = encode(name)[1:]
    card = ins.inspect(params, name)
    want = [ins.penalty(game.stake(b)[None], [targets[i]])[0] for i, b in enumerate(bets)]
    assert list(g.reader) == want
    assert float(np.sum(g.reader)) == pytest.approx(sum(want), abs=1e-12)
    # Xiao Ming's per-course scores are the scorecard's, course for course
    assert list(g.model) == list(card.losses[: len(bets)])
    assert g.targets == targets and g.n_courses == len(name) + 1
    assert g.done == (len(bets) == len(name) + 1)
    if g.done:
        assert float(np.mean(g.model)) == pytest.approx(card.loss, abs=1e-12)


def test_more_bets_than_courses_is_refused(params):
    with pytest.raises(ValueError):
        game.play(params, [[0]] * 6, name="emma")
    with pytest.raises(ValueError):
        game.play(params, [[0, 0]], name="emma")
    with pytest.raises(ValueError):
        game.play(params, [[0]])


def test_a_seed_picks_the_same_menu_from_the_book_every_time(params):
    names = [game.book_name(s) for s in range(20)]
    assert names == [game.book_name(s) for s in range(20)]
    assert set(names) <= data.known_names() and len(set(names)) > 10
    assert game.play(params, [], seed=7).name == game.book_name(7)
    for bad in (-1, 2**31, True, 1.0):
        with pytest.raises(ValueError):
            game.book_name(bad)
