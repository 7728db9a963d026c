"""The model's own numbers, for the placeholders in the story.

Every figure in the prose that comes from the model is written as a
placeholder (content/README.md lists them) and filled in here, from the
engine, when the site starts. Numbers are formatted for the page's language:
thousands separators in both, two decimals for losses (scores).
"""

import functools
import math
import os
import re
from dataclasses import dataclass, field

from app.model_facts import figures
from app.web import i18n, settings
from engine import checkpoint, data, model, tokenizer

HABIT_NAMES = 300      # the sous-chefs' habits are read over this many names from the book (its first ones)
HABIT_MIN_SEEN = 40    # a course counts for a habit only if it was there to look back at this often
TIMES_ENV = settings.TRAIN_SECONDS_ENV  # "fast,reference": set once by `kitchen serve` so every worker says the same

PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}")
NAME_RE = re.compile(r"^([a-z_]+)(?::(.+))?$")


class PlaceholderError(ValueError):
    """A placeholder the site does not know, or a bad argument to one."""


def fmt_duration(seconds, lang):
    """A training time in words: under a second, so many seconds, so many minutes."""
    if seconds < 1:
        return i18n.say(lang, "under a second")
    if seconds < 90:
        return i18n.say_n(lang, "about %(num)s second", "about %(num)s seconds", round(seconds))
    return i18n.say_n(lang, "about %(num)s minute", "about %(num)s minutes", round(seconds / 60))


def course_name(token, lang):
    if token == tokenizer.BOS:
        return i18n.say(lang, "the bell")
    return tokenizer.VOCAB[token]


@dataclass(frozen=True)
class Facts:
    """Everything the placeholders can show, read once from the engine."""

    n_params: int
    n_names: int
    vocab_size: int
    n_letters: int
    n_embd: int
    n_head: int
    head_size: int
    block_size: int
    n_mlp: int
    n_layer: int
    max_name_len: int
    min_name_len: int
    lr: float
    losses: tuple          # the default run's loss at steps 1, 2, ...
    samples: tuple         # the 20 names of the reference run
    invented: tuple        # True where a sample is not in the data set
    temperature: float     # the temperature the 20 names were drawn at
    param_counts: dict     # matrix name -> number of knobs
    bell_shares: tuple     # each sous-chef's mean attention on the opening bell over HABIT_NAMES names
    even_share: float      # what looking evenly would give the bell over the same names
    habit: tuple           # (sous-chef 1-based, course letter, times even) of the strongest habit
    careful: tuple         # at temperature 0, from each opening letter: (name, invented)
    careful_name: str      # at temperature 0 from the bell alone
    train_seconds: float   # this engine's time for the default training run
    reference_seconds: float  # the one-number-at-a-time reference's time for it (estimated)
    params: object = field(default=None, compare=False, repr=False)  # the model the prefix placeholders ask
    stations: tuple = ()   # (station key, knobs, whole percent of the wall), app.model_facts.figures.station_counts
    trace: dict = None     # chapter 5's trace back: app.model_facts.figures.trace_blame for its dish

    @property
    def train_steps(self):
        return len(self.losses)

    @property
    def uniform_loss(self):
        return math.log(self.vocab_size)

    def loss_at(self, step):
        return self.losses[step - 1]


def learning_rate():
    """The starting learning rate of the default training run, from the engine."""
    from engine import optim

    return float(optim.AdamConfig().lr)


def training_times():
    """(this engine's seconds, the reference's seconds) for the default run.

    `kitchen serve` measures once and hands the figures to every worker in
    KITCHEN_TRAIN_SECONDS, so all workers print the same words; otherwise
    they are measured here.
    """
    raw = os.environ.get(TIMES_ENV, "")
    try:
        fast, slow = (float(x) for x in raw.split(","))
        if math.isfinite(fast) and math.isfinite(slow) and fast > 0 and slow > 0:
            return fast, slow
    except ValueError:
        pass
    from engine import reference, train

    return train.training_seconds(), reference.training_seconds()


