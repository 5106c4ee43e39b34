"""Passwords, server-side sessions, CSRF tokens and login throttling.

Time comes from an injectable clock (``Settings.clock``) so timeouts are tested without
waiting. Only the SHA-256 of a session token is stored: a copy of the database does not
hand out live sessions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import policy
from .db import LoginFailure, SessionRow, User

# The defaults; the 安全管理员 may change them (``policy.current``), and the functions below
# read the policy in force.
IDLE_TIMEOUT = policy.DEFAULT.idle
ABSOLUTE_TIMEOUT = policy.DEFAULT.absolute
LOCK_WINDOW = policy.DEFAULT.lock_window
ACCOUNT_FAILURES = policy.DEFAULT.lock_failures  # per account within LOCK_WINDOW, then locked for LOCK_WINDOW
ADDRESS_FAILURES = 20  # per address across accounts within LOCK_WINDOW
# A county account is never locked (anyone could lock the county out from outside): after
# ACCOUNT_FAILURES from one address, that address waits this long before its next try there,
# doubling with each further failure, at most LOCK_WINDOW.
ADMIN_FIRST_DELAY = dt.timedelta(seconds=30)
MIN_PASSWORD = 10
INITIAL_PASSWORD = 14
# No 0/O, 1/l/I: the initial password is typed from a printed list.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Naive UTC: the same on SQLite and PostgreSQL ``timestamp without time zone``."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so both take as long.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def random_password(length: int = INITIAL_PASSWORD) -> str:
    """An initial password that itself meets :func:`password_problem`'s classes (upper, lower, digit)."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if len(character_classes(password)) >= 3:
            return password


MIN_CLASSES = 3  # of the four: upper case, lower case, digit, other (GB/T 22239 身份鉴别)
PASSWORD_HISTORY = 5  # a new password may not be any of the account's last five
CLASS_NAMES = {"upper": "大写字母", "lower": "小写字母", "digit": "数字", "other": "其他符号"}


def character_classes(password: str) -> set[str]:
    """Which of upper case, lower case, digit and other (anything else) ``password`` uses."""
    found = set()
    for c in password:
        if c.isascii() and c.isupper():
            found.add("upper")
        elif c.isascii() and c.islower():
            found.add("lower")
        elif c.isascii() and c.isdigit():
            found.add("digit")
        else:
            found.add("other")
    return found


