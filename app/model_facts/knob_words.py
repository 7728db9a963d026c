"""The wall's knobs named for readers, in every language (their words are messages).

The nine stations in the order a course meets them on the line, their names,
the real term for each, what a row and a column mean, and a label for any
single knob, each a message said in the page's language (in English the
engine's own names, ``engine.inspect.STATIONS`` and ``knob_label``). Used by
the knob widgets, the figures, the story's placeholders and the JSON API.
"""

from engine import inspect as ins
from engine.tokenizer import BOS, VOCAB

from app.web import i18n, settings
from app.web.i18n import N_

# station key (matrix name without the layer) in the order a course meets them
ORDER = ("wte", "wpe", "attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2", "lm_head")

# each station's name for the reader (in English, the engine's own: ``engine.inspect.STATIONS``)
STATIONS = {
    "wte": N_("flavour cards"),
    "wpe": N_("order tags"),
    "attn_wq": N_("sous-chefs' question knobs"),
    "attn_wk": N_("sous-chefs' label knobs"),
    "attn_wv": N_("sous-chefs' recipe knobs"),
    "attn_wo": N_("sous-chefs' report knobs"),
    "mlp_fc1": N_("prep room, in"),
    "mlp_fc2": N_("prep room, out"),
    "lm_head": N_("final vote"),
}

# the real term, shown once in small type
TERM = {
    "wte": "token embedding · wte",
    "wpe": "position embedding · wpe",
    "attn_wq": "attention query · Wq",
    "attn_wk": "attention key · Wk",
    "attn_wv": "attention value · Wv",
    "attn_wo": "attention output · Wo",
    "mlp_fc1": "MLP fc1",
    "mlp_fc2": "MLP fc2",
    "lm_head": "lm_head",
}

# what a row and a column mean at each station; %(courses)s, %(bell)s and %(hs)s are
# filled in from the engine by axis_help
AXES = {
    "wte": (N_("which course (%(courses)s, %(bell)s = the bell)"), N_("which number on the card")),
    "wpe": (N_("which position"), N_("which number on the tag")),
    "attn_wq": (N_("the sous-chefs' questions (%(hs)s rows each)"), N_("which card number it reads")),
    "attn_wk": (N_("the sous-chefs' labels (%(hs)s rows each)"), N_("which card number it reads")),
    "attn_wv": (N_("the sous-chefs' recipes (%(hs)s rows each)"), N_("which card number it reads")),
    "attn_wo": (N_("which card number it writes"), N_("whose note (%(hs)s columns per sous-chef)")),
    "mlp_fc1": (N_("which prep-room worker"), N_("which card number it reads")),
    "mlp_fc2": (N_("which card number it writes"), N_("which prep-room worker")),
    "lm_head": (N_("the vote for which course (%(courses)s, %(bell)s = the bell)"), N_("which card number it reads")),
}


def axis_help(key, p, lang=None):
    """What a row and a column of station ``key`` mean, with the model's numbers filled in:
    (row, column) in ``lang``; without a language, (row, column) in each of the site's
    languages, one after the other.

    Rows and columns are numbered from 1, as the wall shows them: the letters are
    1 to len(VOCAB), the bell its id + 1, and each sous-chef owns head_size rows."""
    if lang is None:
        return tuple(text for each in settings.LANGS for text in axis_help(key, p, each))
    words = {"courses": f"1–{len(VOCAB)} = {VOCAB[0]}–{VOCAB[-1]}", "bell": BOS + 1, "hs": p.config.head_size}
    return tuple(i18n.say(lang, text, **words) for text in AXES[key])


def matrix(key):
    """The matrix name of a station key: "attn_wq" -> "layer0.attn_wq"."""
    return key if key in ("wte", "wpe", "lm_head") else f"layer0.{key}"


# each station's name for the reader, as a Choice's words: (key, message)
STATION_WORDS = tuple((k, STATIONS[k]) for k in ORDER)


def station_name(key, lang):
    return i18n.say(lang, STATIONS[key])


def knob_label(p, address, lang):
    """A knob named for the reader in ``lang``, built from its address (in English, the
    engine's own label, ``engine.inspect.knob_label``)."""
    a = address if isinstance(address, ins.KnobAddress) else ins.knob_address(p, address)
    hs = p.config.head_size
    kind, r, c = a.kind, a.row, a.col
    if kind == "wte" and r == BOS:
        return i18n.say(lang, "flavour card of the bell, number %(n)s", n=c + 1)
    if kind == "wte":
        return i18n.say(lang, "flavour card of '%(letter)s', number %(n)s", letter=VOCAB[r], n=c + 1)
    if kind == "wpe":
        return i18n.say(lang, "order tag of position %(position)s, number %(n)s", position=r + 1, n=c + 1)
    if kind == "lm_head" and r == BOS:
        return i18n.say(lang, "final vote for the bell, reading card number %(n)s", n=c + 1)
    if kind == "lm_head":
        return i18n.say(lang, "final vote for '%(letter)s', reading card number %(n)s", letter=VOCAB[r], n=c + 1)
    if kind == "attn_wq":
        return i18n.say(lang, "sous-chef %(head)s's question knob %(k)s, reading card number %(n)s",
                        head=r // hs + 1, k=r % hs + 1, n=c + 1)
    if kind == "attn_wk":
        return i18n.say(lang, "sous-chef %(head)s's label knob %(k)s, reading card number %(n)s",
                        head=r // hs + 1, k=r % hs + 1, n=c + 1)
    if kind == "attn_wv":
        return i18n.say(lang, "sous-chef %(head)s's recipe knob %(k)s, reading card number %(n)s",
                        head=r // hs + 1, k=r % hs + 1, n=c + 1)
    if kind == "attn_wo":
        return i18n.say(lang, "report knob: sous-chef %(head)s's note %(note)s into card number %(n)s",
                        head=c // hs + 1, note=c % hs + 1, n=r + 1)
    if kind == "mlp_fc1":
        return i18n.say(lang, "prep-room worker %(worker)s, reading card number %(n)s", worker=r + 1, n=c + 1)
    return i18n.say(lang, "prep-room worker %(worker)s's output into card number %(n)s", worker=c + 1, n=r + 1)
