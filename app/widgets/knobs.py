"""What ``trace-back`` and ``knob-wall`` share: the model they read, a query
parameter for "a number or nothing", and number formatting with a few
significant digits. The knobs' names for readers are ``app.model_facts.knob_words``
(re-exported here for the two widgets).
"""

import math
from dataclasses import dataclass

from engine import checkpoint
from engine import inspect as ins
from engine.tokenizer import BELL, BOS, VOCAB  # noqa: F401

from app.model_facts.knob_words import (AXES, ORDER, STATION_WORDS, STATIONS, TERM, axis_help, knob_label,  # noqa: F401
                                        matrix, station_name)
from app.web import i18n
from app.web.i18n import N_
from app.widgets.base import Number


def params():
    """The shared trained model (read-only)."""
    return checkpoint.default_params()


def shape(key, p=None):
    p = p or params()
    _, rows, cols = p.offsets[matrix(key)]
    return rows, cols


def station_of(p, index):
    """(station key, KnobAddress) of a flat index."""
    a = ins.knob_address(p, int(index))
    return a.kind, a


def sig(x, digits=3):
    """``x`` with a few significant digits, never in scientific notation: 0.000123."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    places = digits - 1 - math.floor(math.log10(abs(x)))
    places = min(max(places, 0), 12)
    text = i18n.decimal(x, places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def num(x):
    """A small worked-example number: 6 rather than 6.0, else up to 4 significant digits."""
    x = float(x)
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    return sig(x, 4)


@dataclass(frozen=True)
class MaybeNumber(Number):
    """A number from lo to hi, or empty for "none"."""

    bounds = (N_("The %(what)s must be a whole number from %(lo)s to %(hi)s, or empty."),
              N_("The %(what)s must be a number from %(lo)s to %(hi)s, or empty."))

    def parse(self, raw):
        return None if str(raw).strip() == "" else super().parse(raw)

    def format(self, value):
        return "" if value is None else super().format(value)
