"""Read any supported input into the report model, choosing the reader by file type."""

from __future__ import annotations

from pathlib import Path

from .errors import UnreadableInputError
from .jsonio import read_json
from .model import Report
from .workbook import read_workbook

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")


def read_report(path: str | Path) -> Report:
    """Read a filled workbook (.xlsx) or a JSON export into a :class:`Report`.

    Cell-level problems are kept as findings on ``report.provenance`` so that
    :func:`gongkai.check_report` lists them with everything else; a file that cannot be
    read at all raises :class:`UnreadableInputError`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json(path)
    if suffix in WORKBOOK_SUFFIXES:
        return read_workbook(path)
    raise UnreadableInputError(
        f"不支持的文件类型：{path.name}。请提供 gongkai 标准填报表（.xlsx）或导出的 JSON 文件（.json）。"
    )
