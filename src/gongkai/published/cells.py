"""Reading printed labels and numbers the way a person does: widths, spaces and numbering ignored."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..textutil import normalise_number_text

# "一、" "（三）" "(3)" "3." "3、" "第三" at the start of a label only number it.
_ENUMERATOR = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、](?!\d))"
)
_PUNCTUATION = re.compile(r"[\s、，,。.:：;；()（）\"'“”‘’《》<>〈〉\[\]【】·•/／\-—–_…]+")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# Printed in a number cell to mean "nothing": read as a blank cell.
BLANK_MARKS = frozenset({"", "-", "—", "——", "–", "－", "/", "／", "\\"})
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\xa0]+|[ \t\xa0]+(?=[{_CJK}])")


def fold(text: str) -> str:
    """NFKC (half-width digits and punctuation), no white space at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def core_label(text: str) -> str:
    """A label reduced to its words: "（一）予以公开" and "(一) 予以公开" are both "予以公开"."""
    folded = fold(text).replace("“", "").replace("”", "")
    folded = _ENUMERATOR.sub("", folded, count=1)
    return _PUNCTUATION.sub("", folded)


def cell_text(text: str) -> str:
    """A table cell's text on one line: wrapped labels ("商业\\n企业") joined up again."""
    lines = [line.strip() for line in text.replace("\xa0", " ").splitlines()]
    return "".join(line for line in lines if line)


# A figure that ends the line or stands before another figure is a table cell ("行政许可 12",
# "数量 5 1 0"); the space before it separates cells and must stay.
_CELL_FIGURE = re.compile(r"[-+]?\d[\d,.]*(?:$| +[-+]?\d)")


def tidy(text: str) -> str:
    """A paragraph's text: no-break spaces made plain, runs of spaces collapsed, and the
    spaces layout puts between Chinese and Latin text (PDF, HTML: "2025 年") dropped."""
    text = re.sub(r"[ \t\xa0\u3000]+", " ", text.replace("\r", "")).strip()

    def drop(m: re.Match[str]) -> str:
        return m[0] if _CELL_FIGURE.match(text, m.end()) else ""

    return _SPACE_BY_CJK.sub(drop, text)


def parse_cell_number(text: str) -> Decimal | None:
    """The number a cell prints ("12", "１２", "1,234", "24252.311082"), else None."""
    plain = normalise_number_text(text)
    if not _NUMBER.match(plain):
        return None
    try:
        return Decimal(plain)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


def is_blank(text: str) -> bool:
    return fold(text) in BLANK_MARKS


def is_label(text: str) -> bool:
    """A cell that is words, not a number and not a blank."""
    return not is_blank(text) and parse_cell_number(text) is None


def is_value(text: str) -> bool:
    return is_blank(text) or parse_cell_number(text) is not None
