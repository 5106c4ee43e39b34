"""Rules on the staff's own text: R0-4 (the report year) and RN-1 … RN-9, RN-11 … RN-13.

A narrative finding's path is the text field it was found in (e.g. ``overview.requests``);
the message quotes the words and names the table cell with both numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from .. import format as fmt
from ..findings import Finding
from ..model import Report
from ..textfigures import (
    Figure,
    FigureKind,
    appeal_figures,
    mentions_fee,
    opening_years,
    request_figures,
    shared_parsing,
    stated_fee_yuan,
    stated_part_counts,
    stated_sums,
    states_all_concluded,
    states_no_applications,
    states_no_fee,
    statistics_periods,
    table_two_figures,
    titled_years,
)
from .labels import (
    FEE_STATEMENT_PATH,
    NARRATIVE_FIELDS,
    OVERSIGHT_PATH,
    REQUESTS_ASPECT_PATH,
    appeal_cell,
    finding,
    narrative_text,
    proactive_cell,
    quote,
    request_cell,
)

REPORT_PARTS = len(fmt.SECTION_HEADINGS)

# R0-4: where a paragraph opening with a year must name the report year. Section 五 is left
# out: it legitimately opens with last year's problems or next year's plans.
_YEAR_OPENING_PATHS: tuple[str, ...] = (
    *(p for p in NARRATIVE_FIELDS if p.startswith("overview.")),
    FEE_STATEMENT_PATH,
)
# RN-7: the texts that describe the report's own structure.
_STRUCTURE_PATHS: tuple[str, ...] = ("preamble.text", "overview.intro")


def check_narrative(report: Report) -> list[Finding]:
    texts = {path: narrative_text(report, path) for path in NARRATIVE_FIELDS}
    texts = {path: text for path, text in texts.items() if text.strip()}
    with shared_parsing():
        findings = _narrative_findings(report, texts)
    return _unique(findings)


def _narrative_findings(report: Report, texts: dict[str, str]) -> list[Finding]:
    return [
        *check_year(report, texts),
        *check_request_figures(report, texts),
        *check_no_applications(report, texts),
        *check_appeal_figures(report, texts),
        *check_part_count(report, texts),
        *check_oversight(report),
        *check_stated_sums(report, texts),
        *check_channels(report),
        *check_fee_statement(report),
        *check_table_two_figures(report, texts),
        *check_requests_balance(report, texts),
    ]


def _unique(findings: list[Finding]) -> list[Finding]:
    # The same sentence can repeat a figure ("办结2件…已办结2件"): one finding is enough.
    seen: dict[tuple[str, str, str], Finding] = {}
    for f in findings:
        seen.setdefault((f.rule, f.path, f.message), f)
    return list(seen.values())


# --- R0-4 ---------------------------------------------------------------------------------


def check_year(report: Report, texts: dict[str, str]) -> list[Finding]:
    """R0-4: the statistics period, the report named in the preamble, section 一's openings."""
    year = report.body.year
    findings: list[Finding] = []
    for path, text in texts.items():
        for words, years in statistics_periods(text):
            if any(y != year for y in years):
                findings.append(
                    _year_finding(report, path, words, next(y for y in years if y != year), "统计期限")
                )
    preamble = texts.get("preamble.text", "")
    for words, named in titled_years(preamble):
        if named != year:
            findings.append(_year_finding(report, "preamble.text", words, named, "所称报告"))
    for path in _YEAR_OPENING_PATHS:
        for words, named in opening_years(texts.get(path, "")):
            if named != year:
                findings.append(_year_finding(report, path, words, named, "段首年份"))
    return findings


def _year_finding(report: Report, path: str, words: str, named: int, what: str) -> Finding:
    year = report.body.year
    return finding(
        report,
        "R0-4",
        "error",
        path,
        f"{NARRATIVE_FIELDS[path]}的{what}为 {named} 年（“{quote(words)}”），但报告年度为 {year} 年。",
        f"报告年度、统计期限（{year}年1月1日至{year}年12月31日）和正文所述年份应一致；"
        "如是沿用上年文稿，请逐处改正年份。",
    )


