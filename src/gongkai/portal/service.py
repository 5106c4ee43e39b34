"""The portal's work, as Python functions a script can call as well as the web pages.

Every function takes an open SQLAlchemy session and an :class:`Actor` (who, from where),
checks what the actor may do, changes the database, writes the audit log and commits.
A refusal raises :class:`PortalError` with a Chinese message and changes nothing.

Typical script::

    from gongkai.portal import open_portal, service
    portal = open_portal("sqlite:///gongkai-data/gongkai.db")
    with portal.session() as db:
        admin = service.system_actor(db)
        rnd = service.create_round(db, admin, year=2025, orgs=Path("单位名单.csv"))
        issued = service.issue_accounts(db, admin, rnd.id)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from .. import format as fmt
from ..batch import TABLE_PATHS, BatchResult, BodyResult, _figures, run_batch
from ..checks import check_report
from ..county import REPORT_SUFFIXES, body_key, index_previous, prefill, read_orgs, workbook_name
from ..docx_writer import render_docx
from ..errors import GongkaiError
from ..findings import Finding, has_errors, sort_findings
from ..html.report import render_html
from ..jsonio import report_to_json
from ..model import Body, LastYear, Report
from ..package import open_package
from ..pdf import PdfError, convert_to_pdf
from ..pdfsafety import stamped_pdf_problem
from ..reading import read_report
from ..rendering import safe_filename
from ..sources import ReportSource, SourceLike, as_sources
from ..workbook.writer import build_workbook
from ..workbook.xlsx import WORKBOOK_XML
from ..xlsx_text import append_row
from . import security
from .db import AuditEntry, Blob, BodyRow, Rendered, Review, Round, Submission, User, Version

BODY_PROPERTY = "gongkai-portal-body"  # the body's token in the pre-filled workbook
YEAR_PROPERTY = "gongkai-portal-year"
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
# All files one body may store (every version, every stamped copy): a few hundred normal
# uploads, so a clerk cannot fill the county's disk.
DEFAULT_BODY_QUOTA = 200 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# What the county sees for each body, in the order of the dashboard's counters.
STATUS_NAMES: dict[str, str] = {
    "not_downloaded": "未下载",
    "not_uploaded": "未上传",
    "has_errors": "有错误",
    "ready": "可提交",
    "submitted": "已提交",
    "returned": "已退回",
    "accepted": "已通过",
}


class PortalError(GongkaiError):
    """A refusal the user sees (in Chinese); nothing was changed."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NotFound(PortalError):
    """Also what a user gets for what is not theirs: nobody learns what exists elsewhere."""

    def __init__(self) -> None:
        super().__init__("找不到该页面或文件。", 404)


@dataclass
class Actor:
    user: User | None
    address: str = ""
    clock: Callable[[], dt.datetime] = security.utcnow

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.role == "admin"

    def now(self) -> dt.datetime:
        return self.clock()


def system_actor(db: Session, username: str | None = None, clock: Callable[[], dt.datetime] = security.utcnow) -> Actor:
    """An admin actor for scripts (the named admin, or the first one)."""
    query = select(User).where(User.role == "admin").order_by(User.id)
    if username:
        query = query.where(User.username == username)
    user = db.scalar(query)
    if user is None:
        raise PortalError("还没有管理员账号，请先运行 gongkai serve --create-admin 用户名。")
    return Actor(user, "script", clock)


# How much of what a user typed may be kept. Every text from a form or a file name is
# measured against these before it is stored, and the audit log clips what it quotes, so
# nobody can grow the database or the log page by sending long texts.
MAX_NAME = 100  # 机关全称, 简称, 所属县, 签发人, a user name
MAX_TITLE = 200
MAX_REASON = 2000  # 退回、通过、重新打开、移除的原因
MAX_EXPLANATION = 1000  # one warning's 说明
MAX_FILENAME = 120
MAX_AUDIT_DETAIL = 1000
AUDIT_PAGE = 100


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked as cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bounded(text: str, limit: int, what: str) -> str:
    """``text`` stripped, refused (in Chinese) when longer than ``limit`` characters."""
    text = text.strip()
    if len(text) > limit:
        raise PortalError(f"{what}最多 {limit} 个字，现在有 {len(text)} 个字，请删减后再提交。")
    return text


def audit(db: Session, actor: Actor, action: str, detail: str = "", body_id: int | None = None) -> None:
    """Append to the audit log (committed with the change it records)."""
    db.add(
        AuditEntry(
            at=actor.now(),
            user_id=actor.user.id if actor.user else None,
            username=actor.user.username if actor.user else "",
            address=actor.address[:64],
            action=action,
            body_id=body_id,
            detail=clip(detail, MAX_AUDIT_DETAIL),
        )
    )


AUDIT_ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "admin_create": "创建管理员",
    "round_create": "创建报送年度",
    "body_add": "增加单位",
    "body_rename": "单位改名",
    "body_remove": "移除单位",
    "accounts_issue": "发放账号",
    "download_workbook": "下载填报表",
    "upload": "上传",
    "upload_refused": "上传被拒绝",
    "submit": "提交",
    "return": "退回",
    "accept": "通过",
    "reopen": "重新打开",
    "round_close": "关闭报送年度",
    "denied": "拒绝访问",
    "download": "下载",
}


# --- accounts ---------------------------------------------------------------------------------


def create_admin(db: Session, username: str, password: str, clock: Callable[[], dt.datetime] = security.utcnow) -> User:
    username = username.strip()
    if not username:
        raise PortalError("用户名不能为空。")
    if db.scalar(select(User).where(User.username == username)):
        raise PortalError(f"用户名 {username} 已存在。")
    if problem := security.password_problem(password, username):
        raise PortalError(problem)
    user = User(username=username, password_hash=security.hash_password(password), role="admin", must_change=False, created_at=clock())
    db.add(user)
    db.flush()
    audit(db, Actor(user, "command line", clock), "admin_create", f"管理员 {username}")
    db.commit()
    return user


