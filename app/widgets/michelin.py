"""Chapter 8's three-star kitchen: the scale, a new recipe book (SFT) and the judges (RLHF).

Three panels, one state in the query:

- The street stall beside three-star kitchens. Our figures come from the
  engine (knobs, names in the book, kinds of course, longest menu, courses
  practised); the big kitchens' figures are quoted from the project's source
  notes (``STARS`` below, with where each comes from).
- A new recipe book: book (``a`` = names ending in a, ``start`` = names
  starting with ``letter``, ``list`` = the reader's own ``names``) and
  ``sft_steps``. ``engine.tune.sft`` keeps training a copy of the trained
  apprentice on that book; the dishes before and after (same seed) and how
  many of 100 samples follow the book's rule, before and after.
- The judges: ``judge`` (``you``, or a built-in judge with a stated taste),
  ``picks`` (the reader's choices so far, ``a``/``b`` per pair; the pairs come
  from ``jseed``) and ``rounds``. ``engine.tune.RewardModel`` learns the taste
  from the judged pairs, ``engine.tune.rlhf`` tunes a copy toward it; the
  dishes before and after with the taster's scores, and its mean score.

Everything is computed live by the engine (``engine.tune``'s experiments, in
the worker's training helper, let in at the worker's gate); the engine memoises
them there by their inputs and the store of answers keeps whole answers, so a
link to a state already seen is quick. The widget keeps nothing of its own.
"""

import numpy as np

from engine import tune

from app.model_facts.facts import fmt_int
from app.web.i18n import N_, Message
from app.widgets import admission
from app.widgets.base import InputError, Number, Widget
from app.widgets.choices import Choice, NameList, Pattern

SEED_MAX = 2**31 - 1
SFT_STEPS_MAX = 500
ROUNDS_MAX = 60
PAIRS_YOU = tune.PAIRS_YOU      # pairs the reader judges
SHOW_N = tune.SHOW_N            # dishes shown before and after
MEASURE_N = tune.MEASURE_N      # samples counted for the before/after measures
BELL = "🛎️"

# The big kitchens, as quoted in the source notes (seed 001: Andrej Karpathy,
# "Deep Dive into LLMs like ChatGPT", part 2: GPT-2 at 00:31:35, Llama 3 at
# 00:45:51 and 00:46:30; GPT-4's vocabulary in section 2).
STARS = {
    "gpt2": {"params": 1_500_000_000, "vocab": 50_257, "context": 1_024, "tokens": 100_000_000_000},
    "llama3": {"params": 405_000_000_000, "vocab": 128_000, "context": 128_000, "tokens": 15_000_000_000_000,
               "gpus": 16_000},
    "gpt4": {"vocab": 100_277},
}
SOURCE = "Andrej Karpathy, Deep Dive into LLMs like ChatGPT (2025)"


# --- the scale --------------------------------------------------------------------------

def big(n, lang, wan=False):
    """A large count in words: 1.5 billion / 15 亿 (and 万 too, if ``wan``)."""
    if lang == "zh":
        units = ((10**12, "万亿"), (10**8, "亿")) + (((10**4, "万"),) if wan else ())
        for unit, word in units:
            if n >= unit:
                return f"{_g(n / unit)} {word}"
        return fmt_int(n)
    for unit, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if n >= unit:
            return f"{_g(n / unit)} {word}"
    return fmt_int(n)


def _g(x):
    """Three significant figures, with thousands separators: 4,050 / 96.6 / 1.5."""
    return f"{float(f'{x:.3g}'):,.10g}"


def our_figures():
    """The street stall's figures, from the engine."""
    return tune.street_stall()


ROWS = {
    "zh": {
        "params": ("旋钮", "参数 parameters"),
        "tokens": ("练过的菜（道）", "训练 token 数"),
        "vocab": ("菜的种类", "词表 vocabulary"),
        "context": ("一套菜最长几道", "上下文 context"),
    },
    "en": {
        "params": ("Knobs", "parameters"),
        "tokens": ("Courses practised", "training tokens"),
        "vocab": ("Kinds of course", "vocabulary"),
        "context": ("Longest menu, in courses", "context"),
    },
}


def scale(lang):
    ours = our_figures()
    rows = []
    pairs = (
        ("params", ours["params"], STARS["gpt2"]["params"], STARS["llama3"]["params"]),
        ("tokens", ours["courses"], STARS["gpt2"]["tokens"], STARS["llama3"]["tokens"]),
        ("vocab", ours["vocab"], STARS["gpt2"]["vocab"], STARS["llama3"]["vocab"]),
        ("context", ours["context"], STARS["gpt2"]["context"], STARS["llama3"]["context"]),
    )
    for key, mine, gpt2, llama in pairs:
        top = np.log10(max(mine, gpt2, llama))
        cells = []
        for who, value in (("ours", mine), ("gpt2", gpt2), ("llama3", llama)):
            cells.append({
                "who": who,
                "value": big(value, lang),
                "width": f"{max(2.0, 100 * np.log10(value) / top):.0f}",
                "times": None if who == "ours" else _times(value / mine, lang),
            })
        label, small = ROWS[lang][key]
        rows.append({"key": key, "label": label, "small": small, "cells": cells})
    return rows


