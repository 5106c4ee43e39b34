"""Blank cells fold into findings a reader can use (issue 15 §4): a column blank throughout is
one finding naming the range, not one per cell — in check, audit and the portal alike, since
they all list the library's findings."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from gongkai import check_report, read_workbook
from gongkai import format as fmt
from gongkai.workbook import layout as L

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "dongcheng-2025.xlsx"
ROWS = [r for r in fmt.REQUEST_ROWS if r.kind != "results_total"]


def _blanked(tmp_path: Path, paths: list[str]) -> Path:
    wb = load_workbook(SAMPLE)
    ws = wb[L.SHEET_REQUESTS]
    for path in paths:
        ws[L.spec_by_path()[path].cell] = None
    out = tmp_path / "blank.xlsx"
    wb.save(out)
    return out


def _blank_findings(path: Path) -> list[str]:
    return [f.message for f in check_report(read_workbook(path)) if f.rule == "R0-3"]


def test_the_legal_person_columns_blank_throughout_are_one_finding(tmp_path: Path) -> None:
    legal = fmt.REQUEST_PART_COLUMNS[1:]
    path = _blanked(tmp_path, [f"requests.{r.key}.{c.key}" for r in ROWS for c in legal])
    (said,) = _blank_findings(path)
    assert f"“{legal[0].label}”至“{legal[-1].label}”{len(legal)} 栏全部空白" in said
    assert f"共 {len(legal) * len(ROWS)} 个单元格" in said


def test_a_row_blank_throughout_is_one_finding_and_a_single_cell_its_own(tmp_path: Path) -> None:
    row = ROWS[1]
    single = f"requests.{ROWS[0].key}.{fmt.REQUEST_PART_COLUMNS[2].key}"
    path = _blanked(tmp_path, [*(f"requests.{row.key}.{c.key}" for c in fmt.REQUEST_PART_COLUMNS), single])
    said = _blank_findings(path)
    assert len(said) == 2
    assert any(f"{fmt.request_row_label(row.key)}行 {len(fmt.REQUEST_PART_COLUMNS)} 栏全部空白" in m for m in said)
    assert any(fmt.REQUEST_PART_COLUMNS[2].label in m and "留空" in m for m in said)
