"""Text helpers shared by readers and writers."""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 forbids C0 controls other than tab, newline and carriage return (and a few
# non-characters); Word refuses to open a document containing them.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def strip_illegal(text: str) -> str:
    """Drop characters that cannot appear in an XML document; normalise line ends."""
    return _ILLEGAL_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def paragraphs(text: str) -> list[str]:
    """Split a cell's text into paragraphs: one per non-blank line."""
    return [p.strip() for p in strip_illegal(text).split("\n") if p.strip()]


def normalise_number_text(text: str) -> str:
    """What a clerk typed in a number cell, as plain ASCII digits.

    Full-width digits and punctuation become half-width (NFKC), thousands separators and
    all white space (including the ideographic space) go.
    """
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s,]", "", text)
