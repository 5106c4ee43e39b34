"""Who acts, from where, and when: every use case takes an :class:`Actor`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import localtime, security
from .db import User
from .errors import NotFound, PortalError
from .roles import Duty, parse


@dataclass
class Actor:
    user: User | None
    address: str = ""
    clock: Callable[[], dt.datetime] = security.utcnow
    zone: str = localtime.DEFAULT_ZONE  # how times are shown to this person (北京时间 by default)

    @property
    def is_admin(self) -> bool:
        """A county account (whatever its duties); a 填报人 is not."""
        return self.user is not None and self.user.role == "admin"

    @property
    def duties(self) -> frozenset[Duty]:
        """What this county account may do (三员分立); a pending or disabled one nothing."""
        if not self.is_admin or self.user is None or self.user.pending or self.user.disabled:
            return frozenset()
        return parse(self.user.duties)

    def can(self, *duties: Duty) -> bool:
        """Holds at least one of ``duties``."""
        return bool(self.duties & set(duties))

    @property
    def sees_bodies(self) -> bool:
        """Reads every body's pages: the 系统管理员 (roster, accounts) and the 审核员 (review).
        The 安全管理员 and 审计管理员 never see a report or a clerk's contact."""
        return self.can(Duty.SYSTEM, Duty.REVIEW)

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        """The local calendar day now (a default 签发日期, a demo deadline)."""
        return localtime.today(self.clock(), self.zone)

    def when(self, at: dt.datetime | None) -> str:
        """A stored time as this person reads it, full date and zone: ``2026-12-03 16:05 北京时间``."""
        return localtime.when(at, self.zone, label=True)


def system_actor(db: Session, username: str | None = None, clock: Callable[[], dt.datetime] = security.utcnow) -> Actor:
    """A county actor for scripts: the named account, or the first 系统管理员."""
    query = select(User).where(User.role == "admin").order_by(User.id)
    if username:
        query = query.where(User.username == username)
    users = list(db.scalars(query))
    user = next((u for u in users if Duty.SYSTEM in parse(u.duties)), users[0] if users else None)
    if user is None:
        raise PortalError("还没有管理员账号，请先运行 gongkai serve --create-admin 用户名。")
    return Actor(user, "script", clock)


def require_admin(actor: Actor) -> None:
    """A county page or action: a 填报人 gets the same 404 as for what does not exist."""
    if not actor.is_admin:
        raise NotFound()
