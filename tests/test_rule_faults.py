"""Every registered rule has a planted-fault test (issue 12, §3).

Two guards, both failing the moment a rule is added to :mod:`gongkai.rules` without a test:

- :data:`PLANTED` maps each rule of the checks to a fault planted in the clean busy report;
  each must produce a finding of its rule, with a severity the registry declares.
- every registered rule id (the readers' WB-*, R0-1 and FD-* included) must appear in an
  assertion of some test file: inside an ``assert``, or in a ``pytest.mark.parametrize`` table.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from checks_helpers import clean_busy_report, previous_report, set_row
from gongkai.checks import check_report
from gongkai.findings import Finding
from gongkai.model import Report
from gongkai.published import read_blocks
from gongkai.published.from_text import text_blocks
from gongkai.reading import read_report
from gongkai.rules import RULES, rules_in
from gongkai.workbook import layout as L
from gongkai.workbook import write_workbook

TESTS = Path(__file__).resolve().parent


def _narrative(text: str, path: str = "overview.requests") -> Report:
    report = clean_busy_report()
    section, key = path.split(".")
    setattr(getattr(report, section), key, text)
    return report


def _tables_only(report: Report) -> Report:
    report.overview.requests = ""
    return report


def _check(report: Report, previous: Report | None = None) -> list[Finding]:
    return check_report(report, previous)


def _blank_cell() -> list[Finding]:
    report = clean_busy_report()
    report.provenance.blank.append("requests.new.research")
    return _check(report)


def _fee_in_yuan() -> list[Finding]:
    report = clean_busy_report()
    report.proactive.fees_wan_yuan = Decimal("125000")
    return _check(report)


def _township_regulations() -> list[Finding]:
    report = clean_busy_report()
    report.proactive.regulations = dict(issued=1, repealed=0, in_force=1)
    return _check(report)


def _in_force_drift() -> list[Finding]:
    report = clean_busy_report()
    previous = previous_report(report)
    report.proactive.normative_documents.in_force = 30
    return _check(report, previous)


def _repealed_too_many() -> list[Finding]:
    report = clean_busy_report()
    previous = previous_report(report)
    previous.proactive.normative_documents.in_force = 0
    report.proactive.normative_documents = dict(issued=1, repealed=5, in_force=0)
    return _check(report, previous)


def _column_unbalanced() -> list[Finding]:
    report = _tables_only(clean_busy_report())
    set_row(report, "new", (11, 3, 1, 1, 2, 1), total=19)
    return _check(report)


def _row_total_wrong() -> list[Finding]:
    report = _tables_only(clean_busy_report())
    set_row(report, "new", (10, 3, 1, 1, 2, 1), total=17)
    return _check(report)


def _results_total_wrong() -> list[Finding]:
    report = _tables_only(clean_busy_report())
    report.requests.results_total.natural_person = 12
    return _check(report)


def _carried_over_differs() -> list[Finding]:
    report = clean_busy_report()
    previous = previous_report(report)
    set_row(previous, "carried_forward", (5, 0, 0, 0, 0, 0))
    return _check(report, previous)


def _township_excessive_requests() -> list[Finding]:
    report = _tables_only(clean_busy_report())
    report.requests.new.natural_person += 12
    report.requests.new.total = None
    report.requests.not_processed_excessive.natural_person = 12
    report.requests.results_total = {}
    return _check(report)


def _appeal_total_wrong() -> list[Finding]:
    report = clean_busy_report()
    report.appeals.administrative_review.total = 4
    return _check(report)


def _copied_from_last_year() -> list[Finding]:
    report = clean_busy_report()
    previous = previous_report(report)
    previous.improvements.problems = report.improvements.problems
    return _check(report, previous)


def _fee_not_stated() -> list[Finding]:
    report = _narrative("2025年未收取信息处理费。", "other_matters.processing_fee_statement")
    report.other_matters.processing_fee_yuan = Decimal("100")
    return _check(report)


PLANTED: dict[str, Callable[[], list[Finding]]] = {
    "R0-2": _fee_in_yuan,
    "R0-3": _blank_cell,
    "R0-4": lambda: _check(_narrative("本报告统计期限为2024年1月1日至2024年12月31日。", "preamble.text")),
    "R2-1": _township_regulations,
    "R2-2": _in_force_drift,
    "R2-3": _repealed_too_many,
    "R3-1": _column_unbalanced,
    "R3-2": _row_total_wrong,
    "R3-3": _results_total_wrong,
    "R3-4": _carried_over_differs,
    "R3-5": _township_excessive_requests,
    "R4-1": _appeal_total_wrong,
    "RN-1": lambda: _check(_narrative("本年度共收到政府信息公开申请20件。")),
    "RN-2": lambda: _check(_narrative("本年度上年结转申请1件。")),
    "RN-3": lambda: _check(_narrative("依法依规办结政府信息公开申请18件。")),
    "RN-4": lambda: _check(_narrative("另有1件结转下年度继续办理。")),
    "RN-5": lambda: _check(_narrative("本年度未收到政府信息公开申请。")),
    "RN-6": lambda: _check(_narrative("全年发生政府信息公开行政复议2件。")),
    "RN-7": lambda: _check(_narrative("本报告包括总体情况等五个部分。", "preamble.text")),
    "RN-8": lambda: _check(_narrative("加强组织领导，明确专人负责政务公开工作。", "overview.oversight")),
    "RN-9": lambda: _check(
        _narrative("全年发布信息100条，其中政府网站发布信息40条，政务微信公众号发布信息50条。", "overview.proactive")
    ),
    "RN-10": _copied_from_last_year,
    "RN-11": _fee_not_stated,
    "RN-12": lambda: _check(_narrative("全年作出行政许可决定25件。", "overview.proactive")),
}


def test_every_check_rule_has_a_planted_fault() -> None:
    # R0-1 is a reader's rule (planted below in a workbook); RN-13 needs a report without
    # table 三, a published one, and is asserted in test_checks.
    missing = {r.id for r in rules_in("check")} - set(PLANTED) - {"R0-1", "RN-13"}
    assert not missing, f"规则 {sorted(missing)} 没有植入错误的测试：请在 PLANTED 中加一项"
    assert set(PLANTED) <= set(RULES)


@pytest.mark.parametrize("rule", sorted(PLANTED))
def test_planted_fault_is_found(rule: str) -> None:
    findings = PLANTED[rule]()
    mine = [f for f in findings if f.rule == rule]
    assert mine, [(f.rule, f.message) for f in findings]
    assert all(f.severity in RULES[rule].severities for f in mine)


def test_a_count_typed_as_words_in_the_workbook_is_r0_1(tmp_path: Path) -> None:
    path = write_workbook(clean_busy_report(), tmp_path / "青山镇.xlsx")
    spec = L.spec_by_path()["requests.new.natural_person"]
    book = load_workbook(path)
    book[spec.sheet][spec.cell] = "两件"
    book.save(path)
    found = [(f.rule, f.severity) for f in check_report(read_report(path))]
    assert ("R0-1", "error") in found


def test_a_label_written_differently_in_a_published_report_is_fd_8() -> None:
    from published_helpers import report_text

    text = report_text().replace("（二）部分公开", "（二）部份公开", 1)
    report = read_blocks(text_blocks(text), "报告", name_hint="报告")
    assert ("FD-8", "info") in [(f.rule, f.severity) for f in check_report(report)]


def _asserted_strings(tree: ast.AST) -> set[str]:
    """String constants inside assert statements and parametrize tables of a test module."""
    found: set[str] = set()
    roots: list[ast.AST] = [n for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    # "(found,) = [f for f in findings if …]" asserts exactly one such finding.
    roots += [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and any(isinstance(t, ast.Tuple) and len(t.elts) == 1 for t in n.targets)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize":
            roots.extend(node.args[1:])
        if isinstance(node, ast.AnnAssign | ast.Assign) and "PLANTED" in ast.unparse(node)[:40]:
            roots.append(node)
    for root in roots:
        for inner in ast.walk(root):
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                found.add(inner.value)
    return found


def test_every_registered_rule_is_asserted_by_some_test() -> None:
    asserted: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        if path.name == "test_rules.py":  # the registry's own tests name rules without planting them
            continue
        asserted |= _asserted_strings(ast.parse(path.read_text(encoding="utf-8")))
    # A constant names a rule when it is the id, or starts with it ("WB-3|…" in a joined form).
    named = {m[0] for text in asserted if (m := re.match(r"[A-Z][A-Z0-9]?-\d+(?!\d)", text))}
    missing = sorted(set(RULES) - named, key=lambda r: (r[:2], int(r.split("-")[1])))
    assert not missing, f"规则 {missing} 没有任何测试断言它被报告：请为它写一个植入错误的测试"
