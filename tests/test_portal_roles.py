"""等保 访问控制 / 三员分立: every route walked as every role, against the table below.

The table is written out here, not derived from ``app.ROUTES``: a route added without a line in
it fails the first test, and a route that lets the wrong duty in fails the walk. A refused page is
the same 404 as one that does not exist (nothing says it is there), and the refusal is logged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from starlette.routing import Route

from gongkai.portal import accounts, actors, queries, staff, uploads, workflow
from gongkai.portal.app import ROUTES
from gongkai.portal.db import AuditEntry, User
from gongkai.portal.roles import Duty, combination_problem
from portal_support import (
    ADMIN_PASSWORD,
    admin_client,
    client_for,
    csrf_of,
    filer_client,
    login,
    pdf_bytes,
    post,
    sample_bytes,
)

SYSTEM, REVIEW, SECURITY, AUDIT, FILER = "system", "reviewer", "security", "auditor", "filer"
ROLES = (SYSTEM, REVIEW, SECURITY, AUDIT, FILER)
EVERYONE = frozenset(ROLES)
BODY = frozenset({SYSTEM, REVIEW, FILER})  # a body's pages: its clerk, the county's roster and review duties
COUNTY_OFFICERS = frozenset({SYSTEM, REVIEW, SECURITY, AUDIT})

# (route name, method) -> the roles that may use it. Everyone else gets 404.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("home", "GET"): EVERYONE,
    ("login", "GET"): EVERYONE,
    ("password", "GET"): EVERYONE,
    ("password", "POST"): EVERYONE,
    ("body", "GET"): BODY,
    ("workbook", "GET"): BODY,
    ("upload", "POST"): BODY,  # the county uploads on a body's behalf, logged as such
    ("edit", "GET"): BODY,
    ("edit", "POST"): BODY,
    ("edit_draft", "POST"): BODY,
    ("edit_check", "POST"): BODY,
    ("submit", "POST"): BODY,  # reached by the county too, and refused with words (提交由填报单位完成)
    ("version", "GET"): BODY,
    ("version_file", "GET"): BODY,
    ("version_workbook", "GET"): BODY,
    ("preview", "GET"): BODY,
    ("report", "GET"): BODY,
    ("stamped", "GET"): BODY,
    ("county", "GET"): frozenset({SYSTEM, REVIEW}),
    ("round_create", "POST"): frozenset({SYSTEM}),
    ("round", "GET"): frozenset({SYSTEM, REVIEW}),
    ("accounts", "GET"): frozenset({SYSTEM}),
    ("accounts", "POST"): frozenset({SYSTEM}),
    ("round_close", "POST"): frozenset({SYSTEM}),
    ("chase", "GET"): frozenset({SYSTEM}),  # the contact people and phones: only who chases
    ("reminders", "POST"): frozenset({SYSTEM}),
    ("reminder_settings", "GET"): frozenset({SYSTEM}),
    ("reminder_settings", "POST"): frozenset({SYSTEM}),
    ("body_add", "POST"): frozenset({SYSTEM}),
    ("totals", "GET"): frozenset({REVIEW}),
    ("zip", "GET"): frozenset({REVIEW}),
    ("round_bulk", "POST"): frozenset({REVIEW}),
    ("body_rename", "POST"): frozenset({SYSTEM}),
    ("body_remove", "POST"): frozenset({SYSTEM}),
    ("body_reset", "POST"): frozenset({SYSTEM}),
    ("body_unlock", "POST"): frozenset({SYSTEM}),
    ("review", "POST"): frozenset({REVIEW}),
    ("audit", "GET"): frozenset({AUDIT}),
    ("audit_export", "GET"): frozenset({AUDIT}),
    ("staff", "GET"): frozenset({SYSTEM, SECURITY}),
    ("staff", "POST"): frozenset({SYSTEM}),  # names an account; only the 安全管理员 enables it
    ("staff_action", "POST"): frozenset({SECURITY}),
    ("security", "GET"): frozenset({SECURITY}),
    ("security", "POST"): frozenset({SECURITY}),
    ("two_factor_login", "GET"): EVERYONE,  # the login's second step; without one due, back home
    ("two_factor_login", "POST"): EVERYONE,
    ("two_factor", "GET"): COUNTY_OFFICERS,  # one's own 双因素登录; filers have none
    ("two_factor", "POST"): COUNTY_OFFICERS,
}
# Not walked: logging in and out change who is asking.
UNWALKED = {("login", "POST"), ("logout", "POST")}

SINGLE = {SYSTEM: "xitong", REVIEW: "shenhe"}  # one duty each (the world's "county" holds both)


def _routes() -> list[tuple[str, str, str]]:
    out = []
    for r in ROUTES:
        if isinstance(r, Route):
            for method in sorted((r.methods or set()) - {"HEAD"}):
                out.append((r.name, method, r.path))
    return out


def test_every_route_has_a_line_in_the_table() -> None:
    walked = {(name, method) for name, method, _ in _routes()}
    assert walked - UNWALKED - set(EXPECTED) == set(), "routes without a line in EXPECTED"
    assert set(EXPECTED) - walked == set(), "lines in EXPECTED for routes that are gone"


@pytest.fixture
def setting(app, world, portal, clock):  # type: ignore[no-untyped-def]
    """One county account per single duty, and a body with a version and a stamped submission."""
    with portal.session() as db:
        accounts.create_admin(db, SINGLE[SYSTEM], ADMIN_PASSWORD, clock, duties=(Duty.SYSTEM,))
        accounts.create_admin(db, SINGLE[REVIEW], ADMIN_PASSWORD, clock, duties=(Duty.REVIEW,))
        body = world.bodies["东山镇"]
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body)), "test", clock)
        version = uploads.upload_version(db, filer, body, "东山镇.xlsx", sample_bytes("东山镇"))
        warnings = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        sub = workflow.submit(
            db, filer, body, version_id=version.id, leader="李镇长", signed_on=dt.date(2026, 1, 9), explanations=warnings, stamped=pdf_bytes()
        )
        target = db.scalar(select(User.id).where(User.username == SINGLE[SYSTEM]))
        ids = {
            "body_id": body, "version_id": version.id, "submission_id": sub.id, "round_id": world.round_id, "user_id": target,
            "kind": "docx", "action": "return",
        }
    return ids


def _client(app, world, role: str):  # type: ignore[no-untyped-def]
    if role == FILER:
        return filer_client(app, world, "东山镇")
    username = {SECURITY: "anquan", AUDIT: "shenji"}.get(role) or SINGLE[role]
    c = client_for(app)
    assert login(c, username, ADMIN_PASSWORD).status_code == 303
    return c


STAFF_ACTION = {"staff_action": "unlock"}  # harmless on another account
FORMS = {"round_bulk": {"action": "return"}, "two_factor": {"action": "codes"}}  # a form the page would send (an unknown action is 404 for all)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_as_every_role(app, world, portal, setting, role) -> None:  # type: ignore[no-untyped-def]
    c = _client(app, world, role)
    token = csrf_of(c.get("/password").text)
    seen = []
    for name, method, path in _routes():
        if (name, method) in UNWALKED:
            continue
        values = {**setting, "action": STAFF_ACTION.get(name, setting["action"])}
        url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m, v=values: str(v[m.group(1)]), path)
        if method == "GET":
            r = c.get(url, follow_redirects=False)
        else:
            r = c.post(url, data={**FORMS.get(name, {}), "csrf_token": token}, follow_redirects=False)
        allowed = role in EXPECTED[(name, method)]
        if allowed:
            assert r.status_code != 404, (role, method, url, r.status_code)
            assert r.status_code < 500, (role, method, url, r.status_code)
        else:
            assert r.status_code == 404, (role, method, url, r.status_code)
            seen.append(url)
    with portal.session() as db:
        denied = list(db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "denied")))
    assert len(denied) >= len(seen) and all(any(url in d for d in denied) for url in seen)


def test_the_nav_shows_each_role_only_its_pages(app, world, setting) -> None:  # type: ignore[no-untyped-def]
    navs = {}
    for role in ROLES:
        page = _client(app, world, role).get("/", follow_redirects=True).text
        navs[role] = set(re.findall(r'id="nav-([\w-]+)"', page)) - {"password"}
    assert navs == {
        SYSTEM: {"rounds", "staff", "two-factor"},
        REVIEW: {"rounds", "two-factor"},
        SECURITY: {"staff", "security", "two-factor"},
        AUDIT: {"audit", "two-factor"},
        FILER: set(),
    }


def test_only_who_may_act_sees_the_buttons(app, world, setting) -> None:  # type: ignore[no-untyped-def]
    body, rnd = setting["body_id"], setting["round_id"]
    system, reviewer = _client(app, world, SYSTEM), _client(app, world, REVIEW)
    assert 'id="review"' not in system.get(f"/b/{body}").text and 'id="manage"' in system.get(f"/b/{body}").text
    assert 'id="review"' in reviewer.get(f"/b/{body}").text and 'id="manage"' not in reviewer.get(f"/b/{body}").text
    system_round, reviewer_round = system.get(f"/county/rounds/{rnd}").text, reviewer.get(f"/county/rounds/{rnd}").text
    for mark in ('id="issue-accounts"', 'id="chase-download"', 'id="body-add-form"', 'id="round-close-form"', 'id="bulk-remind"'):
        assert mark in system_round and mark not in reviewer_round, mark
    for mark in ('id="zip-form"', 'id="totals-link"', 'id="bulk-accept"'):
        assert mark in reviewer_round and mark not in system_round, mark


# --- naming the others, and no role granting itself another ------------------------------------


def test_the_first_admin_is_the_system_administrator_and_must_name_the_others(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gongkai.portal import Settings, create_app

    application = create_app(Settings(f"sqlite:///{tmp_path / 'g.db'}"))
    portal = application.state.portal
    with portal.session() as db:
        first = accounts.create_admin(db, "chief", ADMIN_PASSWORD)
        assert first.duties == "system"
    chief = client_for(application)
    assert login(chief, "chief", ADMIN_PASSWORD).headers["location"] == "/"
    assert chief.get("/", follow_redirects=True).url.path == "/county/staff"
    for page in ("/county", "/county/reminders"):
        r = chief.get(page, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/county/staff", page
    assert "请先指定安全管理员和审计管理员" in chief.get("/county/staff").text
    named = {}
    for username, duty in (("anquan", "security"), ("shenji", "auditor")):
        r = post(chief, "/county/staff", "/county/staff", {"username": username, "duty": duty})
        assert r.status_code == 200 and 'id="named-password"' in r.text, r.text[-800:]
        named[username] = re.search(r'id="named-password">([^<]+)<', r.text).group(1)
    assert chief.get("/county", follow_redirects=False).status_code == 200  # the office is complete
    # Named at the start, both work at once (their first login changes the password).
    officer = client_for(application)
    assert login(officer, "anquan", named["anquan"]).headers["location"] == "/password"
    # A 审核员 named now waits for the 安全管理员: the 系统管理员 cannot widen the office alone.
    r = post(chief, "/county/staff", "/county/staff", {"username": "shenhe", "duty": "reviewer"})
    password = re.search(r'id="named-password">([^<]+)<', r.text).group(1)
    assert "待安全管理员启用" in r.text
    waiting = client_for(application)
    r = login(waiting, "shenhe", password)
    assert r.status_code == 403 and "还没有被安全管理员启用" in r.text
    with portal.session() as db:
        reviewer_id = db.scalar(select(User.id).where(User.username == "shenhe"))
        security = actors.Actor(db.scalar(select(User).where(User.username == "anquan")), "test")
        staff.enable(db, security, reviewer_id)
    assert login(client_for(application), "shenhe", password).headers["location"] == "/password"


def test_no_role_grants_itself_another(app, world, portal, setting) -> None:  # type: ignore[no-untyped-def]
    security = admin_client(app, "anquan")
    with portal.session() as db:
        own = db.scalar(select(User.id).where(User.username == "anquan"))
    for action in ("duties", "enable", "disable", "password", "two_factor", "unlock"):
        r = post(security, "/county/staff", f"/county/staff/{own}/{action}", {"duty": ["security", "auditor"]})
        assert r.status_code == 400 and "不能修改自己的账号" in r.text, action
    with portal.session() as db:
        assert db.get(User, own).duties == "security"
    # The 系统管理员 has no way to change duties at all, its own or another's.
    system = _client(app, world, SYSTEM)
    r = post(system, "/county/staff", f"/county/staff/{setting['user_id']}/duties", {"duty": ["system", "reviewer", "auditor"]})
    assert r.status_code == 404
    # Nor may the 安全管理员 give anyone a combination 三员分立 forbids.
    r = post(security, "/county/staff", f"/county/staff/{setting['user_id']}/duties", {"duty": ["system", "auditor"]})
    assert r.status_code == 400 and "不能由同一账号兼任" in r.text
    assert combination_problem(frozenset({Duty.SECURITY, Duty.AUDIT})) and combination_problem(frozenset())
    assert combination_problem(frozenset({Duty.SYSTEM, Duty.REVIEW})) is None


def test_the_security_officer_changes_duties_and_disabling_ends_sessions_at_once(app, world, portal, setting) -> None:  # type: ignore[no-untyped-def]
    security = admin_client(app, "anquan")
    system = _client(app, world, SYSTEM)
    assert system.get(f"/county/rounds/{setting['round_id']}/totals").status_code == 404
    r = post(security, "/county/staff", f"/county/staff/{setting['user_id']}/duties", {"duty": ["system", "reviewer"]})
    assert r.status_code == 200 and "已把 xitong 的职责改为系统管理员、审核员" in r.text
    # Its sessions ended with the change; logged in again it holds both.
    assert system.get("/county", follow_redirects=False).status_code == 303
    system = _client(app, world, SYSTEM)
    assert system.get(f"/county/rounds/{setting['round_id']}/totals").status_code == 200
    r = post(security, "/county/staff", f"/county/staff/{setting['user_id']}/disable")
    assert r.status_code == 200 and "已停用 xitong" in r.text
    assert system.get("/county", follow_redirects=False).headers["location"].startswith("/login")
    with portal.session() as db:
        actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "staff_duties" in actions and "staff_disable" in actions


def test_the_security_policy_is_applied(app, world, portal, clock, setting) -> None:  # type: ignore[no-untyped-def]
    security = admin_client(app, "anquan")
    page = security.get("/county/security").text
    assert 'id="policy-idle_minutes" inputmode="numeric" value="30"' in page
    values = {"password_max_days": "90", "lock_failures": "3", "lock_minutes": "30", "idle_minutes": "10", "session_hours": "8"}
    bad = post(security, "/county/security", "/county/security", {**values, "lock_failures": "1000"})
    assert bad.status_code == 400 and "应在 3 到 10" in bad.text
    r = post(security, "/county/security", "/county/security", values)
    assert r.status_code == 303
    with portal.session() as db:
        logged = db.scalar(select(AuditEntry.detail).where(AuditEntry.action == "policy_change"))
    assert "登录后多久不操作自动退出：30→10" in logged
    # Three wrong passwords now lock a clerk's account (five before).
    c = client_for(app)
    username = world.passwords["南山镇"][0]
    for _ in range(3):
        login(c, username, "wrong-Password-1")
    r = login(c, username, world.passwords["南山镇"][1])
    assert r.status_code == 200 and "锁定" in r.text
    # Sessions idle 10 minutes end.
    reviewer = _client(app, world, REVIEW)
    assert reviewer.get("/county", follow_redirects=False).status_code == 200
    clock.advance(minutes=11)
    assert reviewer.get("/county", follow_redirects=False).status_code == 303
