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
from app.web.i18n import N_
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


def check_stake(text, label_zh, label_en, key):
    """One stake, written as letters and '.' (the bell): a tuple of 1 to 3 token ids."""
    if not text or any(ch not in VOCAB and ch != BELL_CHAR for ch in text):
        raise InputError(
            f"{label_zh}只能用字母 a–z，铃用“{BELL_CHAR}”表示。",
            f"A {label_en} may use only the letters a–z, and “{BELL_CHAR}” for the bell.",
            key,
        )
    if len(text) > game.MAX_PICKS:
        raise InputError(
            f"一次最多押 {game.MAX_PICKS} 道菜，“{text}”押了 {len(text)} 道。",
            f"A bet names at most {game.MAX_PICKS} courses; “{text}” names {len(text)}.",
            key,
        )
    twice = sorted({ch for ch in text if text.count(ch) > 1})
    if twice:
        shown = "铃" if twice[0] == BELL_CHAR else twice[0]
        shown_en = "the bell" if twice[0] == BELL_CHAR else f"“{twice[0]}”"
        raise InputError(
            f"一次押注里每道菜只能出现一次：“{text}”里的“{shown}”出现了两次。",
            f"A bet names each course once: {shown_en} appears twice in “{text}”.",
            key,
        )
    return tuple(tok_of(ch) for ch in text)


@dataclass(frozen=True)
class Bets(Param):
    """The stakes so far: ``e-m-ma-.`` (1 to 3 courses each, '.' the bell, '-' between)."""

    def parse(self, raw):
        text = str(raw).strip().lower()
        if not text:
            return ()
        if len(text) > MAX_RAW:
            raise InputError(
                f"地址里的押注太长了：最多 {MAX_COURSES} 道菜，每道最多押 {game.MAX_PICKS} 道。",
                f"The bets in the address are too long: at most {MAX_COURSES} courses, {game.MAX_PICKS} picks each.",
                self.key,
            )
        parts = text.split(SEP)
        if any(not p for p in parts):
            raise InputError(
                f"地址里的押注有一道是空的：每道菜之间用“{SEP}”隔开，每道至少押一道。",
                f"The bets in the address skip a course: one “{SEP}” between courses, at least one pick each.",
                self.key,
            )
        return tuple(check_stake(p, "押注", "bet", self.key) for p in parts)

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
        return check_stake(text[: MAX_RAW], "押注", "bet", self.key)

    def format(self, value):
        return "".join(char_of(t) for t in value)


def shown_stake(stake, lang):
    return ("、" if lang == "zh" else ", ").join(inside.course(t, lang) for t in stake)


