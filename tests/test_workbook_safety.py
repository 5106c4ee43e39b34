"""Opening packages safely: Excel's _xHHHH_ escapes, entity and zip bombs in any part, uploads.

Every fixture is built here from a workbook that ``write_workbook`` made, by rewriting its raw
XML the way Excel, WPS or an attacker would write it.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from conftest import synthetic
from gongkai import (
    UnreadableInputError,
    check_report,
    read_report,
    read_workbook,
    render_report,
    write_workbook,
)
from gongkai import format as fmt
from gongkai import package as pkg
from gongkai.cli import app
from gongkai.county import read_orgs
from gongkai.jsonio import report_to_json
from gongkai.textutil import workbook_text
from gongkai.workbook import layout as L

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SHARED_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>'
)


@pytest.fixture
def busy_xlsx(tmp_path, busy_report):
    return write_workbook(busy_report, tmp_path / "东城街道.xlsx")


def _part(sheet: str) -> str:
    return f"xl/worksheets/sheet{L.SHEETS.index(sheet) + 1}.xml"


def _rewrite(src: Path, dst: Path, changes: dict[str, bytes]) -> Path:
    """A copy of the package with members replaced or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, changes.get(item.filename, zin.read(item.filename)))
        for name, data in changes.items():
            if name not in zin.namelist():
                zout.writestr(name, data)
    return dst


def _member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def _unreadable(source, **kwargs) -> str:
    with pytest.raises(UnreadableInputError) as info:
        read_report(source, **kwargs)
    assert info.value.exit_code == 2
    return str(info.value)


# --- Excel's _xHHHH_ escapes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("第一段。_x000D_\n第二段。", "第一段。\n第二段。"),  # pasted from Word
        ("甲_x000B_乙", "甲\n乙"),  # Word's manual line break
        ("写成_x005F_x000D_的文字", "写成_x000D_的文字"),  # typed literally
        ("_x0041__x0042_", "AB"),
        ("表情_xD83D__xDE00_", "表情\U0001f600"),
        ("控制符_x0001_去掉", "控制符去掉"),
        ("_x00 不是转义 _xZZZZ_", "_x00 不是转义 _xZZZZ_"),
    ],
)
def test_workbook_text_decodes_escapes_once(stored, typed):
    assert workbook_text(stored) == typed


