"""The audit log: what every use case appends, and the pages that read it back.

等保 安全审计 (GB/T 22239-2019 §8.1.4.3): every entry records who, when, from where, what and
the outcome, and the log is tamper-evident. Each entry stores ``entry_hash``, a hash of its
own fields and of the previous entry's hash (``prev_hash``); the ``audit_chain`` row holds the
number of entries and the last hash. An entry changed in the database no longer matches its
hash, one removed breaks the link to the next, entries cut off the end disagree with the head:
:func:`verify_chain` names the first such entry.

Unkeyed SHA-256 shows changes made by someone who does not recompute the chain; a deployment
with a key file (:mod:`.keys`) chains with HMAC-SM3 or HMAC-SHA-256 instead (each entry says
which, in ``chain``), and the head carries an HMAC-SM3 of itself (``head_mac``), so that nobody
holding the database but not the key can rewrite the log, whole or in part, unnoticed. A keyed
log never goes back to unkeyed entries: one found after a keyed entry counts as a break.

Chaining happens when the transaction commits (a ``before_commit`` hook), not when
:func:`audit` is called: the writer first locks the head row (an UPDATE — a row lock until
commit on PostgreSQL, SQLite's one write lock there), so two simultaneous requests queue for
the head instead of both chaining onto the same entry, and the lock is held only for the
commit itself, after every other lock the transaction took (no lock-order deadlock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from openpyxl import Workbook
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.elements import ColumnElement

from ..xlsx_text import append_row
from . import localtime
from .actors import Actor
from .db import AuditChain, AuditEntry, BodyRow, Round
from .keys import AuditHash, Keys
from .keys import of as keys_of
from .limits import MAX_AUDIT_DETAIL, MAX_NAME, clip

AUDIT_PAGE = 100
EXPORT_LIMIT = 50_000  # rows in one .xlsx export (a few seconds to write); narrower filters for more
GENESIS = "0" * 64  # the "previous hash" of the first entry

AUDIT_ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "admin_create": "创建管理员",
    "round_create": "创建报送年度",
    "round_previous_unreadable": "上年报告无法读取",
    "body_add": "增加单位",
    "body_rename": "单位改名",
    "body_remove": "移除单位",
    "accounts_issue": "发放账号",
    "accounts_regenerate": "重新生成密码",
    "account_unlock": "解除锁定",
    "download_workbook": "下载填报表",
    "upload": "上传",
    "upload_refused": "上传被拒绝",
    "submit": "提交",
    "return": "退回",
    "accept": "通过",
    "reopen": "重新打开",
    "round_close": "关闭报送年度",
    "denied": "拒绝访问",
    "admin_address_refused": "管理终端以外的县级账号使用被拒绝",
    "download": "下载",
    "reminder_settings": "修改催报设置",
    "reminder_email": "设置催报邮箱",
    "reminder_queue": "催报",
    "reminder_sent": "催报已发送",
    "reminder_failed": "催报发送失败",
    "audit_export": "导出操作日志",
    "blob_mismatch": "文件校验值不符",
    "login_pending": "未启用的县级账号登录被拒绝",
    "staff_create": "建立县级账号",
    "staff_enable": "启用县级账号",
    "staff_disable": "停用县级账号",
    "staff_duties": "修改县级账号职责",
    "staff_password_reset": "重置县级账号密码",
    "staff_two_factor_reset": "重置双因素登录",
    "staff_unlock": "解除县级账号锁定",
    "policy_change": "修改安全策略",
    "login_first_factor": "口令通过待验动态码",
    "two_factor_failed": "动态码错误",
    "two_factor_enable": "启用双因素登录",
    "two_factor_disable": "关闭双因素登录",
    "two_factor_codes": "重新生成恢复码",
}

# Where an action came from, for what is not a network address: the words the code records
# (Actor.address) in English, shown in Chinese. An IP address is shown as it is.
ORIGINS: dict[str, str] = {
    "command line": "命令行",
    "demo": "演示数据",
    "script": "脚本",
    "test": "测试",
    "testclient": "测试客户端",
    "background": "后台任务",
    "": "—",
}


# The actions that record a refusal or a failure; every other action records something done.
# 等保 (8.1.4.3 b) asks for each event's outcome: it is a property of the kind of event.
FAILURES = frozenset({
    "login_failed", "login_pending", "two_factor_failed", "upload_refused", "denied", "admin_address_refused",
    "reminder_failed", "blob_mismatch", "round_previous_unreadable",
})


def outcome(action: str) -> str:
    """成功 or 失败, as the page's and the export's 结果 column say it."""
    return "失败" if action in FAILURES else "成功"


def action_label(action: str) -> str:
    """The Chinese name of an action; one no label exists for yet is still shown, marked."""
    return AUDIT_ACTIONS.get(action, f"其他操作（{action}）")


def origin_label(address: str) -> str:
    return ORIGINS.get(address, address)


# --- writing and chaining ---------------------------------------------------------------------

_PENDING = "gongkai_audit_pending"


def audit(db: Session, actor: Actor, action: str, detail: str = "", body_id: int | None = None) -> None:
    """Append to the audit log (committed with the change it records; a rollback drops it)."""
    if not db.in_transaction():
        db.begin()  # no connection yet; but a rollback now ends a transaction, and drops the entry
    db.info.setdefault(_PENDING, []).append(
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


def _payload(prev: str, at: dt.datetime, user_id: int | None, username: str, address: str, action: str, body_id: int | None, detail: str) -> bytes:
    fields = [prev, at.isoformat(sep=" ", timespec="microseconds"), user_id, username, address, action, body_id, detail]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def mac(kind: AuditHash, key: bytes, data: bytes) -> str:
    """HMAC-SM3 (GB/T 32905, 商用密码) or HMAC-SHA-256 of ``data``, as hex."""
    signer = crypto_hmac.HMAC(key, hashes.SM3() if kind is AuditHash.HMAC_SM3 else hashes.SHA256())
    signer.update(data)
    return signer.finalize().hex()


def entry_hash(
    prev: str, at: dt.datetime, user_id: int | None, username: str, address: str, action: str, body_id: int | None, detail: str,
    *, kind: AuditHash = AuditHash.SHA256, key: bytes | None = None,
) -> str:
    """The hash of an entry's fields and the previous entry's hash: unkeyed SHA-256 as migration
    0005 froze it, or an HMAC under the deployment's audit key."""
    data = _payload(prev, at, user_id, username, address, action, body_id, detail)
    if kind is AuditHash.SHA256:
        return hashlib.sha256(data).hexdigest()
    if key is None:
        raise ValueError("a keyed audit hash needs the audit key")
    return mac(kind, key, data)


