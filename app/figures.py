"""Display-ready data for the six hand-drawn illustrations.

Each figure is a Jinja2 template, ``templates/figures/<name>.svg``, rendered
inline in its chapter with ``lang`` and ``alt`` plus what
``figure_context(name, lang)`` returns here. The templates only test and print:
every number that comes from the model (the knob count, the size of the recipe
book, the growth curve, the sampled names) is computed here, from the engine,
when the site starts, so a drawing can never drift from the model.
"""

import functools

FIGURES = ("kitchen", "line", "trace", "techniques", "growth", "scale")
LANGS = ("zh", "en")

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


@functools.lru_cache(maxsize=None)
def figure_context(name: str, lang: str) -> dict:
    """What the template ``figures/<name>.svg`` needs besides ``lang`` and ``alt``."""
    if name not in FIGURES:
        raise KeyError(f"unknown figure {name!r}; the figures are {', '.join(FIGURES)}")
    if lang not in LANGS:
        raise KeyError(f"unknown language {lang!r}; use zh or en")
    if name in ("kitchen", "scale"):
        return dict(_kitchen_facts())
    if name == "growth":
        return dict(_growth_data())
    return {}
