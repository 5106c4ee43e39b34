"""The standard workbook: what init writes, and how the reader treats what clerks type."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from gongkai import LAYOUT_VERSION, UnreadableInputError, check_report, read_workbook, write_workbook
from gongkai import format as fmt
from gongkai.workbook import layout as L


@pytest.fixture
def busy_xlsx(tmp_path, busy_report):
    return write_workbook(busy_report, tmp_path / "东城街道.xlsx")


def _set(path: Path, where: str, value) -> None:
    sheet, cell = where.split("!")
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def _findings(path: Path, rule: str):
    return [f for f in check_report(read_workbook(path)) if f.rule == rule]


def _cell(path: str) -> str:
    """The A1 address of a report path, from the layout (never written by hand here)."""
    return L.spec_by_path()[path].cell


def _at(path: str) -> str:
    """``sheet!cell`` of a report path, as the reader's findings name it."""
    return L.spec_by_path()[path].where


def _request_row(key: str) -> int:
    return L.REQUESTS_FIRST_ROW + [r.key for r in fmt.REQUEST_ROWS].index(key)


def _col(index: int) -> str:
    return get_column_letter(index)


# --- what init writes ---------------------------------------------------------------------


def test_sheets_version_and_protection(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    assert wb.sheetnames == list(L.SHEETS)
    assert wb[L.SHEET_README][L.VERSION_CELL].value == LAYOUT_VERSION
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert ws.protection.password is None
    spec = L.spec_by_path()["requests.new.natural_person"]
    cell = wb[spec.sheet][spec.cell]
    assert cell.protection.locked is False
    assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    label = wb[L.SHEET_REQUESTS].cell(_request_row("new"), 1)
    assert label.value == fmt.REQUEST_ROW_BY_KEY["new"].label and label.protection.locked is not False


def test_table_three_layout_matches_the_official_table(busy_xlsx):
    ws = load_workbook(busy_xlsx)[L.SHEET_REQUESTS]
    merged = {str(r) for r in ws.merged_cells.ranges}
    top, bottom = L.REQUESTS_HEADER_ROW, L.REQUESTS_FIRST_ROW - 1  # the three header rows
    first, last = L.REQUESTS_FIRST_COL, L.REQUESTS_FIRST_COL + len(fmt.REQUEST_COLUMNS) - 1
    parts_last = L.REQUESTS_FIRST_COL + len(fmt.REQUEST_PART_COLUMNS) - 1
    label_end = _col(fmt.REQUEST_LABEL_DEPTH)
    assert f"A{top}:{label_end}{bottom}" in merged and ws[f"A{top}"].value == fmt.REQUEST_CORNER_LABEL
    assert f"{_col(first)}{top}:{_col(last)}{top}" in merged
    assert ws.cell(top, first).value == fmt.REQUEST_APPLICANT_LABEL
    assert f"{_col(first + 1)}{top + 1}:{_col(parts_last)}{top + 1}" in merged
    assert ws.cell(top + 1, first + 1).value == fmt.REQUEST_LEGAL_PERSON_LABEL
    natural = fmt.REQUEST_COLUMNS[0]
    assert ws.cell(top + 1, first).value == natural.label and f"{_col(first)}{top + 1}:{_col(first)}{bottom}" in merged
    assert [ws.cell(bottom, c).value for c in range(first + 1, parts_last + 1)] == [
        c.label for c in fmt.REQUEST_PART_COLUMNS[1:]
    ]
    # 三、本年度办理结果 spans every row from （一） to （七）.
    results = (_request_row("granted"), _request_row("results_total"))
    assert ws.cell(results[0], 1).value == fmt.RESULTS_GROUP and f"A{results[0]}:A{results[1]}" in merged
    denied = (_request_row("denied_state_secret"), _request_row("denied_query_matter"))
    assert ws.cell(denied[0], 2).value == fmt.DENIED and f"B{denied[0]}:B{denied[1]}" in merged
    carried = _request_row("carried_forward")
    assert ws.cell(carried, 1).value == fmt.REQUEST_ROW_BY_KEY["carried_forward"].label
    assert f"A{carried}:{label_end}{carried}" in merged
    for lc in fmt.request_label_cells():  # every merged label cell the format derives
        r, c = L.REQUESTS_FIRST_ROW + lc.row, 1 + lc.col
        assert ws.cell(r, c).value == lc.text
        if lc.rowspan > 1 or lc.colspan > 1:
            assert f"{_col(c)}{r}:{_col(c + lc.colspan - 1)}{r + lc.rowspan - 1}" in merged, lc
    for i, row in enumerate(fmt.REQUEST_ROWS):
        texts = [ws.cell(L.REQUESTS_FIRST_ROW + i, c).value for c in range(1, fmt.REQUEST_LABEL_DEPTH + 1)]
        assert row.label in texts or row.label == ws.cell(L.REQUESTS_FIRST_ROW + i, 1).value


def test_totals_are_formulas_and_validation_is_set(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    ws = wb[L.SHEET_REQUESTS]
    parts = [c.key for c in fmt.REQUEST_PART_COLUMNS]
    new_parts = f"{_cell('requests.new.' + parts[0])}:{_cell('requests.new.' + parts[-1])}"
    assert ws[_cell("requests.new.total")].value == f"=SUM({new_parts})"
    results_total = ws[_cell("requests.results_total.natural_person")].value
    first_two = ",".join(_cell(f"requests.{k}.natural_person") for k in fmt.RESULT_ROW_KEYS[:2])
    assert results_total.startswith(f"=SUM({first_two},")
    assert results_total.endswith(f"{_cell(f'requests.{fmt.RESULT_ROW_KEYS[-1]}.natural_person')})")
    appeal_parts = [c.key for c in fmt.APPEAL_PART_COLUMNS]
    review = "appeals.administrative_review"
    expected = f"=SUM({_cell(f'{review}.{appeal_parts[0]}')}:{_cell(f'{review}.{appeal_parts[-1]}')})"
    assert wb[L.SHEET_APPEALS][_cell(f"{review}.total")].value == expected
    rules = {(dv.type, dv.operator) for dv in ws.data_validations.dataValidation}
    assert ("whole", "greaterThanOrEqual") in rules
    fee_dv = wb[L.SHEET_PROACTIVE].data_validations.dataValidation
    assert any(dv.type == "decimal" for dv in fee_dv)


def test_round_trip_is_lossless(busy_xlsx, busy_report):
    assert read_workbook(busy_xlsx) == busy_report


def test_declared_totals_survive_the_round_trip(tmp_path, busy_report):
    busy_report.requests.new.total = 99
    busy_report.appeals.administrative_review.total = 7
    path = write_workbook(busy_report, tmp_path / "d.xlsx")
    back = read_workbook(path)
    assert back.requests.new.total == 99 and back.appeals.administrative_review.total == 7
    assert back.requests.carried_over.total is None


def test_multi_paragraph_and_formula_like_text_stay_text(tmp_path, busy_report):
    busy_report.overview.management = "=SUM(A1)\n第二段 {{ x }} & <b>"
    path = write_workbook(busy_report, tmp_path / "t.xlsx")
    assert read_workbook(path).overview.management == "=SUM(A1)\n第二段 {{ x }} & <b>"


def test_libreoffice_opens_the_workbook(tmp_path, busy_xlsx, soffice):
    pdf = soffice(busy_xlsx, tmp_path)
    assert pdf.stat().st_size > 1000


# --- reading what clerks type -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12", 12), ("１２", 12), ("1,234", 1234), (" 7 ", 7), ("3　", 3), (5.0, 5), ("1，000", 1000)],
)
def test_numbers_as_clerks_type_them(busy_xlsx, typed, expected):
    _set(busy_xlsx, _at("proactive.licensing"), typed)
    report = read_workbook(busy_xlsx)
    assert report.proactive.licensing == expected
    assert not report.provenance.findings


def test_blank_means_zero_with_a_warning(busy_xlsx):
    _set(busy_xlsx, _at("requests.carried_over.research"), None)
    report = read_workbook(busy_xlsx)
    assert report.requests.carried_over.research == 0
    warnings = [f for f in check_report(report) if f.rule == "R0-3"]
    assert [w.location for w in warnings] == [_at("requests.carried_over.research")]
    assert warnings[0].severity == "warning"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [(-3, "负数"), ("-3", "负数"), (1.5, "小数"), ("2.5", "小数"), ("两件", "不是数字"), ("无", "不是数字"), ("=1+2", "公式")],
)
def test_bad_counts_are_errors_at_the_cell(busy_xlsx, typed, reason):
    _set(busy_xlsx, _at("requests.new.natural_person"), typed)
    found = _findings(busy_xlsx, "R0-1")
    assert len(found) == 1
    f = found[0]
    assert f.severity == "error" and f.location == _at("requests.new.natural_person")
    assert f.path == "requests.new.natural_person"
    assert reason in f.message
    assert "东城街道.xlsx" in f.message and "一、本年新收政府信息公开申请数量" in f.message and "自然人" in f.message


