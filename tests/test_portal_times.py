"""Times as the county reads them: 北京时间 with full dates on pages and in files, deadlines that
end at local midnight, and another zone when the county configures one."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from gongkai.cli import app as cli_app
from gongkai.portal import actors, localtime, queries, uploads, workflow
from gongkai.portal.app import Settings, create_app
from gongkai.portal.db import User
from portal_support import admin_client, filer_client, make_world, sample_bytes


def _upload_and_submit(portal, world, short: str, *, submit: bool) -> int:  # type: ignore[no-untyped-def]
    body_id = world.bodies[short]
    clock = portal.settings.clock
    with portal.session() as db:
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body_id)), "test", clock)
        version = uploads.upload_version(db, filer, body_id, f"{short}.xlsx", sample_bytes(short))
        if submit:
            explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
            workflow.submit(db, filer, body_id, version_id=version.id, leader="李镇长", signed_on=filer.today(), explanations=explanations)
    return body_id


def test_pages_show_beijing_time_with_the_full_date(app, portal, world, clock) -> None:  # type: ignore[no-untyped-def]
    clock.now = dt.datetime(2026, 1, 30, 17, 30)  # UTC: already 01:30 on the 31st in Beijing
    clerk = filer_client(app, world, "西山镇")
    body_id = _upload_and_submit(portal, world, "西山镇", submit=False)
    page = clerk.get(f"/b/{body_id}").text
    assert "2026-01-31 01:30" in page and "2026-01-30 17:30" not in page
    assert 'name="signed_on" id="signed-on" value="2026-01-31"' in page  # the local day, not the UTC one
    assert "页面中的时间均为北京时间" in page


def test_a_deadline_ends_at_midnight_beijing_time(app, portal, world, clock) -> None:  # type: ignore[no-untyped-def]
    clock.now = dt.datetime(2026, 1, 31, 15, 30)  # 23:30 on the deadline day in Beijing
    _upload_and_submit(portal, world, "西山镇", submit=True)

    def status(short: str) -> str:
        page = admin_client(app).get(f"/county/rounds/{world.round_id}").text
        rows = [r for r in page.split("<tr")[1:] if f">{short}人民政府</a>" in r]
        (row,) = rows
        return "逾期" if "逾期" in row else ("按时" if "按时" in row else "—")

    assert status("西山镇") == "按时"
    assert status("东山镇") == "—"  # not due yet: the day has 30 minutes left in Beijing
    clock.now = dt.datetime(2026, 1, 31, 16, 1)  # 00:01 on 1 February in Beijing
    assert status("东山镇") == "逾期"
    assert status("西山镇") == "按时"


def test_chase_list_times_are_local_and_labelled(app, portal, world, clock) -> None:  # type: ignore[no-untyped-def]
    clock.now = dt.datetime(2026, 1, 20, 20, 15)
    _upload_and_submit(portal, world, "东山镇", submit=False)
    county = admin_client(app)
    r = county.get(f"/county/rounds/{world.round_id}/chase.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    assert "最后上传（北京时间）" in header
    column = header.index("最后上传（北京时间）")
    shown = [row[column].value for row in ws.iter_rows(min_row=2) if row[1].value == "东山镇"]
    assert shown == ["2026-01-21 04:15"]


def test_a_county_may_configure_another_zone(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    application = create_app(Settings(db_url, clock=clock, zone="Asia/Urumqi"))
    portal = application.state.portal
    w = make_world(portal, clock)
    body_id = _upload_and_submit(portal, w, "西山镇", submit=False)  # 09:00 UTC
    page = filer_client(application, w, "西山镇").get(f"/b/{body_id}").text
    assert "2026-01-10 15:00" in page and "页面中的时间均为乌鲁木齐时间" in page


def test_end_of_day_and_an_unknown_zone() -> None:
    assert localtime.end_of_day(dt.date(2026, 1, 31)) == dt.datetime(2026, 1, 31, 15, 59, 59, 999999)
    assert localtime.when(dt.datetime(2026, 12, 31, 16, 0), label=True) == "2027-01-01 00:00 北京时间"
    with pytest.raises(ValueError, match="没有名为"):
        localtime.zone("Mars/Olympus")
    result = CliRunner().invoke(cli_app, ["serve", "--timezone", "Mars/Olympus"])
    assert result.exit_code == 2 and "没有名为 Mars/Olympus 的时区" in result.output and "Traceback" not in result.output