def _escaped_workbook(busy_xlsx: Path, out: Path) -> Path:
    """B4 holds an inline string, B5 a shared string (as Excel and WPS save text), both with
    escapes; sharedStrings.xml, its relationship and content type are added as Excel has them."""
    proactive = L.spec_by_path()["overview.proactive"]
    requests = L.spec_by_path()["overview.requests"]
    part = _part(proactive.sheet)
    sheet = etree.fromstring(_member(busy_xlsx, part))
    for spec, kind, body in (
        (proactive, "inlineStr", "第一段。_x000D_\n第二段_x000B_第三段"),
        (requests, "s", "0"),
    ):
        cell = sheet.find(f".//{{{MAIN}}}c[@r='{spec.cell}']")
        for child in list(cell):
            cell.remove(child)
        cell.set("t", kind)
        if kind == "inlineStr":
            t = etree.SubElement(etree.SubElement(cell, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
        else:
            t = etree.SubElement(cell, f"{{{MAIN}}}v")
        t.text = body
    shared = (
        f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><r><t>依申请写明_x005F_x000D_原样。_x000D_\n</t></r>'
        "<r><t>下一段</t></r><rPh><t>ふりがな</t></rPh></si></sst>"
    ).encode()
    rels = _member(busy_xlsx, "xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>", f'<Relationship Id="rIdS" Type="{SHARED_TYPE}" Target="sharedStrings.xml"/></Relationships>'.encode()
    )
    types = _member(busy_xlsx, "[Content_Types].xml").replace(
        b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_CONTENT}"/></Types>'.encode()
    )
    changes = {part: etree.tostring(sheet), "xl/sharedStrings.xml": shared, "xl/_rels/workbook.xml.rels": rels}
    return _rewrite(busy_xlsx, out, {**changes, "[Content_Types].xml": types})


def test_escapes_become_paragraphs_in_the_report_and_the_json(tmp_path, busy_xlsx):
    path = _escaped_workbook(busy_xlsx, tmp_path / "转义.xlsx")
    report = read_workbook(path)
    assert report.overview.proactive == "第一段。\n第二段\n第三段"
    assert report.overview.requests == "依申请写明_x000D_原样。\n下一段"
    assert not report.provenance.findings

    paragraphs = [p.text for p in docx.Document(str(render_report(report, tmp_path / "报告.docx"))).paragraphs]
    for text in ("第一段。", "第二段", "第三段", "依申请写明_x000D_原样。", "下一段"):
        assert text in paragraphs
    assert not [p for p in paragraphs if "_x000B_" in p or ("_x000D_" in p and "写明_x000D_原样" not in p)]

    exported = tmp_path / "导出.json"
    result = CliRunner().invoke(app, ["export", str(path), "-o", str(exported)])
    assert result.exit_code == 0, result.output
    overview = json.loads(exported.read_text(encoding="utf-8"))["overview"]
    assert overview["proactive"] == "第一段。\n第二段\n第三段"
    assert overview["requests"] == "依申请写明_x000D_原样。\n下一段"
    assert json.loads(report_to_json(read_report(exported)))["overview"] == overview


def test_escapes_in_the_list_of_bodies_are_decoded(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["机关全称", "简称", "层级"])
    ws.append(["大峪镇人民政府_x000D_\n", "大峪_x005F_x0020_镇", "乡镇"])
    ws.append([None, None, None])
    ws.append(["城关街道办事处", "城关街道", "街道"])
    wb.save(tmp_path / "名单.xlsx")
    orgs = read_orgs(tmp_path / "名单.xlsx", 2025)
    assert [(o.row, o.body.name, o.body.short_name) for o in orgs] == [
        (2, "大峪镇人民政府", "大峪_x0020_镇"),
        (4, "城关街道办事处", "城关街道"),
    ]


# --- what the reader still means ------------------------------------------------------------


def test_a_filled_down_total_formula_is_still_computed(tmp_path, busy_xlsx):
    # Excel writes a filled-down formula once, as a shared formula, and only its index in the
    # cells below: the reader must see the second row's own total formula, not a changed one.
    new, carried = (L.spec_by_path()[f"requests.{key}.total"] for key in ("new", "carried_over"))
    formula, below = (f"<f>{s.formula.lstrip('=')}</f>".encode() for s in (new, carried))
    shared = f'<f t="shared" ref="{new.cell}:{carried.cell}" si="0">'.encode()
    part = _part(L.SHEET_REQUESTS)
    xml = _member(busy_xlsx, part)
    assert formula in xml and below in xml
    xml = xml.replace(formula, shared + formula[3:])
    xml = xml.replace(below, b'<f t="shared" si="0"/>')
    report = read_workbook(_rewrite(busy_xlsx, tmp_path / "填充.xlsx", {part: xml}))
    assert report.requests.carried_over.total is None and report.requests.new.total is None
    assert not [f for f in report.provenance.findings if f.rule == "WB-2"]

    # The shared formula changed to leave out the last part: both rows' totals are changed formulas.
    parts = fmt.REQUEST_PART_COLUMNS
    first, second_last = (L.spec_by_path()[f"requests.new.{c.key}"].cell for c in (parts[0], parts[-2]))
    xml = xml.replace(shared + formula[3:], shared + f"SUM({first}:{second_last})</f>".encode())
    report = read_workbook(_rewrite(busy_xlsx, tmp_path / "改过.xlsx", {part: xml}))
    assert sorted(f.location for f in report.provenance.findings if f.rule == "WB-2") == sorted([new.where, carried.where])


@pytest.mark.parametrize(
    ("typed", "shown"),
    [(dt.datetime(2025, 1, 3), "2025-01-03 00:00:00"), (True, "True"), ("#DIV/0!", "#DIV/0!")],
)
def test_dates_and_booleans_in_number_cells_are_named(busy_xlsx, typed, shown):
    wb = load_workbook(busy_xlsx)
    spec = L.spec_by_path()["requests.new.natural_person"]
    wb[spec.sheet][spec.cell] = typed
    wb.save(busy_xlsx)
    found = [f for f in check_report(read_workbook(busy_xlsx)) if f.rule == "R0-1"]
    assert [f.location for f in found] == [spec.where]
    assert f"填写了“{shown}”" in found[0].message and "不是数字" in found[0].message


# --- bombs in any part ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    [_part(L.SHEET_REQUESTS), "xl/sharedStrings.xml", "docProps/custom.xml", "docProps/core.xml", "_rels/.rels"],
)
def test_entity_declarations_are_refused_in_every_part(tmp_path, busy_xlsx, member):
    original = _member(busy_xlsx, member) if member != "xl/sharedStrings.xml" else f'<sst xmlns="{MAIN}"/>'.encode()
    body = original.split(b"?>", 1)[1] if original.startswith(b"<?xml") else original
    path = _rewrite(busy_xlsx, tmp_path / "炸弹.xlsx", {member: ENTITY_BOMB + body})
    message = _unreadable(path)
    assert "炸弹.xlsx" in message and member in message and "DOCTYPE" in message and "拒绝" in message


