"""County duties (等保 访问控制 / 三员分立): who in the county office may do what.

A 填报人 (clerk) belongs to one body and has no duty here. A county account holds duties:
the 系统管理员 runs rounds, rosters and accounts; the 审核员 reviews, returns, accepts and
downloads; the 安全管理员 sets the password, lock, session and two-factor policy and enables the
accounts the 系统管理员 names; the 审计管理员 reads and exports the audit log and nothing else.
Every county route names the one duty it needs (``app.ROUTES``), so the table below is the whole
access policy, and ``tests/test_portal_roles.py`` walks every route as every role.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Duty(StrEnum):
    SYSTEM = "system"
    REVIEW = "reviewer"
    SECURITY = "security"
    AUDIT = "auditor"


DUTY_NAMES: dict[Duty, str] = {
    Duty.SYSTEM: "系统管理员",
    Duty.REVIEW: "审核员",
    Duty.SECURITY: "安全管理员",
    Duty.AUDIT: "审计管理员",
}

DUTY_SCOPES: dict[Duty, str] = {
    Duty.SYSTEM: "报送年度、单位名单、账号",
    Duty.REVIEW: "审核、退回、通过、下载",
    Duty.SECURITY: "密码和锁定策略、会话时限、双因素登录、启用县级账号",
    Duty.AUDIT: "查看和导出操作日志",
}

# The three management duties exclude one another (GB/T 22239 管理用户的权限分离); review is a
# business duty a small office's 系统管理员 may also hold, never the security or audit officer.
ALLOWED_TOGETHER: frozenset[frozenset[Duty]] = frozenset(
    {
        frozenset({Duty.SYSTEM}),
        frozenset({Duty.REVIEW}),
        frozenset({Duty.SECURITY}),
        frozenset({Duty.AUDIT}),
        frozenset({Duty.SYSTEM, Duty.REVIEW}),
    }
)


def parse(text: str) -> frozenset[Duty]:
    """The duties stored in ``users.duties`` (unknown words, from a newer version, grant nothing)."""
    known = {d.value for d in Duty}
    return frozenset(Duty(part) for part in text.split(",") if part in known)


def store(duties: Iterable[Duty]) -> str:
    return ",".join(sorted(d.value for d in duties))


def combination_problem(duties: frozenset[Duty]) -> str | None:
    """Why these duties may not go to one account, or None."""
    if not duties:
        return "县级账号至少要有一项职责。"
    if duties not in ALLOWED_TOGETHER:
        return f"{describe(duties)}不能由同一账号兼任（三员分立：系统管理员、安全管理员、审计管理员互相分开，审核员只能与系统管理员兼任）。"
    return None


def describe(duties: Iterable[Duty]) -> str:
    return "、".join(DUTY_NAMES[d] for d in Duty if d in set(duties))
