"""The portal tests' fixtures and helpers.

Fixtures (registered for every test by ``pytest_plugins`` in conftest.py, so a test takes them
as arguments and never imports them): ``db_url`` (a fresh database: SQLite always, PostgreSQL
too when GONGKAI_TEST_DATABASE_URL is set), ``clock`` (movable), ``app``, ``portal``, ``world``
(a seeded round with accounts issued). Helpers, imported by name: logged-in clients, a
browser-like ``post``, the sample workbooks, a stand-in stamped PDF."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from gongkai.portal import Settings, accounts, actors, create_app, roster
from gongkai.portal.db import User
from gongkai.portal.roles import Duty

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "samples" / "county"
ADMIN_PASSWORD = "Office-of-Openness-2025"
NEW_PASSWORD = "a-Good-new-pass-9931"


class Clock:
    """Naive UTC that a test can move forward."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 10, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def _postgres_database(base: str):  # type: ignore[no-untyped-def]
    """A new empty database on the server at ``base``; dropped afterwards."""
    name = f"gongkai_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    return admin, name, url


# In CI (.ci/run starts a PostgreSQL cluster) the PostgreSQL runs must happen: a missing URL fails.
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("GONGKAI_TEST_DATABASE_URL") or os.environ.get("CI") else [])


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    if not os.environ.get("GONGKAI_TEST_DATABASE_URL"):
        pytest.fail("GONGKAI_TEST_DATABASE_URL is not set; .ci/run should start PostgreSQL and set it")
    admin, name, url = _postgres_database(os.environ["GONGKAI_TEST_DATABASE_URL"])
    yield url
    with admin.connect() as c:
        c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(db_url, clock):  # type: ignore[no-untyped-def]
    application = create_app(Settings(db_url, clock=clock, max_upload=2 * 1024 * 1024))
    yield application
    application.state.portal.engine.dispose()


@pytest.fixture
def portal(app):  # type: ignore[no-untyped-def]
    return app.state.portal


@dataclass
class World:
    """A round of the sample county with accounts issued."""

    round_id: int
    bodies: dict[str, int]  # short name -> body id
    passwords: dict[str, tuple[str, str]]  # short name -> (username, initial password)


@pytest.fixture
def world(portal, clock) -> World:  # type: ignore[no-untyped-def]
    return make_world(portal, clock)


# The county office the tests use (三员分立): "county" runs rounds and reviews (the two duties a
# small office's 系统管理员 may hold together), "anquan" is the 安全管理员, "shenji" the 审计管理员.
OFFICE = {"county": (Duty.SYSTEM, Duty.REVIEW), "anquan": (Duty.SECURITY,), "shenji": (Duty.AUDIT,)}


def county_office(db, clock=None, password: str = ADMIN_PASSWORD, system: str = "county") -> None:  # type: ignore[no-untyped-def]
    """The county's accounts, all with ``password``; ``system`` names the 系统管理员 account."""
    for username, duties in OFFICE.items():
        name = system if username == "county" else username
        if clock is None:
            accounts.create_admin(db, name, password, duties=duties)
        else:
            accounts.create_admin(db, name, password, clock, duties=duties)


def make_world(portal, clock) -> World:  # type: ignore[no-untyped-def]
    """The sample county's round with accounts issued, in ``portal``."""
    with portal.session() as db:
        county_office(db, clock)
        admin = actors.system_actor(db, clock=clock)
        rnd = roster.create_round(db, admin, year=2025, orgs=COUNTY / "单位名单.csv", deadline=dt.date(2026, 1, 31))
        issued = accounts.issue_accounts(db, admin, rnd.id)
        return World(
            rnd.id,
            {a.body.short_name: a.body.id for a in issued},
            {a.body.short_name: (a.username, a.password) for a in issued},
        )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}, follow_redirects=False
    )


def client_for(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, base_url="http://testserver")


def admin_client(app, username: str = "county") -> TestClient:  # type: ignore[no-untyped-def]
    """A county account of ``OFFICE`` logged in: by default the 系统管理员 who also reviews."""
    c = client_for(app)
    assert login(c, username, ADMIN_PASSWORD).status_code == 303
    return c


def auditor_client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return admin_client(app, "shenji")


def security_client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return admin_client(app, "anquan")


def filer_client(app, world: World, short: str) -> TestClient:  # type: ignore[no-untyped-def]
    """A 填报人 logged in with the password already changed."""
    c = client_for(app)
    username, password = world.passwords[short]
    assert login(c, username, password).headers["location"] == "/password"
    page = c.get("/password")
    r = c.post(
        "/password",
        data={"old_password": password, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return c


def post(client: TestClient, page_url: str, url: str, data: dict | None = None, files: dict | None = None):  # type: ignore[no-untyped-def]
    """POST a form the way a browser does: with the CSRF token of the page it is on."""
    token = csrf_of(client.get(page_url).text)
    return client.post(url, data={**(data or {}), "csrf_token": token}, files=files, follow_redirects=False)


def accounts_list(html: str) -> list[tuple]:
    """The rows (header on) of the 账号清单.xlsx linked from the page 发放账号 lands on."""
    found = re.search(r'href="data:[^;"]+;base64,([^"]+)"[^>]*id="accounts-download"', html)
    assert found, "page has no 账号清单 link"
    rows = list(openpyxl.load_workbook(io.BytesIO(base64.b64decode(found.group(1)))).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "机关全称")
    return rows[header:]


def sample_bytes(short: str, year: int = 2025) -> bytes:
    return (COUNTY / str(year) / f"{short}.xlsx").read_bytes()


def user_of(portal, username: str) -> User:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        from sqlalchemy import select

        return db.scalar(select(User).where(User.username == username))


def pdf_bytes(extra_catalog: str = "") -> bytes:
    """A one-page PDF (a stand-in for a stamped scan) with a correct cross-reference table; ``extra_catalog`` goes into the catalog."""
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {extra_catalog} >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def tamper_audit(engine, statement: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    """Change audit_log behind the portal's back, as the database's owner could: first past the
    append-only triggers of migration 0009 (dropped and put back on SQLite, disabled on
    PostgreSQL), so that what the tests then check is the chain, not the trigger."""
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            c.execute(text(statement), params)
            c.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
            return
        triggers = c.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")).all()
        for name, _ in triggers:
            c.execute(text(f'DROP TRIGGER "{name}"'))
        c.execute(text(statement), params)
        for _, sql in triggers:
            c.execute(text(sql))