def head_mac(key: bytes, entries: int, last_hash: str) -> str:
    """The head's own HMAC-SM3: which count and last hash the key holder last wrote."""
    return mac(AuditHash.HMAC_SM3, key, f"gongkai-audit-head:{entries}:{last_hash}".encode())


def _hash_of(entry: AuditEntry, prev: str, kind: AuditHash, key: bytes | None) -> str:
    return entry_hash(prev, entry.at, entry.user_id, entry.username, entry.address, entry.action, entry.body_id, entry.detail, kind=kind, key=key)


_KEYED = frozenset(kind.value for kind in AuditHash if kind is not AuditHash.SHA256)


def _kind_for(db: Session, keys: Keys) -> AuditHash:
    """How new entries are chained: as configured, except that a keyed log stays keyed (a
    deployment that drops ``--audit-hash`` keeps its key file, and the chain its strength)."""
    if keys.audit is None:
        return AuditHash.SHA256
    if keys.audit_hash is not AuditHash.SHA256:
        return keys.audit_hash
    last = db.scalar(select(AuditEntry.chain).order_by(AuditEntry.id.desc()).limit(1))
    return AuditHash(last) if last in _KEYED else AuditHash.SHA256


def _chain(db: Session, entries: list[AuditEntry]) -> None:
    """Give ``entries`` their place at the end of the chain, holding the head row's lock."""
    chain = AuditChain.__table__
    head = db.execute(
        update(chain).where(chain.c.id == 1).values(entries=chain.c.entries + len(entries)).returning(chain.c.last_hash, chain.c.entries)
    ).first()
    if head is None:  # no head (a database tampered with): start one at the last entry there is
        last = db.execute(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
        count = (db.scalar(select(func.count()).select_from(AuditEntry)) or 0) + len(entries)
        db.execute(chain.insert().values(id=1, entries=count, last_hash=""))
        prev = last or GENESIS
    else:
        prev, count = head[0] or GENESIS, head[1]
    keys = keys_of(db)
    kind = _kind_for(db, keys)  # read under the head's lock: no writer in between changes it
    for entry in entries:
        entry.prev_hash = prev
        entry.chain = kind.value
        entry.entry_hash = prev = _hash_of(entry, prev, kind, keys.audit)
        db.add(entry)
    sealed = head_mac(keys.audit, count, prev) if keys.audit is not None else None
    db.execute(update(chain).where(chain.c.id == 1).values(last_hash=prev, head_mac=sealed))


def seal_head(db: Session) -> None:
    """Give the head its HMAC when a portal first runs with a key file (and after a restore),
    so that from then on the log cannot be rewritten as a whole without the key."""
    keys = keys_of(db)
    if keys.audit is None:
        return
    chain = AuditChain.__table__
    head = db.execute(select(chain.c.entries, chain.c.last_hash).where(chain.c.id == 1, chain.c.head_mac.is_(None))).first()
    if head is not None:
        db.execute(
            update(chain)
            .where(chain.c.id == 1, chain.c.head_mac.is_(None), chain.c.entries == head[0], chain.c.last_hash == head[1])
            .values(head_mac=head_mac(keys.audit, head[0], head[1]))
        )
    db.commit()


def keyed(db: Session) -> bool:
    """Whether the log holds anything only the audit key can check (a portal without the key
    file must not start on it: its unkeyed entries would read as a downgrade)."""
    if db.scalar(select(AuditChain.head_mac).where(AuditChain.id == 1)) is not None:
        return True
    return db.scalar(select(AuditEntry.chain).order_by(AuditEntry.id.desc()).limit(1)) in _KEYED


@event.listens_for(Session, "before_commit")
def _before_commit(db: Session) -> None:
    pending = db.info.pop(_PENDING, None)
    if pending:
        _chain(db, pending)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(db: Session, transaction: SessionTransaction) -> None:
    # Entries of a transaction that ends without a commit (a rollback, a HEAD request's
    # session closed unflushed) were never recorded: they leave with it.
    if transaction.parent is None:
        db.info.pop(_PENDING, None)


# --- checking the chain -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int  # entries read
    broken_id: int | None = None  # the first entry that does not fit, if any
    problem: str = ""
    key_needed: bool = False  # keyed entries, and no key to check them with: neither ok nor broken
    keyed_by: str = ""  # the newest entry's HMAC ("HMAC-SM3"), if the log is keyed

    @property
    def message(self) -> str:
        if not self.ok:
            return self.problem
        keyed = f"，最新记录以 {self.keyed_by} 带密钥校验" if self.keyed_by else ""
        return f"日志完整，共 {self.entries} 条{keyed}。"


HASH_NAMES = {AuditHash.SHA256: "", AuditHash.HMAC_SM3: "HMAC-SM3", AuditHash.HMAC_SHA256: "HMAC-SHA-256"}


KEY_NEEDED = "日志中有带密钥校验的记录，须给出本系统的密钥文件（--key-file）才能校验。"


def verify_chain(db: Session, zone: str = localtime.DEFAULT_ZONE, keys: Keys | None = None) -> ChainCheck:
    """Recompute the chain from the first entry; the first entry changed, removed before, or
    missing from the end is named (by 编号 and 时间). Keyed entries are checked under
    ``keys`` (by default the keys the session was opened with)."""
    keys = keys or keys_of(db)
    head = db.execute(select(AuditChain.entries, AuditChain.last_hash, AuditChain.head_mac).where(AuditChain.id == 1)).first()
    # Read the head before the entries: an entry committed in between only lengthens the
    # chain beyond the head, which is no break.
    columns = (AuditEntry.id, AuditEntry.at, AuditEntry.user_id, AuditEntry.username, AuditEntry.address, AuditEntry.action,
               AuditEntry.body_id, AuditEntry.detail, AuditEntry.prev_hash, AuditEntry.entry_hash, AuditEntry.chain)
    prev, count, at_head = GENESIS, 0, GENESIS if head is not None and head[0] == 0 else None
    was_keyed, kind = False, AuditHash.SHA256
    for row in db.execute(select(*columns).order_by(AuditEntry.id)).yield_per(2000):
        row_id, at, user_id, username, address, action, body_id, detail, stored_prev, stored, chain = row
        where = f"编号 {row_id}（{localtime.when(at, zone, seconds=True, label=True)}，{action_label(action)}）"
        if stored_prev != prev:
            return ChainCheck(False, count, row_id, f"日志不完整：记录 {where} 与前一条接不上，它之前的记录被删除或改动过。")
        try:
            kind = AuditHash(chain)
        except ValueError:
            return ChainCheck(False, count, row_id, f"日志被改动：记录 {where} 的校验方式无法识别。")
        if kind is AuditHash.SHA256 and was_keyed:
            return ChainCheck(False, count, row_id, f"日志被改动：记录 {where} 不带密钥校验，而它之前的记录带密钥，这是改写日志的迹象。")
        if kind is not AuditHash.SHA256:
            if keys.audit is None:
                return ChainCheck(False, count, row_id, KEY_NEEDED, key_needed=True)
            was_keyed = True
        if entry_hash(prev, at, user_id, username, address, action, body_id, detail, kind=kind, key=keys.audit) != stored:
            hint = "（或所给的密钥文件不是本系统的）" if kind is not AuditHash.SHA256 else ""
            return ChainCheck(False, count, row_id, f"日志被改动：记录 {where} 的内容与其校验值不符{hint}。")
        prev, count = stored, count + 1
        if head is not None and count == head[0]:
            at_head = prev
    if head is None:
        return ChainCheck(False, count, None, "日志校验记录（链头）缺失，无法确认日志完整。")
    if count < head[0]:
        return ChainCheck(False, count, None, f"日志不完整：应有 {head[0]} 条，只剩 {count} 条，最后的 {head[0] - count} 条被删除。")
    if at_head != head[1]:
        return ChainCheck(False, count, None, "日志不完整：最后一条记录与校验记录（链头）不符，记录被删除或改动过。")
    if head[2] is not None and keys.audit is None:
        return ChainCheck(False, count, None, KEY_NEEDED, key_needed=True)
    if keys.audit is not None and head[2] != head_mac(keys.audit, head[0], head[1]):
        if head[2] is None:
            return ChainCheck(False, count, None, "日志校验记录（链头）没有密钥校验值：日志被整体改写过，或本系统从未用这个密钥文件运行。")
        return ChainCheck(False, count, None, "日志校验记录（链头）的密钥校验值不符：日志被改写过，或所给的密钥文件不是本系统的。")
    return ChainCheck(True, count, keyed_by=HASH_NAMES[kind])


# --- reading: filters, pages, export ----------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the county filters the log by. Dates are local calendar days (北京时间)."""

    action: str = ""
    username: str = ""
    body_id: int | None = None
    body_name: str = ""
    since: dt.datetime | None = None  # naive UTC, inclusive
    until: dt.datetime | None = None  # naive UTC, inclusive

    def clauses(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.action:
            where.append(AuditEntry.action == self.action)
        if self.username:
            where.append(AuditEntry.username.contains(self.username, autoescape=True))
        if self.body_id:
            where.append(AuditEntry.body_id == self.body_id)
        if self.body_name:
            named = select(BodyRow.id).where(
                BodyRow.name.contains(self.body_name, autoescape=True) | BodyRow.short_name.contains(self.body_name, autoescape=True)
            )
            where.append(AuditEntry.body_id.in_(named))
        if self.since is not None:
            where.append(AuditEntry.at >= self.since)
        if self.until is not None:
            where.append(AuditEntry.at <= self.until)
        return where


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> dt.date | None:
    """A date as a form gives it (``2026-01-31``, ASCII digits); else ``None``."""
    if not _DATE.fullmatch(text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if 1971 <= day.year <= 9998 else None  # a day's UTC bounds stay representable


def parse_filter(query: Mapping[str, str], *, body_id: int | None, zone: str = localtime.DEFAULT_ZONE) -> tuple[AuditFilter, list[str]]:
    """The filter a query string asks for, and what in it was not understood (in Chinese).

    ``body_id`` comes already parsed (the app's one id parser); a given but invalid one is
    reported, not guessed at."""
    problems = []
    if query.get("body_id", "") and body_id is None:
        problems.append("单位编号无效，已忽略。")
    dates: dict[str, dt.date | None] = {}
    for key, label in (("from", "起始日期"), ("to", "截止日期")):
        text = query.get(key, "").strip()
        dates[key] = parse_date(text) if text else None
        if text and dates[key] is None:
            problems.append(f"{label}应写成 2026-01-31 的形式，已忽略。")
    since, until = dates["from"], dates["to"]
    action = query.get("action", "")
    return (
        AuditFilter(
            action=action if action in AUDIT_ACTIONS else "",
            username=query.get("username", "").strip()[:MAX_NAME],
            body_id=body_id,
            body_name=query.get("body", "").strip()[:MAX_NAME],
            since=localtime.start_of_day(since, zone) if since else None,
            until=localtime.end_of_day(until, zone) if until else None,
        ),
        problems,
    )


def audit_entries(
    db: Session,
    *,
    action: str = "",
    username: str = "",
    body_id: int | None = None,
    limit: int = AUDIT_PAGE,
    offset: int = 0,
    where: AuditFilter | None = None,
) -> list[AuditEntry]:
    """Audit-log entries, newest first: ``limit`` of them after skipping ``offset``. ``where``
    filters like the page does; ``action``, ``username`` (exact) and ``body_id`` are shortcuts."""
    query = select(AuditEntry)
    if where is not None:
        query = query.where(*where.clauses())
    if action:
        query = query.where(AuditEntry.action == action)
    if username:
        query = query.where(AuditEntry.username == username)
    if body_id:
        query = query.where(AuditEntry.body_id == body_id)
    return list(db.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)))


def audit_count(db: Session, where: AuditFilter) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry).where(*where.clauses())) or 0


