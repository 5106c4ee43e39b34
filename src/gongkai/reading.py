"""Read any supported input into the report model, choosing the reader by file type."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .errors import UnreadableInputError
from .jsonio import read_json
from .model import Report
from .workbook import read_workbook

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
# Published reports (copied text, Word, portal page, PDF with a text layer): gongkai.published,
# which takes this one list rather than keeping its own.
PUBLISHED_SUFFIXES = (".txt", ".docx", ".html", ".htm", ".pdf")


def read_report(source: str | Path | bytes, name: str | None = None) -> Report:
    """Read a filled workbook (.xlsx), a JSON export, or a published report (.docx, .html,
    .htm, .pdf, .txt) into a :class:`Report`.

    ``source`` is a path, or the file's bytes (an upload) with ``name`` the file name: its
    suffix chooses the reader and every message shows it, as for a file of that name.

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
    suffix = display.suffix.lower()
    if suffix == ".json":
        return read_json(source, name)
    if suffix in WORKBOOK_SUFFIXES:
        return read_workbook(source, name)
    if suffix in PUBLISHED_SUFFIXES:
        return _read_published(source, display.name)
    raise UnreadableInputError(
        f"不支持的文件类型：{display.name}。请提供 gongkai 标准填报表（.xlsx）、导出的 JSON 文件（.json），"
        "或已发布的报告（.docx、.html、.htm、.pdf、.txt）。"
    )


def _read_published(source: Path | bytes, name: str) -> Report:
    # Imported on use: the published readers bring PDF and HTML libraries along.
    from .published import read_published

    if isinstance(source, Path):
        return read_published(source)
    # The published readers (pdfplumber among them) read files: the bytes go to a private
    # temporary folder under their own name, so messages and the name hint are the same.
    with tempfile.TemporaryDirectory(prefix="gongkai-") as folder:
        path = Path(folder) / name
        path.write_bytes(source)
        report = read_published(path)
    report.provenance.source = name
    return report
