import math

import pytest

from engine.autograd import Value, export_graph


def test_chapter_five_example():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    L = c + a
    L.backward()
    assert (c.data, L.data) == (6.0, 8.0)
    assert a.grad == 4.0 and b.grad == 2.0


def _fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name, build, plain", [
    ("add", lambda v: v + 1.5, lambda x: x + 1.5),
    ("mul", lambda v: v * -2.5, lambda x: x * -2.5),
    ("pow", lambda v: v**3, lambda x: x**3),
    ("pow-half", lambda v: v**-0.5, lambda x: x**-0.5),
    ("log", lambda v: v.log(), math.log),
    ("exp", lambda v: v.exp(), math.exp),
    ("relu+", lambda v: v.relu(), lambda x: max(0.0, x)),
    ("neg", lambda v: -v, lambda x: -x),
    ("sub", lambda v: 4 - v, lambda x: 4 - x),
    ("div", lambda v: 1 / v, lambda x: 1 / x),
    ("mix", lambda v: (v * v + v.exp()).log() / (v + 2), lambda x: math.log(x * x + math.exp(x)) / (x + 2)),
])
def test_every_technique_matches_finite_differences(name, build, plain):
    x0 = 1.3
    v = Value(x0)
    out = build(v)
    out.backward()
    assert out.data == pytest.approx(plain(x0))
    assert v.grad == pytest.approx(_fd(plain, x0), rel=1e-6, abs=1e-9)


def test_relu_passes_nothing_back_for_negatives():
    v = Value(-0.7)
    out = v.relu()
    out.backward()
    assert out.data == 0 and v.grad == 0.0


def test_a_value_used_twice_collects_both_influences():
    x = Value(3.0)
    y = x * x + x
    y.backward()
    assert x.grad == 7.0


def test_backward_can_run_twice_without_doubling():
    a, b = Value(2.0), Value(3.0)
    L = a * b + a
    L.backward()
    L.backward()
    assert a.grad == 4.0 and b.grad == 2.0


def test_deep_graphs_do_not_hit_the_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(20000):
        y = y + 0.0
    y.backward()
    assert x.grad == 1


def test_export_graph_of_the_example():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    L = c + a
    L.label = "L"
    L.backward()
    g = export_graph(L)
    by_label = {n["label"]: n for n in g["nodes"]}
    assert set(by_label) == {"a", "b", "c", "L"}
    assert by_label["c"]["op"] == "mul" and by_label["L"]["op"] == "add"
    assert by_label["a"]["grad"] == 4.0 and by_label["b"]["grad"] == 2.0
    ids = {n["id"]: n["label"] for n in g["nodes"]}
    edges = {(ids[e["source"]], ids[e["target"]]): e["local_grad"] for e in g["edges"]}
    assert edges == {("a", "c"): 3.0, ("b", "c"): 2.0, ("c", "L"): 1, ("a", "L"): 1}
    order = [ids[i] for i in g["backward_order"]]
    assert order[0] == "L"
    assert order.index("c") < order.index("a") and order.index("c") < order.index("b")
    # forward order: every node after its inputs
    pos = {n["id"]: i for i, n in enumerate(g["nodes"])}
    assert all(pos[e["source"]] < pos[e["target"]] for e in g["edges"])


def test_power_by_a_value_is_refused():
    with pytest.raises(TypeError):
        Value(2.0) ** Value(3.0)


def test_the_relay_replays_tracing_back_and_ends_at_the_graphs_own_grads():
    from engine.autograd import dish_graph, relay, technique_examples

    graph = dish_graph()
    frames = relay(graph)
    assert [f["kind"] for f in frames] == ["start", "cook", "cook", "root", "pass", "pass", "done"]
    assert frames[-1]["grads"] == {n["id"]: n["grad"] for n in graph["nodes"]}
    # salt reaches the dish by two paths: 1 straight in, then 3 through the seasoning
    salt = next(n["id"] for n in graph["nodes"] if n["label"] == "salt")
    adds = [p for f in frames if f["kind"] == "pass" for p in f["passes"] if p["source"] == salt]
    assert [(p["before"], p["add"], p["total"]) for p in adds] == [(None, 1, 1), (1, 3, 4)]
    ops = dict(technique_examples())
    assert [r["grads"] for r in ops["mul"]] == [[3, 2]]
    assert [r["out"] for r in ops["relu"]] == [3, 0] and [r["grads"] for r in ops["relu"]] == [[1.0], [0.0]]
