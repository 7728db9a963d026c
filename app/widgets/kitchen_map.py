"""The end of chapter 3: the whole kitchen at a glance, for one course of a name.

State: name and pos (the course in hand; default "emma" at order tag 3, the
second m: "emm" about to serve its next course). One engine call:
``engine.inspect.kitchen_pass``, the whole line for that moment. Every
station, top to bottom in the order the model runs, links to the widget that
shows it in detail, in the same state; at three read-points the map shows the
vote the pass would give if the line stopped there (a logit lens).
"""

from urllib.parse import urlencode

import numpy as np
from markupsafe import Markup

from engine import checkpoint, lens
from engine.tokenizer import BOS, VOCAB, encode, token_label

from app.widgets import inside
from app.web import i18n
from app.web.i18n import N_
from app.widgets.flavor_cards import FLAVOR_CARDS
from app.widgets.knob_wall import KNOB_WALL
from app.widgets.next_dish import NEXT_DISH
from app.widgets.notebook import NOTEBOOK
from app.widgets.prep_room import PREP_ROOM
from app.widgets.scorecard import SCORECARD
from app.widgets.sous_chefs import SOUS_CHEFS
from app.widgets.tokenizer import TOKENIZER

TOP = 5            # courses listed in each vote
TOP_WORKERS = 3    # strongest prep-room workers named
CELL_PX = 28       # width of one course's column in the sous-chefs' bars
BAR_H = 2.2        # height of a whole (100%) bar, in columns


def whole_pass(name, pos):
    """The one engine call behind the widget."""
    return lens.kitchen_pass(checkpoint.default_params(), name, pos)


def num(x, digits=2):
    """A signed number with a true minus sign."""
    return i18n.decimal(x, digits).replace("-", "−")


def strip(values, scale):
    """A flavour card (n_embd numbers) as SVG cells, one colour for + and one for −, stronger for bigger."""
    return Markup("".join(
        f'<rect class="{"plus" if v >= 0 else "minus"}" x="{i}" y="0" width="1" height="1" '
        f'fill-opacity="{0.08 + 0.92 * min(abs(float(v)) / scale, 1.0):.3f}"/>'
        for i, v in enumerate(values)
    ))


DETAIL = {w.name: w for w in (TOKENIZER, FLAVOR_CARDS, SOUS_CHEFS, PREP_ROOM, NEXT_DISH, SCORECARD, KNOB_WALL, NOTEBOOK)}


def chapter_link(lang, widget, state):
    """The address of ``widget`` in its home chapter, in ``state`` (its keys namespaced)."""
    w = DETAIL[widget]
    assert set(state) <= {p.key for p in w.params}, (widget, state)
    query = urlencode({f"{widget}.{k}": v for k, v in state.items()})
    return f"/{lang}/chapter/{w.chapter}?{query}#w-{widget}"


def vote_rows(probs, target, lang):
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))[:TOP]
    return [{
        "tok": i,
        "label": inside.course(i, lang),
        "short": token_label(i),
        "p": float(probs[i]),
        "pct": inside.pct(probs[i]),
        "bar": inside.bar(probs[i]),
        "real": i == target,
    } for i in order]


READ_NAMES = (N_("After the cards and tags"), N_("After the sous-chefs"), N_("After the prep room"))


def letter(tok):
    return "bell" if tok == BOS else VOCAB[tok]


