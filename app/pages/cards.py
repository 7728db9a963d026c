"""Share cards: the 1200×630 picture a chat or a social site shows for a link.

A card is drawn as SVG from what the page itself shows: its title in its own
language, the chapter label, and the page's first figure (the same drawing,
templates/figures/, that the page holds inline; a page without one shows the
book's opening drawing, the kitchen). A link that carries a widget's state
gets the same card with the widget's title under the page's.

The SVG is turned into PNG by resvg (PyPI ``resvg-py``): the Rust renderer that
the linebender project keeps, shipped as a self-contained wheel (no Cairo or
other system library to install), fast (tens of milliseconds a card), and it
draws text with the fonts installed on the machine, here Debian's Noto CJK for
both languages. Cards are drawn the first time they are asked for and kept.
The same renderer draws the site's icons from static/favicon.svg.
"""

import functools
import hashlib
import re
from html import escape

W, H = 1200, 630
FONT = "Noto Sans CJK SC"
PAPER, CARD, INK, MUTED, ACCENT, ACCENT_2, LINE = (
    "#fbf6ee", "#f4ece0", "#2b2420", "#6e625a", "#a8491f", "#3d6b5a", "#e2d6c6")

VAR_RE = re.compile(r"var\(\s*--[\w-]+\s*,\s*([^()]+?)\s*\)")
ROOT_RE = re.compile(r"<svg\b([^>]*)>")
VIEWBOX_RE = re.compile(r'viewBox="\s*([-\d.]+)[\s,]+([-\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"')
DROP_ATTRS_RE = re.compile(r'\s(?:role|aria-label|class|width|height|x|y|preserveAspectRatio)="[^"]*"')
FIGURE_RE = re.compile(r'<div class="figure-art"[^>]*>\s*(<svg\b.*?</svg>)', re.S)

# text column
LEFT, COL = 72, 600
ART_X, ART_Y, ART_W, ART_H = 712, 40, 448, 550


def first_figure(html):
    """The first inline drawing of a page's HTML, or None."""
    m = FIGURE_RE.search(html)
    return m.group(1) if m else None


def _is_wide(ch):
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF) or (0xF900 <= o <= 0xFAFF) or (0xFF00 <= o <= 0xFF60) or (0x3000 <= o <= 0x303F)


def text_width(text, size):
    """An estimate of the drawn width: CJK one em, Latin about half."""
    w = 0.0
    for ch in text:
        if _is_wide(ch):
            w += 1.0
        elif ch in "mwMW@":
            w += 0.85
        elif ch.isupper() or ch.isdigit():
            w += 0.64
        elif ch in "ilj.,:;'’!| ":
            w += 0.3
        else:
            w += 0.55
    return w * size


def wrap(text, size, width):
    """Lines of ``text`` that fit ``width`` at ``size``: Latin breaks at spaces,
    CJK between any two characters (not before closing punctuation)."""
    tokens = re.findall(r"[A-Za-z0-9'’\-.,!?;:()]+\s*|\s+|.", text)
    lines, line = [], ""
    for tok in tokens:
        if not line and not tok.strip():
            continue
        trial = line + tok
        if line and text_width(trial.rstrip(), size) > width and tok.strip() not in "，。：；！？、）》」』,.;:!?)":
            lines.append(line.rstrip())
            line = tok.lstrip()
        else:
            line = trial
    if line.strip():
        lines.append(line.rstrip())
    return lines


def fit(text, width, sizes, max_lines):
    """(size, lines): the largest size in ``sizes`` that keeps ``text`` within ``max_lines``."""
    for size in sizes:
        lines = wrap(text, size, width)
        if len(lines) <= max_lines:
            return size, lines
    size = sizes[-1]
    lines = wrap(text, size, width)[:max_lines]
    lines[-1] = lines[-1].rstrip(" .,，。") + "…"
    return size, lines


def _art(figure_svg):
    """The page's drawing placed in the card's right panel, its colours made plain."""
    svg = VAR_RE.sub(lambda m: m.group(1), figure_svg)
    svg = re.sub(r"<title>.*?</title>", "", svg, flags=re.S)
    m = ROOT_RE.search(svg)
    attrs = DROP_ATTRS_RE.sub("", m.group(1))
    placed = (f'<svg{attrs} x="{ART_X}" y="{ART_Y}" width="{ART_W}" height="{ART_H}" '
              f'preserveAspectRatio="xMidYMid meet">')
    return svg[: m.start()] + placed + svg[m.end():]


def _lines(lines, x, y, size, step, fill, weight=400):
    out = []
    for i, line in enumerate(lines):
        out.append(f'<text x="{x}" y="{y + i * step:.0f}" font-size="{size}" font-weight="{weight}" '
                   f'fill="{fill}">{escape(line)}</text>')
    return "\n".join(out)


def card_svg(lang, site_name, eyebrow, title, figure_svg, widget_title=None, tagline=""):
    """The card as SVG text: site name, label, title (and widget title), the drawing."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        f'font-family="{FONT}, sans-serif" xml:lang="{lang}">',
        f'<rect width="{W}" height="{H}" fill="{PAPER}"/>',
        f'<rect x="{ART_X - 24}" y="20" width="{W - ART_X + 4}" height="{H - 40}" rx="28" fill="{CARD}" '
        f'stroke="{LINE}" stroke-width="2"/>',
        f'<rect x="{LEFT}" y="64" width="56" height="8" rx="4" fill="{ACCENT}"/>',
        _lines([site_name], LEFT, 124, 34, 0, ACCENT, 700),
    ]
    y = 190
    if eyebrow:
        esize, elines = fit(eyebrow, COL, (30, 26, 22), 1)
        parts.append(_lines(elines, LEFT, y, esize, 0, MUTED, 400))
        y += 34
    max_title = 3 if widget_title else 4
    size, lines = fit(title, COL, (68, 60, 54, 48, 42), max_title)
    y += size * 1.15
    parts.append(_lines(lines, LEFT, y, size, size * 1.22, INK, 700))
    y += (len(lines) - 1) * size * 1.22
    if widget_title:
        wsize, wlines = fit(widget_title, COL - 36, (38, 34, 30), 3)
        y += 34 + wsize
        parts.append(f'<rect x="{LEFT}" y="{y - wsize * 0.95:.0f}" width="8" '
                     f'height="{(len(wlines) - 1) * wsize * 1.25 + wsize * 1.2:.0f}" rx="4" fill="{ACCENT_2}"/>')
        parts.append(_lines(wlines, LEFT + 28, y, wsize, wsize * 1.25, ACCENT_2, 700))
    if tagline:
        tsize, tlines = fit(tagline, COL, (26, 24, 22), 2)
        parts.append(_lines(tlines, LEFT, H - 56 - (len(tlines) - 1) * tsize * 1.3, tsize, tsize * 1.3, MUTED))
    if figure_svg:
        parts.append(_art(figure_svg))
    parts.append("</svg>")
    return "\n".join(parts)


def version(svg):
    """A short hash of a card's drawing, for its address (so it can be kept a year)."""
    return hashlib.sha256(svg.encode("utf-8")).hexdigest()[:10]


def png(svg, width=None, height=None):
    """The SVG drawn as PNG bytes."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(
        svg_string=svg, width=width, height=height,
        font_family=FONT, sans_serif_family=FONT, serif_family=FONT,
    ))


@functools.lru_cache(maxsize=256)
def png_cached(svg, width=None, height=None):
    return png(svg, width, height)
