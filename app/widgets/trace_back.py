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

from app.widgets import knobs
from app.web.i18n import N_, Message
from app.widgets.base import InputError, Letters, Number, Widget
from app.widgets.choices import Choice

NUDGE = 0.001  # how far the real-kitchen check turns the knob

OP_ZH = {"add": "混合", "mul": "调配", "pow": "浓缩", "log": "提味", "exp": "发酵", "relu": "品控"}
OP_EN = {"add": "mix", "mul": "blend", "pow": "reduce", "log": "season", "exp": "ferment", "relu": "inspect"}
OP_TERM = {"add": "加法 add", "mul": "乘法 multiply", "pow": "乘方 power", "log": "对数 log", "exp": "指数 exp", "relu": "ReLU"}
OP_TERM_EN = {"add": "add", "mul": "multiply", "pow": "power", "log": "log", "exp": "exp", "relu": "ReLU"}

# the dish's ingredients and stages, as labelled on the Values
DISH_ZH = {"salt": "盐", "sugar": "糖", "seasoning": "调味汁", "dish": "这道菜"}
DISH_EN = {"salt": "salt", "sugar": "sugar", "seasoning": "seasoning", "dish": "the dish"}


# ---------------------------------------------------------------- the six technique cards

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
        return f"提味 {xs[0]} → {y}" if lang == "zh" else f"season {xs[0]} → {y}"
    if op == "exp":
        return f"发酵 {xs[0]} → {y}" if lang == "zh" else f"ferment {xs[0]} → {y}"
    return (f"品控 {xs[0]} → {y}" if lang == "zh" else f"inspect {xs[0]} → {y}")


def _back_text(op, r, lang):
    g = [knobs.num(x) for x in r["grads"]]
    zh = lang == "zh"
    if op == "add":
        return f"两边各传回 {g[0]} 和 {g[1]}" if zh else f"passes back {g[0]} to each side ({g[0]} and {g[1]})"
    if op == "mul":
        return (f"传回 {g[0]} 给第一样（另一样的量），{g[1]} 给第二样" if zh
                else f"passes back {g[0]} to the first (the other's amount) and {g[1]} to the second")
    if op == "relu" and r["out"] == 0:
        return f"倒掉了，传回 {g[0]}" if zh else f"poured away: passes back {g[0]}"
    return f"传回 {g[0]}" if zh else f"passes back {g[0]}"


RULE_ZH = {
    "add": "两边的影响都是 1。",
    "mul": "一边的影响，等于另一边的量。",
    "pow": "再动一点影响多大，要看它已经有多浓。",
    "log": "量越少，越敏感。",
    "exp": "影响就等于已经发起来的那么多。",
    "relu": "放行的照原样往回传，倒掉的影响是零。",
}
RULE_EN = {
    "add": "Both sides count 1.",
    "mul": "Each side's influence is the other side's amount.",
    "pow": "How hard a small change hits depends on how strong it already is.",
    "log": "The less there is, the more a little matters.",
    "exp": "The influence is however much has already risen.",
    "relu": "What passed goes back unchanged; what was poured away counts zero.",
}


