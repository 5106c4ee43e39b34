"""What a workbook may hold: XML size before parsing, rows and cells while streaming, uploads
read a few at a time (issue 16, point 2: any clerk could exhaust the server's memory).

Every hostile workbook is built here from a real one (samples/) by replacing or adding parts
the way an attacker would, and is refused through each door: the library, the CLI and the
portal. Valid workbooks, large ones and LibreOffice re-saves among them, read as before.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from gongkai import UnreadableInputError, read_report
from gongkai import package as pkg
from gongkai.portal import service, uploads
from gongkai.workbook import layout as L
from gongkai.workbook.reader import open_workbook
from portal_support import filer_client, post, sample_bytes

ROOT = Path(__file__).resolve().parent.parent
DAYU = ROOT / "samples" / "dayu-2025.xlsx"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REQUESTS = f"xl/worksheets/sheet{L.SHEETS.index(L.SHEET_REQUESTS) + 1}.xml"  # 三、依申请公开


def _sheet(rows: bytes) -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}"><sheetData>'
    return head.encode() + rows + b"</sheetData></worksheet>"


def _text_rows(count: int, first: int = 1) -> bytes:
    """Rows of one inline-string cell each, as the workbook in the issue held."""
    return b"".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第 {r} 行：依申请公开的受理情况说明</t></is></c></row>'.encode()
        for r in range(first, first + count)
    )


def _rewrite(source: bytes | Path, changes: dict[str, bytes]) -> bytes:
    """The package with members replaced or added, rezipped as Excel does (deflated)."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, changes.get(item.filename, zin.read(item.filename)))
        for name, content in changes.items():
            if name not in zin.namelist():
                zout.writestr(name, content)
    return out.getvalue()


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _refusal(source: Path) -> str:
    with pytest.raises(UnreadableInputError) as info:
        read_report(source)
    assert info.value.exit_code == 2
    return str(info.value)


@pytest.fixture(scope="module")
def issue_workbook(tmp_path_factory) -> Path:
    """The workbook of the issue: a sheet of 420,000 inline-string rows, about 45 MB of XML
    in a few MB of file, under the zip guard's member, total and ratio limits."""
    sheet = _sheet(_text_rows(420_000))
    assert 40 * pkg.MB < len(sheet) < pkg.MAX_MEMBER
    data = _rewrite(DAYU, {REQUESTS: sheet})
    assert len(data) < 8 * pkg.MB and len(sheet) < pkg.MAX_RATIO * len(data)
    return _write(tmp_path_factory.mktemp("hostile"), "大户籍.xlsx", data)


# --- refused before parsing: the XML's size --------------------------------------------------


