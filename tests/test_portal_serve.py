"""Starting the portal: migrations upgrade in place, the admin from standard input, the demo."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import inspect

from gongkai.portal import Settings, create_app, dashboard, queries, security, seed_demo
from gongkai.portal.db import make_engine, upgrade
from portal_support import ADMIN_PASSWORD, client_for, csrf_of


def test_migrations_create_and_reupgrade_in_place(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    upgrade(engine)
    upgrade(engine)  # a restart on an up-to-date database changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {"users", "rounds", "bodies", "versions", "blobs", "audit_log", "sessions", "alembic_version"} <= tables
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_create_admin_reads_the_password_from_stdin(tmp_path) -> None:
    data = tmp_path / "data"
    run = subprocess.run(
        [sys.executable, "-m", "gongkai", "serve", "--data", str(data), "--create-admin", "zhang"],
        input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    weak = subprocess.run(
        [sys.executable, "-m", "gongkai", "serve", "--data", str(data), "--create-admin", "other"],
        input="123456\n", capture_output=True, text=True, timeout=120,
    )
    assert weak.returncode == 1 and "至少 10" in weak.stderr
    app = create_app(Settings(f"sqlite:///{data / 'gongkai.db'}"))
    c = client_for(app)
    r = c.post("/login", data={"username": "zhang", "password": ADMIN_PASSWORD, "csrf_token": csrf_of(c.get("/login").text)}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_demo_round_is_alive(tmp_path) -> None:
    app = create_app(Settings(f"sqlite:///{tmp_path / 'demo.db'}"))
    portal = app.state.portal
    logins = seed_demo(portal)
    assert len(logins) == 9 and [x.username for x in logins[:3]] == ["county-admin", "county-security", "county-audit"]
    assert seed_demo(portal) == []  # seeded once
    with portal.session() as db:
        this_year = queries.rounds(db)[0]
        assert this_year.year == 2025
        rows = dashboard.dashboard(db, this_year, security.utcnow())
        assert sorted(r.status for r in rows) == ["accepted", "has_errors", "not_downloaded", "not_uploaded", "ready", "submitted"]
        # The deadline lies ahead of the day the demo was seeded: nobody is late yet.
        assert this_year.deadline is not None and this_year.deadline > security.utcnow().date()
        assert not any(r.late for r in rows)
        # One body wrote its report online: its version is the editor's, not a workbook.
        online = [v for b in queries.bodies(db, this_year.id) if (v := queries.latest_version(db, b.id)) and v.kind == ".json"]
        assert [v.filename for v in online] == ["在线填报.json"] and online[0].errors == 0
        # The 2025 workbooks were pre-filled from the 2024 round.
        assert all(b.last_year_json for b in queries.bodies(db, this_year.id))
    c = client_for(app)
    admin = logins[0]
    r = c.post("/login", data={"username": admin.username, "password": admin.password, "csrf_token": csrf_of(c.get("/login").text)}, follow_redirects=False)
    assert r.headers["location"] == "/password"  # the printed password is changed first
    new = "demo-Admin-pass-2025"
    form = {"old_password": admin.password, "new_password": new, "new_password2": new, "csrf_token": csrf_of(c.get("/password").text)}
    assert c.post("/password", data=form, follow_redirects=False).status_code == 303
    assert "<b>1</b>已通过" in c.get(f"/county/rounds/{this_year.id}").text
