"""Read any supported input into the report model, choosing the reader from one table.

:data:`INPUT_FORMATS` is the one list of what gongkai reads: each :class:`InputFormat` has its
suffixes, the magic bytes its content starts with and the reader that turns it into a
:class:`~gongkai.model.Report`. :func:`read_report` chooses by the file's suffix (so every
message names the file as the user named it); :func:`detect_format` chooses by content first
and suffix second, for uploads whose names cannot be trusted (the portal's sniffing).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import UnreadableInputError
from .model import Report

# An OLE compound file: old binary Excel (.xls), WPS (.et), old Word (.doc) — and every
# password-protected Office file, .xlsx included, which is an OLE container around the package.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
# How many leading bytes :func:`detect_format` wants: enough to skip a BOM and blank lines
# before a JSON document or an HTML page.
HEAD_SIZE = 1024
_LEADING_SPACE = b"\xef\xbb\xbf \t\r\n"

Reader = Callable[[Path | bytes, str | None], Report]


def _read_json(source: Path | bytes, name: str | None) -> Report:
    from .jsonio import read_json

    return read_json(source, name)


def _read_workbook(source: Path | bytes, name: str | None) -> Report:
    # Imported on use, so that the workbook reader may take OLE_MAGIC from this module.
    from .workbook import read_workbook

    return read_workbook(source, name)


def _read_published(source: Path | bytes, name: str | None) -> Report:
    # Imported on use: the published readers bring PDF and HTML libraries along.
    from .published import read_published

    if isinstance(source, Path):
        return read_published(source)
    # The published readers (pdfplumber among them) read files: the bytes go to a private
    # temporary folder under their own name, so messages and the name hint are the same.
    name = name or "上传的文件.txt"
    with tempfile.TemporaryDirectory(prefix="gongkai-") as folder:
        path = Path(folder) / name
        path.write_bytes(source)
        report = read_published(path)
    report.provenance.source = name
    return report


def _starts_with(*magic: bytes, skip_space: bool = False) -> Callable[[bytes], bool]:
    def matches(head: bytes) -> bool:
        start = head.lstrip(_LEADING_SPACE)[:16].lower() if skip_space else head
        return start.startswith(magic)

    return matches


def _never(head: bytes) -> bool:
    return False


@dataclass(frozen=True)
class InputFormat:
    """One kind of input: ``name`` (a stable key), ``label`` (Chinese, for messages),
    ``suffixes`` (the first is the canonical one), ``group`` ("workbook", "json" or
    "published"), ``matches(head)`` (its magic bytes; formats without magic never match by
    content), ``reader(source, name)``, and ``readable`` (False for a format that is
    recognised only to be refused with a clear message)."""

    name: str
    label: str
    suffixes: tuple[str, ...]
    group: str
    matches: Callable[[bytes], bool]
    reader: Reader
    readable: bool = True

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    def refusal(self, name: str) -> str | None:
        """The Chinese refusal for a file of this format, or None when it is readable."""
        if self.readable:
            return None
        return (
            f"文件 {name} 是旧版 Excel（.xls）、WPS（.et）格式或设置了打开密码，程序只能读取未加密的 .xlsx。"
            "请在 Excel 或 WPS 中打开（如有密码先取消），选择“另存为”→“Excel 工作簿（*.xlsx）”后再试。"
        )


JSON = InputFormat("json", "导出的 JSON 文件", (".json",), "json", _starts_with(b"{", skip_space=True), _read_json)
WORKBOOK = InputFormat("xlsx", "Excel 填报表", (".xlsx", ".xlsm"), "workbook", _starts_with(ZIP_MAGIC), _read_workbook)
# Read by the workbook reader, which says whether the file is old or encrypted.
LEGACY_OFFICE = InputFormat(
    "ole", "旧版 Excel/WPS 文件", (".xls", ".et"), "workbook", _starts_with(OLE_MAGIC), _read_workbook, readable=False
)
TEXT = InputFormat("txt", "纯文本", (".txt",), "published", _never, _read_published)
DOCX = InputFormat("docx", "Word 文档", (".docx",), "published", _starts_with(ZIP_MAGIC), _read_published)
HTML = InputFormat(
    "html", "网页", (".html", ".htm"), "published", _starts_with(b"<!doctype html", b"<html", skip_space=True), _read_published
)
PDF = InputFormat("pdf", "PDF 文件", (".pdf",), "published", _starts_with(PDF_MAGIC), _read_published)

INPUT_FORMATS: tuple[InputFormat, ...] = (JSON, WORKBOOK, LEGACY_OFFICE, TEXT, DOCX, HTML, PDF)

WORKBOOK_SUFFIXES = tuple(s for f in INPUT_FORMATS if f.group == "workbook" for s in f.suffixes)
# Published reports (copied text, Word, portal page, PDF with a text layer): gongkai.published,
# which takes this one list rather than keeping its own.
PUBLISHED_SUFFIXES = tuple(s for f in INPUT_FORMATS if f.group == "published" for s in f.suffixes)
_BY_SUFFIX = {s: f for f in INPUT_FORMATS for s in f.suffixes}


def format_for_suffix(name: str | Path) -> InputFormat | None:
    """The table entry for a file name's suffix (case-insensitive), or None."""
    return _BY_SUFFIX.get(Path(name).suffix.lower())


