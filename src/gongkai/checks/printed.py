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

_PART_KEYS: tuple[str, ...] = tuple(c.key for c in fmt.REQUEST_PART_COLUMNS)
_ALL_KEYS: tuple[str, ...] = tuple(c.key for c in fmt.REQUEST_COLUMNS)
_APPEAL_PARTS: tuple[str, ...] = tuple(c.key for c in fmt.APPEAL_PART_COLUMNS)
_COUNT_ROWS: tuple[str, ...] = ("new", "carried_over", "results_total", "carried_forward")


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


def _row_cells(row: str) -> set[str]:
    return {f"requests.{row}.{c}" for c in _ALL_KEYS}


def _column(col: str, rows: tuple[str, ...]) -> set[str]:
    return {f"requests.{r}.{col}" for r in rows}


def _rule_inputs(f: Finding) -> set[str]:
    rule, path = f.rule, f.path
    parts = path.split(".")
    if rule in ("R0-3", "R2-1"):
        return {path}
    if rule == "R0-2":
        return {"proactive.fees_wan_yuan"}
    if rule in ("R2-2", "R2-3"):
        return {f"proactive.normative_documents.{k}" for k in fmt.DOCUMENT_FIELDS}
    if rule == "R3-1" and len(parts) == 3:
        col = parts[2]
        cells = _column(col, _COUNT_ROWS)
        # The rule also weighs the columns as they would be with every total summed.
        if col == "total":
            for row in _COUNT_ROWS:
                cells |= _row_cells(row)
        return cells | _column(col, fmt.RESULT_ROW_KEYS)
    if rule == "R3-2" and len(parts) == 3:
        row = parts[1]
        cells = _row_cells(row)
        if row == "results_total":
            for result in fmt.RESULT_ROW_KEYS:
                cells |= _row_cells(result)
        return cells
    if rule == "R3-3" and len(parts) == 3:
        return _column(parts[2], (*fmt.RESULT_ROW_KEYS, "results_total"))
    if rule in ("R3-4", "R3-5") and len(parts) == 3:
        return {path}
    if rule == "R4-1" and len(parts) == 3:
        return {f"appeals.{parts[1]}.{c}" for c in (*_APPEAL_PARTS, "total")}
    # Narrative rules: the table cell the stated figure is compared with.
    narrative = {
        "RN-1": {"requests.new.total", "requests.carried_over.total"},
        "RN-2": {"requests.carried_over.total"},
        "RN-3": {"requests.results_total.total"},
        "RN-4": {"requests.carried_forward.total"},
        "RN-5": {"requests.new.total"},
        "RN-6": {f"appeals.{g.key}.total" for g in fmt.APPEAL_GROUPS},
    }
    return narrative.get(rule, set())


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
