"""Findings: what a check (or a reader) says about a report."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


class Finding(BaseModel):
    """One problem found in a report, with a stable rule id from the spec."""

    rule: str = Field(..., title="规则编号", examples=["R3-1"])
    severity: Severity = Field(..., title="严重程度")
    message: str = Field(..., title="说明")
    hint: str = Field("", title="修改建议")
    path: str = Field("", title="数据路径", examples=["requests.new.total"])
    location: str = Field("", title="位置", examples=["三、依申请公开!I7"])

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]


def rule_key(rule: str) -> tuple[str | int, ...]:
    """Natural order of rule ids: R3-2 before R3-10, RN-8 before RN-11."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", rule))


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by rule id; stable so equal findings keep the order they were found."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], rule_key(f.rule)))


class FindingCounts:
    """Error and warning counts for anything that holds ``findings`` (a batch body, an audited report)."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