# --- RN-1 … RN-4 --------------------------------------------------------------------------

# figure kind -> (rule, table 三 row, what the text states, fix hint)
_REQUEST_RULES: dict[FigureKind, tuple[str, str, str, str]] = {
    FigureKind.RECEIVED: (
        "RN-1",
        "new",
        "收到申请",
        "文字中的收到（受理）申请数应与表三“本年新收”总计一致；若文字把上年结转的申请也算在内，"
        "请写明“含上年结转N件”或分开表述。",
    ),
    FigureKind.CARRIED_OVER: ("RN-2", "carried_over", "上年结转", "文字中的上年结转数应与表三“上年结转”总计一致。"),
    FigureKind.CONCLUDED: (
        "RN-3",
        "results_total",
        "办结（答复）",
        "文字中的办结（答复）数应与表三“（七）总计”一致；结转下年度继续办理的申请不算办结。",
    ),
    FigureKind.CARRIED_FORWARD: (
        "RN-4",
        "carried_forward",
        "结转下年度",
        "文字中的结转下年度数应与表三“四、结转下年度继续办理”总计一致。",
    ),
}


def own_names(report: Report) -> tuple[str, ...]:
    """How the body names itself in its text: full and short name, the name without
    人民政府/办事处 ("东城街道" for 东城街道办事处), and without the place before its level
    ("市城市管理局", "城市管理局" for 莆田市城市管理局)."""
    names = {report.body.name, report.body.short_name}
    for suffix in ("人民政府", "办事处", "管理委员会"):
        names |= {n.removesuffix(suffix) for n in list(names) if n}
    for name in list(names):
        level = re.search(r"[省市区县]", name[2:] if name else "")
        if level:
            names |= {name[2 + level.start() :], name[3 + level.start() :]}
    given = (report.body.name, report.body.short_name)
    return tuple(n for n in names if n and (len(n) >= 3 or n in given))


def _request_figures(report: Report, path: str, text: str, names: tuple[str, ...]) -> list[Figure]:
    """The text's request figures; ``names`` is :func:`own_names`, worked out once per rule."""
    return request_figures(
        text, report.body.year, in_requests_section=path == REQUESTS_ASPECT_PATH, own_names=names
    )


def check_request_figures(report: Report, texts: dict[str, str]) -> list[Finding]:
    findings = []
    names = own_names(report)
    for path, text in texts.items():
        for figure in _request_figures(report, path, text, names):
            found = _request_figure_finding(report, path, figure)
            if found is not None:
                findings.append(found)
    return findings


def _request_figure_finding(report: Report, path: str, figure: Figure) -> Finding | None:
    rule, row, what, hint = _REQUEST_RULES[figure.kind]
    expected = report.request(row, "total")
    cell = request_cell(row, "total")
    if figure.includes_carried_over:
        expected += report.request("carried_over", "total")
        cell = f"{cell}与上年结转之和"
    if figure.value == expected:
        return None
    return finding(
        report,
        rule,
        "error",
        path,
        f"{NARRATIVE_FIELDS[path]}写有“{quote(figure.quote)}”（{what} {figure.value} 件），但{cell}为 {expected}。",
        hint,
    )


# --- RN-5 ---------------------------------------------------------------------------------


def check_no_applications(report: Report, texts: dict[str, str]) -> list[Finding]:
    new_total = report.request("new", "total")
    if new_total == 0:
        return []
    findings = []
    for path, text in texts.items():
        words = states_no_applications(text, report.body.year)
        if words is None:
            continue
        findings.append(
            finding(
                report,
                "RN-5",
                "error",
                path,
                f"{NARRATIVE_FIELDS[path]}写有“{quote(words)}”（即 0 件），但{request_cell('new', 'total')}为 {new_total}。",
                "文字与表三不一致：本年收到申请的，请写明件数；确实没有收到的，请改正表三。",
            )
        )
    return findings


