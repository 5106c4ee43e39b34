"""Rules on the tables of one year's report: R0-2, R0-3, R2-1, R3-1, R3-2, R3-3, R3-5, R4-1.

Table 三's three arithmetic rules overlap: a wrong declared 总计 can also unbalance a column.
Each disagreement is reported once, by the rule whose own cells disagree; a derived rule
(R3-1, and R3-3 on the 总计 column) stays silent when its failure disappears once the
declared totals are replaced by the sums of their parts, because the rule that owns those
totals has already said so.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .. import format as fmt
from ..findings import Finding
from ..model import Report
from ..textfigures import states_no_fee
from .labels import (
    appeal_cell,
    describe,
    finding,
    proactive_cell,
    quote,
    request_cell,
    request_column,
    request_row,
)

PART_COLUMNS: tuple[str, ...] = tuple(c.key for c in fmt.REQUEST_PART_COLUMNS)
ALL_COLUMNS: tuple[str, ...] = tuple(c.key for c in fmt.REQUEST_COLUMNS)

# R0-2: 行政事业性收费 above this many 万元 looks like 元 typed into a 万元 cell. A township
# collecting 1亿元 a year is implausible; 平潭 (county level) printed 24252.311082 万元.
FEE_LIMIT_WAN_YUAN: dict[str, Decimal] = {
    "乡镇": Decimal(10_000),
    "街道": Decimal(10_000),
    "县级部门": Decimal(1_000_000),
    "县级政府": Decimal(1_000_000),
    # 三明 (a 设区的市) printed 41994 万元 for the whole city; a province is ten times larger again.
    "市级部门": Decimal(10_000_000),
    "市级政府": Decimal(10_000_000),
    "省级部门": Decimal(100_000_000),
    "省级政府": Decimal(100_000_000),
    "其他": Decimal(10_000_000),
}
# R3-5: more "无正当理由大量反复申请" than this is implausible for a township.
TOWNSHIP_EXCESSIVE_LIMIT = 10


def check_tables(report: Report) -> list[Finding]:
    return [
        *check_fee_scale(report),
        *check_regulations(report),
        *check_row_totals(report),
        *check_results_totals(report),
        *check_balance(report),
        *check_plausibility(report),
        *check_appeal_totals(report),
    ]


# --- R0-3 ---------------------------------------------------------------------------------


def check_blank_cells(report: Report, already: list[Finding]) -> list[Finding]:
    """R0-3: a numeric cell left blank is read as 0. Said once per cell, except that table 三's
    columns blank in every row fold into one finding naming the range (a report that leaves the
    five 法人 columns empty gets one line, not a hundred), and so does a row blank throughout."""
    reported = {f.path for f in already if f.rule == "R0-3"}
    blank = [p for p in dict.fromkeys(report.provenance.blank) if p not in reported]
    findings, folded = _folded_blank_request_cells(report, set(blank))
    for path in blank:
        if path in folded:
            continue
        findings.append(
            finding(
                report,
                "R0-3",
                "warning",
                path,
                f"{describe(report, path)}留空，已按 0 处理。",
                _BLANK_HINT,
            )
        )
    return findings


_BLANK_HINT = "数字单元格没有数据时请填 0，不要留空；报告中空白一律印为 0。"


def _folded_blank_request_cells(report: Report, blank: set[str]) -> tuple[list[Finding], set[str]]:
    table = fmt.TABLE_NUMBERS["requests"]
    rows = [r for r in fmt.REQUEST_ROWS if r.kind != "results_total"]
    parts = fmt.REQUEST_PART_COLUMNS
    findings: list[Finding] = []
    folded: set[str] = set()
    # A partial report (a crawled page that stops mid-table) is judged on the rows it printed.
    unprinted = report.provenance.unprinted
    printed = [r for r in rows if any(f"requests.{r.key}.{c.key}" not in unprinted for c in parts)]
    whole = [c for c in parts if len(printed) > 1 and all(f"requests.{r.key}.{c.key}" in blank for r in printed)]
    runs: list[list[fmt.Column]] = []
    for c in whole:  # consecutive columns make one range
        if runs and parts.index(runs[-1][-1]) + 1 == parts.index(c):
            runs[-1].append(c)
        else:
            runs.append([c])
    for run in runs:
        paths = {f"requests.{r.key}.{c.key}" for r in printed for c in run}
        named = f"“{run[0].label}”" + (f"至“{run[-1].label}”" if len(run) > 1 else "")
        findings.append(
            finding(
                report,
                "R0-3",
                "warning",
                f"requests.{printed[0].key}.{run[0].key}",
                f"{table}{named}{len(run)} 栏全部空白（共 {len(paths)} 个单元格），按 0 读取。",
                _BLANK_HINT,
            )
        )
        folded |= paths
    for r in rows:
        left = [c for c in parts if f"requests.{r.key}.{c.key}" in blank - folded]
        if len(left) == len(parts):
            findings.append(
                finding(
                    report,
                    "R0-3",
                    "warning",
                    f"requests.{r.key}.{parts[0].key}",
                    f"{table}{fmt.request_row_label(r.key)}行 {len(parts)} 栏全部空白，按 0 读取。",
                    _BLANK_HINT,
                )
            )
            folded |= {f"requests.{r.key}.{c.key}" for c in left}
    for c in parts:  # what is left of one column, blank in several rows: one finding naming them
        down = [r for r in rows if f"requests.{r.key}.{c.key}" in blank - folded]
        if len(down) < 2:
            continue
        labels = "、".join(fmt.request_row_label(r.key) for r in down[:3]) + ("等" if len(down) > 3 else "")
        findings.append(
            finding(
                report,
                "R0-3",
                "warning",
                f"requests.{down[0].key}.{c.key}",
                f"{table}“{c.label}”栏有 {len(down)} 行空白（{labels}），按 0 读取。",
                _BLANK_HINT,
            )
        )
        folded |= {f"requests.{r.key}.{c.key}" for r in down}
    return findings, folded


# --- R0-2 ---------------------------------------------------------------------------------


def check_fee_scale(report: Report) -> list[Finding]:
    """R0-2: a fee too large for the body's level was probably typed in 元, not 万元."""
    fee: Decimal = report.proactive.fees_wan_yuan
    limit = FEE_LIMIT_WAN_YUAN[report.body.level]
    if fee <= limit:
        return []
    path = "proactive.fees_wan_yuan"
    return [
        finding(
            report,
            "R0-2",
            "warning",
            path,
            f"{proactive_cell('fees_wan_yuan')}填写为 {fee} 万元，超过{report.body.level}通常的收费规模"
            f"（{limit} 万元），可能把以“元”计的金额填进了“万元”栏。",
            f"本栏单位是万元：若 {fee} 是以元计的金额，应填 {_wan(fee)} 万元；金额确实无误可忽略本提示。",
        )
    ]