def change_password(db: Session, actor: Actor, old: str, new: str) -> str:
    """Change the actor's password. Every session of the account ends (whoever else may have
    known the old password is logged out); the returned token is the actor's new session."""
    user = actor.user
    assert user is not None
    if not security.verify_password(user.password_hash, old):
        raise PortalError("原密码不正确。")
    if new == old:
        raise PortalError("新密码不能与原密码相同。")
    if problem := security.password_problem(new, user.username):
        raise PortalError(problem)
    user.password_hash = security.hash_password(new)
    user.must_change = False
    security.end_user_sessions(db, user.id)
    token, _row = security.new_session(db, user, actor.now())
    audit(db, actor, "password_change", f"{user.username}（其他会话均已退出）", user.body_id)
    db.commit()
    return token


@dataclass
class IssuedAccount:
    body: BodyRow
    username: str
    password: str


def issue_accounts(db: Session, actor: Actor, round_id: int) -> list[IssuedAccount]:
    """One 填报人 account for every body of the round that has none, and a new initial password
    for every account not yet used (initial passwords are never stored, only handed out here)."""
    _admin(actor)
    rnd = _round(db, round_id)
    issued = []
    for body in _bodies(db, rnd.id):
        user = db.scalar(select(User).where(User.body_id == body.id))
        if user is not None and user.last_login_at is not None:
            continue
        password = security.random_password()
        if user is None:
            user = User(username=_username(db, rnd, body), role="filer", body_id=body.id, created_at=actor.now())
            db.add(user)
        user.password_hash = security.hash_password(password)
        user.must_change = True
        issued.append(IssuedAccount(body, user.username, password))
    audit(db, actor, "accounts_issue", f"{rnd.title}：发放 {len(issued)} 个账号（{'、'.join(a.username for a in issued)}）")
    db.commit()
    return issued


def _username(db: Session, rnd: Round, body: BodyRow) -> str:
    return f"u{rnd.year}-{body.id:04d}"


def accounts_workbook(issued: list[IssuedAccount], rnd: Round) -> bytes:
    """账号清单.xlsx: body, username, initial password — to print and hand out."""
    wb = Workbook()
    ws = wb.active
    ws.title = "账号清单"
    append_row(ws, [f"{rnd.title} 填报账号（首次登录须修改密码）"])
    append_row(ws, ["机关全称", "简称", "用户名", "初始密码"])
    for a in issued:
        append_row(ws, [a.body.name, a.body.short_name, a.username, a.password])
    for col, width in zip("ABCD", (36, 16, 16, 22), strict=True):
        ws.column_dimensions[col].width = width
    return _save(wb)


def reset_password(db: Session, actor: Actor, body_id: int) -> IssuedAccount:
    _admin(actor)
    body = _body(db, body_id)
    user = db.scalar(select(User).where(User.body_id == body.id))
    if user is None:
        raise PortalError(f"{body.name} 还没有账号，请先在报送年度页面发放账号。")
    password = security.random_password()
    user.password_hash = security.hash_password(password)
    user.must_change = True
    security.end_user_sessions(db, user.id)
    audit(db, actor, "password_reset", f"{body.name}（{user.username}）", body.id)
    db.commit()
    return IssuedAccount(body, user.username, password)


# --- rounds and the roster --------------------------------------------------------------------


def create_round(
    db: Session,
    actor: Actor,
    *,
    year: int,
    orgs: Path,
    title: str = "",
    deadline: dt.date | None = None,
    previous_round_id: int | None = None,
    previous_reports: str | Path | Iterable[SourceLike] | None = None,
) -> Round:
    """A 报送年度 round from a 单位名单 (.xlsx/.csv, read as ``gongkai init --orgs`` reads it).

    Last year's facts come from ``previous_round_id`` (each body's accepted, else latest
    submitted, else latest upload) or ``previous_reports``: last year's workbooks as a folder
    or as sources (paths, ``(name, bytes)``), read exactly as ``init --orgs --previous`` reads
    them. Last year's files that cannot be read are noted in the audit log."""
    _admin(actor)
    if not 2008 <= year <= 2100:
        raise PortalError(f"年度 {year} 不对：应为 2008 到 2100 之间的年份。")
    title = bounded(title, MAX_TITLE, "报送年度名称")
    try:
        rows = read_orgs(orgs, year)
    except GongkaiError as exc:  # a wrong 层级, a duplicate row, an empty file, a refused bomb
        raise PortalError(str(exc), 422) from exc
    too_long = [f"第 {r.row} 行" for r in rows if max(len(r.body.name), len(r.body.short_name), len(r.body.parent)) > MAX_NAME]
    if too_long:
        raise PortalError(f"单位名单 {orgs.name} {'、'.join(too_long[:10])}的名称超过 {MAX_NAME} 个字，请改正后重新上传。", 422)
    last_by_key: Callable[[Body], LastYear | None]
    problems: list[str] = []
    if previous_reports is not None:
        index = index_previous(
            previous_reports if isinstance(previous_reports, (str, Path)) else as_sources(previous_reports)
        )
        problems = index.problems
        last_by_key = index.get
    elif previous_round_id is not None:
        last_by_key = _previous_round_index(db, _round(db, previous_round_id))
    else:
        def last_by_key(body: Body) -> LastYear | None:
            return None
    rnd = Round(
        year=year,
        title=title.strip() or f"{year}年度政府信息公开工作年度报告",
        deadline=deadline,
        previous_round_id=previous_round_id,
        created_at=actor.now(),
    )
    db.add(rnd)
    db.flush()
    for row in rows:
        _new_body(db, actor, rnd, row.body, last_by_key(row.body))
    audit(db, actor, "round_create", f"{rnd.title}：{len(rows)} 个单位（名单 {orgs.name}）")
    for problem in problems:
        audit(db, actor, "round_previous_unreadable", f"{rnd.title}：上年文件 {problem}")
    db.commit()
    return rnd


