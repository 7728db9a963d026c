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
from app.web.i18n import N_
from app.widgets import inside
from app.widgets.base import Letters, Number

SHOWN = 10     # the front-runners drawn first; the rest sit in a fold below


def vote(prefix, temperature):
    """The one engine call behind the widget (and /api/next's)."""
    return inspection.next_vote(checkpoint.default_params(), prefix, temperature)


class NextDish(inside.Widget):
    def compute(self, state, lang):
        zh = lang == "zh"
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
                "go_label": f"上 {token_label(i)}，再看下一轮" if zh else f"Serve {token_label(i)} and see the next vote",
            })
        fav = rows[0]
        so_far = [token_label(x) for x in encode_prefix(prefix)]
        shown_t = self.params[1].format(t)
        fav_name = inside.course(fav["tok"], lang)
        if zh:
            after = "只响了开场铃" if not prefix else f"“{' '.join(prefix)}”之后"
            summary = f"{after}，冒险程度 {shown_t}：票数最多的是{fav_name}（{fav['pct']}）。"
            if t == 0:
                summary += "冒险程度为 0，小明只上最稳的那一道。"
            if fav["is_bell"]:
                summary += "小明觉得这套菜该收尾了。"
        else:
            after = "With just the bell" if not prefix else f"After “{' '.join(prefix)}”"
            summary = f"{after}, at adventurousness {shown_t}, the favourite is {fav_name} ({fav['pct']})."
            if t == 0:
                summary += " At 0 Xiao Ming never takes a risk: he serves the favourite."
            if fav["is_bell"]:
                summary += " Xiao Ming thinks the menu should end here."
        rest = rows[SHOWN:]
        if zh:
            hint = "点一道菜的字母，就把它端上桌，再看下一轮投票。" if room else f"这套菜已经 {most} 道了，厨房排不下更多。"
            rest_title = f"其余 {len(rest)} 道（每道最多 {rest[0]['pct'] if rest else ''}）"
        else:
            hint = ("Click a course's letter to serve it and see the next vote." if room
                    else f"This menu already has {most} courses: the kitchen can't plan a longer one.")
            rest_title = f"The other {len(rest)} courses (each at most {rest[0]['pct'] if rest else ''})"
        return {
            "prefix": prefix,
            "so_far": so_far,
            "rows": rows[:SHOWN],
            "rest": rest,
            "rest_title": rest_title,
            "votes_label": (f"{len(rows)} 道菜的票数，从高到低" if zh else f"The {len(rows)} courses, most votes first"),
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
