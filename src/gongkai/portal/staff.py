"""County accounts (县级账号) under 三员分立: the 系统管理员 names an account and its duties; the
安全管理员 enables it, changes duties, disables, resets a password or two-factor login, lifts a
lock. Nobody acts on their own account here, so no role can grant itself another.

Until the county has an enabled 安全管理员 and 审计管理员 (``bootstrap_open``), the accounts
the 系统管理员 names for those two duties are enabled at once — somebody has to be first; every
other account waits (``pending``) for the 安全管理员.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import limits, policy, security
from .actors import Actor
from .auditlog import audit
from .db import RecoveryCode, User
from .errors import NotFound, PortalError
from .roles import Duty, combination_problem, describe, parse, store

USERNAME = re.compile(r"[A-Za-z0-9_.\-]{3,40}")


@dataclass
class StaffLine:
    user: User
    duties: frozenset[Duty]
    locked_until: dt.datetime | None
    named_by: str

    @property
    def state(self) -> str:
        if self.user.disabled:
            return "已停用"
        if self.user.pending:
            return "待安全管理员启用"
        return "已启用"

    @property
    def two_factor(self) -> bool:
        return self.user.totp_enabled_at is not None


@dataclass
class NamedAccount:
    user: User
    password: str  # shown once on the page that made it; never stored


def _require(actor: Actor, duty: Duty) -> None:
    if not actor.can(duty):
        raise NotFound()


def _county(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.role == "admin").order_by(User.id)))


def _active_with(users: Collection[User], duty: Duty) -> bool:
    return any(duty in parse(u.duties) and not u.pending and not u.disabled for u in users)


def bootstrap_open(db: Session) -> bool:
    """The county still lacks an enabled 安全管理员 or 审计管理员."""
    users = _county(db)
    return not (_active_with(users, Duty.SECURITY) and _active_with(users, Duty.AUDIT))


def missing_duties(db: Session) -> list[Duty]:
    users = _county(db)
    return [d for d in (Duty.SECURITY, Duty.AUDIT) if not _active_with(users, d)]


def staff_lines(db: Session, actor: Actor) -> list[StaffLine]:
    """Every county account, for the 系统管理员 and the 安全管理员."""
    if not actor.can(Duty.SYSTEM, Duty.SECURITY):
        raise NotFound()
    users = _county(db)
    names = {u.id: u.username for u in users}
    now = actor.now()
    return [
        StaffLine(
            u,
            parse(u.duties),
            security.lock_until(db, u.username, now),
            names.get(u.created_by or 0, "命令行创建"),
        )
        for u in users
    ]


def name_account(db: Session, actor: Actor, username: str, duties: Collection[Duty]) -> NamedAccount:
    """The 系统管理员 names a county account with its duties and an initial password."""
    _require(actor, Duty.SYSTEM)
    username = username.strip()
    wanted = frozenset(duties)
    if not USERNAME.fullmatch(username):
        raise PortalError("用户名应为 3 到 40 个英文字母、数字或 _ . -。")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise PortalError(f"用户名 {username} 已被使用，请换一个。")
    if problem := combination_problem(wanted):
        raise PortalError(problem)
    # The first 安全管理员 and 审计管理员 are enabled at once; anything else, and any account
    # once they exist, waits for the 安全管理员 — the 系统管理员 cannot widen the office alone.
    first = bootstrap_open(db) and wanted <= set(missing_duties(db))
    password = security.random_password()
    now = actor.now()
    assert actor.user is not None
    user = User(
        username=username,
        password_hash=security.hash_password(password),
        role="admin",
        must_change=True,
        created_at=now,
        password_changed_at=now,
        duties=store(wanted),
        created_by=actor.user.id,
        pending=not first,
    )
    db.add(user)
    db.flush()
    audit(
        db, actor, "staff_create", f"{describe(wanted)} {username}{'' if first else '（待安全管理员启用）'}"
    )
    db.commit()
    return NamedAccount(user, password)


def _target(db: Session, actor: Actor, user_id: int) -> User:
    """A county account the 安全管理员 may act on: never their own."""
    _require(actor, Duty.SECURITY)
    user = db.get(User, user_id)
    if user is None or user.role != "admin":
        raise NotFound()
    assert actor.user is not None
    if user.id == actor.user.id:
        raise PortalError("不能修改自己的账号（三员分立：账号的职责和状态由他人管理）。")
    return user


def enable(db: Session, actor: Actor, user_id: int) -> User:
    user = _target(db, actor, user_id)
    was = "启用" if user.pending else "重新启用"
    user.pending = False
    user.disabled = False
    audit(db, actor, "staff_enable", f"{was} {describe(parse(user.duties))} {user.username}")
    db.commit()
    return user


def disable(db: Session, actor: Actor, user_id: int) -> User:
    user = _target(db, actor, user_id)
    user.disabled = True
    security.end_user_sessions(db, user.id)  # a stopped account's sessions end at once
    audit(db, actor, "staff_disable", user.username)
    db.commit()
    return user


def set_duties(db: Session, actor: Actor, user_id: int, duties: Collection[Duty]) -> User:
    user = _target(db, actor, user_id)
    wanted = frozenset(duties)
    if problem := combination_problem(wanted):
        raise PortalError(problem)
    old = parse(user.duties)
    user.duties = store(wanted)
    security.end_user_sessions(db, user.id)  # the pages open under the old duties close
    audit(db, actor, "staff_duties", f"{user.username}：{describe(old) or '无'}→{describe(wanted)}")
    db.commit()
    return user


def reset_password(db: Session, actor: Actor, user_id: int) -> NamedAccount:
    user = _target(db, actor, user_id)
    password = security.random_password()
    user.password_hash = security.hash_password(password)
    user.must_change = True
    user.password_changed_at = actor.now()
    security.end_user_sessions(db, user.id)
    security.unlock(db, user.username)
    audit(db, actor, "staff_password_reset", user.username)
    db.commit()
    return NamedAccount(user, password)


def reset_two_factor(db: Session, actor: Actor, user_id: int) -> User:
    """The authenticator is lost and so are the recovery codes: the account enrols afresh."""
    user = _target(db, actor, user_id)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    security.end_user_sessions(db, user.id)
    audit(db, actor, "staff_two_factor_reset", user.username)
    db.commit()
    return user


def unlock(db: Session, actor: Actor, user_id: int) -> User:
    user = _target(db, actor, user_id)
    security.unlock(db, user.username)
    audit(db, actor, "staff_unlock", user.username)
    db.commit()
    return user


def duties_from(values: Collection[str]) -> frozenset[Duty]:
    """The duties ticked on a form (unknown words ignored)."""
    return parse(",".join(limits.clip(v, 20) for v in values))


def change_policy(db: Session, actor: Actor, new: policy.Policy, deployment_days: int) -> list[str]:
    """The 安全管理员 saves the policy; what changed goes to the audit log and comes back."""
    _require(actor, Duty.SECURITY)
    changed = policy.changes(policy.current(db), new, deployment_days)
    assert actor.user is not None
    policy.save(db, new, actor.user.id, actor.now())
    audit(db, actor, "policy_change", "；".join(changed) or "未改动")
    db.commit()
    return changed