def close_round(db: Session, actor: Actor, round_id: int) -> Round:
    """关闭 a round once its work is done: its bodies' accounts stop (their sessions end), so
    last year's logins are not left open for ever. Everything stored stays readable to the
    county."""
    _admin(actor)
    rnd = _round(db, round_id)
    if rnd.closed_at is not None:
        raise PortalError(f"{rnd.title}已于 {rnd.closed_at:%Y-%m-%d} 关闭。", 409)
    rnd.closed_at = actor.now()
    body_ids = select(BodyRow.id).where(BodyRow.round_id == rnd.id)
    users = list(db.scalars(select(User).where(User.body_id.in_(body_ids))))
    for user in users:
        user.disabled = True
        security.end_user_sessions(db, user.id)
    audit(db, actor, "round_close", f"{rnd.title}：停用 {len(users)} 个填报账号")
    db.commit()
    return rnd


def reports_in_zip(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """Last year's workbooks (.xlsx, .json) from a .zip the county uploads (its 上年 folder,
    compressed), through the same guard as every package: a zip bomb is refused, not inflated.
    Each workbook is then read, guard and all, like any other."""
    if not data.startswith(b"PK"):
        raise PortalError(f"{name} 不是 .zip 压缩文件：请把上年各单位的填报表放在一个文件夹中，压缩成 .zip 后上传。")
    try:
        package = open_package(data, name, resave="请重新压缩上年的填报表文件夹后再上传。")
    except GongkaiError as exc:
        raise PortalError(str(exc)) from exc
    found = [
        (member.rsplit("/", 1)[-1], content)
        for member, content in sorted(package.members.items())
        if Path(member).suffix.lower() in REPORT_SUFFIXES
        and not Path(member).name.startswith(("~$", "."))
        and "__MACOSX" not in member
    ]
    if not found:
        raise PortalError(f"{name} 中没有填报表（.xlsx 或 .json）。")
    return found


def _previous_round_index(db: Session, previous: Round) -> Callable[[Body], LastYear | None]:
    found: dict[str, LastYear] = {}
    for body in _bodies(db, previous.id):
        version = _best_version(db, body)
        if version is None:
            continue
        last = LastYear.from_report(Report.model_validate_json(version.report_json))
        for name in {body.name, body.short_name} - {""}:
            found[body_key(name)] = last

    def get(body: Body) -> LastYear | None:
        for name in (body.name, body.short_name):
            if name and (last := found.get(body_key(name))):
                return last
        return None

    return get


def _best_version(db: Session, body: BodyRow) -> Version | None:
    """What the county has for a body: the submitted version, else the latest upload."""
    sub = _latest_submission(db, body.id)
    if sub is not None:
        return db.get(Version, sub.version_id)
    return latest_version(db, body.id)


def _new_body(db: Session, actor: Actor, rnd: Round, body: Body, last: LastYear | None) -> BodyRow:
    import secrets

    row = BodyRow(
        round_id=rnd.id,
        token=secrets.token_hex(16),
        name=body.name,
        short_name=body.short_name,
        level=body.level,
        parent=body.parent,
        last_year_json=last.model_dump_json() if last is not None else None,
        state="open",
        created_at=actor.now(),
    )
    db.add(row)
    db.flush()
    return row


def add_body(db: Session, actor: Actor, round_id: int, *, name: str, short_name: str = "", level: str = "乡镇", parent: str = "") -> BodyRow:
    _admin(actor)
    rnd = _round(db, round_id)
    body = _valid_body(name, short_name, level, parent, rnd.year)
    if any(body_key(b.name) == body_key(body.name) for b in _bodies(db, rnd.id)):
        raise PortalError(f"本报送年度已有单位“{body.name}”。")
    row = _new_body(db, actor, rnd, body, None)
    audit(db, actor, "body_add", body.name, row.id)
    db.commit()
    return row


def rename_body(db: Session, actor: Actor, body_id: int, *, name: str, short_name: str = "") -> BodyRow:
    _admin(actor)
    row = _body(db, body_id)
    body = _valid_body(name, short_name, row.level, row.parent, _round(db, row.round_id).year)
    old = row.name
    row.name, row.short_name = body.name, body.short_name
    audit(db, actor, "body_rename", f"{old} → {row.name}", row.id)
    db.commit()
    return row


def remove_body(db: Session, actor: Actor, body_id: int, reason: str) -> BodyRow:
    """Take a body off the roster. Its versions, submissions and log stay; its account stops."""
    _admin(actor)
    row = _body(db, body_id)
    reason = bounded(reason, MAX_REASON, "移除原因")
    if not reason:
        raise PortalError("移除单位需要写明原因。")
    row.removed_at = actor.now()
    for user in db.scalars(select(User).where(User.body_id == row.id)):
        user.disabled = True
        security.end_user_sessions(db, user.id)
    audit(db, actor, "body_remove", f"{row.name}：{reason.strip()}", row.id)
    db.commit()
    return row


def _valid_body(name: str, short_name: str, level: str, parent: str, year: int) -> Body:
    from pydantic import ValidationError

    name, short_name = bounded(name, MAX_NAME, "机关全称"), bounded(short_name, MAX_NAME, "简称")
    parent = bounded(parent, MAX_NAME, "所属县（市、区）")
    try:
        return Body(name=name, short_name=short_name, level=level, parent=parent, year=year)
    except ValidationError as exc:
        raise PortalError(f"单位信息有误：机关全称不能为空，层级应为{'、'.join(fmt.LEVELS)}之一。") from exc


# --- the pre-filled workbook ------------------------------------------------------------------


def body_model(row: BodyRow, year: int) -> Body:
    return Body(name=row.name, short_name=row.short_name, level=row.level, parent=row.parent, year=year)


def prefilled_workbook(db: Session, actor: Actor, body_id: int) -> tuple[str, bytes]:
    """The body's workbook, pre-filled as ``init --orgs --previous`` does, carrying the body's
    token and the year in hidden custom properties (besides the layout version)."""
    row = _body_for(db, actor, body_id)
    rnd = _round(db, row.round_id)
    last = LastYear.model_validate_json(row.last_year_json) if row.last_year_json else None
    body = body_model(row, rnd.year)
    wb = build_workbook(prefill(body, last))
    wb.custom_doc_props.append(StringProperty(name=BODY_PROPERTY, value=row.token))
    wb.custom_doc_props.append(StringProperty(name=YEAR_PROPERTY, value=str(rnd.year)))
    if not actor.is_admin and row.downloaded_at is None:
        row.downloaded_at = actor.now()
    audit(db, actor, "download_workbook", workbook_name(body), row.id)
    db.commit()
    return workbook_name(body), _save(wb)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _custom_properties(data: bytes) -> dict[str, str]:
    """The custom document properties of an .xlsx, read through the library's package guard
    like every other part (one safe way to open a package)."""
    try:
        package = open_package(data, "上传的文件", xml_limits=WORKBOOK_XML)  # the reader's bounds, not the general ones
        if "docProps/custom.xml" not in package:
            return {}
        root = package.xml("docProps/custom.xml")
    except GongkaiError:
        return {}
    props = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            props[name] = (prop[0].text or "").strip()
    return props


# --- uploads ----------------------------------------------------------------------------------


def sniff(data: bytes, filename: str) -> str:
    """The upload's type by its content: ".xlsx" (a zip) or ".json"; the old binary Excel
    goes to the workbook reader, which explains .xls and encrypted files."""
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head == OLE_MAGIC:
        return ".xlsx"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return ".json"
    raise PortalError(
        f"文件 {filename} 既不是 Excel 填报表（.xlsx）也不是导出的 JSON 文件，请上传从本系统下载并填好的填报表。", 415
    )


# Uploads are read in Starlette's thread pool, as many at once as requests arrive. Reading is
# CPU work under the GIL: more readers than cores add no speed, only memory (each holds its
# workbook's inflated XML while it reads, and every thread keeps its own malloc arena), so
# the others wait their turn here.
_READERS = threading.BoundedSemaphore(min(4, os.cpu_count() or 2))


def read_upload(data: bytes, filename: str) -> tuple[str, Report]:
    """Read uploaded bytes with the library's reader (and so through its guards: old
    formats, encryption, zip and XML bombs, workbooks holding far more than a report),
    named as the clerk named the file; a few at a time (:data:`_READERS`)."""
    kind = sniff(data, filename)
    stem = safe_filename(Path(filename).stem)[:80] or "上传文件"
    with _READERS:
        return kind, read_report(data, f"{stem}{kind}")


_SQLITE_WRITER = threading.Lock()


def upload_name(filename: str) -> str:
    """The name an uploaded file is kept and shown under: its last path component, without
    control or bidirectional-override characters (U+202E makes "xslx.exe" read "exe.xlsx"),
    at most :data:`MAX_FILENAME` characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip()
    return clip(name, MAX_FILENAME) or "上传文件"


def _within_quota(db: Session, row: BodyRow, size: int, quota: int = DEFAULT_BODY_QUOTA) -> None:
    stored = (db.scalar(select(func.sum(Blob.size)).join(Version, Version.blob_id == Blob.id).where(Version.body_id == row.id)) or 0) + (
        db.scalar(select(func.sum(Blob.size)).join(Submission, Submission.stamped_blob_id == Blob.id).where(Submission.body_id == row.id)) or 0
    )
    if stored + size > quota:
        raise PortalError(
            f"{row.name} 已保存的文件合计 {stored / 1048576:.1f} MB，再保存这份（{size / 1048576:.1f} MB）将超过每个单位 "
            f"{quota / 1048576:.0f} MB 的上限，已拒绝。如确需继续上传，请联系县政务公开办。",
            413,
        )


def upload_version(
    db: Session, actor: Actor, body_id: int, filename: str, data: bytes, *, max_size: int = DEFAULT_MAX_UPLOAD, quota: int = DEFAULT_BODY_QUOTA
) -> Version:
    """Check an upload and keep it as a new version. A refused upload stores nothing but an
    audit-log line: no version, no change of state."""
    row = _body_for(db, actor, body_id)
    rnd = _round(db, row.round_id)
    filename = upload_name(filename)
    try:
        version = _upload(db, actor, row, rnd, filename, data, max_size, quota)
    except GongkaiError as exc:
        db.rollback()
        audit(db, actor, "upload_refused", f"{filename}：{exc}", row.id)
        db.commit()
        if isinstance(exc, PortalError):
            raise
        raise PortalError(str(exc), 422) from exc
    return version


def _upload(db: Session, actor: Actor, row: BodyRow, rnd: Round, filename: str, data: bytes, max_size: int, quota: int) -> Version:
    if rnd.closed_at is not None:
        raise PortalError(f"{rnd.title}已关闭，不能再上传。", 409)
    if row.removed_at is not None:
        raise PortalError(f"{row.name} 已从本报送年度移除，不能再上传。", 409)
    if row.state in ("submitted", "accepted"):
        raise PortalError(
            "报告已提交，县政务公开办退回之前不能再上传。" if row.state == "submitted" else "报告已通过审核，不能再上传。", 409
        )
    if len(data) > max_size:
        raise PortalError(f"文件 {filename} 有 {len(data) / 1048576:.1f} MB，超过上限 {max_size / 1048576:.0f} MB。", 413)
    if not data:
        raise PortalError(f"文件 {filename} 是空的。")
    _within_quota(db, row, len(data), quota)
    kind, report = read_upload(data, filename)
    _check_identity(db, row, rnd, report, data if kind == ".xlsx" else b"", filename)
    as_portal_body(report, row, rnd.year)
    last = LastYear.model_validate_json(row.last_year_json) if row.last_year_json else None
    if last is not None and (report.last_year is None or report.last_year.is_empty()):
        report.last_year = last  # a JSON export without 上年数据: the round knows last year
    findings = sort_findings(check_report(report))
    digest = hashlib.sha256(data).hexdigest()
    stored = {  # made before taking the writer lock, which is held for the writes alone
        "report_json": report_to_json(report),
        "findings_json": json.dumps([f.model_dump() for f in findings], ensure_ascii=False),
        "figures_json": json.dumps([str(v) for v in _figures(report)]),
    }
    # SQLite has one writer: this process's threads queue for it here, in arrival order, rather
    # than in SQLite's busy handler, whose back-off sleeps (up to 100 ms a try) left the unlucky
    # upload waiting seconds under load. Other processes still meet the busy timeout.
    with _SQLITE_WRITER if db.get_bind().dialect.name == "sqlite" else contextlib.nullcontext():
        # Write first, then count: the INSERT opens the write transaction (SQLite takes its one
        # writer lock here, waiting out the busy timeout), so the max() below sees every version
        # committed before it; PostgreSQL serialises a body's uploads on its row lock instead.
        blob = Blob(sha256=digest, size=len(data), data=data)
        db.add(blob)
        db.flush()
        locked = db.get(BodyRow, row.id, with_for_update=True)
        assert locked is not None
        number = (db.scalar(select(func.max(Version.number)).where(Version.body_id == row.id)) or 0) + 1
        version = Version(
            body_id=row.id,
            number=number,
            created_at=actor.now(),
            user_id=actor.user.id if actor.user else 0,
            filename=f"{Path(filename).stem or '上传文件'}{kind}",  # the extension its content has
            kind=kind,
            sha256=digest,
            blob_id=blob.id,
            **stored,
            errors=sum(f.severity == "error" for f in findings),
            warnings=sum(f.severity == "warning" for f in findings),
        )
        db.add(version)
        if row.downloaded_at is None and not actor.is_admin:
            row.downloaded_at = actor.now()
        audit(db, actor, "upload", f"第 {number} 版 {version.filename}（SHA-256 {digest[:16]}…，错误 {version.errors}，警告 {version.warnings}）", row.id)
        db.commit()
    return version


def _check_identity(db: Session, row: BodyRow, rnd: Round, report: Report, data: bytes, filename: str) -> None:
    props = _custom_properties(data) if data else {}
    token = props.get(BODY_PROPERTY)
    year = report.body.year
    if props.get(YEAR_PROPERTY, "").isdigit():
        year = int(props[YEAR_PROPERTY])
    if year != rnd.year or report.body.year != rnd.year:
        other = report.body.year if report.body.year != rnd.year else year
        raise PortalError(f"文件 {filename} 是 {other} 年度的填报表，本次报送的是 {rnd.year} 年度，请上传 {rnd.year} 年度的填报表。", 422)
    if token is not None and token != row.token:
        other_row = db.scalar(select(BodyRow).where(BodyRow.token == token))
        other_name = other_row.name if other_row else report.body.name
        raise PortalError(f"文件 {filename} 是“{other_name}”的填报表，不是“{row.name}”的，请上传本单位的填报表。", 422)
    # Whatever the file's token says, the name it prints must be this body's: the report goes
    # out under the name in the file, so a body's own workbook renamed to another body's would
    # otherwise replace that body's report in the county's zip.
    if body_key(report.body.name) != body_key(row.name):
        raise PortalError(
            f"文件 {filename} 中的机关全称是“{report.body.name}”，而本单位是“{row.name}”，不能作为本单位的报告上传。"
            f"请把“基本信息”表的机关全称改为“{row.name}”，或重新下载本单位的填报表。",
            422,
        )


def as_portal_body(report: Report, row: BodyRow, year: int) -> Report:
    """The report as by the body the portal's roster records (name, short name, level,
    parent, year), whatever the file says: the roster is the truth."""
    report.body = body_model(row, year)
    return report


# --- reading what is stored -------------------------------------------------------------------


def latest_version(db: Session, body_id: int) -> Version | None:
    return db.scalar(select(Version).where(Version.body_id == body_id).order_by(Version.number.desc()).limit(1))


def versions(db: Session, body_id: int) -> list[Version]:
    """A body's versions, newest first, for the history list: the stored report, findings and
    figures (tens of kB each) are loaded only for a version whose page asks for them."""
    heavy = (defer(Version.report_json), defer(Version.findings_json), defer(Version.figures_json))
    query = select(Version).where(Version.body_id == body_id).order_by(Version.number.desc()).options(*heavy)
    return list(db.scalars(query))


def version_for(db: Session, actor: Actor, body_id: int, version_id: int) -> tuple[BodyRow, Version]:
    row = _body_for(db, actor, body_id)
    version = db.get(Version, version_id)
    if version is None or version.body_id != row.id:
        raise NotFound()
    return row, version


def findings_of(version: Version) -> list[Finding]:
    return [Finding.model_validate(f) for f in json.loads(version.findings_json)]


def figures_of(version: Version) -> dict[str, str]:
    return dict(zip(TABLE_PATHS, json.loads(version.figures_json), strict=True))


def report_of(version: Version) -> Report:
    return Report.model_validate_json(version.report_json)


def blob_data(db: Session, blob_id: int) -> bytes:
    blob = db.get(Blob, blob_id)
    assert blob is not None
    return blob.data


def stored_file(db: Session, actor: Actor, body_id: int, version_id: int) -> tuple[str, bytes]:
    row, version = version_for(db, actor, body_id, version_id)
    audit(db, actor, "download", f"第 {version.number} 版原文件 {version.filename}", row.id)
    db.commit()
    return version.filename, blob_data(db, version.blob_id)


def _reread(db: Session, row: BodyRow, version: Version) -> Report:
    """The version read again from the stored file exactly as the batch reads it, by the
    body the roster records."""
    report = read_upload(blob_data(db, version.blob_id), version.filename)[1]
    return as_portal_body(report, row, _round(db, row.round_id).year)


def preview_html(db: Session, actor: Actor, body_id: int, version_id: int) -> str:
    row, version = version_for(db, actor, body_id, version_id)
    return render_html(_reread(db, row, version))


def report_file(db: Session, actor: Actor, body_id: int, version_id: int, kind: str) -> tuple[str, bytes]:
    """The Word (or PDF) report of a version, rendered once and kept in the database."""
    row, version = version_for(db, actor, body_id, version_id)
    if kind not in (".docx", ".pdf"):
        raise NotFound()
    if version.errors:
        raise PortalError("该版本有错误，不生成报告。请改正后重新上传。", 409)
    report = _reread(db, row, version)
    name = f"{safe_filename(report.title)}{kind}"
    cached = db.scalar(select(Rendered).where(Rendered.version_id == version.id, Rendered.kind == kind))
    if cached is not None:
        data = blob_data(db, cached.blob_id)
    else:
        with tempfile.TemporaryDirectory(prefix="gongkai-render-") as tmp:
            docx = render_docx(report, Path(tmp) / "report.docx", None)
            if kind == ".pdf":
                try:
                    target = convert_to_pdf(docx, Path(tmp) / "report.pdf")
                except PdfError as exc:
                    raise PortalError(str(exc), 503) from exc
            else:
                target = docx
            data = target.read_bytes()
        blob = Blob(sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
        db.add(blob)
        db.flush()
        db.add(Rendered(version_id=version.id, kind=kind, blob_id=blob.id))
    audit(db, actor, "download", f"第 {version.number} 版报告 {name}", row.id)
    db.commit()
    return name, data


# --- submit and review ------------------------------------------------------------------------


def submit(
    db: Session,
    actor: Actor,
    body_id: int,
    *,
    version_id: int,
    leader: str,
    signed_on: dt.date,
    explanations: dict[int, str],
    stamped: bytes | None = None,
    quota: int = DEFAULT_BODY_QUOTA,
) -> Submission:
    """提交 the given (latest) version: no errors, a 说明 for each warning, the 签发 leader and
    date, optionally the stamped PDF. The body is locked until the county returns it."""
    row, version = version_for(db, actor, body_id, version_id)
    if actor.is_admin:
        raise PortalError("提交由填报单位完成。", 403)
    if row.state in ("submitted", "accepted"):
        raise PortalError("报告已提交，不能重复提交。", 409)
    if (rnd := _round(db, row.round_id)).closed_at is not None:
        raise PortalError(f"{rnd.title}已关闭，不能再提交。", 409)
    latest = latest_version(db, row.id)
    if latest is None or latest.id != version.id:
        raise PortalError("只能提交最新上传的版本。", 409)
    findings = findings_of(version)
    if has_errors(findings):
        raise PortalError(f"还有 {version.errors} 个错误，改正并重新上传后才能提交。", 409)
    warnings = [i for i, f in enumerate(findings) if f.severity == "warning"]
    explanations = {i: bounded(explanations.get(i, ""), MAX_EXPLANATION, f"第 {i + 1} 条警告的说明") for i in warnings}
    missing = [i for i in warnings if not explanations[i]]
    if missing:
        raise PortalError(f"还有 {len(missing)} 条警告没有填写说明，每条警告都需要简要说明。")
    leader = bounded(leader, MAX_NAME, "签发人")
    if not leader:
        raise PortalError("请填写签发人（批准发布报告的领导）。")
    if stamped:
        if problem := stamped_pdf_problem(stamped, "盖章件"):
            raise PortalError(problem, 415)
        _within_quota(db, row, len(stamped), quota)
    else:
        stamped = None
    stamped_id = None
    if stamped is not None:
        blob = Blob(sha256=hashlib.sha256(stamped).hexdigest(), size=len(stamped), data=stamped)
        db.add(blob)
        db.flush()
        stamped_id = blob.id
    sub = Submission(
        body_id=row.id,
        version_id=version.id,
        user_id=actor.user.id if actor.user else 0,
        submitted_at=actor.now(),
        leader=leader,
        signed_on=signed_on,
        explanations_json=json.dumps({str(i): explanations[i] for i in warnings}, ensure_ascii=False),
        stamped_blob_id=stamped_id,
    )
    db.add(sub)
    row.state = "submitted"
    row.submitted_at = sub.submitted_at
    audit(db, actor, "submit", f"第 {version.number} 版，签发人 {sub.leader}（{signed_on}）{'，附盖章件' if stamped_id else ''}", row.id)
    db.commit()
    return sub


def return_(db: Session, actor: Actor, body_id: int, reason: str, cells: list[str] | None = None) -> Review:
    """退回 with a reason, optionally pointing at findings or cells (``sheet!cell`` or paths)."""
    _admin(actor)
    row = _body(db, body_id)
    if row.state != "submitted":
        raise PortalError("只有已提交的报告可以退回。", 409)
    return _review(db, actor, row, "return", "returned", reason, cells)


def accept(db: Session, actor: Actor, body_id: int, reason: str = "") -> Review:
    _admin(actor)
    row = _body(db, body_id)
    if row.state != "submitted":
        raise PortalError("只有已提交的报告可以通过。", 409)
    return _review(db, actor, row, "accept", "accepted", reason, None, need_reason=False)


def reopen(db: Session, actor: Actor, body_id: int, reason: str) -> Review:
    """Give an accepted (or submitted) body back to its clerk."""
    _admin(actor)
    row = _body(db, body_id)
    if row.state not in ("accepted", "submitted"):
        raise PortalError("只有已提交或已通过的报告可以重新打开。", 409)
    return _review(db, actor, row, "reopen", "returned", reason, None)


def _review(db: Session, actor: Actor, row: BodyRow, action: str, state: str, reason: str, cells: list[str] | None, *, need_reason: bool = True) -> Review:
    reason = bounded(reason, MAX_REASON, "原因")
    if need_reason and not reason:
        raise PortalError("请写明原因。")
    cells = [clip(c.strip(), MAX_NAME) for c in cells or [] if c.strip()][:200]
    review = Review(body_id=row.id, action=action, reason=reason.strip(), cells_json=json.dumps(cells, ensure_ascii=False), user_id=actor.user.id if actor.user else 0, created_at=actor.now())
    db.add(review)
    row.state = state
    detail = reason.strip() + (f"（指向：{'、'.join(cells)}）" if cells else "")
    audit(db, actor, action, f"{row.name}：{detail}" if detail else row.name, row.id)
    db.commit()
    return review


def latest_review(db: Session, body_id: int, action: str | None = None) -> Review | None:
    query = select(Review).where(Review.body_id == body_id)
    if action:
        query = query.where(Review.action == action)
    return db.scalar(query.order_by(Review.id.desc()).limit(1))


def reviews(db: Session, body_id: int) -> list[Review]:
    return list(db.scalars(select(Review).where(Review.body_id == body_id).order_by(Review.id.desc())))


def _latest_submission(db: Session, body_id: int) -> Submission | None:
    return db.scalar(select(Submission).where(Submission.body_id == body_id).order_by(Submission.id.desc()).limit(1))


def submissions(db: Session, body_id: int) -> list[Submission]:
    return list(db.scalars(select(Submission).where(Submission.body_id == body_id).order_by(Submission.id.desc())))


def stamped_file(db: Session, actor: Actor, body_id: int, submission_id: int) -> tuple[str, bytes]:
    row = _body_for(db, actor, body_id)
    sub = db.get(Submission, submission_id)
    if sub is None or sub.body_id != row.id or sub.stamped_blob_id is None:
        raise NotFound()
    audit(db, actor, "download", f"盖章件（提交 {sub.submitted_at:%Y-%m-%d %H:%M}）", row.id)
    db.commit()
    return f"{safe_filename(row.name)}{_round(db, row.round_id).year}年度报告盖章件.pdf", blob_data(db, sub.stamped_blob_id)


# --- the county's view ------------------------------------------------------------------------


@dataclass
class DashboardRow:
    body: BodyRow
    status: str  # a key of STATUS_NAMES
    errors: int | None
    warnings: int | None
    last_upload: dt.datetime | None
    submitted_at: dt.datetime | None
    late: bool | None  # None: no deadline, or not yet due

    @property
    def status_label(self) -> str:
        return STATUS_NAMES[self.status]


def body_status(body: BodyRow, latest: Version | None) -> str:
    if body.state in ("submitted", "accepted", "returned"):
        return body.state
    if latest is None:
        return "not_uploaded" if body.downloaded_at else "not_downloaded"
    return "has_errors" if latest.errors else "ready"


def dashboard(db: Session, round_id: int, now: dt.datetime) -> list[DashboardRow]:
    rnd = _round(db, round_id)
    rows = []
    due = dt.datetime.combine(rnd.deadline, dt.time.max) if rnd.deadline else None
    for body in _bodies(db, rnd.id):
        latest = latest_version(db, body.id)
        status = body_status(body, latest)
        late: bool | None = None
        if due is not None:
            if body.submitted_at is not None and status in ("submitted", "accepted"):
                late = body.submitted_at > due
            elif now > due:
                late = True
        rows.append(
            DashboardRow(
                body, status, latest.errors if latest else None, latest.warnings if latest else None,
                latest.created_at if latest else None, body.submitted_at if status in ("submitted", "accepted") else None, late,
            )
        )
    return rows


def chase_workbook(db: Session, actor: Actor, round_id: int) -> tuple[str, bytes]:
    """催报名单.xlsx: every body not yet submitted, with its status and contact account."""
    _admin(actor)
    rnd = _round(db, round_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "催报名单"
    append_row(ws, ["机关全称", "简称", "状态", "错误", "警告", "最后上传", "截止日期", "用户名"])
    for r in dashboard(db, rnd.id, actor.now()):
        if r.status in ("submitted", "accepted"):
            continue
        user = db.scalar(select(User).where(User.body_id == r.body.id))
        append_row(ws, [
            r.body.name, r.body.short_name, r.status_label, r.errors if r.errors is not None else "",
            r.warnings if r.warnings is not None else "", f"{r.last_upload:%Y-%m-%d %H:%M}" if r.last_upload else "",
            f"{rnd.deadline}" if rnd.deadline else "", user.username if user else "",
        ])
    for col, width in zip("ABCDEFGH", (36, 14, 10, 8, 8, 18, 12, 14), strict=True):
        ws.column_dimensions[col].width = width
    audit(db, actor, "download", f"{rnd.title} 催报名单")
    db.commit()
    return f"{rnd.year}年度催报名单.xlsx", _save(wb)


def totals(db: Session, round_id: int, scope: str = "accepted") -> tuple[int, dict[str, int | Decimal]]:
    """County totals of tables 二/三/四 over the accepted (or all submitted) bodies, summed by
    the batch's own code (:meth:`gongkai.batch.BatchResult.totals`)."""
    states = ("accepted",) if scope == "accepted" else ("submitted", "accepted")
    results = []
    for body in _bodies(db, round_id):
        if body.state in states and (version := _best_version(db, body)) is not None:
            figures = tuple(Decimal(v) if "." in v else int(v) for v in json.loads(version.figures_json))
            results.append(BodyResult(Path(body.name), "rendered", figures=figures))
    return len(results), BatchResult(results, Path("."), None).totals()


