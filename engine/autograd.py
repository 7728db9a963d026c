"""The scalar autograd the story teaches (chapter 5's "tracing back").

A ``Value`` is one number that remembers which technique made it and from
what. Six techniques know their own local derivative: add (mix), multiply
(blend), power (reduce), log (season), exp (ferment) and relu (inspect).
Negation, subtraction and division are built from them. ``backward`` sorts
the graph so every node comes after everything it was made from, then passes
the influence back from the result to every input by the chain rule.

``export_graph`` turns a finished graph into plain data for the step-through
widget: nodes with technique, value and gradient; edges with their local
derivative; and the order in which tracing back visits the nodes.
``relay`` replays tracing back on an exported graph one station at a time,
as the story tells it (each station passes local influence × its own
influence back, and what reaches a node by two paths adds up).
``technique_examples`` and ``dish_graph`` are chapter 5's worked examples.
"""

import math

OPS = ("add", "mul", "pow", "log", "exp", "relu")  # the six techniques


class Value:
    """One number in the graph, its gradient, and how it was made."""

    __slots__ = ("data", "grad", "_children", "_local_grads", "op", "label")

    def __init__(self, data, children=(), local_grads=(), op="", label=""):
        self.data = data                  # the number itself
        self.grad = 0                     # d(result)/d(this), filled by backward()
        self._children = children         # the Values this one was made from
        self._local_grads = local_grads   # d(this)/d(child), one per child
        self.op = op                      # which technique made it ("" for an input)
        self.label = label                # an optional name for display

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    # the six techniques
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1), "add")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "mul")

    def __pow__(self, other):
        if isinstance(other, Value):
            raise TypeError("a Value can only be raised to a plain number")
        return Value(self.data**other, (self,), (other * self.data ** (other - 1),), "pow")

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,), "log")

    def exp(self):
        return Value(math.exp(self.data), (self,), (math.exp(self.data),), "exp")

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),), "relu")

    # built from the six
    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def topo_order(self):
        """Every node reachable from this one, each after all of its children."""
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for child in reversed(node._children):
                if id(child) not in seen:
                    stack.append((child, False))
        return order

    def backward(self):
        """Fill ``grad`` of every node: d(self)/d(node), by the chain rule."""
        order = self.topo_order()
        for node in order:
            node.grad = 0
        self.grad = 1
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
        return order


def export_graph(root):
    """Plain data describing ``root``'s graph after ``root.backward()``.

    Returns a dict with
      nodes: [{"id", "op", "label", "value", "grad"}] in forward (topological) order,
      edges: [{"source", "target", "local_grad"}], source = child, target = the node made from it,
      backward_order: node ids in the order tracing back visits them (root first).
    Constants folded into a node (like the -1 of a negation) appear as inputs.
    """
    order = root.topo_order()
    ids = {id(node): i for i, node in enumerate(order)}
    nodes = [
        {"id": ids[id(n)], "op": n.op, "label": n.label, "value": n.data, "grad": n.grad}
        for n in order
    ]
    edges = [
        {"source": ids[id(child)], "target": ids[id(n)], "local_grad": local}
        for n in order
        for child, local in zip(n._children, n._local_grads)
    ]
    backward_order = [ids[id(n)] for n in reversed(order)]
    return {"nodes": nodes, "edges": edges, "backward_order": backward_order}


# ---------------------------------------------------------------- tracing back, one station at a time

def relay(graph):
    """The step-through of an exported graph as a list of frames (plain data).

    Cooking forward: a "start" frame (the inputs on the counter), then a "cook"
    frame per node made by a technique, in forward order. Tracing back: a
    "root" frame (the result's influence on itself is 1), a "pass" frame per
    technique node in ``backward_order`` (each edge into it carries
    local_grad × the node's influence back to its source, adding to what the
    source already has), then "done". Each frame holds ``phase``, ``kind``,
    ``cooked`` (node ids computed so far), ``grads`` (influences known so
    far), ``current`` (ids in focus), ``edges`` (indices of the edges used at
    this step) and ``node``; a pass frame also lists its ``passes``. The last
    frame's influences are the graph's own grads.
    """
    nodes = {n["id"]: n for n in graph["nodes"]}
    inputs = [n["id"] for n in graph["nodes"] if not n["op"]]
    ops = [n["id"] for n in graph["nodes"] if n["op"]]
    frames = []
    cooked = set(inputs)
    frames.append({"phase": "forward", "kind": "start", "cooked": set(cooked), "grads": {}, "current": list(inputs),
                   "edges": [], "node": None})
    for nid in ops:
        cooked.add(nid)
        frames.append({"phase": "forward", "kind": "cook", "cooked": set(cooked), "grads": {}, "current": [nid],
                       "edges": [i for i, e in enumerate(graph["edges"]) if e["target"] == nid], "node": nid})
    root = graph["backward_order"][0]
    grads = {root: 1}
    frames.append({"phase": "back", "kind": "root", "cooked": set(cooked), "grads": dict(grads), "current": [root],
                   "edges": [], "node": root})
    for nid in graph["backward_order"]:
        if not nodes[nid]["op"]:
            continue
        passes = []
        for i, e in enumerate(graph["edges"]):
            if e["target"] != nid:
                continue
            before = grads.get(e["source"])
            add = e["local_grad"] * grads[nid]
            grads[e["source"]] = (before or 0) + add
            passes.append({"edge": i, "source": e["source"], "local": e["local_grad"], "upstream": grads[nid],
                           "add": add, "before": before, "total": grads[e["source"]]})
        frames.append({"phase": "back", "kind": "pass", "cooked": set(cooked), "grads": dict(grads), "current": [nid],
                       "edges": [p["edge"] for p in passes], "node": nid, "passes": passes})
    frames.append({"phase": "back", "kind": "done", "cooked": set(cooked), "grads": dict(grads), "current": list(inputs),
                   "edges": [], "node": None})
    return frames


# ---------------------------------------------------------------- chapter 5's worked examples

EXAMPLES = (
    ("add", ((2, 3),)),
    ("mul", ((2, 3),)),
    ("pow", ((3,), (4,))),
    ("log", ((1,), (4,))),
    ("exp", ((1,), (2,))),
    ("relu", ((3,), (-2,))),
)


def _one(op, xs):
    """One technique on real Values: {"inputs", "out", "grads"} after tracing back."""
    ins = [Value(x) for x in xs]
    if op == "add":
        y = ins[0] + ins[1]
    elif op == "mul":
        y = ins[0] * ins[1]
    elif op == "pow":
        y = ins[0] ** 2
    elif op == "log":
        y = ins[0].log()
    elif op == "exp":
        y = ins[0].exp()
    else:
        y = ins[0].relu()
    y.backward()
    assert export_graph(y)["nodes"][-1]["op"] == op
    return {"inputs": [v.data for v in ins], "out": y.data, "grads": [v.grad for v in ins]}


def technique_examples():
    """Each of the six techniques on a few inputs: [(op, [{"inputs", "out", "grads"}, ...])]."""
    return [(op, [_one(op, xs) for xs in examples]) for op, examples in EXAMPLES]


def dish_graph():
    """salt 2, sugar 3; seasoning = salt × sugar; dish = seasoning + salt; traced back
    and exported (``export_graph``): dish'(salt) = 3 + 1 = 4, dish'(sugar) = 2."""
    salt = Value(2, label="salt")
    sugar = Value(3, label="sugar")
    seasoning = salt * sugar
    seasoning.label = "seasoning"
    dish = seasoning + salt
    dish.label = "dish"
    dish.backward()
    return export_graph(dish)
