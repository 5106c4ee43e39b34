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


# Excel and WPS store characters of a cell's text that XML would mangle as ``_xHHHH_`` (UTF-16
# code units), and an underscore that starts such a sequence as ``_x005F_``; so
# ``_x005F_x000D_`` is the typed text "_x000D_". One left-to-right pass decodes both right.
_OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def workbook_text(text: str) -> str:
    """Text as a workbook stores it, as the clerk typed it: ``_xHHHH_`` escapes decoded (a
    character outside the BMP arrives as two escaped surrogates and is rejoined), a vertical
    tab (Word's manual line break, pasted into a cell) made a line break, then
    :func:`clean_text` (line breaks to ``\\n``, what XML forbids dropped).

    Every text read from a workbook goes through here exactly once: decoding twice would turn
    a typed "_x000D_" into a line break.
    """
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        text = _SURROGATE_PAIR.sub(lambda m: m.group().encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text)
    return clean_text(text.replace("\x0b", "\n"))


def escape_workbook_text(text: str) -> str:
    """The inverse of :func:`workbook_text`'s decoding, for writing: text that merely looks
    like an escape ("_x000D_" typed by a person) gets its underscore escaped as ``_x005F_``,
    as Excel does, so Excel and our reader show it as typed."""
    return _OOXML_ESCAPE.sub(r"_x005F_x\1_", text) if "_x" in text else text
