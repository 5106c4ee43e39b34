"""The standard workbook: what init writes, and how the reader treats what clerks type."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

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
    label = wb[L.SHEET_REQUESTS]["A6"]
    assert label.value == "一、本年新收政府信息公开申请数量" and label.protection.locked is not False


def test_table_three_layout_matches_the_official_table(busy_xlsx):
    ws = load_workbook(busy_xlsx)[L.SHEET_REQUESTS]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A3:C5" in merged and ws["A3"].value == fmt.REQUEST_CORNER_LABEL
    assert "D3:J3" in merged and ws["D3"].value == "申请人情况"
    assert "E4:I4" in merged and ws["E4"].value == "法人或其他组织"
    assert ws["D4"].value == "自然人" and "D4:D5" in merged
    assert [ws.cell(5, c).value for c in range(5, 10)] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    # 三、本年度办理结果 spans the 22 rows from （一） to （七）.
    assert ws["A8"].value == "三、本年度办理结果" and "A8:A29" in merged
    assert ws["B10"].value == "（三）不予公开" and "B10:B17" in merged
    assert ws["A30"].value == "四、结转下年度继续办理" and "A30:C30" in merged
    for i, row in enumerate(fmt.REQUEST_ROWS):
        texts = [ws.cell(L.REQUESTS_FIRST_ROW + i, c).value for c in range(1, 4)]
        assert row.label in texts or row.label == ws.cell(L.REQUESTS_FIRST_ROW + i, 1).value


def test_totals_are_formulas_and_validation_is_set(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    ws = wb[L.SHEET_REQUESTS]
    assert ws["J6"].value == "=SUM(D6:I6)"
    assert ws["D29"].value.startswith("=SUM(D8,D9,") and ws["D29"].value.endswith("D28)")
    assert wb[L.SHEET_APPEALS]["E6"].value == "=SUM(A6:D6)"
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
    _set(busy_xlsx, "二、主动公开!B9", typed)  # 行政许可
    report = read_workbook(busy_xlsx)
    assert report.proactive.licensing == expected
    assert not report.provenance.findings


def test_blank_means_zero_with_a_warning(busy_xlsx):
    _set(busy_xlsx, "三、依申请公开!F7", None)
    report = read_workbook(busy_xlsx)
    assert report.requests.carried_over.research == 0
    warnings = [f for f in check_report(report) if f.rule == "R0-3"]
    assert [w.location for w in warnings] == ["三、依申请公开!F7"]
    assert warnings[0].severity == "warning"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [(-3, "负数"), ("-3", "负数"), (1.5, "小数"), ("2.5", "小数"), ("两件", "不是数字"), ("无", "不是数字"), ("=1+2", "公式")],
)
def test_bad_counts_are_errors_at_the_cell(busy_xlsx, typed, reason):
    _set(busy_xlsx, "三、依申请公开!D6", typed)
    found = _findings(busy_xlsx, "R0-1")
    assert len(found) == 1
    f = found[0]
    assert f.severity == "error" and f.location == "三、依申请公开!D6" and f.path == "requests.new.natural_person"
    assert reason in f.message
    assert "东城街道.xlsx" in f.message and "一、本年新收政府信息公开申请数量" in f.message and "自然人" in f.message


def test_every_bad_cell_is_reported_in_one_run(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    wb[L.SHEET_REQUESTS]["D6"] = "两件"
    wb[L.SHEET_APPEALS]["B6"] = -1
    wb[L.SHEET_PROACTIVE]["B16"] = "很多"
    wb.save(busy_xlsx)
    report = read_workbook(busy_xlsx)
    where = {(f.rule, f.location) for f in report.provenance.findings}
    assert where == {("R0-1", "三、依申请公开!D6"), ("R0-1", "四、复议诉讼!B6"), ("R0-2", "二、主动公开!B16")}


def test_fee_is_kept_exactly(tmp_path, busy_report):
    busy_report.proactive.fees_wan_yuan = Decimal("24252.311082")
    path = write_workbook(busy_report, tmp_path / "fee.xlsx")
    assert read_workbook(path).proactive.fees_wan_yuan == Decimal("24252.311082")
    _set(path, "二、主动公开!B16", "9116.36")
    assert str(read_workbook(path).proactive.fees_wan_yuan) == "9116.36"
    _set(path, "二、主动公开!B16", -1)
    assert [f.location for f in _findings(path, "R0-2")] == ["二、主动公开!B16"]


def test_typed_total_is_declared_and_checked(busy_xlsx):
    _set(busy_xlsx, "三、依申请公开!J6", 30)  # parts sum to 26
    report = read_workbook(busy_xlsx)
    assert report.requests.new.total == 30
    r32 = [f for f in check_report(report) if f.rule == "R3-2"]
    assert any(f.location == "三、依申请公开!J6" and "30" in f.message and "26" in f.message for f in r32)


def test_modified_total_formula_is_recomputed_with_a_warning(busy_xlsx):
    _set(busy_xlsx, "三、依申请公开!J6", "=SUM(D6:H6)")
    report = read_workbook(busy_xlsx)
    assert report.requests.new.total is None and report.request("new", "total") == 26
    assert [f.location for f in report.provenance.findings if f.rule == "WB-2"] == ["三、依申请公开!J6"]


def test_cached_formula_values_are_never_trusted(busy_xlsx, tmp_path):
    # Some WPS versions store a false cached 0 for every formula: rewrite the sheet XML so
    # that J6's formula carries <v>0</v>, and check the total is still computed.
    patched = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(busy_xlsx) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if b"<f>SUM(D6:I6)</f>" in data:
                data = data.replace(b"<f>SUM(D6:I6)</f><v></v>", b"<f>SUM(D6:I6)</f><v>0</v>")
                data = data.replace(b"<f>SUM(D6:I6)</f></c>", b"<f>SUM(D6:I6)</f><v>0</v></c>")
                assert b"<v>0</v>" in data
            dst.writestr(item, data)
    assert read_workbook(patched).request("new", "total") == 26


def test_missing_name_and_bad_level_are_reported(busy_xlsx):
    _set(busy_xlsx, "基本信息!B3", None)
    _set(busy_xlsx, "基本信息!B5", "村")
    report = read_workbook(busy_xlsx)
    assert {(f.rule, f.location) for f in report.provenance.findings} == {
        ("WB-1", "基本信息!B3"),
        ("WB-1", "基本信息!B5"),
    }


def test_channel_rows_with_gaps_are_compacted(busy_xlsx):
    _set(busy_xlsx, "一、总体情况!B14", None)  # clear the second website category
    _set(busy_xlsx, "一、总体情况!C14", None)
    report = read_workbook(busy_xlsx)
    assert [i.label for i in report.channels.website_breakdown] == ["工作动态", "政策文件及解读", "财政预决算"]
    assert report.provenance.locate("channels.website_breakdown.1.count") == "一、总体情况!C15"


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
