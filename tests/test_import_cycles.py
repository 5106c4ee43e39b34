"""The batch, its summary writers and the result types import without a cycle (issue 8, part 4)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "src" / "gongkai"
LAYERED = ("gongkai.results", "gongkai.summary", "gongkai.html.summary", "gongkai.batch")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every gongkai module ``path`` imports, wherever the import stands: at the top, inside a
    function, or under ``if TYPE_CHECKING`` (a cycle hidden there is still a cycle)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # "from . import format" names the submodule; the package itself is initialised
            # before any of its modules, so it is not an edge.
            candidates = [target] * bool(node.module) + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in modules)
    return found - {name}


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    return {name: _imports(path, modules) for name, path in files.items()}


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


@pytest.mark.parametrize("module", LAYERED)
def test_no_import_cycle_through_the_batch_modules(module: str) -> None:
    graph = import_graph()
    assert module in graph
    cycle = sorted(m for m in _reaches(graph, module) if module in _reaches(graph, m) or m == module)
    assert cycle == [], f"{module} imports itself again through {cycle}"


def test_result_types_sit_below_the_writers() -> None:
    graph = import_graph()
    below = _reaches(graph, "gongkai.results")
    assert not below & {"gongkai.batch", "gongkai.summary", "gongkai.html.summary"}
    assert "gongkai.batch" not in _reaches(graph, "gongkai.summary")
    assert "gongkai.batch" not in _reaches(graph, "gongkai.html.summary")


def test_the_cycle_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    # The check must be able to fail: an import hidden in a function body is found.
    source = tmp_path / "gongkai" / "summary.py"
    source.parent.mkdir()
    source.write_text("def f():\n    from .batch import STATUS_ORDER\n", encoding="utf-8")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "gongkai"
    try:
        assert _imports(source, {"gongkai.batch", "gongkai.summary"}) == {"gongkai.batch"}
    finally:
        PACKAGE = saved


@pytest.mark.parametrize("module", LAYERED)
def test_each_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    # A cycle shows as an ImportError of a partly initialised module when the "wrong" one
    # is imported first; each goes first in its own interpreter.
    code = f"import {module}, gongkai.batch; print(gongkai.batch.run_batch.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "run_batch"
