"""Text helpers shared by readers and writers: what may go into XML, and paragraphs."""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 cannot hold C0 controls other than tab, newline and carriage return, nor lone
# surrogates or the two non-characters; Word and Excel refuse a file that contains them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029\x85]")


def clean_text(text: str) -> str:
    """Drop the characters an XML document cannot contain and make every line end ``\\n``."""
    return _LINE_BREAKS.sub("\n", _XML_ILLEGAL.sub("", text))


def strip_xml_illegal(text: str) -> str:
    """Only drop what XML cannot contain; line breaks and everything else stay as they are."""
    return _XML_ILLEGAL.sub("", text)


def clean_line(text: str) -> str:
    """One-line text (names, addresses): illegal characters dropped, line breaks removed."""
    return _LINE_BREAKS.sub("", _XML_ILLEGAL.sub("", text)).strip()


def split_paragraphs(text: str) -> list[str]:
    """Cell text to paragraphs: one per line, blank lines dropped, each line stripped.

    Stripping also removes the two ideographic spaces clerks type as an indent; the
    paragraph style indents the first line itself.
    """
    return [stripped for line in clean_text(text).split("\n") if (stripped := line.strip())]


def normalise_number_text(text: str) -> str:
    """What a clerk typed in a number cell, as plain ASCII digits.

    Full-width digits and punctuation become half-width (NFKC), thousands separators and
    all white space (including the ideographic space) go.
    """
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s,]", "", text)
