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


def test_one_columns_blanks_in_several_rows_are_one_finding(tmp_path: Path) -> None:
    column = fmt.REQUEST_PART_COLUMNS[0]
    rows = ROWS[2:6]
    path = _blanked(tmp_path, [f"requests.{r.key}.{column.key}" for r in rows])
    (said,) = _blank_findings(path)
    assert f"“{column.label}”栏有 {len(rows)} 行空白" in said and "等" in said


def test_a_partial_report_is_folded_on_the_rows_it_printed() -> None:
    """大营镇's crawled page stops after table 三's 13th row, its 法人 columns blank in every
    row it printed and 自然人 blank in seven: two findings, not ten."""
    from gongkai import read_report

    report = read_report(Path(__file__).resolve().parents[2] / "shared" / "reports" / "daying-2023-partial.txt")
    said = [f.message for f in check_report(report) if f.rule == "R0-3"]
    legal = fmt.REQUEST_PART_COLUMNS[1:]
    assert len(said) == 2, said
    assert any(f"“{legal[0].label}”至“{legal[-1].label}”{len(legal)} 栏全部空白" in m for m in said)
    assert any(f"“{fmt.REQUEST_PART_COLUMNS[0].label}”栏有 7 行空白" in m for m in said)


# --- FD-4: blank totals of a published report fold the same way ----------------------------


def _published_with_blanks(columns: set[int], *, appeal_totals: bool = False) -> str:
    """白沙镇's published report with the given figure columns of table 三 (0 = 自然人) blank
    in every row, and table 四's five 总计 cells blank if asked."""
    from published_helpers import APPEALS, appeal_lines, report_text

    text = report_text()
    lines = []
    for line in text.splitlines():
        cells = line.split("\t")
        if len(cells) == 1 + len(fmt.REQUEST_COLUMNS) and cells[0] != fmt.REQUEST_CORNER_LABEL:
            cells = [cells[0], *("" if i in columns else c for i, c in enumerate(cells[1:]))]
        lines.append("\t".join(cells))
    text = "\n".join(lines) + "\n"
    if appeal_totals:
        figures = appeal_lines()[-1]
        blanked = ["" if (i + 1) % len(fmt.APPEAL_COLUMNS) == 0 else str(n) for i, n in enumerate(APPEALS)]
        text = text.replace(figures, "\t".join(blanked))
    return text


def _fd4(text: str) -> list[str]:
    from gongkai.published import read_blocks
    from gongkai.published.from_text import text_blocks

    report = read_blocks(text_blocks(text), "报告", name_hint="报告")
    return [f.message for f in report.provenance.findings if f.rule == "FD-4"]


def test_legal_person_columns_blank_throughout_are_one_blank_total_finding() -> None:
    # （七）总计's cells are totals: its five blank 法人 cells are one finding, not five.
    legal = fmt.REQUEST_PART_COLUMNS[1:]
    (said,) = _fd4(_published_with_blanks({1, 2, 3, 4, 5}))
    assert f"（七）总计）“{legal[0].label}”至“{legal[-1].label}”{len(legal)} 栏空白" in said


def test_a_blank_total_column_is_one_finding_naming_its_rows() -> None:
    total = len(fmt.REQUEST_COLUMNS) - 1
    (said,) = _fd4(_published_with_blanks({total}))
    rows = [r for r in fmt.REQUEST_ROWS]
    assert "表三“总计”栏第" in said and f"（共 {len(rows)} 个单元格）" in said


def test_table_four_s_blank_totals_are_one_finding() -> None:
    (said,) = _fd4(_published_with_blanks(set(), appeal_totals=True))
    assert said.startswith("表四第") and f"共 {len(fmt.APPEAL_GROUPS)} 栏空白" in said
