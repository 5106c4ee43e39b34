"""A Word draft uploaded to the portal (issue 13 §2): read by the published-report reader."""

from __future__ import annotations

import re

from gongkai import read_report, render_report
from gongkai.portal import queries
from gongkai.portal.db import Version
from gongkai.results import table_figures
from portal_support import filer_client, post, sample_bytes


def _docx(tmp_path, short: str, year: int = 2025) -> bytes:  # type: ignore[no-untyped-def]
    report = read_report(sample_bytes(short, year), f"{short}.xlsx")
    return render_report(report, tmp_path / f"{short}.docx").read_bytes()


def test_a_word_report_becomes_a_version_with_the_same_figures(app, world, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = post(east, f"/b/{body}", f"/b/{body}/upload", files={"file": ("报告稿.docx", _docx(tmp_path, "东山镇"), "application/octet-stream")})
    assert r.status_code == 303, r.text[:400]
    with portal.session() as db:
        version = db.query(Version).filter(Version.body_id == body).one()
        assert version.kind == ".docx" and version.filename == "报告稿.docx"
        got = table_figures(queries.report_of(version))
    assert got == table_figures(read_report(sample_bytes("东山镇"), "东山镇.xlsx"))  # cell for cell
    page = east.get(r.headers["location"])
    assert page.status_code == 200 and "报告稿.docx" in page.text


def test_last_years_word_report_is_refused_naming_the_year(app, world, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = post(east, f"/b/{body}", f"/b/{body}/upload", files={"file": ("去年的报告.docx", _docx(tmp_path, "东山镇", 2024), "application/octet-stream")})
    assert r.status_code == 422 and "2024 年度" in r.text and "2025 年度" in r.text
    with portal.session() as db:
        assert db.query(Version).filter(Version.body_id == body).count() == 0


def test_a_word_file_that_is_not_a_report_is_refused_in_chinese(app, world, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    doc = Document()
    doc.add_paragraph("会议通知")
    path = tmp_path / "通知.docx"
    doc.save(path)
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = post(east, f"/b/{body}", f"/b/{body}/upload", files={"file": ("通知.docx", path.read_bytes(), "application/octet-stream")})
    message = re.search(r'id="message" role="alert">([^<]+)<', r.text)
    assert r.status_code == 422 and message and "通知" in message.group(1) and "不是年度报告" in message.group(1)
    with portal.session() as db:
        assert db.query(Version).filter(Version.body_id == body).count() == 0
