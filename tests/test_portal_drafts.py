"""在线填写 with JavaScript's server side (issue 13): the autosaved draft, the live check's JSON,
last year's text and the default sentences beside each narrative part, migration 0004."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from sqlalchemy import inspect, select

from gongkai.portal import accounts, actors, create_app, queries, roster, uploads, workflow
from gongkai.portal.app import Settings
from gongkai.portal.db import BodyRow, DraftRow, User, Version, make_engine
from portal_support import (
    COUNTY,
    NEW_PASSWORD,
    admin_client,
    client_for,
    csrf_of,
    filer_client,
    login,
    sample_bytes,
)
from test_portal_editor import _form
from test_portal_migrations import _migrate

ROUTES = ("draft", "check")


def _open(client, body: int) -> tuple[dict[str, str], str, str]:  # type: ignore[no-untyped-def]
    """The editor's fields, its ``base`` and its CSRF token, as the page's script posts them."""
    page = client.get(f"/b/{body}/edit")
    assert page.status_code == 200, page.text[:300]
    base = re.search(r'name="base" value="(\d+)"', page.text)
    assert base
    return _form(page.text), base.group(1), csrf_of(page.text)


def _post(client, body: int, route: str, changes: dict[str, str] | None = None, *, on: int | None = None):  # type: ignore[no-untyped-def]
    values, base, token = _open(client, on or body)
    return client.post(f"/b/{body}/edit/{route}", data={**values, **(changes or {}), "base": base, "csrf_token": token})


def _drafts(portal) -> list[DraftRow]:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return list(db.scalars(select(DraftRow)))


def test_a_draft_is_saved_restored_overwritten_and_gone_once_a_version_is_saved(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = _post(east, body, "draft", {"requests.new.natural_person": "4", "overview.management": "草稿里的第一段。\n第二段。"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == {"saved_at": "2026-01-10 17:00 北京时间", "time": "17:00"}  # 09:00 UTC
    clock.advance(minutes=5)
    r = _post(east, body, "draft", {"overview.management": "改过的草稿。\n第二段。"})  # the restored page, changed again
    assert r.json()["time"] == "17:05"
    (draft,) = _drafts(portal)
    assert draft.base == 0 and json.loads(draft.values_json)["requests.new.natural_person"] == "4"

    page = east.get(f"/b/{body}/edit")
    assert "已恢复 2026-01-10 17:05 北京时间 自动保存的草稿" in page.text
    values = _form(page.text)
    assert values["overview.management"] == "改过的草稿。\n第二段。" and values["requests.new.natural_person"] == "4"
    assert 'data-path="requests.new.total" class="num">4<' in page.text  # the total computed from the draft

    with portal.session() as db:
        assert db.query(Version).count() == 0  # a draft is never a version
    r = east.post(f"/b/{body}/edit", data={**values, "base": "0", "action": "save", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert _drafts(portal) == []
    page = east.get(f"/b/{body}/edit")
    assert "已恢复" not in page.text and "从第 1 版开始编辑" in page.text
    assert _form(page.text)["overview.management"] == "改过的草稿。\n第二段。"


def test_a_draft_older_than_the_latest_version_is_not_restored_nor_overwritten_from_a_stale_page(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    stale_values, _base, token = _open(east, body)
    assert _post(east, body, "draft", {"overview.management": "旧草稿"}).status_code == 200
    page = east.get(f"/b/{body}")
    r = east.post(f"/b/{body}/upload", data={"csrf_token": csrf_of(page.text)}, files={"file": ("东山镇.xlsx", sample_bytes("东山镇"), "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303
    page = east.get(f"/b/{body}/edit")
    assert "已恢复" not in page.text and "旧草稿" not in page.text  # version 1 is newer than the draft
    r = east.post(f"/b/{body}/edit/draft", data={**stale_values, "base": "0", "csrf_token": token})
    assert r.status_code == 409 and "第 1 版" in r.json()["error"]
    assert json.loads(_drafts(portal)[0].values_json)["overview.management"] == "旧草稿"


def test_the_live_check_answers_the_librarys_findings_and_computed_totals_and_stores_nothing(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = _post(east, body, "check", {"requests.new.natural_person": "5", "requests.granted.commercial": "2", "overview.proactive": ""})
    assert r.status_code == 200
    answer = r.json()
    assert set(answer) == {"findings", "problems", "totals", "defaults"}
    r31 = [f for f in answer["findings"] if f["rule"] == "R3-1"]
    assert r31 and all(f["severity"] == "error" and f["path"] and f["message"] for f in r31)
    assert {"rule", "severity", "message", "hint", "path"} == set(r31[0])
    assert answer["totals"]["requests.new.total"] == "5" and answer["totals"]["requests.granted.total"] == "2"
    assert "requests.new.natural_person" not in answer["totals"]  # an input, not a computed cell
    assert answer["problems"] == []
    assert "overview.proactive" in answer["defaults"] and answer["defaults"]["overview.proactive"]
    bad = _post(east, body, "check", {"requests.new.commercial": "两件"}).json()
    assert [p["path"] for p in bad["problems"]] == ["requests.new.commercial"] and bad["totals"] == {}
    with portal.session() as db:
        assert db.query(Version).count() == 0
    assert _drafts(portal) == []


@pytest.mark.parametrize("route", ROUTES)
def test_nobody_another_body_no_csrf_and_the_county_are_refused(app, world, portal, route: str) -> None:  # type: ignore[no-untyped-def]
    east_id, west_id = world.bodies["东山镇"], world.bodies["西山镇"]
    nobody = client_for(app)
    token = csrf_of(nobody.get("/login").text)  # a valid token, but no login
    assert nobody.post(f"/b/{east_id}/edit/{route}", data={"base": "0", "csrf_token": token}).status_code == 403
    west = filer_client(app, world, "西山镇")
    r = _post(west, east_id, route, on=west_id)  # west's own page and token, east's body
    assert r.status_code == 404
    east = filer_client(app, world, "东山镇")
    values, base, _token = _open(east, east_id)
    assert east.post(f"/b/{east_id}/edit/{route}", data={**values, "base": base}).status_code == 403
    county = admin_client(app)
    page = county.get(f"/b/{east_id}/edit")
    assert 'data-draft=' not in page.text and 'data-check=' not in page.text  # no script work on a read-only page
    r = county.post(f"/b/{east_id}/edit/{route}", data={**_form(page.text), "base": "0", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 403 and "不能代为填写" in r.json()["error"]
    assert _drafts(portal) == []


@pytest.mark.parametrize("route", ROUTES)
def test_a_submitted_body_is_refused_with_409(app, world, portal, route: str) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    values, base, token = _open(east, body)
    with portal.session() as db:
        db.get(BodyRow, body).state = workflow.BodyState.SUBMITTED.value
        db.commit()
    r = east.post(f"/b/{body}/edit/{route}", data={**values, "base": base, "csrf_token": token})
    assert r.status_code == 409 and "已提交" in r.json()["error"]
    assert _drafts(portal) == []


def test_hostile_text_in_a_draft_comes_back_as_text(app, world) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    hostile = "<script>alert(1)</script>{{ 7*7 }}{% if 1 %}x{% endif %}"
    r = _post(east, body, "draft", {"overview.platforms": hostile, "preamble.contact": "=HYPERLINK(\"http://x\")", "requests.new.other": "=1+1"})
    assert r.status_code == 200
    page = east.get(f"/b/{body}/edit")
    assert "已恢复" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "{{ 7*7 }}" in html.unescape(page.text) and ">49<" not in page.text
    values = _form(page.text)
    assert values["overview.platforms"] == hostile and values["preamble.contact"] == "=HYPERLINK(\"http://x\")"
    assert values["requests.new.other"] == "=1+1"  # kept as typed, and reported as unreadable
    assert 'id="problems"' in page.text and "requests.new.other" in page.text
    answer = _post(east, body, "check").json()
    assert answer["problems"] and answer["problems"][0]["path"] == "requests.new.other"


def test_last_years_text_and_the_default_sentence_are_shown_beside_each_part(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    east_2025 = world.bodies["东山镇"]
    with portal.session() as db:
        admin = actors.system_actor(db, clock=clock)
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == east_2025)), "test", clock)
        version = uploads.upload_version(db, filer, east_2025, "东山镇.xlsx", sample_bytes("东山镇"))
        last_report = queries.report_of(version)
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, east_2025, version_id=version.id, leader="李镇长", signed_on=dt.date(2026, 1, 9), explanations=explanations)
        workflow.accept(db, admin, east_2025)
        rnd = roster.create_round(db, admin, year=2026, orgs=COUNTY / "单位名单.csv", previous_round_id=world.round_id)
        issued = {a.body.short_name: a for a in accounts.issue_accounts(db, admin, rnd.id)}
    account = issued["东山镇"]
    east = client_for(app)
    assert login(east, account.username, account.password).headers["location"] == "/password"
    page = east.get("/password")
    east.post("/password", data={"old_password": account.password, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "csrf_token": csrf_of(page.text)})
    page = east.get(f"/b/{account.body.id}/edit")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert text.count("上年内容，仅供参考") >= 8
    for part in ("management", "oversight"):
        shown = re.search(rf'data-prev-for="overview\.{part}">(.*?)</div>', page.text, re.S)
        assert shown and html.unescape(shown.group(1)) == getattr(last_report.overview, part)
    assert 'class="copy-prev" data-target="overview.management" hidden>复制到本年' in page.text  # shown by the script
    # An empty part says what the report will print instead (the library's default sentence).
    values = _form(page.text)
    empty = [p for p in ("overview.proactive", "overview.requests", "overview.platforms") if not values[p].strip()]
    assert empty
    hint = re.search(rf'data-default-for="{re.escape(empty[0])}">留空时报告将写：<span>(.+?)</span>', page.text, re.S)
    assert hint and len(hint.group(1)) > 20


def test_migration_0004_adds_and_drops_the_drafts_table(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    _migrate(db_url, "0003")
    engine = make_engine(db_url)
    assert "drafts" not in inspect(engine).get_table_names()
    engine.dispose()
    app = create_app(Settings(db_url, clock=clock))  # upgrades to head on start
    app.state.portal.engine.dispose()
    engine = make_engine(db_url)
    columns = {c["name"] for c in inspect(engine).get_columns("drafts")}
    assert columns == {"id", "body_id", "values_json", "base", "updated_at", "user_id"}
    assert any(u["column_names"] == ["body_id"] for u in inspect(engine).get_unique_constraints("drafts"))
    engine.dispose()
    _migrate(db_url, "0003", down=True)
    engine = make_engine(db_url)
    assert "drafts" not in inspect(engine).get_table_names()
    engine.dispose()
