"""Words a clerk understands (issue 14 §2/§3): uploads named as uploaded, no SHA-256 for clerks,
a preview with errors marked as a draft, 签发人 remembered, one timeline of the record."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from sqlalchemy import select

from gongkai.portal import actors, queries, workflow
from gongkai.portal.db import User
from gongkai.portal.uploads import read_upload
from portal_support import admin_client, filer_client, post, sample_bytes


def _zip(**parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buffer.getvalue()


def test_an_upload_is_named_as_uploaded_whatever_its_content(app, world) -> None:  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    # A workbook part list without sheets, uploaded under a Word name.
    empty_book = _zip(**{"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
    r = post(clerk, f"/b/{body}", f"/b/{body}/upload", files={"file": ("报告.docx", empty_book)})
    assert r.status_code == 422
    text = re.sub(r"<[^>]+>", "", r.text)
    assert "上传的文件 报告.docx 按内容是 Excel 填报表" in text and "报告.xlsx" not in text
    assert "文件中没有任何工作表" in text and "工作表为：）" not in text
    # A real workbook named .docx is read as the workbook it is.
    kind, report = read_upload(sample_bytes("东山镇"), "东山镇.docx")
    assert kind == ".xlsx" and report.body.name == "东山镇人民政府"


def test_a_clerk_sees_no_sha256_and_the_county_does(app, world) -> None:  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    assert post(clerk, f"/b/{body}", f"/b/{body}/upload", files={"file": ("东山镇.xlsx", sample_bytes("东山镇"))}).status_code == 303
    assert "SHA-256" not in clerk.get(f"/b/{body}").text
    assert "SHA-256" in admin_client(app).get(f"/b/{body}").text


def test_a_preview_of_a_version_with_errors_is_marked_as_a_draft(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    from test_portal_editor import _edit

    clerk = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    assert _edit(clerk, body, {"requests.new.natural_person": "5"}).status_code == 303  # 5 received, none handled: R3-1
    with portal.session() as db:
        bad = queries.latest_version(db, body)
        assert bad.errors
    page = clerk.get(f"/b/{body}/v/{bad.id}/preview").text
    assert 'id="draft-mark"' in page and "草稿（有错误）" in page and f"还有 {bad.errors} 个错误" in page
    assert _edit(clerk, body, {"requests.new.natural_person": "5", "requests.granted.natural_person": "5"}).status_code == 303
    with portal.session() as db:
        good = queries.latest_version(db, body)
        assert not good.errors
    assert "草稿（有错误）" not in clerk.get(f"/b/{body}/v/{good.id}/preview").text


def test_the_leader_is_remembered_and_the_record_is_one_timeline(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    assert post(clerk, f"/b/{body}", f"/b/{body}/upload", files={"file": ("东山镇.xlsx", sample_bytes("东山镇"))}).status_code == 303
    assert 'id="leader" value=""' in clerk.get(f"/b/{body}").text
    with portal.session() as db:
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body)), "test", clock)
        version = queries.latest_version(db, body)
        explanations = {i: "已核实无误" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        clock.advance(minutes=1)
        workflow.submit(db, filer, body, version_id=version.id, leader="赵镇长", signed_on=dt.date(2026, 1, 9), explanations=explanations)
        clock.advance(minutes=1)
        workflow.return_(db, actors.system_actor(db, clock=clock), body, "请补充监督保障", ["overview.oversight"])
    clock.advance(minutes=1)
    assert post(clerk, f"/b/{body}", f"/b/{body}/upload", files={"file": ("东山镇.xlsx", sample_bytes("东山镇"))}).status_code == 303
    page = clerk.get(f"/b/{body}").text
    assert 'id="leader" value="赵镇长"' in page  # remembered for the next submission
    timeline = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', page, re.S)
    assert timeline
    entries = [re.sub(r"<[^>]+>", "", e).split("\n")[0].strip() for e in re.findall(r'<li class="event[^"]*"[^>]*>(.*?)</li>\n', timeline.group(1), re.S)]
    assert [e.split(" ", 2)[2] for e in entries] == [
        "上传第 1 版（东山镇.xlsx）",
        "提交第 1 版（签发人 赵镇长，签发日期 2026-01-09）",
        "退回第 1 版：请补充监督保障",
        "上传第 2 版（东山镇.xlsx）",
    ], entries
    assert "指出：一、总体情况（五）监督保障" in timeline.group(1)
    if explanations:
        assert "警告说明：已核实无误" in timeline.group(1)
