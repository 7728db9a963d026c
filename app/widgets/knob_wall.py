"""Chapter 5's wall of knobs: all 4,192, grouped by station, set and tasted and turned.

State: ``name`` (the menu Xiao Ming tastes), ``view`` (``setting``: colour =
where each knob is set; ``influence``: colour = its influence on the menu's
score), ``station`` (which station is zoomed into, knob by knob), ``knob`` (the
selected knob's number, 0-4191, or empty) and ``set`` (a new setting for it,
or empty).

Engine calls: ``engine.inspect.gradient`` for the influence of every knob;
``engine.inspect.turn_knobs`` (on a private copy, the shared model is never
touched) and ``engine.inspect.inspect`` for the score and the vote before and
after a turn. The page shows the overview of the nine stations and one
station's grid, never 4,192 elements at once.
"""

import base64
import functools
import struct
import zlib

import numpy as np
from markupsafe import Markup, escape

from engine import inspect as ins
from engine.model import N_PARAMS
from engine.tokenizer import BELL, BOS, VOCAB, token_label

from app.widgets import knobs
from app.web import i18n
from app.web.i18n import N_
from app.widgets.base import Letters, Widget
from app.widgets.choices import Choice

N_VOTES = 4      # next-course options shown before and after a turn
N_TOP = 8        # knobs listed in the text version of a station
N_DOTS = 5       # knobs of most influence marked with a dot in a station's grid
SCALE_Q = 0.99   # colours saturate at this quantile of |value| over the whole wall


def _row_label(key, r, hs):
    if key in ("wte", "lm_head"):
        return BELL if r == BOS else VOCAB[r]
    if key in ("attn_wq", "attn_wk", "attn_wv"):
        return f"{r // hs + 1}·{r % hs + 1}"
    return str(r + 1)


def _col_label(key, c, hs):
    if key == "attn_wo":
        return f"{c // hs + 1}·{c % hs + 1}"
    return str(c + 1)


def _scale(values):
    mags = np.abs(values[values != 0])
    if mags.size == 0:
        return 1.0
    return float(np.quantile(mags, SCALE_Q)) or 1.0


def _fmt(v):
    """A colour strength from -1 to 1, two decimals, written compactly ("-.42")."""
    text = f"{v:.2f}".replace("0.", ".")
    return "0" if text in (".00", "-.00") else text


KEY = "@KNOB@"  # stands for the widget's namespaced knob key; the partial fills it in
_STRENGTH = [_fmt(k / 100) for k in range(-100, 101)]  # code 0..200 -> "-1" .. "1"


@functools.lru_cache(maxsize=None)
def _layout(station):
    """The fixed parts of a station's grid: each row's label, and for each knob the
    text around its colour strength (its number and its short name), row by row."""
    p = knobs.params()
    hs = p.config.head_size
    off, rows, cols = p.offsets[knobs.matrix(station)]
    labels, cells = [], []
    for r in range(rows):
        rl = escape(_row_label(station, r, hs))
        labels.append(f'<span class="kw-rl" aria-hidden="true">{rl}</span>')
        for c in range(cols):
            cells.append((f"<button type=submit name={KEY} value={off + r * cols + c} style=--v:",
                          f">{rl} {escape(_col_label(station, c, hs))}</button>"))
    return tuple(labels), tuple(cells)


# ---------------------------------------------------------------- the whole wall as small pictures

LEVELS = 12                         # colour steps on each side of 0
POS_RGB, NEG_RGB = (0xC0, 0x51, 0x1F), (0x2A, 0x6F, 0x9E)
THUMB_PX = 3                        # drawn size of one knob in the overview, in CSS pixels
THUMB_MAX = 96                      # ... unless that makes the picture longer than this


def _palette():
    """Palette PNG: index 0 = 0 (see-through, the page shows), 1..L = below 0, L+1..2L = above 0;
    the further from 0, the less see-through, so the picture works on light and dark paper."""
    rgb, alpha = [(0, 0, 0)], [0]
    for colour in (NEG_RGB, POS_RGB):
        for k in range(1, LEVELS + 1):
            rgb.append(colour)
            alpha.append(round(255 * (0.12 + 0.88 * k / LEVELS)))
    return b"".join(bytes(c) for c in rgb), bytes(alpha)


