"""Small helpers shared by the widgets that look inside the kitchen line.

The sous-chefs, the prep room, the next-dish vote, the scorecard and the
notebook all label courses, print shares as percentages and let the reader
pick one course of a name. Nothing here calls the engine.
"""

from engine.tokenizer import BOS, token_label

from app.model_facts.limits import MAX_LETTERS
from app.web import i18n
from app.web.i18n import N_
from app.widgets.base import Letters, Number, Widget

def pct(p, digits=1):
    """A share as a percentage for display: 0.6234 -> "62.3%"; tiny shares stay visible."""
    p = float(p)
    if p <= 0:
        return "0%"
    if p < 0.5 * 10 ** (-digits) / 100:
        return "<" + i18n.percent(10 ** (-digits) / 100, digits)
    return i18n.percent(p, digits)


def bar(p):
    """Width of a bar (0..100 in an SVG viewBox of 100) for a share p in [0, 1]."""
    return round(min(max(float(p), 0.0), 1.0) * 100, 2)


def course(tok, lang):
    """How one course is named in a sentence: the bell in words, a letter quoted."""
    if tok == BOS:
        return i18n.say(lang, "🛎️ the bell")
    return i18n.say(lang, "‘%(course)s’", course=token_label(tok))


def courses(tokens, chosen=None):
    """The courses of a name for a picker: label, order tag, and whether chosen."""
    return [
        {"pos": i, "label": token_label(t), "is_bell": t == BOS, "chosen": i == chosen}
        for i, t in enumerate(tokens)
    ]


def name_param(default="emma"):
    return Letters("name", default, N_("name"), max_len=MAX_LETTERS, allow_empty=False)


def pos_param(default):
    return Number("pos", default, N_("course (position)"), lo=0, hi=MAX_LETTERS, integer=True)


class CoursePicker(Widget):
    """A widget over a name with one chosen course (``pos``).

    A course beyond the end of the name is read as the last course, so that a
    shorter name typed after picking a late course still shows something, and
    the address then says which course is shown.
    """

    def parse(self, values, defaults=None):
        state = super().parse(values, defaults)
        state["pos"] = min(state["pos"], len(state["name"]))
        return state