# --- RN-6 ---------------------------------------------------------------------------------


def check_appeal_figures(report: Report, texts: dict[str, str]) -> list[Finding]:
    review = report.appeal("administrative_review", "total")
    direct = report.appeal("litigation_direct", "total")
    after = report.appeal("litigation_after_review", "total")
    expected = {
        FigureKind.REVIEW: (review, f"{appeal_cell('administrative_review', 'total')}为 {review}"),
        FigureKind.LITIGATION: (
            direct + after,
            f"{appeal_cell('litigation_direct', 'total')}（{direct}）与{appeal_cell('litigation_after_review', 'total')}"
            f"（{after}）之和为 {direct + after}",
        ),
    }
    names = {FigureKind.REVIEW: "行政复议", FigureKind.LITIGATION: "行政诉讼"}
    findings = []
    for path, text in texts.items():
        for figure in appeal_figures(
            text, report.body.year, in_requests_section=path == REQUESTS_ASPECT_PATH
        ):
            value, table = expected[figure.kind]
            if figure.value == value:
                continue
            findings.append(
                finding(
                    report,
                    "RN-6",
                    "error",
                    path,
                    f"{NARRATIVE_FIELDS[path]}写有“{quote(figure.quote)}”（{names[figure.kind]} {figure.value} 件），但{table}。",
                    "文字所述政府信息公开行政复议、行政诉讼件数应与表四一致；请核对后改正文字或表四。",
                )
            )
    return findings


# --- RN-7 ---------------------------------------------------------------------------------


def check_part_count(report: Report, texts: dict[str, str]) -> list[Finding]:
    findings = []
    for path in _STRUCTURE_PATHS:
        for words, parts in stated_part_counts(texts.get(path, "")):
            if parts == REPORT_PARTS:
                continue
            findings.append(
                finding(
                    report,
                    "RN-7",
                    "error",
                    path,
                    f"{NARRATIVE_FIELDS[path]}写有“{words}”（{parts} 个部分），但年度报告格式规定共 {REPORT_PARTS} 个部分。",
                    "改为“六个部分”：" + "、".join(h.split("、", 1)[1] for h in fmt.SECTION_HEADINGS) + "。",
                )
            )
    return findings


# --- RN-8 ---------------------------------------------------------------------------------

# 条例第五十条: 监督保障 states 工作考核、社会评议和责任追究结果, even when there were none.
_OVERSIGHT_ITEMS: dict[str, re.Pattern[str]] = {
    "工作考核": re.compile(r"考核|考评"),
    # A third-party or public-satisfaction assessment is how many bodies hold 社会评议.
    "社会评议": re.compile(r"评议|第三方评估|满意度"),
    "责任追究": re.compile(r"责任追究|追究责任|追责|问责"),
}


def check_oversight(report: Report) -> list[Finding]:
    """RN-8: an empty aspect gets a default paragraph; a written 监督保障 must name its results."""
    text = report.overview.oversight.strip()
    if not text:
        return []
    missing = [name for name, pattern in _OVERSIGHT_ITEMS.items() if not pattern.search(text)]
    if not missing:
        return []
    severity = "warning" if len(missing) == len(_OVERSIGHT_ITEMS) else "info"
    return [
        finding(
            report,
            "RN-8",
            severity,
            OVERSIGHT_PATH,
            f"{NARRATIVE_FIELDS[OVERSIGHT_PATH]}没有写明{'、'.join(missing)}情况"
            f"（缺 {len(missing)} 项，共 {len(_OVERSIGHT_ITEMS)} 项）。",
            "按条例第五十条，监督保障应写明工作考核、社会评议和责任追究结果，没有的也要写明，"
            "如“本年度未发生责任追究情况”。",
        )
    ]


