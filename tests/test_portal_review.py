"""The county's review: 退回 pointing at real cells and parts ticked in the drawn tables, the clerk
seeing them marked, 通过 only when confirmed, the read-only editor marking the figures changed
since the county last looked; any version opened in the editor or downloaded as a workbook; the
channel rows added and removed without script (issues 13 and 14)."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from gongkai.portal import actors, queries, workflow
from gongkai.portal.db import AuditEntry, BodyRow, User, Version
from portal_support import admin_client, filer_client, post, sample_bytes
from test_portal_editor import _edit, _form

CELL = "requests.granted.natural_person"  # 表三 (四)1.予以公开, 自然人
PART = "overview.proactive"


def _submit(portal, body_id: int) -> None:  # type: ignore[no-untyped-def]
    """The body's latest version submitted by its clerk, warnings explained."""
    with portal.session() as db:
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body_id)), "test")
        version = queries.latest_version(db, body_id)
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, body_id, version_id=version.id, leader="李镇长", signed_on=dt.date(2026, 1, 9), explanations=explanations)


def _state(portal, body_id: int) -> str:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return db.get(BodyRow, body_id).state


def _filed_online(app, world, portal, short: str = "东山镇"):  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, short)
    body = world.bodies[short]
    changes = {"requests.new.natural_person": "3", CELL: "3", PART: "本年主动公开信息 12 条。"}
    assert _edit(clerk, body, changes).status_code == 303
    _submit(portal, body)
    return clerk, body