def _times(ratio, lang):
    if lang != "zh":
        return f"{big(round(ratio), lang)} × ours"
    n = big(round(ratio), lang, wan=True)
    return f"是小明的 {n}倍" if n[-1] in "万亿" else f"是小明的 {n} 倍"   # no space between 万 and 倍


# --- a new recipe book and the judges: the engine's experiments (``compute`` asks the worker's
# training helper for both at once, let in at the worker's gate, app/widgets/admission.py) ---

FEATURE_WORDS = {
    "zh": {
        "length": "名字长", "end_vowel": "以元音结尾", "start_vowel": "以元音开头",
        "vowel_share": "元音多", "double": "有两个相同字母挨着（像 nn）", "rare": "用了少见的字母（j q v w x z）",
    },
    "en": {
        "length": "long names", "end_vowel": "ending in a vowel", "start_vowel": "starting with a vowel",
        "vowel_share": "lots of vowels", "double": "a doubled letter (like nn)", "rare": "uncommon letters (j q v w x z)",
    },
}

JUDGE_WORDS = {
    "zh": {"you": "你自己", "short": "一位喜欢短名字的评委", "vowel": "一位喜欢以元音结尾的名字的评委"},
    "en": {"you": "You", "short": "A judge who likes short names", "vowel": "A judge who likes names ending in a vowel"},
}


def _dish(name):
    return name if name else BELL


def _signed(x):
    return f"{x:+.2f}".replace("-", "−")


def _taste_words(weights, lang):
    """The taster's three strongest opinions, in words."""
    words = FEATURE_WORDS[lang]
    ranked = sorted(zip(tune.FEATURES, weights), key=lambda fw: -abs(fw[1]))[:3]
    out = []
    for f, w in ranked:
        if abs(w) < 0.05:
            continue
        if lang == "zh":
            out.append(f"{'喜欢' if w > 0 else '不喜欢'}{words[f.key]}（{_signed(w)}）")
        else:
            out.append(f"{'likes' if w > 0 else 'dislikes'} {words[f.key]} ({_signed(w)})")
    return out