@pytest.mark.parametrize(
    "encoded",
    [
        ("\ufeff" + ENTITY_BOMB.decode() + "<worksheet/>").encode("utf-16-le"),  # UTF-16 with a BOM
        (ENTITY_BOMB.decode() + "<worksheet/>").encode("utf-16-be"),  # and without
        b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY a +ACI-b+ACI-+AD4-+AF0-+AD4-<x>+ACY-a;</x>',
        b'<?xml version="1.0" encoding="UTF-16"?>' + ENTITY_BOMB.split(b"?>", 1)[1] + b"<x/>",  # a false declaration
        b"\x4c\x6f\xa7\x94 EBCDIC",  # "<?xm" in EBCDIC: not an encoding an Office file uses
    ],
)
def test_declarations_cannot_hide_behind_an_encoding(tmp_path, busy_xlsx, encoded):
    part = _part(L.SHEET_APPEALS)
    message = _unreadable(_rewrite(busy_xlsx, tmp_path / "编码.xlsx", {part: encoded}))
    assert part in message and "拒绝" in message


def test_a_highly_compressible_huge_member_is_refused(tmp_path, busy_xlsx):
    part = _part(L.SHEET_REQUESTS)
    padded = _member(busy_xlsx, part).replace(b"<sheetData>", b"<sheetData>" + b" " * (20 * pkg.MB))
    message = _unreadable(_rewrite(busy_xlsx, tmp_path / "压缩炸弹.xlsx", {part: padded}))
    assert "压缩炸弹.xlsx" in message and part in message and "压缩比" in message


def test_a_member_larger_than_the_limit_is_refused_by_its_header(tmp_path, busy_xlsx):
    message = _unreadable(_rewrite(busy_xlsx, tmp_path / "大.xlsx", {"xl/media/image1.png": b"\0" * (pkg.MAX_MEMBER + 1)}))
    assert "xl/media/image1.png" in message and "50 MB" in message


def test_the_total_inflated_size_is_bounded(tmp_path, busy_xlsx, monkeypatch):
    monkeypatch.setattr(pkg, "MAX_TOTAL", 40_000)
    message = _unreadable(busy_xlsx)
    assert "东城街道.xlsx" in message and "合计超过" in message


