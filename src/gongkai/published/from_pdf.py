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
from .cells import cell_text, is_value


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
            words = page.extract_words()
            for t in page.find_tables():
                for bbox, rows, texts in _table_pieces(t, words):
                    boxes.append(bbox)
                    placed.append((bbox[1], 0, ("table", (rows, texts))))
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


_Piece = tuple[tuple[float, float, float, float], tuple[tuple[str, ...], ...], tuple[str, ...]]


def _row_text(bbox: tuple[float, float, float, float], words: list[dict[str, Any]]) -> str:
    """A table row as the text layer has it: its words (a wrapped label joined up) then its
    figures from left to right, separated by spaces."""
    x0, top, x1, bottom = bbox
    inside = [
        w
        for w in words
        if x0 - 1 <= (w["x0"] + w["x1"]) / 2 <= x1 + 1 and top - 1 <= (w["top"] + w["bottom"]) / 2 <= bottom + 1
    ]
    figures = sorted((w for w in inside if is_value(w["text"])), key=lambda w: w["x0"])
    label = "".join(w["text"] for w in sorted(inside, key=lambda w: (round(w["top"]), w["x0"])) if not is_value(w["text"]))
    return " ".join([label, *(w["text"] for w in figures)]).strip()


def _table_pieces(table: Any, words: list[dict[str, Any]]) -> list[_Piece]:
    """A ruled table's rows that are a table, as runs of rows with their boxes.

    Some reports print the whole page inside a frame, or rule every line of text: pdfplumber
    then sees a "table" whose rows are the report's paragraphs. A row whose only text is in
    its first cell and reads as prose or a section heading is text, not a table row; its
    lines go back to the text layer (so "一、总体情况" is a heading again)."""
    from .core import heading_index

    grid = [tuple(cell_text(c or "") for c in row) for row in table.extract()]
    single_column = all(sum(1 for c in row if c) <= 1 for row in grid)
    pieces: list[_Piece] = []
    run: list[tuple[str, ...]] = []
    texts: list[str] = []
    box: list[float] = []

    def close() -> None:
        nonlocal run, box, texts
        if run:
            pieces.append(((box[0], box[1], box[2], box[3]), tuple(run), tuple(texts)))
        run, box, texts = [], [], []

    for row, cells in zip(table.rows, grid, strict=True):
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
        texts.append(_row_text(row.bbox, words))
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
    last_lines: list[str] = []

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
            rows, texts = list(entry[0]), list(entry[1])
            if (
                last_table is not None
                and blocks
                and isinstance(blocks[-1], Table)
                and _continues(last_table, rows)
            ):
                repeated = _repeated_header(last_table, rows)
                merged = last_table + rows[repeated:]
                last_lines = last_lines + texts[repeated:]
                blocks[-1] = Table(tuple(merged), lines=tuple(last_lines))
                last_table = merged
            else:
                blocks.append(Table(tuple(rows), lines=tuple(texts)))
                last_table, last_lines = rows, texts
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
