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

from app.widgets.base import InputError, Letters, Param, Widget
from app.web.i18n import N_
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
        last = n_pages(book())
        return InputError(
            f"{self.label_zh}要是 1 到 {last:,} 之间的整数。",
            f"The {self.label_en} must be a whole number from 1 to {last:,}.",
            self.key,
        )

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
    """One of a few fixed words."""

    choices: tuple = ()
    names_zh: tuple = ()
    names_en: tuple = ()

    def schema(self):
        return {"type": "string", "enum": list(self.choices)}

    def parse(self, raw):
        text = ascii_lower(str(raw).strip())  # A-Z only: the kelvin sign is no k
        if text not in self.choices:
            raise InputError(
                f"{self.label_zh}只能是：{'、'.join(self.names_zh)}。",
                f"The {self.label_en} must be one of: {', '.join(self.choices)}.",
                self.key,
            )
        return text


def pct(count, total):
    """A share as a short percentage: '30%', '0.9%', '<0.1%'."""
    share = 100 * count / total
    if share >= 10:
        return f"{share:.0f}%"
    if share >= 0.1:
        return f"{share:.1f}%"
    return "<0.1%" if count else "0%"


def lookup(b, q, lang):
    """What the book says about ``q``: found or not, where, and its neighbours."""
    zh = lang == "zh"
    if not q:
        return {
            "state": "empty",
            "text": "输入一个名字（只用字母 a–z），看看它在不在册子里。" if zh
            else "Type a name (letters a–z only) to see whether it is in the book.",
        }
    found = data.look_up(b, q, NEAREST)
    if found.card is not None:
        card, copies = found.card, found.copies
        page = (card - 1) // PAGE_SIZE + 1
        if zh:
            text = f"在。“{q}”在册子里：第 {card:,} 张卡片，第 {page:,} 页。"
            if copies > 1:
                text += f"它一共出现了 {copies} 次。"
        else:
            text = f"Yes. “{q}” is in the book: card {card:,}, on page {page:,}."
            if copies > 1:
                text += f" It appears {copies} times."
        return {"state": "found", "text": text, "page": page, "name": q}
    text = (f"不在。师傅从没做过“{q}”这一套。" if zh
            else f"No. The master never served “{q}”.")
    near = ("按字母顺序，它前后最近的几个名字是：" if zh
            else "The nearest names in alphabetical order are:")
    return {"state": "missing", "text": text, "near_text": near, "before": list(found.before),
            "after": list(found.after), "name": q}


def length_chart(b, lang):
    total = len(b.names)
    top = max(b.lengths.values())
    rows, cols = [], []
    for i, (n, count) in enumerate(b.lengths.items()):
        h = round(BAR_H * count / top, 1)
        x = i * LEN_COL
        rows.append({"n": n, "count": f"{count:,}", "pct": pct(count, total)})
        cols.append({
            "x": x + 3, "w": LEN_COL - 6, "y": round(BAR_TOP + BAR_H - h, 1), "h": h,
            "cx": x + LEN_COL / 2, "label": str(n),
            # over the bar, a whole percentage, large enough to read on a phone; bars under
            # 1% are too thin to label (the table has every figure)
            "pct": f"{round(100 * count / total)}%" if count >= total / 100 else "",
            "pct_y": round(BAR_TOP + BAR_H - h - 3, 1), "count": count,
        })
    mode_n, mode_count = max(b.lengths.items(), key=lambda kv: kv[1])
    lo, hi = min(b.lengths), max(b.lengths)
    if lang == "zh":
        summary = (f"最常见的是 {mode_n} 道菜的一套：{mode_count:,} 套，占 {pct(mode_count, total)}。"
                   f"最短的 {lo} 道，最长的 {hi} 道。")
    else:
        summary = (f"The most common length is {mode_n} courses: {mode_count:,} menus, {pct(mode_count, total)}. "
                   f"The shortest has {lo}, the longest {hi}.")
    width = LEN_COL * len(cols)
    return {
        "cols": cols, "rows": rows, "summary": summary,
        "width": width, "height": BAR_TOP + BAR_H + LABEL_H, "base_y": BAR_TOP + BAR_H,
        "label_y": BAR_TOP + BAR_H + LABEL_H - 3,
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
        rows.append({"rank": i + 1, "letter": ch, "count": f"{count:,}", "pct": pct(count, total)})
        cols.append({
            "x": x + 1.5, "w": LET_COL - 3, "y": round(BAR_TOP + BAR_H - h, 1), "h": h,
            "cx": x + LET_COL / 2, "label": ch, "count": count,
        })
    first, last = ranked[0], ranked[-1]
    nf, nl = counts[first], counts[last]
    if lang == "zh":
        where = {"all": "所有菜里", "first": "开场第一道", "last": "收尾最后一道"}[by]
        summary = (f"{where}最常见的是 {first}：{nf:,} 次，占 {pct(nf, total)}。"
                   f"最少见的是 {last}：{nl:,} 次。")
        unit = {"all": "道菜", "first": "套菜", "last": "套菜"}[by]
        summary += f"一共 {total:,} {unit}。"
    else:
        where = {"all": "Of all courses", "first": "As the opening course", "last": "As the closing course"}[by]
        summary = (f"{where}, the most common is {first}: {nf:,} times, {pct(nf, total)}. "
                   f"The rarest is {last}: {nl:,} times.")
        unit = {"all": "courses", "first": "menus", "last": "menus"}[by]
        summary += f" {total:,} {unit} in all."
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
        zh = lang == "zh"
        page = state["page"]
        start = (page - 1) * PAGE_SIZE
        q = state["q"]
        names = [
            {"card": f"{start + i + 1:,}", "text": name, "match": bool(q) and name == q}
            for i, name in enumerate(b.names[start:start + PAGE_SIZE])
        ]
        n_menus, n_distinct = len(b.names), len(b.copies)
        end = start + len(names)
        if zh:
            intro = f"册子里一共 {n_menus:,} 套菜单，其中 {n_distinct:,} 个不同的名字（有些名字出现不止一次）。"
            page_text = f"第 {page:,} 页，共 {last:,} 页：第 {start + 1:,}–{end:,} 张卡片。"
        else:
            intro = (f"The book holds {n_menus:,} menus, {n_distinct:,} different names "
                     "(some names appear more than once).")
            page_text = f"Page {page:,} of {last:,}: cards {start + 1:,}–{end:,}."
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
               names_zh=("all（所有菜）", "first（第一道）", "last（最后一道）"),
               names_en=("all", "first", "last")),
    ),
    assets=("css/widgets/recipe-book.css",),
)
