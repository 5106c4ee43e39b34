"""Which table figures a finding rests on, so that figures a report never printed raise nothing.

A published report can stop half-way through table 三 or leave out table 四 altogether. Its
model still has those cells (as 0 or as a computed total), but they are placeholders: a rule
that compares them would report a fault the report does not have. The readers of published
reports list such cells in ``provenance.unprinted``; :func:`drop_unprinted` removes every
finding whose inputs include one of them. Workbooks and JSON never set it, so for them this
is a no-op.
"""

from __future__ import annotations

from .. import format as fmt
from ..findings import Finding
from ..model import Report
from ..rules import RULES

_PART_KEYS: tuple[str, ...] = tuple(c.key for c in fmt.REQUEST_PART_COLUMNS)
_APPEAL_PARTS: tuple[str, ...] = tuple(c.key for c in fmt.APPEAL_PART_COLUMNS)


def drop_unprinted(report: Report, findings: list[Finding]) -> list[Finding]:
    unprinted = report.provenance.unprinted
    if not unprinted:
        return findings
    return [f for f in findings if not (finding_inputs(report, f) & unprinted)]


def finding_inputs(report: Report, finding: Finding) -> set[str]:
    """Every table cell the rule behind ``finding`` read, computed totals expanded to their parts."""
    direct = _rule_inputs(finding)
    expanded: set[str] = set()
    for path in direct:
        expanded |= _expand(report, path)
    return expanded


def _rule_inputs(f: Finding) -> set[str]:
    # Each rule declares what it reads in the registry; an unregistered one is a KeyError.
    return RULES[f.rule].inputs_for(f.path)


def _expand(report: Report, path: str, depth: int = 0) -> set[str]:
    """``path`` and, when its value is computed rather than printed, the cells it is computed from."""
    found = {path}
    parts = path.split(".")
    if depth > 3 or len(parts) != 3:
        return found
    section, row, col = parts
    if section == "requests":
        if row == "results_total":
            if getattr(report.requests.results_total, col) is not None:
                return found
            if col == "total":
                sources = {f"requests.results_total.{c}" for c in _PART_KEYS}
            else:
                sources = {f"requests.{r}.{col}" for r in fmt.RESULT_ROW_KEYS}
        elif col == "total" and getattr(report.requests, row).total is None:
            sources = {f"requests.{row}.{c}" for c in _PART_KEYS}
        else:
            return found
    elif section == "appeals" and col == "total" and getattr(report.appeals, row).total is None:
        sources = {f"appeals.{row}.{c}" for c in _APPEAL_PARTS}
    else:
        return found
    for source in sources:
        found |= _expand(report, source, depth + 1)
    return found
