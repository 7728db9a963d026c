"""Chapter 5's tracing back: six techniques, a two-ingredient dish, then the real kitchen.

State: ``step`` (where the reader is in the two-ingredient dish: cooking
forward, then tracing back), ``name`` (a menu), ``station``/``row``/``col``
(a knob on the wall, rows and columns counted from 1).

Engine calls: the scalar autograd's worked examples
(``engine.autograd.technique_examples`` for the six technique cards,
``dish_graph`` for the dish salt 2, sugar 3, seasoning = salt × sugar,
dish = seasoning + salt) and ``engine.autograd.relay``, which replays tracing
back on the exported graph frame by frame; every number of the step-through
is read from those frames. For the real kitchen,
``engine.inspect.knob_influence`` gives a knob's influence on the menu's
score from the backward pass, its share per serving for a flavour card, the
knobs worth a look, and the check by really nudging the knob.
"""

from engine import inspect as ins, model
from engine.autograd import dish_graph, relay, technique_examples
from engine.tokenizer import token_label

from app.web import i18n
from app.web.i18n import N_, Message
from app.widgets import knobs
from app.widgets.base import InputError, Letters, Number, Widget
from app.widgets.choices import Choice

NUDGE = 0.001  # how far the real-kitchen check turns the knob

# each technique's name (said at a sentence's start with a capital: ``_cap``) and its real term
OP = {"add": N_("mix"), "mul": N_("blend"), "pow": N_("reduce"), "log": N_("season"), "exp": N_("ferment"),
      "relu": N_("inspect")}
OP_TERM = {"add": N_("add"), "mul": N_("multiply"), "pow": N_("power"), "log": N_("log"), "exp": N_("exp"),
           "relu": N_("ReLU")}

# the dish's ingredients and stages, as labelled on the Values
DISH = {"salt": N_("salt"), "sugar": N_("sugar"), "seasoning": N_("seasoning"), "dish": N_("the dish")}


# ---------------------------------------------------------------- the six technique cards

def _cap(text):
    """Words that start a sentence, with a capital where the language has them."""
    return text[:1].upper() + text[1:]


def _forward_text(op, r, lang):
    xs = [knobs.num(x) for x in r["inputs"]]
    y = knobs.num(r["out"])
    if op == "add":
        return f"{xs[0]} + {xs[1]} = {y}"
    if op == "mul":
        return f"{xs[0]} × {xs[1]} = {y}"
    if op == "pow":
        return f"{xs[0]} × {xs[0]} = {y}"
    if op == "log":
        return i18n.say(lang, "season %(x)s → %(y)s", x=xs[0], y=y)
    if op == "exp":
        return i18n.say(lang, "ferment %(x)s → %(y)s", x=xs[0], y=y)
    return i18n.say(lang, "inspect %(x)s → %(y)s", x=xs[0], y=y)


def _back_text(op, r, lang):
    g = [knobs.num(x) for x in r["grads"]]
    if op == "add":
        return i18n.say(lang, "passes back %(a)s to each side (%(a)s and %(b)s)", a=g[0], b=g[1])
    if op == "mul":
        return i18n.say(lang, "passes back %(a)s to the first (the other's amount) and %(b)s to the second",
                        a=g[0], b=g[1])
    if op == "relu" and r["out"] == 0:
        return i18n.say(lang, "poured away: passes back %(a)s", a=g[0])
    return i18n.say(lang, "passes back %(a)s", a=g[0])


RULE = {
    "add": N_("Both sides count 1."),
    "mul": N_("Each side's influence is the other side's amount."),
    "pow": N_("How hard a small change hits depends on how strong it already is."),
    "log": N_("The less there is, the more a little matters."),
    "exp": N_("The influence is however much has already risen."),
    "relu": N_("What passed goes back unchanged; what was poured away counts zero."),
}


def technique_cards(lang):
    cards = []
    for op, runs in technique_examples():
        cards.append({
            "op": op,
            "name": _cap(i18n.say(lang, OP[op])),
            "term": i18n.say(lang, OP_TERM[op]),
            "rule": i18n.say(lang, RULE[op]),
            "examples": [
                {"forward": _forward_text(op, r, lang), "back": _back_text(op, r, lang),
                 "grads": [float(g) for g in r["grads"]], "out": float(r["out"])}
                for r in runs
            ],
        })
    return cards


# ---------------------------------------------------------------- the two-ingredient dish

