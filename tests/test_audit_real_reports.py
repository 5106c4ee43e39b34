"""The audit over the real published reports in ../shared/reports: the real faults are found,
and nothing a careful reader would call false is reported.

The reports are read at run time (never copied into the project). On a developer machine
without ../shared the test is skipped; in CI, where shared/ sits beside the clone, it must run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.audit import AuditedReport, audit, is_deviation
from published_helpers import SHARED_REPORTS, shared_report

REAL = SHARED_REPORTS / "real"


def _reports_dir() -> Path:
    shared_report("real")
    return SHARED_REPORTS


def _audited() -> dict[str, AuditedReport]:
    root = _reports_dir()
    found = {r.source.name: r for r in audit(root).reports}
    for path in sorted(REAL.iterdir()):
        if path.suffix in (".pdf", ".txt", ".html", ".htm", ".docx"):
            (result,) = audit(path).reports
            found[path.name] = result
    return found


def _rule_findings(result: AuditedReport) -> set[tuple[str, str, str]]:
    """Consistency-rule findings that count (errors and warnings); blank cells (R0-3) apart."""
    return {
        (f.rule, f.severity, f.path)
        for f in result.findings
        if not is_deviation(f) and f.severity != "info" and f.rule != "R0-3"
    }


# Every finding the sweep should give, each one true (see the verdicts in the test names below).
EXPECTED: dict[str, set[tuple[str, str, str]]] = {
    "dayu-2025.txt": set(),
    "pingtan-2021.txt": set(),
    # 收到申请75件 counts the carried-over case; table 三 本年新收 is 74.
    "pingtan-2022.txt": {("RN-1", "error", "overview.requests")},
    "daying-2023-partial.txt": set(),
    "taiping-2024-partial.txt": set(),
    # Table 四 totals printed 0 beside non-zero parts; 监督保障 names no 考核/评议/追究.
    "02_hongze_qu_2023.pdf": {
        ("R4-1", "error", "appeals.administrative_review.total"),
        ("R4-1", "error", "appeals.litigation_after_review.total"),
        ("RN-8", "warning", "overview.oversight"),
    },
    "04_sanming_shi_2021.txt": set(),
    # 废止5件 in the text (twice: 主动公开 and the 规范性文件 note) against 7 in table 二.
    "09_putian_chengguanju_2023.html": {
        ("RN-12", "error", "overview.proactive"),
        ("RN-12", "error", "other_matters.work_points"),
    },
    # Table 三's 总计 column printed 0 on every row; the text's 2 applications then disagree
    # with that printed 0; 监督保障 names no 考核/评议/追究.
    "13_pingtan_haitan_pianqu_2025.html": {
        ("R3-2", "error", "requests.new.total"),
        ("R3-2", "error", "requests.partially_granted.total"),
        ("R3-2", "error", "requests.unavailable_not_held.total"),
        ("R3-2", "error", "requests.results_total.total"),
        ("RN-1", "error", "overview.requests"),
        ("RN-8", "warning", "overview.oversight"),
    },
    # The whole article on one line: （七）总计 printed 0 in every column while its rows hold
    # 保护第三方 1 and 不掌握 3 (the undivided （六） of zeros makes those rows known); 监督保障 names
    # no 考核/评议/追究.
    "20_pingtan_haitan_pianqu_2022.txt": {
        ("R3-3", "error", "requests.results_total.natural_person"),
        ("RN-8", "warning", "overview.oversight"),
    },
}


@pytest.fixture(scope="module")
def audited() -> dict[str, AuditedReport]:
    return _audited()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sweep_finds_exactly_the_true_faults(audited: dict[str, AuditedReport], name: str) -> None:
    assert name in audited, sorted(audited)
    assert audited[name].report is not None, audited[name].message
    assert _rule_findings(audited[name]) == EXPECTED[name]


def test_repealed_five_in_the_text_against_seven_in_table_two(audited: dict[str, AuditedReport]) -> None:
    result = audited["09_putian_chengguanju_2023.html"]
    found = [f for f in result.findings if f.rule == "RN-12" and f.path == "overview.proactive"]
    (finding,) = found
    assert "废止 5 件" in finding.message
    assert "行政规范性文件·本年废止件数”为 7" in finding.message


def test_false_findings_once_given_are_gone(audited: dict[str, AuditedReport]) -> None:
    putian = audited["09_putian_chengguanju_2023.html"]
    # "未收取任何费用" states the fee situation (RN-11 called it missing).
    assert not [f for f in putian.findings if f.rule == "RN-11"]
    # "现行有效8件" inside the breakdown of 13 converted documents is not the stock of 16.
    stated = [f.message.split("”（", 1)[1].split(" ")[0] for f in putian.findings if f.rule == "RN-12"]
    assert stated == ["废止", "废止"]
    # No narrative sum, zero-application or handled-count finding on any real report.
    for name, result in audited.items():
        wrong = [f for f in result.findings if f.rule in ("RN-3", "RN-4", "RN-5", "RN-9", "RN-13")]
        assert wrong == [], name
