"""The route map in src/gongkai/portal/README.md is the app's route table: same methods, same paths."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Mount, Route

from gongkai.portal.app import ROUTES
from gongkai.portal.workflow import Action

README = Path(__file__).resolve().parent.parent / "src" / "gongkai" / "portal" / "README.md"


def _readme_routes() -> list[tuple[frozenset[str], str]]:
    """(methods, path) for each path the README's table names; ``report.docx` / `.pdf``
    is two paths, query strings (``?status=…``, ``[?pdf=1…]``) are not part of a path."""
    found = []
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]  # a cell may hold "\\|"
        if len(cells) < 2 or not re.fullmatch(r"[A-Z]+(/[A-Z]+)*", cells[0]):
            continue
        methods = frozenset(cells[0].split("/"))
        paths = re.findall(r"`([^`]+)`", cells[1].replace("\\|", "|"))
        first = re.split(r"[?\[]", paths[0])[0]
        found.append((methods, first))
        for extra in paths[1:]:  # `/…/report.docx` / `.pdf`: another suffix of the same path
            found.append((methods, re.sub(r"\.[a-z]+$", extra, first)))
    return found


def _methods(route: Route) -> frozenset[str]:
    return frozenset((route.methods or {"GET"}) - {"HEAD"})  # Starlette answers HEAD wherever GET


def test_readme_route_table_is_the_apps() -> None:
    readme = _readme_routes()
    routes = [r for r in ROUTES if isinstance(r, Route)]
    assert all(isinstance(r, (Route, Mount)) for r in ROUTES)
    assert len(readme) >= len(routes)
    matched: dict[str, set[str]] = {r.path: set() for r in routes}
    for methods, path in readme:
        # The route Starlette picks: the first that matches (…/{action} comes after …/rename).
        hit = next((r for r in routes if r.path_regex.fullmatch(path)), None)
        assert hit is not None, f"README names {path}, which the app does not serve"
        assert _methods(hit) == methods, f"{path}: README says {sorted(methods)}, the app {sorted(_methods(hit))}"
        matched[hit.path].add(path)
    assert not [p for p, hits in matched.items() if not hits], "routes the README does not list"
    # The one route with a free path segment serves exactly the county's review actions.
    reviews = {p.rsplit("/", 1)[-1] for p in matched["/county/bodies/{body_id}/{action}"]}
    assert reviews == {a.value for a in Action if a is not Action.SUBMIT}
    assert {p.rsplit(".", 1)[-1] for p in matched["/b/{body_id}/v/{version_id}/report.{kind:str}"]} == {"docx", "pdf"}


def test_the_only_mount_is_static() -> None:
    assert [m.path for m in ROUTES if isinstance(m, Mount)] == ["/static"]