class KitchenMap(inside.CoursePicker):
    def compute(self, state, lang):
        name, pos = state["name"], state["pos"]
        kp = whole_pass(name, pos)
        labels = [token_label(t) for t in kp.tokens]
        tok = kp.tokens[-1]
        here = inside.course(tok, lang)
        real = inside.course(kp.target, lang)
        prefix = name[:pos]

        # each station's widget in detail, in the same state: (widget, its state)
        detail = {
            "course": ("tokenizer", {"text": name}),
            "cards": ("flavor-cards", {"c": letter(tok)}),
            "sous_chefs": ("sous-chefs", {"name": name, "pos": pos}),
            "prep_room": ("prep-room", {"name": name, "pos": pos}),
            "pass": ("knob-wall", {"name": name, "station": "lm_head"}),
            "vote": ("next-dish", {"prefix": prefix, "t": 1}),
            "die": ("notebook", {"menu": prefix, "t": 1}),   # the die of this very vote
            "score": ("scorecard", {"name": name}),
        }
        links = {key: chapter_link(lang, widget, st) for key, (widget, st) in detail.items()}
        chapters = {key: DETAIL[widget].chapter for key, (widget, _) in detail.items()}   # where each link goes

        scale = float(max(np.abs(kp.tok_emb).max(), np.abs(kp.pos_emb).max(), np.abs(kp.emb).max()))
        strips = []
        for key, values, label in (
            ("card", kp.tok_emb, i18n.say(lang, "Flavour card of %(course)s", course=here)),
            ("tag", kp.pos_emb, i18n.say(lang, "Order tag %(pos)s", pos=pos)),
            ("sum", kp.emb, i18n.say(lang, "Card + tag")),
        ):
            strips.append({"key": key, "label": label, "cells": strip(values, scale),
                           "view": f"0 0 {len(values)} 1", "numbers": [num(v) for v in values]})

        def evened(key):
            before, after = kp.strength[key]
            return {"before": num(before), "after": num(after)}

        heads = []
        for h in range(kp.attn.shape[0]):
            row = kp.attn[h]                                  # (P,)
            top = int(row.argmax())
            bars = Markup("".join(
                f'<rect class="track" x="{s + 0.15:.2f}" y="0" width="0.7" height="{BAR_H}"/>'
                f'<rect class="{"top" if s == top else "look"}" x="{s + 0.15:.2f}" y="{BAR_H * (1 - float(w)):.3f}" '
                f'width="0.7" height="{BAR_H * float(w):.3f}"/>'
                f'<text x="{s + 0.5}" y="{BAR_H + 0.55:.2f}">{Markup.escape(labels[s])}</text>'
                for s, w in enumerate(row)
            ))
            who = inside.course(kp.tokens[top], lang)
            share = inside.pct(row[top])
            sentence = i18n.say(lang, "Sous-chef %(n)s: mostly %(who)s, order tag %(tag)s (%(share)s)",
                                n=h + 1, who=who, tag=top, share=share)
            heads.append({"n": h + 1, "bars": bars, "sentence": sentence,
                          "shares": [{"label": labels[s], "pos": s, "pct": inside.pct(w)} for s, w in enumerate(row)]})
        width = len(labels) * CELL_PX

        pre, out = kp.mlp_pre, kp.mlp_out
        n_pass = int((pre > 0).sum())
        strongest = [int(i) for i in np.argsort(-out, kind="stable") if pre[i] > 0][:TOP_WORKERS]
        workers = [{"n": i + 1, "adds": num(out[i])} for i in strongest]

        def added(key):
            return {"ladle": num(float(np.sqrt(np.mean(kp.added[key] ** 2)))),
                    "pot": num(float(np.sqrt(np.mean(kp.stream[key] ** 2))))}

        reads = []
        for i, key in enumerate(lens.READ_POINTS):
            p = kp.lens[key]
            fav = int(np.argmax(p))
            reads.append({
                "key": key,
                "n": i + 1,
                "rows": vote_rows(p, kp.target, lang),
                "real_pct": inside.pct(p[kp.target]),
                "real_p": float(p[kp.target]),
                "fav": inside.course(fav, lang),
                "fav_pct": inside.pct(p[fav]),
            })
        for r, label in zip(reads, READ_NAMES):
            r["label"] = i18n.say(lang, label)

        lo, hi = float(kp.logits.min()), float(kp.logits.max())
        vote = vote_rows(kp.probs, kp.target, lang)
        penalty = num(kp.penalty)
        real_pct = inside.pct(kp.probs[kp.target])
        so_far = "".join(labels[1:]) if pos else ""
        focus = i18n.say(lang, "Order tag %(pos)s of “%(name)s”: on the table %(table)s, the course in hand is %(here)s, and the line decides what comes next.",
                         pos=pos, name=name, table=" ".join(labels), here=here)
        die = i18n.say(lang, "Xiao Ming rolls a die weighted by this vote: a bigger share is a bigger face. In “%(name)s” the real next course was %(real)s; the vote gave it %(share)s, and the diners take off %(penalty)s points.",
                       name=name, real=real, share=real_pct, penalty=penalty)
        moved = i18n.say(lang, "The real next course, %(real)s, got %(first)s → %(second)s → %(third)s of the vote.",
                         real=real, first=reads[0]["real_pct"], second=reads[1]["real_pct"], third=reads[2]["real_pct"])
        return {
            "name": name,
            "pos": pos,
            "courses": inside.courses(encode(name)[:-1], pos),
            "so_far": [{"label": lab, "here": i == pos, "pos": i} for i, lab in enumerate(labels)],
            "so_far_text": so_far,
            "here": here,
            "real": real,
            "focus": focus,
            "links": links,
            "chapters": chapters,
            "strips": strips,
            "rinse": {k: evened(k) for k in lens.READ_POINTS},
            "heads": heads,
            "n_heads": len(heads),
            "heads_width": width,
            "heads_view": f"0 0 {len(labels)} {BAR_H + 0.7:g}",
            "n_pass": n_pass,
            "n_workers": int(pre.shape[0]),
            "workers": workers,
            "added": {"sous_chefs": added("sous_chefs"), "prep_room": added("prep_room")},
            "reads": reads,
            "lo": num(lo),
            "hi": num(hi),
            "n_scores": int(kp.logits.shape[0]),
            "n_embd": int(kp.emb.shape[0]),
            "vote": vote,
            "die": die,
            "moved": moved,
            "penalty": penalty,
        }


KITCHEN_MAP = KitchenMap(
    name="kitchen-map",
    chapter=3,
    title=N_("The whole kitchen at a glance"),
    concept=N_("logit lens"),
    height=2960,
    params=(inside.name_param(), inside.pos_param(3)),
    assets=("css/widgets/inside.css", "css/widgets/kitchen-map.css"),
)
