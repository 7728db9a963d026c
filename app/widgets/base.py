"""What every widget is made of: typed query parameters and one engine call.

A widget's whole state is its query string. ``Widget.parse`` turns the query
values into a state (a dict of typed values) or raises ``InputError`` with a
short ``Message``, said in the page's language; ``Widget.compute`` makes one engine call and
returns display-ready context for the partial ``templates/widgets/_<name>.html``.
"""

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from engine.tokenizer import MAX_NAME_LEN, check_name

from app.web import i18n, settings
from app.web.i18n import N_, Message

MAX_RAW = 64  # longest raw query value we read or echo back


class InputError(ValueError):
    """A query value the widget cannot use. Carries its message (an ``i18n.Message``),
    said in the page's language, and the key it is about."""

    def __init__(self, said, key=None):
        super().__init__(said.in_("en"))
        self.said = said
        self.key = key

    def message(self, lang):
        return self.said.in_(lang)


API_LANG = "en"   # the language the API documents itself in first (the JSON's field names are English)


def described(label):
    """A parameter's name for the API's documentation: in English, then in the other languages."""
    langs = sorted(settings.LANGS, key=lambda x: x != API_LANG)
    first, *rest = (i18n.say(lang, label) for lang in langs)
    return f"{first} ({' / '.join(rest)})" if rest else first


@dataclass(frozen=True)
class Param:
    """One query key of a widget."""

    key: str                      # the key, without the widget's namespace
    default: Any                  # used when the query and the content give none
    label: str                    # how a message names it (``N_(…)``: said in the page's language)
    max_raw: int = MAX_RAW        # longest raw value read from the query for this key

    def parse(self, raw):
        raise NotImplementedError

    def format(self, value):
        return str(value)

    def schema(self):
        """The query value as an OpenAPI schema (what ``parse`` accepts, as far as a
        schema can say it); ``parse`` stays the judge."""
        return {"type": "string", "maxLength": self.max_raw}

    def openapi(self):
        """This key as an OpenAPI query parameter: schema, default and what it means."""
        schema = dict(self.schema())
        if self.default is not None:
            schema["default"] = self.format(self.default) if schema.get("type") == "string" else self.default
        return {"name": self.key, "in": "query", "required": False, "schema": schema,
                "description": described(self.label)}


@dataclass(frozen=True)
class Number(Param):
    """A number between lo and hi; integer=True refuses fractions."""

    lo: float = 0
    hi: float = 1
    integer: bool = False

    # what a value out of bounds is told: (for a whole number, for any number)
    bounds = (N_("The %(what)s must be a whole number from %(lo)s to %(hi)s."),
              N_("The %(what)s must be a number from %(lo)s to %(hi)s."))

    def _bounds_error(self):
        message = self.bounds[0] if self.integer else self.bounds[1]
        return InputError(Message(message, what=Message(self.label), lo=self.format(self.lo), hi=self.format(self.hi)),
                          self.key)

    def parse(self, raw):
        text = str(raw).strip()
        if not text or len(text) > 32:
            raise self._bounds_error()
        try:
            value = float(text)
        except ValueError:
            raise self._bounds_error() from None
        if not math.isfinite(value) or not self.lo <= value <= self.hi:
            raise self._bounds_error()
        if self.integer:
            if value != int(value):
                raise self._bounds_error()
            return int(value)
        return round(value, 6) + 0.0  # -0 (or a tiny negative) is 0: one state, one address

    def format(self, value):
        if self.integer:
            return str(int(value))
        return f"{value:g}"

    def schema(self):
        return {"type": "integer" if self.integer else "number", "minimum": self.lo, "maximum": self.hi}


@dataclass(frozen=True)
class Letters(Param):
    """A name or the start of one: letters a-z only, at most max_len of them."""

    max_len: int = MAX_NAME_LEN  # the engine's longest name
    allow_empty: bool = True

    def schema(self):
        return {"type": "string", "pattern": r"^\s*[a-zA-Z]{%d,%d}\s*$" % (0 if self.allow_empty else 1, self.max_len)}

    def parse(self, raw):
        text = str(raw)
        try:
            return check_name(text[: MAX_RAW + 1], allow_empty=self.allow_empty, max_len=self.max_len)
        except ValueError:
            if not text.strip() and not self.allow_empty:
                raise InputError(Message("The %(what)s is empty: type at least one letter a–z.",
                                         what=Message(self.label)), self.key) from None
            raise InputError(Message("The %(what)s may use only the letters a–z, at most %(n)s of them.",
                                     what=Message(self.label), n=self.max_len), self.key) from None


@dataclass(frozen=True)
class Widget:
    """A widget: its name, home chapter, parameters and the engine call.

    Subclasses set ``params`` and implement ``compute``. ``title`` and ``concept``
    name it (the partial shows ``w.title`` and ``w.concept``), ``height`` is its
    embed iframe's starting height, and each parameter's limits (``w.lo``,
    ``w.hi`` in the partial) are the ones ``parse`` holds it to.
    ``assets`` lists the widget's own files under static/ (``css/widgets/<name>.css``,
    ``js/widgets/<name>.js``), loaded once in the head of any page that shows it.
    """

    name: str
    chapter: int
    params: tuple = ()
    assets: tuple = field(default=())
    title: str = ""         # N_(…): its title, as the partial and the embed snippet show it
    concept: str = ""       # N_(…): the real term, in small type beside the title (none: empty)
    height: int = 700       # its embed iframe's starting height in CSS px (its embed page measured
                            # 640 px wide in its starting state, the taller language)
    numbers: dict = field(default_factory=dict, hash=False, compare=False)  # the engine's numbers its words show in every state
                            # (even beside an error message): ``w.numbers.<key>`` in the partial
    quick: bool = False     # its answer takes a few milliseconds of CPU at most, in any state: the
                            # worker renders it on the event loop, as a hop to the thread pool and
                            # back costs a tenth to a fifth of a millisecond (app/widgets/admission.py)

    def title_in(self, lang):
        """The title in ``lang`` (the partial, the embed page and snippet, oEmbed and the share card show it)."""
        return i18n.say(lang, self.title)

    def concept_in(self, lang):
        return i18n.say(lang, self.concept) if self.concept else None

    @property
    def template(self):
        return f"widgets/_{self.name}.html"

    def parse(self, values: Mapping[str, str], defaults: Mapping[str, str] | None = None):
        """State from raw values; missing keys come from ``defaults`` (the content's
        starting state), then from each parameter's own default."""
        defaults = defaults or {}
        state = {}
        for p in self.params:
            raw = values.get(p.key)
            if raw is None:
                raw = defaults.get(p.key)
            state[p.key] = p.default if raw is None else p.parse(raw)
        return state

    def check_args(self, args: Mapping[str, str]):
        """Validate a content block's arguments; raises InputError."""
        known = {p.key for p in self.params}
        for key in args:
            if key not in known:
                allowed = ", ".join(sorted(known)) or "none"
                raise InputError(Message("widget %(name)s has no argument '%(key)s' (it takes: %(allowed)s)",
                                         name=self.name, key=key, allowed=allowed), key)
        return self.parse(args)

    def query(self, state):
        """The state as query values (without namespace), in parameter order."""
        return {p.key: p.format(state[p.key]) for p in self.params}

    def compute(self, state, lang):
        """One engine call; display-ready context for the partial."""
        raise NotImplementedError
