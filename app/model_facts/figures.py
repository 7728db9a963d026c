"""Display-ready data for the hand-drawn illustrations: the plan's six, the wall by
station (chapter 5) and the serving loop (chapters 3 and 8).

Each figure is a Jinja2 template, ``templates/figures/<name>.svg``, rendered
inline in its chapter with ``lang`` and ``alt`` plus what
``figure_context(name, lang)`` returns here. The templates only test and print:
every number that comes from the model (the knob count, the size of the recipe
book, the growth curve, the sampled names, the knobs per station, the blame at
each stop of the trace back and the knob it ends on, the vote in the serving
loop) is computed here, from the engine, when the site starts, so a drawing can
never drift from the model.
"""

import functools

from app.web import i18n, settings
from app.web.i18n import N_

FIGURES = ("kitchen", "line", "trace", "techniques", "growth", "scale", "wall", "loop")
LANGS = settings.LANGS

# growth.svg: the plot box in the drawing's own units (viewBox 0 0 360 560)
PLOT_LEFT, PLOT_RIGHT = 50.0, 340.0
PLOT_TOP, PLOT_BOTTOM = 44.0, 196.0
SMOOTH_WINDOW = 100         # the curve is the running mean of the last this-many menus (the averages chapter 6 gives)
CURVE_EVERY = 5             # one curve point every this many menus (plus the last)
SNAPSHOT_STEPS = (1, 100, 500, 1000)
SNAPSHOT_N = 4              # dishes shown per card
SNAPSHOT_TALLY = 100        # dishes cooked per card to count how many are names already in the book
SNAPSHOT_TEMPERATURE = 0.5
SNAPSHOT_SEED = 0


def _thousands(n):
    return f"{n:,}"


@functools.lru_cache(maxsize=None)
def _kitchen_facts():
    """The kitchen's size, from the engine: knobs, past menus, courses."""
    from engine import data, tokenizer
    from engine.model import N_PARAMS

    return {
        "n_params": _thousands(N_PARAMS),
        "n_names": _thousands(len(data.load_names())),
        "vocab_size": _thousands(tokenizer.VOCAB_SIZE),
    }