def _wan(yuan: Decimal) -> str:
    return format((yuan / 10000).normalize(), "f")


# --- R2-1 ---------------------------------------------------------------------------------


def check_regulations(report: Report) -> list[Finding]:
    """R2-1: 规章 are made by State Council departments and provincial or city governments.

    A township with 规章 is an error; a provincial or 设区的市 government with them is normal
    (no finding); anyone else is asked to confirm (info)."""
    findings = []
    body = report.body
    if body.makes_regulations:
        return findings
    for field in fmt.DOCUMENT_FIELDS:
        value = getattr(report.proactive.regulations, field)
        if value == 0:
            continue
        path = f"proactive.regulations.{field}"
        if body.is_township:
            findings.append(
                finding(
                    report,
                    "R2-1",
                    "error",
                    path,
                    f"{proactive_cell('regulations', field)}填写为 {value}，但{body.level}没有规章制定权，应为 0。",
                    "乡镇、街道制发的文件是行政规范性文件，请填入“行政规范性文件”行，规章各栏填 0。",
                )
            )
        else:
            findings.append(
                finding(
                    report,
                    "R2-1",
                    "info",
                    path,
                    f"{proactive_cell('regulations', field)}填写为 {value}；规章只能由国务院部门和省、"
                    "设区的市、自治州人民政府制定，请确认本机关确有规章。",
                    "本机关制发的其他文件请计入“行政规范性文件”行。",
                )
            )
    return findings


