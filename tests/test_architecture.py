"""Layers of the package: the readers never import the checks (issue 12, §3).

A reader (published reports, the workbook, JSON, the reading table) turns a file into the
model and nothing else; the rules come after. The import graph is read from the sources'
syntax trees, imports inside functions included, and followed transitively: a reader that
reaches the checks through a helper breaks the layering just the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gongkai"
READERS = (
    "gongkai.published",
    "gongkai.workbook",
    "gongkai.jsonio",
    "gongkai.reading",
    # Neutral modules that readers and checks both import.
    "gongkai.textfigures",
    "gongkai.rules",
)
FORBIDDEN = "gongkai.checks"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str) -> set[str]:
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            # "from .. import format" names the submodule: the package itself is initialised
            # before any of its modules either way, so it is not an edge.
            candidates = [target] * bool(node.module) + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        # gongkai/__init__ imports lazily, on attribute access, for the public API's users.
        found |= {c for c in candidates if c in MODULES and c != "gongkai"}
    return found


def _reachable(start: str) -> dict[str, str]:
    """Every gongkai module ``start`` imports, directly or not, with the module importing it."""
    seen: dict[str, str] = {}
    todo = [start]
    while todo:
        name = todo.pop()
        for imported in _imports(name):
            if imported not in seen and imported != start:
                seen[imported] = name
                todo.append(imported)
    return seen


def _chain(seen: dict[str, str], start: str, end: str) -> str:
    chain = [end]
    while chain[-1] != start:
        chain.append(seen[chain[-1]])
    return " → ".join(reversed(chain))


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(READERS)))
def test_readers_do_not_import_the_checks(module: str) -> None:
    seen = _reachable(module)
    bad = sorted(m for m in seen if m == FORBIDDEN or m.startswith(FORBIDDEN + "."))
    assert not bad, f"{module} imports the checks: {_chain(seen, module, bad[0])}"


def test_the_graph_is_read() -> None:
    # A parser that found no imports would pass the test above vacuously.
    assert "gongkai.textfigures" in _reachable("gongkai.published.core")
    assert FORBIDDEN in _reachable("gongkai.rendering")
