"""Read any supported input into the report model, choosing the reader by file type."""

from __future__ import annotations

from pathlib import Path

from .errors import UnreadableInputError
from .jsonio import read_json
from .model import Report
from .workbook import read_workbook

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
# Published reports (Word, portal page, PDF with a text layer, copied text): gongkai.published.
PUBLISHED_SUFFIXES = (".docx", ".html", ".htm", ".pdf", ".txt")


def read_report(path: str | Path) -> Report:
    """Read a filled workbook (.xlsx), a JSON export, or a published report (.docx, .html,
    .htm, .pdf, .txt) into a :class:`Report`.

    Cell-level problems (and a published report's format deviations) are kept as findings on
    ``report.provenance`` so that :func:`gongkai.check_report` lists them with everything
    else; a file that cannot be read at all raises :class:`UnreadableInputError`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json(path)
    if suffix in WORKBOOK_SUFFIXES:
        return read_workbook(path)
    if suffix in PUBLISHED_SUFFIXES:
        # Imported on use: the published readers bring PDF and HTML libraries along.
        from .published import read_published

        return read_published(path)
    raise UnreadableInputError(
        f"不支持的文件类型：{path.name}。请提供 gongkai 标准填报表（.xlsx）、导出的 JSON 文件（.json），"
        "或已发布的报告（.docx、.html、.htm、.pdf、.txt）。"
    )