@dataclass(frozen=True)
class BodyName:
    name: str
    year: int


def body_names(db: Session, entries: Iterable[AuditEntry]) -> dict[int, BodyName]:
    """The names (and round years) of the bodies ``entries`` name, removed bodies included."""
    ids = {e.body_id for e in entries if e.body_id}
    if not ids:
        return {}
    rows = db.execute(select(BodyRow.id, BodyRow.name, Round.year).join(Round, Round.id == BodyRow.round_id).where(BodyRow.id.in_(ids)))
    return {row_id: BodyName(name, year) for row_id, name, year in rows}


def describe(where: AuditFilter, zone: str = localtime.DEFAULT_ZONE) -> str:
    """A filter in words, for the export's own log line and its sheet."""
    parts = []
    if where.body_name:
        parts.append(f"单位“{where.body_name}”")
    if where.body_id:
        parts.append(f"单位编号 {where.body_id}")
    if where.action:
        parts.append(f"操作“{action_label(where.action)}”")
    if where.username:
        parts.append(f"用户“{where.username}”")
    if where.since:
        parts.append(f"自 {localtime.day(where.since, zone)}")
    if where.until:
        parts.append(f"至 {localtime.day(where.until, zone)}")
    return "，".join(parts) or "全部"


def export_workbook(db: Session, actor: Actor, where: AuditFilter) -> tuple[str, bytes]:
    """操作日志.xlsx: the filtered entries, newest first, times in the county's zone with full
    dates; every text cell through the safe writer (a detail ``=…`` stays text). The export
    is itself logged, with its filter and row count."""
    entries = audit_entries(db, where=where, limit=EXPORT_LIMIT + 1)
    cut = len(entries) > EXPORT_LIMIT
    entries = entries[:EXPORT_LIMIT]
    names = body_names(db, entries)
    wb = Workbook()
    ws = wb.active
    ws.title = "操作日志"
    label = localtime.zone_label(actor.zone)
    append_row(ws, ["编号", f"时间（{label}）", "用户", "来源", "操作", "结果", "单位", "说明"])
    for e in entries:
        body = names.get(e.body_id) if e.body_id else None
        append_row(ws, [
            e.id, localtime.when(e.at, actor.zone, seconds=True), e.username or "—", origin_label(e.address),
            action_label(e.action), outcome(e.action), f"{body.name}（{body.year}年度）" if body else "", e.detail,
        ])
    for column, width in zip("ABCDEFGH", (8, 22, 16, 16, 14, 6, 30, 60), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    about = wb.create_sheet("说明")
    append_row(about, ["筛选条件", describe(where, actor.zone)])
    append_row(about, ["导出时间", actor.when(actor.now())])
    append_row(about, ["导出人", actor.user.username if actor.user else ""])
    append_row(about, ["条数", len(entries)])
    if cut:
        append_row(about, ["注意", f"只导出了最新的 {EXPORT_LIMIT} 条，请缩小筛选范围（如日期）分次导出。"])
    buffer = io.BytesIO()
    wb.save(buffer)
    audit(db, actor, "audit_export", f"导出 {len(entries)} 条（{describe(where, actor.zone)}）")
    db.commit()
    return f"操作日志-{localtime.stamp(actor.now(), actor.zone)}.xlsx", buffer.getvalue()
