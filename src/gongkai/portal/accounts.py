"""Accounts: the county's admins, each body's 填报人 account (issued, reset), passwords.
Initial passwords are never stored, only handed out by the function that makes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..xlsx_text import append_row
from . import security
from .actors import Actor, require_admin
from .auditlog import audit
from .db import BodyRow, Round, User
from .errors import PortalError
from .queries import account_of, bodies, body_for, get_round
from .workbooks import workbook_bytes


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
    for every account not yet used."""
    rnd = get_round(db, actor, round_id)
    issued = []
    for body in bodies(db, rnd.id):
        user = account_of(db, body.id)
        if user is not None and user.last_login_at is not None:
            continue
        password = security.random_password()
        if user is None:
            user = User(username=_username(rnd, body), role="filer", body_id=body.id, created_at=actor.now())
            db.add(user)
        user.password_hash = security.hash_password(password)
        user.must_change = True
        issued.append(IssuedAccount(body, user.username, password))
    audit(db, actor, "accounts_issue", f"{rnd.title}：发放 {len(issued)} 个账号（{'、'.join(a.username for a in issued)}）")
    db.commit()
    return issued


def _username(rnd: Round, body: BodyRow) -> str:
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
    return workbook_bytes(wb)


def reset_password(db: Session, actor: Actor, body_id: int) -> IssuedAccount:
    require_admin(actor)
    body = body_for(db, actor, body_id)
    user = account_of(db, body.id)
    if user is None:
        raise PortalError(f"{body.name} 还没有账号，请先在报送年度页面发放账号。")
    password = security.random_password()
    user.password_hash = security.hash_password(password)
    user.must_change = True
    security.end_user_sessions(db, user.id)
    audit(db, actor, "password_reset", f"{body.name}（{user.username}）", body.id)
    db.commit()
    return IssuedAccount(body, user.username, password)
