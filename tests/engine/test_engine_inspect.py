import concurrent.futures

import numpy as np
import pytest

from engine import inspect as ins
from engine import model
from engine.tokenizer import encode


def test_inspection_of_a_name(params):
    r = ins.inspect(params, "Emma")
    assert r.text == "emma" and r.tokens == [26, 4, 12, 12, 0] and r.targets == [4, 12, 12, 0, 26]
    t = 5
    assert r.tok_emb.shape == r.pos_emb.shape == r.emb.shape == (t, 16)
    np.testing.assert_array_equal(r.tok_emb[1], params["wte"][4])
    np.testing.assert_array_equal(r.emb, r.tok_emb + r.pos_emb)
    assert r.attn.shape == (1, 4, t, t)
    assert r.mlp_pre.shape == r.mlp_post.shape == r.mlp_out.shape == (1, t, 64)
    assert set(r.resid[0]) == {"in", "after_attn", "after_mlp"}
    assert r.logits.shape == r.probs.shape == (t, 27)


def test_attention_rows_sum_to_one_and_never_look_ahead(params):
    r = ins.inspect(params, "jessica")
    np.testing.assert_allclose(r.attn.sum(axis=-1), 1.0, atol=1e-12)
    assert np.all(np.triu(r.attn[0, 0], 1) == 0)


def test_inspector_pours_away_negatives(params):
    r = ins.inspect(params, "oliver")
    assert np.all(r.mlp_post[r.mlp_pre <= 0] == 0)
    np.testing.assert_array_equal(r.mlp_post[r.mlp_pre > 0], r.mlp_pre[r.mlp_pre > 0])


def test_scores_agree_with_training_loss(params):
    for name in ["emma", "xavier", "q"]:
        r = ins.inspect(params, name)
        loss, _ = model.loss_and_grad(params, encode(name))
        assert r.loss == pytest.approx(loss, abs=1e-12)
        assert np.mean(r.losses) == pytest.approx(loss, abs=1e-12)
        probs_true = r.probs[np.arange(len(r.targets)), r.targets]
        np.testing.assert_allclose(r.losses, -np.log(probs_true))


def test_prefix_has_no_score_for_the_unknown_next_course(params):
    r = ins.inspect(params, "emm", is_prefix=True)
    assert r.targets[-1] is None and np.isnan(r.losses[-1])
    np.testing.assert_allclose(r.probs[-1], ins.next_vote(params, "emm", 1.0), atol=1e-12)
    empty = ins.inspect(params, "", is_prefix=True)
    assert empty.tokens == [26] and np.isnan(empty.loss)


def test_next_vote_temperature(params):
    cold = ins.next_vote(params, "an", 0)
    assert cold.max() == 1.0 and cold.sum() == 1.0
    warm = ins.next_vote(params, "an", 1.0)
    hot = ins.next_vote(params, "an", 3.0)
    assert hot.max() < warm.max()
    with pytest.raises(ValueError):
        ins.next_vote(params, "an", float("nan"))


def test_every_knob_has_an_address_and_a_label(params):
    seen = set()
    for i in range(params.flat.size):
        a = ins.knob_address(params, i)
        assert params[a.matrix][a.row, a.col] == params.flat[i]
        assert ins.knob_address(params, a.matrix, a.row, a.col) == a
        seen.add(ins.knob_label(params, a))
    assert len(seen) == 4192
    assert ins.knob_label(params, ins.knob_address(params, "wte", 4, 4)) == "flavour card of 'e', number 5"


@pytest.mark.parametrize("args", [(-1,), (4192,), ("wte", 27, 0), ("wte", 0, 16), ("nope", 0, 0), (True,)])
def test_bad_knob_addresses(params, args):
    with pytest.raises(ValueError):
        ins.knob_address(params, *args)


def test_gradient_is_the_training_gradient(params):
    loss, g = ins.gradient(params, "emma")
    loss2, g2 = model.loss_and_grad(params, encode("emma"))
    assert loss == loss2 and np.array_equal(g, g2) and g.shape == (4192,)