# --- RN-9 ---------------------------------------------------------------------------------


def check_stated_sums(report: Report, texts: dict[str, str]) -> list[Finding]:
    findings = []
    for path, text in texts.items():
        for stated in stated_sums(text):
            if not stated.disagrees:
                continue
            parts = " + ".join(str(p) for p in stated.parts)
            findings.append(
                finding(
                    report,
                    "RN-9",
                    "warning",
                    path,
                    f"{NARRATIVE_FIELDS[path]}写有“{quote(stated.quote)}”：合计 {stated.total} {stated.unit}，"
                    f"但所列各项 {parts} = {sum(stated.parts)} {stated.unit}。",
                    "合计数应等于所列各项之和；如只列举了部分类别，请加“等”或写明其余类别。",
                )
            )
    return findings


def check_channels(report: Report) -> list[Finding]:
    """RN-9 on the channel data: a declared website total against its breakdown."""
    channels = report.channels
    declared = channels.website_posts
    if declared is None or not channels.website_breakdown:
        return []
    parts = sum(item.count for item in channels.website_breakdown)
    if parts == declared:
        return []
    return [
        finding(
            report,
            "RN-9",
            "warning",
            "channels.website_posts",
            f"政府网站发布信息条数填写为 {declared}，但各分类条数之和为 {parts}"
            f"（{'、'.join(f'{i.label}{i.count}条' for i in channels.website_breakdown)}）。",
            "报告写作“共发布信息N条，包括……”，合计应等于各分类之和；请改正合计或补全分类（合计留空则自动相加）。",
        )
    ]


# --- RN-11 --------------------------------------------------------------------------------


def check_fee_statement(report: Report) -> list[Finding]:
    """RN-11: a written 信息处理费 statement names the fee and agrees with the amount."""
    statement = report.other_matters.processing_fee_statement.strip()
    if not statement:
        return []  # the renderer writes the fee sentence from the amount
    return list(_fee_statement_findings(report, statement))


def _fee_statement_findings(report: Report, statement: str) -> Iterator[Finding]:
    label = NARRATIVE_FIELDS[FEE_STATEMENT_PATH]
    amount = report.other_matters.processing_fee_yuan
    if not mentions_fee(statement):
        yield finding(
            report,
            "RN-11",
            "warning",
            FEE_STATEMENT_PATH,
            f"{label}“{quote(statement)}”没有写明信息处理费的收取情况（本年收取金额填为 {_yuan(amount)} 元）。",
            "第六部分应写明按《政府信息公开信息处理费管理办法》收取信息处理费的情况，未收取的写明“未收取信息处理费”。",
        )
        return
    no_fee = states_no_fee(statement)
    if no_fee is not None and amount > 0:
        yield finding(
            report,
            "RN-11",
            "warning",
            FEE_STATEMENT_PATH,
            f"{label}写有“{quote(no_fee)}”（0 元），但本年收取信息处理费填为 {_yuan(amount)} 元。",
            "请核对信息处理费的收取金额，使第六部分的说明与金额一致。",
        )
        return
    stated = stated_fee_yuan(statement)
    if stated is not None and stated[1] != amount:
        yield finding(
            report,
            "RN-11",
            "warning",
            FEE_STATEMENT_PATH,
            f"{label}写有“{quote(stated[0])}”（{_yuan(stated[1])} 元），但本年收取信息处理费填为 {_yuan(amount)} 元。",
            "请核对“本年收取信息处理费（元）”，使第六部分的说明与金额一致。",
        )