def _nice_ticks(lo, hi, step):
    """Multiples of ``step`` inside [lo, hi]."""
    first = int(lo / step + 0.999999)
    last = int(hi / step + 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def smooth(losses, window=SMOOTH_WINDOW):
    """Running mean of the last ``window`` menus; the first ones average what exists so far."""
    prefix = [0.0]
    for x in losses:
        prefix.append(prefix[-1] + x)
    return [(prefix[i + 1] - prefix[max(0, i + 1 - window)]) / min(window, i + 1) for i in range(len(losses))]


def curve_steps(n_steps, every=CURVE_EVERY):
    """The 1-based steps that get a point on the drawn curve."""
    steps = list(range(1, n_steps + 1, every))
    if steps[-1] != n_steps:
        steps.append(n_steps)
    return steps


@functools.lru_cache(maxsize=None)
def _growth_data():
    """Language-free part of the growth curve: plot geometry, ticks, snapshots."""
    from engine.checkpoint import default_log
    from engine.data import known_names
    from engine.train import snapshots

    known = known_names()
    losses = [float(x) for x in default_log()]
    n = len(losses)
    smoothed = smooth(losses)
    lo, hi = min(smoothed), max(smoothed)
    y_min = int(lo * 4) / 4.0               # round down to a quarter
    y_max = int(hi * 4 + 0.999999) / 4.0    # round up to a quarter
    if y_max - y_min < 0.5:
        y_max = y_min + 0.5

    def x_of(step):
        return PLOT_LEFT + (step - 1) / max(1, n - 1) * (PLOT_RIGHT - PLOT_LEFT)

    def y_of(loss):
        return PLOT_BOTTOM - (loss - y_min) / (y_max - y_min) * (PLOT_BOTTOM - PLOT_TOP)

    steps = curve_steps(n)
    points = " ".join(f"{x_of(s):.1f},{y_of(smoothed[s - 1]):.1f}" for s in steps)

    y_ticks = [{"y": f"{y_of(v):.1f}", "label": f"{v:.1f}"} for v in _nice_ticks(y_min, y_max, 0.5)]

    snaps = []
    for rec in snapshots(steps=SNAPSHOT_STEPS, n=SNAPSHOT_TALLY, temperature=SNAPSHOT_TEMPERATURE, seed=SNAPSHOT_SEED):
        step = int(rec.step)
        snaps.append({
            "step": step,
            "step_label": _thousands(step),
            "loss": f"{smoothed[step - 1]:.2f}",   # the curve's value there: that menu's score at menu 1
            "averaged": step > 1,
            "x": f"{x_of(step):.1f}",
            "y": f"{y_of(smoothed[step - 1]):.1f}",
            "names": [name or "·" for name in rec.names[:SNAPSHOT_N]],  # an empty dish still takes a line
            "in_book": sum(name in known for name in rec.names),
            "cooked": len(rec.names),
        })
    return {
        "points": points,
        "n_points": len(steps),
        "y_ticks": y_ticks,
        "snapshots": snaps,
        "n_steps": _thousands(n),
        "window": SMOOTH_WINDOW,
        "plot": {  # the axes, their labels' anchors and the frame, already placed
            "left": f"{PLOT_LEFT:g}", "right": f"{PLOT_RIGHT:g}", "bottom": f"{PLOT_BOTTOM:g}",
            "frame": f"M{PLOT_LEFT:g} {PLOT_TOP - 6:g}V{PLOT_BOTTOM:g}H{PLOT_RIGHT + 6:g}",
            "tick_x": f"{PLOT_LEFT - 8:g}", "step_y": f"{PLOT_BOTTOM + 20:g}",
            "title_x": f"{(PLOT_LEFT + PLOT_RIGHT) / 2:g}", "title_y": f"{PLOT_BOTTOM + 40:g}",
        },
    }


# ---------------------------------------------------------------- the wall, station by station

# The wall's stations in the order a course meets them: (key, matrices by their name
# without the layer, Chinese name, English name). The sous-chefs' four kinds of knob
# are the knob wall's own stations; the prep room's two are one room here.
STATIONS = (
    ("cards", ("wte",), N_("Flavour cards")),
    ("tags", ("wpe",), N_("Order tags")),
    ("question", ("attn_wq",), N_("Sous-chefs' questions")),
    ("label", ("attn_wk",), N_("Sous-chefs' labels")),
    ("recipe", ("attn_wv",), N_("Sous-chefs' recipes")),
    ("report", ("attn_wo",), N_("Sous-chefs' reports")),
    ("prep", ("mlp_fc1", "mlp_fc2"), N_("Prep room")),
    ("pass", ("lm_head",), N_("The pass")),
)
STATION_KEYS = tuple(s[0] for s in STATIONS)


def percents(parts):
    """Whole percentages of ``parts`` that add up to exactly 100 (largest remainders)."""
    total = sum(parts)
    if total <= 0:
        return [0 for _ in parts]
    exact = [100 * x / total for x in parts]
    out = [int(e) for e in exact]
    for i in sorted(range(len(parts)), key=lambda i: out[i] - exact[i])[: 100 - sum(out)]:
        out[i] += 1
    return out


def station_counts(config=None):
    """[(station key, knobs, whole percent of the wall)] from the engine's matrix sizes."""
    from engine import model

    counts = model.param_counts(config or model.CONFIG)
    per = [sum(n for name, n in counts.items() if name.split(".")[-1] in mats) for _, mats, _ in STATIONS]
    assert sum(per) == sum(counts.values()), "every matrix belongs to a station"
    return [(key, n, pct) for key, n, pct in zip(STATION_KEYS, per, percents(per))]


# wall.svg: the wall's column in the drawing's units (viewBox 0 0 360 H)
WALL_TOP, WALL_HEIGHT = 52.0, 468.0
WALL_LEFT, WALL_RIGHT, DOTS_LEFT = 20.0, 340.0, 262.0
DOT_STEP = 13.0


def wall_data(lang, config=None):
    """Bands of the wall, one per station, tall in proportion to its knobs, already placed."""
    from engine import model

    rows = station_counts(config)
    total = sum(n for _, n, _ in rows)
    names = {key: i18n.say(lang, name) for key, _, name in STATIONS}
    bands, y = [], WALL_TOP
    for key, n, pct in rows:
        h = WALL_HEIGHT * n / total
        dots = []
        k = y + DOT_STEP / 2 + 1
        while k < y + h - DOT_STEP / 2 + 2:
            dots.append(f"M{DOTS_LEFT + 8:g} {k:.1f}H{WALL_RIGHT - 8:g}")
            k += DOT_STEP
        bands.append({
            "key": key,
            "name": names[key],
            "count": _thousands(n),
            "share": f"{pct}%",
            "y": f"{y:.1f}",
            "h": f"{h:.1f}",
            "text_y": f"{y + min(h, 40) / 2 + 5:.1f}",
            "big": h >= 80,           # room for two more lines
            "line2_y": f"{y + 46:.1f}",
            "line3_y": f"{y + 68:.1f}",
            "dots": "".join(dots),
        })
        y += h
    prep = next(b for b in bands if b["key"] == "prep")
    counts = model.param_counts(config or model.CONFIG)
    parts = [sum(n for name, n in counts.items() if name.endswith(m)) for m in ("mlp_fc1", "mlp_fc2")]
    prep["parts"] = i18n.say(lang, "in %(into)s · out %(out)s", into=_thousands(parts[0]), out=_thousands(parts[1]))
    return {
        "n_params": _thousands(total),
        "bands": bands,
        "prep_share": prep["share"],
        "left": f"{WALL_LEFT:g}", "right": f"{WALL_RIGHT:g}", "dots_left": f"{DOTS_LEFT:g}",
        "width": f"{WALL_RIGHT - WALL_LEFT:g}", "count_x": f"{DOTS_LEFT - 10:g}",
        "height": f"{WALL_TOP + WALL_HEIGHT + 12:g}",
        "n_layer": (config or model.CONFIG).n_layer,
    }


# ---------------------------------------------------------------- the trace back, from the engine

TRACE_DISH = "emma"   # the menu the diner finds too salty: the knob wall's and trace-back's own first menu

# the trace's stops, from the plate back: (stops' stations, Chinese name, English name)
TRACE_STOPS = (
    (("pass",), N_("The pass's knobs")),
    (("prep",), N_("Prep room")),
    (("question", "label", "recipe", "report"), N_("Sous-chefs' table")),
    (("cards", "tags"), N_("Flavour cards and tags")),
)


def trace_blame(params=None, dish=TRACE_DISH):
    """Who carries the blame for ``dish``'s score: each stop's whole percent of all the
    influence (the size of the gradient of the dish's loss), and the flavour-card knob
    with the most influence, with its rank on the whole wall."""
    import numpy as np

    from engine import checkpoint, inspect as ins

    p = params or checkpoint.default_params()
    loss, grad = ins.gradient(p, dish)
    mags = np.abs(np.asarray(grad))
    per_station = {}
    for key, mats, _ in STATIONS:
        per_station[key] = sum(float(mags[o:o + r * c].sum()) for name, (o, r, c) in p.offsets.items()
                               if name.split(".")[-1] in mats)
    stop_blame = [sum(per_station[k] for k in keys) for keys, _ in TRACE_STOPS]
    off, r, c = p.offsets["wte"]
    knob = off + int(np.argmax(mags[off:off + r * c]))
    return {
        "dish": dish,
        "loss": float(loss),
        "stops": percents(stop_blame),
        "knob": knob,
        "rank": int((mags > mags[knob]).sum()) + 1,
        "influence": float(np.asarray(grad)[knob]),
        "address": ins.knob_address(p, knob),
    }


def trace_data(lang, params=None):
    from app.model_facts import knob_words as knobs
    from engine.tokenizer import VOCAB
    from engine import checkpoint

    p = params or checkpoint.default_params()
    b = trace_blame(p)
    a = b["address"]
    card = knobs.knob_label(p, a, lang)
    stops = []
    for (keys, name), pct in zip(TRACE_STOPS, b["stops"]):
        stops.append({"name": i18n.say(lang, name), "blame": i18n.say(lang, "%(pct)s%% of the blame", pct=pct)})
    knob = {
        "knob_number": f"#{b['knob']}",   # as the knob wall numbers it
        "knob_station": knobs.station_name("wte", lang).capitalize(),
        "knob_card": i18n.say(lang, "card of '%(course)s', number %(n)s", course=VOCAB[a.row], n=a.col + 1)
                     if a.row < len(VOCAB) else card,
        "knob_rank": i18n.say(lang, "%(nth)s most blamed of %(total)s", nth=i18n.ordinal(b["rank"], lang),
                              total=_thousands(p.flat.size)),
    }
    # the figure's text alternative: the shout, each stop's share, and the knob the thread ends on
    desc = i18n.sentences(
        lang,
        i18n.say(lang, "Too salty!"),
        *(i18n.say(lang, "%(stop)s: %(blame)s.", stop=s["name"], blame=s["blame"]) for s in stops),
        i18n.say(lang, "%(station)s, %(card)s (%(number)s): %(rank)s.", station=knob["knob_station"],
                 card=knob["knob_card"], number=knob["knob_number"], rank=knob["knob_rank"]),
    )
    return {"dish": b["dish"], "stops": stops, **knob, "desc": desc, "n_params": _thousands(p.flat.size)}


# ---------------------------------------------------------------- the generation loop

LOOP_PREFIX = "emm"   # chapter 3's example: the courses so far
LOOP_SHOWN = 3        # courses shown in the vote
LOOP_BAR = 120.0      # drawn length of the front-runner's bar
LOOP_VOTE_Y = 30      # the first vote row inside its box


def loop_data(lang, params=None):
    from engine import checkpoint, inspect as ins
    from engine.tokenizer import BELL, BOS, VOCAB

    p = params or checkpoint.default_params()
    probs = ins.next_vote(p, LOOP_PREFIX, 1.0)
    order = sorted(range(len(probs)), key=lambda i: -probs[i])[:LOOP_SHOWN]
    label = lambda i: BELL if i == BOS else VOCAB[i]  # noqa: E731
    pick = order[0]
    return {
        "so_far": " ".join([BELL] + list(LOOP_PREFIX)),
        "votes": [{"course": label(i), "pct": f"{100 * probs[i]:.0f}%", "w": f"{LOOP_BAR * probs[i] / probs[pick]:.1f}",
                   "text_y": f"{LOOP_VOTE_Y + 20 * k + 18:g}", "bar_y": f"{LOOP_VOTE_Y + 20 * k + 6:g}"}
                  for k, i in enumerate(order)],
        "pct_x": f"{64 + LOOP_BAR:g}",
        "pick": label(pick),
        "pick_pct": f"{100 * probs[pick]:.0f}%",
        "after": " ".join([BELL] + list(LOOP_PREFIX) + [label(pick)]),
        "bell": BELL,
    }


def line_data(config=None):
    """The line: how many sous-chefs sit at the table."""
    from engine import model

    return {"n_head": (config or model.CONFIG).n_head}


@functools.lru_cache(maxsize=None)
def figure_context(name: str, lang: str) -> dict:
    """What the template ``figures/<name>.svg`` needs besides ``lang`` and ``alt``."""
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; the figures are {', '.join(FIGURES)}")
    if lang not in LANGS:
        raise KeyError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    if name in ("kitchen", "scale"):
        return dict(_kitchen_facts())
    if name == "growth":
        return dict(_growth_data())
    if name == "wall":
        return wall_data(lang)
    if name == "trace":
        return trace_data(lang)
    if name == "loop":
        return loop_data(lang)
    if name == "line":
        return line_data()
    return {}
