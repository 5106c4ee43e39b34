"""Tables 二/三/四 as rows of cells with their spans, from the format's table geometry.

A thin adapter over :data:`gongkai.format.TABLES`, shared by the HTML writers so the portal
page carries the official rowspan/colspan structure and verbatim labels, exactly as the Word
template and the workbook do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import format as fmt


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    number: bool = False
    path: str = ""  # the figure's data path (``requests.new.total``), so a page can mark the cells findings name


Row = list[Cell]


def _lookup(values: Mapping[str, Any], path: str) -> Any:
    """A figure by its key path inside a table's context (``t3["new"]["total"]``)."""
    node: Any = values
    for part in path.split(".")[1:]:
        node = node[part]
    return node


def table_rows(table: fmt.TableGeometry, values: Mapping[str, Any]) -> list[Row]:
    """``table`` drawn row by row, each data cell showing its figure from ``values``."""
    return [
        [
            Cell(_lookup(values, c.path), c.rowspan, c.colspan, number=True, path=c.path)
            if c.role == "data"
            else Cell(c.text, c.rowspan, c.colspan, header=c.role == "header")
            for c in row
        ]
        for row in table.rows()
    ]


def proactive_rows(t2: Mapping[str, Any]) -> list[Row]:
    return table_rows(fmt.PROACTIVE_TABLE, t2)


def request_rows(t3: Mapping[str, Any]) -> list[Row]:
    return table_rows(fmt.REQUEST_TABLE, t3)


def appeal_rows(t4: Mapping[str, Any]) -> list[Row]:
    return table_rows(fmt.APPEAL_TABLE, t4)
