"""等保 身份鉴别: password complexity (≥ 10 characters, three of four classes), the periodic
change (``password_max_days``) with no reuse of the last five passwords, and the last login's
time and address shown on the first page after login; migration 0007 on a database with users."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from gongkai.portal import accounts, actors, security
from gongkai.portal.db import MIGRATIONS, PasswordHistory, User, make_engine, session_factory
from portal_support import (
    ADMIN_PASSWORD,
    NEW_PASSWORD,
    admin_client,
    client_for,
    csrf_of,
    filer_client,
    login,
    user_of,
)


def _change(c, old: str, new: str):  # type: ignore[no-untyped-def]
    page = c.get("/password")
    return c.post("/password", data={"old_password": old, "new_password": new, "new_password2": new, "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def test_a_password_needs_three_of_four_character_classes(app, world) -> None:  # type: ignore[no-untyped-def]
    assert security.password_problem("river-stone-road") is not None  # lower and other only
    for good in ("river-Stone-4471", "riverStone4471", "river-stone-4471", "RIVER-STONE-4471"):
        assert security.password_problem(good) is None, good
    c = client_for(app)
    username, password = world.passwords["东山镇"]
    login(c, username, password)
    for bad, why in (("river-stone-road", "只有小写字母、其他符号"), ("riverstoneroad7", "只有小写字母、数字"), ("RIVERSTONEROAD", "至少 3 类")):
        r = _change(c, password, bad)
        assert r.status_code == 400 and why in r.text, bad
        assert "至少 3 类" in r.text
    assert _change(c, password, "river-Stone-4471").status_code == 303


def test_initial_passwords_meet_the_classes() -> None:
    for _ in range(200):
        assert len(security.character_classes(security.random_password())) >= 3


def test_an_old_password_sends_the_login_to_password_until_changed(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    filer_client(app, world, "东山镇")
    username = world.passwords["东山镇"][0]
    body = world.bodies["东山镇"]
    clock.advance(days=179)
    c = client_for(app)
    assert login(c, username, NEW_PASSWORD).headers["location"] == "/"  # not yet
    clock.advance(days=2)
    c = client_for(app)
    assert login(c, username, NEW_PASSWORD).headers["location"] == "/password"
    page = c.get("/password")
    assert "密码已使用超过 180 天" in page.text and 'id="password-expired"' in page.text
    for url in (f"/b/{body}", "/"):
        assert c.get(url, follow_redirects=False).headers["location"] == "/password"
    assert _change(c, NEW_PASSWORD, "fresh-River-2027").status_code == 303
    assert c.get(f"/b/{body}").status_code == 200
    assert "密码已使用超过" not in c.get("/password").text
    # The county's own account too, and 0 turns the rule off.
    county = client_for(app)
    assert login(county, "county", ADMIN_PASSWORD).headers["location"] == "/password"
    app.state.portal.settings.password_max_days = 0
    assert admin_client(app).get("/county", follow_redirects=False).status_code == 200


def test_none_of_the_last_five_passwords_may_come_back(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    c = filer_client(app, world, "东山镇")  # initial password, then NEW_PASSWORD
    used = [NEW_PASSWORD]
    for i in range(4):
        clock.advance(minutes=1)
        new = f"Rotation-pass-{i}-x"
        assert _change(c, used[-1], new).status_code == 303
        used.append(new)
    # The last five are used[0..4]: each is refused, the current one with its own reason.
    for old in used[:-1]:
        r = _change(c, used[-1], old)
        assert r.status_code == 400 and "最近用过的 5 个密码" in r.text, old
    assert "不能与原密码相同" in _change(c, used[-1], used[-1]).text
    # One more change: NEW_PASSWORD is now the sixth-oldest and may be chosen again.
    clock.advance(minutes=1)
    assert _change(c, used[-1], "Rotation-pass-5-x").status_code == 303
    assert "最近用过" in _change(c, "Rotation-pass-5-x", used[1]).text
    assert _change(c, "Rotation-pass-5-x", NEW_PASSWORD).status_code == 303
    with app.state.portal.session() as db:
        user = db.scalar(select(User).where(User.username == world.passwords["东山镇"][0]))
        hashes = db.scalars(select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)).all()
    assert len(hashes) == 7 and all(h.startswith("$argon2") for h in hashes)  # hashes only, never the passwords
    assert user.password_changed_at == clock()


def test_the_first_page_after_login_shows_the_last_login(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    first = admin_client(app)  # 2026-01-10 09:00 UTC, from testclient
    assert "这是本账号的首次登录" in first.get("/county").text
    assert 'id="last-login"' not in first.get("/county").text  # shown once, on the first page
    clock.advance(hours=2, minutes=5)
    c = client_for(app)
    assert login(c, "county", ADMIN_PASSWORD).headers["location"] == "/"
    page = c.get("/")  # redirects to /county, which shows it
    assert "上次登录：2026-01-10 17:00 北京时间，来自 testclient" in page.text
    assert "上次登录" not in c.get("/county").text
    user = user_of(app.state.portal, "county")
    assert (user.previous_login_at, user.previous_login_address, user.last_login_at) == (dt.datetime(2026, 1, 10, 9, 0), "testclient", clock())


def _migrate(url: str, revision: str) -> None:
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def test_0007_upgrades_a_database_with_users(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    _migrate(db_url, "0006")
    engine = make_engine(db_url)
    created = dt.datetime(2025, 3, 1, 8, 0)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (username, password_hash, role, must_change, disabled, created_at, last_login_at) VALUES (:u, :h, 'admin', :f, :f, :c, :l)"),
            {"u": "county", "h": security.hash_password(ADMIN_PASSWORD), "f": False, "c": created, "l": dt.datetime(2025, 12, 1, 1, 0)},
        )
    engine.dispose()
    _migrate(db_url, "head")
    engine = make_engine(db_url)
    with session_factory(engine)() as db:
        user = db.scalar(select(User).where(User.username == "county"))
        assert user.password_changed_at == created and user.previous_login_at is None
        assert security.password_expired(user.password_changed_at, clock(), 180)  # set in March 2025, now January 2026
        token = accounts.change_password(db, actors.Actor(user, "test", clock), ADMIN_PASSWORD, NEW_PASSWORD)
        assert token and db.scalar(select(PasswordHistory.user_id)) == user.id
    engine.dispose()
