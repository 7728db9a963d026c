"""Chapter 3's sous-chefs' table: the four heads' attention over a name.

State: name (the menu) and pos (the course whose moment we look at: 0 is the
opening bell). One engine call: ``engine.inspect.inspect`` on the shipped
model; its ``attn[0]`` holds, for each of the four sous-chefs, a T×T grid
whose row t gives the weights over the courses 0..t (the future is zero).
"""

from markupsafe import Markup, escape

from engine import checkpoint, inspect as inspection

from app.widgets import inside
from app.web import i18n
from app.web.i18n import N_

STRONG = 0.5   # a sous-chef whose top weight is below this "spreads his gaze"
LABEL_AT, LABEL_PX = 352, 13   # a grid's widest drawing (22rem, in the stylesheet) and its labels' size there


def attention(name):
    """The one engine call behind the widget (and /api/attention's)."""
    return inspection.inspect(checkpoint.default_params(), name)


def heat_cells(grid):
    """The drawn squares of one grid, as SVG markup: the lower triangle only, darker for more.

    Built here rather than in the partial because a 16-course name has 136
    squares per sous-chef; each square is numbers only."""
    T = grid.shape[0]
    rects = [
        f'<rect class="cell" x="{s + 1}" y="{t + 1}" width="1" height="1" fill-opacity="{0.06 + 0.94 * float(grid[t, s]):.3f}"/>'
        for t in range(T) for s in range(t + 1)
    ]
    return Markup("".join(rects))


def frame(labels, pos):
    """What every grid shares, as SVG markup: the course labels along the top and the
    left, the staircase of courses not served yet, and the outline of the chosen row."""
    T = len(labels)
    # The grid is drawn at most LABEL_AT wide whatever the name's length, so
    # the labels are sized in grid squares to come out near LABEL_PX there.
    fs = min(0.62, LABEL_PX * (T + 1) / LABEL_AT)
    parts = [f'<g class="heat-labels" font-size="{fs:.3f}">']
    for i, lab in enumerate(labels):
        lab = escape(lab)
        parts.append(f'<text class="heat-label" x="{i + 1.5}" y="{0.5 + fs * 0.38:.3f}">{lab}</text>'
                     f'<text class="heat-label" x="0.5" y="{i + 1.5 + fs * 0.38:.3f}">{lab}</text>')
    parts.append("</g>")
    for t in range(T - 1):
        parts.append(f'<rect class="future" x="{t + 2}" y="{t + 1}" width="{T - t - 1}" height="1"/>')
    sel = f'<rect class="sel" x="1" y="{pos + 1}" width="{T}" height="1"/>'
    return Markup("".join(parts)), Markup(sel)


def table_cells(grid, t):
    """One row of a sous-chef's table as <td> markup: the shares, a dash for the future."""
    T = grid.shape[0]
    return Markup("".join(
        f"<td>{escape(inside.pct(grid[t, s]))}</td>" if s <= t else "<td>—</td>" for s in range(T)
    ))


class SousChefs(inside.CoursePicker):
    def compute(self, state, lang):
        ins = attention(state["name"])
        att = ins.attn[0]                                 # (H,T,T)
        tokens = ins.tokens
        T = len(tokens)
        pos = state["pos"]
        labels = ins.labels
        heads = []
        for h in range(att.shape[0]):
            grid = att[h]
            row = grid[pos, : pos + 1]
            top = int(row.argmax())
            looks = [
                {
                    "pos": s,
                    "label": labels[s],
                    "pct": inside.pct(row[s]),
                    "bar": inside.bar(row[s]),
                    "top": s == top,
                    "w": float(row[s]),
                }
                for s in range(pos + 1)
            ]
            who = inside.course(tokens[top], lang)
            share = inside.pct(row[top])
            if pos == 0:
                sentence = i18n.say(lang, "Sous-chef %(n)s has nothing behind him, so he can only look at the bell itself (%(share)s).",
                                    n=h + 1, share=share)
            else:
                sentence = i18n.sentences(
                    lang,
                    i18n.say(lang, "Sous-chef %(n)s looked mostly at %(who)s (order tag %(pos)s): %(share)s.",
                             n=h + 1, who=who, pos=top, share=share),
                    i18n.say(lang, "His gaze is spread out.") if row[top] < STRONG else "")
            table = [
                {"label": labels[t], "pos": t, "cells": table_cells(grid, t)}
                for t in range(T)
            ]
            heads.append({
                "n": h + 1,
                "cells": heat_cells(grid),
                "looks": looks,
                "total": inside.pct(row.sum()),
                "total_w": float(row.sum()),
                "sentence": sentence,
                "table": table,
            })
        grid_frame, grid_sel = frame(labels, pos)
        chosen = inside.course(tokens[pos], lang)
        focus = i18n.say_n(lang, "Chosen: %(course)s, order tag %(pos)s. Looking back, it can see %(num)s course, itself included.",
                           "Chosen: %(course)s, order tag %(pos)s. Looking back, it can see %(num)s courses, itself included.",
                           pos + 1, course=chosen, pos=pos)
        return {
            "name": ins.text,
            "T": T,
            "size": T + 1,
            "pos": pos,
            "courses": inside.courses(tokens, pos),
            "labels": [{"pos": i, "label": lab} for i, lab in enumerate(labels)],
            "heads": heads,
            "frame": grid_frame,
            "sel": grid_sel,
            "focus": focus,
        }


SOUS_CHEFS = SousChefs(
    name="sous-chefs",
    chapter=3,
    title=N_("The sous-chefs' meeting: whom each one looked back at"),
    concept=N_("attention"),
    height=1600,
    params=(inside.name_param(), inside.pos_param(3)),
    assets=("css/widgets/inside.css",),
)
