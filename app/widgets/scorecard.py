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

from app.widgets import inside
from app.web.i18n import N_

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
    return f"{x:.2f}"


class Scorecard(inside.Widget):
    def compute(self, state, lang):
        zh = lang == "zh"
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
             "label": f"“{ins.text}”" if zh else f"“{ins.text}”"},
            {"key": "blind", "value": blind, "points": pts(blind), "bar": inside.bar(blind / scale),
             "label": "闭眼瞎猜" if zh else "Guessing blind"},
            {"key": "typical", "value": typical, "points": pts(typical), "bar": inside.bar(typical / scale),
             "label": "练好的小明平时" if zh else "Trained Xiao Ming, usually"},
        ]
        n = len(rows)
        if zh:
            summary = f"“{ins.text}”一共评了 {n} 次，平均扣 {pts(total)} 分。"
            if total > blind:
                verdict = f"比闭着眼睛瞎猜（{pts(blind)}）还差：这套菜在小明看来很陌生。"
            elif total > typical:
                verdict = f"比瞎猜（{pts(blind)}）好，但比小明平时（{pts(typical)}）扣得多。"
            else:
                verdict = f"比小明平时的分数（{pts(typical)}）还好：这套菜很合他的口味。"
            sting = f"扣得最狠的一次：{w['after']}之后，真正的下一道是{w['target']}，小明只押了 {w['pct']}，扣 {w['points']} 分。"
        else:
            summary = f"The diners judged “{ins.text}” {n} times; the average penalty is {pts(total)} points."
            if total > blind:
                verdict = f"That's worse than guessing blind ({pts(blind)}): this menu is strange to Xiao Ming."
            elif total > typical:
                verdict = f"Better than guessing blind ({pts(blind)}), but more than Xiao Ming usually loses ({pts(typical)})."
            else:
                verdict = f"Better than Xiao Ming's usual score ({pts(typical)}): this menu suits his palate."
            sting = (f"The sharpest sting: after {w['after']}, the real next course was {w['target']}; "
                     f"Xiao Ming staked only {w['pct']} on it and lost {w['points']} points.")
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