_PLTE, _TRNS = _palette()


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_of(strength):
    """A (rows, cols) array of strengths in [-1, 1] as a one-pixel-per-knob palette PNG data URI."""
    rows, cols = strength.shape
    mag = np.ceil(np.abs(strength) * LEVELS - 1e-9).clip(0, LEVELS).astype(np.uint8)   # 0..L
    idx = np.where(strength > 0, LEVELS + mag, mag).astype(np.uint8)
    idx[mag == 0] = 0
    raw = b"".join(b"\x00" + idx[r].tobytes() for r in range(rows))
    png = (b"\x89PNG\r\n\x1a\n"
           + _chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 3, 0, 0, 0))
           + _chunk(b"PLTE", _PLTE) + _chunk(b"tRNS", _TRNS)
           + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def thumbnails(p, values):
    """One small picture per station of the whole wall, all on the same colour scale."""
    scale = _scale(values)
    out = {}
    for key in knobs.ORDER:
        off, rows, cols = p.offsets[knobs.matrix(key)]
        block = np.clip(values[off:off + rows * cols] / scale, -1.0, 1.0).reshape(rows, cols)
        out[key] = png_of(block)
    return out


@functools.lru_cache(maxsize=1)
def setting_thumbnails():
    """The settings never change (the shared model is read-only), so draw them once."""
    p = knobs.params()
    return thumbnails(p, p.flat)


def wall(name):
    """Everything about the wall for one tasted name: the one engine call and its summaries."""
    p = knobs.params()
    loss, grad = ins.gradient(p, name)
    return p, float(loss), np.asarray(grad)


def stations_overview(p, grad, view, station, lang):
    total_infl = float(np.abs(grad).sum()) or 1.0
    pictures = setting_thumbnails() if view == "setting" else thumbnails(p, grad)
    out = []
    for key in knobs.ORDER:
        off, rows, cols = p.offsets[knobs.matrix(key)]
        vals = p.flat[off:off + rows * cols]
        g = grad[off:off + rows * cols]
        infl = float(np.abs(g).sum())
        out.append({
            "key": key,
            "label": knobs.station_name(key, lang),
            "term": knobs.TERM[key],
            "rows": rows,
            "cols": cols,
            "size": rows * cols,
            "mean_setting": knobs.sig(float(np.abs(vals).mean()), 3),
            "influence": knobs.sig(infl, 3),
            "share": round(100 * infl / total_infl, 1),
            "share_text": i18n.percent(infl / total_infl, 1),
            "mean_raw": float(np.abs(vals).mean()),
            "picture": pictures[key],
            "picture_w": round(cols * min(THUMB_PX, THUMB_MAX / max(rows, cols))),
            "picture_h": round(rows * min(THUMB_PX, THUMB_MAX / max(rows, cols))),
            "selected": key == station,
        })
    top_mean = max(s["mean_raw"] for s in out)
    for s in out:  # bar length: mean |setting| against the largest, or the share of all influence
        s["bar"] = round(100 * s["mean_raw"] / top_mean, 1) if view == "setting" else s["share"]
    return out


def station_grid(p, grad, view, station, knob, lang):
    hs = p.config.head_size
    off, rows, cols = p.offsets[knobs.matrix(station)]
    values = p.flat if view == "setting" else grad
    scale = _scale(values)
    block = values[off:off + rows * cols]
    top = set()
    if view == "influence":
        top = {off + int(i) for i in np.argsort(-np.abs(block), kind="stable")[:N_DOTS] if block[int(i)] != 0}
    # one string for the whole grid: a station has up to 1,024 knobs, and a template
    # loop over them costs more than a fragment may; the fixed parts are made once
    codes = (np.rint(np.clip(block / scale, -1.0, 1.0) * 100).astype(np.intp) + 100).tolist()
    labels, fixed = _layout(station)
    html = [head + _STRENGTH[code] + tail for (head, tail), code in zip(fixed, codes)]
    marks = {i: " class=top" for i in top}
    if knob is not None and off <= knob < off + rows * cols:
        marks[knob] = " class=sel aria-pressed=true"
    for i, mark in marks.items():
        head, tail = fixed[i - off]
        html[i - off] = head + _STRENGTH[codes[i - off]] + mark + tail
    parts = []
    for r in range(rows):
        parts.append(labels[r])
        parts.extend(html[r * cols:(r + 1) * cols])
        parts.append("\n")
    grid = Markup("".join(parts))
    order = np.argsort(-np.abs(block), kind="stable")[:N_TOP]
    table = []
    for j in order:
        i = off + int(j)
        table.append({
            "index": i,
            "label": knobs.knob_label(p, i, lang),
            "setting": knobs.sig(p.flat[i], 3),
            "influence": knobs.sig(grad[i], 3),
        })
    row_help, col_help = knobs.axis_help(station, p, lang)
    return {
        "key": station,
        "label": knobs.station_name(station, lang),
        "term": knobs.TERM[station],
        "rows": rows,
        "cols": cols,
        "size": rows * cols,
        "first": off,
        "last": off + rows * cols - 1,
        "grid": grid,
        "col_labels": [_col_label(station, c, hs) for c in range(cols)],
        "wide": cols > p.config.n_embd,   # wider than a flavour card: the prep room's way out
        "scale": knobs.sig(scale, 2),
        "table": table,
        "row_help": row_help,
        "col_help": col_help,
    }


