"""Starting a portal: where its database is, the demo round, and Uvicorn."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..county import workbook_name
from ..formdata import form_values
from ..model import Body
from ..reading import read_report
from ..workbook import write_workbook
from . import accounts, editor, limits, localtime, queries, roster, security, uploads, workbooks, workflow
from .actors import Actor
from .app import Portal, Settings, create_app
from .auditlog import ChainCheck
from .db import User
from .keys import NO_KEYS, Keys
from .roles import Duty

DB_FILE = "gongkai.db"
DEMO_DAYS_LEFT = 30  # this year's deadline, counted from the day the demo is seeded


def database_url(data: Path, db: str | None = None) -> str:
    """``db`` when given (e.g. ``postgresql+psycopg://…``), else the SQLite file in ``data``."""
    if db:
        return db
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(data / DB_FILE).resolve()}"


def demo_folder() -> Path:
    """The sample county shipped in the wheel (or, in a source checkout, samples/county)."""
    shipped = Path(__file__).parent / "demo"
    if (shipped / "单位名单.csv").is_file():
        return shipped
    return Path(__file__).resolve().parents[3] / "samples" / "county"


@dataclass
class DemoLogin:
    who: str
    username: str
    password: str
    note: str


def seed_demo(portal: Portal) -> list[DemoLogin]:
    """A living demo: last year's round (all accepted) and this year's, where one body is
    accepted, one submitted, one has an error, one has only downloaded, one wrote its report
    online (在线填写) and one has not started. This year's deadline lies a month after the day
    the demo is seeded, so a newcomer sees bodies on time rather than all 逾期. Returns the
    logins to print; an already seeded database is left alone."""
    folder = demo_folder()
    with portal.session() as db:
        if queries.rounds(db):
            return []
        password = security.random_password()
        # 三员分立: a small office's 系统管理员 who also reviews, and the 安全管理员 and 审计管理员.
        office = (
            ("county-admin", (Duty.SYSTEM, Duty.REVIEW), "县政务公开办（系统管理员、审核员）"),
            ("county-security", (Duty.SECURITY,), "县政务公开办（安全管理员）"),
            ("county-audit", (Duty.AUDIT,), "县政务公开办（审计管理员）"),
        )
        logins, county = [], []
        for (username, duties, who), secret in zip(office, (password, security.random_password(), security.random_password()), strict=True):
            made = accounts.create_admin(db, username, secret, portal.settings.clock, duties=duties)
            made.must_change = True  # its password was printed on a terminal: it is changed at first login
            county.append(made)
            logins.append(DemoLogin(who, username, secret, ""))
        admin = Actor(county[0], "demo", portal.settings.clock)
        orgs = folder / "单位名单.csv"
        last = roster.create_round(db, admin, year=2024, orgs=orgs, title="2024年度政府信息公开工作年度报告")
        accounts.issue_accounts(db, admin, last.id)
        for body in queries.bodies(db, last.id):
            file = _sample(folder / "2024", body.short_name)
            if file is not None:
                _file_and_submit(db, admin, body.id, file.name, file.read_bytes())
                workflow.accept(db, admin, body.id)
        roster.close_round(db, admin, last.id)  # last year's work is done: its accounts are stopped
        deadline = admin.today() + dt.timedelta(days=DEMO_DAYS_LEFT)
        rnd = roster.create_round(
            db, admin, year=2025, orgs=orgs, deadline=deadline, previous_round_id=last.id,
            title="2025年度政府信息公开工作年度报告",
        )
        issued = {a.body.id: a for a in accounts.issue_accounts(db, admin, rnd.id)}
        plan = ["accepted", "submitted", "error", "downloaded", "online", ""]
        notes = {
            "accepted": "已通过",
            "submitted": "已提交待审核",
            "error": "上传的填报表有错误",
            "downloaded": "只下载了填报表",
            "online": "在线填写了报告，尚未提交",
            "": "尚未开始",
        }
        for body, step in zip(queries.bodies(db, rnd.id), plan, strict=False):
            file = _sample(folder / "2025", body.short_name)
            filer = Actor(db.get(User, _user_id(db, body.id)), "demo", portal.settings.clock)
            if step == "downloaded":
                workbooks.prefilled_workbook(db, filer, body.id)
            elif step == "online" and file is not None:
                # Typed into the online editor, field by field, rather than uploaded.
                editor.save(db, filer, body.id, form_values(read_report(file)), 0)
            elif step == "error" and file is not None:
                uploads.upload_version(db, filer, body.id, file.name, _with_error(file))
            elif step in ("accepted", "submitted") and file is not None:
                _file_and_submit(db, admin, body.id, file.name, file.read_bytes())
                if step == "accepted":
                    workflow.accept(db, admin, body.id)
            account = issued[body.id]
            logins.append(DemoLogin(f"{body.name}（{notes[step]}）", account.username, account.password, step))
        return logins


