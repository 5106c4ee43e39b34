"""Accounts over a county's year: 发放账号 never voids a password already handed out, 重新生成
only after a page naming the bodies, a locked clerk told how long to wait and helped by the
county (解除锁定, 重置密码), and a notice after each of these and after a password change."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
from sqlalchemy import select

from gongkai.portal.db import AuditEntry, BodyRow
from portal_support import (
    NEW_PASSWORD,
    accounts_list,
    admin_client,
    client_for,
    csrf_of,
    filer_client,
    login,
    post,
)


def _first_login_ok(app, username: str, password: str) -> bool:  # type: ignore[no-untyped-def]
    """The initial password still opens the account (a first login goes to /password)."""
    return login(client_for(app), username, password).headers.get("location") == "/password"


def _tick(county, round_id: int, action: str, body_ids: list[int], confirm: bool = False):  # type: ignore[no-untyped-def]
    token = csrf_of(county.get(f"/county/rounds/{round_id}/accounts").text)
    data: dict[str, object] = {"csrf_token": token, "action": action, "body": [str(i) for i in body_ids]}
    if confirm:
        data["confirm"] = "1"
    return county.post(f"/county/rounds/{round_id}/accounts", data=data, follow_redirects=False)


def _actions(portal, action: str) -> list[str]:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return list(db.scalars(select(AuditEntry.detail).where(AuditEntry.action == action)))


# --- 发放账号 and 重新生成 ----------------------------------------------------------------------


def test_issuing_again_for_a_new_body_keeps_the_passwords_handed_out(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    rid = world.round_id
    post(county, f"/county/rounds/{rid}/accounts", f"/county/rounds/{rid}/bodies", {"name": "新城街道办事处", "short_name": "新城街道"})
    r = post(county, f"/county/rounds/{rid}/accounts", f"/county/rounds/{rid}/accounts", {"action": "new"})
    assert r.status_code == 200
    assert re.search(r'id="message"[^>]*>已为 1 个单位发放新账号：新城街道办事处。其余 6 个单位已有账号，密码未改动。', r.text)
    rows = {row[1]: row for row in accounts_list(r.text)[1:]}
    assert len(rows) == 7
    new = rows["新城街道"]
    assert new[3] and new[4] == "新发放"
    for short, (username, password) in world.passwords.items():
        assert rows[short][2] == username and not rows[short][3] and "尚未登录" in rows[short][4], short
        assert _first_login_ok(app, username, password), short  # the printed list still works
    assert _first_login_ok(app, new[2], new[3])


def test_issuing_for_the_ticked_bodies_only(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    rid = world.round_id
    for name in ("新城街道办事处", "老城街道办事处"):
        post(county, f"/county/rounds/{rid}/accounts", f"/county/rounds/{rid}/bodies", {"name": name, "short_name": name[:4]})
    with portal.session() as db:
        new_town = db.scalar(select(BodyRow.id).where(BodyRow.name == "新城街道办事处"))
    assert f'id="account-tick-{new_town}"' in county.get(f"/county/rounds/{rid}/accounts").text
    east = world.bodies["东山镇"]
    r = _tick(county, rid, "new", [new_town, east])  # 东山镇 has an account: left as it is
    assert "已为 1 个单位发放新账号：新城街道办事处。" in r.text
    rows = {row[0]: row for row in accounts_list(r.text)[1:]}
    assert rows["新城街道办事处"][3] and rows["老城街道办事处"][4] == "尚未发放账号" and not rows["东山镇人民政府"][3]
    assert _first_login_ok(app, *world.passwords["东山镇"])


def test_the_account_list_carries_the_address_and_the_deadline(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    r = post(county, f"/county/rounds/{world.round_id}/accounts", f"/county/rounds/{world.round_id}/accounts", {"action": "new"})
    assert "没有发放新账号" in r.text and 'download="2025年度账号清单.xlsx"' in r.text
    found = re.search(r'href="data:[^;"]+;base64,([^"]+)"', r.text)
    assert found
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(base64.b64decode(found.group(1)))).active.iter_rows(values_only=True) for c in row if c]
    assert "http://testserver/" in cells
    assert any(str(c).startswith("2026-01-31") for c in cells)


def test_regenerating_names_the_bodies_first_and_changes_only_theirs(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    rid, east = world.round_id, world.bodies["东山镇"]
    page = county.get(f"/county/rounds/{rid}/accounts")
    assert f'id="account-tick-{east}"' in page.text and "已发放，尚未登录" in page.text
    confirm = _tick(county, rid, "regenerate", [east])
    assert confirm.status_code == 200 and 'id="regenerate-confirm-button"' in confirm.text
    names = re.search(r'id="regenerate-names">(.*?)</ul>', confirm.text, re.S)
    assert names and "东山镇人民政府" in names.group(1) and "西山镇" not in names.group(1)
    assert _first_login_ok(app, *world.passwords["东山镇"])  # nothing changed before the confirmation
    assert not _actions(portal, "accounts_regenerate")
    done = _tick(county, rid, "regenerate", [east], confirm=True)
    assert "已为 1 个单位重新生成密码：东山镇人民政府。原来的密码已失效" in done.text
    row = next(row for row in accounts_list(done.text)[1:] if row[1] == "东山镇")
    assert row[3] and row[4].startswith("重新生成")
    assert not _first_login_ok(app, *world.passwords["东山镇"])
    assert _first_login_ok(app, world.passwords["东山镇"][0], row[3])
    assert _first_login_ok(app, *world.passwords["西山镇"])
    assert "东山镇人民政府" in _actions(portal, "accounts_regenerate")[0]


def test_regenerating_without_a_tick_or_for_another_rounds_body_changes_nothing(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    assert _tick(county, world.round_id, "regenerate", []).status_code == 400
    assert _tick(county, world.round_id, "regenerate", [999999], confirm=True).status_code == 404
    assert _first_login_ok(app, *world.passwords["东山镇"])


def test_a_closed_round_issues_nothing(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    post(county, f"/county/rounds/{world.round_id}/accounts", f"/county/rounds/{world.round_id}/close", {"confirm": "1"})
    r = post(county, f"/county/rounds/{world.round_id}/accounts", f"/county/rounds/{world.round_id}/accounts", {"action": "new"})
    assert r.status_code == 409 and "关闭，各单位账号已停用，不能再发放" in r.text


# --- locks ---------------------------------------------------------------------------------------


def _lock(app, username: str) -> str:  # type: ignore[no-untyped-def]
    """Five wrong passwords; the page of the fifth."""
    c = client_for(app)
    for _ in range(4):
        text = login(c, username, "wrong-password-1").text
        assert "用户名或密码不正确" in text and "分钟后再试" not in text
    return login(c, username, "wrong-password-1").text


def test_a_locked_clerk_is_told_how_long_and_the_county_can_unlock(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    username, password = world.passwords["东山镇"]
    body = world.bodies["东山镇"]
    assert "请 15 分钟后再试" in _lock(app, username)
    clock.advance(minutes=3)
    c = client_for(app)
    refused = login(c, username, password)
    assert refused.status_code == 200 and "请 12 分钟后再试" in refused.text  # even with the right password
    # A name that does not exist reads the same once as often tried: nothing tells them apart.
    clock.advance(minutes=-3)
    _lock(app, "no-such-clerk")
    clock.advance(minutes=3)
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert strip(login(client_for(app), "no-such-clerk", password).text) == strip(refused.text)
    # The county sees the lock and when it ends (北京时间: 09:15 UTC is 17:15), and lifts it.
    county = admin_client(app)
    page = county.get(f"/b/{body}")
    assert re.search(r'id="account-lock">账号已锁定.*2026-01-10 17:15（北京时间）', page.text)
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/unlock")
    assert r.status_code == 200 and "已解除锁定" in r.text and 'id="account-lock"' not in r.text
    assert any("东山镇人民政府" in d for d in _actions(portal, "account_unlock"))
    assert _first_login_ok(app, username, password)
    assert 'id="account-lock"' not in county.get(f"/b/{body}").text


def test_a_reset_lifts_the_lock(app, world) -> None:  # type: ignore[no-untyped-def]
    username, _password = world.passwords["西山镇"]
    body = world.bodies["西山镇"]
    _lock(app, username)
    county = admin_client(app)
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/reset")
    assert "已重置 西山镇人民政府 的密码，账号的锁定也已解除" in r.text
    new = re.search(r'id="reset-password">([^<]+)<', r.text)
    assert new
    assert _first_login_ok(app, username, new.group(1))


def test_only_the_county_may_unlock(app, world) -> None:  # type: ignore[no-untyped-def]
    east, west = world.bodies["东山镇"], world.bodies["西山镇"]
    clerk = filer_client(app, world, "东山镇")
    for target in (east, west):  # its own account and another body's
        r = post(clerk, f"/b/{east}", f"/county/bodies/{target}/unlock")
        assert r.status_code == 404, target
    county = admin_client(app)
    county.get(f"/b/{east}")
    r = county.post(f"/county/bodies/{east}/unlock", data={}, follow_redirects=False)
    assert r.status_code == 403


# --- notices -------------------------------------------------------------------------------------


def test_a_password_change_is_confirmed(app, world) -> None:  # type: ignore[no-untyped-def]
    c = filer_client(app, world, "东山镇")
    page = c.get("/password")
    r = c.post(
        "/password",
        data={"old_password": NEW_PASSWORD, "new_password": "another-Good-pass-77", "new_password2": "another-Good-pass-77", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/password?changed=1"
    landed = c.get(r.headers["location"])
    assert re.search(r'id="message"[^>]*>密码已修改', landed.text) and 'id="password-continue"' in landed.text
