"""Two more kinds of query parameter, beside base.Number and base.Letters.

``Choice``: one of a few fixed words (an optimiser, a kind of book, a judge).
``NameList``: a short list of names typed by the reader, separated by commas
or spaces, each a-z and at most MAX_NAME_LEN letters (the engine's longest name).
``Pattern``: text matching a regular expression. All three raise ``InputError``
with a ``Message``, said in the page's language, like base's.
"""

import re
import string
from dataclasses import dataclass

from engine.tokenizer import MAX_NAME_LEN

from app.web import i18n
from app.web.i18n import Message
from app.widgets.base import MAX_RAW, InputError, Param


_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ascii_lower(text):
    """A-Z lower-cased, nothing else: ``str.lower`` would turn look-alikes such as the
    kelvin sign (U+212A) into a plain ``k``, which the tokenizer refuses."""
    return text.translate(_LOWER)


class _Options(Message):
    """A Choice's options as its message lists them, said in the page's language: each
    option's name with the option itself, or the bare options when they have no names."""

    def __init__(self, choice):
        super().__init__("")
        self.choice = choice

    def in_(self, lang):
        if not self.choice.words:
            return " / ".join(self.choice.options)
        return i18n.join([i18n.say(lang, "%(name)s (%(option)s)", name=name, option=key)
                          for key, name in self.choice.named(lang)], lang)


@dataclass(frozen=True)
class Choice(Param):
    """One of ``options`` (lower-case words). ``words`` may name each option for the
    reader, as (option, message); the error message and ``named`` then use those names."""

    options: tuple = ()
    words: tuple = ()

    def schema(self):
        return {"type": "string", "enum": list(self.options)}

    def named(self, lang):
        """(option, its name in ``lang``) for every option, in order."""
        names = dict(self.words)
        return [(key, i18n.say(lang, names[key]) if key in names else key) for key in self.options]

    def parse(self, raw):
        value = ascii_lower(str(raw).strip())
        if value not in self.options:
            raise InputError(Message("The %(what)s must be one of %(options)s.",
                                     what=Message(self.label), options=_Options(self)), self.key)
        return value


@dataclass(frozen=True)
class Pattern(Param):
    """Text matching ``regex`` in full (after lower-casing A-Z), or ``message`` (a ``Message``)."""

    regex: str = ""
    message: Message = None

    def schema(self):
        return {"type": "string", "pattern": f"^(?:{self.regex})$"}

    def parse(self, raw):
        value = ascii_lower(str(raw).strip())
        if len(value) > MAX_RAW or not re.fullmatch(self.regex, value):
            raise InputError(self.message, self.key)
        return value


SEP_RE = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True)
class NameList(Param):
    """Names separated by commas or spaces: a-z only, each at most MAX_NAME_LEN letters."""

    max_names: int = 50
    min_names: int = 1
    max_raw: int = 50 * (MAX_NAME_LEN + 2)  # room for 50 longest names and their separators
    max_len = MAX_NAME_LEN  # letters in one name

    def _error(self):
        return InputError(Message("The %(what)s: names separated by commas or spaces, letters a–z only, at most %(letters)s letters each, %(lo)s to %(hi)s names.",
                                  what=Message(self.label), letters=MAX_NAME_LEN, lo=self.min_names, hi=self.max_names),
                          self.key)

    def parse(self, raw):
        text = str(raw)
        if len(text) > self.max_raw:
            raise self._error()
        names = [n for n in SEP_RE.split(ascii_lower(text.strip())) if n]
        if not self.min_names <= len(names) <= self.max_names:
            raise self._error()
        for n in names:
            if len(n) > MAX_NAME_LEN or not re.fullmatch(r"[a-z]+", n):
                raise self._error()
        return tuple(names)

    def format(self, value):
        return ", ".join(value)

    def schema(self):
        return {"type": "string", "maxLength": self.max_raw,
                "pattern": r"^[a-z]{1,%d}(?:[ ,]+[a-z]{1,%d}){0,%d}$" % (MAX_NAME_LEN, MAX_NAME_LEN, self.max_names - 1)}
