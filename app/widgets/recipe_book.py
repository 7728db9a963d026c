"""Chapter 1's book of menus: look a name up, open a page, see what the menus are like.

State: q (a name to look up, may be empty), page (which page of twelve menus is
open, 1-based, in file order), by (which courses the chart counts: every
course, only the first one, or only the last one). The "random page" button
draws the next page from a generator seeded by the page open now, so every
page, random or not, has its own link.

Every count comes from ``engine.data.book_stats()`` (the names counted once,
when first needed) and every look-up from ``engine.data.look_up``; nothing is
typed by hand.
"""

import math
import random
from dataclasses import dataclass

from engine import data
from engine.tokenizer import MAX_NAME_LEN, VOCAB

from app.web import i18n
from app.web.i18n import N_, Message
from app.widgets.base import InputError, Letters, Param, Widget
from app.widgets.choices import ascii_lower

PAGE_SIZE = 12      # menus on one page of the book
NEAREST = 3         # neighbours shown on each side when a name is not in the book
BY = ("all", "first", "last")

# chart geometry, in SVG user units (the SVG scales to the widget's width)
LEN_COL = 22        # width of one length column
LET_COL = 12        # width of one letter column
BAR_TOP = 14        # room above the tallest bar for its label
BAR_H = 90          # height of the tallest bar
LABEL_H = 16        # room under the bars for the axis labels


def book():
    """The counted book for the names the engine reads now (``engine.data.book_stats``)."""
    return data.book_stats()


def n_pages(b):
    return math.ceil(len(b.names) / PAGE_SIZE)


def random_page(page, n_pages):
    """The page the "random page" button opens from ``page``: seeded by it, never itself."""
    if n_pages < 2:
        return page
    rng = random.Random(f"recipe-book page {page}")
    other = rng.randrange(1, n_pages)          # 1 .. n_pages-1
    return other if other < page else other + 1


@dataclass(frozen=True)
class Page(Param):
    """A page of the book: a whole number from 1 to the last page."""

    def _error(self):
        return InputError(Message("The %(what)s must be a whole number from %(lo)s to %(hi)s.", what=Message(self.label),
                                  lo=i18n.integer(1), hi=i18n.integer(n_pages(book()))), self.key)

    def schema(self):
        return {"type": "integer", "minimum": 1, "maximum": n_pages(book())}

    def parse(self, raw):
        text = str(raw).strip()
        if not text.isdigit() or len(text) > 9:
            raise self._error()
        value = int(text)
        if not 1 <= value <= n_pages(book()):
            raise self._error()
        return value


@dataclass(frozen=True)
class Choice(Param):
    """One of a few fixed words; ``message`` (``N_(…)``, ``%(what)s`` for the label) names them when refused."""

    choices: tuple = ()
    message: str = ""

    def schema(self):
        return {"type": "string", "enum": list(self.choices)}

    def parse(self, raw):
        text = ascii_lower(str(raw).strip())  # A-Z only: the kelvin sign is no k
        if text not in self.choices:
            raise InputError(Message(self.message, what=Message(self.label)), self.key)
        return text


def pct(count, total):
    """A share as a short percentage: '30%', '0.9%', '<0.1%'."""
    share = count / total
    if share >= 0.1:
        return i18n.percent(share)
    if share >= 0.001:
        return i18n.percent(share, 1)
    return "<0.1%" if count else "0%"


def lookup(b, q, lang):
    """What the book says about ``q``: found or not, where, and its neighbours."""
    if not q:
        return {"state": "empty", "text": i18n.say(lang, "Type a name (letters a–z only) to see whether it is in the book.")}
    found = data.look_up(b, q, NEAREST)
    if found.card is not None:
        card, copies = found.card, found.copies
        page = (card - 1) // PAGE_SIZE + 1
        where = {"name": q, "card": i18n.integer(card), "page": i18n.integer(page)}
        if copies > 1:
            text = i18n.say(lang, "Yes. “%(name)s” is in the book: card %(card)s, on page %(page)s. It appears %(n)s times.",
                            n=copies, **where)
        else:
            text = i18n.say(lang, "Yes. “%(name)s” is in the book: card %(card)s, on page %(page)s.", **where)
        return {"state": "found", "text": text, "page": page, "name": q}
    text = i18n.say(lang, "No. The master never served “%(name)s”.", name=q)
    near = i18n.say(lang, "The nearest names in alphabetical order are:")
    return {"state": "missing", "text": text, "near_text": near, "before": list(found.before),
            "after": list(found.after), "name": q}


