"""数据备份与恢复: the whole portal database as one file, restored into an empty database.

The portal keeps everything in its database (uploads, versions, reports, the audit log), so a
backup is every table's rows. It is written table by table as JSON lines inside a zip, read
from the live database itself (reflected, not the code's idea of it), so it works alike on the
embedded SQLite and on PostgreSQL, and a backup taken on one restores into the other: the way
a county moves from the one to the other as well as the way it recovers.

A restore goes only into an empty database of the same schema revision (the target is first
upgraded to this code's schema): nothing is overwritten, and a backup from another revision
is refused with what to do, never half-applied.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, delete, func, insert, select, text, update
from sqlalchemy.engine import Engine

from ..atomic import atomic_write
from ..errors import GongkaiError
from .db import make_engine, upgrade

FORMAT = "gongkai-portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_SKIP = {"alembic_version"}  # the target's own migrations write it
# Tables that hold a county's data: a target with rows in any of them is no empty database.
_HELD = {"users", "rounds", "bodies", "blobs", "versions", "submissions", "reviews", "audit_log"}


class BackupError(GongkaiError):
    """A backup that cannot be written or restored, in Chinese."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str
    rows: dict[str, int]  # table -> rows

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _tables(engine: Engine) -> list[Table]:
    meta = MetaData()
    meta.reflect(engine)
    return [t for t in meta.sorted_tables if t.name not in _SKIP]


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (key, raw), = value.items()
        if key == "$b64":
            return base64.b64decode(raw)
        if key == "$dt":
            return dt.datetime.fromisoformat(raw)
        if key == "$d":
            return dt.date.fromisoformat(raw)
    return value


def backup(database_url: str, path: Path, *, now: dt.datetime | None = None) -> BackupSummary:
    """Write every row of the portal at ``database_url`` to the backup file ``path`` (atomically:
    a failed backup leaves no file). Rows are read in one transaction, so the file is one moment's
    state even while the portal runs."""
    engine = make_engine(database_url)
    try:
        revision = _revision(engine)
        rows: dict[str, int] = {}
        digests: dict[str, str] = {}
        with atomic_write(Path(path)) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            with engine.connect() as connection, connection.begin():
                for table in _tables(engine):
                    digest = hashlib.sha256()
                    count = 0
                    order = [c for c in table.primary_key.columns] or list(table.columns)
                    with archive.open(f"tables/{table.name}.jsonl", "w") as out:
                        for row in connection.execution_options(yield_per=500).execute(select(table).order_by(*order)):
                            line = (json.dumps({k: _encode(v) for k, v in row._mapping.items()}, ensure_ascii=False) + "\n").encode("utf-8")
                            digest.update(line)
                            out.write(line)
                            count += 1
                    rows[table.name], digests[table.name] = count, digest.hexdigest()
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "revision": revision,
                "made_at": (now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)).isoformat(),
                "rows": rows, "sha256": digests,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        return BackupSummary(Path(path), revision, rows)
    finally:
        engine.dispose()


def _manifest(archive: zipfile.ZipFile, name: str) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise BackupError(f"{name} 不是 gongkai 填报系统的备份文件（没有备份说明 {MANIFEST}）。") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{name} 不是本版本 gongkai 填报系统能读取的备份文件。")
    return manifest


def _lines(archive: zipfile.ZipFile, table: str, expected: str, name: str) -> Iterator[dict[str, Any]]:
    digest = hashlib.sha256()
    with archive.open(f"tables/{table}.jsonl") as source:
        for line in io.TextIOWrapper(source, encoding="utf-8", newline="\n"):
            digest.update(line.encode("utf-8"))
            yield {k: _decode(v) for k, v in json.loads(line).items()}
    if digest.hexdigest() != expected:
        raise BackupError(f"{name} 中的表 {table} 与备份时的校验值不符，备份文件已损坏或被改动，未恢复。")