def test_turning_a_knob_uses_a_copy(params):
    a = ins.knob_address(params, "wte", 4, 2)  # a number on the card of 'e'
    before = params.flat.copy()
    r = ins.turn_knobs(params, "emma", {a: 1.5})
    np.testing.assert_array_equal(params.flat, before)
    trial = params.copy()
    trial.flat[a.index] = 1.5
    loss, _ = model.loss_and_grad(trial, encode("emma"))
    assert r.loss == pytest.approx(loss, abs=1e-12)
    assert r.loss != ins.inspect(params, "emma").loss
    with pytest.raises(ValueError):
        ins.turn_knobs(params, "emma", {a: float("nan")})


def test_the_shared_model_is_read_only(params):
    assert not params.writeable
    with pytest.raises(ValueError):
        params.flat[0] = 1.0
    with pytest.raises(ValueError):
        params["wte"][0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        next(__import__("engine.train", fromlist=["train"]).train(params, ["emma"], steps=1))


def test_concurrent_tasting_is_safe(params):
    names = ["emma", "olivia", "ava", "isabella", "sophia", "mia"] * 10
    expected = {n: ins.inspect(params, n).loss for n in set(names)}

    def work(i):
        n = names[i]
        ins.turn_knobs(params, n, {i: 2.0})
        return n, ins.inspect(params, n).loss

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for n, loss in pool.map(work, range(len(names))):
            assert loss == expected[n]


def test_card_map(params):
    m = ins.card_map(params)
    assert m.shape == (27, 2)
    centred = params["wte"] - params["wte"].mean(axis=0)
    # the two directions carry the most spread of any pair
    assert np.var(m[:, 0]) >= np.var(m[:, 1]) > 0
    assert np.var(m[:, 0]) + np.var(m[:, 1]) <= np.var(centred, axis=0).sum() + 1e-12


def test_a_flavour_card_knobs_influence_is_the_sum_of_its_servings(params):
    # "anna" serves 'n' twice (positions 3 and 4, after the bell and 'a'); the card of 'n', number 3:
    row, col = 13, 2
    a = ins.knob_address(params, "wte", row, col)
    k = ins.knob_influence(params, "anna", a.index)
    loss, grad = ins.gradient(params, "anna")
    assert k.loss == pytest.approx(loss) and k.influence == grad[a.index]
    assert [(pos, tok) for pos, tok, _ in k.positions] == [(3, 13), (4, 13)]
    assert sum(share for _, _, share in k.positions) == pytest.approx(k.influence, rel=1e-12, abs=1e-15)
    # the check really turns the knob, on a copy
    assert k.nudged_loss - k.loss == pytest.approx(k.nudge * k.influence, rel=0.05)
    assert params.flat[a.index] == k.setting
    # a knob that is no card has no servings
    assert ins.knob_influence(params, "anna", ins.knob_address(params, "lm_head", 0, 0).index).positions == ()


def test_the_knobs_worth_a_look_are_the_strongest_then_the_first_letters_cards(params):
    _, grad = ins.gradient(params, "olivia")
    k = ins.knob_influence(params, "olivia", 0)
    picks = [i for i, _ in k.telling]
    assert len(picks) == len(set(picks))
    strongest = [int(i) for i in np.argsort(-np.abs(grad), kind="stable")[:3]]
    assert picks[:3] == strongest
    for ch in "ol":
        row = grad[(ord(ch) - ord("a")) * 16:(ord(ch) - ord("a") + 1) * 16]
        assert (ord(ch) - ord("a")) * 16 + int(np.argmax(np.abs(row))) in picks
    assert all(g == grad[i] for i, g in k.telling)


def test_card_similarity_is_cosine_on_whole_cards(params):
    sim = ins.card_similarity(params)
    wte = params["wte"]
    e, a = wte[4], wte[0]
    assert sim[4, 0] == pytest.approx(e @ a / np.linalg.norm(e) / np.linalg.norm(a))
    assert np.allclose(np.diag(sim), 1)
    near = ins.nearest_cards(sim, 4)
    assert 4 not in near and len(near) == 26
    assert [sim[4, j] for j in near] == sorted((sim[4, j] for j in near), reverse=True)
