"""Putting values into the cells of every workbook gongkai writes, text kept as text.

Names, file names, narratives and messages come from the people who fill the reports. A value
like ``=HYPERLINK(...)`` or ``=1+2.xlsx`` must arrive in 汇总.xlsx as the text it is, never as
a formula Excel or WPS evaluates (CSV/formula injection), and ``+86 …``, ``-5%``, ``@某某`` must
stay text when a clerk re-edits the cell. openpyxl turns any string starting with ``=`` into a
formula; this module is the one place that undoes it, for every openpyxl writer in gongkai.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from .textutil import escape_workbook_text, strip_xml_illegal

FORMULA_STARTS = ("=", "+", "-", "@")
"""What makes Excel or WPS read typed text as a formula (or a signed number)."""


def put_value(cell: Cell, value: Any) -> Cell:
    """Set ``cell`` to ``value``: numbers, dates and ``None`` as they are, text as text.

    Text loses the characters XML cannot hold (openpyxl would refuse the whole workbook), and
    what merely looks like one of Excel's ``_xHHHH_`` escapes is itself escaped. Text
    starting with one of :data:`FORMULA_STARTS` is stored as a string cell (``t="s"``, never a
    formula) and marked ``quotePrefix`` — Excel's own leading apostrophe — so that editing the
    cell in Excel or WPS keeps it text. Any other text is written exactly as openpyxl would,
    so ordinary workbooks stay byte-identical.
    """
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = escape_workbook_text(strip_xml_illegal(value))
    cell.value = text
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """``ws.cell(row, column, value)`` with :func:`put_value`'s rules for text."""
    return put_value(ws.cell(row, column), value)


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """``ws.append(values)`` with :func:`put_value`'s rules for text."""
    ws.append([put_value(Cell(ws), value) for value in values])
