"""Chapter 2's flavour cards: the numbers on one course's card, and a map of all of them.

State: c (the course whose card is shown: a letter a-z or "bell"), vs (an
optional second course to compare with, empty for none). The card is row
``params["wte"][id]`` of the shipped model, drawn as a strip of cells on a
diverging scale (one colour for positive, another for negative, stronger for
bigger), every value also printed. The map places the cards by
``engine.inspect.card_map`` (their two main directions); which cards are
closest is ``engine.inspect.card_similarity`` and ``nearest_cards``, on all
the numbers of a card (cosine similarity), not on the flattened map.
"""

import math
from dataclasses import dataclass

import numpy as np

from engine import checkpoint, inspect
from engine.tokenizer import BELL, BOS, VOCAB, VOCAB_SIZE, token_label

from app.web import i18n
from app.web.i18n import N_, Message
from app.widgets.base import InputError, Param, Widget
from app.widgets.choices import ascii_lower

LEVELS = 5          # colour steps on each side of zero
N_NEAREST = 4       # closest cards named in the sentence
BELL_WORDS = ("bell", "bos", BELL, BELL[0])

# map geometry, in SVG user units
MAP_W, MAP_PAD = 280, 16     # the height follows the cards' spread, at the same scale


@dataclass(frozen=True)
class Course(Param):
    """One course: a letter a-z, or the bell. ``allow_empty`` makes "none" possible."""

    allow_empty: bool = False

    def parse(self, raw):
        text = ascii_lower(str(raw).strip())  # A-Z only: the kelvin sign is no k
        if not text and self.allow_empty:
            return None
        if len(text) == 1 and text in VOCAB:
            return VOCAB.index(text)
        if text in BELL_WORDS:
            return BOS
        raise InputError(Message("The %(what)s must be one letter a–z, or bell.", what=Message(self.label)), self.key)

    def format(self, value):
        if value is None:
            return ""
        return "bell" if value == BOS else VOCAB[value]

    def schema(self):
        return {"type": "string", "enum": ([""] if self.allow_empty else []) + list(VOCAB) + ["bell"]}


def course_name(i, lang):
    if i == BOS:
        return i18n.say(lang, "the bell 🛎️")
    return VOCAB[i]


def card_sub(i, n_embd, lang):
    """Under a card's name: its course number and how many numbers the card holds."""
    return i18n.say(lang, "(course no. %(i)s), %(n)s numbers", i=i, n=n_embd)


def quote(i, lang):
    """A course named in a sentence: “a”, or the bell."""
    if i == BOS:
        return i18n.say(lang, "the bell")
    return f"“{VOCAB[i]}”"


def strip(values, scale):
    """Display-ready cells of one card: value, its text, and a colour step with its sign."""
    cells = []
    for j, v in enumerate(values):
        v = float(v)
        level = min(LEVELS, math.ceil(abs(v) / scale * LEVELS)) if v else 0
        sign = "pos" if v > 0 else ("neg" if v < 0 else "zero")
        cells.append({
            "n": j + 1,
            "value": repr(v),
            "text": i18n.signed(v),
            "cls": f"fc-{sign}{level}" if level else "fc-zero",
        })
    return cells


def fmt_sim(x):
    return i18n.signed(x)


DOT = {"chosen": 7, "vs": 5.5, "other": 3}     # role -> radius
FONT = {"chosen": 14, "vs": 12, "other": 12}    # role -> label size; a monospace letter is ~0.6 of it wide
GAP = 2                                         # between a dot and its label


