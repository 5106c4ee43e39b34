"""The consistency rules of FORMAT.md §3, applied to a :class:`~gongkai.model.Report`.

``check_report(report, previous=None)`` returns every finding, sorted: errors first, then by
rule id; within a rule, the reader's own findings come first, then the order found.

- :mod:`.tables`: R0-2, R0-3, R2-1, R3-1, R3-2, R3-3, R3-5, R4-1
- :mod:`.narrative`: R0-4, RN-1 … RN-9, RN-11 … RN-13 (figures in the staff's text)
- :mod:`.crossyear`: R3-4, R2-2, R2-3, RN-10 (only with last year's report)
- :mod:`gongkai.textfigures` (outside this package, readers use it too): figures in Chinese report text
- :mod:`.printed`: which figures a finding rests on (none may be one a report never printed)

Every rule is declared in :mod:`gongkai.rules`; a finding naming any other rule, or a severity
its rule does not declare, raises :class:`~gongkai.rules.RuleRegistryError`.
"""

from __future__ import annotations

from ..findings import Finding, sort_findings
from ..model import Report
from ..rules import check_registered
from .crossyear import check_cross_year
from .narrative import check_narrative
from .printed import drop_unprinted
from .tables import check_blank_cells, check_tables

__all__ = ["check_cross_year", "check_narrative", "check_report", "check_tables"]


def check_report(report: Report, previous: Report | None = None) -> list[Finding]:
    """Every finding about ``report``.

    Cross-year rules run against ``previous`` (last year's report) when given, otherwise
    against the 上年数据 carried in the report itself (``report.last_year``). A finding that
    depends on a figure the report never printed (``provenance.unprinted``, set by the
    published-report readers) is not reported: its model value is only a placeholder.
    """
    findings = [_as_finding(f) for f in report.provenance.findings]
    findings += check_blank_cells(report, findings)
    findings += check_tables(report)
    findings += check_narrative(report)
    last = report.previous_year(previous)
    if last is not None:
        findings += check_cross_year(report, last)
    check_registered(findings)
    return sort_findings(drop_unprinted(report, findings))


def _as_finding(item: object) -> Finding:
    # Readers record Finding objects; accept their dict form too (e.g. from JSON).
    return item if isinstance(item, Finding) else Finding.model_validate(item)