def _sample(folder: Path, short_name: str) -> Path | None:
    path = folder / f"{short_name}.xlsx"
    return path if path.is_file() else None


def _user_id(db, body_id: int) -> int:  # type: ignore[no-untyped-def]
    account = queries.account_of(db, body_id)
    assert account is not None
    return account.id


def _file_and_submit(db, admin: Actor, body_id: int, filename: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    filer = Actor(db.get(User, _user_id(db, body_id)), "demo", admin.clock)
    version = uploads.upload_version(db, filer, body_id, filename, data)
    findings = queries.findings_of(version)
    explanations = {i: "已核实，数字无误。" for i, f in enumerate(findings) if f.severity == "warning"}
    workflow.submit(db, filer, body_id, version_id=version.id, leader="张主任", signed_on=admin.today(), explanations=explanations)


def _with_error(file: Path) -> bytes:
    """The sample with a planted error: a township that made regulations (R2-1)."""
    report = read_report(file)
    report.proactive.regulations.issued = 1
    with tempfile.TemporaryDirectory(prefix="gongkai-demo-") as tmp:
        body: Body = report.body
        return write_workbook(report, Path(tmp) / workbook_name(body)).read_bytes()


def serve(
    data: Path = Path("gongkai-data"),
    *,
    db: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool = False,
    max_upload: int = limits.DEFAULT_MAX_UPLOAD,
    zone: str = localtime.DEFAULT_ZONE,
    admin_networks: tuple[str, ...] = (),
    echo: bool = True,
    password_max_days: int = 180,
    keys: Keys = NO_KEYS,
    require_two_factor: bool = False,
) -> None:
    """Upgrade the schema, optionally seed the demo (printing its logins), and serve.
    ``zone`` is the time zone pages show (北京时间 by default)."""
    import uvicorn

    localtime.zone(zone)  # an unknown zone is refused before the portal starts
    security.networks(admin_networks)  # a bad network is refused before the portal starts
    settings = Settings(database_url(data, db), max_upload=max_upload, zone=zone, admin_networks=tuple(admin_networks), password_max_days=password_max_days, keys=keys,
        require_two_factor=require_two_factor,
    )
    app = create_app(settings)
    if demo:
        logins = seed_demo(app.state.portal)
        if echo:
            if logins:
                print("演示数据已生成。登录账号（首次登录须修改密码）：")
                for login in logins:
                    print(f"  {login.who}：用户名 {login.username}  密码 {login.password}")
            else:
                print("数据库中已有报送年度，未重复生成演示数据。")
    if echo:
        print(f"gongkai 填报系统：http://{host}:{port}/  （数据：{settings.database_url.split('@')[-1]}）", flush=True)
    # Behind nginx the scheme (https) comes from X-Forwarded-Proto, trusted from localhost only.
    # No "server: uvicorn" banner: nobody outside needs to know what answers.
    uvicorn.run(
        app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1", log_level="info", server_header=False
    )


def verify_audit(data: Path, db: str | None = None, zone: str = localtime.DEFAULT_ZONE, keys: Keys = NO_KEYS) -> ChainCheck:
    """Recompute the audit log's chain in the database (``gongkai serve --verify-audit``), keyed
    entries under ``keys``; the schema is not touched, nothing is written."""
    from .auditlog import verify_chain
    from .db import make_engine, session_factory

    engine = make_engine(database_url(data, db))
    try:
        with session_factory(engine, keys)() as session:
            return verify_chain(session, zone)
    finally:
        engine.dispose()


def create_admin_account(data: Path, db: str | None, username: str, password: str, keys: Keys = NO_KEYS) -> None:
    settings = Settings(database_url(data, db), keys=keys)
    portal = Portal(settings)
    with portal.session() as session:
        accounts.create_admin(session, username, password)
