"""An upload: what kind of file it is, reading it with the library's reader (a few at a
time), checking that it is this body's report of this year, and keeping it as a new version.
A refused upload stores nothing but an audit-log line."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import threading
import zipfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..checks import check_report
from ..county import body_key
from ..errors import GongkaiError
from ..findings import sort_findings
from ..jsonio import report_to_json
from ..model import LastYear, Report
from ..reading import DOCX, HEAD_SIZE, JSON, WORKBOOK, InputFormat, detect_format, read_report
from ..rendering import safe_filename
from .actors import Actor
from .auditlog import audit
from .blobs import store_blob
from .db import BodyRow, Round, Version
from .errors import PortalError
from .figures import figures_json
from .limits import DEFAULT_BODY_QUOTA, DEFAULT_MAX_UPLOAD, upload_name, within_quota
from .queries import body_for, round_of
from .roster import as_portal_body
from .workbooks import BODY_PROPERTY, YEAR_PROPERTY, custom_properties
from .workflow import BodyState, is_locked

# What the portal stores, by the reading table's group, under the suffix a stored version
# keeps: an old or encrypted workbook goes to the workbook reader too, which says what it is.
STORED_KINDS = {WORKBOOK.group: WORKBOOK.suffix, JSON.group: JSON.suffix}
# A Word draft (the report written in Word or WPS, from gongkai's template or last year's
# published report) is read by the published-report reader; its deviations from the format
# are findings of the version like any other.
WORD_DRAFT = DOCX


def sniff(data: bytes, filename: str) -> str:
    """The upload's kind, ".xlsx", ".json" or ".docx", by :func:`gongkai.reading.detect_format`
    (its content first: a clerk's file name proves nothing)."""
    entry = detect_format(filename, data[:HEAD_SIZE])
    if entry in (WORKBOOK, WORD_DRAFT):
        entry = _zip_kind(data) or entry  # a Word file named .xlsx (or the reverse) is read as what it is
    if entry is WORD_DRAFT:
        return WORD_DRAFT.suffix
    if entry is None or entry.group not in STORED_KINDS:
        raise PortalError(
            f"文件 {filename} 既不是 Excel 填报表（.xlsx）、Word 报告稿（.docx），也不是导出的 JSON 文件，"
            "请上传从本系统下载并填好的填报表，或用 Word/WPS 写好的报告。",
            415,
        )
    return STORED_KINDS[entry.group]


def _zip_kind(data: bytes) -> InputFormat | None:
    """The Office format a zip holds, from its central directory alone (nothing is inflated)."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # the reader gives its own message for a broken file
    if "word/document.xml" in names:
        return WORD_DRAFT
    if "xl/workbook.xml" in names:
        return WORKBOOK
    return None


KIND_NAMES = {".xlsx": "Excel 填报表", ".docx": "Word 文档", ".json": "JSON 文件"}


# Uploads are read in Starlette's thread pool, as many at once as requests arrive. Reading is
# CPU work under the GIL: more readers than cores add no speed, only memory (each holds its
# workbook's inflated XML while it reads, and every thread keeps its own malloc arena), so
# the others wait their turn here.
_READERS = threading.BoundedSemaphore(min(4, os.cpu_count() or 2))


def read_upload(data: bytes, filename: str) -> tuple[str, Report]:
    """Read uploaded bytes with the library's reader (and so through its guards: old
    formats, encryption, zip and XML bombs, workbooks holding far more than a report),
    named as the clerk named the file; a few at a time (:data:`_READERS`)."""
    kind = sniff(data, filename)
    stem = safe_filename(Path(filename).stem)[:80] or "上传文件"
    with _READERS:
        try:
            return kind, read_report(data, f"{stem}{kind}")
        except GongkaiError as exc:
            if Path(filename).suffix.lower() == kind:
                raise
            # Named as the clerk named it: the reader knows the file only by its content's kind.
            said = str(exc).replace(f"{stem}{kind}", filename)
            raise PortalError(f"上传的文件 {filename} 按内容是 {KIND_NAMES[kind]}，按 {KIND_NAMES[kind]} 读取时：{said}", 422) from exc


_SQLITE_WRITER = threading.Lock()


def upload_version(
    db: Session, actor: Actor, body_id: int, filename: str, data: bytes, *, max_size: int = DEFAULT_MAX_UPLOAD, quota: int = DEFAULT_BODY_QUOTA
) -> Version:
    """Check an upload and keep it as a new version. A refused upload stores nothing but an
    audit-log line: no version, no change of state."""
    row = body_for(db, actor, body_id)
    rnd = round_of(db, row)
    filename = upload_name(filename)
    try:
        version = _store(db, actor, row, rnd, filename, data, max_size, quota)
    except GongkaiError as exc:
        db.rollback()
        audit(db, actor, "upload_refused", f"{filename}：{exc}", row.id)
        db.commit()
        if isinstance(exc, PortalError):
            raise
        raise PortalError(str(exc), 422) from exc
    return version


def _store(db: Session, actor: Actor, row: BodyRow, rnd: Round, filename: str, data: bytes, max_size: int, quota: int) -> Version:
    if rnd.closed_at is not None:
        raise PortalError(f"{rnd.title}已关闭，不能再上传。", 409)
    if row.removed_at is not None:
        raise PortalError(f"{row.name} 已从本报送年度移除，不能再上传。", 409)
    if is_locked(row.state):
        raise PortalError(
            "报告已提交，县政务公开办退回之前不能再上传。" if row.state == BodyState.SUBMITTED else "报告已通过审核，不能再上传。", 409
        )
    if len(data) > max_size:
        raise PortalError(f"文件 {filename} 有 {len(data) / 1048576:.1f} MB，超过上限 {max_size / 1048576:.0f} MB。", 413)
    if not data:
        raise PortalError(f"文件 {filename} 是空的。")
    within_quota(db, row, len(data), quota)
    kind, report = read_upload(data, filename)
    _check_identity(db, row, rnd, report, data if kind == ".xlsx" else b"", filename)
    as_portal_body(report, row, rnd.year)
    last = LastYear.model_validate_json(row.last_year_json) if row.last_year_json else None
    if last is not None and (report.last_year is None or report.last_year.is_empty()):
        report.last_year = last  # a JSON export without 上年数据: the round knows last year
    findings = sort_findings(check_report(report))
    digest = hashlib.sha256(data).hexdigest()
    stored = {  # made before taking the writer lock, which is held for the writes alone
        "report_json": report_to_json(report),
        "findings_json": json.dumps([f.model_dump() for f in findings], ensure_ascii=False),
        "figures_json": figures_json(report),
    }
    # SQLite has one writer: this process's threads queue for it here, in arrival order, rather
    # than in SQLite's busy handler, whose back-off sleeps (up to 100 ms a try) left the unlucky
    # upload waiting seconds under load. Other processes still meet the busy timeout.
    with _SQLITE_WRITER if db.get_bind().dialect.name == "sqlite" else contextlib.nullcontext():
        # Write first, then count: the INSERT opens the write transaction (SQLite takes its one
        # writer lock here, waiting out the busy timeout), so the max() below sees every version
        # committed before it; PostgreSQL serialises a body's uploads on its row lock instead.
        blob = store_blob(db, data)  # sealed under SM4 when the deployment encrypts files
        locked = db.get(BodyRow, row.id, with_for_update=True)
        assert locked is not None
        number = (db.scalar(select(func.max(Version.number)).where(Version.body_id == row.id)) or 0) + 1
        version = Version(
            body_id=row.id,
            number=number,
            created_at=actor.now(),
            user_id=actor.user.id if actor.user else 0,
            filename=f"{Path(filename).stem or '上传文件'}{kind}",  # the extension its content has
            kind=kind,
            sha256=digest,
            blob_id=blob.id,
            **stored,
            errors=sum(f.severity == "error" for f in findings),
            warnings=sum(f.severity == "warning" for f in findings),
        )
        db.add(version)
        if row.downloaded_at is None and not actor.is_admin:
            row.downloaded_at = actor.now()
        behalf = "县政务公开办代单位上传：" if actor.is_admin else ""  # the county may upload for a body, openly
        audit(db, actor, "upload", f"{behalf}第 {number} 版 {version.filename}（SHA-256 {digest[:16]}…，错误 {version.errors}，警告 {version.warnings}）", row.id)
        db.commit()
    return version


def _check_identity(db: Session, row: BodyRow, rnd: Round, report: Report, data: bytes, filename: str) -> None:
    props = custom_properties(data) if data else {}
    token = props.get(BODY_PROPERTY)
    year = report.body.year
    if props.get(YEAR_PROPERTY, "").isdigit():
        year = int(props[YEAR_PROPERTY])
    if year != rnd.year or report.body.year != rnd.year:
        other = report.body.year if report.body.year != rnd.year else year
        raise PortalError(f"文件 {filename} 是 {other} 年度的填报表，本次报送的是 {rnd.year} 年度，请上传 {rnd.year} 年度的填报表。", 422)
    if token is not None and token != row.token:
        other_row = db.scalar(select(BodyRow).where(BodyRow.token == token))
        other_name = other_row.name if other_row else report.body.name
        raise PortalError(f"文件 {filename} 是“{other_name}”的填报表，不是“{row.name}”的，请上传本单位的填报表。", 422)
    # Whatever the file's token says, the name it prints must be this body's: the report goes
    # out under the name in the file, so a body's own workbook renamed to another body's would
    # otherwise replace that body's report in the county's zip.
    if body_key(report.body.name) != body_key(row.name):
        raise PortalError(
            f"文件 {filename} 中的机关全称是“{report.body.name}”，而本单位是“{row.name}”，不能作为本单位的报告上传。"
            f"请把“基本信息”表的机关全称改为“{row.name}”，或重新下载本单位的填报表。",
            422,
        )
