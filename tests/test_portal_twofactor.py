"""双因素登录 (等保 身份鉴别 8.1.4.1 d): TOTP by RFC 6238 as any authenticator app computes it,
enrolment by QR code confirmed by a first code, ten one-time recovery codes, the login's second
step (nothing else open before it, codes never replayed, wrong codes throttled like passwords),
and the requirement by the 安全管理员's policy or the deployment's ``--require-2fa``."""

from __future__ import annotations

import base64
import datetime as dt
import re
import urllib.parse

import pytest
from sqlalchemy import func, select

from gongkai.portal import security, twofactor
from gongkai.portal.app import Settings, create_app
from gongkai.portal.db import AuditEntry, RecoveryCode, SessionRow, User
from portal_support import (
    ADMIN_PASSWORD,
    admin_client,
    client_for,
    csrf_of,
    filer_client,
    login,
    make_world,
    post,
    security_client,
    user_of,
)

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238 appendix B, SHA-1


@pytest.mark.parametrize(
    ("seconds", "code"),
    [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
     (2000000000, "69279037"), (20000000000, "65353130")],
)
def test_the_rfc_6238_test_vectors(seconds: int, code: str) -> None:
    now = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
    assert twofactor.step_of(now) == seconds // 30
    assert twofactor.code_at(RFC_SECRET, twofactor.step_of(now), digits=8) == code


def test_a_code_is_taken_one_step_either_side_and_never_twice() -> None:
    secret, now = twofactor.new_secret(), dt.datetime(2026, 1, 10, 9, 0, 0)
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20
    step = twofactor.step_of(now)
    for offset in (-1, 0, 1):
        assert twofactor.matching_step(secret, twofactor.code_at(secret, step + offset), now, None) == step + offset
    for offset in (-2, 2):
        assert twofactor.matching_step(secret, twofactor.code_at(secret, step + offset), now, None) is None
    code = twofactor.code_at(secret, step)
    assert twofactor.matching_step(secret, code, now, last_step=step) is None  # replayed
    assert twofactor.matching_step(secret, f" {code[:3]} {code[3:]} ", now, None) == step  # as people type it
    fullwidth = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert twofactor.matching_step(secret, fullwidth, now, None) is None
    assert twofactor.matching_step(secret, "12345", now, None) is None


def test_the_qr_code_holds_the_key_uri() -> None:
    uri = twofactor.provisioning_uri("JBSWY3DPEHPK3PXP", "county")
    parsed = urllib.parse.urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert urllib.parse.unquote(parsed.path) == f"/{twofactor.ISSUER}:county"
    query = urllib.parse.parse_qs(parsed.query)
    assert query == {"secret": ["JBSWY3DPEHPK3PXP"], "issuer": [twofactor.ISSUER], "algorithm": ["SHA1"], "digits": ["6"], "period": ["30"]}
    qr = twofactor.qr_data_uri(uri)
    assert qr.startswith("data:image/svg+xml") and "<script" not in urllib.parse.unquote(qr)
    codes = twofactor.new_recovery_codes()
    assert len(set(codes)) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)


# --- in the portal --------------------------------------------------------------------------------


def _secret(page: str) -> str:
    found = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page)
    assert found, "no secret on the page"
    return found.group(1).replace(" ", "")


def _code(secret: str, clock, offset: int = 0) -> str:  # type: ignore[no-untyped-def]
    return twofactor.code_at(secret, twofactor.step_of(clock()) + offset)


def _enrol(c, clock) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    page = c.get("/account/two-factor").text
    assert 'id="two-factor-qr"' in page and 'src="data:image/svg+xml' in page
    secret = _secret(page)
    assert _secret(c.get("/account/two-factor").text) == secret  # a reload while scanning: the same key
    r = post(c, "/account/two-factor", "/account/two-factor", {"action": "enable", "code": _code(secret, clock)})
    assert r.status_code == 200 and "已启用双因素登录" in r.text
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", r.text)
    assert len(codes) == 10
    return secret, codes


