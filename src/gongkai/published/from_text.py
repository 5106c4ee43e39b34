"""Text copied from a published page: one line per paragraph, table rows as tab- or
space-separated cells (tables flattened the way a browser copies them)."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import UnreadableInputError
from .blocks import Block, Paragraph, Remark, Table
from .one_line import is_one_line, unfold


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else GB18030 (the superset of GBK and GB2312 that
    Chinese Windows saves as "ANSI")."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableInputError(
        f"{name} 的文字编码无法识别，请另存为 UTF-8 编码的文本文件。"
    )  # pragma: no cover


def text_blocks(text: str) -> list[Block]:
    """Lines with a tab are table rows (consecutive ones one table); other lines paragraphs.

    Text a crawler took from a page's text nodes breaks paragraphs, words and numbers
    wherever the page had inline markup; outside the tables such lines are joined back
    into paragraphs (see :func:`_join_fragments`); text with the whole article on one line
    is unfolded first (:mod:`.one_line`)."""
    if is_one_line(text):
        unfolded = unfold(text)
        return [*text_blocks(unfolded.text), *(Remark(*r) for r in unfolded.remarks)]
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]
    blocks: list[Block] = []
    rows: list[tuple[str, ...]] = []
    for line in lines if any("\t" in line for line in lines) else []:
        if "\t" in line:
            rows.append(tuple(cell.strip() for cell in line.split("\t")))
            continue
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []
        blocks.append(Paragraph(line))
    if rows:
        blocks.append(Table(tuple(rows)))
    if blocks:
        return blocks
    return _join_fragments(lines)


# A paragraph ends with a full stop (closing brackets or quotes may follow it).
_PARAGRAPH_END = re.compile(r"[。！？!?][）)”’」』]*$")
_HEADER_END = re.compile(r"^正文[:：]?$")
_MIN_FRAGMENTS = 10
_NUMBERED = re.compile(r"^(?:第[一二三四五六]部分|[一二三四五六][、.．,，])")


def _join_fragments(lines: list[str]) -> list[Block]:
    """Crawler text (no tabs): rejoin the narrative's fragments, keep table lines as they are.

    The narrative is everything outside sections 二 to 四; a line there continues the one
    before unless that one ended a sentence or either is a section heading. Only text whose
    narrative is mostly such fragments is joined: a copied page has one paragraph a line."""
    from .core import heading_index, is_metadata, parse_title

    stripped = [line.strip() for line in lines]
    start = next((i + 1 for i, line in enumerate(stripped) if _HEADER_END.match(line)), 0)
    # Numbered headings only: the preamble's list of the six parts, broken into lines,
    # names them too ("主动公开政府信息情况").
    headings = {
        i: found[0]
        for i, line in enumerate(stripped)
        if _NUMBERED.match(line) and (found := heading_index(line)) is not None
    }
    table_from = next((i for i, k in headings.items() if k in (1, 2, 3) and i >= start), len(stripped))
    table_to = next((i for i, k in headings.items() if k in (4, 5) and i > table_from), len(stripped))
    narrative = [i for i in range(start, len(stripped)) if not table_from < i < table_to and i not in headings]
    fragments = sum(1 for i in narrative if not _PARAGRAPH_END.search(stripped[i]))
    if fragments < _MIN_FRAGMENTS or fragments * 2 < len(narrative):
        return [Paragraph(line) for line in lines]
    blocks: list[Block] = [Paragraph(line) for line in lines[:start]]
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            blocks.append(Paragraph("".join(buffer), joined=len(buffer) - 1))
            buffer.clear()

    for i in range(start, len(stripped)):
        line = stripped[i]
        if i in headings or table_from < i < table_to or is_metadata(line):
            flush()
            blocks.append(Paragraph(line))
            continue
        buffer.append(line)
        # A paragraph ends at a full stop; the title, which has none, at its last word.
        if _PARAGRAPH_END.search(line) or (line.endswith("报告") and parse_title("".join(buffer))):
            flush()
    flush()
    return blocks


def read_text_blocks(path: Path) -> list[Block]:
    return text_blocks(decode(path.read_bytes(), path.name))
