"""The project's modules import one another in layers, with no cycle anywhere.

engine ← app: the engine imports nothing but numpy, the standard library and
itself. Inside app: routes ← widgets ← presentation helpers and infrastructure;
infrastructure (the training helper, the store of answers, settings …) never
imports a widget, and no widget imports a route. app's folders stand in the
same layers: each imports only the folders below it.

Every import counts, also one inside a function. ``from package import module``
is an import of that module (Python runs the package's ``__init__`` first in
any case, which is no dependency between modules).
"""

import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("app", "engine")

ROUTES = {"app.main", "app.cli", "app.api.routes", "app.api.streams", "app.api.twin", "app.pages.crawl",
          "app.pages.embed", "app.pages.fragments", "app.pages.routes", "app.pages.site", "app.story.content"}
INFRASTRUCTURE = {"app.training.helper", "app.web.answer_memory", "app.web.head_requests", "app.web.http_caching",
                  "app.web.addresses", "app.web.compression", "app.web.whole_answers",
                  "app.web.i18n", "app.web.security_headers", "app.web.settings", "app.web.templating",
                  "app.model_facts.facts", "app.model_facts.figures", "app.model_facts.knob_words",
                  "app.model_facts.limits"}

# app's folders, each with the folders it may import: the routes at the top, what every
# answer stands on at the bottom (app/README.md draws the same table). The doors
# (app.main, app.cli, app.startup) stand above them all.
DOORS = {"app", "app.main", "app.cli", "app.startup"}
FOLDERS = {
    "pages": {"story", "widgets", "model_facts", "training", "web"},
    "api": {"widgets", "model_facts", "training", "web"},
    "story": {"widgets", "model_facts", "web"},
    "widgets": {"model_facts", "training", "web"},
    "model_facts": {"web"},        # the words it says come from the catalogs
    "training": set(),
    "web": set(),
}


def module_files():
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports_of(path, known):
    """(project modules imported, other top-level packages imported) by one file."""
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (inside if alias.name in known else outside).add(alias.name if alias.name in known
                                                                 else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative imports are not used here"
            subs = {f"{node.module}.{a.name}" for a in node.names} & set(known)
            inside |= subs
            if len(subs) < len(node.names):
                if node.module in known:
                    inside.add(node.module)
                else:
                    outside.add(node.module.split(".")[0])
    return inside, outside


def graph():
    files = module_files()
    edges, external = {}, {}
    for name, path in files.items():
        edges[name], external[name] = imports_of(path, files)
    return edges, external


def cycles(edges):
    """Strongly connected components of more than one module, or a module importing itself."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges[v]:
                found.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(edges):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_no_module_is_part_of_an_import_cycle():
    edges, _ = graph()
    assert len(edges) > 40
    assert cycles(edges) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_engine_imports_only_numpy_the_standard_library_and_itself():
    edges, external = graph()
    allowed = set(sys.stdlib_module_names) | {"numpy"}
    for name in edges:
        if name.split(".")[0] != "engine":
            continue
        assert all(m.split(".")[0] == "engine" for m in edges[name]), f"{name} imports {edges[name]}"
        assert external[name] <= allowed, f"{name} imports {external[name] - allowed}"


def test_widgets_import_no_route_and_infrastructure_imports_no_widget():
    edges, _ = graph()
    for name, deps in edges.items():
        if name.startswith("app.widgets"):
            assert not deps & ROUTES, f"{name} imports the route module(s) {deps & ROUTES}"
        if name in INFRASTRUCTURE:
            widgets = {d for d in deps if d.startswith("app.widgets")}
            assert not widgets, f"{name} imports the widget module(s) {widgets}"
    assert {"app.training.helper", "app.api.routes"} <= set(edges)


def test_app_folders_import_only_the_folders_below_them():
    edges, _ = graph()
    for name, deps in edges.items():
        if name.split(".")[0] != "app" or name in DOORS:
            continue
        folder = name.split(".")[1]
        assert folder in FOLDERS, f"{name} stands in no folder of app/ (FOLDERS lists them)"
        for dep in deps:
            if dep.split(".")[0] != "app":
                continue
            assert dep not in DOORS, f"{name} imports the door {dep}"
            below = dep.split(".")[1]
            assert below == folder or below in FOLDERS[folder], f"{name} imports {dep}, a folder above it"


def test_the_json_api_calls_the_engine_not_a_widget():
    edges, _ = graph()
    widgets = {d for d in edges["app.api.routes"] if d.startswith("app.widgets")}
    assert not widgets, f"app.api.routes imports {widgets}"


def test_every_package_imported_directly_is_declared():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower().replace("-", "_")
                for d in project["dependencies"]}
    # a distribution's import name, where it differs
    declared |= {"markdown_it" if d == "markdown_it_py" else "mdit_py_plugins" if d == "mdit_py_plugins" else d
                 for d in declared}
    _, external = graph()
    used = set().union(*external.values()) - set(sys.stdlib_module_names) - set(PACKAGES)
    assert used <= declared, f"imported but not declared in pyproject.toml: {used - declared}"
