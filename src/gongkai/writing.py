"""Write the report model in any output format, choosing the writer from one table.

Every writer in :data:`WRITERS` has one signature, ``write(report, path, **options) -> Path``
(an atomic write; the path written is returned): the Word report (option ``template``), the
JSON export, the portal HTML page and the standard workbook. A batch's own outputs (汇总.xlsx,
汇总.html, 核对报告.md) are written from the batch, not from one report: :data:`BATCH_WRITERS`
lists them under the same rule, ``write(batch, path) -> Path``.

Writers are imported on use: a command that writes JSON never loads the Word machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OutputError
from .model import Report

if TYPE_CHECKING:
    from .results import BatchResult


def _docx(report: Report, path: Path, *, template: Path | None = None) -> Path:
    from .docx_writer import render_docx

    return render_docx(report, path, template)


def _json(report: Report, path: Path) -> Path:
    from .jsonio import write_json

    return write_json(report, path)


def _html(report: Report, path: Path) -> Path:
    from .html.report import write_html

    return write_html(report, path)


def _workbook(report: Report, path: Path) -> Path:
    from .workbook import write_workbook

    return write_workbook(report, path)


@dataclass(frozen=True)
class OutputFormat:
    """One output: ``name`` (the table's key), ``label`` (Chinese), ``suffix`` and ``write``."""

    name: str
    label: str
    suffix: str
    write: Callable[..., Path]


WRITERS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("docx", "Word 年度报告", ".docx", _docx),
        OutputFormat("json", "JSON 数据", ".json", _json),
        OutputFormat("html", "网页（可粘贴到门户网站）", ".html", _html),
        OutputFormat("xlsx", "标准填报表", ".xlsx", _workbook),
    )
}


def writer_for(path: str | Path) -> OutputFormat | None:
    """The writer for a file name's suffix, or None."""
    suffix = Path(path).suffix.lower()
    return next((f for f in WRITERS.values() if f.suffix == suffix), None)


def write_report(report: Report, path: str | Path, format: str | None = None, **options: Any) -> Path:
    """Write ``report`` at ``path`` in ``format`` (a key of :data:`WRITERS`; by default the
    one its suffix names). ``options`` go to the writer (``template=`` for Word)."""
    path = Path(path)
    entry = WRITERS.get(format) if format else writer_for(path)
    if entry is None:
        known = "、".join(f"{f.suffix}（{f.label}）" for f in WRITERS.values())
        raise OutputError(f"无法写出 {path.name}：不支持的输出格式，应为 {known}。")
    return entry.write(report, path, **options)


def _summary_workbook(batch: BatchResult, path: Path) -> Path:
    from .summary import write_summary_workbook

    return write_summary_workbook(batch, path)


def _summary_page(batch: BatchResult, path: Path) -> Path:
    from .html.summary import write_summary_page

    return write_summary_page(batch, path)


def _check_report(batch: BatchResult, path: Path) -> Path:
    from .summary import write_check_report

    return write_check_report(batch, path)


BATCH_WRITERS: dict[str, Callable[[BatchResult, Path], Path]] = {
    "summary_xlsx": _summary_workbook,
    "summary_html": _summary_page,
    "check_md": _check_report,
}
