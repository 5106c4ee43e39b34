"""A version's figures of tables 二/三/四, stored keyed by data path.

Stored as ``{path: printed value}`` (``Version.figures_json``), never by position: a row added
to the format later is a path older versions simply lack, and reads as 0; a row removed is a
key nobody asks for. So a change of the format needs no data migration.
"""

from __future__ import annotations

import json
from decimal import Decimal

from ..batch import TABLE_PATHS, _figures
from ..model import Report
from .db import Version


def figures_json(report: Report) -> str:
    """The report's figures as they are stored with its version."""
    return json.dumps({path: str(value) for path, value in zip(TABLE_PATHS, _figures(report), strict=True)})


def figures_of(version: Version) -> dict[str, str]:
    """Every figure of today's format, by path, as printed; "0" for a path the stored version
    lacks (a row added to the format after it was uploaded)."""
    stored = json.loads(version.figures_json)
    return {path: str(stored.get(path, "0")) for path in TABLE_PATHS}


def figure_values(version: Version) -> tuple[int | Decimal, ...]:
    """The figures as numbers in :data:`gongkai.batch.TABLE_PATHS` order, as the batch's
    :class:`~gongkai.results.BodyResult` holds them."""
    return tuple(Decimal(v) if "." in v else int(v) for v in figures_of(version).values())


def figure_labels() -> dict[str, str]:
    """Each figure's workbook cell and label: ``二、主动公开!B5（…）``."""
    from ..workbook import layout as L

    paths = set(TABLE_PATHS)
    return {s.path: f"{s.sheet}!{s.cell}（{s.label}）" for s in L.cell_specs() if s.path in paths}
