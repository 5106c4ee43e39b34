"""Text people supply never becomes a formula in a workbook gongkai writes (issue 8, part 2).

Each writer gets a folder, body, narrative or file name starting with ``=``, ``+``, ``-`` or
``@`` and must store it as a string cell (``t="s"``), marked quotePrefix, value verbatim; the
workbook reader must read it back as the same text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from typer.testing import CliRunner

from conftest import synthetic
from gongkai import read_workbook, write_workbook
from gongkai.audit import audit, write_audit
from gongkai.batch import run_batch
from gongkai.cli import app
from gongkai.county import distribute
from gongkai.importing import import_next_year, import_same_year
from gongkai.jsonio import write_json
from gongkai.workbook import layout as L
from gongkai.xlsx_text import FORMULA_STARTS, append_row, put, put_value
from published_helpers import OVERVIEW, PROBLEMS, report_text

runner = CliRunner()
HOSTILE_NAME = '=HYPERLINK("http://example.invalid/","点我")'
HOSTILE_SHORT = "@东山"
FORMULA_FILE = "=1+2.xlsx"


def _assert_text(cell: Cell, expected: str) -> None:
    assert cell.value == expected, (cell.coordinate, cell.value)
    assert cell.data_type == "s", (cell.coordinate, cell.data_type)
    assert cell.quotePrefix, cell.coordinate


def _cells_with(ws, text: str) -> list[Cell]:
    return [c for row in ws.iter_rows() for c in row if c.value == text]


def _no_formulas(path: Path) -> None:
    """No cell of any sheet is a formula (the summary and audit workbooks hold none)."""
    wb = load_workbook(path)
    formulas = [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


# --- the helper -----------------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_starting_like_a_formula_is_stored_as_text(tmp_path: Path, start: str) -> None:
    wb = Workbook()
    ws = wb.active
    put(ws, 1, 1, f"{start}1+2")
    append_row(ws, [f"{start}SUM(A1:A9)", 7, None, "普通文字"])
    wb.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    _assert_text(ws["A1"], f"{start}1+2")
    _assert_text(ws["A2"], f"{start}SUM(A1:A9)")
    assert (ws["B2"].value, ws["B2"].data_type) == (7, "n")
    assert ws["D2"].value == "普通文字" and not ws["D2"].quotePrefix


def test_ordinary_values_are_written_exactly_as_openpyxl_writes_them() -> None:
    ws = Workbook().active
    for value in ("大峪镇人民政府", "—", "１２", "'=x", 3, 2.5, None):
        plain, ours = Cell(ws, value=value), put_value(Cell(ws), value)
        assert (ours.value, ours.data_type, ours.style_id) == (plain.value, plain.data_type, plain.style_id)


def test_characters_xml_cannot_hold_are_dropped() -> None:
    cell = put_value(Cell(Workbook().active), "=a\x00b\x1fc\ufffe")
    assert cell.value == "=abc" and cell.data_type == "s"


# --- every writer ---------------------------------------------------------------------------


def test_batch_summary_keeps_names_and_file_names_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "收齐"
    synthetic.write_county(folder, 2)
    hostile = synthetic.make_report(5)
    hostile.body.name, hostile.body.short_name = HOSTILE_NAME, HOSTILE_SHORT
    hostile.overview.management = "-" + hostile.overview.management
    hostile.requests.new.total = 999  # a finding, so the body has rows in 问题清单
    write_workbook(hostile, folder / FORMULA_FILE)
    twin = synthetic.make_report(0)  # the same body as 00000-*.xlsx: a duplicate message naming files
    write_workbook(twin, folder / "+重报.xlsx")
    (folder / "@坏.xlsx").write_bytes(b"PK\x03\x04 broken")

    result = run_batch(folder, tmp_path / "out", jobs=1)
    by_file = {r.source.name: r for r in result.results}
    assert by_file[FORMULA_FILE].status == "refused" and by_file["@坏.xlsx"].status == "unreadable"
    assert by_file["+重报.xlsx"].status == "duplicate"
    duplicate_message = by_file["+重报.xlsx"].message
    assert duplicate_message.startswith("+重报.xlsx")

    path = result.summary_path
    assert path is not None
    _no_formulas(path)
    wb = load_workbook(path)
    bodies = wb["汇总"]
    for text in (FORMULA_FILE, HOSTILE_NAME, "@坏.xlsx", "+重报.xlsx", duplicate_message):
        found = _cells_with(bodies, text)
        assert found, text
        for cell in found:
            _assert_text(cell, text)
    findings = wb["问题清单"]
    for text in (FORMULA_FILE, HOSTILE_NAME, "+重报.xlsx", duplicate_message):
        found = _cells_with(findings, text)
        assert found, text
        for cell in found:
            _assert_text(cell, text)
    labels = _cells_with(wb["图表"], HOSTILE_SHORT)
    assert labels and all(c.column == 1 for c in labels)
    for cell in labels:
        _assert_text(cell, HOSTILE_SHORT)
    # The planted fault is caught, not the wrong thing: the same body with an ordinary name
    # gives no quotePrefix anywhere.
    plain_cells = [c for row in bodies.iter_rows() for c in row if isinstance(c.value, str) and c.quotePrefix]
    assert {c.value for c in plain_cells} <= {FORMULA_FILE, HOSTILE_NAME, "@坏.xlsx", "+重报.xlsx", duplicate_message}


def test_audit_workbook_keeps_file_names_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "已发布"
    folder.mkdir()
    (folder / "=1+2.txt").write_text(report_text(requests={"new": [5, 1, 0, 0, 0, 0, 7]}), encoding="utf-8")
    (folder / "-坏.txt").write_text("随便写的几行字\n", encoding="utf-8")
    out = write_audit(audit(folder), tmp_path / "核对结果.xlsx")
    _no_formulas(out)
    wb = load_workbook(out)
    for sheet in ("汇总", "问题清单"):
        for name in ("=1+2.txt", "-坏.txt"):
            found = _cells_with(wb[sheet], name)
            assert found, (sheet, name)
            for cell in found:
                _assert_text(cell, name)


def _hostile_report():
    report = synthetic.make_report(3)
    report.body.name, report.body.short_name = HOSTILE_NAME, HOSTILE_SHORT
    report.overview.requests = "=1+2"
    report.improvements.problems = "+" + report.improvements.problems
    report.other_matters.processing_fee_statement = "@" + report.other_matters.processing_fee_statement
    report.preamble.phone = "-0391-1234567"
    report.channels.new_media[0].name = "=公众号"
    return report


def test_init_from_json_keeps_every_text_cell_as_text_and_reads_it_back(tmp_path: Path) -> None:
    report = _hostile_report()
    source = write_json(report, tmp_path / "hostile.json")
    out = tmp_path / "填报表.xlsx"
    result = runner.invoke(app, ["init", "--from", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    specs = L.spec_by_path()
    for path, text in (
        ("body.name", HOSTILE_NAME),
        ("body.short_name", HOSTILE_SHORT),
        ("overview.requests", "=1+2"),
        ("improvements.problems", report.improvements.problems),
        ("other_matters.processing_fee_statement", report.other_matters.processing_fee_statement),
        ("preamble.phone", "-0391-1234567"),
        ("channels.new_media.0.name", "=公众号"),
    ):
        spec = specs[path]
        _assert_text(wb[spec.sheet][spec.cell], text)
    again = read_workbook(out)
    assert again.provenance.findings == []
    assert again.body.name == HOSTILE_NAME and again.body.short_name == HOSTILE_SHORT
    assert again.overview.requests == "=1+2"
    assert again.improvements.problems == report.improvements.problems
    assert again.preamble.phone == "-0391-1234567"
    assert again.channels.new_media[0].name == "=公众号"


def test_distributed_workbooks_keep_names_from_the_list_as_text(tmp_path: Path) -> None:
    orgs = tmp_path / "单位名单.csv"
    with orgs.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["机关全称", "简称", "层级", "所属县（市、区）"])
        writer.writerow([HOSTILE_NAME, HOSTILE_SHORT, "乡镇", "+示例县"])
    result = distribute(orgs, tmp_path / "分发", 2025)
    (written,) = result.written
    wb = load_workbook(written)
    specs = L.spec_by_path()
    for path, text in (("body.name", HOSTILE_NAME), ("body.short_name", HOSTILE_SHORT), ("body.parent", "+示例县")):
        _assert_text(wb[specs[path].sheet][specs[path].cell], text)
    assert read_workbook(written).body.name == HOSTILE_NAME


def _hostile_published(tmp_path: Path) -> tuple[Path, str, str]:
    management = OVERVIEW["（三）政府信息管理情况"]
    text = report_text().replace(management, "=1+2" + management).replace(PROBLEMS, "-" + PROBLEMS)
    path = tmp_path / "白沙镇2025.txt"
    path.write_text(text, encoding="utf-8")
    return path, "=1+2" + management, "-" + PROBLEMS


def test_import_same_year_keeps_narrative_as_text(tmp_path: Path) -> None:
    source, management, problems = _hostile_published(tmp_path)
    out = import_same_year(source, tmp_path / "同年.xlsx")
    wb = load_workbook(out)
    specs = L.spec_by_path()
    for path, text in (("overview.management", management), ("improvements.problems", problems)):
        _assert_text(wb[specs[path].sheet][specs[path].cell], text)
    report = read_workbook(out)
    assert report.overview.management == management
    assert report.improvements.problems == problems


def test_import_next_year_keeps_last_years_text_as_text(tmp_path: Path) -> None:
    source, _, problems = _hostile_published(tmp_path)
    out = import_next_year(source, tmp_path / "下年.xlsx")
    wb = load_workbook(out)
    spec = L.spec_by_path()["last_year.improvements.problems"]
    _assert_text(wb[spec.sheet][spec.cell], problems)
    last = read_workbook(out).last_year
    assert last is not None and last.improvements.problems == problems


def test_text_that_looks_like_an_excel_escape_round_trips(tmp_path: Path) -> None:
    # A person typed "_x000D_": Excel stores it as "_x005F_x000D_" and so must we, or every
    # reader (ours decodes escapes) would show a line break instead.
    report = synthetic.make_report(2)
    report.overview.platforms = "=栏目编号_x000D_与_x0041_"
    report.body.short_name = "南山镇_x005F_"
    out = write_workbook(report, tmp_path / "escape.xlsx")
    specs = L.spec_by_path()
    spec = specs["overview.platforms"]
    _assert_text(load_workbook(out)[spec.sheet][spec.cell], "=栏目编号_x005F_x000D_与_x005F_x0041_")
    again = read_workbook(out)
    assert again.overview.platforms == "=栏目编号_x000D_与_x0041_"
    assert again.body.short_name == "南山镇_x005F_"