def _levels(graph):
    made_from = {n["id"]: [] for n in graph["nodes"]}
    for e in graph["edges"]:
        made_from[e["target"]].append(e["source"])
    level, row = {}, {}
    n_inputs = 0
    for n in graph["nodes"]:  # forward order: children before parents
        kids = made_from[n["id"]]
        if not kids:
            level[n["id"]] = 0
            row[n["id"]] = n_inputs
            n_inputs += 1
        else:
            level[n["id"]] = 1 + max(level[k] for k in kids)
            row[n["id"]] = sum(row[k] for k in kids) / len(kids)
    return level, row, made_from, max(n_inputs - 1, 1)


N_STEPS = len(relay(dish_graph()))  # 7 frames: 0..6
MOST = max(max(shape) for shape in model.PARAM_SHAPES.values())  # the most rows or columns any station has


def _name(node, lang):
    return i18n.say(lang, DISH[node["label"]])


def _narrate(frame, graph, lang):
    nodes = {n["id"]: n for n in graph["nodes"]}
    edges = graph["edges"]
    nm = lambda nid: _name(nodes[nid], lang)  # noqa: E731
    if frame["kind"] == "start":
        first, second = (i18n.say_n(lang, "%(amount)s spoon of %(what)s", "%(amount)s spoons of %(what)s",
                                    _count(nodes[i]["value"]), amount=knobs.num(nodes[i]["value"]), what=nm(i))
                         for i in frame["current"])
        return i18n.say(lang, "Two ingredients on the counter: %(first)s and %(second)s. Press “Forward” to start cooking.",
                        first=first, second=second)
    if frame["kind"] == "cook":
        n = nodes[frame["node"]]
        srcs = [edges[i]["source"] for i in frame["edges"]]
        sign = " × " if n["op"] == "mul" else " + "
        expr = sign.join(f"{nm(s)} {knobs.num(nodes[s]['value'])}" for s in srcs)
        return i18n.say(lang, "%(technique)s: %(sum)s = %(value)s, and that's %(name)s.",
                        technique=_cap(i18n.say(lang, OP[n["op"]])), sum=expr, value=knobs.num(n["value"]),
                        name=nm(n["id"]))
    if frame["kind"] == "root":
        n = nodes[frame["node"]]
        return i18n.say(lang, "Start at the plate: %(name)s's influence on itself is %(grad)s.",
                        name=nm(n["id"]), grad=knobs.num(frame["grads"][n["id"]]))
    if frame["kind"] == "pass":
        n = nodes[frame["node"]]
        bits = []
        for p in frame["passes"]:
            mult = f"{knobs.num(p['local'])} × {knobs.num(p['upstream'])} = {knobs.num(p['add'])}"
            if p["before"] is not None:
                bits.append(i18n.say(lang, "%(name)s %(product)s, plus %(before)s from its other path: %(total)s in all",
                                     name=nm(p["source"]), product=mult, before=knobs.num(p["before"]),
                                     total=knobs.num(p["total"])))
            else:
                bits.append(f"{nm(p['source'])} {mult}")
        return i18n.say(lang, "%(name)s was a %(technique)s. The rule: %(rule)s Pass the baton: %(steps)s.",
                        name=_cap(nm(n["id"])), technique=i18n.say(lang, OP[n["op"]]),
                        rule=i18n.say(lang, RULE[n["op"]]), steps=i18n.say(lang, "; ").join(bits))
    grads = frame["grads"]
    salt = [i for i in frame["current"] if nodes[i]["label"] == "salt"]
    sugar = [i for i in frame["current"] if nodes[i]["label"] == "sugar"]
    return i18n.say(lang, "Salt's influence is %(salt)s, sugar's is %(sugar)s.",
                    salt=knobs.num(grads[salt[0]]), sugar=knobs.num(grads[sugar[0]]))


def _count(amount):
    """An amount as the catalogs' plural forms count it (they count whole numbers): a whole
    amount as itself, a fraction as 2, which every form of many covers (English: 1.5 spoons)."""
    return int(amount) if amount == int(amount) else 2