def _lie_about_size(path: Path, member: str, declared: int) -> None:
    """Patch the inflated size of ``member`` in its local header and the central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<L", data, local + 22, declared)
    central = 0
    while True:
        central = data.index(b"PK\x01\x02", central)
        (name_length,) = struct.unpack_from("<H", data, central + 28)
        if data[central + 46 : central + 46 + name_length] == name:
            break
        central += 4
    struct.pack_into("<L", data, central + 24, declared)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("declared", "says"), [(1000, "实际解压出"), (20_000, "实际为")])
def test_a_member_whose_header_lies_about_its_size_is_refused(tmp_path, busy_xlsx, declared, says):
    part = _part(L.SHEET_REQUESTS)
    path = _rewrite(busy_xlsx, tmp_path / "谎报.xlsx", {})
    _lie_about_size(path, part, declared)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(part).file_size == declared  # the lie is what the headers say
    message = _unreadable(path)
    assert part in message and f"声明解压后为 {declared} 字节" in message and says in message


def test_cli_check_and_render_exit_two_with_the_paragraph(tmp_path, busy_xlsx):
    part = _part(L.SHEET_REQUESTS)
    bomb = _rewrite(busy_xlsx, tmp_path / "实体炸弹.xlsx", {part: ENTITY_BOMB + _member(busy_xlsx, part)})
    for command in ("check", "render"):
        proc = subprocess.run(
            [sys.executable, "-m", "gongkai", command, str(bomb)], capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 2, proc.stderr
        output = proc.stdout + proc.stderr
        assert "Traceback" not in output
        assert "实体炸弹.xlsx" in output and part in output and "程序已拒绝处理" in output
    assert not list(tmp_path.glob("*.docx"))


def test_a_batch_lists_the_bombs_and_renders_the_rest(tmp_path, busy_xlsx):
    folder = tmp_path / "收齐"
    folder.mkdir()
    for i in range(2):
        write_workbook(synthetic.make_report(i), folder / f"{i:02d}.xlsx")
    part = _part(L.SHEET_REQUESTS)
    _rewrite(busy_xlsx, folder / "实体炸弹.xlsx", {part: ENTITY_BOMB + _member(busy_xlsx, part)})
    padded = _member(busy_xlsx, part).replace(b"<sheetData>", b"<sheetData>" + b" " * (5 * pkg.MB))
    _rewrite(busy_xlsx, folder / "压缩炸弹.xlsx", {part: padded})

    result = CliRunner().invoke(app, ["batch", str(folder), "-o", str(tmp_path / "输出"), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert len(list((tmp_path / "输出").glob("*.docx"))) == 2
    summary = load_workbook(tmp_path / "输出" / "汇总.xlsx")
    status = {row[1]: row[5] for row in summary["汇总"].iter_rows(min_row=2, values_only=True) if row[1]}
    assert status["实体炸弹.xlsx"] == status["压缩炸弹.xlsx"] == "无法读取"
    assert status["00.xlsx"] == status["01.xlsx"] == "已生成"
    issues = [row for row in summary["问题清单"].iter_rows(values_only=True) if row[0] in ("实体炸弹.xlsx", "压缩炸弹.xlsx")]
    assert any("DOCTYPE" in str(row[7]) for row in issues) and any("压缩比" in str(row[7]) for row in issues)


def test_a_word_report_with_a_bomb_is_refused(tmp_path):
    path = tmp_path / "年报.docx"
    document = docx.Document()
    document.add_paragraph("大峪镇人民政府2025年政府信息公开工作年度报告")
    document.save(str(path))
    body = _member(path, "word/document.xml")
    bombed = _rewrite(path, tmp_path / "炸弹年报.docx", {"word/document.xml": ENTITY_BOMB + body.split(b"?>", 1)[1]})
    message = _unreadable(bombed)
    assert "炸弹年报.docx" in message and "word/document.xml" in message and "Word" in message
    padded = body.replace(b"<w:body>", b"<w:body>" + b" " * (3 * pkg.MB))
    assert "压缩比" in _unreadable(_rewrite(path, tmp_path / "大年报.docx", {"word/document.xml": padded}))


def test_a_list_of_bodies_with_a_bomb_is_refused(tmp_path, busy_xlsx):
    wb = Workbook()
    wb.active.append(["机关全称"])
    wb.save(tmp_path / "名单.xlsx")
    part = "xl/worksheets/sheet1.xml"
    _rewrite(tmp_path / "名单.xlsx", tmp_path / "炸弹名单.xlsx", {part: ENTITY_BOMB + _member(tmp_path / "名单.xlsx", part)})
    with pytest.raises(UnreadableInputError, match=f"炸弹名单.xlsx.*{part}.*DOCTYPE"):
        read_orgs(tmp_path / "炸弹名单.xlsx", 2025)


# --- uploads: bytes with a display name -----------------------------------------------------


def test_an_upload_reads_like_the_file_and_messages_name_it(tmp_path, busy_xlsx):
    from_file = read_report(busy_xlsx)
    uploaded = read_report(busy_xlsx.read_bytes(), name="大峪镇.xlsx")
    assert uploaded.model_dump() == from_file.model_dump()
    assert uploaded.provenance.source == "大峪镇.xlsx"

    wb = load_workbook(busy_xlsx)
    spec = L.spec_by_path()["requests.new.natural_person"]
    wb[spec.sheet][spec.cell] = "两件"
    wb.save(busy_xlsx)
    found = [f for f in read_report(busy_xlsx.read_bytes(), name="大峪镇.xlsx").provenance.findings if f.rule == "R0-1"]
    assert found and found[0].message.startswith("大峪镇.xlsx：")

    part = _part(L.SHEET_REQUESTS)
    bomb = _rewrite(busy_xlsx, tmp_path / "x.xlsx", {part: ENTITY_BOMB + _member(busy_xlsx, part)}).read_bytes()
    message = _unreadable(bomb, name="大峪镇.xlsx")
    assert "大峪镇.xlsx" in message and part in message and "x.xlsx" not in message
    assert "大峪镇.xls" in _unreadable(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, name="大峪镇.xls")
    assert "不是有效的 Excel" in _unreadable(b"not a zip", name="大峪镇.xlsx")


def test_an_uploaded_json_export_reads_too(busy_report):
    text = report_to_json(busy_report).encode()
    assert read_report(text, name="大峪镇.json").model_dump() == busy_report.model_dump()
    assert "大峪镇.json" in _unreadable(b"{", name="大峪镇.json")


def test_a_channel_row_with_a_count_but_no_name_is_an_error_at_its_cell(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    label = L.spec_by_path()["channels.website_breakdown.1.label"]
    wb[label.sheet][label.cell] = None  # the second website category's label; its count stays
    wb.save(busy_xlsx)
    report = read_workbook(busy_xlsx)
    assert [(f.rule, f.location) for f in report.provenance.findings] == [("WB-1", label.where)]
    assert "不能为空" in report.provenance.findings[0].message


def test_a_custom_template_with_a_bomb_is_refused(tmp_path, busy_xlsx):
    from gongkai.docx_writer import default_template_path

    template = default_template_path()
    body = _member(template, "word/document.xml")
    bomb = _rewrite(template, tmp_path / "模板.docx", {"word/document.xml": ENTITY_BOMB + body.split(b"?>", 1)[1]})
    result = CliRunner().invoke(app, ["render", str(busy_xlsx), "--template", str(bomb), "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 2
    assert "模板.docx" in result.output and "word/document.xml" in result.output and "DOCTYPE" in result.output
    assert not (tmp_path / "x.docx").exists()
