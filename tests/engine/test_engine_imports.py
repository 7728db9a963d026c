"""The engine imports nothing but numpy, the standard library and itself."""

import ast
import pathlib
import sys

ENGINE = pathlib.Path(__file__).resolve().parents[2] / "engine"


def imported_roots(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_engine_imports_only_numpy_and_the_standard_library():
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) >= 10
    allowed = set(sys.stdlib_module_names) | {"numpy", "engine"}
    for path in files:
        bad = set(imported_roots(path)) - allowed
        assert not bad, f"{path.name} imports {bad}"