# --- table 三 -----------------------------------------------------------------------------


def _printed(report: Report, row: str, col: str) -> int:
    return report.request(row, col)


def _from_parts(report: Report, row: str, col: str) -> int:
    """What (row, col) would print if every declared total were the sum of its parts."""
    requests = report.requests
    if row == "results_total":
        if col == "total":
            return sum(getattr(requests, r).parts_sum() for r in fmt.RESULT_ROW_KEYS)
        return sum(getattr(requests, r).value(col) for r in fmt.RESULT_ROW_KEYS)
    counts = getattr(requests, row)
    return counts.parts_sum() if col == "total" else counts.value(col)


def _results_total_row_disagrees(report: Report) -> tuple[int, int] | None:
    """R3-2 on row （七）总计: (declared, printed parts sum) when it fails, else None."""
    declared = report.requests.results_total.total
    if declared is None:
        return None
    printed = sum(_printed(report, "results_total", c) for c in PART_COLUMNS)
    if declared in (printed, _from_parts(report, "results_total", "total")):
        return None
    return declared, printed


def check_row_totals(report: Report) -> list[Finding]:
    """R3-2: per row, a declared 总计 equals the sum of the six applicant columns."""
    findings = []
    for row in fmt.REQUEST_ROWS:
        if row.kind == "results_total":
            disagreement = _results_total_row_disagrees(report)
        else:
            counts = getattr(report.requests, row.key)
            total = counts.total
            disagreement = (
                None if total is None or total == counts.parts_sum() else (total, counts.parts_sum())
            )
        if disagreement is None:
            continue
        declared, parts = disagreement
        findings.append(
            finding(
                report,
                "R3-2",
                "error",
                f"requests.{row.key}.total",
                f"{request_cell(row.key, 'total')}填写为 {declared}，但各列之和为 {parts}。",
                "“总计”应等于自然人和五类法人或其他组织各列之和；请改正总计或各列数字（总计留空则自动相加）。",
            )
        )
    return findings


def check_results_totals(report: Report) -> list[Finding]:
    """R3-3: per column, a declared （七）总计 equals the sum of the 21 result rows."""
    findings = []
    for col in ALL_COLUMNS:
        declared = getattr(report.requests.results_total, col)
        if declared is None:
            continue
        rows_sum = sum(_printed(report, r, col) for r in fmt.RESULT_ROW_KEYS)
        if declared in (rows_sum, _from_parts(report, "results_total", col)):
            continue
        # 总计 is the sum of the other columns: report it only for a failure of its own, and
        # not again when R3-2 already reports this very cell.
        if col == "total" and (findings or _results_total_row_disagrees(report) is not None):
            continue
        findings.append(
            finding(
                report,
                "R3-3",
                "error",
                f"requests.results_total.{col}",
                f"{request_cell('results_total', col)}填写为 {declared}，但（一）至（六）各办理结果行之和为 {rows_sum}。",
                "每件申请只计入一种办理结果，（七）总计应等于各结果行之和；请核对各结果行或改正总计（留空则自动相加）。",
            )
        )
    return findings


CellValue = Callable[[Report, str, str], int]


def _imbalance(report: Report, col: str, get: CellValue) -> int:
    """一 + 二 − 三（七） − 四 in one column, with cells read by ``get``."""
    return (
        get(report, "new", col)
        + get(report, "carried_over", col)
        - get(report, "results_total", col)
        - get(report, "carried_forward", col)
    )


def check_balance(report: Report) -> list[Finding]:
    """R3-1: per column, 一 + 二 == 三（七） + 四 (the printed 勾稽关系, 总计 included)."""
    findings = []
    for col in PART_COLUMNS:
        if _imbalance(report, col, _printed) and _imbalance(report, col, _from_parts):
            findings.append(_balance_finding(report, col))
    # The 总计 column is the sum of the others: report it only when it is a failure of its own.
    if not findings and _imbalance(report, "total", _printed) and _imbalance(report, "total", _from_parts):
        findings.append(_balance_finding(report, "total"))
    return findings


