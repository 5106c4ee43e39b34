"""A PDF report with a text layer: ruled tables as tables, the rest of the text as paragraphs.

pdfplumber finds tables by their ruling lines (published reports print tables with
borders); text outside them is joined line by line into paragraphs, a paragraph starting
where a line is indented or the line before it stopped short. A table continued on the next
page (its header rows repeated) is joined back into one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UnreadableInputError
from .blocks import Block, Paragraph, Table
from .cells import cell_text


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    height: float


def read_pdf_blocks(path: Path) -> list[Block]:
    import pdfplumber

    items: list[tuple[str, Any]] = []  # ("line", _Line) | ("table", rows) | ("page", None)
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            page = page.dedupe_chars()
            boxes: list[tuple[float, float, float, float]] = []
            placed: list[tuple[float, int, tuple[str, Any]]] = []
            for t in page.find_tables():
                for bbox, rows in _table_pieces(t):
                    boxes.append(bbox)
                    placed.append((bbox[1], 0, ("table", rows)))
            for line in page.extract_text_lines(return_chars=False):
                middle = (line["top"] + line["bottom"]) / 2
                if any(b[1] <= middle <= b[3] and b[0] - 2 <= line["x0"] <= b[2] + 2 for b in boxes):
                    continue
                height = line["bottom"] - line["top"]
                placed.append(
                    (
                        line["top"],
                        1,
                        ("line", _Line(line["text"], line["x0"], line["x1"], line["top"], height)),
                    )
                )
            placed.sort(key=lambda item: (item[0], item[1]))
            items.append(("page", None))
            items.extend(entry for _, _, entry in placed)
    lines = [entry for kind, entry in items if kind == "line"]
    if not lines and not any(kind == "table" for kind, _ in items):
        raise UnreadableInputError(
            f"{path.name} 没有文字层（可能是扫描件或图片），无法读取。请提供 Word、网页或带文字的 PDF 版本。"
        )
    return _assemble(items, lines)


def _table_pieces(table: Any) -> list[tuple[tuple[float, float, float, float], tuple[tuple[str, ...], ...]]]:
    """A ruled table's rows that are a table, as runs of rows with their boxes.

    Some reports print the whole page inside a frame, or rule every line of text: pdfplumber
    then sees a "table" whose rows are the report's paragraphs. A row whose only text is in
    its first cell and reads as prose or a section heading is text, not a table row; its
    lines go back to the text layer (so "一、总体情况" is a heading again)."""
    from .core import heading_index

    texts = [tuple(cell_text(c or "") for c in row) for row in table.extract()]
    single_column = all(sum(1 for c in row if c) <= 1 for row in texts)
    pieces: list[tuple[tuple[float, float, float, float], tuple[tuple[str, ...], ...]]] = []
    run: list[tuple[str, ...]] = []
    box: list[float] = []

    def close() -> None:
        nonlocal run, box
        if run:
            pieces.append(((box[0], box[1], box[2], box[3]), tuple(run)))
        run, box = [], []

    for row, cells in zip(table.rows, texts, strict=True):
        filled = [c for c in cells if c]
        prose = len(filled) == 1 and bool(cells[0]) and (
            single_column
            or heading_index(cells[0]) is not None
            or cells[0][-1] in "。；;！!？?"
            or (len(cells[0]) >= 20 and re.search(r"[，,。]", cells[0]) is not None)
        )
        if prose or not filled and not run:
            close()
            continue
        x0, top, x1, bottom = row.bbox
        box = [min(box[0], x0), box[1], max(box[2], x1), bottom] if box else [x0, top, x1, bottom]
        run.append(cells)
    close()
    return pieces


def _mode(values: list[float]) -> float:
    return Counter(round(v) for v in values).most_common(1)[0][0] if values else 0.0


def _assemble(items: list[tuple[str, Any]], lines: list[_Line]) -> list[Block]:
    left = _mode([line.x0 for line in lines])
    right = _mode([line.x1 for line in lines if line.x1 - line.x0 > 200] or [line.x1 for line in lines])
    blocks: list[Block] = []
    buffer: list[str] = []
    last: _Line | None = None
    last_table: list[tuple[str, ...]] | None = None

    def flush() -> None:
        nonlocal buffer
        if buffer:
            blocks.append(Paragraph("".join(buffer)))
        buffer = []

    for kind, entry in items:
        if kind == "page":
            continue
        if kind == "table":
            flush()
            last = None
            rows = list(entry)
            if (
                last_table is not None
                and blocks
                and isinstance(blocks[-1], Table)
                and _continues(last_table, rows)
            ):
                repeated = _repeated_header(last_table, rows)
                merged = last_table + rows[repeated:]
                blocks[-1] = Table(tuple(merged))
                last_table = merged
            else:
                blocks.append(Table(tuple(rows)))
                last_table = rows
            continue
        line: _Line = entry
        if _is_page_furniture(line, left, right):
            continue
        char = max(line.height, 6.0)
        starts = (
            last is None
            or line.x0 > left + 0.6 * char  # indented (a first line) or centred (a title)
            or last.x1 < right - 1.5 * char  # the line before stopped short: its paragraph ended
        )
        if starts:
            flush()
        buffer.append(line.text)
        last = line
        last_table = None
    flush()
    return blocks


def _is_page_furniture(line: _Line, left: float, right: float) -> bool:
    text = line.text.replace(" ", "")
    return (
        len(text) <= 9
        and any(ch.isdigit() for ch in text)
        and all(ch.isdigit() or ch in "-—–－第页共/" for ch in text)
    )


def _continues(previous: list[tuple[str, ...]], rows: list[tuple[str, ...]]) -> bool:
    """A table right after another (no text between, same width) is its next page."""
    return bool(previous and rows) and len(previous[0]) == len(rows[0])


def _repeated_header(previous: list[tuple[str, ...]], rows: list[tuple[str, ...]]) -> int:
    """How many of ``rows``' first rows repeat the table's header rows (Word repeats them)."""
    n = 0
    while n < len(rows) and n < len(previous) and _same(rows[n], previous[n]):
        n += 1
    return n


def _same(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return [c for c in a if c] == [c for c in b if c]