class Michelin(Widget):
    # the fields a book doesn't read: a bad value left there never blocks the page
    UNREAD = {"a": ("letter", "names"), "start": ("names",), "list": ("letter",)}

    def parse(self, values, defaults=None):
        book = super().parse({k: v for k, v in values.items() if k == "book"},
                             {k: v for k, v in (defaults or {}).items() if k == "book"})["book"]
        params = {p.key: p for p in self.params}
        values = dict(values)
        for key in self.UNREAD[book]:
            if key in values:
                try:
                    params[key].parse(values[key])
                except InputError:
                    del values[key]
        return super().parse(values, defaults)

    def check_args(self, args):
        """The content's starting state is checked whole, read or not."""
        state = super().check_args(args)
        Widget.parse(self, args)
        return state

    def compute(self, state, lang):
        """Display-ready context from the engine's experiments (memoised by the engine)."""
        zh = lang == "zh"
        ours = our_figures()
        judge, picks = state["judge"], state["picks"]
        waiting = judge == "you" and len(picks) < PAIRS_YOU
        # the engine's experiments, both asked of the training helper at once
        calls = [(tune.sft_experiment, (state["book"], state["letter"] if state["book"] == "start" else "",
                                        state["names"] if state["book"] == "list" else (), state["sft_steps"]))]
        if not waiting:
            calls.append((tune.rlhf_experiment, (judge, picks if judge == "you" else "", state["jseed"], state["rounds"])))
        sft, *rest = admission.in_helper_all(calls)
        # a new recipe book
        if state["book"] == "a":
            book_words = "以 a 结尾的名字" if zh else "names ending in a"
        elif state["book"] == "start":
            book_words = f"以 {state['letter']} 开头的名字" if zh else f"names starting with {state['letter']}"
        else:
            book_words = "你写的名字" if zh else "your own names"
        sft_view = {
            "book_words": book_words,
            "book_size": fmt_int(sft.book_size),
            "before": [{"text": _dish(n), "match": m} for n, m in zip(sft.before, sft.before_match)],
            "after": [{"text": _dish(n), "match": m} for n, m in zip(sft.after, sft.after_match)],
            "match_before": sft.match_before,
            "match_after": sft.match_after,
            "n": MEASURE_N,
            "steps": fmt_int(state["sft_steps"]),
        }
        # the judges
        pairs = tune.judge_pairs(state["jseed"], PAIRS_YOU)
        judges = {"judge": judge, "judge_words": JUDGE_WORDS[lang][judge], "waiting": waiting,
                  "n_pairs": PAIRS_YOU, "n_picked": len(picks) if judge == "you" else 0,
                  "next_seed": state["jseed"] + 1 if state["jseed"] < SEED_MAX else 0}
        if judge == "you":
            judges["picked"] = [{"won": a if p == "a" else b, "lost": b if p == "a" else a}
                                for (a, b), p in zip(pairs, picks)]
        if waiting:
            a, b = pairs[len(picks)]
            judges["pair"] = {"a": a, "b": b, "pick_a": picks + "a", "pick_b": picks + "b",
                              "number": len(picks) + 1}
        else:
            res, = rest
            judges.update({
                "n_judged": len(res.judged),
                "taste": _taste_words(res.weights, lang),
                "before": [{"text": _dish(n), "score": _signed(s)} for n, s in res.before],
                "after": [{"text": _dish(n), "score": _signed(s)} for n, s in res.after],
                "mean_before": _signed(res.mean_before),
                "mean_after": _signed(res.mean_after),
                "rounds": state["rounds"],
                "judge_measure": None,
                "gamed": None,
            })
            if judge == "short":
                judges["judge_measure"] = (
                    f"评委自己的标准：不算空盘子，平均长度从 {res.judge_before:.1f} 个字母变成 {res.judge_after:.1f} 个。" if zh else
                    f"The judge's own yardstick: leaving out empty plates, average length went from "
                    f"{res.judge_before:.1f} to {res.judge_after:.1f} letters.")
            elif judge == "vowel":
                jb, ja = round(res.judge_before * MEASURE_N), round(res.judge_after * MEASURE_N)
                judges["judge_measure"] = (
                    f"评委自己的标准：{MEASURE_N} 道菜里以元音结尾的，从 {jb} 道变成 {ja} 道。" if zh else
                    f"The judge's own yardstick: of {MEASURE_N} dishes, {jb} ended in a vowel before, {ja} after.")
            if res.empty_after > res.empty_before:
                e = res.empty_after
                judges["gamed"] = (
                    f"可是 {MEASURE_N} 道菜里有 {e} 道是空盘子，哪位评委都不会把它当成一道菜："
                    f"小明学会了讨好试吃员，而不是讨好评委。" if zh else
                    f"But {e} of the {MEASURE_N} dishes are empty plates, which no judge would call a dish: "
                    f"Xiao Ming has learned to please the taster, not the judge.")
        return {
            "scale": scale(lang),
            "ours": {k: fmt_int(v) for k, v in ours.items()},
            "stars": {"llama_gpus": fmt_int(STARS["llama3"]["gpus"]), "gpt4_vocab": fmt_int(STARS["gpt4"]["vocab"])},
            "source": SOURCE,
            "sft": sft_view,
            "judges": judges,
            "pairs_you": PAIRS_YOU,
            "sft_steps_max": SFT_STEPS_MAX,
            "rounds_max": ROUNDS_MAX,
            "show_n": SHOW_N,
            "bell": BELL,
        }


MICHELIN = Michelin(
    name="michelin",
    chapter=8,
    title=N_("The street stall and the three-star kitchen"),
    height=2440,
    params=(
        Choice("book", "a", N_("recipe book"), options=("a", "start", "list")),
        Pattern("letter", "z", N_("first letter"), regex=r"[a-z]",
                message=Message("The first letter must be one letter a–z.")),
        NameList("names", ("anna", "ella", "mia", "zoe"), N_("list of names"), max_names=50),
        Number("sft_steps", tune.SFT_STEPS, N_("menus from the new book"), lo=10, hi=SFT_STEPS_MAX, integer=True),
        Choice("judge", "you", N_("judge"), options=("you", "short", "vowel")),
        Pattern("picks", "", N_("picks"), regex=r"[ab]{0,%d}" % PAIRS_YOU,
                message=Message("The picks may only be a or b, at most %(n)s of them.", n=PAIRS_YOU)),
        Number("rounds", tune.RL_STEPS, N_("rounds with the taster"), lo=5, hi=ROUNDS_MAX, integer=True),
        Number("jseed", 1, N_("pairs (seed)"), lo=0, hi=SEED_MAX, integer=True),
    ),
    assets=("css/widgets/michelin.css",),
    numbers={"pairs_you": PAIRS_YOU, "rl_batch": tune.RL_BATCH},
)
