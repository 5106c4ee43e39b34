"""The audit log: what every use case appends, and the pages that read it back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .db import AuditEntry
from .limits import MAX_AUDIT_DETAIL, clip

AUDIT_PAGE = 100

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
    "reminder_settings": "修改催报设置",
    "reminder_email": "设置催报邮箱",
    "reminder_queue": "催报",
    "reminder_sent": "催报已发送",
    "reminder_failed": "催报发送失败",
}


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
