"""What every reader of a published report produces: a sequence of paragraphs and tables.

The adapters (text, Word, HTML, PDF) know their own file form and nothing about the report;
the core (:mod:`.core`) knows the report and nothing about file forms. Blocks are the only
thing they share.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    """One paragraph (or one line of copied text), as printed.

    ``joined`` counts the line breaks a reader took out of it: crawler text breaks a
    paragraph wherever the page had inline markup ("20" "21" "年")."""

    text: str
    joined: int = 0


@dataclass(frozen=True)
class Table:
    """A printed table as rows of cell texts, merged cells resolved.

    A merged cell's text stands in its first (top-left) position; the positions it spans
    are empty strings, so a cell's index in its row is its column in the printed grid.
    ``aligned`` is false for rows split at white space (text without cell boundaries),
    where an index says nothing about the column and blank cells cannot be seen.
    """

    rows: tuple[tuple[str, ...], ...]
    aligned: bool = True
    # Each row's text as the PDF's text layer has it ("规章 1 0 7"), for a row whose figures
    # the ruled grid could not place (no ruling line between them); empty for other forms.
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Remark:
    """What a reader did to the file's form before its blocks could be read (FD-11, FD-12):
    passed on as a format deviation, never read as text."""

    rule: str
    message: str
    location: str


Block = Paragraph | Table | Remark
