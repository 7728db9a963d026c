"""Chapter 6's practice kitchen: train the apprentice from scratch and watch the score fall.

State: lr (the weight of the hand), opt (adam = the old master, sgd = a
plain cook, both = the two side by side on the same menus), steps, seed and
go (0 = not started yet, 1 = show the finished run). A run is fully
determined by (seed, lr, optimiser, steps): a link replays the same curve.

One engine computation, ``engine.train.practice_run``: the reference start for
the seed, then training, with dishes sampled (fixed seed) at menus 1, 100,
500, 1,000 and the last one; every step of the finished run. The page drawn
without JavaScript and the live stream (``/api/train``, app/api/streams.py,
which replays the run's events at the page's pace) both ask for it in the
worker's training helper (app/training/helper.py), let in at the worker's gate
(app/widgets/admission.py); the engine memoises it there, so a link or the end
of a live run finds it computed.

A run whose score stops being a number (too heavy a hand) ends there, and
the page says so.
"""

import inspect
import json
import math

from engine import train as training
from engine.tokenizer import VOCAB_SIZE
from engine.train import DISH_N, DISH_SEED, DISH_T, MILESTONES, milestones  # noqa: F401

from app.model_facts.limits import PRACTICE_LR_MAX as LR_MAX, PRACTICE_LR_MIN as LR_MIN, PRACTICE_STEPS_MAX as STEPS_MAX
from app.web import i18n
from app.web.i18n import N_
from app.model_facts.limits import SEED_MAX
from app.widgets import admission
from app.widgets.base import Number, Widget
from app.widgets.choices import Choice
SMOOTH = 50           # the curve is the running mean over this many menus
OPTIMIZERS = ("adam", "sgd")

# chart geometry, shared with static/js/widgets/practice.js through data attributes
W, H = 560, 300
X0, X1, Y0, Y1 = 42, 536, 14, 266     # plot area: left, right, top, bottom
LO, HI = 1.5, 4.0                      # score range drawn (clipped beyond)
Y_TICKS = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
MAX_POINTS = 200


def get_runs(seed, lr, optimizers, steps):
    """The finished runs for a query, one per optimiser, computed in the worker's training
    helper (let in at the worker's gate together; memoised by the engine)."""
    return admission.in_helper_all([(training.practice_run, (seed, lr, o, steps)) for o in optimizers])


def running_mean(losses, window=SMOOTH):
    """Mean of the last ``window`` losses at each step (fewer at the start)."""
    out = []
    total = 0.0
    for i, x in enumerate(losses):
        total += x
        if i >= window:
            total -= losses[i - window]
        out.append(total / min(i + 1, window))
    return out


def point_steps(steps):
    """The steps drawn as polyline points: the first, every k-th, the last."""
    k = max(1, math.ceil(steps / MAX_POINTS))
    return [s for s in range(1, steps + 1) if s == 1 or s % k == 0 or s == steps]


def x_of(step, steps):
    return X0 + (step - 1) / max(1, steps - 1) * (X1 - X0)


def y_of(loss):
    clipped = min(max(loss, LO), HI)
    return Y1 - (clipped - LO) / (HI - LO) * (Y1 - Y0)


