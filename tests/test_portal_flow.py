"""The whole story in-process: round and accounts, a body files, the county reviews, one-click zip."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
from sqlalchemy import select

from gongkai import read_report, write_workbook
from gongkai.portal import actors, auditlog, exports, figures, queries, workbooks, workflow
from gongkai.portal.db import User
from portal_support import (
    Clock,
    World,
    accounts_list,
    admin_client,
    auditor_client,
    filer_client,
    pdf_bytes,
    post,
    sample_bytes,
)


def _upload(client, world: World, short: str, data: bytes, name: str = "填报表.xlsx"):  # type: ignore[no-untyped-def]
    body = world.bodies[short]
    return post(client, f"/b/{body}", f"/b/{body}/upload", files={"file": (name, data, "application/octet-stream")})


def _with_error(tmp_path, short: str) -> bytes:  # type: ignore[no-untyped-def]
    from conftest import SAMPLES

    report = read_report(SAMPLES / "county" / "2025" / f"{short}.xlsx")
    report.proactive.regulations.issued = 2  # a township making regulations: R2-1 error
    return write_workbook(report, tmp_path / "bad.xlsx").read_bytes()


def test_body_files_county_returns_and_accepts(app, world, tmp_path, portal) -> None:  # type: ignore[no-untyped-def]
    filer = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    page = filer.get(f"/b/{body}")
    assert page.status_code == 200 and "东山镇人民政府" in page.text and "未下载" in page.text

    # The pre-filled workbook carries the body's token and the year, hidden.
    wb_response = filer.get(f"/b/{body}/workbook")
    assert wb_response.status_code == 200
    assert "filename*=UTF-8''" in wb_response.headers["content-disposition"]
    props = workbooks.custom_properties(wb_response.content)
    assert props[workbooks.YEAR_PROPERTY] == "2025" and len(props[workbooks.BODY_PROPERTY]) == 32

    # An upload with a planted error: findings and the highlighted, linked cell on table 二.
    r = _upload(filer, world, "东山镇", _with_error(tmp_path, "东山镇"))
    assert r.status_code == 303
    page = filer.get(r.headers["location"])
    assert "R2-1" in page.text and "二、主动公开!B5" in page.text
    assert 'data-path="proactive.regulations.issued" class="num flagged error"><a href="#finding-0"' in page.text
    assert 'id="submit-form"' not in page.text  # errors: no submitting
    refused = filer.get(r.headers["location"].split("#")[0] + "/report.docx")
    assert refused.status_code == 409 and "有错误" in refused.text  # and no Word report of it

    # The fixed file, warnings explained, 签发 and a stamped PDF: submitted and locked.
    r = _upload(filer, world, "东山镇", sample_bytes("东山镇"))
    version_id = int(r.headers["location"].split("/v/")[1].split("#")[0])
    with portal.session() as db:
        from gongkai.portal.db import Version

        version = db.get(Version, version_id)
        warnings = [i for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"]
    data = {"version_id": str(version_id), "leader": "李镇长", "signed_on": "2026-01-09"}
    data.update({f"explain_{i}": "已核实" for i in warnings})
    bad_stamp = post(filer, f"/b/{body}", f"/b/{body}/submit", data, files={"stamped": ("盖章.pdf", b"not a pdf", "application/pdf")})
    assert bad_stamp.status_code == 415 and "PDF" in bad_stamp.text
    r = post(filer, f"/b/{body}", f"/b/{body}/submit", data, files={"stamped": ("盖章.pdf", pdf_bytes(), "application/pdf")})
    assert r.status_code == 303
    page = filer.get(f"/b/{body}")
    assert "已提交" in page.text and 'id="upload-form"' not in page.text
    again = _upload(filer, world, "东山镇", sample_bytes("东山镇"))
    assert again.status_code == 409

    # The county returns it, pointing at a cell; the body sees the reason beside its tables.
    county = admin_client(app)
    dash = county.get(f"/county/rounds/{world.round_id}")
    assert 'id="count-submitted"' in dash.text and "<b>1</b>已提交" in dash.text
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/return", {"reason": "请核对规章件数", "cells": "proactive.regulations.issued"})
    assert r.status_code == 303
    page = filer.get(f"/b/{body}")
    assert "请核对规章件数" in page.text and "pointed" in page.text and 'id="upload-form"' in page.text

    # Resubmit, accept, and the one-click zip equals gongkai batch on the same workbook.
    r = _upload(filer, world, "东山镇", sample_bytes("东山镇"))
    version_id = int(r.headers["location"].split("/v/")[1].split("#")[0])
    data["version_id"] = str(version_id)
    assert post(filer, f"/b/{body}", f"/b/{body}/submit", data).status_code == 303
    assert post(county, f"/b/{body}", f"/county/bodies/{body}/accept", {"confirm": "1"}).status_code == 303
    assert "已通过" in filer.get(f"/b/{body}").text
    z = county.get(f"/county/rounds/{world.round_id}/download.zip")
    assert z.status_code == 200 and z.headers["x-content-type-options"] == "nosniff"
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert "汇总.xlsx" in names and "核对报告.md" in names
    assert "东山镇人民政府2025年政府信息公开工作年度报告.docx" in names

    from gongkai import run_batch

    source = tmp_path / "src"
    source.mkdir()
    (source / "东山镇人民政府.xlsx").write_bytes(sample_bytes("东山镇"))
    run_batch(source, tmp_path / "out", jobs=1, year=2025)
    archive = zipfile.ZipFile(io.BytesIO(z.content))
    for name in ("东山镇人民政府2025年政府信息公开工作年度报告.docx", "汇总.xlsx", "核对报告.md"):
        assert archive.read(name) == (tmp_path / "out" / name).read_bytes(), name

    # Versions are all kept; the audit log saw every step.
    with portal.session() as db:
        assert [v.number for v in queries.versions(db, body)] == [3, 2, 1]
        entries = auditlog.audit_entries(db)
        actions = [e.action for e in entries]
        accepted = next(e.detail for e in entries if e.action == "accept")
    # An accept needs no reason; its log line names the body and ends there.
    assert accepted == "东山镇人民政府", accepted
    for action in ("login", "password_change", "download_workbook", "upload", "submit", "return", "accept", "download"):
        assert action in actions, action
    log = auditor_client(app).get("/county/audit?action=return")
    assert "请核对规章件数" in log.text


def test_accounts_list_and_first_login(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    # Accounts already issued are never re-issued by 发放账号: the list names every body, none with a new password.
    r = post(county, f"/county/rounds/{world.round_id}", f"/county/rounds/{world.round_id}/accounts")
    assert r.status_code == 200 and "没有发放新账号" in r.text
    rows = accounts_list(r.text)[1:]
    assert len(rows) == 6 and not any(row[3] for row in rows)
    assert rows[0][0] == "东山镇人民政府"


def test_dashboard_chase_list_and_totals(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    filer = filer_client(app, world, "西山镇")
    _upload(filer, world, "西山镇", sample_bytes("西山镇"))
    county = admin_client(app)
    page = county.get(f"/county/rounds/{world.round_id}?sort=status")
    assert "<b>1</b>可提交" in page.text and "<b>5</b>未下载" in page.text
    filtered = county.get(f"/county/rounds/{world.round_id}?status=ready")
    table = filtered.text.split('id="dashboard"', 1)[1].split("</table>", 1)[0]  # the 催报 panel below lists every unsubmitted body
    assert "西山镇人民政府" in table and "东山镇人民政府" not in table
    chase = county.get(f"/county/rounds/{world.round_id}/chase.xlsx")
    names = [row[0] for row in openpyxl.load_workbook(io.BytesIO(chase.content)).active.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 6
    # Totals over submitted bodies sum the batch's own figures.
    with portal.session() as db:
        admin = actors.system_actor(db, clock=clock)
        filer_actor = actors.Actor(db.get(User, db.scalar(select(User.id).where(User.body_id == world.bodies["西山镇"]))), "t", clock)
        v = queries.latest_version(db, world.bodies["西山镇"])
        ex = {i: "已核实" for i, f in enumerate(queries.findings_of(v)) if f.severity == "warning"}
        import datetime as dt

        workflow.submit(db, filer_actor, world.bodies["西山镇"], version_id=v.id, leader="王", signed_on=dt.date(2026, 1, 9), explanations=ex)
        n, sums = exports.totals(db, world.round_id, "submitted")
        assert n == 1
        stored = figures.figures_of(v)
        assert str(sums["requests.new.total"]) == stored["requests.new.total"]
        assert exports.totals(db, world.round_id, "accepted")[0] == 0
        assert admin.is_admin
    page = county.get(f"/county/rounds/{world.round_id}/totals?scope=submitted")
    assert 'id="totals-count">1<' in page.text


def test_roster_changes_keep_history(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    filer = filer_client(app, world, "南山镇")
    _upload(filer, world, "南山镇", sample_bytes("南山镇"))
    county = admin_client(app)
    body = world.bodies["南山镇"]
    assert post(county, f"/b/{body}", f"/county/bodies/{body}/rename", {"name": "南山镇人民政府（新）", "short_name": "南山镇"}).status_code == 303
    # The body's own workbook still uploads after the rename (its token, not its name, counts).
    assert _upload(filer, world, "南山镇", filer.get(f"/b/{body}/workbook").content).status_code in (303, 422)
    assert post(county, f"/b/{body}", f"/county/bodies/{body}/remove", {"reason": "撤并"}).status_code == 303
    assert filer.get(f"/b/{body}", follow_redirects=False).status_code in (303, 307)  # account disabled
    page = county.get(f"/b/{body}")
    assert page.status_code == 200 and "已从本年度名单移除" in page.text and "第 1 版" in page.text
    r = post(county, f"/county/rounds/{world.round_id}", f"/county/rounds/{world.round_id}/bodies", {"name": "新城街道办事处", "short_name": "新城街道", "level": "街道"})
    assert r.status_code == 303
    assert "新城街道办事处" in county.get(f"/county/rounds/{world.round_id}").text
    with portal.session() as db:
        assert len(queries.versions(db, body)) >= 1
    assert json is not None and Clock is not None


def test_word_and_pdf_of_a_version_are_the_library_s_report(app, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import SAMPLES, _tool
    from gongkai.docx_writer import get_renderer

    filer = filer_client(app, world, "北山镇")
    body = world.bodies["北山镇"]
    r = _upload(filer, world, "北山镇", sample_bytes("北山镇"))
    version_url = r.headers["location"].split("#")[0]
    word = filer.get(f"{version_url}/report.docx")
    assert word.status_code == 200 and word.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''" in word.headers["content-disposition"]
    # The very bytes `gongkai render` writes for the same workbook: one writer, two skins.
    expected = get_renderer(None).render_bytes(read_report(SAMPLES / "county" / "2025" / "北山镇.xlsx"))
    assert word.content == expected
    # Another body's clerk cannot fetch it.
    other = filer_client(app, world, "东山镇")
    assert other.get(f"{version_url}/report.docx").status_code == 404
    _tool("soffice", "libreoffice")  # PDF needs LibreOffice: skipped without it here, a failure in CI
    pdf = filer.get(f"{version_url}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "report.pdf" in filer.get(f"/b/{body}").text  # offered on the body's page


def test_round_from_last_year_zip_prefills_as_init_orgs_previous(app, world, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import SAMPLES
    from gongkai import distribute
    from gongkai.jsonio import report_to_json

    county_dir = SAMPLES / "county"
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((county_dir / "2024").glob("*.xlsx")):
            archive.write(path, f"2024年/{path.name}")
        archive.writestr("2024年/坏文件.xlsx", b"PK\x03\x04 not a workbook")
        archive.writestr("__MACOSX/2024年/._东山镇.xlsx", b"resource fork")
    county = admin_client(app)
    orgs = (county_dir / "单位名单.csv").read_bytes()
    r = post(
        county, "/county", "/county/rounds", data={"year": "2025", "title": "上年压缩包"},
        files={"orgs": ("单位名单.csv", orgs, "text/csv"), "previous_zip": ("上年.zip", packed.getvalue(), "application/zip")},
    )
    assert r.status_code == 303, r.text
    round_id = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert "报送年度已创建" in county.get(r.headers["location"]).text  # the confirmation, and the next step
    with portal.session() as db:
        body = next(b for b in queries.bodies(db, round_id) if b.short_name == "东山镇")
        log = [e.detail for e in auditlog.audit_entries(db, action="round_previous_unreadable")]
    portal_book = county.get(f"/b/{body.id}/workbook").content
    # The same body's workbook from the command line: same list, same last year's folder.
    distribute(county_dir / "单位名单.csv", tmp_path / "分发", 2025, previous=county_dir / "2024")
    cli_book = (tmp_path / "分发" / "东山镇人民政府2025年度报告填报表.xlsx").read_bytes()
    from_portal = json.loads(report_to_json(read_report(portal_book, name="东山镇.xlsx")))
    from_cli = json.loads(report_to_json(read_report(cli_book, name="东山镇.xlsx")))
    assert from_portal["last_year"] == from_cli["last_year"] and from_portal["last_year"]["year"] == 2024
    assert from_portal["requests"]["carried_over"] == from_cli["requests"]["carried_over"]
    # The unreadable file of last year is said, not fatal; the Mac resource fork is no report.
    assert len(log) == 1 and "坏文件.xlsx" in log[0]

    # A bomb in the zip is refused and no round is made.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2024年/大.xlsx", b"\0" * (60 * 1024 * 1024))
    with portal.session() as db:
        before = len(queries.rounds(db))
    r = post(
        county, "/county", "/county/rounds", data={"year": "2025"},
        files={"orgs": ("单位名单.csv", orgs, "text/csv"), "previous_zip": ("炸弹.zip", bomb.getvalue(), "application/zip")},
    )
    assert r.status_code == 400 and "炸弹.zip" in r.text
    with portal.session() as db:
        assert len(queries.rounds(db)) == before
