"""The site's words outside the story, in every language: message catalogs.

The story's text lives in ``content/<lang>/``; every other word a reader sees
(labels, buttons, messages, what a widget says about its result) is a message
in ``locales/<lang>/LC_MESSAGES/messages.po``, looked up by its English text.
A language is its catalog plus its content folder.

- In a template: ``{{ _("Serve") }}``, with named values
  ``{{ _("%(n)s of %(total)s", n=a, total=b) }}`` and plural forms
  ``{{ ngettext("%(num)s scene", "%(num)s scenes", count) }}``. The
  template's own language is chosen by the environment it is rendered in
  (``templating.env(lang)``). Values are escaped; the message's own markup is kept.
- In Python: ``say(lang, "Serve")``, ``say(lang, "%(n)s of %(total)s", n=a, total=b)``,
  ``say_n(lang, "%(num)s scene", "%(num)s scenes", count)``; ``markup(lang, ...)`` when the
  message holds markup. Words fixed before the language is known (a widget's
  title, a parameter's name, an error raised while parsing) are marked with
  ``N_("...")`` or carried as ``Message("...", value=...)`` and said later.
- A literal ``%`` in a message is written ``%%``: every message is formatted.

Numbers are formatted for a page's language here, and only here
(``integer``, ``decimal``, ``percent``, ``join``). Catalogs are read once, at
import; ``make catalogs`` extracts the messages from the code and templates and
updates every catalog (tests/app/test_catalogs.py fails on a message missing in
a language, or a catalog entry nothing uses).
"""

import io

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel import Locale
from babel.support import Translations
from markupsafe import Markup

from app.web import settings

DOMAIN = "messages"


def catalog_path(lang):
    return settings.LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang):
    """The catalog of ``lang`` as Babel reads it (entries, plural forms, flags)."""
    with open(catalog_path(lang), "rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def _translations(lang):
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang))
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


TRANSLATIONS = {lang: _translations(lang) for lang in settings.LANGS}


def _language_header(lang):
    with open(catalog_path(lang), "rb") as f:
        for line in f:
            if line.startswith(b'"Language: '):
                return line.decode()[len('"Language: '):].split("\\n")[0].strip()
    raise ValueError(f"{catalog_path(lang)} has no Language header")


_LOCALE = {lang: _language_header(lang) for lang in settings.LANGS}


def locale(lang):
    """The language's locale as Open Graph writes it (zh_CN, en_US): the catalog's ``Language``."""
    return _LOCALE[lang]


def translations(lang):
    """The gettext object of ``lang`` (what the language's Jinja environment installs)."""
    return TRANSLATIONS[lang]


def N_(message):
    """Marks ``message`` for the catalogs without saying it: it is said later, in a language."""
    return message


SITE_NAME = N_("The Apprentice's Kitchen")
TAGLINE = N_("How ChatGPT works, told as a kitchen story")


class Message:
    """Words to be said later, when the language is known: a message and its named values.

    Values that are themselves ``Message``s are said in the same language."""

    __slots__ = ("message", "values")

    def __init__(self, message, **values):
        self.message = message
        self.values = values

    def in_(self, lang):
        return say(lang, self.message, **self.values)

    def __repr__(self):
        return f"Message({self.message!r})"


def _said(lang, values):
    return {k: (v.in_(lang) if isinstance(v, Message) else v) for k, v in values.items()}


def say(lang, message, **values):
    """``message`` in ``lang``, with its named values filled in."""
    return TRANSLATIONS[lang].gettext(message) % _said(lang, values)


def say_n(lang, singular, plural, num, **values):
    """The form of the message that fits ``num`` in ``lang`` (``%(num)s`` is filled in)."""
    return TRANSLATIONS[lang].ngettext(singular, plural, num) % {"num": num, **_said(lang, values)}


def every_language(message, **values):
    """``message`` in each of the site's languages: {lang: words} (a JSON answer's ``message``)."""
    return {lang: say(lang, message, **values) for lang in settings.LANGS}


def markup(lang, message, **values):
    """Like ``say``, for a message that holds markup: the message is kept, the values escaped."""
    return Markup(TRANSLATIONS[lang].gettext(message)) % _said(lang, values)


def sentences(lang, *parts):
    """Sentences one after another, as the language writes them (a space between in English,
    none in Chinese). Empty parts are left out."""
    text = ""
    for part in parts:
        if part:
            text = say(lang, "%(first)s %(then)s", first=text, then=part) if text else part
    return text


def said(text, lang):
    """``text`` as words in ``lang``: a ``Message`` or a marked message is said; None stays None."""
    if text is None:
        return None
    if isinstance(text, Message):
        return text.in_(lang)
    return say(lang, text)


# ---- numbers, formatted for the page's language (the one place) -------------------------------

def integer(value):
    """A whole number with its thousands grouped: 4,192 (the same in Chinese and English)."""
    return f"{int(value):,}"


def decimal(value, places):
    """A number with ``places`` digits after the point: 0.50."""
    return f"{value:.{places}f}"


def signed(value, places=2):
    """A number with its sign always written, and a true minus: +0.25, −1.50."""
    return f"{value:+.{places}f}".replace("-", "−")


def percent(share, places=0):
    """A share of 1 as a percentage: 0.256 → 26%."""
    return f"{share * 100:.{places}f}%"


def number(value):
    """A number as short as it can be written: 0.5, 1, 1e-05."""
    return f"{value:g}"


# an ordinal by the language's own rule (Babel's CLDR data): 1st, 2nd, 3rd, 4th, 11th, 21st ...
ORDINALS = {"one": N_("%(n)sst"), "two": N_("%(n)snd"), "few": N_("%(n)srd"), "other": N_("%(n)sth")}
_ORDINAL_RULES = {}


def ordinal(n, lang):
    """The ``n``-th in ``lang``: "8th" in English, "8" in Chinese (the sentence says 第)."""
    if lang not in _ORDINAL_RULES:
        _ORDINAL_RULES[lang] = Locale.parse(locale(lang)).ordinal_form
    return say(lang, ORDINALS[_ORDINAL_RULES[lang](n)], n=integer(n))


def upright(lang):
    """Whether the language's script stands upright in a vertical line of text (Han, kana,
    Hangul): a figure may then write a short label top to bottom instead of turning it."""
    from babel.core import get_global
    likely = get_global("likely_subtags").get(lang, lang)
    return any(f"_{script}" in likely for script in ("Hans", "Hant", "Jpan", "Kore"))


def join(items, lang):
    """Items in a list, as the language lists them: a、b、c / a, b, c."""
    return say(lang, ", ").join(items)


def other(lang):
    """The next language of the site (the page's language switch points there)."""
    langs = settings.LANGS
    return langs[(langs.index(lang) + 1) % len(langs)]