def step_view(step, lang):
    """Display-ready step-through at frame ``step``: an SVG layout, text and a table."""
    graph = dish_graph()
    frames = relay(graph)
    frame = frames[step]
    level, row, made_from, max_row = _levels(graph)
    max_level = max(level.values())
    W, H, BW, BH = 360, 236, 88, 58
    TOP = 42  # room above the boxes for the edge that skips a station
    xs = {nid: 12 + BW / 2 + level[nid] * (W - 24 - BW) / max_level for nid in level}
    ys = {nid: TOP + BH / 2 + row[nid] * (H - TOP - 10 - BH) / max_row for nid in row}
    nodes = []
    for n in graph["nodes"]:
        nid = n["id"]
        cooked = nid in frame["cooked"]
        grad = frame["grads"].get(nid)
        nodes.append({
            "id": nid,
            "name": _name(n, lang),
            "technique": i18n.say(lang, OP[n["op"]]) if n["op"] else i18n.say(lang, "ingredient"),
            "value": knobs.num(n["value"]) if cooked else "?",
            "grad": knobs.num(grad) if grad is not None else "",
            "grad_text": i18n.say(lang, "influence %(grad)s", grad=knobs.num(grad)) if grad is not None else "",
            "current": nid in frame["current"],
            "cooked": cooked,
            "x": round(xs[nid] - BW / 2, 1), "y": round(ys[nid] - BH / 2, 1), "w": BW, "h": BH,
            "cx": round(xs[nid], 1), "cy": round(ys[nid], 1),
        })
    edges = []
    traced = set()
    for f in frames[: step + 1]:
        if f["phase"] == "back":
            traced.update(f["edges"])
    for i, e in enumerate(graph["edges"]):
        s, t = e["source"], e["target"]
        x1, y1 = xs[s] + BW / 2, ys[s]
        x2, y2 = xs[t] - BW / 2, ys[t]
        if level[t] - level[s] > 1:  # skips a station: bend over the top
            x1, y1 = xs[s] + BW / 4, ys[s] - BH / 2
            x2, y2 = xs[t] - BW / 4, ys[t] - BH / 2
            cx, cy = (x1 + x2) / 2, min(y1, y2) - 34
            path = f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"
            lx, ly = cx, (y1 + 2 * cy + y2) / 4 - 6  # just above the curve's peak
        else:
            path = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
            lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 - 7
        edges.append({
            "d": path,
            "active": i in frame["edges"],
            "traced": i in traced,
            "local": ("×" + knobs.num(e["local_grad"])) if i in traced else "",
            "lx": round(lx, 1), "ly": round(ly, 1),
        })
    phase_label = i18n.say(lang, "Forward: cooking") if frame["phase"] == "forward" else i18n.say(lang, "Back: tracing")
    n_fwd = sum(1 for f in frames if f["phase"] == "forward")
    final = frames[-1]["grads"]
    by_label = {n["label"]: n["id"] for n in graph["nodes"]}
    return {
        "step": step,
        "last": len(frames) - 1,
        "n_steps": len(frames),
        "prev": step - 1 if step > 0 else None,
        "next": step + 1 if step < len(frames) - 1 else None,
        "next_label": i18n.say(lang, "Forward →") if step + 1 < n_fwd else i18n.say(lang, "Back ←"),
        "next_hint": (i18n.say(lang, "Cooks the next step.") if step + 1 < n_fwd
                      else i18n.say(lang, "Traces one station back.")),
        "phase": frame["phase"],
        "phase_label": phase_label,
        "position": i18n.say(lang, "Step %(n)s of %(total)s", n=step + 1, total=len(frames)),
        "text": _narrate(frame, graph, lang),
        "nodes": nodes,
        "edges": edges,
        "width": W,
        "height": H,
        "done": frame["kind"] == "done",
        # the graph's own grads, for the final line and for the tests
        "salt_grad": knobs.num(graph["nodes"][by_label["salt"]]["grad"]),
        "sugar_grad": knobs.num(graph["nodes"][by_label["sugar"]]["grad"]),
        "final_grads": {graph["nodes"][i]["label"]: g for i, g in final.items()},
    }


# ---------------------------------------------------------------- the real kitchen

def _path(kind, address, lang):
    """The stations the score's influence passes on its way back to a knob's station,
    in the model's own order (engine/model.py), read backwards."""
    hs = knobs.params().config.head_size
    steps = [i18n.say(lang, "the score"), i18n.say(lang, "the final vote")]
    if kind == "lm_head":
        return steps
    if kind == "mlp_fc2":
        return steps + [i18n.say(lang, "the prep room, out")]
    if kind == "mlp_fc1":
        return steps + [i18n.say(lang, "the prep room, out"), i18n.say(lang, "the quality inspector"),
                        i18n.say(lang, "the prep room, in")]
    steps = steps + [i18n.say(lang, "the prep room (and straight back along the pot)")]
    if kind == "attn_wo":
        return steps + [i18n.say(lang, "the sous-chefs' reports")]
    if kind in ("attn_wq", "attn_wk", "attn_wv"):
        h = address.row // hs + 1
        steps = steps + [i18n.say(lang, "the sous-chefs' reports")]
        if kind == "attn_wv":
            # a recipe reaches the report weighed by how much the sous-chef looked at its course
            return steps + [i18n.say(lang, "the courses' recipes for sous-chef %(h)s, weighed by how much he looked at each",
                                     h=h)]
        looked = i18n.say(lang, "the sous-chefs' table: how much sous-chef %(h)s looked at each course", h=h)
        if kind == "attn_wq":
            return steps + [looked, i18n.say(lang, "sous-chef %(h)s's question", h=h)]
        return steps + [looked, i18n.say(lang, "sous-chef %(h)s's label", h=h)]
    # a card or a tag: through the sous-chefs and along the pot past them, then the first bringing to strength
    steps = steps + [i18n.say(lang, "the sous-chefs' table (and straight back along the pot)"),
                     i18n.say(lang, "bringing it to strength")]
    return steps + [knobs.station_name(kind, lang)]


