"""Tables 二/三/四 as rows of cells with their spans, derived from the format data.

Shared by the HTML writers so the portal page carries the official rowspan/colspan
structure and verbatim labels, exactly as the Word template does.
"""

from __future__ import annotations

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


def proactive_rows(t2: dict[str, Any]) -> list[Row]:
    width = fmt.PROACTIVE_WIDTH
    rows: list[Row] = []
    for block in fmt.PROACTIVE_BLOCKS:
        rows.append([Cell(block.header, colspan=width, header=True)])
        if len(block.columns) == width:
            rows.append([Cell(c, header=True) for c in block.columns])
        else:
            rows.append([Cell(block.columns[0], header=True), Cell(block.columns[1], colspan=width - 1, header=True)])
        for row in block.rows:
            value = t2[row.key]
            if row.fields:
                rows.append(
                    [Cell(row.label), *(Cell(value[f], number=True, path=f"proactive.{row.key}.{f}") for f in row.fields)]
                )
            else:
                rows.append([Cell(row.label), Cell(value, colspan=width - 1, number=True, path=f"proactive.{row.key}")])
    return rows


def request_rows(t3: dict[str, dict[str, str]]) -> list[Row]:
    depth = fmt.REQUEST_LABEL_DEPTH
    parts = fmt.REQUEST_PART_COLUMNS
    header: list[Row] = [
        [
            Cell(fmt.REQUEST_CORNER_LABEL, rowspan=3, colspan=depth, header=True),
            Cell(fmt.REQUEST_APPLICANT_LABEL, colspan=len(fmt.REQUEST_COLUMNS), header=True),
        ],
        [
            Cell(parts[0].label, rowspan=2, header=True),
            Cell(fmt.REQUEST_LEGAL_PERSON_LABEL, colspan=len(parts) - 1, header=True),
            Cell(fmt.REQUEST_COLUMNS[-1].label, rowspan=2, header=True),
        ],
        [Cell(c.label, header=True) for c in parts[1:]],
    ]
    labels: dict[int, list[Cell]] = {}
    for lc in fmt.request_label_cells():
        labels.setdefault(lc.row, []).append(Cell(lc.text, rowspan=lc.rowspan, colspan=lc.colspan))
    body = [
        [
            *labels.get(i, []),
            *(Cell(t3[row.key][c.key], number=True, path=f"requests.{row.key}.{c.key}") for c in fmt.REQUEST_COLUMNS),
        ]
        for i, row in enumerate(fmt.REQUEST_ROWS)
    ]
    return header + body


def appeal_rows(t4: dict[str, dict[str, str]]) -> list[Row]:
    ncols = len(fmt.APPEAL_COLUMNS)
    top: Row = []
    middle: Row = []
    bottom: Row = []
    parents: dict[str, int] = {}
    for group in fmt.APPEAL_GROUPS:
        if group.parent is None:
            top.append(Cell(group.label, colspan=ncols, header=True))
            middle += [Cell(c.label, rowspan=2, header=True) for c in fmt.APPEAL_COLUMNS]
        else:
            parents[group.parent] = parents.get(group.parent, 0) + 1
            middle.append(Cell(group.label, colspan=ncols, header=True))
            bottom += [Cell(c.label, header=True) for c in fmt.APPEAL_COLUMNS]
    top += [Cell(parent, colspan=ncols * n, header=True) for parent, n in parents.items()]
    data = [
        Cell(t4[g.key][c.key], number=True, path=f"appeals.{g.key}.{c.key}")
        for g in fmt.APPEAL_GROUPS
        for c in fmt.APPEAL_COLUMNS
    ]
    return [top, middle, bottom, data]