def x_ticks(steps):
    values = sorted({1, steps} | {(steps * k + 2) // 4 for k in (1, 2, 3)} if steps >= 8 else {1, steps})
    return [{"x": f"{x_of(v, steps):.1f}", "label": i18n.integer(v)} for v in values if v >= 1]


def fmt(x):
    return i18n.decimal(x, 2)


# The words the page and static/js/widgets/practice.js say, in the page's language ({n} and
# {total} are filled in where they are shown).
WORDS = {
    "adam": N_("the old master with a memory"), "adam_small": "Adam",
    "sgd": N_("the plain cook with no memory"), "sgd_small": "SGD",
    "menu": N_("menu {n}"),
    "running": N_("Practising: menu {n} of {total}."),
    "served": N_("His dishes after menu {n} are in."),
    "stopped": N_("Stopped at menu {n}. The practice on the server stopped too."),
    "finished": N_("Practice finished."),
    "broke": N_("Menu {n}: the hand was so heavy the score is no longer a number; practice stops."),
    "failed": N_("Practice could not start. Please try again."),
}
NAMES = {"adam_small", "sgd_small"}   # the teachers' own names, the same in every language
WHO = {"adam": N_("The old master with a memory"), "sgd": N_("The plain cook with no memory")}   # at a sentence's start


def words_in(lang):
    """``WORDS`` in ``lang``."""
    return {key: text if key in NAMES else i18n.say(lang, text) for key, text in WORDS.items()}


class Practice(Widget):
    def compute(self, state, lang):
        """Display-ready context for the finished runs (from ``get_runs``)."""
        steps, lr, seed = state["steps"], state["lr"], state["seed"]
        opts = OPTIMIZERS if state["opt"] == "both" else (state["opt"],)
        words = words_in(lang)
        lines, table, summary = [], [], []
        lr_text = self.params[0].format(lr)
        if state["go"]:
            runs = get_runs(seed, lr, opts, steps)
            smooths = [running_mean(run.losses) for run in runs]
            xs = point_steps(steps)
            for o, run, smooth in zip(opts, runs, smooths):
                pts = " ".join(f"{x_of(s, steps):.1f},{y_of(smooth[s - 1]):.1f}" for s in xs if s <= len(smooth))
                last = fmt(smooth[-1]) if smooth else None
                lines.append({"opt": o, "label": words[o], "small": words[f"{o}_small"], "points": pts})
                summary.append(self._sentence(lang, o, run, steps, last))
            reached = max(len(run.losses) for run in runs)
            for m in milestones(steps):
                if m > reached:
                    continue  # the run broke before this menu
                row = {"menu": words["menu"].format(n=i18n.integer(m)), "cells": []}
                for o, run, smooth in zip(opts, runs, smooths):
                    dishes = next((d.names for d in run.dishes if d.step == m), ())
                    if m <= len(run.losses):
                        row["cells"].append({"opt": o, "label": words[o], "loss": fmt(run.losses[m - 1]),
                                             "smooth": fmt(smooth[m - 1]), "dishes": [n or "🛎️" for n in dishes]})
                    else:
                        row["cells"].append({"opt": o, "label": words[o], "loss": "—", "smooth": "—", "dishes": []})
                table.append(row)
        return {
            "go": bool(state["go"]),
            "lines": lines,
            "table": table,
            "summary": summary,
            "opts": [{"opt": o, "label": words[o], "small": words[f"{o}_small"]} for o in opts],
            "steps": steps,
            "lr": lr_text,
            "x_ticks": x_ticks(steps),
            "y_ticks": [{"y": f"{y_of(v):.1f}", "label": i18n.decimal(v, 1)} for v in Y_TICKS],
            "blind_y": f"{y_of(math.log(VOCAB_SIZE)):.1f}",
            "blind": fmt(math.log(VOCAB_SIZE)),
            "geom": self._geom(),
            "milestones": ",".join(str(m) for m in milestones(steps)),
            "marks_text": i18n.join([i18n.integer(m) for m in MILESTONES], lang),
            "lr_min": f"{LR_MIN:g}", "lr_max": f"{LR_MAX:g}", "steps_max": STEPS_MAX, "seed_max": SEED_MAX,
            "smooth": SMOOTH,
            "geom_json": json.dumps({**self._geom(), "steps": steps, "milestones": list(milestones(steps)),
                                    "marks": list(MILESTONES)}),
            "words_json": json.dumps(words, ensure_ascii=False),
        }

    @staticmethod
    def _geom():
        return {"w": W, "h": H, "x0": X0, "x1": X1, "y0": Y0, "y1": Y1, "lo": LO, "hi": HI,
                "smooth": SMOOTH, "max_points": MAX_POINTS}

    def _sentence(self, lang, opt, run, steps, last):
        n = len(run.losses)
        who = i18n.say(lang, WHO[opt])
        if run.broke_at is not None:
            return i18n.say(lang, "%(who)s: the hand was so heavy that the knobs flew off their dials; by menu %(n)s the score was no longer a number, so practice stopped there.",
                            who=who, n=i18n.integer(run.broke_at))
        if n == 1:
            return i18n.say(lang, "%(who)s: %(first)s on menu 1, the only one practised.", who=who, first=fmt(run.losses[0]))
        return i18n.say(lang, "%(who)s: %(first)s on menu 1; after %(n)s menus, %(last)s on average over the last %(window)s.",
                        who=who, first=fmt(run.losses[0]), n=i18n.integer(n), last=last, window=min(SMOOTH, n))


REFERENCE = {k: p.default for k, p in inspect.signature(training.practice).parameters.items()}  # the engine's own run

PRACTICE = Practice(
    name="practice",
    chapter=6,
    title=N_("The practice kitchen: Xiao Ming learns from scratch"),
    height=1090,
    params=(
        Number("lr", REFERENCE["lr"], N_("weight of the hand (learning rate)"), lo=LR_MIN, hi=LR_MAX),
        Choice("opt", "adam", N_("teacher"), options=("adam", "sgd", "both")),
        Number("steps", REFERENCE["steps"], N_("number of practice menus"), lo=1, hi=STEPS_MAX, integer=True),
        Number("seed", REFERENCE["seed"], N_("kitchen number (seed)"), lo=0, hi=SEED_MAX, integer=True),
        Number("go", 0, N_("start"), lo=0, hi=1, integer=True),
    ),
    assets=("css/widgets/practice.css", "js/widgets/practice.js"),
)
