"""What every widget is made of: typed query parameters and one engine call.

A widget's whole state is its query string. ``Widget.parse`` turns the query
values into a state (a dict of typed values) or raises ``InputError`` with a
short message in both languages; ``Widget.compute`` makes one engine call and
returns display-ready context for the partial ``templates/widgets/_<name>.html``.
"""

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from engine.tokenizer import MAX_NAME_LEN, check_name

MAX_RAW = 64  # longest raw query value we read or echo back


class InputError(ValueError):
    """A query value the widget cannot use. Carries its message in both languages."""

    def __init__(self, zh, en, key=None):
        super().__init__(en)
        self.messages = {"zh": zh, "en": en}
        self.key = key

    def message(self, lang):
        return self.messages.get(lang, self.messages["en"])


@dataclass(frozen=True)
class Param:
    """One query key of a widget."""

    key: str                      # the key, without the widget's namespace
    default: Any                  # used when the query and the content give none
    label_zh: str                 # how the message names it, in Chinese
    label_en: str                 # how the message names it, in English
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
                "description": f"{self.label_en} ({self.label_zh})"}


@dataclass(frozen=True)
class Number(Param):
    """A number between lo and hi; integer=True refuses fractions."""

    lo: float = 0
    hi: float = 1
    integer: bool = False

    def _bounds_error(self):
        lo, hi = self.format(self.lo), self.format(self.hi)
        kind_zh = "整数" if self.integer else "数"
        kind_en = "a whole number" if self.integer else "a number"
        return InputError(
            f"{self.label_zh}要是 {lo} 到 {hi} 之间的{kind_zh}。",
            f"The {self.label_en} must be {kind_en} from {lo} to {hi}.",
            self.key,
        )

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
                raise InputError(
                    f"{self.label_zh}不能是空的，请输入字母 a–z。",
                    f"The {self.label_en} is empty: type at least one letter a–z.",
                    self.key,
                ) from None
            raise InputError(
                f"{self.label_zh}只能用字母 a–z，最多 {self.max_len} 个。",
                f"The {self.label_en} may use only the letters a–z, at most {self.max_len} of them.",
                self.key,
            ) from None


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
    title: tuple = ()       # (zh, en): its title, as the partial and the embed snippet show it
    concept: tuple = ()     # (zh, en): the real term, in small type beside the title (none: empty)
    height: int = 700       # its embed iframe's starting height in CSS px (its embed page measured
                            # 640 px wide in its starting state, the taller language)
    numbers: dict = field(default_factory=dict, hash=False, compare=False)  # the engine's numbers its words show in every state
                            # (even beside an error message): ``w.numbers.<key>`` in the partial

    def title_in(self, lang):
        """The title in ``lang``, or None for a widget that gives none."""
        return (self.title[0] if lang == "zh" else self.title[1]) if self.title else None

    def concept_in(self, lang):
        return (self.concept[0] if lang == "zh" else self.concept[1]) if self.concept else None

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
                raise InputError(
                    f"挂件 {self.name} 没有参数 {key}（可用：{allowed}）。",
                    f"widget {self.name} has no argument {key!r} (it takes: {allowed})",
                    key,
                )
        return self.parse(args)

    def query(self, state):
        """The state as query values (without namespace), in parameter order."""
        return {p.key: p.format(state[p.key]) for p in self.params}

    def compute(self, state, lang):
        """One engine call; display-ready context for the partial."""
        raise NotImplementedError
