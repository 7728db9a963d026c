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

from app.web import i18n
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

# How the page's language says a large count, and how many times ours a big kitchen's
# figure is: the catalog gives each language its own units, largest first, as
# "unit pattern | ...", {n} being the count in that unit. English counts in millions,
# billions and trillions; Chinese in 亿 and 万亿, and in a ratio in 万 too.
COUNT_UNITS = N_("1e12 {n} trillion | 1e9 {n} billion | 1e6 {n} million | 1 {n}")
RATIO_UNITS = N_("1e12 {n} trillion × ours | 1e9 {n} billion × ours | 1e6 {n} million × ours | 1 {n} × ours")


def units(lang, table):
    """``table`` (``COUNT_UNITS`` or ``RATIO_UNITS``) in ``lang``: [(unit, pattern)], largest first."""
    out = []
    for part in i18n.say(lang, table).split("|"):
        unit, pattern = part.strip().split(" ", 1)
        out.append((float(unit), pattern))
    return out


def big(n, lang, table=COUNT_UNITS):
    """A large count in words: 1.5 billion / 15 亿 (a ratio with ``RATIO_UNITS``: 358 × ours / 是小明的 35.8 万倍)."""
    for unit, pattern in units(lang, table):
        if n >= unit:
            return pattern.format(n=_g(n / unit) if unit > 1 else i18n.integer(n))
    return i18n.integer(n)


def _g(x):
    """Three significant figures, with thousands separators: 4,050 / 96.6 / 1.5."""
    return f"{float(f'{x:.3g}'):,.10g}"


def our_figures():
    """The street stall's figures, from the engine."""
    return tune.street_stall()


ROWS = {   # each row's name, and the real term in small type
    "params": (N_("Knobs"), N_("parameters")),
    "tokens": (N_("Courses practised"), N_("training tokens")),
    "vocab": (N_("Kinds of course"), N_("vocabulary")),
    "context": (N_("Longest menu, in courses"), N_("context")),
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
        label, small = (i18n.say(lang, words) for words in ROWS[key])
        rows.append({"key": key, "label": label, "small": small, "cells": cells})
    return rows


def _times(ratio, lang):
    return big(round(ratio), lang, RATIO_UNITS)


# --- a new recipe book and the judges: the engine's experiments (``compute`` asks the worker's
# training helper for both at once, let in at the worker's gate, app/widgets/admission.py) ---

FEATURE_WORDS = {
    "length": N_("long names"), "end_vowel": N_("ending in a vowel"), "start_vowel": N_("starting with a vowel"),
    "vowel_share": N_("lots of vowels"), "double": N_("a doubled letter (like nn)"),
    "rare": N_("uncommon letters (j q v w x z)"),
}

JUDGE_WORDS = {"short": N_("A judge who likes short names"), "vowel": N_("A judge who likes names ending in a vowel")}


def _judge_words(judge, lang):
    """Who judged, as the verdict's first words."""
    if judge == "you":   # the reader, said as the one who judged ("You" is said other ways elsewhere)
        return i18n.translations(lang).pgettext("michelin", "You")
    return i18n.say(lang, JUDGE_WORDS[judge])


def _dish(name):
    return name if name else BELL


def _taste_words(weights, lang):
    """The taster's three strongest opinions, in words."""
    ranked = sorted(zip(tune.FEATURES, weights), key=lambda fw: -abs(fw[1]))[:3]
    out = []
    for f, w in ranked:
        if abs(w) < 0.05:
            continue
        what = Message(FEATURE_WORDS[f.key])
        if w > 0:
            out.append(i18n.say(lang, "likes %(what)s (%(weight)s)", what=what, weight=i18n.signed(w)))
        else:
            out.append(i18n.say(lang, "dislikes %(what)s (%(weight)s)", what=what, weight=i18n.signed(w)))
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
            book_words = i18n.say(lang, "names ending in a")
        elif state["book"] == "start":
            book_words = i18n.say(lang, "names starting with %(letter)s", letter=state["letter"])
        else:
            book_words = i18n.say(lang, "your own names")
        sft_view = {
            "book_words": book_words,
            "book_size": i18n.integer(sft.book_size),
            "before": [{"text": _dish(n), "match": m} for n, m in zip(sft.before, sft.before_match)],
            "after": [{"text": _dish(n), "match": m} for n, m in zip(sft.after, sft.after_match)],
            "match_before": sft.match_before,
            "match_after": sft.match_after,
            "n": MEASURE_N,
            "steps": i18n.integer(state["sft_steps"]),
        }
        # the judges
        pairs = tune.judge_pairs(state["jseed"], PAIRS_YOU)
        judges = {"judge": judge, "judge_words": _judge_words(judge, lang), "waiting": waiting,
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
                "before": [{"text": _dish(n), "score": i18n.signed(s)} for n, s in res.before],
                "after": [{"text": _dish(n), "score": i18n.signed(s)} for n, s in res.after],
                "mean_before": i18n.signed(res.mean_before),
                "mean_after": i18n.signed(res.mean_after),
                "rounds": state["rounds"],
                "judge_measure": None,
                "gamed": None,
            })
            if judge == "short":
                judges["judge_measure"] = i18n.say(
                    lang, "The judge's own yardstick: leaving out empty plates, average length went from %(before)s to %(after)s letters.",
                    before=i18n.decimal(res.judge_before, 1), after=i18n.decimal(res.judge_after, 1))
            elif judge == "vowel":
                jb, ja = round(res.judge_before * MEASURE_N), round(res.judge_after * MEASURE_N)
                judges["judge_measure"] = i18n.say(
                    lang, "The judge's own yardstick: of %(n)s dishes, %(before)s ended in a vowel before, %(after)s after.",
                    n=MEASURE_N, before=jb, after=ja)
            if res.empty_after > res.empty_before:
                judges["gamed"] = i18n.say_n(
                    lang, "But %(num)s of the %(n)s dishes is an empty plate, which no judge would call a dish: Xiao Ming has learned to please the taster, not the judge.",
                    "But %(num)s of the %(n)s dishes are empty plates, which no judge would call a dish: Xiao Ming has learned to please the taster, not the judge.",
                    res.empty_after, n=MEASURE_N)
        return {
            "scale": scale(lang),
            "ours": {k: i18n.integer(v) for k, v in ours.items()},
            "stars": {"llama_gpus": i18n.integer(STARS["llama3"]["gpus"]), "gpt4_vocab": i18n.integer(STARS["gpt4"]["vocab"])},
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
