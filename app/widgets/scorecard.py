"""Chapter 4's scorecard: the diners' penalty points, course by course.

State: name. One engine call: ``engine.inspect.inspect`` on the shipped model.
At each course the diners look at the course that really came next, read the
share Xiao Ming staked on it (``probs[t, target]``) and take off penalty points
(``losses[t]``); the meal's score is their average (``loss``). Two yardsticks
sit beside it: blind guessing (every one of the 27 courses alike) and the
trained apprentice's usual score (the mean of the last 100 practice menus of
the default training run).
"""

import functools
import math

from engine import checkpoint, inspect as inspection
from engine.tokenizer import VOCAB_SIZE

from app.web import i18n
from app.web.i18n import N_
from app.widgets import inside

TYPICAL_FROM, TYPICAL_TO = 901, 1000   # practice menus whose mean is "the usual score"


def score(name):
    """The one engine call behind the widget."""
    return inspection.inspect(checkpoint.default_params(), name)


def blind_score():
    """Blind guessing: one share in 27 on whatever comes next."""
    return math.log(VOCAB_SIZE)


@functools.lru_cache(maxsize=1)
def typical_score():
    """The trained apprentice's usual score: mean over practice menus 901..1000."""
    log = checkpoint.default_log()
    part = log[TYPICAL_FROM - 1: TYPICAL_TO]
    return sum(part) / len(part)


def pts(x):
    return i18n.decimal(x, 2)


class Scorecard(inside.Widget):
    def compute(self, state, lang):
        ins = score(state["name"])
        blind, typical = blind_score(), typical_score()
        losses = [float(x) for x in ins.losses]
        scale = max(losses + [blind]) * 1.05
        rows = []
        for t, (tok, target) in enumerate(zip(ins.tokens, ins.targets)):
            p = float(ins.probs[t, target])
            rows.append({
                "pos": t,
                "after": inside.course(tok, lang),
                "after_label": ins.labels[t],
                "target": inside.course(target, lang),
                "p": p,
                "pct": inside.pct(p),
                "stake_bar": inside.bar(p),
                "loss": losses[t],
                "points": pts(losses[t]),
                "bar": inside.bar(losses[t] / scale),
                "worst": False,
            })
        worst = max(range(len(rows)), key=lambda i: rows[i]["loss"])
        rows[worst]["worst"] = True
        w = rows[worst]
        total = ins.loss
        compare = [
            {"key": "this", "value": total, "points": pts(total), "bar": inside.bar(total / scale),
             "label": f"“{ins.text}”"},
            {"key": "blind", "value": blind, "points": pts(blind), "bar": inside.bar(blind / scale),
             "label": i18n.say(lang, "Guessing blind")},
            {"key": "typical", "value": typical, "points": pts(typical), "bar": inside.bar(typical / scale),
             "label": i18n.say(lang, "Trained Xiao Ming, usually")},
        ]
        n = len(rows)
        summary = i18n.say(lang, "The diners judged “%(name)s” %(n)s times; the average penalty is %(points)s points.",
                           name=ins.text, n=n, points=pts(total))
        if total > blind:
            verdict = i18n.say(lang, "That's worse than guessing blind (%(blind)s): this menu is strange to Xiao Ming.",
                               blind=pts(blind))
        elif total > typical:
            verdict = i18n.say(lang, "Better than guessing blind (%(blind)s), but more than Xiao Ming usually loses (%(typical)s).",
                               blind=pts(blind), typical=pts(typical))
        else:
            verdict = i18n.say(lang, "Better than Xiao Ming's usual score (%(typical)s): this menu suits his palate.",
                               typical=pts(typical))
        sting = i18n.say(lang, "The sharpest sting: after %(after)s, the real next course was %(target)s; Xiao Ming staked only %(share)s on it and lost %(points)s points.",
                         after=w["after"], target=w["target"], share=w["pct"], points=w["points"])
        return {
            "name": ins.text,
            "rows": rows,
            "total": total,
            "total_points": pts(total),
            "sum_points": pts(sum(losses)),
            "n": n,
            "blind": blind,
            "typical": typical,
            "compare": compare,
            "summary": summary,
            "verdict": verdict,
            "sting": sting,
            "blind_x": inside.bar(blind / scale),
        }


SCORECARD = Scorecard(
    name="scorecard",
    chapter=4,
    title=N_("The diners' scorecard"),
    concept=N_("loss"),
    height=900,
    params=(inside.name_param(),),
    assets=("css/widgets/inside.css",),
)