def detect_format(name: str, head: bytes) -> InputFormat | None:
    """The format of an input from its file name and first bytes (:data:`HEAD_SIZE` of them;
    at least 8), as an entry of :data:`INPUT_FORMATS`, or None for an unknown kind.

    Content wins over the name where the content has magic bytes: a zip is the workbook unless
    the name says .docx, an OLE compound file is :data:`LEGACY_OFFICE` whatever its name (old
    .xls/.et, or an encrypted .xlsx), ``%PDF-`` is a PDF, ``{`` a JSON export. Formats without
    magic (plain text; HTML without a doctype) are taken from the suffix. For an entry with
    ``readable`` False, ``entry.refusal(name)`` is a Chinese message, and :func:`read_report`
    on ``entry.suffix`` gives the workbook reader's precise one (encrypted or old format);
    for None, :func:`unknown_format_message` is the refusal. The portal's upload sniffing
    uses this, accepting the groups it stores ("workbook", "json")::

        entry = detect_format(upload.filename, data[:HEAD_SIZE])
        if entry is None or entry.group not in ("workbook", "json"):
            refuse(...)
        report = read_report(data, stem + entry.suffix)
    """
    by_name = format_for_suffix(name)
    for entry in (by_name, *INPUT_FORMATS):
        if entry is not None and entry.matches(head):
            return entry
    # Text has no magic and a saved page often starts with neither a doctype nor <html>.
    if by_name in (TEXT, HTML):
        return by_name
    return None


def unknown_format_message(name: str) -> str:
    """The Chinese refusal for a file that is none of :data:`INPUT_FORMATS`."""
    return (
        f"不支持的文件类型：{name}。请提供 gongkai 标准填报表（.xlsx）、导出的 JSON 文件（.json），"
        "或已发布的报告（.docx、.html、.htm、.pdf、.txt）。"
    )


def read_report(source: str | Path | bytes, name: str | None = None) -> Report:
    """Read a filled workbook (.xlsx), a JSON export, or a published report (.docx, .html,
    .htm, .pdf, .txt) into a :class:`Report`.

    ``source`` is a path, or the file's bytes (an upload) with ``name`` the file name: its
    suffix chooses the reader (:func:`format_for_suffix`) and every message shows it, as for
    a file of that name.

    Cell-level problems (and a published report's format deviations) are kept as findings on
    ``report.provenance`` so that :func:`gongkai.check_report` lists them with everything
    else; a file that cannot be read at all raises :class:`UnreadableInputError`.
    """
    if isinstance(source, bytes):
        if not name:
            raise TypeError("read_report(data) needs name=, the file name that chooses the reader")
        display = Path(name)
    else:
        display = source = Path(source)
    entry = format_for_suffix(display)
    if entry is None:
        raise UnreadableInputError(unknown_format_message(display.name))
    # The JSON and workbook readers take the name as given (a bytes upload's, or None for a
    # path, so they name the path); the published ones the file name.
    if entry.group == "published":
        return entry.reader(source, display.name)
    return entry.reader(source, name)
