"""The portal's tables. Everything a deployment keeps is here — uploads, versions, rendered
reports, stamped copies, comments, sessions and the audit log — so several app processes
over one PostgreSQL database need no shared disk, and a backup is one database dump.

The schema is created and upgraded by the Alembic migrations in ``migrations/`` (run on
start), never by ``create_all``, so a deployment upgrades in place.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from .keys import NO_KEYS, Keys

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))  # "admin" | "filer"
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), nullable=True)
    must_change: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The login before the current one, shown after login (上次登录：时间，来自 地址).
    previous_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    previous_login_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_login_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)  # for the periodic change
    # A county account's duties (三员分立), comma-separated ``.roles.Duty`` values; "" for a 填报人.
    duties: Mapped[str] = mapped_column(String(80), default="")
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the 系统管理员 who named it
    pending: Mapped[bool] = mapped_column(Boolean, default=False)  # named, not yet enabled by the 安全管理员
    # TOTP (RFC 6238): the shared secret (base32), when enrolment was confirmed, the last time
    # step accepted (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class RecoveryCode(Base):
    """A one-time code for when the authenticator is lost: only its argon2 hash is kept."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class SecurityPolicy(Base):
    """The 安全管理员's settings: one row (id 1); absent, the deployment's defaults hold."""

    __tablename__ = "security_policy"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    password_max_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the deployment's
    lock_failures: Mapped[int] = mapped_column(Integer)
    lock_minutes: Mapped[int] = mapped_column(Integer)
    idle_minutes: Mapped[int] = mapped_column(Integer)
    session_hours: Mapped[int] = mapped_column(Integer)
    require_two_factor: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PasswordHistory(Base):
    """An earlier password's argon2 hash: a new password may not be one of the last five."""

    __tablename__ = "password_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when it stopped being the password


class Round(Base):
    """One 报送年度: a year, a roster of bodies, a deadline."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)  # accounts stopped


class BodyRow(Base):
    """A body in one round. Removing it only marks it removed: its history stays."""

    __tablename__ = "bodies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)  # carried in the pre-filled workbook
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str] = mapped_column(String(200), default="")
    last_year_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(12), default="open")  # a .workflow.BodyState value
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    downloaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    county_seen_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Blob(Base):
    __tablename__ = "blobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Version(Base):
    """One upload, kept for ever: the file, its hash, who and when, and what the checks said."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("body_id", "number"),)  # two racing uploads cannot share a number
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))  # ".xlsx" | ".json"
    sha256: Mapped[str] = mapped_column(String(64))
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"))
    report_json: Mapped[str] = mapped_column(Text)  # the report as read (canonical JSON)
    findings_json: Mapped[str] = mapped_column(Text)
    figures_json: Mapped[str] = mapped_column(Text)  # tables 二/三/四 as {data path: printed value} (.figures)
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)


class DraftRow(Base):
    """在线填写's autosaved draft: one per body, overwritten at every autosave, deleted when the
    editor saves a version. Never a version: nothing is submitted, counted or exported from it."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), unique=True)
    values_json: Mapped[str] = mapped_column(Text)  # {data path: the text in the field}
    base: Mapped[int] = mapped_column(Integer)  # the version number the editor started from (0: none)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Rendered(Base):
    """A report rendered from a version (Word, PDF), kept so it is rendered once."""

    __tablename__ = "rendered"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # ".docx" | ".pdf"
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"))


class Submission(Base):
    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    leader: Mapped[str] = mapped_column(String(100))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    explanations_json: Mapped[str] = mapped_column(Text)  # finding index -> 说明
    stamped_blob_id: Mapped[int | None] = mapped_column(ForeignKey("blobs.id"), nullable=True)


class Review(Base):
    """The county's word on a body: 退回 (with a reason and the findings or cells it points
    at), 通过, 重新打开."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # return|accept|reopen
    reason: Mapped[str] = mapped_column(Text, default="")
    cells_json: Mapped[str] = mapped_column(Text, default="[]")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SessionRow(Base):
    """A server-side session: only the token's hash is stored; logout deletes the row."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    greet: Mapped[bool] = mapped_column(Boolean, default=False)  # the last-login notice is still to show
    second_factor_due: Mapped[bool] = mapped_column(Boolean, default=False)  # password right, TOTP still to give


class LoginFailure(Base):
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """Append-only: nothing in the portal updates or deletes these rows. Each row carries the
    SHA-256 of its own fields and of the row before it (``prev_hash``), so a row changed or
    removed in the database breaks the chain (:func:`.auditlog.verify_chain`)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    body_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    entry_hash: Mapped[str] = mapped_column(String(64), default="")
    chain: Mapped[str] = mapped_column(String(12), default="sha256")  # a .keys.AuditHash value: how entry_hash is made


class AuditChain(Base):
    """The audit chain's head (one row, id 1): how many entries there are and the last one's
    hash. Every writer locks this row before it appends, so two requests never chain onto the
    same entry, and entries cut off the end of the log are noticed."""

    __tablename__ = "audit_chain"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    # HMAC of (entries, last_hash) under the deployment's audit key (migration 0009): without the
    # key file nobody can rewrite the whole log as unkeyed entries and a matching head.
    head_mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so readers never block the
    writer and two writers wait for each other instead of failing."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (``alembic upgrade head``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine, keys: Keys = NO_KEYS) -> sessionmaker:
    """Sessions that carry the deployment's keys (``keys.of(db)``) to whoever needs them:
    the audit chain and the files at rest."""
    return sessionmaker(engine, expire_on_commit=False, info={"keys": keys})


# --- 催报 (reminders) -------------------------------------------------------------------------


class ReminderSettings(Base):
    """How the county's reminders go out: one row (id 1). The SMTP password and the DingTalk
    secret are needed in clear to send, so they are stored, but no page ever shows them."""

    __tablename__ = "reminder_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    smtp_host: Mapped[str] = mapped_column(String(255), default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=587)
    smtp_security: Mapped[str] = mapped_column(String(10), default="starttls")  # starttls | ssl | none
    smtp_user: Mapped[str] = mapped_column(String(255), default="")
    smtp_password: Mapped[str] = mapped_column(String(255), default="")
    smtp_from: Mapped[str] = mapped_column(String(255), default="")
    wecom_url: Mapped[str] = mapped_column(String(500), default="")
    dingtalk_url: Mapped[str] = mapped_column(String(500), default="")
    dingtalk_secret: Mapped[str] = mapped_column(String(255), default="")
    portal_url: Mapped[str] = mapped_column(String(500), default="")  # the address named in messages
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ReminderContact(Base):
    """A body's e-mail address as the county typed it (else one found in its report is used)."""

    __tablename__ = "reminder_contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), unique=True)
    email: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ReminderSend(Base):
    """One reminder on its way or sent: an e-mail to one body, or one group-robot message."""

    __tablename__ = "reminder_sends"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), nullable=True)  # None: a group message
    channel: Mapped[str] = mapped_column(String(10))  # email | wecom | dingtalk
    target: Mapped[str] = mapped_column(String(255), default="")  # the address, or the robot's host
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | sent | failed
    detail: Mapped[str] = mapped_column(Text, default="")  # why it failed, in Chinese
    text: Mapped[str] = mapped_column(Text, default="")  # the message as sent
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
