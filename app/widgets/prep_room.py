"""Chapter 3's prep room: the 64 kitchen hands and their quality inspector.

State: name (the menu) and pos (the course being thought over). One engine
call: ``engine.inspect.inspect`` on the shipped model. At that course,
``mlp_pre`` is each hand's idea before the inspector, ``mlp_post`` what he let
through (negative ideas are poured away, counted as zero) and ``mlp_out`` how
much each hand's surviving idea adds to the dish.
"""

import numpy as np
from markupsafe import Markup

from engine import checkpoint, inspect as inspection

from app.widgets import inside
from app.web import i18n
from app.web.i18n import N_

COLS = 8       # the grid of hands is 8 × 8
TOP = 5        # how many of the biggest contributors are listed


def prep_room(name):
    """The one engine call behind the widget."""
    return inspection.inspect(checkpoint.default_params(), name)


def fmt(x):
    """A signed idea or contribution, two decimals, with a true minus sign."""
    return i18n.signed(x)


# The grid and the table of 64 hands are built here as markup (numbers and fixed
# words only), because 64 × 11 template expressions cost more than the engine call.


class PrepRoom(inside.CoursePicker):
    def compute(self, state, lang):
        ins = prep_room(state["name"])
        pos = state["pos"]
        pre = ins.mlp_pre[0, pos]                       # (M,) ideas before the inspector
        post = ins.mlp_post[0, pos]                     # (M,) after: negatives poured away
        out = ins.mlp_out[0, pos]                       # (M,) contribution to the dish
        passed = pre > 0
        n_pass = int(passed.sum())
        M = pre.shape[0]
        biggest = float(out.max()) if n_pass else 0.0
        workers = []
        for i in range(M):
            ok = bool(passed[i])
            size = 0.25 + 0.7 * np.sqrt(out[i] / biggest) if ok and biggest > 0 else 0.0
            r, c = divmod(i, COLS)
            workers.append({
                "n": i + 1,
                "passed": ok,
                "s": round(float(size), 3),
                "x0": round(c + 0.5 - float(size) / 2, 3),
                "bx": c + 0.2,
                "by": r + 0.2,
                "mark": f"M{c + 0.35:g} {r + 0.35:g}l0.3 0.3m0 -0.3l-0.3 0.3",
                "y0": round(r + 0.5 - float(size) / 2, 3),
                "idea": fmt(pre[i]),
                "kept": fmt(post[i]) if ok else "0",
                "adds": i18n.decimal(out[i], 2),
                "pre": float(pre[i]),
                "out": float(out[i]),
            })
        grid = Markup("".join(
            f'<rect class="hand pass" x="{k["x0"]}" y="{k["y0"]}" width="{k["s"]}" height="{k["s"]}" rx="0.08"/>'
            if k["passed"] else
            f'<g class="hand poured"><rect x="{k["bx"]}" y="{k["by"]}" width="0.6" height="0.6" rx="0.08"/><path d="{k["mark"]}"/></g>'
            for k in workers
        ))
        verdicts = (i18n.say(lang, "let through"), i18n.say(lang, "poured away"))
        rows = Markup("".join(
            f'<tr class="{"pass" if k["passed"] else "poured"}"><th scope="row">{k["n"]}</th><td>{k["idea"]}</td>'
            f'<td>{verdicts[0] if k["passed"] else verdicts[1]}</td><td>{k["kept"]}</td><td>{k["adds"]}</td></tr>'
            for k in workers
        ))
        order = [int(i) for i in np.argsort(-out, kind="stable") if passed[i]][:TOP]
        top = [{
            "n": i + 1,
            "idea": fmt(pre[i]),
            "adds": i18n.decimal(out[i], 2),
            "bar": inside.bar(out[i] / biggest) if biggest > 0 else 0,
        } for i in order]
        chosen = inside.course(ins.tokens[pos], lang)
        share = n_pass / M
        count = i18n.say(lang, "Of %(n)s kitchen hands, the inspector let %(passed)s through and poured %(poured)s away.",
                         n=M, passed=n_pass, poured=M - n_pass)
        focus = i18n.say(lang, "%(course)s (order tag %(pos)s) comes into the prep room.", course=chosen, pos=pos)
        if n_pass == 0:
            verdict = i18n.say(lang, "This time every idea went down the sink: the prep room adds nothing to the pot, "
                                     "and the pot goes on unchanged.")
        elif share <= 0.25:
            verdict = i18n.say(lang, "Most ideas went down the sink; only a handful survived.")
        else:
            verdict = i18n.say(lang, "This time a fair number of ideas survived.")
        return {
            "name": ins.text,
            "pos": pos,
            "courses": inside.courses(ins.tokens, pos),
            "workers": workers,
            "grid": grid,
            "rows": rows,
            "n_pass": n_pass,
            "n_poured": M - n_pass,
            "n_workers": M,
            "viewbox": f"-0.1 -0.1 {COLS + 0.2:g} {M // COLS + 0.2:g}",
            "top": top,
            "count": count,
            "focus": focus,
            "verdict": verdict,
        }


PREP_ROOM = PrepRoom(
    name="prep-room",
    chapter=3,
    title=N_("The prep room: whom the inspector let through"),
    concept=N_("MLP · ReLU"),
    height=700,
    params=(inside.name_param(), inside.pos_param(3)),
    assets=("css/widgets/inside.css",),
)