def test_every_bad_cell_is_reported_in_one_run(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    bad = {
        "requests.new.natural_person": ("两件", "R0-1"),
        "appeals.administrative_review.corrected": (-1, "R0-1"),
        "proactive.fees_wan_yuan": ("很多", "R0-2"),
    }
    for path, (value, _) in bad.items():
        spec = L.spec_by_path()[path]
        wb[spec.sheet][spec.cell] = value
    wb.save(busy_xlsx)
    report = read_workbook(busy_xlsx)
    where = {(f.rule, f.location) for f in report.provenance.findings}
    assert where == {(rule, _at(path)) for path, (_, rule) in bad.items()}


def test_fee_is_kept_exactly(tmp_path, busy_report):
    busy_report.proactive.fees_wan_yuan = Decimal("24252.311082")
    path = write_workbook(busy_report, tmp_path / "fee.xlsx")
    assert read_workbook(path).proactive.fees_wan_yuan == Decimal("24252.311082")
    fee = _at("proactive.fees_wan_yuan")
    _set(path, fee, "9116.36")
    assert str(read_workbook(path).proactive.fees_wan_yuan) == "9116.36"
    _set(path, fee, -1)
    assert [f.location for f in _findings(path, "R0-2")] == [fee]


def test_typed_total_is_declared_and_checked(busy_xlsx):
    _set(busy_xlsx, _at("requests.new.total"), 30)  # parts sum to 26
    report = read_workbook(busy_xlsx)
    assert report.requests.new.total == 30
    r32 = [f for f in check_report(report) if f.rule == "R3-2"]
    assert any(f.location == _at("requests.new.total") and "30" in f.message and "26" in f.message for f in r32)


def test_modified_total_formula_is_recomputed_with_a_warning(busy_xlsx):
    short = f"=SUM({_cell('requests.new.natural_person')}:{_cell(f'requests.new.{fmt.REQUEST_PART_COLUMNS[-2].key}')})"
    _set(busy_xlsx, _at("requests.new.total"), short)  # one part left out
    report = read_workbook(busy_xlsx)
    assert report.requests.new.total is None and report.request("new", "total") == 26
    assert [f.location for f in report.provenance.findings if f.rule == "WB-2"] == [_at("requests.new.total")]


def test_cached_formula_values_are_never_trusted(busy_xlsx, tmp_path):
    # Some WPS versions store a false cached 0 for every formula: rewrite the sheet XML so
    # that the new-requests total's formula carries <v>0</v>, and check the total is still computed.
    formula = b"<f>" + L.spec_by_path()["requests.new.total"].formula.lstrip("=").encode() + b"</f>"
    patched = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(busy_xlsx) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if formula in data:
                data = data.replace(formula + b"<v></v>", formula + b"<v>0</v>")
                data = data.replace(formula + b"</c>", formula + b"<v>0</v></c>")
                assert b"<v>0</v>" in data
            dst.writestr(item, data)
    assert read_workbook(patched).request("new", "total") == 26


def test_missing_name_and_bad_level_are_reported(busy_xlsx):
    _set(busy_xlsx, _at("body.name"), None)
    _set(busy_xlsx, _at("body.level"), "村")
    report = read_workbook(busy_xlsx)
    assert {(f.rule, f.location) for f in report.provenance.findings} == {
        ("WB-1", _at("body.name")),
        ("WB-1", _at("body.level")),
    }


def test_channel_rows_with_gaps_are_compacted(busy_xlsx):
    _set(busy_xlsx, _at("channels.website_breakdown.1.label"), None)  # clear the second website category
    _set(busy_xlsx, _at("channels.website_breakdown.1.count"), None)
    report = read_workbook(busy_xlsx)
    assert [i.label for i in report.channels.website_breakdown] == ["工作动态", "政策文件及解读", "财政预决算"]
    assert report.provenance.locate("channels.website_breakdown.1.count") == _at("channels.website_breakdown.2.count")


# --- unreadable input -----------------------------------------------------------------------


def _unreadable(path: Path) -> str:
    with pytest.raises(UnreadableInputError) as info:
        read_workbook(path)
    assert info.value.exit_code == 2
    return str(info.value)


def test_xls_file(tmp_path):
    path = tmp_path / "旧表.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    assert "旧表.xls" in (msg := _unreadable(path)) and ".xls" in msg and "另存为" in msg


def test_encrypted_file(tmp_path):
    path = tmp_path / "加密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le"))
    assert "密码" in _unreadable(path)


