"""Real published reports, read at run time from ../shared/reports/real (never copied here).

Each report comes with ``*.expected.json``: every figure as printed (``null`` where no cell
was printed, the fee as a decimal string). What gongkai reads must equal it cell for cell,
printed totals that disagree with their parts included, and the real faults must be found.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gongkai import check_report
from gongkai.model import Report
from gongkai.published import read_published
from gongkai.workbook import layout
from published_helpers import shared_report

REPORTS = (
    "02_hongze_qu_2023.pdf",
    "04_sanming_shi_2021.txt",
    "09_putian_chengguanju_2023.html",
    "13_pingtan_haitan_pianqu_2025.html",
    "20_pingtan_haitan_pianqu_2022.txt",  # the whole article on one line (issue 15 §1)
)
LEVELS = {
    "02_hongze_qu_2023.pdf": "县级政府",
    "04_sanming_shi_2021.txt": "市级政府",
    "09_putian_chengguanju_2023.html": "市级部门",
    "13_pingtan_haitan_pianqu_2025.html": "乡镇",
    "20_pingtan_haitan_pianqu_2022.txt": "乡镇",
}
# Older expected files name two figures of table 二 by short names; the spec's keys are these.
EXPECTED_KEY_ALIASES = {"proactive.coercion": "proactive.coercive_measures", "proactive.fees": "proactive.fees_wan_yuan"}


def _real(name: str) -> Path:
    return shared_report("real", name)


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def as_printed(report: Report, path: str) -> Any:
    """The figure at ``path`` as the report printed it: None when it printed no such cell
    (a value the reader inferred from other cells was not printed either)."""
    if path in report.provenance.unprinted or path in report.provenance.inferred:
        return None
    node: Any = report
    for part in path.split("."):
        node = getattr(node, part)
    return str(node) if isinstance(node, Decimal) else node


@pytest.mark.parametrize("name", REPORTS)
def test_real_report_reads_cell_for_cell(name: str) -> None:
    path = _real(name)
    expected = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json").read_text("utf-8"))
    report = read_published(path)
    assert (report.body.name, report.body.year) == (expected["body"], expected["year"])
    assert report.body.level == LEVELS[name]
    figures = {EXPECTED_KEY_ALIASES.get(p, p): v for p, v in _flat({k: expected[k] for k in ("proactive", "requests", "appeals")}).items()}
    # Every cell of tables 二, 三 and 四 is checked: the expected file names cells of the format
    # only, and a cell of the format it does not name (a row added since) was not printed, so it
    # reads as nothing or as 0.
    cells = [s.path for s in layout.cell_specs() if s.path.split(".")[0] in ("proactive", "requests", "appeals")]
    assert set(figures) <= set(cells)
    wrong = {p: (as_printed(report, p), v) for p, v in figures.items() if as_printed(report, p) != v}
    wrong |= {p: (as_printed(report, p), None) for p in cells if p not in figures and as_printed(report, p)}
    assert wrong == {}


def _errors(report: Report) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in check_report(report) if f.severity == "error"]


def test_hongze_appeal_totals_printed_0_are_r4_1() -> None:
    report = read_published(_real("02_hongze_qu_2023.pdf"))
    errors = _errors(report)
    assert ("R4-1", "appeals.administrative_review.total") in errors
    assert ("R4-1", "appeals.litigation_after_review.total") in errors
    # The undivided (六)其他处理 row is said once, and no rule reports on its three rows.
    deviations = [f for f in report.provenance.findings if "（六）其他处理" in f.message]
    assert [f.rule for f in deviations] == ["FD-6"]
    assert not any(f.rule == "R3-3" for f in check_report(report))


def test_pingtan_haitan_total_column_printed_0_is_r3_2() -> None:
    report = read_published(_real("13_pingtan_haitan_pianqu_2025.html"))
    errors = _errors(report)
    assert ("R3-2", "requests.new.total") in errors
    assert ("R3-2", "requests.results_total.total") in errors
    # Table 二 without a 规章 row: that row is unprinted and R2-1 stays silent.
    assert "proactive.regulations.in_force" in report.provenance.unprinted
    assert not any(f.rule == "R2-1" for f in check_report(report))


def test_sanming_crawler_text_is_rejoined_and_consistent() -> None:
    report = read_published(_real("04_sanming_shi_2021.txt"))
    deviations = {f.rule for f in report.provenance.findings}
    assert {"FD-11", "FD-12"} <= deviations
    assert "2021年" in report.overview.intro
    # A city government with 规章 in force is normal: no R2-1 at all.
    assert not any(f.rule == "R2-1" for f in check_report(report))
    assert not any(f.rule.startswith(("R3-", "R4-")) for f in check_report(report))