def model_facts(params, names, known):
    """The placeholders' figures that depend on the knobs, for any model."""
    from engine import inspect, sample

    habits = inspect.head_habits(params, names[:HABIT_NAMES])
    course = habits.course[-1].copy()                      # (H,V) the last (only) table
    course[:, habits.seen < HABIT_MIN_SEEN] = 0.0
    h, v = divmod(int(course.argmax()), course.shape[1])
    careful = []
    for letter in tokenizer.VOCAB:
        r = sample.sample(params, n=1, temperature=0, prefix=letter, known=known)
        careful.append((r.names[0], bool(r.invented[0])))
    return {
        "bell_shares": tuple(float(x) for x in habits.bell[-1]),
        "even_share": float(habits.even_bell),
        "habit": (h + 1, tokenizer.VOCAB[v], float(course[h, v])),
        "careful": tuple(careful),
        "careful_name": sample.sample(params, n=1, temperature=0, known=known).names[0],
        "params": params,
    }


@functools.lru_cache(maxsize=1)
def build():
    names = data.load_names()
    known = data.known_names()
    samples = tuple(checkpoint.reference_samples())
    cfg = model.CONFIG
    fast, slow = training_times()
    return Facts(
        n_params=model.N_PARAMS,
        n_names=len(names),
        vocab_size=tokenizer.VOCAB_SIZE,
        n_letters=len(tokenizer.VOCAB),
        n_embd=cfg.n_embd,
        n_head=cfg.n_head,
        head_size=cfg.head_size,
        block_size=cfg.block_size,
        n_mlp=cfg.n_mlp,
        n_layer=cfg.n_layer,
        max_name_len=max(len(n) for n in names),
        min_name_len=min(len(n) for n in names),
        lr=learning_rate(),
        losses=tuple(float(x) for x in checkpoint.default_log()),
        samples=samples,
        invented=tuple(s not in known for s in samples),
        temperature=float(checkpoint.REFERENCE_TEMPERATURE),
        param_counts=model.param_counts(),
        train_seconds=fast,
        reference_seconds=slow,
        **model_facts(checkpoint.default_params(), names, known),
        stations=tuple(figures.station_counts()),
        trace=figures.trace_blame(),
    )


_SIMPLE = {
    "n_params": lambda f: i18n.integer(f.n_params),
    "n_names": lambda f: i18n.integer(f.n_names),
    "vocab_size": lambda f: i18n.integer(f.vocab_size),
    "n_letters": lambda f: i18n.integer(f.n_letters),
    "n_embd": lambda f: i18n.integer(f.n_embd),
    "n_head": lambda f: i18n.integer(f.n_head),
    "head_size": lambda f: i18n.integer(f.head_size),
    "block_size": lambda f: i18n.integer(f.block_size),
    "n_mlp": lambda f: i18n.integer(f.n_mlp),
    "n_layer": lambda f: i18n.integer(f.n_layer),
    "max_name_len": lambda f: i18n.integer(f.max_name_len),
    "min_name_len": lambda f: i18n.integer(f.min_name_len),
    "train_steps": lambda f: i18n.integer(f.train_steps),
    "lr": lambda f: i18n.number(f.lr),
    "uniform_loss": lambda f: i18n.decimal(f.uniform_loss, 2),
    "n_invented": lambda f: i18n.integer(sum(f.invented)),
    "sample_temperature": lambda f: i18n.number(f.temperature),
    "n_known": lambda f: i18n.integer(len(f.invented) - sum(f.invented)),
    "habit_names": lambda f: i18n.integer(HABIT_NAMES),
    "bell_share_low": lambda f: i18n.percent(min(f.bell_shares)),
    "bell_share_high": lambda f: i18n.percent(max(f.bell_shares)),
    "even_share": lambda f: i18n.percent(f.even_share),
    "habit_head": lambda f: i18n.integer(f.habit[0]),
    "habit_course": lambda f: f.habit[1],
    "habit_times": lambda f: f"{f.habit[2]:.1f}",
    "careful_name": lambda f: f.careful_name,
    "careful_openings": lambda f: i18n.integer(len(f.careful)),
    "careful_invented": lambda f: i18n.integer(sum(new for _, new in f.careful)),
}
_WORDED = {  # placeholders whose words depend on the language
    "train_time": lambda f, lang: fmt_duration(f.train_seconds, lang),
    "reference_train_time": lambda f, lang: fmt_duration(f.reference_seconds, lang),
}
NAMES = tuple(_SIMPLE) + tuple(_WORDED) + (
    "loss", "mean_loss", "odds", "samples", "sample", "invented", "params_in",
    "careful_example", "next", "next_pct", "passed", "token", "tokens",
    "station_knobs", "station_share", "trace_blame", "trace_knob",
)
TRACE_STOP_KEYS = ("pass", "prep", "sous", "cards")   # figures.TRACE_STOPS, from the plate back


