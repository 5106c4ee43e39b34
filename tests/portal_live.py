"""A real portal for the load, crash and browser tests and the serve benchmark: ``gongkai serve``
as a subprocess on 127.0.0.1 and a free port, over SQLite in a temp folder or a fresh database on
the PostgreSQL server of ``GONGKAI_TEST_DATABASE_URL``; rounds and accounts set up through the
service layer (fast, no clicking); distinct real-sized workbooks made by varying one narrative cell.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from gongkai.model import Report
from gongkai.portal import accounts, actors, database_url, open_portal, roster, security  # noqa: F401 - database_url for callers
from gongkai.portal.db import User
from gongkai.reading import read_report
from gongkai.workbook import write_workbook
from portal_support import county_office

ROOT = Path(__file__).resolve().parent.parent
COUNTY = ROOT / "samples" / "county"
ADMIN = "county"
ADMIN_PASSWORD = "Office-of-Openness-2025"
FILER_PASSWORD = "Township-clerk-pass-2025"
# Put into the narrative 管理 cell of every generated workbook, then replaced per upload, so each
# upload is a distinct file whose difference is a real narrative cell.
MARKER = "UPLOAD-MARKER-000000"  # ASCII: the writer stores CJK as character references
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- databases --------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_database(base: str) -> Iterator[str]:
    """A new empty database on the server at ``base``, dropped afterwards (even after a crash
    test left connections behind)."""
    name = f"gongkai_live_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str | None]:
    """``None`` for SQLite (the server keeps ``gongkai.db`` in its --data folder), else a URL."""
    if backend == "sqlite":
        yield None
        return
    with postgres_database(os.environ["GONGKAI_TEST_DATABASE_URL"]) as url:
        yield url


# --- the server -------------------------------------------------------------------------------


class LiveServer:
    """``gongkai serve`` in a subprocess. ``kill()`` is kill -9; ``start()`` again reuses the data."""

    def __init__(self, data: Path, db: str | None = None, *, extra: list[str] | None = None) -> None:
        self.data = data
        self.db = db
        self.port = free_port()
        self.extra = extra or []
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "gongkai", "serve", "--data", str(self.data), "--port", str(self.port)]
        if self.db:
            cmd += ["--db", self.db]
        return cmd + self.extra

    def start(self, timeout: float = 60) -> LiveServer:
        self.data.mkdir(parents=True, exist_ok=True)
        log = self.log.open("ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gongkai serve exited with {self.process.returncode}:\n{self.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gongkai serve did not answer within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """kill -9: no shutdown handler, no flush, no goodbye."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- a round set up through the service layer -------------------------------------------------


@dataclass
class Filer:
    body_id: int
    name: str
    short_name: str
    username: str
    password: str


def orgs_csv(folder: Path, count: int) -> Path:
    """A 单位名单 of ``count`` townships: the sample county's six, then made-up ones."""
    lines = (COUNTY / "单位名单.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    for i in range(len(rows), count):
        rows.append(f"第{i + 1:02d}镇人民政府,第{i + 1:02d}镇,乡镇,示例县")
    path = folder / "单位名单.csv"
    path.write_text("\n".join([header, *rows[:count]]) + "\n", encoding="utf-8")
    return path


def seed_round(url: str, folder: Path, count: int, *, year: int = 2025, must_change: bool = False) -> list[Filer]:
    """An admin (``ADMIN``/``ADMIN_PASSWORD``), a round of ``count`` bodies, an account each.

    The accounts get ``FILER_PASSWORD`` (one argon2 hash for all: fast) and, unless
    ``must_change``, are past their first-login password change."""
    portal = open_portal(url)
    try:
        with portal.session() as db:
            if db.scalar(select(User).where(User.username == ADMIN)) is None:
                county_office(db, system=ADMIN)
            admin = actors.system_actor(db, ADMIN)
            rnd = roster.create_round(db, admin, year=year, orgs=orgs_csv(folder, count), deadline=dt.date(year + 1, 1, 31))
            issued = accounts.issue_accounts(db, admin, rnd.id)
            hashed = security.hash_password(FILER_PASSWORD)
            filers = []
            for account in issued:
                user = db.scalar(select(User).where(User.username == account.username))
                assert user is not None
                user.password_hash = hashed
                user.must_change = must_change
                b = account.body
                filers.append(Filer(b.id, b.name, b.short_name, account.username, FILER_PASSWORD))
            db.commit()
            return filers
    finally:
        portal.engine.dispose()


# --- workbooks --------------------------------------------------------------------------------

_SAMPLE: Report | None = None


def sample_report() -> Report:
    """A real, fully filled township report (the sample county's 东山镇)."""
    global _SAMPLE
    if _SAMPLE is None:
        _SAMPLE = read_report(COUNTY / "2025" / "东山镇.xlsx")
    return copy.deepcopy(_SAMPLE)


def base_workbook(filer: Filer, folder: Path, *, year: int = 2025) -> bytes:
    """The sample's figures and narrative under ``filer``'s name, with ``MARKER`` in a narrative cell."""
    report = sample_report()
    report.body = report.body.model_copy(update={"name": filer.name, "short_name": filer.short_name, "year": year})
    report.overview.management = f"{filer.short_name}落实信息发布审核制度。{MARKER}"
    return write_workbook(report, folder / f"{filer.body_id}.xlsx").read_bytes()


def vary(workbook: bytes, tag: str) -> bytes:
    """The same workbook with ``MARKER`` in its narrative cell replaced by ``tag`` (a different
    file, same everything else): rewrites only the XML part holding the marker."""
    out = io.BytesIO()
    found = False
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml") and MARKER.encode() in data:
                data = data.replace(MARKER.encode(), escape(tag).encode("ascii", "xmlcharrefreplace"))
                found = True
            dst.writestr(info, data)
    assert found, "the narrative marker is not in the workbook"
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- an HTTP client as a browser would be -----------------------------------------------------


class Client:
    """A logged-in httpx client (cookies kept) that knows its session's CSRF token."""

    def __init__(self, base: str, username: str, password: str, *, timeout: float = 60) -> None:
        self.http = httpx.Client(base_url=base, timeout=timeout, follow_redirects=False)
        page = self.http.get("/login")
        r = self.http.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)})
        if r.status_code != 303 or r.headers.get("location") in (None, "/password"):
            raise AssertionError(f"login of {username} failed: {r.status_code} {r.headers.get('location')}")
        home = self.http.get(r.headers["location"], follow_redirects=True)
        self.landing = home.url.path
        self.csrf = csrf_of(home.text)

    def upload(self, body_id: int, filename: str, data: bytes) -> httpx.Response:
        return self.http.post(
            f"/b/{body_id}/upload", data={"csrf_token": self.csrf}, files={"file": (filename, data, XLSX)}
        )

    def close(self) -> None:
        self.http.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


VERSION_URL = re.compile(r"^/b/(\d+)/v/(\d+)")


def version_of(response: httpx.Response) -> tuple[int, int] | None:
    """(body id, version id) from an accepted upload's redirect, else None."""
    if response.status_code != 303:
        return None
    found = VERSION_URL.match(response.headers.get("location", ""))
    return (int(found.group(1)), int(found.group(2))) if found else None


def temp_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