def _second_step(c, code: str, next_url: str = ""):  # type: ignore[no-untyped-def]
    page = c.get("/login/two-factor")
    return c.post("/login/two-factor", data={"code": code, "next": next_url, "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def test_enrol_then_log_in_with_password_and_code(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    c = admin_client(app)
    wrong = post(c, "/account/two-factor", "/account/two-factor", {"action": "enable", "code": "000000"})
    assert wrong.status_code == 400 and "动态码不正确" in wrong.text and not twofactor.enrolled(user_of(portal, "county"))
    secret, codes = _enrol(c, clock)
    with portal.session() as db:
        user = db.scalar(select(User).where(User.username == "county"))
        assert twofactor.enrolled(user)
        stored = list(db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not any(code.replace("-", "") in h for code in codes for h in stored)  # hashes only
    page = c.get("/account/two-factor").text
    assert 'id="recovery-left">10<' in page and "two-factor-secret" not in page  # the key is never shown again

    c = client_for(app)
    r = login(c, "county", ADMIN_PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/login/two-factor"
    half = c.cookies.get("gongkai-session")
    assert c.get("/county", follow_redirects=False).headers["location"] == "/login/two-factor"  # nothing else before the code
    assert post(c, "/login/two-factor", "/county/rounds", {"year": "2026"}).status_code == 403
    assert "双因素登录" in c.get("/login/two-factor").text and 'id="nav-rounds"' not in c.get("/login/two-factor").text
    replay = _second_step(c, _code(secret, clock))  # the code used to enrol, still on the phone
    assert replay.status_code == 200 and "已经用过" in replay.text
    clock.advance(seconds=30)
    r = _second_step(c, _code(secret, clock), "/county/audit")
    assert r.status_code == 303 and r.headers["location"] == "/county/audit"
    assert c.cookies.get("gongkai-session") != half  # a fresh session once every factor is given
    assert c.get("/county").status_code == 200
    with portal.session() as db:
        assert db.get(SessionRow, security.token_hash(half)) is None
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.username == "county").order_by(AuditEntry.id.desc()).limit(4)))
        detail = db.scalar(select(AuditEntry.detail).where(AuditEntry.action == "login").order_by(AuditEntry.id.desc()).limit(1))
    assert actions[0] == "login" and "two_factor_failed" in actions and "login_first_factor" in actions and "动态码" in detail


def test_a_recovery_code_works_once(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    _, codes = _enrol(admin_client(app), clock)
    c = client_for(app)
    login(c, "county", ADMIN_PASSWORD)
    r = _second_step(c, codes[3].upper().replace("-", " "))  # read out aloud and typed loosely
    assert r.status_code == 303 and c.get("/county").status_code == 200
    with portal.session() as db:
        detail = db.scalar(select(AuditEntry.detail).where(AuditEntry.action == "login").order_by(AuditEntry.id.desc()).limit(1))
        assert "恢复码" in detail and "还剩 9 个" in detail
    again = client_for(app)
    login(again, "county", ADMIN_PASSWORD)
    r = _second_step(again, codes[3])
    assert r.status_code == 200 and "不正确" in r.text


def test_wrong_codes_are_throttled_like_passwords(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    secret, _ = _enrol(admin_client(app), clock)
    c = client_for(app)
    login(c, "county", ADMIN_PASSWORD)
    for _ in range(5):
        r = _second_step(c, "123456" if _code(secret, clock) != "123456" else "654321")
    assert "分钟后再试" in r.text
    r = _second_step(c, _code(secret, clock, 1))  # even the right code waits out the delay
    assert r.status_code == 200 and "分钟后再试" in r.text
    clock.advance(minutes=16)
    c = client_for(app)
    login(c, "county", ADMIN_PASSWORD)
    assert _second_step(c, _code(secret, clock)).status_code == 303


def test_new_recovery_codes_and_turning_it_off(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    c = admin_client(app)
    secret, old = _enrol(c, clock)
    clock.advance(seconds=30)
    r = post(c, "/account/two-factor", "/account/two-factor", {"action": "codes", "code": _code(secret, clock)})
    new = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", r.text)
    assert r.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert post(c, "/account/two-factor", "/account/two-factor", {"action": "disable", "code": "000000"}).status_code == 400
    clock.advance(seconds=30)
    r = post(c, "/account/two-factor", "/account/two-factor", {"action": "disable", "code": _code(secret, clock)})
    assert r.status_code == 303 and "已关闭双因素登录" in c.get(r.headers["location"]).text
    assert not twofactor.enrolled(user_of(portal, "county"))
    assert login(client_for(app), "county", ADMIN_PASSWORD).headers["location"] != "/login/two-factor"
    with portal.session() as db:
        actions = set(db.scalars(select(AuditEntry.action)))
        assert db.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert {"two_factor_enable", "two_factor_codes", "two_factor_disable"} <= actions


def test_filers_have_none(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    c = filer_client(app, world, "东山镇")
    assert c.get("/account/two-factor").status_code == 404
    assert 'id="nav-two-factor"' not in c.get("/", follow_redirects=True).text


def test_the_security_officer_requires_it_and_resets_a_lost_phone(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    officer = security_client(app)
    page = officer.get("/county/security").text
    fields = dict(re.findall(r'name="(\w+)" id="policy-\w+" inputmode="numeric" value="([^"]*)"', page))
    r = post(officer, "/county/security", "/county/security", {**fields, "require_two_factor": "1"})
    assert r.status_code == 303
    c = admin_client(app)  # logged in by password; now sent to enrol before anything else
    assert c.get("/county", follow_redirects=False).headers["location"] == "/account/two-factor"
    assert post(c, "/account/two-factor", "/county/rounds", {"year": "2026"}).status_code == 403
    page = c.get("/account/two-factor").text
    assert 'id="two-factor-required"' in page
    secret, _ = _enrol(c, clock)
    assert c.get("/county").status_code == 200
    clock.advance(seconds=30)
    r = post(c, "/account/two-factor", "/account/two-factor", {"action": "disable", "code": _code(secret, clock)})
    assert r.status_code == 400 and "不能关闭" in r.text and twofactor.enrolled(user_of(portal, "county"))
    assert filer_client(app, world, "东山镇").get("/", follow_redirects=True).status_code == 200  # filers are untouched

    county_id = user_of(portal, "county").id
    assert post(officer, "/county/security", f"/county/staff/{county_id}/two_factor").status_code == 403  # the officer too enrols first
    _enrol(officer, clock)
    r = post(officer, "/county/staff", f"/county/staff/{county_id}/two_factor")
    assert r.status_code == 200 and "已重置" in r.text
    assert not twofactor.enrolled(user_of(portal, "county"))
    assert c.get("/county", follow_redirects=False).headers["location"].startswith("/login")  # its sessions ended
    c = client_for(app)
    login(c, "county", ADMIN_PASSWORD)
    assert c.get("/county", follow_redirects=False).headers["location"] == "/account/two-factor"  # enrols afresh


def test_the_deployment_switch_cannot_be_turned_off_on_the_page(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(db_url, clock=clock, require_two_factor=True))
    try:
        make_world(app.state.portal, clock)
        officer = client_for(app)
        login(officer, "anquan", ADMIN_PASSWORD)
        assert officer.get("/county/staff", follow_redirects=False).headers["location"] == "/account/two-factor"
        _enrol(officer, clock)
        page = officer.get("/county/security").text
        assert 'id="policy-require-two-factor" checked disabled' in page and "部署时已要求" in page
    finally:
        app.state.portal.engine.dispose()


def test_serve_require_2fa_reaches_the_portal(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn
    from typer.testing import CliRunner

    from gongkai.cli import app as cli_app

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app))
    result = CliRunner().invoke(cli_app, ["serve", "--data", str(tmp_path), "--require-2fa"])
    assert result.exit_code == 0, result.output
    portal = started["app"].state.portal
    assert portal.settings.require_two_factor
    portal.engine.dispose()