def label_spots(r, w, h):
    """Where a label may sit around a dot of radius r, best first, as
    (dx, dy, text-anchor, box) with box = (left, top, right, bottom) relative
    to the dot's centre. The text's baseline is dy below the centre."""
    d = r + GAP
    spots = [
        (d, h * 0.35, "start", (d, -h * 0.5, d + w, h * 0.5)),             # right
        (-d, h * 0.35, "end", (-d - w, -h * 0.5, -d, h * 0.5)),            # left
        (0, -d - h * 0.15, "middle", (-w / 2, -d - h, w / 2, -d)),         # above
        (0, d + h * 0.85, "middle", (-w / 2, d, w / 2, d + h)),            # below
    ]
    c = d * 0.75
    for sx in (1, -1):
        for sy in (-1, 1):                                                 # the four corners
            left = c if sx > 0 else -c - w
            top = -c - h if sy < 0 else c
            spots.append((c * sx, top + h * 0.85, "start" if sx > 0 else "end",
                          (left, top, left + w, top + h)))
    return spots


def overlap(a, b):
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


def place_labels(points, width, height):
    """Give every point a label spot that covers no other label and no dot, if
    there is one; the chosen and compared cards choose first, then the most
    crowded. A point with no free spot keeps the one that covers least."""
    dots = [(p["cx"] - p["r"], p["cy"] - p["r"], p["cx"] + p["r"], p["cy"] + p["r"]) for p in points]
    crowd = {p["id"]: sum((p["cx"] - q["cx"]) ** 2 + (p["cy"] - q["cy"]) ** 2 < 30 ** 2 for q in points)
             for p in points}
    order = sorted(points, key=lambda p: ({"chosen": 0, "vs": 1, "other": 2}[p["role"]], -crowd[p["id"]], p["id"]))
    taken = []
    for p in order:
        h = FONT[p["role"]]
        w = 0.62 * h * len(p["label"])
        best = None
        for dx, dy, anchor, (l, t, rt, b) in label_spots(p["r"], w, h):
            box = (p["cx"] + l, p["cy"] + t, p["cx"] + rt, p["cy"] + b)
            inside = box[0] >= 1 and box[1] >= 1 and box[2] <= width - 1 and box[3] <= height - 1
            hits = sum(overlap(box, o) for o in taken) + sum(
                overlap(box, d) for d, q in zip(dots, points) if q is not p)
            cost = hits * 2 + (0 if inside else 1)
            if best is None or cost < best[0]:
                best = (cost, dx, dy, anchor, box)
            if cost == 0:
                break
        _, p["dx"], p["dy"], p["anchor"], box = best
        p["dx"], p["dy"] = round(p["dx"], 2), round(p["dy"], 2)
        taken.append(box)


def card_map_svg(coords, chosen, vs):
    """Points of the map in SVG units: same scale on both axes, up is positive.
    Returns (points, height)."""
    xs, ys = coords[:, 0].tolist(), coords[:, 1].tolist()
    scale = (MAP_W - 2 * MAP_PAD) / max(max(xs) - min(xs), 1e-9)
    height = round(scale * (max(ys) - min(ys)) + 2 * MAP_PAD)
    cx0 = MAP_PAD - scale * min(xs)
    cy0 = MAP_PAD + scale * max(ys)
    points = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        role = "chosen" if i == chosen else ("vs" if i == vs else "other")
        points.append({
            "id": i,
            "label": token_label(i),
            "x": repr(x),
            "y": repr(y),
            "cx": round(cx0 + scale * x, 2),
            "cy": round(cy0 - scale * y, 2),
            "role": role,
            "r": DOT[role],
        })
    place_labels(points, MAP_W, height)
    # draw the highlighted points last, so they sit on top
    points.sort(key=lambda p: {"other": 0, "vs": 1, "chosen": 2}[p["role"]])
    return points, height


