"""A report page saved from a portal (.html/.htm): GBK or UTF-8, tables with rowspan/colspan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
from lxml import etree

from .blocks import Block, Paragraph, Table
from .cells import cell_text

_SKIP = frozenset(
    {"script", "style", "head", "noscript", "iframe", "object", "svg", "select", "button", "template"}
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "center",
        "dl",
        "dt",
        "dd",
        "form",
        "fieldset",
        "address",
        "figure",
        "figcaption",
        "hr",
        "tr",
        "td",
        "th",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "body",
        "html",
        "font-block",
    }
)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_GB = frozenset({"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def decode_html(raw: bytes) -> str:
    """The page's text: by its BOM, else its meta charset, else UTF-8 if it decodes, else GB18030."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    declared = _CHARSET.search(raw[:8192])
    if declared:
        name = declared[1].decode("ascii").lower()
        encoding = "gb18030" if name in _GB else name
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass  # a page that lies about its encoding: find it out below
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def html_blocks(text: str) -> list[Block]:
    root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text) or "<html></html>")
    body = root.find("body")
    walker = _Walker()
    walker.walk(body if body is not None else root)
    walker.flush()
    return walker.blocks


def read_html_blocks(path: Path) -> list[Block]:
    return html_blocks(decode_html(path.read_bytes()))


class _Walker:
    """Walks the page in document order: text runs become paragraphs at block boundaries and
    <br>, data tables become tables, layout tables (holding other tables) are walked through."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer).strip()
        self.buffer = []
        if text:
            self.blocks.append(Paragraph(text))

    def text(self, value: str | None) -> None:
        if value:
            self.buffer.append(re.sub(r"[\r\n\t]+", " ", value))

    def walk(self, element: etree._Element) -> None:
        self.text(element.text)
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            tag = tag.lower()
            if not tag or tag in _SKIP:
                # Comments and skipped elements: only their tail is page text.
                self.text(child.tail)
                continue
            if tag == "br":
                self.flush()
            elif tag == "table" and child.find(".//table") is None:
                self.flush()
                self.blocks.append(_table(child))
            elif tag in _BLOCK or tag == "table":
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)
            self.text(child.tail)


def _rows(table: etree._Element) -> Iterator[etree._Element]:
    for child in table:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            yield from (tr for tr in child if isinstance(tr.tag, str) and tr.tag.lower() == "tr")


def _span(cell: etree._Element, name: str) -> int:
    value = re.sub(r"\D", "", cell.get(name, "") or "")
    return max(1, min(int(value), 1000)) if value else 1


def _table(table: etree._Element) -> Table:
    """The table's grid: each cell's text at its top-left position, "" where spans reach."""
    grid: dict[tuple[int, int], str] = {}
    width = 0
    rows = list(_rows(table))
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            tag = cell.tag.lower() if isinstance(cell.tag, str) else ""
            if tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            for dr in range(min(rowspan, len(rows) - r)):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = ""
            grid[(r, c)] = cell_text(_cell_content(cell))
            c += colspan
            width = max(width, c)
    return Table(tuple(tuple(grid.get((r, c), "") for c in range(width)) for r in range(len(rows))))


def _cell_content(cell: etree._Element) -> str:
    # <br> and <p> inside a cell wrap a label ("商业<br>企业"); they do not separate values.
    parts: list[str] = []
    for text in cell.itertext():
        parts.append(text)
    return "\n".join(parts)
