"""Keeping the message catalogs in step with the code: extract, update, check.

    python -m app.web.catalogs update   # what `make catalogs` runs
    python -m app.web.catalogs check    # what tests/app/test_catalogs.py asserts

``update`` reads every message the code and the templates use (``say``,
``say_n``, ``markup``, ``Message``, ``N_`` in app/; ``_`` and ``ngettext`` in
templates/) and rewrites each language's catalog with exactly those messages,
in the order they appear, keeping every translation already written; a new
message comes in with an empty translation, a message nothing uses any more is
dropped. ``check`` lists what is wrong without writing: a message without a
translation in some language, a catalog entry nothing uses, a translation whose
named values differ from its message's.
"""

import re
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from app.web import i18n, settings

# the functions that say a message, and which of their arguments are messages
KEYWORDS = {
    "_": None, "gettext": None, "N_": None, "Message": None,
    "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
    "say": (2,), "markup": (2,), "say_n": (2, 3),
}
TEMPLATE_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "extensions": "jinja2.ext.i18n"}
METHODS = [
    ("app/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.svg", "jinja2"),
]
OPTIONS = {"templates/**.html": TEMPLATE_OPTIONS, "templates/**.svg": TEMPLATE_OPTIONS}
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")


def extract():
    """Every message the site uses: {(msgid, context): [file, ...]}, in order. A msgid is a
    string, or (singular, plural); the context tells apart one English text said two ways
    (``pgettext("prep-room", "Show")`` in a template)."""
    found = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(settings.ROOT), METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        if filename.startswith("app/web/catalogs"):
            continue
        if isinstance(message, tuple):
            message = tuple(message[:2])
        if not message or (isinstance(message, tuple) and not all(message)):
            continue
        files = found.setdefault((message, context), [])
        if filename not in files:
            files.append(filename)
    return found


def _key(message):
    return message[0] if isinstance(message, tuple) else message


def _name(message, context):
    return f"{context}|{_key(message)}" if context else _key(message)


def update():
    """Rewrite every catalog with exactly the messages in use, keeping translations."""
    found = extract()
    for lang in settings.LANGS:
        old = i18n.read_catalog(lang)
        path = i18n.catalog_path(lang)
        text = path.read_text(encoding="utf-8")
        header = text[: text.index("\n\n") + 2]   # the catalog's own header, kept as written
        new = Catalog(locale=lang, domain=i18n.DOMAIN, charset="utf-8", fuzzy=False)
        new.mime_headers = old.mime_headers   # its plural rule, as the header gives it
        for (message, context), files in found.items():
            before = old.get(_key(message), context=context)
            plural = isinstance(message, tuple)
            string = before.string if before is not None else ("",) * new.num_plurals if plural else ""
            if plural and not isinstance(string, tuple):
                string = (string,) + ("",) * (new.num_plurals - 1)
            new.add(message, string, locations=[(f, None) for f in files], context=context)
        with open(path, "wb") as f:
            f.write(header.encode("utf-8"))
            write_po(f, new, width=0, include_lineno=False, omit_header=True)
    return found


def problems():
    """What is wrong with the catalogs, one line each (empty when all is well)."""
    found = extract()
    used = {(_key(m), c) for m, c in found}
    lines = []
    for lang in settings.LANGS:
        catalog = i18n.read_catalog(lang)
        nplurals = catalog.num_plurals
        for (message, context), files in found.items():
            entry = catalog.get(_key(message), context=context)
            where = ", ".join(files)
            name = _name(message, context)
            if entry is None:
                lines.append(f"{lang}: missing {name!r} ({where})")
                continue
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if isinstance(message, tuple) and len([s for s in strings if s]) < nplurals:
                lines.append(f"{lang}: {name!r} needs {nplurals} plural form(s) ({where})")
            elif not all(strings[:nplurals]) or not strings:
                lines.append(f"{lang}: no translation for {name!r} ({where})")
            if entry.fuzzy:
                lines.append(f"{lang}: {name!r} is marked fuzzy")
            wanted = set(PLACEHOLDER_RE.findall(" ".join(message) if isinstance(message, tuple) else message))
            for s in strings:
                if s and set(PLACEHOLDER_RE.findall(s)) - wanted:
                    lines.append(f"{lang}: {name!r} names values its message does not give: {s!r}")
        for entry in catalog:
            if entry.id and (_key(entry.id), entry.context) not in used:
                lines.append(f"{lang}: {_name(entry.id, entry.context)!r} is in the catalog but nothing uses it")
    return lines


def main(argv=None):
    command = (argv or sys.argv[1:] or ["check"])[0]
    if command == "update":
        found = update()
        print(f"{len(found)} messages in {', '.join(settings.LANGS)}")
        command = "check"
    if command == "check":
        lines = problems()
        for line in lines:
            print(line)
        return 1 if lines else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
