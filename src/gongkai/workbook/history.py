"""Every workbook layout gongkai has ever written, so a workbook outlives a format change.

A layout is the map from each canonical key to its cell (sheet, address, kind and, for a
total, its formula), derived from :mod:`gongkai.format` by :mod:`.layout`. Its fingerprint is
the SHA-256 of that map. ``layouts.json`` beside this module records every released layout
under its version name ("gongkai-2021.1", the name a workbook carries in 填报说明!B2 and
in its custom property); ``python -m gongkai.regenerate`` adds the current layout when the
format has changed. The reader reads a workbook of any recorded layout *by its keys*: a
figure moved by an added row is found where that workbook has it, a key that layout never
had is reported once and read as empty.

This module imports nothing but :mod:`.layout` (itself only :mod:`gongkai.format`), so the
model can take its version names from here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import layout as L

REGISTRY = Path(__file__).with_name("layouts.json")
FORMAT_PREFIX = "gongkai-2021"  # the format (国办公开办函〔2021〕30号) all our layouts implement

# key -> (sheet!cell, kind, formula)
CellMap = dict[str, tuple[str, str, str | None]]


@dataclass(frozen=True)
class Layout:
    version: str
    fingerprint: str
    cells: CellMap


def current_cells() -> CellMap:
    return {s.path: (s.where, s.kind, s.formula) for s in L.cell_specs()}


def fingerprint(cells: CellMap) -> str:
    canonical = json.dumps(sorted((k, *v) for k, v in cells.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@cache
def recorded() -> tuple[Layout, ...]:
    """The layouts in ``layouts.json``, oldest first."""
    data = json.loads(REGISTRY.read_text(encoding="utf-8"))
    return tuple(
        Layout(e["version"], e["fingerprint"], {k: (v[0], v[1], v[2]) for k, v in e["cells"].items()})
        for e in data["layouts"]
    )


@cache
def current_version() -> str:
    """The version name of the layout the format gives today.

    When the format has changed and ``python -m gongkai.regenerate`` has not yet recorded
    the new layout, a provisional name made from the fingerprint is returned, so no
    workbook is ever labelled with an older layout's name; a test fails until it is
    recorded.
    """
    fp = fingerprint(current_cells())
    for layout in recorded():
        if layout.fingerprint == fp:
            return layout.version
    return f"{FORMAT_PREFIX}.unrecorded-{fp[:12]}"


def is_recorded() -> bool:
    return not current_version().startswith(f"{FORMAT_PREFIX}.unrecorded-")


def versions() -> tuple[str, ...]:
    """Every version name a workbook or JSON export of ours may carry."""
    names = [layout.version for layout in recorded()]
    current = current_version()
    return tuple(names if current in names else [*names, current])


def dump(entries: list[dict[str, object]]) -> str:
    """``layouts.json`` with one cell a line, so a format change reads as a short diff."""
    out = ['{"layouts": [']
    for i, e in enumerate(entries):
        cells = e["cells"]
        assert isinstance(cells, dict)
        lines = [f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in cells.items()]
        head = f'{{"version": {json.dumps(e["version"])}, "fingerprint": {json.dumps(e["fingerprint"])}, "cells": {{'
        out += [head, ",\n".join(lines), "}}" + ("," if i < len(entries) - 1 else "")]
    out.append("]}")
    return "\n".join(out) + "\n"


@cache
def first_keys() -> frozenset[str]:
    """The keys of the first recorded layout: the 2021 format as published reports print it.
    A row added to the format since then is missing from every report printed before it, and
    is no deviation there."""
    return frozenset(recorded()[0].cells)


def layout_of(version: str) -> Layout | None:
    return next((layout for layout in recorded() if layout.version == version), None)


def record_current() -> str | None:
    """Add today's layout to ``layouts.json`` under the next version name; return that
    name, or ``None`` when it is already recorded (the file is then left untouched)."""
    cells = current_cells()
    fp = fingerprint(cells)
    layouts = recorded()
    if any(layout.fingerprint == fp for layout in layouts):
        return None
    numbers = [int(layout.version.rsplit(".", 1)[1]) for layout in layouts]
    version = f"{FORMAT_PREFIX}.{max(numbers, default=0) + 1}"
    entries = [
        {"version": x.version, "fingerprint": x.fingerprint, "cells": {k: list(v) for k, v in x.cells.items()}}
        for x in layouts
    ]
    entries.append({"version": version, "fingerprint": fp, "cells": {k: list(v) for k, v in cells.items()}})
    tmp = REGISTRY.with_name(f".{REGISTRY.name}.tmp")
    tmp.write_text(dump(entries), encoding="utf-8")
    tmp.replace(REGISTRY)
    recorded.cache_clear()
    current_version.cache_clear()
    return version
