"""gongkai import: next year's workbook from last year's published report, or the same year's."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from gongkai import check_report, read_report, read_workbook, render_report, write_workbook
from gongkai import format as fmt
from gongkai.cli import app
from gongkai.errors import GongkaiError
from gongkai.importing import REFERENCE_MARK, import_next_year, import_same_year, next_year_report
from gongkai.workbook import layout as L
from published_helpers import report_text

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def published(tmp_path: Path) -> Path:
    text = report_text(requests={"carried_forward": [1, 0, 0, 0, 0, 0, 1]})
    path = tmp_path / "白沙镇2025.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_next_year_workbook_carries_last_year_and_keeps_its_text_only_as_reference(
    published: Path, tmp_path: Path
) -> None:
    out = import_next_year(published, tmp_path / "白沙镇2026.xlsx")
    report = read_workbook(out)
    assert (report.body.name, report.body.level, report.body.year) == ("白沙镇人民政府", "乡镇", 2026)
    assert [report.request("carried_over", c.key) for c in fmt.REQUEST_COLUMNS] == [1, 0, 0, 0, 0, 0, 1]
    assert report.last_year is not None
    assert report.last_year.year == 2025 and report.last_year.normative_documents_in_force == 5
    assert report.last_year.improvements.problems.startswith("一是信息更新")
    # Last year's words are not this year's text ...
    assert report.overview.requests == "" and report.improvements.problems == ""
    # ... but stand beside each narrative cell, clearly marked.
    wb = load_workbook(out)
    specs = L.spec_by_path()
    comment = wb[specs["overview.requests"].sheet][specs["overview.requests"].cell].comment
    assert comment is not None and comment.text.startswith(REFERENCE_MARK)
    assert "共收到政府信息公开申请6件" in comment.text
    problems = wb[specs["improvements.problems"].sheet][specs["improvements.problems"].cell].comment
    assert problems is not None and L.SHEET_LAST_YEAR in problems.text
    # The comments change nothing the reader reads.
    plain = tmp_path / "plain.xlsx"
    write_workbook(next_year_report(read_report(published)), plain)
    assert read_workbook(out) == read_workbook(plain)
    assert [f.rule for f in read_workbook(out).provenance.findings] == []


def test_next_year_checks_cross_year_from_the_carried_facts(published: Path, tmp_path: Path) -> None:
    out = import_next_year(published, tmp_path / "2026.xlsx", year=2026)
    report = read_workbook(out)
    report.requests.carried_over.natural_person = 0  # the clerk overwrites the carried figure
    assert "R3-4" in [f.rule for f in check_report(report)]


def test_same_year_workbook_has_every_figure_and_text_with_declared_totals(
    published: Path, tmp_path: Path
) -> None:
    original = read_report(published)
    out = import_same_year(published, tmp_path / "同年.xlsx")
    report = read_workbook(out)
    assert report.body == original.body
    assert report.requests == original.requests and report.appeals == original.appeals
    assert report.requests.new.total == 6  # declared, as printed
    assert report.overview == original.overview and report.improvements == original.improvements
    assert check_report(report) == []


def test_same_year_marks_cells_the_report_left_blank_or_never_printed(tmp_path: Path) -> None:
    text = report_text().replace("（一）予以公开\t3\t1\t0\t0\t0\t0\t4", "（一）予以公开\t3\t1\t\t\t\t\t4")
    text = text[: text.index("四、政府信息公开行政复议")]
    source = tmp_path / "partial.txt"
    source.write_text(text, encoding="utf-8")
    out = import_same_year(source, tmp_path / "partial.xlsx")
    wb = load_workbook(out)
    specs = L.spec_by_path()
    blank = specs["requests.granted.research"]
    assert "空白" in wb[blank.sheet][blank.cell].comment.text
    unprinted = specs["appeals.administrative_review.upheld"]
    assert "没有印出" in wb[unprinted.sheet][unprinted.cell].comment.text


def test_import_from_a_rendered_word_report(tmp_path: Path) -> None:
    sample = read_report(ROOT / "samples" / "dayu-2025.xlsx")
    docx = render_report(sample, tmp_path / "dayu.docx")
    out = import_next_year(docx, tmp_path / "dayu-2026.xlsx")
    report = read_workbook(out)
    assert report.body.name == "大峪镇人民政府" and report.body.year == 2026
    assert report.last_year is not None and report.last_year.year == 2025


def test_cli_import(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "next.xlsx"
    result = runner.invoke(app, ["import", str(published), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert read_workbook(out).body.year == 2026
    again = runner.invoke(app, ["import", str(published), "-o", str(out)])
    assert again.exit_code == 1 and "已存在" in again.output
    same = tmp_path / "same.xlsx"
    assert runner.invoke(app, ["import", str(published), "-o", str(same), "--same-year"]).exit_code == 0
    assert read_workbook(same).body.year == 2025
    with pytest.raises(GongkaiError):
        import_next_year(published, tmp_path / "old.xlsx", year=2024)