def restore(path: Path, database_url: str) -> BackupSummary:
    """Restore the backup file ``path`` into the empty database at ``database_url``: the schema
    is created, every row inserted with its ids, in one transaction (all or nothing)."""
    name = Path(path).name
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{name} 无法打开或不是备份文件：{exc.__class__.__name__}。") from exc
    with archive:
        manifest = _manifest(archive, name)
        engine = make_engine(database_url)
        try:
            upgrade(engine)
            revision = _revision(engine)
            if manifest["revision"] != revision:
                raise BackupError(
                    f"{name} 是数据库版本 {manifest['revision']} 的备份，本程序的数据库版本是 {revision}。"
                    "请用生成这份备份的 gongkai 版本恢复，或先把原系统升级到本版本再备份。"
                )
            tables = {t.name: t for t in _tables(engine)}
            missing = sorted(set(manifest["rows"]) - tables.keys())
            if missing:
                raise BackupError(f"{name} 中有本程序不认识的表：{'、'.join(missing)}，未恢复。")
            _restore_rows(engine, archive, manifest, tables, name)
        finally:
            engine.dispose()
    return BackupSummary(Path(path), manifest["revision"], dict(manifest["rows"]))


def _restore_rows(engine: Engine, archive: zipfile.ZipFile, manifest: dict[str, Any], tables: dict[str, Table], name: str) -> None:
    order = [t for t in tables.values() if t.name in manifest["rows"]]
    position = {t.name: i for i, t in enumerate(order)}
    with engine.begin() as connection:
        for table in order:
            if table.name in _HELD and connection.execute(select(func.count()).select_from(table)).scalar_one():
                raise BackupError(f"目标数据库的表 {table.name} 已有数据：只能恢复到空数据库，什么也没有改动。")
        for table in reversed(order):  # rows a migration seeds in a new database (a chain head) give way
            if table.name not in _HELD:  # those are empty, and audit_log refuses even an empty DELETE's privilege check
                connection.execute(delete(table))
        # A foreign key to a table inserted later (bodies.county_seen_version_id → versions) or to
        # its own table is filled in once every row is in.
        late: dict[str, list[str]] = {}
        for table in order:
            for fk in table.foreign_keys:
                if position.get(fk.column.table.name, -1) >= position[table.name] and fk.parent.nullable:
                    late.setdefault(table.name, []).append(fk.parent.name)
        pending: list[tuple[Table, dict[str, Any], dict[str, Any]]] = []
        for table in order:
            keys = [c.name for c in table.primary_key.columns]
            batch: list[dict[str, Any]] = []
            for row in _lines(archive, table.name, manifest["sha256"][table.name], name):
                deferred = {c: row[c] for c in late.get(table.name, []) if row.get(c) is not None}
                if deferred:
                    pending.append((table, {k: row[k] for k in keys}, deferred))
                    row = {**row, **dict.fromkeys(deferred)}
                batch.append(row)
                if len(batch) >= 200:
                    connection.execute(insert(table), batch)
                    batch = []
            if batch:
                connection.execute(insert(table), batch)
        for table, key, values in pending:
            condition = [table.c[k] == v for k, v in key.items()]
            connection.execute(update(table).where(*condition).values(**values))
        if connection.dialect.name == "postgresql":
            for table in order:  # ids go on from the restored ones, not from 1
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is not False and str(pk[0].type).upper().startswith(("INTEGER", "BIGINT")):
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                            f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                        )
                    )


@dataclass(frozen=True)
class PostgresCommands:
    """PostgreSQL's own tools for the same database, beside our portable backup: what a DBA
    schedules (``pg_dump -Fc`` nightly) and how that file goes back (``pg_restore``)."""

    dump: str
    restore: str


def postgres_commands(url: str, output: Path) -> PostgresCommands | None:
    """The ``pg_dump``/``pg_restore`` commands for a PostgreSQL ``url`` (None for SQLite). The
    password is never printed: pg_dump reads it from ``~/.pgpass`` or ``PGPASSWORD``."""
    from shlex import quote

    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return None
    conninfo = parsed._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
    dump_file = quote(str(output.with_suffix(".pgdump")))
    return PostgresCommands(
        dump=f"pg_dump -Fc --no-owner -d {quote(conninfo)} -f {dump_file}",
        restore=f"pg_restore --no-owner --exit-on-error -d {quote(conninfo)} {dump_file}",
    )