def test_the_workbook_of_the_issue_is_refused_before_its_sheet_is_parsed(issue_workbook, monkeypatch):
    from gongkai.workbook import xlsx

    def parsed(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the sheet was parsed before the refusal")

    monkeypatch.setattr(xlsx.Book, "cells", parsed)  # refused on the declared size, not after a parse
    message = _refusal(issue_workbook)
    assert "大户籍.xlsx" in message and f"工作表“{L.SHEET_REQUESTS}”" in message and REQUESTS in message
    assert "4 MB" in message and "拒绝" in message and "Traceback" not in message


def test_all_xml_parts_together_are_bounded(tmp_path):
    # Five sheets of 3.5 MB each: every part under the limit of one part, not their sum.
    parts = [f"xl/worksheets/sheet{i}.xml" for i in range(2, 7)]
    sheet = _sheet(_text_rows(33_000))
    assert 3 * pkg.MB < len(sheet) < 4 * pkg.MB
    message = _refusal(_write(tmp_path, "五张大表.xlsx", _rewrite(DAYU, dict.fromkeys(parts, sheet))))
    assert "五张大表.xlsx" in message and "合计" in message and "16 MB" in message and "拒绝" in message


def test_xml_under_another_name_is_bounded_as_it_inflates(tmp_path):
    # Not named .xml, so the declared sizes do not show it as XML; its first bytes do.
    blob = "xl/embeddings/oleObject1.bin"
    message = _refusal(_write(tmp_path, "改名.xlsx", _rewrite(DAYU, {blob: _sheet(_text_rows(50_000))})))
    assert "改名.xlsx" in message and blob in message and "4 MB" in message and "拒绝" in message


# --- refused while streaming: rows and cells --------------------------------------------------


def test_a_sheet_of_too_many_rows_is_refused_as_it_streams(tmp_path):
    rows = b"".join(f'<row r="{r}" customFormat="1" s="1"/>'.encode() for r in range(1, 60_001))
    sheet = _sheet(rows)
    assert len(sheet) < 4 * pkg.MB  # under the size limit: the count refuses it
    message = _refusal(_write(tmp_path, "空行.xlsx", _rewrite(DAYU, {REQUESTS: sheet})))
    assert "空行.xlsx" in message and f"工作表“{L.SHEET_REQUESTS}”" in message and "50000 行" in message


def test_a_sheet_of_too_many_cells_is_refused_as_it_streams(tmp_path):
    row = b"<c/>" * 100
    sheet = _sheet(b"".join(f'<row r="{r}">'.encode() + row + b"</row>" for r in range(1, 2_101)))
    assert len(sheet) < 4 * pkg.MB
    message = _refusal(_write(tmp_path, "满格.xlsx", _rewrite(DAYU, {REQUESTS: sheet})))
    assert (
        "满格.xlsx" in message and f"工作表“{L.SHEET_REQUESTS}”" in message and "200000 个单元格" in message
    )


def test_the_cli_refuses_with_the_paragraph_and_exit_two(tmp_path, issue_workbook):
    proc = subprocess.run(
        [sys.executable, "-m", "gongkai", "check", str(issue_workbook)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Traceback" not in output
    assert "大户籍.xlsx" in output and f"工作表“{L.SHEET_REQUESTS}”" in output and "拒绝" in output


# --- valid workbooks read as before -----------------------------------------------------------


def _reading(source: Path | bytes, name: str | None = None) -> tuple[dict, list[str]]:
    report = read_report(source, name)
    return report.model_dump(mode="json"), [f.message for f in report.provenance.findings]


def _workbooks() -> list[Path]:
    return sorted(ROOT.glob("samples/*.xlsx")) + sorted(ROOT.glob("samples/county/*/*.xlsx"))


def test_the_streaming_reader_reads_every_sample_as_the_tree_reader(monkeypatch):
    whole = {path: _reading(path) for path in _workbooks()}
    monkeypatch.setattr(pkg, "STREAM_ABOVE", 0)  # every part streamed
    assert {path: _reading(path) for path in _workbooks()} == whole


def test_a_large_valid_sheet_under_the_limits_reads_as_the_original(tmp_path):
    # A clerk's notes below the table: 1.5 MB of rows the reader never asks for, streamed.
    with zipfile.ZipFile(DAYU) as z:
        original = z.read(REQUESTS)
    notes = _text_rows(15_000, first=1000)
    grown = original.replace(b"</sheetData>", notes + b"</sheetData>")
    assert grown != original and len(grown) > pkg.STREAM_ABOVE
    path = _write(tmp_path, DAYU.name, _rewrite(DAYU, {REQUESTS: grown}))
    assert _reading(path) == _reading(DAYU)


def test_members_that_are_not_xml_are_checked_but_not_held(tmp_path):
    image = "xl/media/image1.png"
    path = _write(tmp_path, DAYU.name, _rewrite(DAYU, {image: os.urandom(3 * pkg.MB)}))
    book = open_workbook(path)
    assert image in book.package and image not in book.package.members
    assert _reading(path) == _reading(DAYU)


def test_a_libreoffice_resave_reads_as_the_original(tmp_path, soffice):
    saved = soffice(DAYU, tmp_path, "xlsx")
    with zipfile.ZipFile(saved) as z:
        assert z.read("docProps/app.xml") != zipfile.ZipFile(DAYU).read("docProps/app.xml")  # really re-saved
    assert _reading(saved) == _reading(DAYU)


def test_word_reports_keep_the_general_limits(tmp_path):
    # The XML limits are a workbook's: a Word report may carry more (here 5 MB of custom XML).
    source = ROOT / "samples" / "dayu-2025.docx"
    extra = (
        b'<?xml version="1.0"?><data>' + b"".join(b"<item>%d</item>" % i for i in range(400_000)) + b"</data>"
    )
    assert len(extra) > 4 * pkg.MB
    path = _write(tmp_path, source.name, _rewrite(source, {"customXml/item9.xml": extra}))
    assert _reading(path) == _reading(source)


# --- the portal -------------------------------------------------------------------------------


def _portal_hostile(kind: str) -> bytes:
    """Hostile versions of 东山镇's own workbook, small enough for the test portal's 2 MB cap."""
    own = sample_bytes("东山镇")
    if kind == "large_sheet":
        return _rewrite(own, {REQUESTS: _sheet(_text_rows(60_000))})
    return _rewrite(own, {REQUESTS: _sheet(b"".join(f'<row r="{r}"/>'.encode() for r in range(1, 60_001)))})


@pytest.mark.parametrize(("kind", "expected"), [("large_sheet", "4 MB"), ("many_rows", "50000 行")])
def test_a_hostile_upload_is_refused_and_stores_nothing(app, world, portal, kind, expected) -> None:
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    data = _portal_hostile(kind)
    assert len(data) < 2 * pkg.MB
    with portal.session() as db:
        before = (db.query(service.Version).count(), db.query(service.Blob).count())
    r = post(
        east,
        f"/b/{body}",
        f"/b/{body}/upload",
        files={"file": ("填报表.xlsx", data, "application/octet-stream")},
    )
    assert r.status_code == 422, r.text[:300]
    message = re.search(r'id="message" role="alert">([^<]+)<', r.text)
    assert message, r.text[:300]
    assert f"工作表“{L.SHEET_REQUESTS}”" in message.group(1) and expected in message.group(1)
    with portal.session() as db:
        assert (db.query(service.Version).count(), db.query(service.Blob).count()) == before
        assert service.audit_entries(db, action="upload_refused")


def test_uploads_are_read_a_few_at_a_time(monkeypatch):
    running = peak = 0
    lock = threading.Lock()

    def slow_read(data: bytes, name: str):  # type: ignore[no-untyped-def]
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return name

    monkeypatch.setattr(uploads, "read_report", slow_read)
    data = DAYU.read_bytes()
    threads = [threading.Thread(target=uploads.read_upload, args=(data, f"{i}.xlsx")) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak <= min(4, os.cpu_count() or 2)
