"""The round's dashboard as a county office works in it all day: roster order, search by name,
the linked previous round, 通过/退回 on ticked bodies, and the zip (submitted bodies too, the
签发 sheet, a 汇总 that names only the zip's files)."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from gongkai import read_report, write_workbook
from gongkai.portal import actors, auditlog, exports, queries, roster, uploads, workflow
from gongkai.portal.db import BodyRow, User
from portal_support import COUNTY, World, admin_client, csrf_of, filer_client, pdf_bytes, post, sample_bytes

ROSTER = ["东山镇", "西山镇", "南山镇", "北山镇", "青山镇", "白山镇"]  # the order of samples/county/单位名单.csv


def _warned(folder: Path, short: str) -> bytes:
    """The body's sample with a 监督保障 that names none of its results: an RN-8 warning to explain."""
    report = read_report(COUNTY / "2025" / f"{short}.xlsx")
    report.overview.oversight = "本镇加强监督。"
    return write_workbook(report, folder / f"{short}-warned.xlsx").read_bytes()


def _submit(  # type: ignore[no-untyped-def]
    portal, clock, world: World, short: str, *, leader: str = "李镇长", stamped: bool = False, data: bytes | None = None
) -> None:
    """The body uploads its workbook (the sample unless ``data``) and submits it, each warning explained."""
    body = world.bodies[short]
    with portal.session() as db:
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body)), "test", clock)
        version = uploads.upload_version(db, filer, body, f"{short}.xlsx", data or sample_bytes(short))
        explained = {i: f"已核实（{short}第{i}条）" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(
            db, filer, body, version_id=version.id, leader=leader, signed_on=dt.date(2026, 1, 9), explanations=explained,
            stamped=pdf_bytes() if stamped else None,
        )


def _accept(portal, clock, world: World, short: str) -> None:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        workflow.accept(db, actors.system_actor(db, clock=clock), world.bodies[short])


def _states(portal, world: World) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return {short: db.get(BodyRow, body).state for short, body in world.bodies.items()}


def _row_order(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="body-row-(\d+)"', page)]


def _zip(county, world: World, query: str = "") -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    r = county.get(f"/county/rounds/{world.round_id}/download.zip{query}")
    assert r.status_code == 200, r.text
    return zipfile.ZipFile(io.BytesIO(r.content))


# --- order, search, previous round -------------------------------------------------------------


def test_the_dashboard_lists_bodies_in_roster_order_unless_sorted(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    url = f"/county/rounds/{world.round_id}"
    # A body added later comes last, as it would on the list the county keeps.
    assert post(county, url, f"{url}/bodies", {"name": "阿山镇人民政府", "short_name": "阿山镇", "level": "乡镇"}).status_code == 303
    with portal.session() as db:
        added = db.scalar(select(BodyRow.id).where(BodyRow.name == "阿山镇人民政府"))
    roster_order = [world.bodies[s] for s in ROSTER] + [added]
    page = county.get(url)
    assert _row_order(page.text) == roster_order
    assert "<b>按单位名单顺序</b>" in page.text  # the sort in force, not a link
    by_name = county.get(f"{url}?sort=name")
    names = re.findall(r'<td><a href="/b/\d+">([^<]+)</a></td>', by_name.text)
    assert names == sorted(names) and _row_order(by_name.text) != roster_order
    assert 'id="sort-roster"' in by_name.text  # and back to the roster's order by a link
    assert _row_order(county.get(f"{url}?sort=nonsense").text) == roster_order


def test_search_by_full_or_short_name_without_script(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    url = f"/county/rounds/{world.round_id}"
    hostile = "<script>alert(1)</script>镇人民政府"
    assert post(county, url, f"{url}/bodies", {"name": hostile, "short_name": "<b>坏</b>", "level": "乡镇"}).status_code == 303
    page = county.get(url)
    assert 'id="search-form"' in page.text and 'name="q"' in page.text  # a plain GET form
    assert _row_order(county.get(f"{url}?q=西山镇人民政府").text) == [world.bodies["西山镇"]]  # 全称
    assert _row_order(county.get(f"{url}?q=南山").text) == [world.bodies["南山镇"]]  # a part of it
    _submit(portal, clock, world, "北山镇")
    # The search keeps the status filter and the sort; the counters still count every body.
    found = county.get(f"{url}?q=山镇&status=submitted")
    assert _row_order(found.text) == [world.bodies["北山镇"]] and "<b>1</b>已提交" in found.text
    nothing = county.get(f"{url}?q=不存在的单位")
    assert _row_order(nothing.text) == [] and "没有符合条件的单位" in nothing.text
    # A name with markup, found by its short name and its full name, is shown as text only.
    for q in ("<b>坏</b>", "<script>"):
        shown = county.get(url, params={"q": q})
        assert len(_row_order(shown.text)) == 1
        assert "<script>alert(1)</script>" not in shown.text and "&lt;script&gt;alert(1)&lt;/script&gt;镇人民政府" in shown.text
        assert "<b>坏</b>" not in shown.text
        field = re.search(r'<input type="search" name="q" value="([^"]*)"', shown.text)
        assert field and html.unescape(field.group(1)) == q
    # The sort links keep the search.
    assert 'sort=name&amp;q=%3Cscript%3E' in county.get(url, params={"q": "<script>"}).text


def test_the_linked_previous_round_is_shown(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        admin = actors.system_actor(db, clock=clock)
        new = roster.create_round(db, admin, year=2026, orgs=COUNTY / "单位名单.csv", previous_round_id=world.round_id)
        last_title = queries.get_round(db, admin, world.round_id).title
        new_id = new.id
    county = admin_client(app)
    page = county.get(f"/county/rounds/{new_id}")
    shown = re.search(r'<p id="previous-round">上一年度：<a href="/county/rounds/(\d+)">([^<]+)</a></p>', page.text)
    assert shown and int(shown.group(1)) == world.round_id and shown.group(2) == last_title
    assert 'id="previous-round"' not in county.get(f"/county/rounds/{world.round_id}").text  # none linked


# --- 通过 / 退回 on ticked bodies -------------------------------------------------------------


def test_bulk_accept_needs_the_confirmation_and_skips_bodies_not_submitted(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    for short in ("东山镇", "西山镇"):
        _submit(portal, clock, world, short)
    county = admin_client(app)
    url = f"/county/rounds/{world.round_id}"
    page = county.get(url)
    for short in ROSTER:  # a checkbox per row, all in one form
        assert f'name="body" value="{world.bodies[short]}" form="bulk-form" id="tick-{world.bodies[short]}"' in page.text
    ticked = [world.bodies[s] for s in ("东山镇", "西山镇", "南山镇")]
    r = post(county, url, f"{url}/bulk", {"action": "accept", "body": ticked})
    assert r.status_code == 400 and "确认通过" in r.text
    assert _states(portal, world)["东山镇"] == "submitted"  # nothing happened without the confirmation
    r = post(county, url, f"{url}/bulk", {"action": "accept", "confirm": "1", "body": ticked})
    assert r.status_code == 303 and r.headers["location"].startswith(f"{url}?bulk=accept")
    states = _states(portal, world)
    assert (states["东山镇"], states["西山镇"], states["南山镇"]) == ("accepted", "accepted", "open")
    result = county.get(r.headers["location"])
    message = re.search(r'id="bulk-result"[^>]*>([^<]+)<', result.text)
    assert message, result.text
    assert message.group(1) == (
        "已通过 2 个单位：东山镇人民政府、西山镇人民政府。跳过 1 个单位（只有已提交的报告可以通过）：南山镇人民政府（未下载）。"
    )
    # Each decision is in the log like one made on the body's page.
    with portal.session() as db:
        logged = [(e.action, e.body_id) for e in auditlog.audit_entries(db) if e.action == "accept"]
    assert sorted(b for _, b in logged) == sorted(ticked[:2])
    # Ticked again: both are accepted by now, so both are skipped and named.
    again = post(county, url, f"{url}/bulk", {"action": "accept", "confirm": "1", "body": ticked[:2]})
    shown = county.get(again.headers["location"]).text
    assert "已通过 0 个单位。" in shown and "东山镇人民政府（已通过）、西山镇人民政府（已通过）" in shown


def test_bulk_return_needs_a_reason_and_skips_accepted_bodies(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    for short in ("东山镇", "北山镇"):
        _submit(portal, clock, world, short)
    _accept(portal, clock, world, "东山镇")
    county = admin_client(app)
    url = f"/county/rounds/{world.round_id}"
    ticked = [world.bodies["北山镇"], world.bodies["东山镇"]]
    refused = post(county, url, f"{url}/bulk", {"action": "return", "body": ticked, "reason": "  "})
    assert refused.status_code == 400 and "退回原因" in refused.text
    assert _states(portal, world)["北山镇"] == "submitted"
    nothing = post(county, url, f"{url}/bulk", {"action": "return", "reason": "请核对"})
    assert nothing.status_code == 400 and "勾选" in nothing.text
    r = post(county, url, f"{url}/bulk", {"action": "return", "body": ticked, "reason": "请补充说明第三部分"})
    assert r.status_code == 303
    states = _states(portal, world)
    assert (states["北山镇"], states["东山镇"]) == ("returned", "accepted")
    text = county.get(r.headers["location"]).text
    assert "已退回 1 个单位：北山镇人民政府。跳过 1 个单位（只有已提交的报告可以退回）：东山镇人民政府（已通过）。" in text
    with portal.session() as db:
        review = queries.latest_review(db, world.bodies["北山镇"], "return")
        assert review is not None and review.reason == "请补充说明第三部分"
        assert any(e.action == "return" and e.body_id == world.bodies["北山镇"] for e in auditlog.audit_entries(db))
    # The clerk reads the reason on the body's page.
    assert "请补充说明第三部分" in filer_client(app, world, "北山镇").get(f"/b/{world.bodies['北山镇']}").text


def test_the_bulk_route_is_the_countys_and_checks_csrf_and_ids(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    _submit(portal, clock, world, "东山镇")
    east = world.bodies["东山镇"]
    url = f"/county/rounds/{world.round_id}"
    filer = filer_client(app, world, "西山镇")
    token = csrf_of(filer.get(f"/b/{world.bodies['西山镇']}").text)
    r = filer.post(f"{url}/bulk", data={"action": "accept", "confirm": "1", "body": east, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 404
    county = admin_client(app)
    no_token = county.post(f"{url}/bulk", data={"action": "accept", "confirm": "1", "body": east}, follow_redirects=False)
    assert no_token.status_code == 403
    assert _states(portal, world)["东山镇"] == "submitted"
    # A body of another round, an id no body has, a non-ASCII id, an unknown action: 404.
    with portal.session() as db:
        other = roster.create_round(db, actors.system_actor(db, clock=clock), year=2026, orgs=COUNTY / "单位名单.csv")
        stranger = queries.bodies(db, other.id)[0].id
    for body, action in ((stranger, "accept"), (999_999, "accept"), ("１", "accept"), (east, "reopen")):
        r = post(county, url, f"{url}/bulk", {"action": action, "confirm": "1", "body": body, "reason": "x"})
        assert r.status_code == 404, (body, action)
    assert _states(portal, world)["东山镇"] == "submitted"


# --- the zip ------------------------------------------------------------------------------------


def test_the_zip_holds_accepted_bodies_and_optionally_the_submitted_ones_marked(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    _submit(portal, clock, world, "东山镇", stamped=True)
    _accept(portal, clock, world, "东山镇")
    _submit(portal, clock, world, "西山镇", stamped=True)
    county = admin_client(app)
    page = county.get(f"/county/rounds/{world.round_id}")
    assert 'id="zip-submitted"' in page.text and 'name="submitted" value="1"' in page.text
    assert 'name="submitted" value="1" id="zip-submitted" checked' not in page.text  # off unless ticked

    east = "东山镇人民政府2025年政府信息公开工作年度报告.docx"
    west = "西山镇人民政府2025年政府信息公开工作年度报告（已提交未审核）.docx"
    names = set(_zip(county, world).namelist())
    assert east in names and "填报表/东山镇人民政府.xlsx" in names and "盖章件/东山镇人民政府2025年度报告盖章件.pdf" in names
    assert not any("西山镇" in n for n in names)

    names = set(_zip(county, world, "?submitted=1").namelist())
    assert {east, west, "填报表/西山镇人民政府（已提交未审核）.xlsx", "盖章件/西山镇人民政府2025年度报告盖章件（已提交未审核）.pdf"} <= names
    assert "西山镇人民政府2025年政府信息公开工作年度报告.docx" not in names  # only the marked name
    with portal.session() as db:
        logged = [e.detail for e in auditlog.audit_entries(db) if e.action == "download"]
    assert any("一键下载（2 个单位，其中 1 个已提交未审核）" in d for d in logged)


def test_the_zip_with_only_submitted_bodies_needs_the_option(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    _submit(portal, clock, world, "南山镇")
    county = admin_client(app)
    refused = county.get(f"/county/rounds/{world.round_id}/download.zip")
    assert refused.status_code == 409 and "还没有通过审核的单位" in refused.text
    names = _zip(county, world, "?submitted=1").namelist()
    assert "南山镇人民政府2025年政府信息公开工作年度报告（已提交未审核）.docx" in names


def test_the_zips_submission_sheet_has_the_signer_date_and_warning_explanations(app, world, portal, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A leading "=" stays text.
    _submit(portal, clock, world, "东山镇", leader="=李镇长", stamped=True, data=_warned(tmp_path, "东山镇"))
    _accept(portal, clock, world, "东山镇")
    _submit(portal, clock, world, "西山镇", leader="王镇长")
    county = admin_client(app)
    z = _zip(county, world, "?submitted=1")
    book = openpyxl.load_workbook(io.BytesIO(z.read("提交情况.xlsx")))
    sheet = book["提交情况"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    east, west = rows["东山镇人民政府"], rows["西山镇人民政府"]
    assert east["签发人"] == "=李镇长" and sheet.cell(2, header.index("签发人") + 1).data_type == "s"
    assert east["签发日期"] == "2026-01-09" and east["状态"] == "已通过" and west["状态"] == "已提交未审核"
    assert west["签发人"] == "王镇长"
    assert east["盖章件"] == "盖章件/东山镇人民政府2025年度报告盖章件.pdf" and west["盖章件"] == "无"
    with portal.session() as db:
        version = queries.best_version(db, db.get(BodyRow, world.bodies["东山镇"]))
        warnings = [(i, f) for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"]
    assert warnings and east["警告"] == len(warnings)
    for i, f in warnings:
        assert f"{f.rule} {f.message}——说明：已核实（东山镇第{i}条）" in east["警告及说明"]
    notes = [r for r in book["警告说明"].iter_rows(min_row=2, values_only=True) if r[0] == "东山镇人民政府"]
    assert [(r[1], r[4]) for r in notes] == [(f.rule, f"已核实（东山镇第{i}条）") for i, f in warnings]
    # Every file the sheet names is in the zip.
    names = set(z.namelist())
    for row in rows.values():
        for name in [*row["报告文件"].split("、"), row["填报表"], *([row["盖章件"]] if row["盖章件"] != "无" else [])]:
            assert name in names, name


@pytest.mark.parametrize("query", ["", "?submitted=1"])
def test_the_zips_summary_names_only_files_the_zip_holds(app, world, portal, clock, query) -> None:  # type: ignore[no-untyped-def]
    for short in ("东山镇", "北山镇"):
        _submit(portal, clock, world, short)
    _accept(portal, clock, world, "东山镇")
    county = admin_client(app)
    z = _zip(county, world, query)
    names = set(z.namelist())
    summary = openpyxl.load_workbook(io.BytesIO(z.read("汇总.xlsx")))["汇总"]
    header = [c.value for c in summary[1]]
    rows = [dict(zip(header, r, strict=True)) for r in summary.iter_rows(min_row=2, values_only=True) if r[0] != "合计"]
    assert len(rows) == (2 if query else 1)
    for row in rows:
        assert f"填报表/{row['文件']}" in names, row["文件"]  # the workbook the report was read from
        for output in str(row["报告文件或原因"]).split("、"):
            assert output in names, output
    docx = sorted(n for n in names if n.endswith(".docx"))
    assert len(docx) == len(rows)
    report = z.read("核对报告.md").decode()
    for output in docx:
        assert output in report


def test_pdfs_are_offered_only_where_libreoffice_is(app, world, portal, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _submit(portal, clock, world, "东山镇")
    _accept(portal, clock, world, "东山镇")
    county = admin_client(app)
    monkeypatch.setattr(exports, "pdf_available", lambda: False)
    assert 'id="zip-pdf"' not in county.get(f"/county/rounds/{world.round_id}").text
    refused = county.get(f"/county/rounds/{world.round_id}/download.zip?pdf=1")
    assert refused.status_code == 409 and "LibreOffice" in refused.text
    monkeypatch.setattr(exports, "pdf_available", lambda: True)
    assert 'name="pdf" value="1" id="zip-pdf"' in county.get(f"/county/rounds/{world.round_id}").text


def test_the_preview_fits_a_phone(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    """The library's page, served as the preview, takes the screen's width (not a 980 px page
    shrunk to it) and each table scrolls in a box of its own."""
    _submit(portal, clock, world, "东山镇")
    with portal.session() as db:
        version = queries.latest_version(db, world.bodies["东山镇"])
    page = admin_client(app).get(f"/b/{world.bodies['东山镇']}/v/{version.id}/preview").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert page.count('<div style="overflow-x:auto">\n<table ') == page.count("<table ") == 3
    assert page.count("</table>\n</div>") == 3
