"""The 安全管理员's policy (等保 身份鉴别 / 访问控制): password age, account lock, session limits,
two-factor enforcement. One row in ``security_policy``; absent, the defaults below hold and the
deployment's ``--password-days`` / ``--require-2fa`` decide what the row leaves open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .db import SecurityPolicy


@dataclass(frozen=True)
class Policy:
    idle_minutes: int = 30  # a session unused this long ends
    session_hours: int = 12  # and any session this old
    lock_failures: int = 5  # wrong passwords within lock_minutes that lock a 填报人 account
    lock_minutes: int = 15  # the window counted and how long the lock lasts
    password_max_days: int | None = None  # None: the deployment's --password-days
    require_two_factor: bool = False  # county accounts must log in with TOTP (or --require-2fa)

    @property
    def idle(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_minutes)

    @property
    def absolute(self) -> dt.timedelta:
        return dt.timedelta(hours=self.session_hours)

    @property
    def lock_window(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.lock_minutes)

    def password_days(self, deployment: int) -> int:
        return deployment if self.password_max_days is None else self.password_max_days


DEFAULT = Policy()


@dataclass(frozen=True)
class Bound:
    """One setting the page offers: its words and the range GB/T 22239 practice allows."""

    key: str
    label: str
    unit: str
    low: int
    high: int


# The page's fields, in order. The ranges keep a mistyped value from disabling a control
# (a lock after 1000 failures, sessions of a month).
BOUNDS: tuple[Bound, ...] = (
    Bound("password_max_days", "密码最长使用期限", "天，0 为不要求定期更换", 0, 365),
    Bound("lock_failures", "连续输错密码几次后锁定填报人账号", "次", 3, 10),
    Bound("lock_minutes", "锁定时长（也是计数的时间窗口）", "分钟", 5, 1440),
    Bound("idle_minutes", "登录后多久不操作自动退出", "分钟", 5, 120),
    Bound("session_hours", "一次登录最长有效", "小时", 1, 24),
)


def current(db: Session) -> Policy:
    row = db.get(SecurityPolicy, 1)
    if row is None:
        return DEFAULT
    return Policy(
        idle_minutes=row.idle_minutes,
        session_hours=row.session_hours,
        lock_failures=row.lock_failures,
        lock_minutes=row.lock_minutes,
        password_max_days=row.password_max_days,
        require_two_factor=row.require_two_factor,
    )


def parse(text: Callable[[str], str], deployment_days: int) -> tuple[Policy, list[str]]:
    """The policy typed on the page, and what is wrong with it (Chinese, per field)."""
    values: dict[str, int] = {}
    problems = []
    for bound in BOUNDS:
        raw = text(bound.key).strip()
        if not raw.isascii() or not raw.isdigit():
            problems.append(f"“{bound.label}”应为整数。")
            continue
        value = int(raw)
        if not bound.low <= value <= bound.high:
            problems.append(
                f"“{bound.label}”应在 {bound.low} 到 {bound.high} {bound.unit.split('，')[0]}之间。"
            )
            continue
        values[bound.key] = value
    if problems:
        return DEFAULT, problems
    days = values.pop("password_max_days")
    return Policy(
        **values,
        password_max_days=None if days == deployment_days else days,
        require_two_factor=text("require_two_factor") == "1",
    ), []


def changes(old: Policy, new: Policy, deployment_days: int) -> list[str]:
    """What the new policy changes, as the audit log records it."""
    out = []
    for bound in BOUNDS:
        a, b = getattr(old, bound.key), getattr(new, bound.key)
        if bound.key == "password_max_days":
            a, b = old.password_days(deployment_days), new.password_days(deployment_days)
        if a != b:
            out.append(f"{bound.label}：{a}→{b}")
    if old.require_two_factor != new.require_two_factor:
        out.append(
            f"县级账号必须双因素登录：{'是' if old.require_two_factor else '否'}→{'是' if new.require_two_factor else '否'}"
        )
    return out


def save(db: Session, new: Policy, user_id: int | None, now: dt.datetime) -> None:
    row = db.get(SecurityPolicy, 1) or SecurityPolicy(id=1)
    row.idle_minutes, row.session_hours = new.idle_minutes, new.session_hours
    row.lock_failures, row.lock_minutes = new.lock_failures, new.lock_minutes
    row.password_max_days, row.require_two_factor = new.password_max_days, new.require_two_factor
    row.updated_at, row.updated_by = now, user_id
    db.add(row)