def test_corrupt_zip(tmp_path, busy_xlsx):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(busy_xlsx.read_bytes()[:3000])
    assert "坏.xlsx" in _unreadable(path)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "文本.xlsx"
    path.write_text("这不是表格", encoding="utf-8")
    assert "不是有效的 Excel" in _unreadable(path)


def test_missing_file(tmp_path):
    assert "找不到" in _unreadable(tmp_path / "没有.xlsx")


def test_some_other_workbook(tmp_path):
    path = tmp_path / "别的表.xlsx"
    wb = Workbook()
    wb.active.title = "工资表"
    wb.save(path)
    assert "不是 gongkai 标准填报表" in _unreadable(path)


def test_missing_sheet(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    del wb[L.SHEET_APPEALS]
    wb.save(busy_xlsx)
    msg = _unreadable(busy_xlsx)
    assert "四、复议诉讼" in msg and "东城街道.xlsx" in msg


def test_renamed_sheet(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    wb[L.SHEET_REQUESTS].title = "表三"
    wb.save(busy_xlsx)
    assert "三、依申请公开" in _unreadable(busy_xlsx)


def test_other_template_version(busy_xlsx):
    _set(busy_xlsx, f"{L.SHEET_README}!{L.VERSION_CELL}", "gongkai-2019.1")
    msg = _unreadable(busy_xlsx)
    assert "gongkai-2019.1" in msg and LAYOUT_VERSION in msg


def test_xml_bomb_is_refused(tmp_path, busy_xlsx):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>'
    )
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(busy_xlsx) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, bomb if item.filename == "xl/workbook.xml" else src.read(item.filename))
    assert "bomb.xlsx" in _unreadable(path)


def test_reading_never_modifies_the_input(busy_xlsx, tmp_path):
    before = hashlib.sha256(busy_xlsx.read_bytes()).hexdigest()
    copy = tmp_path / "copy.xlsx"
    shutil.copy(busy_xlsx, copy)
    read_workbook(busy_xlsx)
    assert hashlib.sha256(busy_xlsx.read_bytes()).hexdigest() == before