def length_chart(b, lang):
    total = len(b.names)
    top = max(b.lengths.values())
    rows, cols = [], []
    for i, (n, count) in enumerate(b.lengths.items()):
        h = round(BAR_H * count / top, 1)
        x = i * LEN_COL
        rows.append({"n": n, "count": i18n.integer(count), "pct": pct(count, total)})
        cols.append({
            "x": x + 3, "w": LEN_COL - 6, "y": round(BAR_TOP + BAR_H - h, 1), "h": h,
            "cx": x + LEN_COL / 2, "label": str(n),
            # over the bar, a whole percentage, large enough to read on a phone; bars under
            # 1% are too thin to label (the table has every figure)
            "pct": i18n.percent(count / total) if count >= total / 100 else "",
            "pct_y": round(BAR_TOP + BAR_H - h - 3, 1), "count": count,
        })
    mode_n, mode_count = max(b.lengths.items(), key=lambda kv: kv[1])
    lo, hi = min(b.lengths), max(b.lengths)
    summary = i18n.say(lang, "The most common length is %(n)s courses: %(count)s menus, %(share)s. The shortest has %(lo)s, the longest %(hi)s.",
                       n=mode_n, count=i18n.integer(mode_count), share=pct(mode_count, total), lo=lo, hi=hi)
    width = LEN_COL * len(cols)
    return {
        "cols": cols, "rows": rows, "summary": summary,
        "width": width, "height": BAR_TOP + BAR_H + LABEL_H, "base_y": BAR_TOP + BAR_H,
        "label_y": BAR_TOP + BAR_H + LABEL_H - 3,
    }


# what the letter chart says, for each way of counting
LETTER_SUMMARY = {
    "all": N_("Of all courses, the most common is %(first)s: %(nf)s times, %(share)s. The rarest is %(last)s: %(nl)s times. %(total)s courses in all."),
    "first": N_("As the opening course, the most common is %(first)s: %(nf)s times, %(share)s. The rarest is %(last)s: %(nl)s times. %(total)s menus in all."),
    "last": N_("As the closing course, the most common is %(first)s: %(nf)s times, %(share)s. The rarest is %(last)s: %(nl)s times. %(total)s menus in all."),
}


def letter_chart(b, by, lang):
    counts = b.letters[by]
    total = sum(counts.values())
    ranked = sorted(VOCAB, key=lambda ch: (-counts[ch], ch))
    top = counts[ranked[0]]
    rows, cols = [], []
    for i, ch in enumerate(ranked):
        count = counts[ch]
        h = round(BAR_H * count / top, 1)
        x = i * LET_COL
        rows.append({"rank": i + 1, "letter": ch, "count": i18n.integer(count), "pct": pct(count, total)})
        cols.append({
            "x": x + 1.5, "w": LET_COL - 3, "y": round(BAR_TOP + BAR_H - h, 1), "h": h,
            "cx": x + LET_COL / 2, "label": ch, "count": count,
        })
    first, last = ranked[0], ranked[-1]
    nf, nl = counts[first], counts[last]
    summary = i18n.say(lang, LETTER_SUMMARY[by], first=first, nf=i18n.integer(nf), share=pct(nf, total),
                       last=last, nl=i18n.integer(nl), total=i18n.integer(total))
    width = LET_COL * len(cols)
    return {
        "cols": cols, "rows": rows, "summary": summary,
        "width": width, "height": BAR_TOP + BAR_H + LABEL_H, "base_y": BAR_TOP + BAR_H,
        "label_y": BAR_TOP + BAR_H + LABEL_H - 3, "top": first,
    }


class RecipeBook(Widget):
    def compute(self, state, lang):
        b = book()
        last = n_pages(b)
        page = state["page"]
        start = (page - 1) * PAGE_SIZE
        q = state["q"]
        names = [
            {"card": i18n.integer(start + i + 1), "text": name, "match": bool(q) and name == q}
            for i, name in enumerate(b.names[start:start + PAGE_SIZE])
        ]
        n_menus, n_distinct = len(b.names), len(b.copies)
        end = start + len(names)
        intro = i18n.say(lang, "The book holds %(menus)s menus, %(names)s different names (some names appear more than once).",
                         menus=i18n.integer(n_menus), names=i18n.integer(n_distinct))
        page_text = i18n.say(lang, "Page %(page)s of %(last)s: cards %(first)s–%(end)s.", page=i18n.integer(page),
                             last=i18n.integer(last), first=i18n.integer(start + 1), end=i18n.integer(end))
        return {
            "intro": intro,
            "lookup": lookup(b, q, lang),
            "page": page,
            "page_text": page_text,
            "names": names,
            "prev_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if page < last else None,
            "random_page": random_page(page, last),
            "lengths": length_chart(b, lang),
            "letters": letter_chart(b, state["by"], lang),
            "by": state["by"],
        }


RECIPE_BOOK = RecipeBook(
    name="recipe-book",
    chapter=1,
    title=N_("The master's book of menus"),
    concept=N_("training data"),
    height=1340,
    params=(
        Letters("q", "", N_("name to look up"), max_len=MAX_NAME_LEN, allow_empty=True),
        Page("page", 1, N_("page")),
        Choice("by", "all", N_("courses to count"), choices=BY,
               message=N_("The %(what)s must be one of: all, first, last.")),
    ),
    assets=("css/widgets/recipe-book.css",),
)
