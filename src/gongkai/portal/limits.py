"""How much a user may send and the portal keeps: text lengths, upload size, each body's
storage quota. Every text from a form or a file name is measured against these before it is
stored, and the audit log clips what it quotes, so nobody can grow the database or the log
page by sending long texts."""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import Blob, BodyRow, Submission, Version
from .errors import PortalError

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
# All files one body may store (every version, every stamped copy): a few hundred normal
# uploads, so a clerk cannot fill the county's disk.
DEFAULT_BODY_QUOTA = 200 * 1024 * 1024

MAX_NAME = 100  # 机关全称, 简称, 所属县, 签发人, a user name
MAX_TITLE = 200
MAX_REASON = 2000  # 退回、通过、重新打开、移除的原因
MAX_EXPLANATION = 1000  # one warning's 说明
MAX_FILENAME = 120
MAX_AUDIT_DETAIL = 1000


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marked as cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bounded(text: str, limit: int, what: str) -> str:
    """``text`` stripped, refused (in Chinese) when longer than ``limit`` characters."""
    text = text.strip()
    if len(text) > limit:
        raise PortalError(f"{what}最多 {limit} 个字，现在有 {len(text)} 个字，请删减后再提交。")
    return text


def upload_name(filename: str) -> str:
    """The name an uploaded file is kept and shown under: its last path component, without
    control or bidirectional-override characters (U+202E makes "xslx.exe" read "exe.xlsx"),
    at most :data:`MAX_FILENAME` characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip()
    return clip(name, MAX_FILENAME) or "上传文件"


def within_quota(db: Session, row: BodyRow, size: int, quota: int = DEFAULT_BODY_QUOTA) -> None:
    """Refuse to store ``size`` more bytes for a body whose files would then exceed ``quota``."""
    stored = (db.scalar(select(func.sum(Blob.size)).join(Version, Version.blob_id == Blob.id).where(Version.body_id == row.id)) or 0) + (
        db.scalar(select(func.sum(Blob.size)).join(Submission, Submission.stamped_blob_id == Blob.id).where(Submission.body_id == row.id)) or 0
    )
    if stored + size > quota:
        raise PortalError(
            f"{row.name} 已保存的文件合计 {stored / 1048576:.1f} MB，再保存这份（{size / 1048576:.1f} MB）将超过每个单位 "
            f"{quota / 1048576:.0f} MB 的上限，已拒绝。如确需继续上传，请联系县政务公开办。",
            413,
        )
