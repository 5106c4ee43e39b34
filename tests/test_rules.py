"""The rule registry (gongkai.rules) is the one list of rules, and everything agrees with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.checks import check_report
from gongkai.findings import Finding
from gongkai.model import Report
from gongkai.published import DEVIATIONS
from gongkai.rendering import UNFORCEABLE_RULES
from gongkai.rules import README_TABLES, RULES, RuleRegistryError, markdown_table, readme_block, rules_in

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", sorted(README_TABLES))
def test_readme_holds_exactly_the_registrys_table(name: str) -> None:
    assert readme_block(name) in README.read_text(encoding="utf-8"), (
        f"README 的 {name} 表与 gongkai.rules 不一致：运行 python -m gongkai.rules 重写"
    )


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_has_its_line_in_the_readme(rule: str) -> None:
    text = README.read_text(encoding="utf-8")
    tables = "".join(markdown_table(name) for name in README_TABLES)
    line = next(line for line in tables.splitlines() if line.startswith(f"| {rule} |"))
    assert line in text


def test_unforceable_rules_are_the_registrys() -> None:
    assert {r.id for r in RULES.values() if not r.forceable} == UNFORCEABLE_RULES
    assert {"R0-1", "R0-2", "WB-1"} == UNFORCEABLE_RULES


def test_format_deviations_are_registered() -> None:
    assert set(DEVIATIONS) == {r.id for r in rules_in("published")}


def test_every_rule_declares_its_inputs_and_a_known_severity() -> None:
    for rule in RULES.values():
        assert rule.severities and len(set(rule.severities)) == len(rule.severities), rule.id
        assert rule.description and "\n" not in rule.description, rule.id


def _with_reader_finding(rule: str, severity: str) -> Report:
    report = Report.model_validate({"body": {"name": "青山镇人民政府", "level": "乡镇", "year": 2025}})
    report.provenance.findings.append(Finding(rule=rule, severity=severity, message="试验"))  # type: ignore[arg-type]
    return report


def test_a_finding_of_an_unregistered_rule_is_refused_loudly() -> None:
    with pytest.raises(RuleRegistryError, match="unregistered rule 'R9-9'"):
        check_report(_with_reader_finding("R9-9", "error"))


def test_a_finding_with_a_severity_its_rule_does_not_declare_is_refused() -> None:
    with pytest.raises(RuleRegistryError, match="R3-1 finding has severity 'info'"):
        check_report(_with_reader_finding("R3-1", "info"))


def test_inputs_follow_the_findings_path() -> None:
    assert RULES["R0-3"].inputs_for("requests.new.research") == {"requests.new.research"}
    assert RULES["R4-1"].inputs_for("appeals.litigation_direct.total") == {
        f"appeals.litigation_direct.{c}" for c in ("upheld", "corrected", "other", "pending", "total")
    }
    assert RULES["R3-3"].inputs_for("narrative.summary") == set()
    assert "requests.new.research" in RULES["R3-1"].inputs_for("requests.results_total.total")
    assert "requests.new.research" not in RULES["R3-1"].inputs_for("requests.results_total.other")