def _int_arg(arg, lo, hi, what):
    if arg is None or not re.fullmatch(r"[0-9]+", arg.strip()):
        raise PlaceholderError(f"{what} needs a whole number from {lo} to {hi}, got {arg!r}")
    value = int(arg)
    if not lo <= value <= hi:
        raise PlaceholderError(f"{what} needs a whole number from {lo} to {hi}, got {value}")
    return value


def resolve(expr, lang, facts=None):
    """The text for one placeholder body (the part inside ``{{ }}``)."""
    f = facts or build()
    m = NAME_RE.match(expr.strip())
    if not m:
        raise PlaceholderError(f"unknown placeholder {{{{{expr}}}}}")
    name, arg = m.group(1), m.group(2)
    if name in _SIMPLE:
        if arg is not None:
            raise PlaceholderError(f"placeholder {{{{{name}}}}} takes no argument")
        return _SIMPLE[name](f)
    if name in _WORDED:
        if arg is not None:
            raise PlaceholderError(f"placeholder {{{{{name}}}}} takes no argument")
        return _WORDED[name](f, lang)
    if name == "loss":
        return i18n.decimal(f.loss_at(_int_arg(arg, 1, f.train_steps, "{{loss:N}}")), 2)
    if name in ("mean_loss", "odds"):
        parts = (arg or "").split("-")
        if len(parts) != 2:
            raise PlaceholderError(f"{{{{{name}:A-B}}}} needs two steps like 901-1000, got {arg!r}")
        a = _int_arg(parts[0], 1, f.train_steps, f"{{{{{name}:A-B}}}}")
        b = _int_arg(parts[1], a, f.train_steps, f"{{{{{name}:A-B}}}} (B at least A)")
        chunk = f.losses[a - 1 : b]
        mean = sum(chunk) / len(chunk)
        # a mean score s is a stake of about 1 in e**s on the right next course
        return i18n.decimal(mean, 2) if name == "mean_loss" else i18n.integer(round(math.exp(mean)))
    if name == "token":     # a course's number: {{token:e}}, {{token:bell}}
        what = (arg or "").strip()
        if what == "bell":
            return i18n.integer(tokenizer.BOS)
        if len(what) != 1 or what not in tokenizer.VOCAB:
            raise PlaceholderError(f"{{{{token:X}}}} needs one letter a-z or bell, got {arg!r}")
        return i18n.integer(tokenizer.encode_prefix(what)[-1])
    if name == "tokens":    # a name as the row of numbers the kitchen receives: {{tokens:emma}}
        what = (arg or "").strip()
        try:
            ids = tokenizer.encode(tokenizer.check_name(what))
        except ValueError as exc:
            raise PlaceholderError(f"{{{{tokens:NAME}}}}: {exc}, got {arg!r}") from None
        return " ".join(str(i) for i in ids)
    if name == "careful_example":
        made_up = [n for n, new in f.careful if new]
        if not made_up:
            raise PlaceholderError("{{careful_example:K}}: at temperature 0 no opening letter leads to an invented name")
        return made_up[_int_arg(arg, 1, len(made_up), "{{careful_example:K}}") - 1]
    if name in ("next", "next_pct", "passed"):
        return _prefix_fact(f, name, arg, lang)
    if name == "samples":
        count = len(f.samples) if arg is None else _int_arg(arg, 1, len(f.samples), "{{samples:N}}")
        return i18n.join(f.samples[:count], lang)
    if name == "sample":
        return f.samples[_int_arg(arg, 1, len(f.samples), "{{sample:K}}") - 1]
    if name == "invented":
        made_up = [s for s, new in zip(f.samples, f.invented) if new]
        if not made_up:
            raise PlaceholderError(f"{{{{invented:K}}}}: none of the {len(f.samples)} sampled names is invented")
        return made_up[_int_arg(arg, 1, len(made_up), "{{invented:K}}") - 1]
    if name == "params_in":
        if arg is None or arg.strip() not in f.param_counts:
            known = ", ".join(f.param_counts)
            raise PlaceholderError(f"{{{{params_in:NAME}}}} needs one of {known}, got {arg!r}")
        return i18n.integer(f.param_counts[arg.strip()])
    if name in ("station_knobs", "station_share"):
        keys = [k for k, _, _ in f.stations]
        if arg is None or arg.strip() not in keys:
            raise PlaceholderError(f"{{{{{name}:KEY}}}} needs one of {', '.join(keys)}, got {arg!r}")
        _, count, pct = f.stations[keys.index(arg.strip())]
        return i18n.integer(count) if name == "station_knobs" else i18n.integer(pct)
    if name == "trace_blame":
        if arg is None or arg.strip() not in TRACE_STOP_KEYS:
            raise PlaceholderError(f"{{{{trace_blame:STOP}}}} needs one of {', '.join(TRACE_STOP_KEYS)}, got {arg!r}")
        return i18n.integer(f.trace["stops"][TRACE_STOP_KEYS.index(arg.strip())])
    if name == "trace_knob":
        what = (arg or "").strip()
        t = f.trace
        if what == "dish":
            return t["dish"]
        if what == "number":   # as the knob wall numbers it (and its address takes it): no separator
            return str(t["knob"])
        if what == "rank":
            return i18n.integer(t["rank"])
        if what == "ordinal":   # "8th" in English, "8" in Chinese (第 8)
            return i18n.ordinal(t["rank"], lang)
        if what == "label":
            from app.model_facts import knob_words
            return knob_words.knob_label(checkpoint.default_params(), t["address"], lang)
        raise PlaceholderError(f"{{{{trace_knob:WHAT}}}} needs dish, number, rank, ordinal or label, got {arg!r}")
    raise PlaceholderError(f"unknown placeholder {{{{{expr}}}}}; content/README.md lists the known ones")