def _yuan(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


# --- RN-12 --------------------------------------------------------------------------------

_TABLE_TWO_WHAT = {"issued": "制发", "repealed": "废止", "in_force": "现行有效"}


def check_table_two_figures(report: Report, texts: dict[str, str]) -> list[Finding]:
    """RN-12: the text's figures for documents and decisions agree with table 二."""
    findings = []
    unprinted = report.provenance.unprinted
    names = own_names(report)
    for path, text in texts.items():
        for figure in table_two_figures(text, report.body.year, names):
            if figure.kind in unprinted:
                continue  # the table never printed that cell: nothing to compare with
            _, row, *rest = figure.kind.split(".")
            field = rest[0] if rest else None
            value = getattr(report.proactive, row)
            table = int(getattr(value, field) if field else value)
            if figure.value == table:
                continue
            what = _TABLE_TWO_WHAT[field] if field else "处理决定"
            findings.append(
                finding(
                    report,
                    "RN-12",
                    "error",
                    path,
                    f"{NARRATIVE_FIELDS[path]}写有“{quote(figure.quote)}”（{what} {figure.value} 件），"
                    f"但{proactive_cell(row, field)}为 {table}。",
                    "文字所述规章、行政规范性文件的制发、废止、现行有效件数和行政许可、处罚、强制的"
                    "处理决定数应与表二一致；如文字只说其中一部分，请写明范围。",
                )
            )
    return findings


# --- RN-13 --------------------------------------------------------------------------------

_BALANCE_ROWS = ("new", "carried_over", "results_total", "carried_forward")


def check_requests_balance(report: Report, texts: dict[str, str]) -> list[Finding]:
    """RN-13: a report without table 三 must still balance its words.

    新收 + 上年结转 = 办结 + 结转下年度, each figure as the text states it. A figure the
    text leaves out may be any number ≥ 0, so only an imbalance no such number can mend
    is reported. With table 三 printed, RN-1 … RN-4 compare each figure with it instead.
    """
    unprinted = report.provenance.unprinted
    if not any(f"requests.{row}.total" in unprinted for row in _BALANCE_ROWS):
        return []
    findings = []
    names = own_names(report)
    for path, text in texts.items():
        stated: dict[FigureKind, Figure] = {}
        for figure in _request_figures(report, path, text, names):
            stated.setdefault(figure.kind, figure)
        found = _balance_finding(report, path, text, stated)
        if found is not None:
            findings.append(found)
    return findings


def _balance_finding(report: Report, path: str, text: str, stated: dict[FigureKind, Figure]) -> Finding | None:
    received, carried = stated.get(FigureKind.RECEIVED), stated.get(FigureKind.CARRIED_OVER)
    concluded, forward = stated.get(FigureKind.CONCLUDED), stated.get(FigureKind.CARRIED_FORWARD)
    if received is None or concluded is None:
        return None
    all_done = states_all_concluded(text)
    forward_value = forward.value if forward is not None else (0 if all_done is not None else None)
    counted_carried = carried is not None and not received.includes_carried_over
    left = received.value + (carried.value if counted_carried and carried is not None else 0)
    left_open = carried is None and not received.includes_carried_over
    right = concluded.value + (forward_value or 0)
    right_open = forward_value is None
    if left == right or (left < right and left_open) or (left > right and right_open):
        return None
    quotes = dict.fromkeys(f.quote for f in (received, carried, concluded, forward) if f is not None)
    words = "；".join(quote(q, 24) for q in quotes)
    if received.includes_carried_over:
        carried_words = "（已含在收到数中）"
    else:
        carried_words = f" {carried.value} 件" if carried is not None else "（未写明）"
    forward_words = f" {forward_value} 件" if forward_value is not None else "（未写明）"
    if forward is None and all_done is not None:
        forward_words += f"（“{quote(all_done, 16)}”）"
    return finding(
        report,
        "RN-13",
        "error",
        path,
        f"{NARRATIVE_FIELDS[path]}所述申请数不平衡（“{words}”）：新收 {received.value} 件 + 上年结转{carried_words}"
        f" = {left}，办结 {concluded.value} 件 + 结转下年度{forward_words} = {right}。",
        "本年新收与上年结转之和应等于本年办结与结转下年度继续办理之和；请核对文字中的各项件数。",
    )
