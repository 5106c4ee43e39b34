"""Rules comparing this year's report with last year's: R3-4, R2-2, R2-3, RN-10."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .. import format as fmt
from ..findings import Finding
from ..model import LastYear, Report
from .labels import NARRATIVE_FIELDS, finding, narrative_text, proactive_cell, request_cell, request_column

# R2-2: documents are revised and re-counted, so in_force never follows exactly from last
# year's figure; flag only a gap larger than this many documents or this share of them.
IN_FORCE_TOLERANCE_DOCS = 2
IN_FORCE_TOLERANCE_SHARE = 0.10
# RN-10: normalised texts at least this similar are "内容雷同" (30号 names it a fault).
SIMILARITY_LIMIT = 0.9
# Short texts ("无。", "本年度无其他需要报告的事项。") may well repeat every year.
SIMILARITY_MIN_CHARS = 30
# RN-10 compares section 五 and 六's free texts; the fee statement repeats by nature.
_REPEAT_PATHS: tuple[str, ...] = tuple(
    p
    for p in NARRATIVE_FIELDS
    if p.startswith(("improvements.", "other_matters.")) and not p.endswith("_statement")
)


def check_cross_year(report: Report, previous: LastYear) -> list[Finding]:
    """Cross-year rules against last year's facts; a fact not known skips its rule."""
    return [
        *check_carried_over(report, previous),
        *check_documents_in_force(report, previous),
        *check_documents_repealed(report, previous),
        *check_repeated_text(report, previous),
    ]


def _last(previous: LastYear) -> str:
    return f"上年（{previous.year}年）报告" if previous.year else "上年报告"


def check_carried_over(report: Report, previous: LastYear) -> list[Finding]:
    """R3-4: per column, this year's 上年结转 equals last year's 结转下年度."""
    findings = []
    columns = [c.key for c in fmt.REQUEST_PART_COLUMNS]
    for col in columns:
        found = _carried_over_finding(report, previous, col)
        if found:
            findings.append(found)
    # 总计 is the sum of the columns: a difference there is news only when no column differs.
    if not findings:
        found = _carried_over_finding(report, previous, "total")
        if found:
            findings.append(found)
    return findings


def _carried_over_finding(report: Report, previous: LastYear, col: str) -> Finding | None:
    this = report.request("carried_over", col)
    last = getattr(previous.carried_forward, col)
    if last is None or this == last:
        return None
    return finding(
        report,
        "R3-4",
        "error",
        f"requests.carried_over.{col}",
        f"{request_cell('carried_over', col)}为 {this}，但{_last(previous)}“四、结转下年度继续办理”行"
        f"“{request_column(col)}”列为 {last}。",
        "上年结转的申请就是上年报告中结转下年度继续办理的申请，两数应相同；请核对本年或上年的数字。",
    )


def check_documents_in_force(report: Report, previous: LastYear) -> list[Finding]:
    """R2-2: in force ≈ last year's in force + issued − repealed (revisions allowed for)."""
    docs, last_in_force = report.proactive.normative_documents, previous.normative_documents_in_force
    if last_in_force is None:
        return []
    expected = last_in_force + docs.issued - docs.repealed
    gap = abs(docs.in_force - expected)
    tolerance = max(IN_FORCE_TOLERANCE_DOCS, IN_FORCE_TOLERANCE_SHARE * max(expected, 0))
    if gap <= tolerance:
        return []
    return [
        finding(
            report,
            "R2-2",
            "warning",
            "proactive.normative_documents.in_force",
            f"{proactive_cell('normative_documents', 'in_force')}为 {docs.in_force}，但{_last(previous)}现行有效 "
            f"{last_in_force} 件加本年制发 {docs.issued} 件、减本年废止 {docs.repealed} 件为 {expected} 件，相差 {gap} 件。",
            "现行有效件数通常等于上年现行有效加本年制发减本年废止；修订、清理等原因造成差异的可忽略，"
            "否则请核对三栏数字。",
        )
    ]


def check_documents_repealed(report: Report, previous: LastYear) -> list[Finding]:
    """R2-3: no more documents can be repealed than were in force or issued."""
    docs, last_in_force = report.proactive.normative_documents, previous.normative_documents_in_force
    if last_in_force is None:
        return []
    available = last_in_force + docs.issued
    if docs.repealed <= available:
        return []
    return [
        finding(
            report,
            "R2-3",
            "warning",
            "proactive.normative_documents.repealed",
            f"{proactive_cell('normative_documents', 'repealed')}为 {docs.repealed}，多于{_last(previous)}现行有效 "
            f"{last_in_force} 件与本年制发 {docs.issued} 件之和 {available} 件。",
            "废止的文件只能是上年仍有效或本年制发的文件；请核对本年废止件数或上年现行有效件数。",
        )
    ]


def _comparable(text: str) -> str:
    # Years, figures, punctuation and spacing change every year without changing the content.
    return re.sub(r"[^\u4e00-\u9fff]", "", text)


def similarity(this: str, last: str) -> float:
    return SequenceMatcher(None, _comparable(this), _comparable(last), autojunk=False).ratio()


def check_repeated_text(report: Report, previous: LastYear) -> list[Finding]:
    """RN-10: section 五 or 六 copied from last year's report."""
    findings = []
    for path in _REPEAT_PATHS:
        this, last = narrative_text(report, path), narrative_text(previous, path)
        if min(len(_comparable(this)), len(_comparable(last))) < SIMILARITY_MIN_CHARS:
            continue
        ratio = similarity(this, last)
        if ratio < SIMILARITY_LIMIT:
            continue
        findings.append(
            finding(
                report,
                "RN-10",
                "warning",
                path,
                f"{NARRATIVE_FIELDS[path]}与{_last(previous)}的相似度为 {ratio:.0%}"
                f"（达到 {SIMILARITY_LIMIT:.0%} 即视为内容雷同）。",
                "30号文件把“内容雷同”列为年报常见问题：请结合本年实际重写，写明本年新发现的问题和上年问题的整改情况。",
            )
        )
    return findings