def _votes(probs_before, probs_after):
    order = list(np.argsort(-probs_before, kind="stable")[:N_VOTES])
    for i in np.argsort(-probs_after, kind="stable")[:N_VOTES]:
        if i not in order:
            order.append(i)
    rows = []
    for i in order:
        b, a = float(probs_before[i]), float(probs_after[i])
        rows.append({
            "course": token_label(int(i)),
            "before": i18n.percent(b, 1),
            "after": i18n.percent(a, 1),
            "before_w": round(100 * b, 1),
            "after_w": round(100 * a, 1),
            "before_raw": b,
            "after_raw": a,
            "up": a > b,
        })
    return rows


def inspector(p, loss, grad, name, knob, new, lang):
    if knob is None:
        return None
    kind, a = knobs.station_of(p, knob)
    setting = float(p.flat[knob])
    g = float(grad[knob])
    label, english = knobs.knob_label(p, a, lang), knobs.knob_label(p, a, "en")
    if new is not None and knobs.num(new) == knobs.sig(setting, 4):
        new = setting       # the setting as the slider shows it: the knob left where it is
    out = {
        "index": knob,
        "station": kind,
        "station_label": knobs.station_name(kind, lang),
        "term": knobs.TERM[kind],
        "row": a.row + 1,
        "col": a.col + 1,
        "label": label,
        # the real term is English: a label in another language shows the English one beside it
        "label_en": english if english != label else None,
        "setting": knobs.sig(setting, 4),
        "setting_raw": setting,
        "influence": knobs.sig(g, 4),
        "influence_raw": g,
        "direction": _direction(g, lang),
        "range_lo": round(min(-1.0, setting - 0.5), 2),
        "range_hi": round(max(1.0, setting + 0.5), 2),
        "value": knobs.num(new) if new is not None else knobs.sig(setting, 4),
        "turn": None,
    }
    if new is not None:
        before = ins.inspect(p, name)
        after = ins.turn_knobs(p, name, {knob: float(new)})
        delta = after.loss - before.loss
        out["turn"] = {
            "new": knobs.num(new),
            "before": knobs.sig(before.loss, 4),
            "after": knobs.sig(after.loss, 4),
            "before_raw": float(before.loss),
            "after_raw": float(after.loss),
            "delta": ("+" if delta > 0 else "") + knobs.sig(delta, 3),
            "better": delta < 0,
            "same": delta == 0,
            "predicted": ("+" if g * (new - setting) > 0 else "") + knobs.sig(g * (new - setting), 3),
            "votes": _votes(before.probs[-1], after.probs[-1]),
        }
    return out


def _direction(g, lang):
    if g == 0:
        return i18n.say(lang, "This menu has nothing to do with it: turning it leaves the score exactly where it is.")
    if g > 0:
        return i18n.say(lang, "Turn it up and the score rises (worse); turn it down and the score improves.")
    return i18n.say(lang, "Turn it up and the score falls (better); turn it down and it gets worse.")


class KnobWall(Widget):
    def query(self, state):
        """The state as query values; no knob chosen or no new setting leaves its key out."""
        return {key: value for key, value in super().query(state).items() if value != ""}

    def compute(self, state, lang):
        p, loss, grad = wall(state["name"])
        view, station, knob = state["view"], state["station"], state["knob"]
        over = stations_overview(p, grad, view, station, lang)
        return {
            "name": state["name"],
            "loss": knobs.sig(loss, 4),
            "loss_raw": loss,
            "view": view,
            "tasting": view == "influence",
            "n_params": i18n.integer(p.flat.size),
            "stations": over,
            "n_stations": len(over),
            "n_dots": N_DOTS,
            "total": sum(s["size"] for s in over),
            "total_text": i18n.integer(sum(s["size"] for s in over)),
            "zoom": station_grid(p, grad, view, station, knob, lang),
            "knob": inspector(p, loss, grad, state["name"], knob, state["set"], lang),
            "n_zero": i18n.integer((grad == 0).sum()),
        }


KNOB_WALL = KnobWall(
    name="knob-wall",
    chapter=5,
    title=N_("Xiao Ming's wall of knobs"),
    concept=N_("parameters"),
    height=1950,
    params=(
        Letters("name", "emma", N_("name"), allow_empty=False),
        Choice("view", "setting", N_("view"), options=("setting", "influence")),
        Choice("station", "wte", N_("station"), options=knobs.ORDER, words=knobs.STATION_WORDS),
        knobs.MaybeNumber("knob", None, N_("knob number"), lo=0, hi=N_PARAMS - 1, integer=True),
        knobs.MaybeNumber("set", None, N_("new setting"), lo=-ins.MAX_KNOB_VALUE, hi=ins.MAX_KNOB_VALUE),
    ),
    assets=("css/widgets/knob-wall.css", "js/widgets/knob-wall.js"),
)