def _balance_finding(report: Report, col: str) -> Finding:
    new, carried = _printed(report, "new", col), _printed(report, "carried_over", col)
    results, forward = _printed(report, "results_total", col), _printed(report, "carried_forward", col)
    received = new + carried
    if received >= results:
        hint = (
            f"请核对该列各项；如收到和办理结果的数字无误，“四、结转下年度继续办理”应为 {received - results}。"
        )
    else:
        hint = f"该列办理结果合计 {results} 已超过收到的申请 {received}，请核对各办理结果行。"
    return finding(
        report,
        "R3-1",
        "error",
        f"requests.carried_forward.{col}",
        f"{fmt.TABLE_LABELS['requests']}“{request_column(col)}”列勾稽关系不成立：一（本年新收 {new}）"
        f"加二（上年结转 {carried}）为 {received}，但三（七）总计（{results}）加四（结转下年度 {forward}）"
        f"为 {results + forward}。",
        hint,
    )


def check_plausibility(report: Report) -> list[Finding]:
    """R3-5: figures that are possible but unlikely."""
    return [*_fee_notice_without_fee(report), *_excessive_for_township(report)]


def _fee_notice_without_fee(report: Report) -> list[Finding]:
    unpaid = _printed(report, "other_fee_unpaid", "total")
    if unpaid == 0:
        return []
    other = report.other_matters
    statement = other.processing_fee_statement.strip()
    if statement:
        words = states_no_fee(statement)
        said = f"第六部分写有“{quote(words)}”" if words else None
    else:
        # The renderer writes "未收取信息处理费" from a zero amount.
        said = (
            "第六部分将写明未收取信息处理费（本年收取金额为 0 元）"
            if other.processing_fee_yuan == 0
            else None
        )
    if said is None:
        return []
    return [
        finding(
            report,
            "R3-5",
            "warning",
            "requests.other_fee_unpaid.total",
            f"{request_cell('other_fee_unpaid', 'total')}为 {unpaid}，说明本年向申请人发出过收费通知，但{said}。",
            "请核对该行数字；确实发出过收费通知的，在第六部分写明信息处理费的收取情况（含发出通知、未缴费的情况）。",
        )
    ]


def _excessive_for_township(report: Report) -> list[Finding]:
    excessive = _printed(report, "not_processed_excessive", "total")
    if not report.body.is_township or excessive <= TOWNSHIP_EXCESSIVE_LIMIT:
        return []
    return [
        finding(
            report,
            "R3-5",
            "warning",
            "requests.not_processed_excessive.total",
            f"{request_cell('not_processed_excessive', 'total')}为 {excessive}，对{report.body.level}而言偏多"
            f"（通常不超过 {TOWNSHIP_EXCESSIVE_LIMIT}）。",
            f"请确认这些申请确属{request_row('not_processed_excessive')}，而不是重复申请或其他处理情形。",
        )
    ]


# --- table 四 -----------------------------------------------------------------------------


def check_appeal_totals(report: Report) -> list[Finding]:
    """R4-1: per group, a declared 总计 equals 维持 + 纠正 + 其他 + 尚未审结."""
    findings = []
    parts_label = "、".join(c.label for c in fmt.APPEAL_PART_COLUMNS)
    for group in fmt.APPEAL_GROUPS:
        counts = getattr(report.appeals, group.key)
        if counts.total is None or counts.total == counts.parts_sum():
            continue
        findings.append(
            finding(
                report,
                "R4-1",
                "error",
                f"appeals.{group.key}.total",
                f"{appeal_cell(group.key, 'total')}填写为 {counts.total}，但{parts_label}之和为 {counts.parts_sum()}。",
                "“总计”应等于结果维持、结果纠正、其他结果和尚未审结之和；请改正（总计留空则自动相加）。",
            )
        )
    return findings
