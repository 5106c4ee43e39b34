"""Read-only lookups for the pages and the use cases: one function per thing, the ones that
take an :class:`~.actors.Actor` checking what it may see (anything else is :class:`NotFound`)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from ..county import body_key
from ..findings import Finding
from ..model import Report
from . import sealing
from .actors import Actor, require_admin
from .blobs import plaintext
from .db import Blob, BodyRow, Review, Round, Submission, User, Version
from .errors import NotFound, PortalError


def rounds(db: Session) -> list[Round]:
    return list(db.scalars(select(Round).order_by(Round.year.desc(), Round.id.desc())))


def get_round(db: Session, actor: Actor, round_id: int) -> Round:
    """A round by id, for the county only."""
    require_admin(actor)
    rnd = db.get(Round, round_id)
    if rnd is None:
        raise NotFound()
    return rnd


def round_of(db: Session, body: BodyRow) -> Round:
    """The round a body is on (whoever may see the body may see its round)."""
    rnd = db.get(Round, body.round_id)
    assert rnd is not None  # a foreign key
    return rnd


def bodies(db: Session, round_id: int, *, removed: bool = False) -> list[BodyRow]:
    """The round's bodies in roster order; those taken off the roster too when ``removed``."""
    query = select(BodyRow).where(BodyRow.round_id == round_id)
    if not removed:
        query = query.where(BodyRow.removed_at.is_(None))
    return list(db.scalars(query.order_by(BodyRow.id)))


def body_for(db: Session, actor: Actor, body_id: int) -> BodyRow:
    """The body, if ``actor`` may see it (else 404): a 填报人 only its own; in the county the
    系统管理员 and 审核员 any, the 安全管理员 and 审计管理员 none (三员分立)."""
    if actor.user is None or (actor.is_admin and not actor.sees_bodies):
        raise NotFound()
    row = db.get(BodyRow, body_id)
    if row is None or (not actor.is_admin and actor.user.body_id != row.id):
        raise NotFound()
    return row


def account_of(db: Session, body_id: int) -> User | None:
    return db.scalar(select(User).where(User.body_id == body_id))


def latest_version(db: Session, body_id: int) -> Version | None:
    return db.scalar(select(Version).where(Version.body_id == body_id).order_by(Version.number.desc()).limit(1))


def versions(db: Session, body_id: int) -> list[Version]:
    """A body's versions, newest first, for the history list: the stored report, findings and
    figures (tens of kB each) are loaded only for a version whose page asks for them."""
    heavy = (defer(Version.report_json), defer(Version.findings_json), defer(Version.figures_json))
    query = select(Version).where(Version.body_id == body_id).order_by(Version.number.desc()).options(*heavy)
    return list(db.scalars(query))


def version_for(db: Session, actor: Actor, body_id: int, version_id: int) -> tuple[BodyRow, Version]:
    """The body and one of its versions, if ``actor`` may see the body (else 404)."""
    row = body_for(db, actor, body_id)
    version = db.get(Version, version_id)
    if version is None or version.body_id != row.id:
        raise NotFound()
    return row, version


def findings_of(version: Version) -> list[Finding]:
    return [Finding.model_validate(f) for f in json.loads(version.findings_json)]


def report_of(version: Version) -> Report:
    """The report as it was read at upload (its canonical JSON)."""
    return Report.model_validate_json(version.report_json)


def best_version(db: Session, body: BodyRow) -> Version | None:
    """What the county has for a body: the submitted version, else the latest upload."""
    sub = latest_submission(db, body.id)
    if sub is not None:
        return db.get(Version, sub.version_id)
    return latest_version(db, body.id)


def latest_submission(db: Session, body_id: int) -> Submission | None:
    return db.scalar(select(Submission).where(Submission.body_id == body_id).order_by(Submission.id.desc()).limit(1))


def submissions(db: Session, body_id: int) -> list[Submission]:
    return list(db.scalars(select(Submission).where(Submission.body_id == body_id).order_by(Submission.id.desc())))


def latest_review(db: Session, body_id: int, action: str | None = None) -> Review | None:
    query = select(Review).where(Review.body_id == body_id)
    if action:
        query = query.where(Review.action == action)
    return db.scalar(query.order_by(Review.id.desc()).limit(1))


def reviews(db: Session, body_id: int) -> list[Review]:
    return list(db.scalars(select(Review).where(Review.body_id == body_id).order_by(Review.id.desc())))


BLOB_MISMATCH = "文件已损坏或被改动（校验值不符），未提供下载，请联系管理员从备份恢复。"


def blob_data(db: Session, blob_id: int, actor: Actor | None = None) -> bytes:
    """A stored file's bytes, re-checked against the SHA-256 recorded when it was stored
    (等保 数据完整性). A file that no longer matches is never handed out: whatever the request
    had not committed is dropped, a ``blob_mismatch`` entry is committed to the audit log (by
    ``actor``, or with no user when a caller has none), and the refusal is raised (409)."""
    blob = db.get(Blob, blob_id)
    assert blob is not None
    expected = blob.sha256
    try:  # a sealed file is opened first (等保 数据保密性); no key or the wrong key is refused (500)
        data: bytes | None = plaintext(db, blob)
    except sealing.Broken:  # the right key, but the sealed bytes or their recorded hash changed
        data = None
    if data is not None and hashlib.sha256(data).hexdigest() == expected:
        return data
    from .auditlog import audit  # the audit log imports nothing from here; kept local all the same

    body_id = db.scalar(select(Version.body_id).where(Version.blob_id == blob_id).limit(1))
    if body_id is None:
        body_id = db.scalar(select(Submission.body_id).where(Submission.stamped_blob_id == blob_id).limit(1))
    db.rollback()
    audit(db, actor or Actor(None), "blob_mismatch", f"存储文件 {blob_id} 的校验值不符（应为 {expected[:16]}…），已拒绝下载", body_id)
    db.commit()
    raise PortalError(BLOB_MISMATCH, 409)


def previous_body(db: Session, row: BodyRow) -> BodyRow | None:
    """The same body in the round this one follows (matched by full or short name), if any."""
    rnd = db.get(Round, row.round_id)
    if rnd is None or not rnd.previous_round_id:
        return None
    keys = {body_key(n) for n in (row.name, row.short_name) if n}
    for old in bodies(db, rnd.previous_round_id):
        if keys & {body_key(n) for n in (old.name, old.short_name) if n}:
            return old
    return None


def previous_leader(db: Session, row: BodyRow) -> str:
    """The 签发人 the body named when it last submitted in the round before, or ""."""
    old = previous_body(db, row)
    submission = latest_submission(db, old.id) if old is not None else None
    return submission.leader if submission is not None else ""
