"""Chapter 4's guessing game: the reader bets on each next course against Xiao Ming.

State: seed (which menu of the book is served), name (a menu the reader typed
instead; empty for one from the book) and bets (one stake per course served so
far, in the address as ``e-m-ma-.``: 1 to 3 courses each, ``.`` for the bell,
``-`` between courses). The form's ``bet`` adds one stake to ``bets`` and is
never kept in the address. One engine call: ``engine.game.play``, which scores
the reader's stakes and Xiao Ming's votes with the scorecard's penalty.
"""

import re
from dataclasses import dataclass

from engine import checkpoint, game
from engine.tokenizer import BOS, VOCAB, token_label

from app.model_facts import limits
from app.web import i18n
from app.web.i18n import N_, Message
from app.widgets import inside
from app.widgets.base import MAX_RAW, InputError, Letters, Number, Param

SEED_MAX = limits.SEED_MAX
BELL_CHAR = "."               # how the bell is written in a bet
SEP = "-"                     # between the courses' bets in the address
STAKE_SEP_RE = re.compile(r"[\s,，、/+]+")
MAX_COURSES = inside.MAX_LETTERS + 1


def play(bets, name, seed):
    """The one engine call behind the widget."""
    return game.play(checkpoint.default_params(), bets, name=name or None, seed=seed)


def tok_of(ch):
    return BOS if ch == BELL_CHAR else VOCAB.index(ch)


def char_of(tok):
    return BELL_CHAR if tok == BOS else VOCAB[tok]


def check_stake(text, key):
    """One stake, written as letters and '.' (the bell): a tuple of 1 to 3 token ids."""
    if not text or any(ch not in VOCAB and ch != BELL_CHAR for ch in text):
        raise InputError(Message("A bet may use only the letters a–z, and “%(bell)s” for the bell.", bell=BELL_CHAR), key)
    if len(text) > game.MAX_PICKS:
        raise InputError(Message("A bet names at most %(max)s courses; “%(text)s” names %(n)s.",
                                 max=game.MAX_PICKS, text=text, n=len(text)), key)
    twice = sorted({ch for ch in text if text.count(ch) > 1})
    if twice and twice[0] == BELL_CHAR:
        raise InputError(Message("A bet names each course once: the bell appears twice in “%(text)s”.", text=text), key)
    if twice:
        raise InputError(Message("A bet names each course once: “%(course)s” appears twice in “%(text)s”.",
                                 course=twice[0], text=text), key)
    return tuple(tok_of(ch) for ch in text)


@dataclass(frozen=True)
class Bets(Param):
    """The stakes so far: ``e-m-ma-.`` (1 to 3 courses each, '.' the bell, '-' between)."""

    def parse(self, raw):
        text = str(raw).strip().lower()
        if not text:
            return ()
        if len(text) > MAX_RAW:
            raise InputError(Message("The bets in the address are too long: at most %(courses)s courses, %(picks)s picks each.",
                                     courses=MAX_COURSES, picks=game.MAX_PICKS), self.key)
        parts = text.split(SEP)
        if any(not p for p in parts):
            raise InputError(Message("The bets in the address skip a course: one “%(sep)s” between courses, at least one pick each.",
                                     sep=SEP), self.key)
        return tuple(check_stake(p, self.key) for p in parts)

    def format(self, value):
        return SEP.join("".join(char_of(t) for t in stake) for stake in value)


@dataclass(frozen=True)
class Stake(Param):
    """The bet typed in the form: 1 to 3 courses (letters, '.' for the bell), or empty."""

    def parse(self, raw):
        text = STAKE_SEP_RE.sub("", str(raw).strip().lower())
        text = text.replace("🛎️", BELL_CHAR).replace("🛎", BELL_CHAR).replace("\ufe0f", "")
        if not text:
            return ()
        return check_stake(text[: MAX_RAW], self.key)

    def format(self, value):
        return "".join(char_of(t) for t in value)


def shown_stake(stake, lang):
    return i18n.join([inside.course(t, lang) for t in stake], lang)


