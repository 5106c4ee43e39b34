"""Text copied from a published page: one line per paragraph, table rows as tab- or
space-separated cells (tables flattened the way a browser copies them)."""

from __future__ import annotations

from pathlib import Path

from ..errors import UnreadableInputError
from .blocks import Block, Paragraph, Table


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
    """Lines with a tab are table rows (consecutive ones one table); other lines paragraphs."""
    blocks: list[Block] = []
    rows: list[tuple[str, ...]] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if "\t" in line:
            rows.append(tuple(cell.strip() for cell in line.split("\t")))
            continue
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []
        if line.strip():
            blocks.append(Paragraph(line))
    if rows:
        blocks.append(Table(tuple(rows)))
    return blocks


def read_text_blocks(path: Path) -> list[Block]:
    return text_blocks(decode(path.read_bytes(), path.name))
