"""Audit published reports: read each one back, run every rule, list its format deviations.

``audit(path, previous=None)`` takes one report or a folder of them (text, Word, HTML, PDF,
and workbooks or JSON too), finds last year's report of the same body among them (or in
``previous``) for the cross-year rules, and returns one :class:`AuditedReport` per file.
:func:`write_audit_markdown`, :func:`write_audit_workbook` and :func:`audit_json` present the
result the way the county batch presents its own: one row per report, worst first, then every
report's findings, the rule findings and the format deviations (FD-*) apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .atomic import atomic_write
from .checks import check_report
from .county import body_key, report_files
from .errors import GongkaiError, OutputError, UnreadableInputError
from .findings import SEVERITY_LABELS, Finding, FindingCounts, sort_findings
from .model import Report
from .published import PUBLISHED_SUFFIXES, last_year_of
from .reading import WORKBOOK_SUFFIXES, read_report
from .rules import RULES
from .summary import heading_row
from .summary import md_escape as _md
from .xlsx_text import append_row

AUDIT_SUFFIXES: tuple[str, ...] = (*PUBLISHED_SUFFIXES, ".xlsx", ".json")
Status = Literal["passed", "warnings", "errors", "unreadable"]
STATUS_LABELS: dict[str, str] = {
    "unreadable": "无法读取",
    "errors": "有错误",
    "warnings": "有警告",
    "passed": "通过",
}
_STATUS_ORDER = {s: i for i, s in enumerate(STATUS_LABELS)}


def is_deviation(finding: Finding) -> bool:
    """A format deviation (FD-*) rather than a finding of a consistency rule."""
    rule = RULES.get(finding.rule)
    return rule is not None and rule.group == "published"


@dataclass
class AuditedReport(FindingCounts):
    """What the audit found in one file."""

    source: Path
    report: Report | None = None
    findings: list[Finding] = field(default_factory=list)
    message: str = ""  # why the file could not be read
    previous: Path | None = None  # last year's report it was compared with

    @property
    def status(self) -> Status:
        if self.report is None:
            return "unreadable"
        if self.errors:
            return "errors"
        return "warnings" if self.warnings else "passed"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


    @property
    def rule_findings(self) -> list[Finding]:
        return [f for f in self.findings if not is_deviation(f)]

    @property
    def deviations(self) -> list[Finding]:
        return [f for f in self.findings if is_deviation(f)]

    @property
    def name(self) -> str:
        return self.report.body.name if self.report else "（无法识别）"

    @property
    def year(self) -> int | None:
        return self.report.body.year if self.report else None


@dataclass
class AuditResult:
    reports: list[AuditedReport]
    previous_problems: list[str] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    """Files of a folder that are not reports (a .json holding other data), listed, not audited."""

    @property
    def exit_code(self) -> int:
        """0 no errors, 1 errors found, 2 nothing could be read."""
        if not self.reports or all(r.report is None for r in self.reports):
            return 2
        return 1 if any(r.errors for r in self.reports) else 0

    def worst_first(self) -> list[AuditedReport]:
        order = {id(r): i for i, r in enumerate(self.reports)}
        return sorted(
            self.reports,
            key=lambda r: (_STATUS_ORDER[r.status], -r.errors, -r.warnings, -len(r.deviations), order[id(r)]),
        )


def audit_files(directory: Path) -> list[Path]:
    """The reports in a folder, in a stable order (lock files, hidden files and notes left out)."""
    return [f for f in report_files(directory, AUDIT_SUFFIXES) if is_report_file(f)]


def is_report_file(path: Path) -> bool:
    """Whether a file in a folder is meant as a report. Every published and workbook suffix is;
    a .json is only when it holds report data (an object with ``format_version`` or a ``body``
    object): answer keys, exports of other tools and settings files lie beside reports too."""
    if path.suffix.lower() != ".json":
        return True
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        return True  # a damaged report is still a report: reading it says what is wrong
    return isinstance(data, dict) and ("format_version" in data or isinstance(data.get("body"), dict))


def _read(path: Path) -> tuple[Report | None, str]:
    try:
        return read_report(path), ""
    except GongkaiError as exc:
        return None, str(exc)


def _key(report: Report) -> set[str]:
    return {body_key(n) for n in (report.body.name, report.body.short_name) if n}


def audit(path: str | Path, previous: str | Path | None = None) -> AuditResult:
    """Audit one report (a file) or every report in a folder.

    Cross-year rules run against last year's report of the same body (by name, year − 1),
    looked for among the audited reports and in ``previous`` (a file or a folder); a single
    file with a single ``previous`` file is compared with it whatever its name.
    """
    path = Path(path)
    skipped: list[Path] = []
    if path.is_dir():
        files = audit_files(path)
        skipped = [f for f in report_files(path, AUDIT_SUFFIXES) if f not in files]
        if not files:
            raise UnreadableInputError(f"文件夹 {path} 中没有可核对的报告（{'、'.join(AUDIT_SUFFIXES)}）。")
    elif path.is_file():
        files = [path]
    else:
        raise UnreadableInputError(f"找不到 {path}，请检查文件名和路径。")
    results = [AuditedReport(source=f) for f in files]
    for result in results:
        result.report, result.message = _read(result.source)
    pool: list[tuple[Path, Report]] = [(r.source, r.report) for r in results if r.report is not None]
    problems: list[str] = []
    given: tuple[Path, Report] | None = None
    if previous is not None:
        previous = Path(previous)
        extra = audit_files(previous) if previous.is_dir() else [previous]
        for file in extra:
            report, message = _read(file)
            if report is None:
                problems.append(f"{file.name}：{message}")
                continue
            pool.append((file, report))
            if not previous.is_dir():
                given = (file, report)
    for result in results:
        if result.report is None:
            continue
        last = _previous_for(result, pool, given if len(results) == 1 else None)
        if last is not None:
            result.previous = last[0]
            result.report.last_year = last_year_of(last[1])
        result.findings = sort_findings(check_report(result.report))
    return AuditResult(results, problems, skipped)


def _previous_for(
    result: AuditedReport, pool: list[tuple[Path, Report]], given: tuple[Path, Report] | None
) -> tuple[Path, Report] | None:
    report = result.report
    assert report is not None
    if given is not None and given[0] != result.source:
        return given
    wanted = _key(report)
    for source, candidate in pool:
        if (
            source != result.source
            and candidate.body.year == report.body.year - 1
            and _key(candidate) & wanted
        ):
            return source, candidate
    return None


# --- presenting ----------------------------------------------------------------------------------

_CELL = re.compile(r"^(?P<row>.+?行（.*）)第(?P<col>\d+)列（(?P<label>[^）]*)）$")


def display_findings(findings: list[Finding]) -> list[tuple[Finding, str]]:
    """Findings as a reader wants them listed: blank cells (R0-3) of one row in one line.

    Returns (finding, location) pairs; a merged line keeps its first finding and shows the
    row with every column that was blank.
    """
    out: list[tuple[Finding, str]] = []
    merged: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    for f in findings:
        m = _CELL.match(f.location) if f.rule == "R0-3" else None
        if m is None:
            out.append((f, f.location))
            continue
        key = m["row"]
        if key not in merged:
            merged[key] = len(out)
            columns[key] = []
            out.append((f, ""))
        columns[key].append(f"第{m['col']}列（{m['label']}）")
    for key, index in merged.items():
        finding, _ = out[index]
        cols = columns[key]
        if len(cols) > 1:
            finding = finding.model_copy(
                update={"message": f"{key}{'、'.join(cols)}共 {len(cols)} 个单元格留空，已按 0 处理。"}
            )
        out[index] = (finding, key + "".join(cols) if len(cols) == 1 else key)
    return out


def skipped_text(result: AuditResult) -> str:
    names = "、".join(f.name for f in result.skipped)
    return f"未核对 {len(result.skipped)} 个不是年度报告数据的 JSON 文件：{names}。"


def audit_json(result: AuditResult) -> dict[str, Any]:
    """The audit as plain data (``gongkai audit --json``)."""
    reports = []
    for r in result.worst_first():
        body = r.report.body.model_dump() if r.report else None
        reports.append(
            {
                "file": str(r.source),
                "status": r.status,
                "status_label": r.status_label,
                "body": body,
                "previous": str(r.previous) if r.previous else None,
                "errors": r.errors,
                "warnings": r.warnings,
                "deviations": len(r.deviations),
                "message": r.message,
                "findings": [{**f.model_dump(), "deviation": is_deviation(f)} for f in r.findings],
            }
        )
    return {"reports": reports, "previous_problems": result.previous_problems,
        "skipped": [f.name for f in result.skipped],
        "exit_code": result.exit_code}


def _finding_line(f: Finding, location: str) -> str:
    where = f" `{location}`" if location else ""
    hint = f"（建议：{_md(f.hint)}）" if f.hint else ""
    return f"- **{f.severity_label}** {f.rule}{where} {_md(f.message)}{hint}"


def audit_markdown(result: AuditResult) -> str:
    lines = ["# 已发布政府信息公开工作年度报告核对报告", ""]
    counts = "，".join(
        f"{label} {n} 个"
        for s, label in STATUS_LABELS.items()
        if (n := sum(r.status == s for r in result.reports))
    )
    lines += [
        f"共 {len(result.reports)} 个文件：{counts}。规则核对（R*、RN-*）与格式偏差（FD-*，见 README）分列；"
        "没有印出的表格和行不参与核对。",
        "",
    ]
    for problem in result.previous_problems:
        lines.append(f"- 上年报告：{_md(problem)}")
    if result.skipped:
        lines.append(f"- {_md(skipped_text(result))}")
    lines += [
        "",
        "| 序号 | 单位 | 年度 | 文件 | 状态 | 错误 | 警告 | 格式偏差 | 对照上年报告 |",
        "|---:|---|---:|---|---|---:|---:|---:|---|",
    ]
    ranked = result.worst_first()
    for i, r in enumerate(ranked, start=1):
        lines.append(
            f"| {i} | {_md(r.name)} | {r.year or ''} | {_md(r.source.name)} | {r.status_label} | {r.errors} | "
            f"{r.warnings} | {len(r.deviations)} | {_md(r.previous.name) if r.previous else '—'} |"
        )
    for i, r in enumerate(ranked, start=1):
        year = f"{r.year}年" if r.year else ""
        lines += ["", f"## {i}. {_md(r.name)}{year}（{_md(r.source.name)}）：{r.status_label}", ""]
        if r.report is None:
            lines.append(_md(r.message))
            continue
        body = r.report.body
        lines.append(
            f"层级：{body.level}。"
            + (
                f"对照上年报告：{_md(r.previous.name)}。"
                if r.previous
                else "未找到上年报告，跨年度规则未核对。"
            )
        )
        lines += ["", "### 规则核对", ""]
        rules = display_findings(r.rule_findings)
        lines += [_finding_line(f, where) for f, where in rules] or ["没有发现问题。"]
        lines += ["", "### 格式偏差", ""]
        deviations = display_findings(r.deviations)
        lines += [_finding_line(f, where) for f, where in deviations] or ["与 30号格式一致。"]
    return "\n".join(lines) + "\n"


def write_audit_markdown(result: AuditResult, path: Path) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_text(audit_markdown(result), encoding="utf-8")
    return path


_HEADER_FONT = Font(name="宋体", bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def write_audit_workbook(result: AuditResult, path: Path) -> Path:
    """核对结果.xlsx: one row per report (worst first) and one row per finding."""
    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    heads = [
        "序号",
        "文件",
        "机关全称",
        "层级",
        "年度",
        "状态",
        "错误",
        "警告",
        "格式偏差",
        "对照上年报告",
        "说明",
    ]
    heading_row(summary, heads, [6, 28, 28, 9, 7, 10, 6, 6, 9, 28, 60])
    for i, r in enumerate(result.worst_first(), start=1):
        append_row(
            summary,
            [
                i,
                r.source.name,
                r.name,
                r.report.body.level if r.report else "",
                r.year,
                r.status_label,
                r.errors,
                r.warnings,
                len(r.deviations),
                r.previous.name if r.previous else "",
                r.message,
            ],
        )
    sheet = wb.create_sheet("问题清单")
    heading_row(
        sheet,
        ["文件", "机关全称", "类别", "级别", "规则", "位置", "问题", "修改建议"],
        [26, 26, 10, 6, 7, 40, 90, 60],
    )
    for r in result.worst_first():
        if r.report is None:
            append_row(sheet, [r.source.name, "", "无法读取", "错误", "—", "", r.message, ""])
        for f, where in display_findings(r.findings):
            kind = "格式偏差" if is_deviation(f) else "规则核对"
            append_row(
                sheet, [r.source.name, r.name, kind, SEVERITY_LABELS[f.severity], f.rule, where, f.message, f.hint]
            )
    for row in sheet.iter_rows(min_row=2):
        for cell in row[5:8]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


def write_audit(result: AuditResult, path: Path) -> Path:
    """Write the audit as Markdown (.md, .markdown, .txt), a workbook (.xlsx) or JSON (.json)."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt"):
        return write_audit_markdown(result, path)
    if suffix == ".xlsx":
        return write_audit_workbook(result, path)
    if suffix == ".json":
        with atomic_write(path) as tmp:
            tmp.write_text(
                json.dumps(audit_json(result), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        return path
    if suffix in WORKBOOK_SUFFIXES:
        raise OutputError(f"核对报告只能写成 .xlsx 工作簿，不能写成 {suffix}。")
    raise OutputError(f"核对报告 {path.name} 的扩展名应为 .md（Markdown）、.xlsx（Excel）或 .json。")
