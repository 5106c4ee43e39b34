"""Accounts: the county's admins, each body's 填报人 account (issued, reset), passwords.
Initial passwords are never stored, only handed out by the function that makes them."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..xlsx_text import append_row
from . import security
from .actors import Actor, require_admin
from .auditlog import audit
from .db import BodyRow, PasswordHistory, Round, User
from .errors import NotFound, PortalError
from .queries import account_of, bodies, body_for, get_round
from .roles import Duty, combination_problem, describe, store
from .workbooks import workbook_bytes


def create_admin(
    db: Session, username: str, password: str, clock: Callable[[], dt.datetime] = security.utcnow, duties: Collection[Duty] = (Duty.SYSTEM,)
) -> User:
    """A county account made from the command line: the first is the 系统管理员, who then names
    the 安全管理员 and 审计管理员 on the 县级账号 page (``staff``)."""
    username = username.strip()
    if problem := combination_problem(frozenset(duties)):
        raise PortalError(problem)
    if not username:
        raise PortalError("用户名不能为空。")
    if db.scalar(select(User).where(User.username == username)):
        raise PortalError(f"用户名 {username} 已存在。")
    if problem := security.password_problem(password, username):
        raise PortalError(problem)
    now = clock()
    user = User(username=username, password_hash=security.hash_password(password), role="admin", must_change=False, created_at=now, password_changed_at=now,
        duties=store(duties))
    db.add(user)
    db.flush()
    audit(db, Actor(user, "command line", clock), "admin_create", f"{describe(duties)} {username}")
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
    if _recently_used(db, user, new):
        raise PortalError(f"新密码不能与最近用过的 {security.PASSWORD_HISTORY} 个密码相同，请换一个。")
    now = actor.now()
    db.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=now))
    user.password_hash = security.hash_password(new)
    user.must_change = False
    user.password_changed_at = now
    security.end_user_sessions(db, user.id)
    token, _row = security.new_session(db, user, actor.now())
    audit(db, actor, "password_change", f"{user.username}（其他会话均已退出）", user.body_id)
    db.commit()
    return token


def _recently_used(db: Session, user: User, password: str) -> bool:
    """Whether ``password`` is one of the account's last five: the current one and the four
    before it (older hashes are kept but no longer count)."""
    earlier = db.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
        .limit(security.PASSWORD_HISTORY - 1)
    )
    return any(security.verify_password(h, password) for h in [user.password_hash, *earlier])


@dataclass
class IssuedAccount:
    body: BodyRow
    username: str
    password: str
    unlocked: bool = False  # a lock on the account was lifted with the new password


# What 账号清单 and the accounts page say of an account (the 说明 column).
NEW = "新发放"
REGENERATED = "重新生成（此前发出的密码已失效）"
HANDED_OUT = "已发放，尚未登录：密码未改动，仍用此前发给该单位的密码"
RESET_WAITING = "已重置密码，尚未登录：用重置时告知的密码"
IN_USE = "已在使用（已修改初始密码），不需要重新发放"
NONE_YET = "尚未发放账号"


@dataclass
class AccountLine:
    """One body of the round and its account, for the accounts page and 账号清单."""

    body: BodyRow
    user: User | None
    password: str | None = None  # only for a password made in this request
    state: str = ""


def account_lines(db: Session, actor: Actor, round_id: int, issued: list[IssuedAccount] | None = None, *, regenerated: bool = False) -> list[AccountLine]:
    """Every body on the round's roster with its account's state; ``issued`` are the
    passwords made just now (the only ones ever shown)."""
    rnd = get_round(db, actor, round_id)
    made = {a.body.id: a for a in issued or []}
    lines = []
    for body in bodies(db, rnd.id):
        user = account_of(db, body.id)
        if body.id in made:
            lines.append(AccountLine(body, user, made[body.id].password, REGENERATED if regenerated else NEW))
        elif user is None:
            lines.append(AccountLine(body, None, None, NONE_YET))
        elif not user.must_change:
            lines.append(AccountLine(body, user, None, IN_USE))
        elif user.last_login_at is None:
            lines.append(AccountLine(body, user, None, HANDED_OUT))
        else:
            lines.append(AccountLine(body, user, None, RESET_WAITING))
    return lines


def round_bodies(db: Session, actor: Actor, round_id: int, body_ids: Collection[int]) -> list[BodyRow]:
    """The round's bodies among ``body_ids`` (roster order); an id not on its roster is a 404."""
    rnd = get_round(db, actor, round_id)
    on_roster = {b.id: b for b in bodies(db, rnd.id)}
    if any(i not in on_roster for i in body_ids):
        raise NotFound()
    return [b for i, b in on_roster.items() if i in set(body_ids)]