def download_zip(db: Session, actor: Actor, round_id: int, *, pdf: bool = False, html: bool = False) -> tuple[str, bytes]:
    """一键下载: each accepted body's submitted file run through :func:`gongkai.run_batch`
    (Word reports, 汇总.xlsx, 核对报告.md, 汇总.html — the very files ``gongkai batch`` writes
    for the same workbooks), plus the stamped copies."""
    _admin(actor)
    rnd = _round(db, round_id)
    accepted = [b for b in _bodies(db, rnd.id) if b.state == "accepted"]
    if not accepted:
        raise PortalError("还没有通过审核的单位，没有可下载的报告。", 409)
    buffer = io.BytesIO()
    uploads: list[ReportSource] = []
    stamped: list[tuple[str, bytes]] = []
    for body in accepted:
        version = _best_version(db, body)
        assert version is not None
        uploads.append(
            ReportSource(f"{safe_filename(body.name)}{version.kind}", data=blob_data(db, version.blob_id), body=body_model(body, rnd.year))
        )
        sub = _latest_submission(db, body.id)
        if sub is not None and sub.stamped_blob_id is not None:
            stamped.append((f"盖章件/{safe_filename(body.name)}{rnd.year}年度报告盖章件.pdf", blob_data(db, sub.stamped_blob_id)))
    with tempfile.TemporaryDirectory(prefix="gongkai-zip-") as tmp:
        out = Path(tmp) / "输出"
        run_batch(uploads, out, jobs=1, year=rnd.year, pdf=pdf, html=html)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(out.iterdir()):
                if path.is_file():
                    z.write(path, path.name)
            for name, data in stamped:
                z.writestr(name, data)
    audit(db, actor, "download", f"{rnd.title} 一键下载（{len(accepted)} 个单位）")
    db.commit()
    return f"{rnd.year}年度政府信息公开工作年度报告.zip", buffer.getvalue()


