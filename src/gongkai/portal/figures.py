"""A version's figures of tables 二/三/四, stored keyed by data path.

Stored as ``{path: printed value}`` (``Version.figures_json``), never by position: a row added
to the format later is a path older versions simply lack, and reads as 0; a row removed is a
key nobody asks for. So a change of the format needs no data migration.
"""

from __future__ import annotations

import json
from decimal import Decimal

from ..model import Report
from ..results import TABLE_PATHS, table_figures
from .db import Version


def figures_json(report: Report) -> str:
    """The report's figures as they are stored with its version."""
    return json.dumps({path: str(value) for path, value in table_figures(report).items()})


def figures_of(version: Version) -> dict[str, str]:
    """Every figure of today's format, by path, as printed; "0" for a path the stored version
    lacks (a row added to the format after it was uploaded)."""
    stored = json.loads(version.figures_json)
    return {path: str(stored.get(path, "0")) for path in TABLE_PATHS}


def figure_values(version: Version) -> dict[str, int | Decimal]:
    """The figures as numbers by path, as the batch's :class:`~gongkai.results.BodyResult`
    holds them."""
    return {path: Decimal(v) if "." in v else int(v) for path, v in figures_of(version).items()}


def figure_labels() -> dict[str, str]:
    """Each figure's workbook cell and label: ``二、主动公开!B5（…）``."""
    from ..workbook import layout as L

    paths = set(TABLE_PATHS)
    return {s.path: f"{s.sheet}!{s.cell}（{s.label}）" for s in L.cell_specs() if s.path in paths}