def _open_round(db: Session, actor: Actor, round_id: int) -> Round:
    rnd = get_round(db, actor, round_id)
    if rnd.closed_at is not None:
        raise PortalError(f"{rnd.title}已于 {actor.when(rnd.closed_at)} 关闭，各单位账号已停用，不能再发放。", 409)
    return rnd


def issue_accounts(db: Session, actor: Actor, round_id: int, body_ids: Collection[int] | None = None) -> list[IssuedAccount]:
    """One 填报人 account, with its initial password, for every body of the round (or of
    ``body_ids``) that has none. An existing account is never touched: its password may be
    on a printed list already, and a second click for a body added later must not void it
    (a new password is :func:`regenerate_passwords`, asked for by name)."""
    rnd = _open_round(db, actor, round_id)
    targets = bodies(db, rnd.id) if body_ids is None else round_bodies(db, actor, rnd.id, body_ids)
    issued = []
    for body in targets:
        if account_of(db, body.id) is not None:
            continue
        password = security.random_password()
        user = User(username=_username(rnd, body), role="filer", body_id=body.id, created_at=actor.now())
        user.password_hash = security.hash_password(password)
        user.must_change = True
        user.password_changed_at = actor.now()
        db.add(user)
        issued.append(IssuedAccount(body, user.username, password))
    names = "、".join(a.username for a in issued) or "无"
    audit(db, actor, "accounts_issue", f"{rnd.title}：发放 {len(issued)} 个新账号（{names}），已有的账号未改动")
    db.commit()
    return issued


def regenerate_passwords(db: Session, actor: Actor, round_id: int, body_ids: Collection[int]) -> list[IssuedAccount]:
    """A new initial password for each named body (an account first where it has none): the
    old one stops working, its sessions end and a lock on it is lifted, as with 重置密码."""
    rnd = _open_round(db, actor, round_id)
    targets = round_bodies(db, actor, rnd.id, body_ids)
    if not targets:
        raise PortalError("请先勾选要重新生成密码的单位。")
    issued = []
    for body in targets:
        user = account_of(db, body.id)
        if user is None:
            user = User(username=_username(rnd, body), role="filer", body_id=body.id, created_at=actor.now())
            db.add(user)
            db.flush()
        password = security.random_password()
        user.password_hash = security.hash_password(password)
        user.must_change = True
        user.password_changed_at = actor.now()
        security.end_user_sessions(db, user.id)
        unlocked = security.lock_until(db, user.username, actor.now()) is not None
        security.unlock(db, user.username)
        issued.append(IssuedAccount(body, user.username, password, unlocked))
    names = "、".join(f"{a.body.name}（{a.username}）" for a in issued)
    audit(db, actor, "accounts_regenerate", f"{rnd.title}：重新生成 {len(issued)} 个账号的密码，原密码作废：{names}")
    db.commit()
    return issued


def _username(rnd: Round, body: BodyRow) -> str:
    return f"u{rnd.year}-{body.id:04d}"