def figures_changed(db: Session, body: BodyRow, version: Version) -> tuple[Version | None, list[tuple[str, str, str]]]:
    """Figures of tables 二/三/四 that differ between ``version`` and the version the county
    last looked at: (label, before, after)."""
    seen = db.get(Version, body.county_seen_version_id) if body.county_seen_version_id else None
    if seen is None or seen.id == version.id:
        return seen, []
    before, after = figures_of(seen), figures_of(version)
    labels = figure_labels()
    return seen, [(labels[p], before[p], after[p]) for p in TABLE_PATHS if before[p] != after[p]]


def figure_labels() -> dict[str, str]:
    from ..workbook import layout as L

    return {s.path: f"{s.sheet}!{s.cell}（{s.label}）" for s in L.cell_specs() if s.path in set(TABLE_PATHS)}


def mark_seen(db: Session, body: BodyRow, version: Version) -> None:
    body.county_seen_version_id = version.id
    db.commit()


def audit_entries(
    db: Session, *, action: str = "", username: str = "", body_id: int | None = None, limit: int = AUDIT_PAGE, offset: int = 0
) -> list[AuditEntry]:
    """Audit-log entries, newest first: ``limit`` of them after skipping ``offset``."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if username:
        query = query.where(AuditEntry.username == username)
    if body_id:
        query = query.where(AuditEntry.body_id == body_id)
    return list(db.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)))


# --- lookups with authorization ---------------------------------------------------------------


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotFound()


def _round(db: Session, round_id: int) -> Round:
    rnd = db.get(Round, round_id)
    if rnd is None:
        raise NotFound()
    return rnd


def rounds(db: Session) -> list[Round]:
    return list(db.scalars(select(Round).order_by(Round.year.desc(), Round.id.desc())))


def _bodies(db: Session, round_id: int, *, removed: bool = False) -> list[BodyRow]:
    query = select(BodyRow).where(BodyRow.round_id == round_id)
    if not removed:
        query = query.where(BodyRow.removed_at.is_(None))
    return list(db.scalars(query.order_by(BodyRow.id)))


def bodies(db: Session, round_id: int, *, removed: bool = False) -> list[BodyRow]:
    return _bodies(db, round_id, removed=removed)


def _body(db: Session, body_id: int) -> BodyRow:
    row = db.get(BodyRow, body_id)
    if row is None:
        raise NotFound()
    return row


def _body_for(db: Session, actor: Actor, body_id: int) -> BodyRow:
    """The body, if ``actor`` may see it: an admin any, a 填报人 only its own (else 404)."""
    if actor.user is None:
        raise NotFound()
    row = _body(db, body_id)
    if not actor.is_admin and actor.user.body_id != row.id:
        raise NotFound()
    return row


def body_for(db: Session, actor: Actor, body_id: int) -> BodyRow:
    return _body_for(db, actor, body_id)


def round_of(db: Session, body: BodyRow) -> Round:
    return _round(db, body.round_id)


def get_round(db: Session, actor: Actor, round_id: int) -> Round:
    _admin(actor)
    return _round(db, round_id)


def account_of(db: Session, body_id: int) -> User | None:
    return db.scalar(select(User).where(User.body_id == body_id))

