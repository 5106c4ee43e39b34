"""Rounds (报送年度) and their bodies: creating a round from a 单位名单, last year's facts,
adding, renaming and removing bodies, closing a round. The roster is the truth about who a
body is: its reports go out under the roster's name, whatever a file says."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import format as fmt
from ..county import REPORT_SUFFIXES, body_key, index_previous, read_orgs
from ..errors import GongkaiError
from ..model import Body, LastYear, Report
from ..package import open_package
from ..sources import SourceLike, as_sources
from . import security
from .actors import Actor, require_admin
from .auditlog import audit
from .db import BodyRow, Round, User
from .errors import PortalError
from .limits import MAX_NAME, MAX_REASON, MAX_TITLE, bounded
from .queries import best_version, bodies, body_for, get_round, report_of, round_of
from .workflow import BodyState


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
    require_admin(actor)
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
        last_by_key = _previous_round_index(db, get_round(db, actor, previous_round_id))
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
    rnd = get_round(db, actor, round_id)
    if rnd.closed_at is not None:
        raise PortalError(f"{rnd.title}已于 {actor.when(rnd.closed_at)} 关闭。", 409)
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
    for body in bodies(db, previous.id):
        version = best_version(db, body)
        if version is None:
            continue
        last = LastYear.from_report(report_of(version))
        for name in {body.name, body.short_name} - {""}:
            found[body_key(name)] = last

    def get(body: Body) -> LastYear | None:
        for name in (body.name, body.short_name):
            if name and (last := found.get(body_key(name))):
                return last
        return None

    return get


def _new_body(db: Session, actor: Actor, rnd: Round, body: Body, last: LastYear | None) -> BodyRow:
    row = BodyRow(
        round_id=rnd.id,
        token=secrets.token_hex(16),
        name=body.name,
        short_name=body.short_name,
        level=body.level,
        parent=body.parent,
        last_year_json=last.model_dump_json() if last is not None else None,
        state=BodyState.OPEN.value,
        created_at=actor.now(),
    )
    db.add(row)
    db.flush()
    return row


def add_body(db: Session, actor: Actor, round_id: int, *, name: str, short_name: str = "", level: str = "乡镇", parent: str = "") -> BodyRow:
    rnd = get_round(db, actor, round_id)
    body = _valid_body(name, short_name, level, parent, rnd.year)
    if any(body_key(b.name) == body_key(body.name) for b in bodies(db, rnd.id)):
        raise PortalError(f"本报送年度已有单位“{body.name}”。")
    row = _new_body(db, actor, rnd, body, None)
    audit(db, actor, "body_add", body.name, row.id)
    db.commit()
    return row


def rename_body(db: Session, actor: Actor, body_id: int, *, name: str, short_name: str = "") -> BodyRow:
    require_admin(actor)
    row = body_for(db, actor, body_id)
    body = _valid_body(name, short_name, row.level, row.parent, round_of(db, row).year)
    old = row.name
    row.name, row.short_name = body.name, body.short_name
    audit(db, actor, "body_rename", f"{old} → {row.name}", row.id)
    db.commit()
    return row


def remove_body(db: Session, actor: Actor, body_id: int, reason: str) -> BodyRow:
    """Take a body off the roster. Its versions, submissions and log stay; its account stops."""
    require_admin(actor)
    row = body_for(db, actor, body_id)
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


def body_model(row: BodyRow, year: int) -> Body:
    """The library's :class:`~gongkai.model.Body` for a roster row."""
    return Body(name=row.name, short_name=row.short_name, level=row.level, parent=row.parent, year=year)


def as_portal_body(report: Report, row: BodyRow, year: int) -> Report:
    """The report as by the body the portal's roster records (name, short name, level,
    parent, year), whatever the file says: the roster is the truth."""
    report.body = body_model(row, year)
    return report