def accounts_workbook(lines: list[AccountLine], rnd: Round, *, portal_url: str, made_at: str) -> bytes:
    """账号清单.xlsx, to print and hand out: where to log in, by when, and each body's username
    with its initial password where one was made just now; for the others it says why there
    is none (handed out earlier and still valid, or in use)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "账号清单"
    append_row(ws, [f"{rnd.title} 填报账号（首次登录须修改密码）"])
    append_row(ws, ["登录地址", portal_url])
    append_row(ws, ["截止日期", f"{rnd.deadline.isoformat()}（当日 24 时前提交）" if rnd.deadline else "未设"])
    append_row(ws, ["生成时间", made_at])
    append_row(ws, [])
    append_row(ws, [*HEADER])
    for line in lines:
        username = line.user.username if line.user is not None else ""
        append_row(ws, [line.body.name, line.body.short_name, username, line.password or "", line.state])
    for col, width in zip("ABCDE", (36, 16, 16, 22, 48), strict=True):
        ws.column_dimensions[col].width = width
    return workbook_bytes(wb)


HEADER = ("机关全称", "简称", "用户名", "初始密码", "说明")


def issued_notice(issued: list[IssuedAccount], lines: list[AccountLine], *, regenerated: bool = False) -> str:
    """The page's confirmation after 发放账号 / 重新生成: which bodies got a password now and
    that nobody else's changed."""
    names = "、".join(a.body.name for a in issued)
    if regenerated:
        return f"已为 {len(issued)} 个单位重新生成密码：{names}。原来的密码已失效，请把新密码告知这些单位。"
    others = sum(line.password is None and line.user is not None for line in lines)
    kept = f"其余 {others} 个单位已有账号，密码未改动。" if others else ""
    if not issued:
        return f"所有单位都已有账号，没有发放新账号；{kept}已发出的密码仍然有效。"
    return f"已为 {len(issued)} 个单位发放新账号：{names}。{kept}"


def data_uri(data: bytes) -> str:
    """账号清单 as a link on the page that shows its passwords: they are never stored, so the
    file cannot be fetched again later and travels with the page instead."""
    return "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + base64.b64encode(data).decode("ascii")


def lock_of(db: Session, actor: Actor, body_id: int) -> dt.datetime | None:
    """When the lock on the body's account ends (``None``: not locked), for the county only."""
    if not actor.is_admin:
        return None
    user = account_of(db, body_for(db, actor, body_id).id)
    return security.lock_until(db, user.username, actor.now()) if user is not None else None


def unlock_account(db: Session, actor: Actor, body_id: int) -> tuple[BodyRow, bool]:
    """解除锁定: the clerk may try again at once (with the password they have). Whether the
    account was locked at all comes back, so the page says what happened."""
    require_admin(actor)
    body = body_for(db, actor, body_id)
    user = account_of(db, body.id)
    if user is None:
        raise PortalError(f"{body.name} 还没有账号，请先在报送年度页面发放账号。")
    was_locked = security.lock_until(db, user.username, actor.now()) is not None
    security.unlock(db, user.username)
    audit(db, actor, "account_unlock", f"{body.name}（{user.username}）{'' if was_locked else '：当时未锁定'}", body.id)
    db.commit()
    return body, was_locked


def reset_password(db: Session, actor: Actor, body_id: int) -> IssuedAccount:
    require_admin(actor)
    body = body_for(db, actor, body_id)
    user = account_of(db, body.id)
    if user is None:
        raise PortalError(f"{body.name} 还没有账号，请先在报送年度页面发放账号。")
    password = security.random_password()
    user.password_hash = security.hash_password(password)
    user.must_change = True
    user.password_changed_at = actor.now()
    security.end_user_sessions(db, user.id)
    # The clerk asked for a reset because they could not log in: the lock goes with the old password.
    unlocked = security.lock_until(db, user.username, actor.now()) is not None
    security.unlock(db, user.username)
    audit(db, actor, "password_reset", f"{body.name}（{user.username}）{'，已解除锁定' if unlocked else ''}", body.id)
    db.commit()
    return IssuedAccount(body, user.username, password, unlocked)
