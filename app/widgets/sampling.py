"""Chapter 7's sampling lab: trim the die before the roll, and the most likely whole menus.

State: prefix (the courses so far, may be empty), t (the adventurousness knob),
top_k (keep the K most likely; 27 = all), top_p (keep the smallest set whose
shares reach P), min_p (drop what is below M times the favourite's share),
seed (the table) and width (how many menus the beam keeps). One engine call,
``engine.search.lab``: the next course's vote as it comes out of the pass and
after the knob, which courses each rule cut, the die that remains, ten names
served with these settings, and beam search beside greedy. The limits come
from app/model_facts/limits.py, which the API's bounds read too; the form reads them from
the parameters.
"""

import math

from engine import checkpoint, search
from engine.tokenizer import BOS, VOCAB_SIZE, encode_prefix, token_label

from app.model_facts.limits import BEAM_WIDTH_DEFAULT, BEAM_WIDTH_MAX, MAX_LETTERS, SEED_MAX, T_MAX, TOP_K_MAX, TOP_P_MIN
from app.web import i18n
from app.web.i18n import N_
from app.widgets import inside
from app.widgets.base import Letters, Number, Widget

N_SERVED = 10       # names served per table
T_DIAL_MAX = 2      # where the dial stops; the number box goes up to the parameter's limit
SHOWN = 10          # vote rows drawn first; the rest sit in a fold below
RULES = ("top_k", "top_p", "min_p")
RULE_NAMES = {"top_k": "top-k", "top_p": "top-p", "min_p": "min-p"}

PARAMS = (
    Letters("prefix", "", N_("start of the menu"), max_len=MAX_LETTERS, allow_empty=True),
    Number("t", 1.0, N_("adventurousness (temperature)"), lo=0, hi=T_MAX),
    Number("top_k", TOP_K_MAX, N_("top-k (keep the K most likely)"), lo=1, hi=TOP_K_MAX, integer=True),
    Number("top_p", 1.0, N_("top-p (the smallest set reaching P)"), lo=TOP_P_MIN, hi=1),
    Number("min_p", 0.0, N_("min-p (drop below M times the favourite)"), lo=0, hi=1),
    Number("seed", 1, N_("table (seed)"), lo=0, hi=SEED_MAX, integer=True),
    Number("width", BEAM_WIDTH_DEFAULT, N_("beam width (menus kept at each course)"),
           lo=1, hi=BEAM_WIDTH_MAX, integer=True),
)
PARAM = {p.key: p for p in PARAMS}


def share(p):
    """A whole menu's share for display: two significant figures below 10%."""
    p = float(p)
    if p >= 0.1:
        return i18n.percent(p, 1)
    return f"{p * 100:.2g}%"


def run(state):
    """The one engine call."""
    return search.lab(
        checkpoint.default_params(), state["prefix"], state["t"],
        top_k=state["top_k"], top_p=state["top_p"], min_p=state["min_p"],
        seed=state["seed"], n=N_SERVED, width=state["width"],
    )