def technique_cards(lang):
    zh = lang == "zh"
    cards = []
    for op, runs in technique_examples():
        cards.append({
            "op": op,
            "name": OP_ZH[op] if zh else OP_EN[op].capitalize(),
            "term": OP_TERM[op] if zh else OP_TERM_EN[op],
            "rule": RULE_ZH[op] if zh else RULE_EN[op],
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
    return (DISH_ZH if lang == "zh" else DISH_EN)[node["label"]]


def _cap(text):
    return text[:1].upper() + text[1:]


def _narrate(frame, graph, lang):
    nodes = {n["id"]: n for n in graph["nodes"]}
    zh = lang == "zh"
    edges = graph["edges"]
    nm = lambda nid: _name(nodes[nid], lang)  # noqa: E731
    if frame["kind"] == "start":
        parts = [f"{nm(i)} {knobs.num(nodes[i]['value'])} 勺" if zh else f"{knobs.num(nodes[i]['value'])} spoons of {nm(i)}"
                 for i in frame["current"]]
        return ("两样调料摆上台：" + "，".join(parts) + "。按“往前”开始做菜。") if zh else \
               ("Two ingredients on the counter: " + " and ".join(parts) + ". Press “Forward” to start cooking.")
    if frame["kind"] == "cook":
        n = nodes[frame["node"]]
        srcs = [edges[i]["source"] for i in frame["edges"]]
        sign = " × " if n["op"] == "mul" else " + "
        expr = sign.join(f"{nm(s)} {knobs.num(nodes[s]['value'])}" for s in srcs)
        if zh:
            return f"{OP_ZH[n['op']]}：{expr} = {knobs.num(n['value'])}，得到{nm(n['id'])}。"
        return f"{_cap(OP_EN[n['op']])}: {expr} = {knobs.num(n['value'])}, and that's {nm(n['id'])}."
    if frame["kind"] == "root":
        n = nodes[frame["node"]]
        return (f"从盘子开始往回追：{nm(n['id'])}对自己的影响是 {knobs.num(frame['grads'][n['id']])}。" if zh
                else f"Start at the plate: {nm(n['id'])}'s influence on itself is {knobs.num(frame['grads'][n['id']])}.")
    if frame["kind"] == "pass":
        n = nodes[frame["node"]]
        rule = RULE_ZH[n["op"]] if zh else RULE_EN[n["op"]]
        bits = []
        for p in frame["passes"]:
            mult = f"{knobs.num(p['local'])} × {knobs.num(p['upstream'])} = {knobs.num(p['add'])}"
            if p["before"] is not None:
                total = (f"，加上另一条路的 {knobs.num(p['before'])}，一共 {knobs.num(p['total'])}" if zh
                         else f", plus {knobs.num(p['before'])} from its other path: {knobs.num(p['total'])} in all")
            else:
                total = ""
            bits.append(f"{nm(p['source'])} {mult}{total}")
        if zh:
            return f"{nm(n['id'])}是{OP_ZH[n['op']]}出来的。口诀：{rule}接力乘过去：" + "；".join(bits) + "。"
        return f"{_cap(nm(n['id']))} was a {OP_EN[n['op']]}. The rule: {rule} Pass the baton: " + "; ".join(bits) + "."
    grads = frame["grads"]
    salt = [i for i in frame["current"] if nodes[i]["label"] == "salt"]
    sugar = [i for i in frame["current"] if nodes[i]["label"] == "sugar"]
    g_salt, g_sugar = knobs.num(grads[salt[0]]), knobs.num(grads[sugar[0]])
    return (f"盐的影响是 {g_salt}，糖的影响是 {g_sugar}。" if zh
            else f"Salt's influence is {g_salt}, sugar's is {g_sugar}.")


def step_view(step, lang):
    """Display-ready step-through at frame ``step``: an SVG layout, text and a table."""
    graph = dish_graph()
    frames = relay(graph)
    frame = frames[step]
    zh = lang == "zh"
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
            "technique": (OP_ZH[n["op"]] if zh else OP_EN[n["op"]]) if n["op"] else ("调料" if zh else "ingredient"),
            "value": knobs.num(n["value"]) if cooked else "?",
            "grad": knobs.num(grad) if grad is not None else "",
            "grad_text": (f"影响 {knobs.num(grad)}" if zh else f"influence {knobs.num(grad)}") if grad is not None else "",
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
    phase_label = ("往前：做菜" if zh else "Forward: cooking") if frame["phase"] == "forward" else ("往回：追源" if zh else "Back: tracing")
    n_fwd = sum(1 for f in frames if f["phase"] == "forward")
    final = frames[-1]["grads"]
    by_label = {n["label"]: n["id"] for n in graph["nodes"]}
    return {
        "step": step,
        "last": len(frames) - 1,
        "n_steps": len(frames),
        "prev": step - 1 if step > 0 else None,
        "next": step + 1 if step < len(frames) - 1 else None,
        "next_label": (("往前 →" if zh else "Forward →") if step + 1 < n_fwd else ("往回 ←" if zh else "Back ←")),
        "next_hint": (("做下一步。" if zh else "Cooks the next step.") if step + 1 < n_fwd
                      else ("往回追一站。" if zh else "Traces one station back.")),
        "phase": frame["phase"],
        "phase_label": phase_label,
        "position": (f"第 {step + 1} 步，共 {len(frames)} 步" if zh else f"Step {step + 1} of {len(frames)}"),
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
    zh = lang == "zh"
    hs = knobs.params().config.head_size
    score = "分数" if zh else "the score"
    vote = "出菜口投票" if zh else "the final vote"
    steps = [score, vote]
    if kind == "lm_head":
        return steps
    if kind == "mlp_fc2":
        return steps + ["加工间·出" if zh else "the prep room, out"]
    if kind == "mlp_fc1":
        return steps + (["加工间·出", "品控员", "加工间·进"] if zh else ["the prep room, out", "the quality inspector", "the prep room, in"])
    steps = steps + ["加工间（也顺着汤锅直接往回）" if zh else "the prep room (and straight back along the pot)"]
    if kind == "attn_wo":
        return steps + ["副厨的汇报" if zh else "the sous-chefs' reports"]
    if kind in ("attn_wq", "attn_wk", "attn_wv"):
        h = address.row // hs + 1
        steps = steps + ["副厨的汇报" if zh else "the sous-chefs' reports"]
        if kind == "attn_wv":
            # a recipe reaches the report weighed by how much the sous-chef looked at its course
            return steps + ([f"各道菜给第 {h} 位副厨的配方（按他看每道菜的多少称过）"] if zh else
                            [f"the courses' recipes for sous-chef {h}, weighed by how much he looked at each"])
        what = ("问题", "question") if kind == "attn_wq" else ("标签", "label")
        return steps + ([f"副厨会议桌：第 {h} 位副厨看每道菜的多少", f"第 {h} 位副厨的{what[0]}"] if zh else
                        [f"the sous-chefs' table: how much sous-chef {h} looked at each course", f"sous-chef {h}'s {what[1]}"])
    # a card or a tag: through the sous-chefs and along the pot past them, then the first bringing to strength
    steps = steps + ["副厨会议桌（也顺着汤锅直接往回）" if zh else "the sous-chefs' table (and straight back along the pot)",
                     "校准浓淡" if zh else "bringing it to strength"]
    return steps + [knobs.station_name(kind, lang)]


def real_kitchen(name, station, row, col, lang):
    p = knobs.params()
    zh = lang == "zh"
    address = ins.knob_address(p, knobs.matrix(station), row - 1, col - 1)
    k = ins.knob_influence(p, name, address.index, nudge=NUDGE)
    loss, g, setting, nudged = k.loss, k.influence, k.setting, k.nudged_loss
    # a flavour card is used once per course it is served at; the paths add up
    paths = [{"position": pos, "course": token_label(tok), "influence": knobs.sig(share, 4), "raw": share}
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
    axes = knobs.axis_help(station, p)
    return {
        "name": name,
        "loss": knobs.sig(loss, 4),
        "loss_raw": float(loss),
        "index": address.index,
        "label": knobs.knob_label(p, address, lang),
        "label_other": knobs.knob_label(p, address, "en" if zh else "zh"),
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
        "row_help": axes[0] if zh else axes[2],
        "col_help": axes[1] if zh else axes[3],
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
