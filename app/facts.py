"""The model's own numbers, for the placeholders in the story.

Every figure in the prose that comes from the model is written as a
placeholder (content/README.md lists them) and filled in here, from the
engine, when the site starts. Numbers are formatted for the page's language:
thousands separators in both, two decimals for losses (scores).
"""

import functools
import math
import re
from dataclasses import dataclass

from engine import checkpoint, data, model, tokenizer

from app import figures

PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}")
NAME_RE = re.compile(r"^([a-z_]+)(?::(.+))?$")


class PlaceholderError(ValueError):
    """A placeholder the site does not know, or a bad argument to one."""


def fmt_int(value):
    return f"{int(value):,}"


def fmt_loss(value):
    return f"{value:.2f}"


def fmt_number(value):
    return f"{value:g}"


def join_names(names, lang):
    return ("、" if lang == "zh" else ", ").join(names)


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
    stations: tuple = ()   # (station key, knobs, whole percent of the wall), app.figures.station_counts
    trace: dict = None     # chapter 5's trace back: app.figures.trace_blame for its dish

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


@functools.lru_cache(maxsize=1)
def build():
    names = data.load_names()
    known = data.known_names()
    samples = tuple(checkpoint.reference_samples())
    cfg = model.CONFIG
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
        stations=tuple(figures.station_counts()),
        trace=figures.trace_blame(),
    )


_SIMPLE = {
    "n_params": lambda f: fmt_int(f.n_params),
    "n_names": lambda f: fmt_int(f.n_names),
    "vocab_size": lambda f: fmt_int(f.vocab_size),
    "n_letters": lambda f: fmt_int(f.n_letters),
    "n_embd": lambda f: fmt_int(f.n_embd),
    "n_head": lambda f: fmt_int(f.n_head),
    "head_size": lambda f: fmt_int(f.head_size),
    "block_size": lambda f: fmt_int(f.block_size),
    "n_mlp": lambda f: fmt_int(f.n_mlp),
    "n_layer": lambda f: fmt_int(f.n_layer),
    "max_name_len": lambda f: fmt_int(f.max_name_len),
    "min_name_len": lambda f: fmt_int(f.min_name_len),
    "train_steps": lambda f: fmt_int(f.train_steps),
    "lr": lambda f: fmt_number(f.lr),
    "uniform_loss": lambda f: fmt_loss(f.uniform_loss),
    "n_invented": lambda f: fmt_int(sum(f.invented)),
    "sample_temperature": lambda f: fmt_number(f.temperature),
}
NAMES = tuple(_SIMPLE) + ("loss", "mean_loss", "samples", "sample", "invented", "params_in",
                          "station_knobs", "station_share", "trace_blame", "trace_knob")
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
    if name == "loss":
        return fmt_loss(f.loss_at(_int_arg(arg, 1, f.train_steps, "{{loss:N}}")))
    if name == "mean_loss":
        parts = (arg or "").split("-")
        if len(parts) != 2:
            raise PlaceholderError(f"{{{{mean_loss:A-B}}}} needs two steps like 901-1000, got {arg!r}")
        a = _int_arg(parts[0], 1, f.train_steps, "{{mean_loss:A-B}}")
        b = _int_arg(parts[1], a, f.train_steps, "{{mean_loss:A-B}} (B at least A)")
        chunk = f.losses[a - 1 : b]
        return fmt_loss(sum(chunk) / len(chunk))
    if name == "samples":
        count = len(f.samples) if arg is None else _int_arg(arg, 1, len(f.samples), "{{samples:N}}")
        return join_names(f.samples[:count], lang)
    if name == "sample":
        return f.samples[_int_arg(arg, 1, len(f.samples), "{{sample:K}}") - 1]
    if name == "invented":
        made_up = [s for s, new in zip(f.samples, f.invented) if new]
        if not made_up:
            raise PlaceholderError("{{invented:K}}: none of the 20 sampled names is invented")
        return made_up[_int_arg(arg, 1, len(made_up), "{{invented:K}}") - 1]
    if name == "params_in":
        if arg is None or arg.strip() not in f.param_counts:
            known = ", ".join(f.param_counts)
            raise PlaceholderError(f"{{{{params_in:NAME}}}} needs one of {known}, got {arg!r}")
        return fmt_int(f.param_counts[arg.strip()])
    if name in ("station_knobs", "station_share"):
        keys = [k for k, _, _ in f.stations]
        if arg is None or arg.strip() not in keys:
            raise PlaceholderError(f"{{{{{name}:KEY}}}} needs one of {', '.join(keys)}, got {arg!r}")
        _, count, pct = f.stations[keys.index(arg.strip())]
        return fmt_int(count) if name == "station_knobs" else fmt_int(pct)
    if name == "trace_blame":
        if arg is None or arg.strip() not in TRACE_STOP_KEYS:
            raise PlaceholderError(f"{{{{trace_blame:STOP}}}} needs one of {', '.join(TRACE_STOP_KEYS)}, got {arg!r}")
        return fmt_int(f.trace["stops"][TRACE_STOP_KEYS.index(arg.strip())])
    if name == "trace_knob":
        what = (arg or "").strip()
        t = f.trace
        if what == "dish":
            return t["dish"]
        if what == "number":
            return fmt_int(t["knob"])
        if what == "rank":
            return fmt_int(t["rank"])
        if what == "ordinal":   # "8th" in English, "8" in Chinese (第 8)
            return figures.ordinal(t["rank"]) if lang == "en" else fmt_int(t["rank"])
        if what == "label":
            from app.widgets import knobs
            return knobs.knob_label(checkpoint.default_params(), t["address"], lang)
        raise PlaceholderError(f"{{{{trace_knob:WHAT}}}} needs dish, number, rank, ordinal or label, got {arg!r}")
    raise PlaceholderError(f"unknown placeholder {{{{{expr}}}}}; content/README.md lists the known ones")


def fill(text, lang, facts=None):
    """Replace every placeholder in ``text``; raises PlaceholderError."""
    return PLACEHOLDER_RE.sub(lambda m: resolve(m.group(1), lang, facts), text)