class FlavorCards(Widget):
    def compute(self, state, lang):
        params = checkpoint.default_params()
        wte = params["wte"]                                  # (V,C) one card per course
        coords = inspect.card_map(params)                    # (V,2)
        c, vs = state["c"], state["vs"]
        n_embd = wte.shape[1]
        scale = float(np.abs(wte).max())                     # the strongest colour on every card
        sim = inspect.card_similarity(params)                # (V,V)
        points, map_h = card_map_svg(coords, c, vs)
        order = inspect.nearest_cards(sim, c)
        nearest = order[:N_NEAREST]
        farthest = order[-1]
        near_text = i18n.say(lang, "To Xiao Ming, the cards most like %(c)s are %(near)s; the least alike is %(far)s.",
                             c=quote(c, lang), near=i18n.join([quote(j, lang) for j in nearest], lang),
                             far=quote(farthest, lang))
        cards = [{"id": c, "name": course_name(c, lang), "sub": card_sub(c, n_embd, lang),
                  "cells": strip(wte[c], scale), "role": "chosen"}]
        compare = None
        if vs is not None:
            cards.append({"id": vs, "name": course_name(vs, lang), "sub": card_sub(vs, n_embd, lang),
                          "cells": strip(wte[vs], scale), "role": "vs"})
            s = float(sim[c, vs])
            rank = order.index(vs) + 1 if vs != c else 0
            more = rank - 1          # cards more like c than vs is
            pair = {"c": quote(c, lang), "vs": quote(vs, lang), "sim": fmt_sim(s), "others": VOCAB_SIZE - 2}
            if rank == 0:
                text = i18n.say(lang, "Closeness of %(c)s and %(vs)s: %(sim)s. The same card, so of course identical.", **pair)
            elif more == 0:
                text = i18n.say(lang, "Closeness of %(c)s and %(vs)s: %(sim)s. Of the other %(others)s cards, none is more like %(c)s than %(vs)s is.", **pair)
            else:
                text = i18n.say_n(lang, "Closeness of %(c)s and %(vs)s: %(sim)s. Of the other %(others)s cards, %(num)s is more like %(c)s than %(vs)s is.",
                                  "Closeness of %(c)s and %(vs)s: %(sim)s. Of the other %(others)s cards, %(num)s are more like %(c)s than %(vs)s is.",
                                  more, **pair)
            compare = {"sim": fmt_sim(s), "text": text}
        table = [
            {
                "label": token_label(j),
                "sim": fmt_sim(float(sim[c, j])),
                "x": i18n.signed(coords[j, 0]),
                "y": i18n.signed(coords[j, 1]),
                "chosen": j == c,
            }
            for j in [c, *order]
        ]
        rows = [
            {"n": j + 1, "cols": [cd["cells"][j]["text"] for cd in cards]}
            for j in range(n_embd)
        ]
        legend_text = i18n.say(lang, "The stronger the colour, the bigger the number (up to about ±%(scale)s). Each value is printed under its cell.",
                               scale=i18n.decimal(scale, 2))
        map_caption = i18n.say(lang, "A card has %(n)s numbers, too many to draw; this map keeps only the two directions in which the cards differ most. Courses that are alike sit close together. The big dot is your course.",
                               n=n_embd)
        table_summary = i18n.say(lang, "Show as a table: how alike each card is to %(c)s", c=token_label(c))
        fine_print = i18n.say(lang, "Closeness is measured on all %(n)s numbers of a card, by cosine similarity: 1 means pointing the same way, 0 unrelated, −1 opposite. The map is a flattened sketch, so its distances are only roughly right.",
                              n=n_embd)
        return {
            "legend_text": legend_text,
            "map_caption": map_caption,
            "table_summary": table_summary,
            "fine_print": fine_print,
            "c": c,
            "vs": vs,
            "label": token_label(c),
            "name": course_name(c, lang),
            "n_embd": n_embd,
            "cards": cards,
            "rows": rows,
            "compare": compare,
            "near_text": near_text,
            "nearest": [token_label(j) for j in nearest],
            "points": points,
            "map_w": MAP_W,
            "map_h": map_h,
            "table": table,
            "choices": [{"value": "bell" if i == BOS else VOCAB[i], "label": token_label(i), "id": i}
                        for i in range(VOCAB_SIZE)],
        }


FLAVOR_CARDS = FlavorCards(
    name="flavor-cards",
    chapter=2,
    title=N_("Flavour cards"),
    concept=N_("embedding"),
    height=1160,
    params=(
        Course("c", VOCAB.index("a"), N_("course")),
        Course("vs", None, N_("course to compare with"), allow_empty=True),
    ),
    assets=("css/widgets/flavor-cards.css",),
)