class Guess(inside.Widget):
    def parse(self, values, defaults=None):
        state = super().parse(values, defaults)
        name = state["name"] or game.book_name(state["seed"])
        n = len(name) + 1
        bets = state["bets"]
        if len(bets) > n:
            raise InputError(
                f"地址里有 {len(bets)} 次押注，可这套菜只有 {n} 道（{n - 1} 个字母和收尾的铃）。",
                f"The address holds {len(bets)} bets, but this menu has only {n} courses "
                f"({n - 1} letters and the closing bell).",
                "bets",
            )
        if state["bet"]:
            if len(bets) == n:
                raise InputError(
                    f"这套菜已经上完了：{n} 道都押过了。换一套再来吧。",
                    f"This menu is over: all {n} courses have had their bets. Start a new one.",
                    "bet",
                )
            bets = bets + (state["bet"],)
        state["bets"], state["bet"] = bets, ()
        return state

    def query(self, state):
        out = super().query(state)
        out.pop("bet")
        return out

    def compute(self, state, lang):
        zh = lang == "zh"
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
                "you_pts": f"{you:.2f}",
                "you_pct": inside.pct(g.reader_share[i]),
                "xm": xm,
                "xm_pts": f"{xm:.2f}",
                "xm_pct": inside.pct(g.model_share[i]),
                "xm_top": inside.course(g.model_top[i], lang),
                "winner": winner,
                "you_total": f"{you_total:.2f}",
                "xm_total": f"{xm_total:.2f}",
            })
        served = [token_label(t) for t in g.before[: k + 1]] if k < n else [token_label(t) for t in g.before] + [token_label(BOS)]
        done = g.done
        blind = g.blind
        keys = [{"tok": t, "char": char_of(t), "id": "bell" if t == BOS else VOCAB[t], "label": token_label(t),
                 "aria": (f"押{inside.course(t, lang)}" if zh else f"Bet on {inside.course(t, lang)}")}
                for t in list(range(len(VOCAB))) + [BOS]]
        bets_text = self.params[2].format(state["bets"])
        next_bets = {kk["id"]: (bets_text + SEP if bets_text else "") + kk["char"] for kk in keys}
        for kk in keys:
            kk["bets"] = next_bets[kk["id"]]
        you_avg = you_total / k if k else 0.0
        xm_avg = xm_total / k if k else 0.0
        hits = {m: f"{v:.2f}" for m, v in rules["hit"].items()}
        V, pinch = rules["courses"], inside.pct(rules["pinch"], 2)
        floor, rest = inside.pct(rules["floor"], 0), inside.pct(1 - rules["floor"], 0)
        if zh:
            menu = f"你自己写的菜单：“{g.name}”" if own else f"菜谱里随手翻到的一套菜（第 {state['seed']} 桌）"
            among = "；".join(("只押一道并且押中" if m == 1 else f"押 {m} 道、其中有它") + f"，扣 {v} 分"
                             for m, v in hits.items())
            rule = (f"你每次的押注里，先拿出 {floor} 平均撒在全部 {V} 道菜上（每道 {pinch}），"
                    f"所以押错了也只扣 {rules['miss']:.2f} 分，不会扣到无穷多；剩下的 {rest} 平分给你点名的菜。"
                    f"{among}。小明押的是他整张投票。食客用评分卡的办法给你们俩扣分：分数越低越好。")
            turn = (f"第 {k + 1} 道：桌上已经有 {' '.join(served)}，下一道是什么？" if not done else "")
            if done:
                if you_total < xm_total:
                    verdict = f"你赢了厨房！“{g.name}”这套菜，你平均每道扣 {you_avg:.2f} 分，小明扣 {xm_avg:.2f} 分。"
                    share = f"我在“{g.name}”这套菜上赢了厨房：每道 {you_avg:.2f} 分，小明 {xm_avg:.2f} 分。"
                elif you_total > xm_total:
                    verdict = f"小明赢了。“{g.name}”这套菜，他平均每道扣 {xm_avg:.2f} 分，你扣 {you_avg:.2f} 分。"
                    share = f"我在“{g.name}”这套菜上输给了厨房：每道 {you_avg:.2f} 分，小明 {xm_avg:.2f} 分。你来试试？"
                else:
                    verdict = f"平手！“{g.name}”这套菜，你们都是平均每道扣 {you_avg:.2f} 分。"
                    share = f"我在“{g.name}”这套菜上和厨房打平：每道 {you_avg:.2f} 分。"
                blind_line = f"闭眼瞎猜，每道都扣 {blind:.2f} 分（{V} 道菜各押一份）。"
            else:
                verdict = share = blind_line = ""
        else:
            menu = f"Your own menu: “{g.name}”" if own else f"A menu picked at random from the book (table {state['seed']})"
            among = "; ".join(("one course named and right" if m == 1 else f"right among {m}") + f": {v} points"
                              for m, v in hits.items())
            rule = (f"Of every stake, {floor} is spread evenly over all {V} courses "
                    f"({pinch} each), so a miss costs {rules['miss']:.2f} points, not endlessly many; "
                    f"the other {rest} is shared equally by the courses you name. {among[0].upper() + among[1:]}. "
                    f"Xiao Ming stakes his whole vote. "
                    f"The diners score you both the way the scorecard does: fewer points is better.")
            turn = (f"Course {k + 1}: on the table {' '.join(served)}. What comes next?" if not done else "")
            if done:
                if you_total < xm_total:
                    verdict = f"You beat the kitchen! On “{g.name}” you lost {you_avg:.2f} points a course, Xiao Ming {xm_avg:.2f}."
                    share = f"I beat the kitchen on “{g.name}”: {you_avg:.2f} points a course against Xiao Ming's {xm_avg:.2f}."
                elif you_total > xm_total:
                    verdict = f"Xiao Ming wins. On “{g.name}” he lost {xm_avg:.2f} points a course, you {you_avg:.2f}."
                    share = f"The kitchen beat me on “{g.name}”: {you_avg:.2f} points a course against Xiao Ming's {xm_avg:.2f}. Your turn?"
                else:
                    verdict = f"A draw! On “{g.name}” you both lost {you_avg:.2f} points a course."
                    share = f"I drew with the kitchen on “{g.name}”: {you_avg:.2f} points a course."
                blind_line = f"Guessing blind (one share in {V} on every course) loses {blind:.2f} points a course."
            else:
                verdict = share = blind_line = ""
        last = rows[-1] if rows else None
        if last:
            if zh:
                news = (f"上来的是{last['came']}。你押了{last['bet']}，给了它 {last['you_pct']}，扣 {last['you_pts']} 分；"
                        f"小明给了它 {last['xm_pct']}，扣 {last['xm_pts']} 分。")
            else:
                news = (f"It was {last['came']}. You bet {last['bet']}, giving it {last['you_pct']}: −{last['you_pts']}. "
                        f"Xiao Ming gave it {last['xm_pct']}: −{last['xm_pts']}.")
        else:
            news = ""
        scale = max([blind] + [r["you"] for r in rows] + [r["xm"] for r in rows]) * 1.05
        compare = []
        if done:
            compare = [
                {"key": "you", "label": "你" if zh else "You", "value": you_avg, "pts": f"{you_avg:.2f}", "bar": inside.bar(you_avg / scale)},
                {"key": "xm", "label": "小明" if zh else "Xiao Ming", "value": xm_avg, "pts": f"{xm_avg:.2f}", "bar": inside.bar(xm_avg / scale)},
                {"key": "blind", "label": "闭眼瞎猜" if zh else "Guessing blind", "value": blind, "pts": f"{blind:.2f}", "bar": inside.bar(blind / scale)},
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
            "you_total": f"{you_total:.2f}",
            "xm_total": f"{xm_total:.2f}",
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
