"""Chinese labels for canonical paths, and the one way checks make a finding.

Every label is derived from :mod:`gongkai.format`, so a message names a cell exactly as the
printed table does.
"""

from __future__ import annotations

from .. import format as fmt
from ..findings import Finding, Severity
from ..model import LastYear, Report


def request_cell(row_key: str, col_key: str) -> str:
    """表三（依申请公开）（三）不予公开“1.属于国家秘密”行“自然人”列."""
    return f"{fmt.TABLE_LABELS['requests']}{fmt.request_cell_label(row_key, col_key)}"


def request_row(row_key: str) -> str:
    return fmt.request_row_label(row_key)


def request_column(col_key: str) -> str:
    return next(c.label for c in fmt.REQUEST_COLUMNS if c.key == col_key)


def appeal_cell(group_key: str, col_key: str) -> str:
    return f"{fmt.TABLE_LABELS['appeals']}{fmt.appeal_cell_label(group_key, col_key)}"


def appeal_group(group_key: str) -> str:
    return next(g.full_label for g in fmt.APPEAL_GROUPS if g.key == group_key)


def proactive_cell(row_key: str, field: str | None = None) -> str:
    row = next(r for b in fmt.PROACTIVE_BLOCKS for r in b.rows if r.key == row_key)
    return f"{fmt.TABLE_LABELS['proactive']}“{fmt.proactive_cell_label(row, field)}”"


# --- narrative fields -------------------------------------------------------------------


def _narrative_fields() -> dict[str, str]:
    fields = {"preamble.text": "开头说明"}
    fields[f"overview.{fmt.OVERVIEW_INTRO.key}"] = f"{fmt.SECTION_HEADINGS[0]}（开篇概述）"
    for f in fmt.OVERVIEW_ASPECTS:
        fields[f"overview.{f.key}"] = f"{fmt.SECTION_HEADINGS[0]}{f.heading}"
    for f in fmt.IMPROVEMENT_FIELDS:
        fields[f"improvements.{f.key}"] = f"{fmt.SECTION_HEADINGS[4]}{f.heading}"
    fields["other_matters.processing_fee_statement"] = f"{fmt.SECTION_HEADINGS[5]}（信息处理费情况）"
    for f in fmt.OTHER_FIELDS:
        fields[f"other_matters.{f.key}"] = f"{fmt.SECTION_HEADINGS[5]}（{f.label}）"
    return fields


NARRATIVE_FIELDS: dict[str, str] = _narrative_fields()
"""Every text the staff write: canonical path -> where it is printed."""

OVERVIEW_ASPECT_PATHS: tuple[str, ...] = tuple(f"overview.{f.key}" for f in fmt.OVERVIEW_ASPECTS)
REQUESTS_ASPECT_PATH = "overview.requests"
OVERSIGHT_PATH = "overview.oversight"
FEE_STATEMENT_PATH = "other_matters.processing_fee_statement"
FEE_YUAN_PATH = "other_matters.processing_fee_yuan"


def narrative_text(report: Report | LastYear, path: str) -> str:
    section, key = path.split(".")
    return str(getattr(getattr(report, section), key))


def describe(report: Report, path: str) -> str:
    """The Chinese name of the cell or text at a canonical path."""
    parts = path.split(".")
    if path in NARRATIVE_FIELDS:
        return NARRATIVE_FIELDS[path]
    if parts[0] == "requests" and len(parts) == 3:
        return request_cell(parts[1], parts[2])
    if parts[0] == "appeals" and len(parts) == 3:
        return appeal_cell(parts[1], parts[2])
    if parts[0] == "proactive" and len(parts) in (2, 3):
        return proactive_cell(parts[1], parts[2] if len(parts) == 3 else None)
    if path == "channels.website_posts":
        return "政府网站发布信息条数"
    if path == FEE_YUAN_PATH:
        return f"{fmt.SECTION_HEADINGS[5]}（本年收取信息处理费）"
    return report.provenance.labels.get(path, path)


def finding(report: Report, rule: str, severity: Severity, path: str, message: str, hint: str) -> Finding:
    """A finding at ``path``, located where the reader found that value."""
    return Finding(
        rule=rule,
        severity=severity,
        path=path,
        location=report.provenance.locate(path),
        message=message,
        hint=hint,
    )


def quote(text: str, limit: int = 40) -> str:
    """Words from the report for a message, shortened so a message stays one line."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
