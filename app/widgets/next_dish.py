"""Chapter 3's pass: the kitchen's vote on the next course.

State: prefix (the beginning of a menu, may be empty: just the bell) and t
(the adventurousness knob, 0 = always the favourite). One engine call:
``engine.inspect.next_vote`` on the shipped model, one share per course in token-id order
(the bell last). Each letter links to the same widget one course further on,
so the reader can walk a name forward.
"""

from engine import checkpoint, inspect as inspection
from engine.tokenizer import BOS, encode_prefix, token_label

from app.model_facts.limits import T_MAX
from app.web import i18n
from app.web.i18n import N_
from app.widgets import inside
from app.widgets.base import Letters, Number

SHOWN = 10     # the front-runners drawn first; the rest sit in a fold below


def vote(prefix, temperature):
    """The one engine call behind the widget (and /api/next's)."""
    return inspection.next_vote(checkpoint.default_params(), prefix, temperature)


class NextDish(inside.Widget):
    def compute(self, state, lang):
        prefix, t = state["prefix"], state["t"]
        probs = vote(prefix, t)
        most = self.params[0].max_len     # the longest menu the kitchen can plan
        room = len(prefix) < most
        order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
        rows = []
        for rank, i in enumerate(order, 1):
            p = float(probs[i])
            is_bell = i == BOS
            rows.append({
                "tok": i,
                "rank": rank,
                "label": token_label(i),
                "is_bell": is_bell,
                "p": p,
                "pct": inside.pct(p),
                "bar": inside.bar(p),
                "next": prefix + token_label(i) if (room and not is_bell) else None,
                "go_label": i18n.say(lang, "Serve %(course)s and see the next vote", course=token_label(i)),
            })
        fav = rows[0]
        so_far = [token_label(x) for x in encode_prefix(prefix)]
        shown_t = self.params[1].format(t)
        fav_name = inside.course(fav["tok"], lang)
        after = (i18n.say(lang, "With just the bell") if not prefix
                 else i18n.say(lang, "After “%(menu)s”", menu=" ".join(prefix)))
        summary = i18n.sentences(
            lang,
            i18n.say(lang, "%(after)s, at adventurousness %(t)s, the favourite is %(course)s (%(pct)s).",
                     after=after, t=shown_t, course=fav_name, pct=fav["pct"]),
            i18n.say(lang, "At 0 Xiao Ming never takes a risk: he serves the favourite.") if t == 0 else "",
            i18n.say(lang, "Xiao Ming thinks the menu should end here.") if fav["is_bell"] else "",
        )
        rest = rows[SHOWN:]
        hint = (i18n.say(lang, "Click a course's letter to serve it and see the next vote.") if room
                else i18n.say(lang, "This menu already has %(n)s courses: the kitchen can't plan a longer one.", n=most))
        rest_title = i18n.say(lang, "The other %(n)s courses (each at most %(pct)s)",
                              n=len(rest), pct=rest[0]["pct"] if rest else "")
        return {
            "prefix": prefix,
            "so_far": so_far,
            "rows": rows[:SHOWN],
            "rest": rest,
            "rest_title": rest_title,
            "votes_label": i18n.say(lang, "The %(n)s courses, most votes first", n=len(rows)),
            "rest_start": SHOWN + 1,
            "hint": hint,
            "summary": summary,
            "room": room,
            "back": prefix[:-1] if prefix else None,
            "t": shown_t,
            "t_max": T_MAX,
        }


NEXT_DISH = NextDish(
    name="next-dish",
    chapter=3,
    title=N_("The vote at the pass: what comes next?"),
    concept=N_("softmax"),
    height=960,
    params=(
        Letters("prefix", "emm", N_("beginning"), max_len=inside.MAX_LETTERS, allow_empty=True),
        Number("t", 1, N_("adventurousness (temperature)"), lo=0, hi=T_MAX),
    ),
    assets=("css/widgets/inside.css",),
)