class Sampling(Widget):
    def compute(self, state, lang):
        lab = run(state)
        c = lab.cut
        fmt = {p.key: p.format(state[p.key]) for p in PARAMS}
        cut_of = {tok: [RULE_NAMES[r] for r in RULES if tok in c.cut_by[r]] for tok in range(VOCAB_SIZE)}
        order = sorted(range(VOCAB_SIZE), key=lambda i: (-c.vote[i], i))
        rows = []
        for rank, tok in enumerate(order, 1):
            kept = c.die[tok] > 0
            rows.append({
                "tok": tok,
                "rank": rank,
                "label": token_label(tok),
                "is_bell": tok == BOS,
                "vote": inside.pct(c.vote[tok]),
                "warmed": inside.pct(c.warmed[tok]),
                "kept": bool(kept),
                "die": inside.pct(c.die[tok]) if kept else None,
                "die_p": float(c.die[tok]),
                "bar": inside.bar(c.die[tok]),
                "cut": ", ".join(cut_of[tok]),
                "knob": not kept and not cut_of[tok],   # no share left after the knob, before any rule
            })
        n_kept = sum(r["kept"] for r in rows)
        counts = {r: len(c.cut_by[r]) for r in RULES}
        fav = int(c.warmed.argmax())
        fav_share = float(c.warmed[fav])
        if not lab.prefix:
            summary = i18n.say_n(lang, "With just the bell, at adventurousness %(t)s: %(num)s of the %(total)s courses is left on the die.",
                                 "With just the bell, at adventurousness %(t)s: %(num)s of the %(total)s courses are left on the die.",
                                 n_kept, t=fmt["t"], total=VOCAB_SIZE)
        else:
            summary = i18n.say_n(lang, "After “%(prefix)s”, at adventurousness %(t)s: %(num)s of the %(total)s courses is left on the die.",
                                 "After “%(prefix)s”, at adventurousness %(t)s: %(num)s of the %(total)s courses are left on the die.",
                                 n_kept, prefix=" ".join(lab.prefix), t=fmt["t"], total=VOCAB_SIZE)
        rule_lines = self.rule_lines(state, fmt, counts, fav, fav_share, c, lang)

        names = [{"text": nm, "invented": inv} for nm, inv in zip(lab.served.names, lab.served.invented)]
        n_invented = sum(lab.served.invented)
        served_summary = i18n.say_n(
            lang, "%(n)s dishes served with these settings (table %(table)s): %(num)s of them is Xiao Ming's own invention.",
            "%(n)s dishes served with these settings (table %(table)s): %(num)s of them are Xiao Ming's own inventions.",
            n_invented, n=len(names), table=fmt["seed"])

        g = lab.greedy
        menus = [{
            "name": m.name,
            "share": share(math.exp(m.logprob)),
            "logprob": i18n.decimal(m.logprob, 2),
            "full": not m.rang_bell,
            "is_greedy": m.name == g.name,
        } for m in lab.beam]
        greedy = {"name": g.name or i18n.say(lang, "(empty)"), "share": share(math.exp(g.logprob)),
                  "logprob": i18n.decimal(g.logprob, 2)}
        best = lab.beam[0]
        ratio = math.exp(best.logprob - g.logprob)
        if best.name == g.name:
            verdict = i18n.say(lang, "Here they agree: always taking the favourite serves “%(name)s”, the most likely whole menu the beam found.",
                               name=g.name)
        else:
            times = i18n.decimal(ratio, 1) if ratio < 10 else i18n.decimal(ratio, 0)
            verdict = i18n.say(lang, "Here they differ: always taking the favourite serves “%(greedy)s” (a whole-menu share of %(greedy_share)s), while the beam found “%(best)s” (%(best_share)s), %(times)s times as likely.",
                               greedy=greedy["name"], greedy_share=greedy["share"], best=best.name,
                               best_share=menus[0]["share"], times=times)
        return {
            "so_far": [token_label(x) for x in encode_prefix(lab.prefix)],
            "summary": summary,
            "rule_lines": rule_lines,
            "rows": rows[:SHOWN],
            "rest": rows[SHOWN:],
            "rest_start": SHOWN + 1,
            "n_kept": n_kept,
            "names": names,
            "n_invented": n_invented,
            "served_summary": served_summary,
            "menus": menus,
            "greedy": greedy,
            "verdict": verdict,
            "width": fmt["width"],
            "block_size": checkpoint.default_params().config.block_size,
            "t_dial_max": T_DIAL_MAX,
            "next_seed": state["seed"] + 1 if state["seed"] < PARAM["seed"].hi else 0,
        }

    @staticmethod
    def rule_lines(state, fmt, counts, fav, fav_share, c, lang):
        """One line per rule: what it keeps here and how many courses it cut."""
        lines = []
        k, p, m = state["top_k"], state["top_p"], state["min_p"]
        if k >= VOCAB_SIZE:
            lines.append(i18n.say(lang, "top-k: all %(total)s courses stay (off).", total=VOCAB_SIZE))
        else:
            lines.append(i18n.say_n(lang, "top-k = %(k)s: keeps the %(num)s most likely course, cut %(cut)s.",
                                    "top-k = %(k)s: keeps the %(num)s most likely courses, cut %(cut)s.",
                                    k, k=fmt["top_k"], cut=counts["top_k"]))
        if p >= 1:
            lines.append(i18n.say(lang, "top-p = 1: it must reach 100%%, so everything stays (off)."))
        else:
            kept_p = VOCAB_SIZE - counts["top_p"]
            reached = inside.pct(sum(float(c.warmed[i]) for i in range(VOCAB_SIZE) if i not in c.cut_by["top_p"]))
            lines.append(i18n.say(lang, "top-p = %(p)s: counting down from the favourite until the shares reach %(target)s: here the top %(kept)s (%(reached)s), cut %(cut)s.",
                                  p=fmt["top_p"], target=inside.pct(p, 0), kept=kept_p, reached=reached, cut=counts["top_p"]))
        if m <= 0:
            lines.append(i18n.say(lang, "min-p = 0: nothing is dropped (off)."))
        else:
            lines.append(i18n.say(lang, "min-p = %(m)s: the favourite, %(who)s, has %(share)s; anything below %(m)s times that (%(bar)s) goes, cut %(cut)s.",
                                  m=fmt["min_p"], who=inside.course(fav, lang), share=inside.pct(fav_share),
                                  bar=inside.pct(m * fav_share), cut=counts["min_p"]))
        return lines


SAMPLING = Sampling(
    name="sampling",
    chapter=7,
    title=N_("The sampling lab: trim the die before the roll"),
    concept=N_("sampling"),
    height=2150,
    params=PARAMS,
    assets=("css/widgets/inside.css", "css/widgets/sampling.css"),
)