def test_the_county_ticks_a_cell_and_a_part_and_the_clerk_sees_them_marked(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    clerk, body = _filed_online(app, world, portal)
    county = admin_client(app)
    page = county.get(f"/b/{body}").text
    # Every data cell of the drawn tables carries a checkbox of the 退回 form; the parts are listed.
    assert f'form="return-form" name="cells" value="{CELL}"' in page
    assert f'name="cells" value="{PART}"' in page
    assert page.index('id="review"') < page.index('id="files"') < page.index('id="manage"')  # the decision first
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/return", {"reason": "予以公开的件数与办结不符", "cells": [CELL, PART]})
    assert r.status_code == 303 and r.headers["location"] == f"/b/{body}?done=return"
    assert "已退回" in county.get(r.headers["location"]).text

    mine = clerk.get(f"/b/{body}").text
    reason = re.search(r'<div class="returned" id="return-reason">(.*?)</div>', mine, re.S)
    assert reason and "予以公开的件数与办结不符" in reason.group(1)
    assert "（四）结果" in reason.group(1) or "予以公开" in reason.group(1)  # the cell by its Chinese name, not a path
    assert CELL not in re.sub(r'data-path="[^"]*"', "", reason.group(1))
    assert re.search(rf'<td data-path="{re.escape(CELL)}" class="[^"]*\bpointed\b', mine)
    assert re.search(rf'class="part pointed" data-path="{PART}"', mine)
    editor = clerk.get(f"/b/{body}/edit").text
    assert re.search(rf'data-path="{re.escape(CELL)}" class="[^"]*\bpointed\b[^"]*" title="县政务公开办退回时指出：予以公开的件数与办结不符"', editor)
    assert "县政务公开办退回时指出了这一部分" in editor


def test_a_return_at_something_that_is_no_cell_is_refused_and_changes_nothing(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    _clerk, body = _filed_online(app, world, portal)
    county = admin_client(app)
    for bogus in ("表三D6", "三、依申请公开!C7", "requests.granted.nobody", "<script>x</script>"):
        r = post(county, f"/b/{body}", f"/county/bodies/{body}/return", {"reason": "请核对", "cells": bogus})
        assert r.status_code == 400, bogus
        assert "不是报告中的单元格或部分" in r.text and "<script>x" not in r.text
        assert _state(portal, body) == "submitted"


def test_accept_needs_the_confirmation(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    _clerk, body = _filed_online(app, world, portal)
    county = admin_client(app)
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/accept")
    assert r.status_code == 400 and "确认通过" in r.text and _state(portal, body) == "submitted"
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/accept", {"confirm": "1"})
    assert r.status_code == 303 and _state(portal, body) == "accepted"
    assert "已通过审核" in county.get(r.headers["location"]).text


def test_the_read_only_editor_marks_figures_changed_since_the_county_looked(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    clerk, body = _filed_online(app, world, portal)
    county = admin_client(app)
    county.get(f"/b/{body}")  # the county looks at version 1
    post(county, f"/b/{body}", f"/county/bodies/{body}/return", {"reason": "请补充", "cells": CELL})
    assert _edit(clerk, body, {"requests.new.natural_person": "5", CELL: "5"}).status_code == 303
    _submit(portal, body)

    page = county.get(f"/b/{body}/edit").text
    assert re.search(r"与县里上次查看的第 1 版相比，\d+ 个数字有变化", page)
    changed = re.search(rf'data-path="{re.escape(CELL)}" class="([^"]*)" title="原来是 3[^"]*"', page)
    assert changed and "changed" in changed.group(1).split()
    assert 'data-path="requests.new.commercial"' in page
    assert not re.search(r'data-path="requests\.new\.commercial" class="[^"]*\bchanged\b', page)
    # The county can return from here, ticking a cell of the editor's table.
    assert f'form="return-form" name="cells" value="{CELL}"' in page and 'id="return-form"' in page
    assert 'id="editor-save"' not in page
    # Having looked, nothing is new any more.
    again = county.get(f"/b/{body}/edit").text
    assert "表格数字没有变化" in again and " changed" not in again


def test_any_version_opens_in_the_editor_and_saves_as_a_new_one(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    assert _edit(clerk, body, {PART: "第一版的文字。"}).status_code == 303
    assert _edit(clerk, body, {PART: "第二版的文字。"}).status_code == 303
    with portal.session() as db:
        first, second = sorted(db.scalars(select(Version).where(Version.body_id == body)), key=lambda v: v.number)
    page = clerk.get(f"/b/{body}/edit?v={first.id}")
    assert page.status_code == 200 and "打开的是第 1 版（最新是第 2 版）" in page.text
    values = _form(page.text)
    assert values[PART] == "第一版的文字。"
    base = re.search(r'name="base" value="(\d+)"', page.text)
    assert base and base.group(1) == "2"  # saving goes on top of the latest: nothing overwritten
    r = clerk.post(f"/b/{body}/edit", data={**values, "base": "2", "action": "save", "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}, follow_redirects=False)
    assert r.status_code == 303
    with portal.session() as db:
        numbers = sorted(v.number for v in db.scalars(select(Version).where(Version.body_id == body)))
        newest = queries.latest_version(db, body)
        assert numbers == [1, 2, 3] and queries.report_of(newest).overview.proactive == "第一版的文字。"
        assert queries.report_of(db.get(Version, second.id)).overview.proactive == "第二版的文字。"
    # Another body's version, or an id that is no id, is not found.
    west = filer_client(app, world, "西山镇")
    assert west.get(f"/b/{world.bodies['西山镇']}/edit?v={first.id}").status_code == 404
    assert clerk.get(f"/b/{body}/edit?v=²").status_code == 404
    assert clerk.get(f"/b/{body}/edit?v={10**30}").status_code == 404


def test_a_versions_workbook_downloads_and_uploads_back(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    assert _edit(clerk, body, {"requests.new.natural_person": "2", CELL: "2", PART: "网上写的文字。\n第二段。"}).status_code == 303
    with portal.session() as db:
        online = queries.latest_version(db, body)
        report = queries.report_of(online)
    r = clerk.get(f"/b/{body}/v/{online.id}/workbook.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "%E7%AC%AC1%E7%89%88" in r.headers["content-disposition"]  # …（第1版）.xlsx
    load_workbook(io.BytesIO(r.content))  # a real workbook
    page = clerk.get(f"/b/{body}")
    up = clerk.post(f"/b/{body}/upload", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)},
                    files={"file": ("东山镇.xlsx", r.content)}, follow_redirects=False)
    assert up.status_code == 303
    with portal.session() as db:
        back = queries.latest_version(db, body)
        assert back.number == 2 and back.kind == ".xlsx"
        again = queries.report_of(back)
        assert again.requests == report.requests and again.overview == report.overview and again.proactive == report.proactive
    west = filer_client(app, world, "西山镇")
    assert west.get(f"/b/{body}/v/{online.id}/workbook.xlsx").status_code == 404


def test_channel_rows_are_added_and_removed_without_script(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    page = clerk.get(f"/b/{body}/edit").text

    def visible(html: str, group: str) -> int:
        table = re.search(rf'<table class="grid channels" id="rows-{group}">(.*?)</table>', html, re.S)
        assert table
        return len(re.findall(r'<tr data-row="\d+">', table.group(1)))

    assert visible(page, "new_media") == 1 and visible(page, "website_breakdown") == 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    values = _form(page)

    def act(action: str, changes: dict[str, str], shown: int) -> str:
        r = clerk.post(f"/b/{body}/edit", data={**values, **changes, "rows.new_media": str(shown), "base": "0", "action": action, "csrf_token": token})
        assert r.status_code == 200, r.text[:300]
        return r.text

    page = act("add_row:new_media", {}, 1)
    assert visible(page, "new_media") == 2
    rows = {
        "channels.new_media.0.name": "东山发布", "channels.new_media.0.platform": "微信", "channels.new_media.0.posts": "10",
        "channels.new_media.1.name": "东山头条", "channels.new_media.1.platform": "头条", "channels.new_media.1.posts": "5",
        "channels.new_media.2.name": "东山视频", "channels.new_media.2.platform": "抖音", "channels.new_media.2.posts": "7",
    }
    page = act("remove_row:new_media.1", rows, 3)
    after = _form(page)
    assert after["channels.new_media.0.name"] == "东山发布" and after["channels.new_media.1.name"] == "东山视频"
    assert after["channels.new_media.2.name"] == "" and visible(page, "new_media") == 3  # two filled and one blank
    r = clerk.post(f"/b/{body}/edit", data={**after, "base": "0", "action": "save", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    with portal.session() as db:
        media = queries.report_of(queries.latest_version(db, body)).channels.new_media
        assert [(m.name, m.posts) for m in media] == [("东山发布", 10), ("东山视频", 7)]


def test_a_county_upload_for_a_body_is_kept_out_of_the_way_and_logged_as_such(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    body = world.bodies["西山镇"]
    page = county.get(f"/b/{body}").text
    assert '<details class="behalf"><summary>代单位上传' in page
    r = post(county, f"/b/{body}", f"/b/{body}/upload", files={"file": ("西山镇.xlsx", sample_bytes("西山镇"))})
    assert r.status_code == 303
    with portal.session() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.body_id == body)).all()
        assert any(e.action == "upload" and e.detail.startswith("县政务公开办代单位上传") for e in entries)
