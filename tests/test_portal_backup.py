"""数据备份与恢复 (等保 8.1.4.9): the whole portal to one file and back into an empty database,
on SQLite and PostgreSQL and from one to the other; a restore never touches a database that
holds data, and a damaged backup is refused."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from typer.testing import CliRunner

from gongkai.cli import app as cli_app
from gongkai.portal import accounts, actors, queries, uploads, workflow
from gongkai.portal.app import Settings, create_app
from gongkai.portal.backup import BackupError, backup, restore
from gongkai.portal.db import User
from portal_support import NEW_PASSWORD, _postgres_database, client_for, filer_client, login, sample_bytes


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as c:
            return {
                t.name: [tuple(r) for r in c.execute(select(t).order_by(*t.primary_key.columns))]
                for t in meta.sorted_tables
                if t.name != "alembic_version"
            }
    finally:
        engine.dispose()


@contextmanager
def _targets(tmp_path: Path) -> Iterator[list[str]]:
    """Empty databases to restore into: a SQLite file, and a PostgreSQL database when there is a server."""
    urls = [f"sqlite:///{tmp_path / 'restored.db'}"]
    made = []
    if os.environ.get("GONGKAI_TEST_DATABASE_URL"):
        admin, name, url = _postgres_database(os.environ["GONGKAI_TEST_DATABASE_URL"])
        urls.append(url)
        made.append((admin, name))
    try:
        yield urls
    finally:
        for admin, name in made:
            with admin.connect() as c:
                c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()


def _busy_round(app, world, portal, clock) -> int:  # type: ignore[no-untyped-def]
    """A round with an upload (a blob), a submission, a return pointing at a cell, a login."""
    filer_client(app, world, "东山镇")  # logs in, changes the password: sessions, audit entries
    body = world.bodies["东山镇"]
    with portal.session() as db:
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body)), "test", clock)
        version = uploads.upload_version(db, filer, body, "东山镇.xlsx", sample_bytes("东山镇"))
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, body, version_id=version.id, leader="李镇长", signed_on=dt.date(2026, 1, 9), explanations=explanations)
        workflow.return_(db, actors.system_actor(db, clock=clock), body, "请核对", ["requests.new.natural_person"])
    with portal.session() as db:
        row = queries.body_for(db, actors.system_actor(db), body)
        row.county_seen_version_id = version.id  # a key to a table restored after this one
        db.commit()
    return body


def test_backup_and_restore_every_row_on_both_databases(app, world, portal, clock, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    body = _busy_round(app, world, portal, clock)
    before = _rows(db_url)
    summary = backup(db_url, tmp_path / "备份.zip")
    assert summary.rows["versions"] == 1 and summary.rows["blobs"] >= 1 and summary.total == sum(len(v) for v in before.values())
    with _targets(tmp_path) as targets:
        for target in targets:
            restore(tmp_path / "备份.zip", target)
            assert _rows(target) == before, target
            # The restored portal works: the clerk logs in with the password set before, and new
            # rows get new ids (PostgreSQL's sequences go on from the restored ones).
            restored = create_app(Settings(target, clock=clock))
            clerk = client_for(restored)
            username = restored.state.portal.session().scalar(select(User.username).where(User.body_id == body))
            assert login(clerk, username, NEW_PASSWORD).status_code == 303
            with restored.state.portal.session() as db:
                filer = actors.Actor(db.scalar(select(User).where(User.body_id == body)), "test", clock)
                again = uploads.upload_version(db, filer, body, "东山镇.xlsx", sample_bytes("东山镇"))
                assert again.number == 2 and again.id > max(r[0] for r in before["versions"])
            restored.state.portal.engine.dispose()


def test_a_restore_never_touches_a_database_that_holds_data(app, world, portal, clock, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _busy_round(app, world, portal, clock)
    backup(db_url, tmp_path / "b.zip")
    before = _rows(db_url)
    with pytest.raises(BackupError, match="只能恢复到空数据库"):
        restore(tmp_path / "b.zip", db_url)
    assert _rows(db_url) == before


def test_a_damaged_or_foreign_backup_is_refused(app, world, portal, clock, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _busy_round(app, world, portal, clock)
    good = tmp_path / "b.zip"
    backup(db_url, good)
    # One changed name in the submissions' rows: the checksum of the manifest catches it.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "tables/submissions.jsonl":
                assert "李镇长".encode() in data
                data = data.replace("李镇长".encode(), "王镇长".encode())
            dst.writestr(item, data)
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(BackupError, match="校验值不符"):
        restore(tampered, empty)
    left = _rows(empty)
    assert not any(left[t] for t in ("users", "rounds", "bodies", "blobs", "versions", "submissions", "reviews", "audit_log"))  # all or nothing
    # Another revision, and a zip that is no backup.
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(other, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                data = json.dumps({**json.loads(data), "revision": "0001"}).encode()
            dst.writestr(item, data)
    with pytest.raises(BackupError, match="数据库版本 0001 的备份"):
        restore(other, f"sqlite:///{tmp_path / 'e2.db'}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "x")
    (tmp_path / "nope.zip").write_bytes(buffer.getvalue())
    with pytest.raises(BackupError, match="不是 gongkai 填报系统的备份文件"):
        restore(tmp_path / "nope.zip", f"sqlite:///{tmp_path / 'e3.db'}")


def test_the_backup_and_restore_commands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    data = tmp_path / "data"
    result = runner.invoke(cli_app, ["backup", "--data", str(data), "-o", str(tmp_path / "b.zip")])
    assert result.exit_code == 2 and "没有填报系统的数据库" in result.output and "Traceback" not in result.output
    data.mkdir()
    portal = create_app(Settings(f"sqlite:///{data.resolve() / 'gongkai.db'}")).state.portal
    with portal.session() as db:
        accounts.create_admin(db, "county", "a-Good-admin-pass-77")
    portal.engine.dispose()
    result = runner.invoke(cli_app, ["backup", "--data", str(data), "-o", str(tmp_path / "b.zip")])
    assert result.exit_code == 0 and "已备份到" in result.output, result.output
    result = runner.invoke(cli_app, ["restore", str(tmp_path / "b.zip"), "--data", str(tmp_path / "new")])
    assert result.exit_code == 0 and "已恢复" in result.output, result.output
    assert _rows(f"sqlite:///{tmp_path / 'new' / 'gongkai.db'}")["users"][0][1] == "county"
    result = runner.invoke(cli_app, ["restore", str(tmp_path / "b.zip"), "--data", str(tmp_path / "new")])
    assert result.exit_code == 2 and "只能恢复到空数据库" in result.output
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really")
    result = runner.invoke(cli_app, ["restore", str(tmp_path / "bad.zip"), "--data", str(tmp_path / "x")])
    assert result.exit_code == 2 and "未恢复" in result.output and "Traceback" not in result.output