def password_expired(changed_at: dt.datetime | None, now: dt.datetime, max_days: int) -> bool:
    """Whether a password set at ``changed_at`` is older than ``max_days`` (0: never expires)."""
    return max_days > 0 and changed_at is not None and now - changed_at > dt.timedelta(days=max_days)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = (Path(__file__).parent / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be chosen (Chinese), or ``None`` when it may."""
    if len(password) < MIN_PASSWORD:
        return f"新密码至少 {MIN_PASSWORD} 个字符。"
    if password.lower() in common_passwords():
        return "新密码是最常见的密码之一，很容易被猜中，请换一个。"
    if len(set(password)) < 4:
        return "新密码的字符种类太少（如 aaaaaaaaaa），请换一个。"
    if username and username.lower() in password.lower():
        return "新密码不能包含用户名。"
    classes = character_classes(password)
    if len(classes) < MIN_CLASSES:
        used = "、".join(CLASS_NAMES[k] for k in CLASS_NAMES if k in classes)
        return f"新密码须包含大写字母、小写字母、数字、其他符号四类中的至少 {MIN_CLASSES} 类（现在只有{used}）。"
    return None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_session(db: Session, user: User, now: dt.datetime) -> tuple[str, SessionRow]:
    """A fresh random token (never reusing one the browser brought) and its server-side row."""
    token = secrets.token_urlsafe(32)
    row = SessionRow(token_hash=token_hash(token), user_id=user.id, csrf=secrets.token_urlsafe(32), created_at=now, last_seen=now)
    db.add(row)
    return token, row


def load_session(db: Session, token: str | None, now: dt.datetime) -> tuple[SessionRow, User] | None:
    """The live session for ``token``; an expired one (idle or old past the policy) is deleted."""
    if not token:
        return None
    row = db.get(SessionRow, token_hash(token))
    if row is None:
        return None
    rules = policy.current(db)
    if now - row.last_seen > rules.idle or now - row.created_at > rules.absolute:
        db.delete(row)
        db.commit()
        return None
    user = db.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    if now - row.last_seen > dt.timedelta(seconds=30):  # one write a half-minute, not one a request
        row.last_seen = now
        db.commit()
    return row, user


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))


def end_user_sessions(db: Session, user_id: int) -> None:
    db.execute(delete(SessionRow).where(SessionRow.user_id == user_id))


def is_locked(db: Session, username: str, address: str, now: dt.datetime) -> bool:
    """Whether a login to ``username`` from ``address`` is refused unchecked now."""
    return wait_for(db, username, address, now) > dt.timedelta(0)


def wait_for(db: Session, username: str, address: str, now: dt.datetime) -> dt.timedelta:
    """How long a login to ``username`` from ``address`` is still refused unchecked (zero: it
    is checked now).

    An address with too many failures across names is refused for a while. A 填报人's name
    (or a name that does not exist: a lock says nothing about whether it does) is locked for
    15 minutes after five failures within 15 minutes. A county account is slowed instead, per
    address: failures from elsewhere never keep the county out."""
    waits = [dt.timedelta(0)]
    window = policy.current(db).lock_window
    by_address = list(
        db.scalars(
            select(LoginFailure.at).where(LoginFailure.address == address, LoginFailure.at > now - window).order_by(LoginFailure.at)
        )
    )
    if len(by_address) >= ADDRESS_FAILURES:
        # Refused until enough of the window's failures have aged out of it.
        waits.append(by_address[len(by_address) - ADDRESS_FAILURES] + window - now)
    if db.scalar(select(User.role).where(User.username == username)) == "admin":
        waits.append(admin_wait(db, username, address, now))
    elif (until := lock_until(db, username, now)) is not None:
        waits.append(until - now)
    return max(waits)


def wait_minutes(wait: dt.timedelta) -> int:
    """A wait as the login page says it: whole minutes, rounded up, at least one."""
    return max(1, math.ceil(wait.total_seconds() / 60))


def lock_until(db: Session, username: str, now: dt.datetime) -> dt.datetime | None:
    """When the lock on the 填报人 name ``username`` ends, or ``None`` when it is not locked.
    Tries during a lock are refused unchecked and not recorded, so they do not prolong it."""
    rules = policy.current(db)
    window, failures = rules.lock_window, rules.lock_failures
    times = list(
        db.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.username == username, LoginFailure.at > now - 2 * window)
            .order_by(LoginFailure.at)
        )
    )
    until = None
    for i in range(failures - 1, len(times)):
        if times[i] - times[i - failures + 1] <= window and now - times[i] < window:
            until = times[i] + window
    return until


def unlock(db: Session, username: str) -> None:
    """Lift the lock on ``username``: its failures are forgotten (the audit log keeps them)."""
    db.execute(delete(LoginFailure).where(LoginFailure.username == username))


def admin_wait(db: Session, username: str, address: str, now: dt.datetime) -> dt.timedelta:
    """How long ``address`` must still wait before trying the county account ``username``."""
    rules = policy.current(db)
    times = list(
        db.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.username == username, LoginFailure.address == address, LoginFailure.at > now - rules.lock_window)
            .order_by(LoginFailure.at)
        )
    )
    if len(times) < rules.lock_failures:
        return dt.timedelta(0)
    delay = min(rules.lock_window, ADMIN_FIRST_DELAY * 2 ** (len(times) - rules.lock_failures))
    return max(dt.timedelta(0), times[-1] + delay - now)


def purge_expired(db: Session, now: dt.datetime) -> None:
    """Delete sessions that can no longer be used and login failures that no rule looks at
    any more (the account lock looks back two windows). The audit log keeps every attempt."""
    rules = policy.current(db)
    db.execute(delete(SessionRow).where((SessionRow.last_seen < now - rules.idle) | (SessionRow.created_at < now - rules.absolute)))
    db.execute(delete(LoginFailure).where(LoginFailure.at < now - 2 * rules.lock_window))


def authenticate(db: Session, username: str, password: str, address: str, now: dt.datetime) -> User | None:
    """The user, or ``None`` — the same for an unknown name and a wrong password."""
    user = db.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or user.disabled:
        record_failure(db, username, address, now)
        return None
    return user


def record_failure(db: Session, username: str, address: str, now: dt.datetime) -> None:
    """A failed login, a wrong password or a wrong second-factor code alike: the lock counts both."""
    db.add(LoginFailure(username=username[:100], address=address[:64], at=now))


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and secrets.compare_digest(str(expected), str(given))


def networks(spec: tuple[str, ...] | list[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The management terminals' networks (``10.1.0.0/16``, ``192.168.3.7``); a ValueError in
    Chinese names the first one that is no address or network."""
    out = []
    for item in spec:
        try:
            out.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"“{item}”不是 IP 地址或网段（如 10.1.0.0/16）。") from exc
    return tuple(out)


def address_allowed(address: str, allowed: tuple[str, ...]) -> bool:
    """Whether a county account may be used from ``address``: anywhere when no network is
    configured, else only from inside one of them (等保 入侵防范: 限制管理终端)."""
    if not allowed:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # no address (a test client, a proxy that hides it): not a known terminal
    return any(ip in net for net in networks(allowed))