class Guess(inside.Widget):
    def parse(self, values, defaults=None):
        state = super().parse(values, defaults)
        name = state["name"] or game.book_name(state["seed"])
        n = len(name) + 1
        bets = state["bets"]
        if len(bets) > n:
            raise InputError(Message("The address holds %(bets)s bets, but this menu has only %(n)s courses (%(letters)s letters and the closing bell).",
                                     bets=len(bets), n=n, letters=n - 1), "bets")
        if state["bet"]:
            if len(bets) == n:
                raise InputError(Message("This menu is over: all %(n)s courses have had their bets. Start a new one.", n=n), "bet")
            bets = bets + (state["bet"],)
        state["bets"], state["bet"] = bets, ()
        return state

    def query(self, state):
        out = super().query(state)
        out.pop("bet")
        return out

    def compute(self, state, lang):
        g = play(state["bets"], state["name"], state["seed"])
        rules = game.rules()
        k, n = len(g.picks), g.n_courses
        own = bool(state["name"])
        rows, you_total, xm_total = [], 0.0, 0.0
        for i in range(k):
            you, xm = float(g.reader[i]), float(g.model[i])
            you_total += you
            xm_total += xm
            winner = "you" if you < xm else ("xm" if xm < you else "tie")
            rows.append({
                "n": i + 1,
                "after": inside.course(g.before[i], lang),
                "bet": shown_stake(g.picks[i], lang),
                "came": inside.course(g.targets[i], lang),
                "hit": g.targets[i] in g.picks[i],
                "you": you,
                "you_pts": i18n.decimal(you, 2),
                "you_pct": inside.pct(g.reader_share[i]),
                "xm": xm,
                "xm_pts": i18n.decimal(xm, 2),
                "xm_pct": inside.pct(g.model_share[i]),
                "xm_top": inside.course(g.model_top[i], lang),
                "winner": winner,
                "you_total": i18n.decimal(you_total, 2),
                "xm_total": i18n.decimal(xm_total, 2),
            })
        served = [token_label(t) for t in g.before[: k + 1]] if k < n else [token_label(t) for t in g.before] + [token_label(BOS)]
        done = g.done
        blind = g.blind
        keys = [{"tok": t, "char": char_of(t), "id": "bell" if t == BOS else VOCAB[t], "label": token_label(t),
                 "aria": i18n.say(lang, "Bet on %(course)s", course=inside.course(t, lang))}
                for t in list(range(len(VOCAB))) + [BOS]]
        bets_text = self.params[2].format(state["bets"])
        next_bets = {kk["id"]: (bets_text + SEP if bets_text else "") + kk["char"] for kk in keys}
        for kk in keys:
            kk["bets"] = next_bets[kk["id"]]
        you_avg = you_total / k if k else 0.0
        xm_avg = xm_total / k if k else 0.0
        hits = {m: i18n.decimal(v, 2) for m, v in rules["hit"].items()}
        V, pinch = rules["courses"], inside.pct(rules["pinch"], 2)
        floor, rest = inside.pct(rules["floor"], 0), inside.pct(1 - rules["floor"], 0)
        if own:
            menu = i18n.say(lang, "Your own menu: “%(name)s”", name=g.name)
        else:
            menu = i18n.say(lang, "A menu picked at random from the book (table %(seed)s)", seed=state["seed"])
        among = i18n.say(lang, "; ").join(
            i18n.say(lang, "One course named and right: %(points)s points", points=v) if m == 1
            else i18n.say(lang, "right among %(m)s: %(points)s points", m=m, points=v)
            for m, v in hits.items())
        rule = i18n.say(lang, "Of every stake, %(floor)s is spread evenly over all %(courses)s courses (%(pinch)s each), so a miss costs %(miss)s points, not endlessly many; the other %(rest)s is shared equally by the courses you name. %(among)s. Xiao Ming stakes his whole vote. The diners score you both the way the scorecard does: fewer points is better.",
                        floor=floor, courses=V, pinch=pinch, miss=i18n.decimal(rules["miss"], 2), rest=rest, among=among)
        turn = "" if done else i18n.say(lang, "Course %(k)s: on the table %(served)s. What comes next?", k=k + 1, served=" ".join(served))
        if done:
            said = {"name": g.name, "you": i18n.decimal(you_avg, 2), "xm": i18n.decimal(xm_avg, 2)}
            if you_total < xm_total:
                verdict = i18n.say(lang, "You beat the kitchen! On “%(name)s” you lost %(you)s points a course, Xiao Ming %(xm)s.", **said)
                share = i18n.say(lang, "I beat the kitchen on “%(name)s”: %(you)s points a course against Xiao Ming's %(xm)s.", **said)
            elif you_total > xm_total:
                verdict = i18n.say(lang, "Xiao Ming wins. On “%(name)s” he lost %(xm)s points a course, you %(you)s.", **said)
                share = i18n.say(lang, "The kitchen beat me on “%(name)s”: %(you)s points a course against Xiao Ming's %(xm)s. Your turn?", **said)
            else:
                verdict = i18n.say(lang, "A draw! On “%(name)s” you both lost %(you)s points a course.", **said)
                share = i18n.say(lang, "I drew with the kitchen on “%(name)s”: %(you)s points a course.", **said)
            blind_line = i18n.say(lang, "Guessing blind (one share in %(courses)s on every course) loses %(blind)s points a course.",
                                  courses=V, blind=i18n.decimal(blind, 2))
        else:
            verdict = share = blind_line = ""
        last = rows[-1] if rows else None
        if last:
            news = i18n.say(lang, "It was %(came)s. You bet %(bet)s, giving it %(you_share)s: −%(you_points)s. Xiao Ming gave it %(xm_share)s: −%(xm_points)s.",
                            came=last["came"], bet=last["bet"], you_share=last["you_pct"], you_points=last["you_pts"],
                            xm_share=last["xm_pct"], xm_points=last["xm_pts"])
        else:
            news = ""
        scale = max([blind] + [r["you"] for r in rows] + [r["xm"] for r in rows]) * 1.05
        compare = []
        if done:
            compare = [
                {"key": "you", "label": i18n.say(lang, "You"), "value": you_avg, "pts": i18n.decimal(you_avg, 2),
                 "bar": inside.bar(you_avg / scale)},
                {"key": "xm", "label": i18n.say(lang, "Xiao Ming"), "value": xm_avg, "pts": i18n.decimal(xm_avg, 2),
                 "bar": inside.bar(xm_avg / scale)},
                {"key": "blind", "label": i18n.say(lang, "Guessing blind"), "value": blind, "pts": i18n.decimal(blind, 2),
                 "bar": inside.bar(blind / scale)},
            ]
        return {
            "menu": menu,
            "own": own,
            "name": g.name if (done or own) else "",
            "rows": rows,
            "k": k,
            "n": n if (done or own) else None,
            "done": done,
            "turn": turn,
            "news": news,
            "pad": keys,
            "bets": bets_text,
            "you_total": i18n.decimal(you_total, 2),
            "xm_total": i18n.decimal(xm_total, 2),
            "you_sum": you_total,
            "xm_sum": xm_total,
            "rule": rule,
            "verdict": verdict,
            "share": share,
            "blind_line": blind_line,
            "compare": compare,
            "seed": state["seed"],
            "next_seed": state["seed"] + 1 if state["seed"] < SEED_MAX else 0,
            "max_picks": game.MAX_PICKS,
        }


GUESS = Guess(
    name="guess",
    chapter=4,
    title=N_("Beat the kitchen: guess the next course"),
    concept=N_("loss"),
    height=780,
    params=(
        Number("seed", 1, N_("table (seed)"), lo=0, hi=SEED_MAX, integer=True),
        Letters("name", "", N_("menu of your own (a name)"), max_len=inside.MAX_LETTERS, allow_empty=True),
        Bets("bets", (), N_("bets")),
        Stake("bet", (), N_("bet")),
    ),
    assets=("css/widgets/inside.css", "css/widgets/guess.css", "js/widgets/guess.js"),
)
