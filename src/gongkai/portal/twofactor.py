"""双因素登录 (等保 身份鉴别 8.1.4.1 d): a county account's password plus a one-time code from
any authenticator app (TOTP, RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps), enrolled by
scanning a QR code, with ten one-time recovery codes for a lost phone.

A code is accepted one step either side of now (a phone's clock drifts) and never twice: the
step last used is kept, so a code read over a shoulder cannot be replayed. Recovery codes are
stored as argon2id hashes, as passwords are, and each works once. The 安全管理员's policy or
the deployment (``serve --require-2fa``) can make it compulsory for every county account.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import policy, security
from .actors import Actor
from .auditlog import audit
from .db import RecoveryCode, User
from .errors import PortalError

STEP = 30  # seconds
DIGITS = 6
DRIFT = 1  # steps either side of now
ISSUER = "gongkai 填报系统"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    """160 random bits, base32 without padding: what authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    """The HOTP value (RFC 4226) of ``step``: what the app shows during that 30 seconds."""
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(now: dt.datetime) -> int:
    """The TOTP step of ``now`` (naive UTC, as the portal's clock gives it)."""
    return int(now.replace(tzinfo=dt.timezone.utc).timestamp()) // STEP


def matching_step(secret: str, code: str, now: dt.datetime, last_step: int | None) -> int | None:
    """The step ``code`` belongs to, within the drift and after ``last_step``; else ``None``."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current = step_of(now)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` address the QR code holds (Google Authenticator's key-uri format)."""
    label = quote(f"{ISSUER}:{username}", safe=":")
    query = urlencode({"secret": secret, "issuer": ISSUER, "algorithm": "SHA1", "digits": DIGITS, "period": STEP}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` address for an ``<img>`` (no script, no request)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def required(db: Session, forced: bool) -> bool:
    """Whether county accounts must use it: the deployment forces it, or the policy asks."""
    return forced or policy.current(db).require_two_factor


def enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_recovery_codes() -> list[str]:
    """Ten codes such as ``k7m2p-x9q4r``, shown once and stored only as hashes."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_left(db: Session, user: User) -> int:
    return db.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _store_codes(db: Session, user: User, now: dt.datetime) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    for code in codes:
        db.add(RecoveryCode(user_id=user.id, code_hash=security.hash_password(_normal(code)), created_at=now))
    return codes


# --- use cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr: str


def enrolment(db: Session, actor: Actor) -> Enrolment:
    """The secret being enrolled, made on first sight and kept until confirmed, so that a page
    reloaded while the phone scans shows the same QR code."""
    user = _own(actor)
    if enrolled(user):
        raise PortalError("本账号已启用双因素登录。", 400)
    if not user.totp_secret:
        user.totp_secret = new_secret()
        db.commit()
    uri = provisioning_uri(user.totp_secret, user.username)
    return Enrolment(user.totp_secret, uri, qr_data_uri(uri))


def confirm(db: Session, actor: Actor, code: str) -> list[str]:
    """The first code from the app proves the scan worked: enrolled, and the recovery codes."""
    user = _own(actor)
    if enrolled(user) or not user.totp_secret:
        raise PortalError("请重新打开本页，扫描二维码后再输入动态码。", 400)
    step = matching_step(user.totp_secret, code, actor.now(), None)
    if step is None:
        raise PortalError("动态码不正确：请输入验证码应用中本系统当前显示的 6 位数字（手机时间须准确）。", 400)
    user.totp_enabled_at, user.totp_last_step = actor.now(), step
    codes = _store_codes(db, user, actor.now())
    audit(db, actor, "two_factor_enable", user.username)
    db.commit()
    return codes


def _proven(db: Session, actor: Actor, code: str) -> User:
    """The account is enrolled and ``code`` is its current code (or an unused recovery code)."""
    user = _own(actor)
    if not enrolled(user):
        raise PortalError("本账号还没有启用双因素登录。", 400)
    if check_code(db, user, code, actor.now()) is None:
        db.commit()
        raise PortalError("动态码不正确，未作改动。", 400)
    return user


def regenerate(db: Session, actor: Actor, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code."""
    user = _proven(db, actor, code)
    codes = _store_codes(db, user, actor.now())
    audit(db, actor, "two_factor_codes", user.username)
    db.commit()
    return codes


def disable(db: Session, actor: Actor, code: str, forced: bool) -> None:
    """Turn it off for one's own account, unless it is required; the 安全管理员 resets it for others."""
    if required(db, forced):
        raise PortalError("按安全策略，县级账号必须使用双因素登录，不能关闭。", 400)
    user = _proven(db, actor, code)
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit(db, actor, "two_factor_disable", user.username)
    db.commit()


def check_code(db: Session, user: User, code: str, now: dt.datetime) -> str | None:
    """``"动态码"`` or ``"恢复码"`` when ``code`` passes (the step or the recovery code is used up),
    else ``None``. The caller commits."""
    if not enrolled(user):
        return None
    assert user.totp_secret is not None
    step = matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return "动态码"
    typed = _normal(code)
    if len(typed) != 10:
        return None
    for row in db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))):
        if security.verify_password(row.code_hash, typed):
            row.used_at = now
            return "恢复码"
    return None


def _own(actor: Actor) -> User:
    if actor.user is None or actor.user.role != "admin":
        raise PortalError("只有县级账号使用双因素登录。", 404)
    return actor.user