def real_kitchen(name, station, row, col, lang):
    p = knobs.params()
    address = ins.knob_address(p, knobs.matrix(station), row - 1, col - 1)
    k = ins.knob_influence(p, name, address.index, nudge=NUDGE)
    loss, g, setting, nudged = k.loss, k.influence, k.setting, k.nudged_loss
    # a flavour card is used once per course it is served at; the paths add up
    # the engine counts the menu's positions from 1; the page names each by its order tag (the bell is tag 0)
    paths = [{"position": pos, "order_tag": pos - 1, "course": token_label(tok), "influence": knobs.sig(share, 4),
              "raw": share}
             for pos, tok, share in k.positions]
    suggestions = []
    for idx, influence in k.telling:
        kind, a = knobs.station_of(p, idx)
        suggestions.append({
            "station": kind, "row": a.row + 1, "col": a.col + 1,
            "label": knobs.knob_label(p, a, lang),
            "influence": knobs.sig(influence, 3),
            "current": idx == address.index,
        })
    rows, cols = knobs.shape(station, p)
    row_help, col_help = knobs.axis_help(station, p, lang)
    label, english = knobs.knob_label(p, address, lang), knobs.knob_label(p, address, "en")
    return {
        "name": name,
        "loss": knobs.sig(loss, 4),
        "loss_raw": float(loss),
        "index": address.index,
        "label": label,
        # the real term is English: a label in another language shows the English one beside it
        "label_en": english if english != label else None,
        "station_name": knobs.station_name(station, lang),
        "term": knobs.TERM[station],
        "setting": knobs.sig(setting, 3),
        "influence": knobs.sig(g, 4),
        "influence_raw": g,
        "path": _path(station, address, lang),
        "paths": paths,
        "is_card": station == "wte",
        "paths_total": knobs.sig(sum(x["raw"] for x in paths), 4) if paths else "",
        "nudge": knobs.num(NUDGE),
        "predicted": knobs.sig(NUDGE * g, 3),
        "actual": knobs.sig(nudged - loss, 3),
        "nudged_loss": knobs.sig(nudged, 6),
        "loss_long": knobs.sig(loss, 6),
        "suggestions": suggestions,
        "rows": rows,
        "cols": cols,
        "row_help": row_help,
        "col_help": col_help,
        "stations": [{"key": k, "label": knobs.station_name(k, lang), "selected": k == station} for k in knobs.ORDER],
    }


class TraceBack(Widget):
    def parse(self, values, defaults=None):
        state = super().parse(values, defaults)
        rows, cols = knobs.shape(state["station"])
        if state["row"] > rows or state["col"] > cols:
            raise InputError(Message("The %(station)s have %(rows)s rows and %(cols)s columns.",
                                     station=Message(knobs.STATIONS[state["station"]]), rows=rows, cols=cols),
                             "row" if state["row"] > rows else "col")
        return state

    def compute(self, state, lang):
        return {
            "cards": technique_cards(lang),
            "steps": step_view(state["step"], lang),
            "real": real_kitchen(state["name"], state["station"], state["row"], state["col"], lang),
        }


TRACE_BACK = TraceBack(
    name="trace-back",
    chapter=5,
    title=N_("Tracing back: each station reports one number, multiplied all the way back"),
    concept=N_("backpropagation"),
    height=1860,
    params=(
        Number("step", 0, N_("step"), lo=0, hi=N_STEPS - 1, integer=True),
        Letters("name", "emma", N_("name"), allow_empty=False),
        Choice("station", "wte", N_("station"), options=knobs.ORDER, words=knobs.STATION_WORDS),
        Number("row", 13, N_("row"), lo=1, hi=MOST, integer=True),
        Number("col", 1, N_("column"), lo=1, hi=MOST, integer=True),
    ),
    assets=("css/widgets/trace-back.css", "js/widgets/trace-back.js"),
)