def _prefix_fact(f, name, arg, lang):
    """{{next:PREFIX:K}}, {{next_pct:PREFIX:K}}: the K-th favourite after PREFIX and its share;
    {{passed:PREFIX}}: how many prep-room hands the inspector lets through at PREFIX's last course."""
    from engine import inspect

    parts = (arg or "").split(":")
    want = 1 if name == "passed" else 2
    if len(parts) != want or not re.fullmatch(r"[a-z]{1,%d}" % tokenizer.MAX_NAME_LEN, parts[0]):
        shape = "PREFIX" if name == "passed" else "PREFIX:K"
        raise PlaceholderError(f"{{{{{name}:{shape}}}}} needs lower-case letters a-z like emm, got {arg!r}")
    params = f.params if f.params is not None else checkpoint.default_params()
    ins = inspect.inspect(params, parts[0], is_prefix=True)
    if name == "passed":
        return i18n.integer(int((ins.mlp_post[-1, -1] > 0).sum()))
    k = _int_arg(parts[1], 1, tokenizer.VOCAB_SIZE, f"{{{{{name}:PREFIX:K}}}}")
    probs = ins.probs[-1]
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    token = order[k - 1]
    return course_name(token, lang) if name == "next" else i18n.percent(float(probs[token]))


def fill(text, lang, facts=None):
    """Replace every placeholder in ``text``; raises PlaceholderError."""
    return PLACEHOLDER_RE.sub(lambda m: resolve(m.group(1), lang, facts), text)
