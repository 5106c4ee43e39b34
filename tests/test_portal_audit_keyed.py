"""等保 安全审计 (8.1.4.3 c): the audit log cannot be rewritten by whoever holds the database.

With a key file the chain is keyed (HMAC-SM3 by default, HMAC-SHA-256 by choice) and its head
carries an HMAC of itself, so a log recomputed without the key (wholly or from one entry on, or
turned back into unkeyed entries) is noticed; without the key a keyed log is neither passed nor
failed but named as needing the key, and a portal refuses to start on it. In the database
itself audit rows are append-only (migration 0009): triggers refuse UPDATE, DELETE and TRUNCATE,
and on PostgreSQL a role granted as docs/dengbao.md says cannot change a row or the trigger."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from gongkai.cli import app as cli_app
from gongkai.errors import GongkaiError
from gongkai.portal import actors, auditlog
from gongkai.portal.app import Settings, create_app
from gongkai.portal.backup import postgres_commands
from gongkai.portal.db import AuditChain, AuditEntry
from gongkai.portal.keys import NO_KEYS, AuditHash, load_keys, new_key_file
from portal_support import BACKENDS, tamper_audit

KEYED = [AuditHash.HMAC_SM3, AuditHash.HMAC_SHA256]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "密钥"
    new_key_file(path)
    return path


def _portal(db_url: str, keys=NO_KEYS):  # type: ignore[no-untyped-def]
    return create_app(Settings(db_url, keys=keys)).state.portal


def _log(portal, *details: str) -> None:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        for i, detail in enumerate(details):
            at = dt.datetime(2026, 3, 1, 9, 0, i)
            auditlog.audit(db, actors.Actor(None, "198.51.100.7", lambda at=at: at), "download", detail)
        db.commit()


def _check(portal, keys=None) -> auditlog.ChainCheck:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return auditlog.verify_chain(db, keys=keys)


def _rewrite_unkeyed(portal, *, change: str, keep_head_mac: bool) -> None:  # type: ignore[no-untyped-def]
    """What someone holding the database but not the key would do: change one entry, then
    recompute every hash as unkeyed SHA-256 and set the head to match."""
    with portal.session() as db:
        rows = db.execute(select(AuditEntry.id, AuditEntry.at, AuditEntry.user_id, AuditEntry.username, AuditEntry.address,
                                 AuditEntry.action, AuditEntry.body_id, AuditEntry.detail).order_by(AuditEntry.id)).all()
    prev = auditlog.GENESIS
    for i, (row_id, at, user_id, username, address, action, body_id, detail) in enumerate(rows):
        detail = change if i == 0 else detail
        digest = auditlog.entry_hash(prev, at, user_id, username, address, action, body_id, detail)
        tamper_audit(portal.engine, "UPDATE audit_log SET detail = :d, chain = 'sha256', prev_hash = :p, entry_hash = :h WHERE id = :id",
                     d=detail, p=prev, h=digest, id=row_id)
        prev = digest
    with portal.engine.begin() as c:
        values = {"entries": len(rows), "last_hash": prev}
        if not keep_head_mac:
            values["head_mac"] = None
        c.execute(update(AuditChain).where(AuditChain.id == 1).values(**values))


# --- the keyed chain ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KEYED, ids=lambda k: k.value)
def test_a_keyed_chain_verifies_with_its_key_and_only_with_it(db_url, key_file, tmp_path, kind) -> None:  # type: ignore[no-untyped-def]
    keys = load_keys(key_file, audit_hash=kind)
    portal = _portal(db_url, keys)
    try:
        _log(portal, "第一条", "第二条", "第三条")
        with portal.session() as db:
            entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            head = db.get(AuditChain, 1)
        assert {e.chain for e in entries} == {kind.value}
        first = entries[0]
        unkeyed = auditlog.entry_hash(auditlog.GENESIS, first.at, first.user_id, first.username, first.address, first.action, first.body_id, first.detail)
        assert first.entry_hash != unkeyed  # nobody without the key can recompute it
        if kind is AuditHash.HMAC_SHA256:  # the standard library's HMAC agrees
            payload = json.dumps([auditlog.GENESIS, first.at.isoformat(sep=" ", timespec="microseconds"), None, "", first.address,
                                  first.action, None, first.detail], ensure_ascii=False, separators=(",", ":")).encode()
            assert first.entry_hash == hmac.new(keys.audit, payload, hashlib.sha256).hexdigest()
        assert head.head_mac == auditlog.head_mac(keys.audit, head.entries, head.last_hash)
        check = _check(portal)
        assert check.ok and check.entries == 3 and auditlog.HASH_NAMES[kind] in check.message, check.problem
        without = _check(portal, NO_KEYS)
        assert not without.ok and without.key_needed and "须给出本系统的密钥文件" in without.message
        other = tmp_path / "另一个密钥"
        new_key_file(other)
        wrong = _check(portal, load_keys(other, audit_hash=kind))
        assert not wrong.ok and not wrong.key_needed and "密钥文件不是本系统的" in wrong.problem and wrong.broken_id == first.id
    finally:
        portal.engine.dispose()
    with pytest.raises(GongkaiError, match="须给出本系统的密钥文件"):  # and no portal starts on it without the key
        _portal(db_url)


def test_a_log_rewritten_without_the_key_is_noticed(db_url, key_file) -> None:  # type: ignore[no-untyped-def]
    portal = _portal(db_url, load_keys(key_file))
    try:
        _log(portal, "原来的记录", "第二条", "第三条")
        _rewrite_unkeyed(portal, change="改过的记录", keep_head_mac=True)
        kept = _check(portal)
        assert not kept.ok and "密钥校验值不符" in kept.problem
        _rewrite_unkeyed(portal, change="改过的记录", keep_head_mac=False)
        dropped = _check(portal)
        assert not dropped.ok and "没有密钥校验值" in dropped.problem
        # What the key adds: the same rewrite passes an unkeyed check.
        assert _check(portal, NO_KEYS).ok
    finally:
        portal.engine.dispose()


def test_an_unkeyed_entry_after_keyed_ones_is_a_break(db_url, key_file) -> None:  # type: ignore[no-untyped-def]
    keys = load_keys(key_file)
    portal = _portal(db_url, keys)
    try:
        _log(portal, "第一条", "第二条")
        with portal.session() as db:
            last = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
            head = db.get(AuditChain, 1)
            at = last.at + dt.timedelta(seconds=5)
            digest = auditlog.entry_hash(last.entry_hash, at, None, "", "198.51.100.7", "download", None, "降级的记录")
            db.add(AuditEntry(at=at, user_id=None, username="", address="198.51.100.7", action="download", body_id=None,
                              detail="降级的记录", prev_hash=last.entry_hash, entry_hash=digest, chain="sha256"))
            # Even with the head sealed as the key's holder would: the downgrade alone is the break.
            head.entries, head.last_hash = head.entries + 1, digest
            head.head_mac = auditlog.head_mac(keys.audit, head.entries, digest)
            db.info.pop("gongkai_audit_pending", None)
            db.commit()
            planted = db.scalar(select(AuditEntry.id).where(AuditEntry.detail == "降级的记录"))
        check = _check(portal)
        assert not check.ok and check.broken_id == planted and "不带密钥校验" in check.problem
    finally:
        portal.engine.dispose()


def test_a_log_stays_keyed_and_an_unkeyed_one_becomes_keyed(db_url, key_file) -> None:  # type: ignore[no-untyped-def]
    plain = _portal(db_url)
    _log(plain, "密钥之前")
    plain.engine.dispose()
    keyed = _portal(db_url, load_keys(key_file))  # first run with the key: the head is sealed at once
    with keyed.session() as db:
        assert db.get(AuditChain, 1).head_mac is not None
    _log(keyed, "有了密钥")
    keyed.engine.dispose()
    later = _portal(db_url, load_keys(key_file, audit_hash=AuditHash.SHA256))  # --audit-hash sha256 later
    try:
        _log(later, "改回不带密钥的设置之后")
        with later.session() as db:
            chains = dict(db.execute(select(AuditEntry.detail, AuditEntry.chain)).all())
        assert chains["密钥之前"] == "sha256" and chains["有了密钥"] == chains["改回不带密钥的设置之后"] == "hmac-sm3"
        assert _check(later).ok
    finally:
        later.engine.dispose()


# --- append-only in the database ----------------------------------------------------------------


def test_audit_rows_cannot_be_changed_or_deleted(db_url) -> None:  # type: ignore[no-untyped-def]
    portal = _portal(db_url)
    try:
        _log(portal, "留下的记录")
        statements = ["UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"]
        if portal.engine.dialect.name == "postgresql":
            statements.append("TRUNCATE audit_log")
        for statement in statements:
            with pytest.raises(DBAPIError, match="append-only"), portal.engine.begin() as c:
                c.execute(text(statement))
        with portal.session() as db:  # the ORM is refused alike
            db.delete(db.scalars(select(AuditEntry)).first())
            with pytest.raises(DBAPIError, match="append-only"):
                db.commit()
        with portal.session() as db:
            assert db.scalar(select(func.count()).where(AuditEntry.detail == "留下的记录")) == 1
        assert _check(portal).ok
    finally:
        portal.engine.dispose()


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b != "sqlite"], indirect=True)
def test_the_portals_postgresql_role_cannot_touch_audit_rows(db_url) -> None:  # type: ignore[no-untyped-def]
    portal = _portal(db_url)  # migrated by the owner
    _log(portal, "留下的记录")
    portal.engine.dispose()
    role = f"gongkai_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(db_url)
    try:
        with owner.begin() as c:  # the grants docs/dengbao.md gives the portal's role
            c.execute(text(f"CREATE ROLE {role} NOLOGIN"))
            c.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
            c.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
            c.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}"))
        with owner.begin() as c:  # what the role may do, it can
            c.execute(text(f"SET LOCAL ROLE {role}"))
            c.execute(text("INSERT INTO audit_log (at, username, address, action, detail, prev_hash, entry_hash, chain) "
                           "VALUES (now(), '', 'test', 'download', '追加', '', '', 'sha256')"))
            c.execute(text("UPDATE audit_chain SET entries = entries WHERE id = 1"))
        for statement in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                          "ALTER TABLE audit_log DISABLE TRIGGER USER", "DROP TRIGGER audit_log_append_only ON audit_log"):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"), owner.begin() as c:
                c.execute(text(f"SET LOCAL ROLE {role}"))
                c.execute(text(statement))
        with owner.connect() as c:
            assert c.execute(text("SELECT count(*) FROM audit_log WHERE detail = '留下的记录'")).scalar() == 1
    finally:
        with owner.begin() as c:
            c.execute(text(f"DROP OWNED BY {role}"))
            c.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


# --- the command line ---------------------------------------------------------------------------


def test_serve_key_options(tmp_path, key_file) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    made = tmp_path / "新密钥"
    result = runner.invoke(cli_app, ["serve", "--new-key-file", str(made)])
    assert result.exit_code == 0 and "已生成密钥文件" in result.output and "副本" in result.output, result.output
    if os.name == "posix":
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
    before = made.read_bytes()
    result = runner.invoke(cli_app, ["serve", "--new-key-file", str(made)])
    assert result.exit_code == 2 and "已存在" in result.output and made.read_bytes() == before
    data = tmp_path / "data"
    for args, message in (
        (["--audit-hash", "md5"], "--audit-hash 只能是"),
        (["--encrypt-files"], "须给出密钥文件"),
        (["--key-file", str(tmp_path / "没有这个文件")], "找不到密钥文件"),
    ):
        result = runner.invoke(cli_app, ["serve", "--data", str(data), "--verify-audit", *args])
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, (args, result.output)
    data.mkdir()
    result = runner.invoke(cli_app, ["serve", "--data", str(data), "--key-file", str(key_file), "--create-admin", "county"],
                           input="a-Good-admin-pass-77\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli_app, ["serve", "--data", str(data), "--key-file", str(key_file), "--verify-audit"])
    assert result.exit_code == 0 and "操作日志校验通过" in result.output and "HMAC-SM3" in result.output, result.output
    result = runner.invoke(cli_app, ["serve", "--data", str(data), "--verify-audit"])
    assert result.exit_code == 2 and "须给出本系统的密钥文件" in result.output, result.output
    result = runner.invoke(cli_app, ["serve", "--data", str(data), "--create-admin", "second"], input="a-Good-admin-pass-78\n")
    assert result.exit_code == 1 and "未创建管理员" in result.output and "--key-file" in result.output, result.output


def test_a_postgresql_backup_also_prints_pg_dump_and_pg_restore_without_the_password(tmp_path) -> None:
    native = postgres_commands("postgresql+psycopg://gongkai:很秘密的口令@db.example:5432/county", tmp_path / "备份.zip")
    assert native is not None and "很秘密的口令" not in native.dump + native.restore
    assert native.dump.startswith("pg_dump -Fc") and "postgresql://gongkai@db.example:5432/county" in native.dump
    assert native.restore.startswith("pg_restore") and str(tmp_path / "备份.pgdump") in native.dump and str(tmp_path / "备份.pgdump") in native.restore
    assert postgres_commands(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "b.zip") is None


def test_serve_backup_of_postgresql_prints_the_native_commands(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _portal(db_url).engine.dispose()
    result = CliRunner().invoke(cli_app, ["serve", "--db", db_url, "--backup", str(tmp_path / "b.zip")])
    assert result.exit_code == 0 and "已备份到" in result.output, result.output
    assert ("pg_dump -Fc" in result.output and "pg_restore" in result.output) == db_url.startswith("postgresql")
