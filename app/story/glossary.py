"""The glossary: the metaphor table for readers, and the links to it from the chapters.

``content/{zh,en}/glossary.md`` holds one ``::: term`` block per entry::

    ::: term knob kitchen="旋钮" real="参数 parameters" find="参数 parameters|parameters" chapter=1 widget=knob-wall
    墙上每一个能拧的数……
    :::

- ``kitchen``: the kitchen word; ``real``: the real term, as the story names it;
- ``find``: the phrases, separated by ``|``, that count as a mention of the term
  in a chapter: each chapter's first mention is linked to the entry;
- ``chapter``: where the story explains it; ``widget``: where it is shown (optional).

The inner lines are the one-sentence explanation. ``content.load`` reads the
glossary of a language first, then hands its terms to every chapter of that
language, whose rendered tokens get the links (``link_terms``).
"""

import html
import re
from dataclasses import dataclass

from markdown_it.token import Token

from app.web import i18n

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEYS = {"kitchen", "real", "find", "chapter", "widget"}
# blocks whose text is never linked: headings and the chapter's one-sentence summary
SKIP_OPEN = {"heading_open", "container_summary_open"}
SKIP_CLOSE = {"heading_close", "container_summary_close"}


@dataclass
class Term:
    id: str
    kitchen: str
    real: str
    find: tuple      # phrases that mention the term in a chapter
    chapter: int
    widget: str      # "" when no widget shows it
    line: int

    @property
    def anchor(self):
        return f"term-{self.id}"

    def href(self, lang):
        return f"/{lang}/glossary#{self.anchor}"

    def pattern(self):
        """One expression for all the phrases, longest first, never inside a Latin word."""
        alts = "|".join(re.escape(f) for f in sorted(self.find, key=len, reverse=True))
        return re.compile(rf"(?<![A-Za-z0-9])(?:{alts})(?![A-Za-z0-9])")


def parse_term(parts, args, where, line, chapters, widget_names):
    """A Term from a ``::: term`` line, checked; raises ValueError with the reason."""
    if len(parts) != 1 or not ID_RE.match(parts[0]):
        raise ValueError("'::: term' needs one id like knob, then key=\"value\" arguments")
    unknown = set(args) - KEYS
    if unknown:
        raise ValueError(f"unknown term argument(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(KEYS))})")
    for key in ("kitchen", "real", "find", "chapter"):
        if not args.get(key, "").strip():
            raise ValueError(f"term {parts[0]!r} needs {key}=\"...\"")
    if not re.fullmatch(r"[0-9]+", args["chapter"]) or int(args["chapter"]) not in chapters:
        raise ValueError(f"term {parts[0]!r}: chapter must be one of {', '.join(map(str, chapters))}")
    widget = args.get("widget", "").strip()
    if widget and widget not in widget_names:
        raise ValueError(f"term {parts[0]!r}: unknown widget {widget!r}")
    find = tuple(f.strip() for f in args["find"].split("|") if f.strip())
    return Term(id=parts[0], kitchen=args["kitchen"].strip(), real=args["real"].strip(), find=find,
                chapter=int(args["chapter"]), widget=widget, line=line)


def entry_html(term, lang, widget_title, widget_chapter):
    """(opening, closing) HTML of one entry; the sentence goes between."""
    e = html.escape
    opening = (
        f'<section class="term" id="{term.anchor}" aria-labelledby="{term.anchor}-h">\n'
        f'<h2 id="{term.anchor}-h"><span class="term-word">{e(term.kitchen)}</span> '
        f'<span class="term-real">{e(term.real)}</span></h2>\n'
    )
    chapter = i18n.say(lang, "Chapter %(n)s", n=term.chapter)
    links = [f'<a href="/{lang}/chapter/{term.chapter}">{e(chapter)}</a>']
    if term.widget:
        label = widget_title
        if widget_chapter != term.chapter:
            label += i18n.say(lang, " (chapter %(n)s)", n=widget_chapter)
        links.append(f'<a href="/{lang}/chapter/{widget_chapter}#w-{term.widget}">{e(label)}</a>')
    where = i18n.say(lang, "Explained and shown in: ") if term.widget else i18n.say(lang, "Explained in: ")
    closing = f'<p class="term-where">{e(where)}{" · ".join(links)}</p>\n</section>\n'
    return opening, closing


def index_html(terms, lang):
    """A list of every entry's kitchen word, linked, to stand before the first entry."""
    items = "".join(f'<li><a href="#{term.anchor}">{html.escape(term.kitchen)}</a></li>' for term in terms)
    label = i18n.say(lang, "All entries")
    return (f'<nav class="term-index" aria-label="{html.escape(label)}">\n'
            f'<ul>{items}</ul>\n</nav>\n')


def _text(content):
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def _link_children(children, todo, lang, linked):
    out = []
    depth = 0
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        if child.type != "text" or depth or not todo:
            out.append(child)
            continue
        text = child.content
        while todo:
            best = None
            for term, pat in todo.values():
                m = pat.search(text)
                if m and (best is None or (m.start(), -len(m.group())) < (best[1].start(), -len(best[1].group()))):
                    best = (term, m)
            if best is None:
                break
            term, m = best
            if m.start():
                out.append(_text(text[: m.start()]))
            a = Token("link_open", "a", 1)
            a.attrs = {"href": term.href(lang), "class": "term-link"}
            out += [a, _text(m.group()), Token("link_close", "a", -1)]
            linked.append(term.id)
            del todo[term.id]
            text = text[m.end():]
        if text:
            out.append(_text(text))
    return out


def link_terms(tokens, terms, lang):
    """Link each term's first mention in the page's prose to its entry; returns the ids linked."""
    todo = {term.id: (term, term.pattern()) for term in terms}
    linked = []
    skip = 0
    for token in tokens:
        if token.type in SKIP_OPEN:
            skip += 1
        elif token.type in SKIP_CLOSE:
            skip -= 1
        elif token.type == "inline" and not skip and todo and token.children:
            token.children = _link_children(token.children, todo, lang, linked)
    return linked
