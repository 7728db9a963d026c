"""The whole kitchen at one course, and what the vote would be at each station.

``kitchen_pass`` runs the line for one course of a name and returns every
station's numbers at that moment as one plain record: the course and its
flavour card and order tag, each time the ladle is brought to strength
(RMSNorm), each sous-chef's weights, what each block ladles into the pot, the
prep room's workers, the pass's scores and the vote. At three read-points (after the cards and tags, after the sous-chefs,
after the prep room) the stream as it stands is sent straight to the pass:
a logit lens. The last read-point is the model's own vote.
"""

import dataclasses

import numpy as np

from engine import layers as L
from engine.inspect import inspect, penalty
from engine.sample import vote
from engine.tokenizer import check_name, encode

READ_POINTS = ("cards", "sous_chefs", "prep_room")  # where the logit lens reads the stream


@dataclasses.dataclass
class KitchenPass:
    """The whole line at one course of a name (every array is for that one course)."""

    text: str              # the whole name, lower-cased
    pos: int               # order tag of the course in hand (0 = the opening bell)
    tokens: list           # the courses so far, the bell first and the course in hand last (P = pos + 1)
    target: int            # the course that really came next in the name (the bell after the last letter)
    tok_emb: np.ndarray    # (C,) the course's flavour card (a row of wte)
    pos_emb: np.ndarray    # (C,) the order tag of its position (a row of wpe)
    emb: np.ndarray        # (C,) card + tag, before it is brought to strength
    strength: dict         # (before, after) each RMSNorm ("brought to strength"), as root mean square:
                           # "cards" (going into the pot), "sous_chefs" and "prep_room" (at their doors)
    stream: dict           # (C,) the pot after each block: "cards" (brought to strength), "sous_chefs", "prep_room"
    added: dict            # (C,) what each block ladled in: "sous_chefs", "prep_room"
    attn: np.ndarray       # (H,P) each sous-chef's weights over the courses so far (rows sum to 1)
    mlp_pre: np.ndarray    # (M,) each prep-room worker's idea before the inspector
    mlp_out: np.ndarray    # (M,) how much each worker adds to the dish (0 if poured away)
    logits: np.ndarray     # (V,) the pass's raw scores
    probs: np.ndarray      # (V,) the vote (temperature 1): next_vote(prefix) for the same courses
    lens: dict             # (V,) the vote if the line stopped after each block; "prep_room" is the vote itself
    penalty: float         # the diners' penalty for this vote: -ln probs[target]


def kitchen_pass(params, name, pos):
    """Everything the line does at course ``pos`` of ``name``, as plain numbers.

    The model never looks ahead, so the pass for ``pos`` is run on the courses
    up to it (the same call as ``next_vote`` for that beginning: the vote is
    the same, number for number). At each read-point the stream is sent
    straight to the pass (``lm_head``; the model has no final RMSNorm before it)
    and turned into shares: a logit lens. After the prep room that is the real vote.
    """
    name = check_name(name)
    if isinstance(pos, bool) or not isinstance(pos, (int, np.integer)) or not 0 <= pos <= len(name):
        raise ValueError(f"the courses of {name!r} have order tags 0 to {len(name)}")
    pos = int(pos)
    ins = inspect(params, name[:pos], is_prefix=True)        # positions 0..pos
    r = ins.resid[0]
    streams = {"cards": r["in"], "sous_chefs": r["after_attn"], "prep_room": r["after_mlp"]}  # (P,C) each
    lens_logits = {k: L.linear_forward(v, params["lm_head"])[0][-1:] for k, v in streams.items()}  # (1,V)
    lens_logits["prep_room"] = ins.logits[-1:]                # the model's own scores, the same numbers
    lens = {k: vote(v, 1.0)[0] for k, v in lens_logits.items()}  # (V,) each
    target = encode(name)[pos + 1]

    def rms(v):
        return float(np.sqrt(np.mean(v * v)))

    def even(v):
        return rms(v), rms(L.rmsnorm_forward(v[None])[0][0])

    last = {k: v[-1] for k, v in streams.items()}            # (C,) each
    return KitchenPass(
        text=name, pos=pos, tokens=ins.tokens, target=target,
        tok_emb=ins.tok_emb[-1], pos_emb=ins.pos_emb[-1], emb=ins.emb[-1],
        strength={"cards": even(ins.emb[-1]), "sous_chefs": even(last["cards"]), "prep_room": even(last["sous_chefs"])},
        stream=last,
        added={"sous_chefs": last["sous_chefs"] - last["cards"], "prep_room": last["prep_room"] - last["sous_chefs"]},
        attn=ins.attn[0, :, -1, :], mlp_pre=ins.mlp_pre[0, -1], mlp_out=ins.mlp_out[0, -1],
        logits=ins.logits[-1], probs=lens["prep_room"], lens=lens,
        penalty=float(penalty(lens["prep_room"][None], [target])[0]),
    )


__all__ = ["READ_POINTS", "KitchenPass", "kitchen_pass"]
