"""The county's view of a batch: the summary workbook (汇总.xlsx) and the check report."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import format as fmt
from .atomic import atomic_write
from .findings import SEVERITY_LABELS
from .results import BatchResult, BodyResult
from .workbook import layout as L
from .workbook.writer import draw_statutory_table, page_setup
from .xlsx_text import append_row, put

# Fixed document timestamps: the same batch gives byte-identical summaries.
_FIXED_TIME = dt.datetime(2000, 1, 1)
_HEADER_FONT = Font(name="宋体", bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_STATUS_FILLS = {
    "rendered": PatternFill("solid", fgColor="E2EFDA"),
    "refused": PatternFill("solid", fgColor="FCE4D6"),
    "unreadable": PatternFill("solid", fgColor="F8CBAD"),
    "duplicate": PatternFill("solid", fgColor="FFF2CC"),
    "wrong_year": PatternFill("solid", fgColor="FFF2CC"),
}

# Key figures of tables 二/三/四 shown per body: (column heading, canonical path).
KEY_FIGURES: tuple[tuple[str, str], ...] = (
    ("规范性文件·制发", "proactive.normative_documents.issued"),
    ("规范性文件·废止", "proactive.normative_documents.repealed"),
    ("规范性文件·现行有效", "proactive.normative_documents.in_force"),
    ("行政许可", "proactive.licensing"),
    ("行政处罚", "proactive.penalties"),
    ("行政强制", "proactive.coercive_measures"),
    ("行政事业性收费（万元）", "proactive.fees_wan_yuan"),
    ("本年新收申请", "requests.new.total"),
    ("上年结转申请", "requests.carried_over.total"),
    ("办理结果总计", "requests.results_total.total"),
    ("结转下年度", "requests.carried_forward.total"),
    ("行政复议", "appeals.administrative_review.total"),
    ("行政诉讼·直接起诉", "appeals.litigation_direct.total"),
    ("行政诉讼·复议后起诉", "appeals.litigation_after_review.total"),
)

_BodyColumn = tuple[str, Callable[[int, BodyResult], Any], int]
BODY_COLUMNS: tuple[_BodyColumn, ...] = (
    ("序号", lambda i, r: i, 6),
    ("文件", lambda i, r: r.source.name, 28),
    ("机关全称", lambda i, r: r.body.name if r.body else "", 28),
    ("层级", lambda i, r: r.body.level if r.body else "", 8),
    ("年度", lambda i, r: r.body.year if r.body else None, 7),
    ("状态", lambda i, r: r.status_label, 14),
    ("错误", lambda i, r: r.errors, 6),
    ("警告", lambda i, r: r.warnings, 6),
)


def _number(value: int | Decimal) -> int | float:
    return float(value) if isinstance(value, Decimal) and value != value.to_integral_value() else int(value)


def heading_row(ws: Worksheet, headings: list[str], widths: list[int]) -> None:
    """A bold, shaded, frozen first row with the given column widths."""
    append_row(ws, headings)
    for col, width in enumerate(widths, start=1):
        cell = ws.cell(1, col)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def write_summary_workbook(batch: BatchResult, path: Path) -> Path:
    """汇总.xlsx: one row per body, county totals of tables 二/三/四, every finding."""
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _bodies_sheet(ws, batch)
    counted = len(batch.counted())
    totals = batch.totals()
    year = f"{batch.year}年" if batch.year else ""
    for sheet, heading in zip(
        (L.SHEET_PROACTIVE, L.SHEET_REQUESTS, L.SHEET_APPEALS), fmt.SECTION_HEADINGS[1:4], strict=True
    ):
        table = wb.create_sheet(f"{sheet.split('、')[0]}（全县合计）")
        title = f"{year}{heading}——{counted}个单位合计（汇总数据，不是任何单位的报告）"
        draw_statutory_table(table, sheet, title, totals)
    _charts_sheet(wb.create_sheet("图表"), batch)
    _findings_sheet(wb.create_sheet("问题清单"), batch)
    page_setup(wb["汇总"])
    page_setup(wb["问题清单"])
    page_setup(wb["图表"])
    wb.properties.created = _FIXED_TIME
    wb.properties.creator = "gongkai"
    with atomic_write(path) as tmp:
        tmp.write_bytes(_reproducible(wb))
    return path


def _reproducible(wb: Workbook) -> bytes:
    """The workbook's bytes with no trace of when it was written.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; the same batch
    should give the same summary, byte for byte, so both are fixed here.
    """
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def _bodies_sheet(ws: Worksheet, batch: BatchResult) -> None:
    headings = [c[0] for c in BODY_COLUMNS] + [h for h, _ in KEY_FIGURES] + ["报告文件或原因"]
    widths = [c[2] for c in BODY_COLUMNS] + [11] * len(KEY_FIGURES) + [60]
    heading_row(ws, headings, widths)
    for i, r in enumerate(batch.results, start=1):
        figures = [_number(r.figure(p)) if r.figures else None for _, p in KEY_FIGURES]
        append_row(ws, [get(i, r) for _, get, _ in BODY_COLUMNS] + figures + [r.outcome])
        ws.cell(i + 1, 6).fill = _STATUS_FILLS[r.status]
    totals = batch.totals()
    append_row(
        ws,
        ["合计", f"{len(batch.counted())}个单位（不含无法读取、重复、年度不符的文件）"]
        + [None] * (len(BODY_COLUMNS) - 2)
        + [_number(totals[p]) for _, p in KEY_FIGURES]
    )
    for cell in ws[ws.max_row]:
        cell.font = _HEADER_FONT
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{len(batch.results) + 1}"


def _charts_sheet(ws: Worksheet, batch: BatchResult) -> None:
    # Native Excel charts over small data tables on the same sheet: they stay live if a
    # clerk corrects a figure, and need no images.
    row, anchor_row = 1, 2
    for title, series in batch.chart_series().items():
        put(ws, row, 1, title).font = _HEADER_FONT
        first = row + 1
        for name, value in series:
            row += 1
            put(ws, row, 1, name)
            put(ws, row, 2, value)
        chart = BarChart()
        chart.type = "bar" if len(series) > 12 else "col"
        chart.title = title
        chart.legend = None
        chart.y_axis.title = "条" if "条数" in title else "件"
        chart.height = max(7.5, 0.45 * len(series) + 3) if chart.type == "bar" else 7.5
        chart.width = 18
        if series:
            chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=row), titles_from_data=False)
            chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=row))
        ws.add_chart(chart, f"E{anchor_row}")
        anchor_row += int(chart.height / 0.5) + 2  # rows are about half a centimetre high
        row += 2
    ws.column_dimensions["A"].width = 26


def _findings_sheet(ws: Worksheet, batch: BatchResult) -> None:
    headings = ["文件", "机关全称", "状态", "级别", "规则", "工作表", "单元格", "问题", "修改建议"]
    heading_row(ws, headings, [26, 26, 14, 6, 7, 16, 8, 90, 60])
    for r in batch.results:
        name = r.body.name if r.body else ""
        if r.status in ("unreadable", "duplicate", "wrong_year"):
            append_row(ws, [r.source.name, name, r.status_label, "错误", "—", "", "", r.message, ""])
        for problem in r.extra_errors:
            append_row(ws, [r.source.name, name, r.status_label, "错误", "—", "", "", problem, ""])
        for f in r.findings:
            sheet, _, cell = f.location.partition("!")
            append_row(
                ws,
                [r.source.name, name, r.status_label, SEVERITY_LABELS[f.severity], f.rule, sheet, cell, f.message, f.hint],
            )
    for row in ws.iter_rows(min_row=2):
        row[7].alignment = row[8].alignment = Alignment(wrap_text=True, vertical="top")
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{max(ws.max_row, 1)}"


def write_check_report(batch: BatchResult, path: Path) -> Path:
    """核对报告.md: every body's outcome and findings, grouped by body, worst first."""
    year = f"{batch.year}年" if batch.year else ""
    lines = [f"# {year}政府信息公开工作年度报告核对报告", ""]
    lines += [batch.counts_text(), ""]
    for problem in batch.previous_problems:
        lines.append(f"- 上年数据：{problem}")
    lines += ["", "| 序号 | 单位 | 文件 | 状态 | 错误 | 警告 |", "|---:|---|---|---|---:|---:|"]
    ranked = batch.worst_first()
    for i, r in enumerate(ranked, start=1):
        name = r.body.name if r.body else "（无法识别）"
        lines.append(f"| {i} | {md_escape(name)} | {md_escape(r.source.name)} | {r.status_label} | {r.errors} | {r.warnings} |")
    for i, r in enumerate(ranked, start=1):
        name = r.body.name if r.body else "（无法识别）"
        lines += ["", f"## {i}. {md_escape(name)}（{md_escape(r.source.name)}）：{r.status_label}", ""]
        if r.output:
            lines.append(f"报告：{md_escape(r.outcome)}")
        elif r.message:
            lines.append(md_escape(r.message))
        for problem in r.extra_errors:
            lines.append(f"- **错误** {md_escape(problem)}")
        if not r.findings and r.status == "rendered":
            lines.append("核对通过，没有发现问题。")
        for f in r.findings:
            where = f" `{f.location}`" if f.location else ""
            hint = f"（建议：{md_escape(f.hint)}）" if f.hint else ""
            lines.append(f"- **{f.severity_label}** {f.rule}{where} {md_escape(f.message)}{hint}")
    with atomic_write(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def md_escape(text: str) -> str:
    """Body names and messages are data: keep them from turning into Markdown markup."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_").replace("\n", " ")
