"""等保 入侵防范 (限制管理终端): county accounts only from the configured networks; 填报人 anywhere."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner

from gongkai.cli import app as cli_app
from gongkai.portal.app import Settings, create_app
from gongkai.portal.db import AuditEntry
from portal_support import ADMIN_PASSWORD, NEW_PASSWORD, csrf_of, login, make_world


def _client(app, host: str) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, base_url="http://testserver", client=(host, 50000))


def test_county_accounts_only_from_the_management_networks(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(db_url, clock=clock, admin_networks=("10.1.0.0/16", "192.168.3.7")))
    portal = app.state.portal
    world = make_world(portal, clock)
    inside = _client(app, "10.1.2.3")
    assert login(inside, "county", ADMIN_PASSWORD).status_code == 303
    assert inside.get("/county").status_code == 200
    assert login(_client(app, "192.168.3.7"), "county", ADMIN_PASSWORD).status_code == 303
    outside = _client(app, "172.16.0.9")
    r = login(outside, "county", ADMIN_PASSWORD)
    assert r.status_code == 403 and "只能在指定的管理终端上使用" in r.text
    assert outside.get("/county", follow_redirects=False).headers["location"].startswith("/login")  # no session was made
    # A clerk logs in from anywhere.
    username, password = world.passwords["东山镇"]
    clerk = _client(app, "172.16.0.9")
    assert login(clerk, username, password).headers["location"] == "/password"
    page = clerk.get("/password")
    r = clerk.post("/password", data={"old_password": password, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    # A county session taken outside the networks ends there.
    stolen = _client(app, "172.16.0.10")
    stolen.cookies = inside.cookies
    r = stolen.get("/county", follow_redirects=False)
    assert r.status_code == 403 and "管理终端" in r.text
    assert inside.get("/county", follow_redirects=False).status_code == 303  # the session is gone for good
    with portal.session() as db:
        refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "admin_address_refused")).all()
        assert {e.address for e in refused} == {"172.16.0.9", "172.16.0.10"}


def test_without_networks_the_county_logs_in_from_anywhere(app, world) -> None:  # type: ignore[no-untyped-def]
    assert login(_client(app, "203.0.113.5"), "county", ADMIN_PASSWORD).status_code == 303


def test_a_bad_network_stops_the_server_before_it_starts() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--admin-from", "10.1.0.0/33"])
    assert result.exit_code == 2 and "不是 IP 地址或网段" in result.output and "Traceback" not in result.output
