"""A Word (.docx) report: paragraphs and tables in body order, merged cells resolved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from ..package import open_package
from .blocks import Block, Paragraph, Table
from .cells import cell_text


def read_docx_blocks(path: Path) -> list[Block]:
    # python-docx parses every part it opens: the guard refuses bombs and DTDs first, and
    # python-docx then reads only the members the guard checked.
    package = open_package(path, resave="请确认文件来源，用 Word 或 WPS 打开后另存为 .docx 再试。")
    document = docx.Document(package.read_stream())
    return list(_body_blocks(document.element.body, document))


def _body_blocks(container: etree._Element, parent: object) -> Iterator[Block]:
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(DocxParagraph(child, parent).text)  # type: ignore[arg-type]
        elif child.tag == qn("w:tbl"):
            if child.find(f".//{qn('w:tbl')}") is not None:
                # A layout table holding the report: read what its cells hold, in order.
                for cell in child.iter(qn("w:tc")):
                    if cell.find(f".//{qn('w:tbl')}") is None:
                        yield from _body_blocks(cell, parent)
                continue
            yield _table(child, parent)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_blocks(content, parent)


def _grid_value(element: etree._Element | None, name: str, default: int) -> int:
    if element is None:
        return default
    value = element.get(qn("w:val"))
    return int(value) if value and value.isdigit() else default


def _table(table: etree._Element, parent: object) -> Table:
    rows: list[tuple[str, ...]] = []
    for tr in table.iter(qn("w:tr")):
        cells: list[str] = []
        tr_pr = tr.find(qn("w:trPr"))
        before = tr_pr.find(qn("w:gridBefore")) if tr_pr is not None else None
        cells.extend([""] * _grid_value(before, "gridBefore", 0))
        for tc in _row_cells(tr):
            tc_pr = tc.find(qn("w:tcPr"))
            span = _grid_value(tc_pr.find(qn("w:gridSpan")) if tc_pr is not None else None, "gridSpan", 1)
            merge = tc_pr.find(qn("w:vMerge")) if tc_pr is not None else None
            # A vertically merged cell's continuation holds nothing of its own.
            continued = merge is not None and merge.get(qn("w:val"), "continue") != "restart"
            text = "" if continued else _cell_text(tc, parent)
            cells.append(text)
            cells.extend([""] * (span - 1))
        rows.append(tuple(cells))
    return Table(tuple(rows))


def _row_cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr.iterchildren():
        if child.tag == qn("w:tc"):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from (tc for tc in content.iterchildren() if tc.tag == qn("w:tc"))


def _cell_text(tc: etree._Element, parent: object) -> str:
    texts = [DocxParagraph(p, parent).text for p in tc.iter(qn("w:p"))]  # type: ignore[arg-type]
    return cell_text("\n".join(texts))
