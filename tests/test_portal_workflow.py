"""The body's workflow: the transition table, and 重新打开 (reopen) through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gongkai.portal import actors, auditlog, queries, uploads, workflow
from gongkai.portal.db import BodyRow, Review, User
from gongkai.portal.errors import PortalError
from gongkai.portal.workflow import TRANSITIONS, Action, BodyState
from portal_support import admin_client, client_for, csrf_of, filer_client, post, sample_bytes


def test_transition_table() -> None:
    assert {a for (_s, a) in TRANSITIONS} == set(Action) == set(workflow.REFUSALS)
    assert workflow.allowed(BodyState.OPEN) == workflow.allowed(BodyState.RETURNED) == {Action.SUBMIT}
    assert workflow.allowed(BodyState.SUBMITTED) == {Action.RETURN, Action.ACCEPT, Action.REOPEN}
    assert workflow.allowed(BodyState.ACCEPTED) == {Action.REOPEN}
    assert [s for s in BodyState if workflow.is_locked(s)] == [BodyState.SUBMITTED, BodyState.ACCEPTED]
    # Stored as plain strings, the values the database has always held.
    assert [s.value for s in BodyState] == ["open", "submitted", "returned", "accepted"]
    assert workflow.allowed("accepted") == {Action.REOPEN}


def _accepted(portal, world, short: str) -> int:  # type: ignore[no-untyped-def]
    """The body's sample uploaded, submitted by its clerk and accepted by the county."""
    body_id = world.bodies[short]
    with portal.session() as db:
        admin = actors.system_actor(db)
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body_id)), "test")
        version = uploads.upload_version(db, filer, body_id, f"{short}.xlsx", sample_bytes(short))
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, body_id, version_id=version.id, leader="李镇长", signed_on=dt.date(2026, 1, 9), explanations=explanations)
        workflow.accept(db, admin, body_id)
    return body_id


def _state(portal, body_id: int) -> str:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return db.get(BodyRow, body_id).state


def test_reopen_gives_an_accepted_body_back_to_its_clerk(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    body = _accepted(portal, world, "东山镇")
    county = admin_client(app)
    page = county.get(f"/b/{body}")
    assert 'id="reopen-button"' in page.text and 'id="accept-button"' not in page.text

    # Neither the body's own clerk, nor another body's, nor nobody may reopen: a 填报人 on a
    # county action gets the 404 of a page that does not exist, and the state stays.
    own = filer_client(app, world, "东山镇")
    other = filer_client(app, world, "西山镇")
    for clerk, page_url in ((own, f"/b/{body}"), (other, f"/b/{world.bodies['西山镇']}")):
        refused = post(clerk, page_url, f"/county/bodies/{body}/reopen", {"reason": "我想改"})
        assert refused.status_code == 404
    anonymous = client_for(app)
    token = csrf_of(anonymous.get("/login").text)
    assert anonymous.post(f"/county/bodies/{body}/reopen", data={"reason": "x", "csrf_token": token}).status_code == 403
    assert _state(portal, body) == "accepted"
    with portal.session() as db:
        denied = auditlog.audit_entries(db, action="denied")
        assert any(f"/county/bodies/{body}/reopen" in e.detail for e in denied)

    # The county must say why.
    no_reason = post(county, f"/b/{body}", f"/county/bodies/{body}/reopen", {"reason": "  "})
    assert no_reason.status_code == 400 and "请写明原因" in no_reason.text
    assert _state(portal, body) == "accepted"

    r = post(county, f"/b/{body}", f"/county/bodies/{body}/reopen", {"reason": "第三部分数字需更正"})
    assert r.status_code == 303 and r.headers["location"] == f"/b/{body}?done=reopen"
    assert _state(portal, body) == "returned"
    page = own.get(f"/b/{body}")
    assert 'id="return-reason"' in page.text and "第三部分数字需更正" in page.text
    assert 'id="upload-form"' in page.text and "已退回" in page.text
    with portal.session() as db:
        review = db.scalar(select(Review).where(Review.body_id == body).order_by(Review.id.desc()))
        assert review.action == "reopen" and review.reason == "第三部分数字需更正"
        assert auditlog.audit_entries(db, action="reopen", body_id=body)[0].detail.endswith("第三部分数字需更正")

    # A returned body is not reopened again; its clerk may upload and submit once more.
    again = post(county, f"/b/{body}", f"/county/bodies/{body}/reopen", {"reason": "再次"})
    assert again.status_code == 409 and "只有已提交或已通过的报告可以重新打开" in again.text
    upload = post(own, f"/b/{body}", f"/b/{body}/upload", files={"file": ("东山镇.xlsx", sample_bytes("东山镇"), "application/octet-stream")})
    assert upload.status_code == 303


def test_reopen_a_submitted_body_and_refusals_change_nothing(portal, world) -> None:  # type: ignore[no-untyped-def]
    body_id = world.bodies["南山镇"]
    with portal.session() as db:
        admin = actors.system_actor(db)
        with pytest.raises(PortalError, match="只有已提交或已通过的报告可以重新打开") as refused:
            workflow.reopen(db, admin, body_id, "尚未提交")
        assert refused.value.status == 409
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body_id)), "test")
        version = uploads.upload_version(db, filer, body_id, "南山镇.xlsx", sample_bytes("南山镇"))
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, body_id, version_id=version.id, leader="王", signed_on=dt.date(2026, 1, 9), explanations=explanations)
        workflow.reopen(db, admin, body_id, "先退回补充盖章件")
        assert db.get(BodyRow, body_id).state == BodyState.RETURNED
