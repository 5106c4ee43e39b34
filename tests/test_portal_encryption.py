"""等保 数据保密性 (8.1.4.8): with ``--encrypt-files`` every stored file (uploads, stamped PDFs,
rendered reports) is sealed under SM4-GCM with a key kept outside the database, so neither the
database nor a backup of it reveals a file; the key's holder reads them back byte for byte, a
changed sealed file is refused and logged, a missing or wrong key is refused in Chinese, and
files stored before encryption was switched on still read."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from gongkai.errors import GongkaiError
from gongkai.portal import queries, sealing
from gongkai.portal.app import Settings, create_app
from gongkai.portal.backup import backup, restore
from gongkai.portal.db import AuditEntry, Submission, User, Version
from gongkai.portal.keys import load_keys, new_key_file
from portal_support import (
    NEW_PASSWORD,
    World,
    admin_client,
    client_for,
    filer_client,
    login,
    make_world,
    pdf_bytes,
    post,
    sample_bytes,
)

SHORT = "东山镇"
BLOB_MISMATCH = "文件已损坏或被改动（校验值不符），未提供下载，请联系管理员从备份恢复。"
NEEDS_KEY = "文件已加密保存，但没有给出密钥文件"
WRONG_KEY = "给出的密钥文件不是加密时用的那一份"


def _portal_app(db_url: str, clock, keys=None):  # type: ignore[no-untyped-def]
    settings = Settings(db_url, clock=clock, max_upload=2 * 1024 * 1024, **({"keys": keys} if keys else {}))
    return create_app(settings)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "密钥"
    new_key_file(path)
    return path


@pytest.fixture
def sealed(db_url, clock, key_file):  # type: ignore[no-untyped-def]
    """A portal that encrypts files, with the sample county's round and accounts."""
    application = _portal_app(db_url, clock, load_keys(key_file, encrypt_files=True))
    world = make_world(application.state.portal, clock)
    yield application, world
    application.state.portal.engine.dispose()


def _file_and_submit(app, world: World, portal, stamp: bytes | None = None) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """The clerk uploads the sample workbook and submits it with a stamped PDF, through the pages."""
    clerk = filer_client(app, world, SHORT)
    body = world.bodies[SHORT]
    r = post(
        clerk,
        f"/b/{body}",
        f"/b/{body}/upload",
        files={"file": ("填报表.xlsx", sample_bytes(SHORT), "application/octet-stream")},
    )
    assert r.status_code == 303, r.text[:500]
    version_id = int(r.headers["location"].split("/v/")[1].split("#")[0])
    with portal.session() as db:
        warnings = [
            i
            for i, f in enumerate(queries.findings_of(db.get(Version, version_id)))
            if f.severity == "warning"
        ]
    data = {
        "version_id": str(version_id),
        "leader": "李镇长",
        "signed_on": "2026-01-09",
        **{f"explain_{i}": "已核实" for i in warnings},
    }
    r = post(
        clerk,
        f"/b/{body}",
        f"/b/{body}/submit",
        data,
        files={"stamped": ("盖章.pdf", stamp or pdf_bytes(), "application/pdf")},
    )
    assert r.status_code == 303, r.text[:500]
    with portal.session() as db:
        submission_id = db.scalar(select(Submission.id).where(Submission.body_id == body))
    return body, version_id, submission_id


def _markers() -> list[bytes]:
    """Bytes any plaintext copy of the workbook or the stamped PDF would show."""
    workbook, pdf = sample_bytes(SHORT), pdf_bytes()
    return [
        b"PK\x03\x04",
        b"[Content_Types].xml",
        workbook[300:364],
        workbook[-64:],
        b"%PDF-",
        b"/Type /Catalog",
        pdf[-48:],
    ]


def _blobs(url: str) -> dict[int, bytes]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return {i: bytes(d) for i, d in c.execute(text("SELECT id, data FROM blobs ORDER BY id"))}
    finally:
        engine.dispose()


def _set_blob(url: str, blob_id: int, data: bytes) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text("UPDATE blobs SET data = :data WHERE id = :id"), {"data": data, "id": blob_id})
    finally:
        engine.dispose()


def _raw_database(url: str) -> bytes:
    """The database as a thief would copy it: the SQLite file (and its journal), else the blobs' rows."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    return b"".join(_blobs(url).values())


def _blob_ids(portal, version_id: int, submission_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return db.get(Version, version_id).blob_id, db.get(Submission, submission_id).stamped_blob_id


def test_stored_files_are_sealed_and_download_as_uploaded(sealed, db_url) -> None:  # type: ignore[no-untyped-def]
    app, world = sealed
    portal = app.state.portal
    body, version_id, submission_id = _file_and_submit(app, world, portal)
    stored = _blobs(db_url)
    assert stored and all(sealing.is_sealed(d) for d in stored.values())
    raw = _raw_database(db_url)
    assert sealing.MAGIC in raw
    for marker in _markers():
        assert marker not in raw, marker
    # The clerk and the county get back exactly what was uploaded: the file, its preview, the stamped PDF.
    county = admin_client(app)
    r = county.get(f"/b/{body}/v/{version_id}/file")
    assert r.status_code == 200 and r.content == sample_bytes(SHORT)
    assert county.get(f"/b/{body}/v/{version_id}/preview").status_code == 200
    r = county.get(f"/b/{body}/stamped/{submission_id}")
    assert r.status_code == 200 and r.content == pdf_bytes()
    # Accepted, the one-click zip carries the workbook and the stamped PDF as uploaded.
    assert post(county, f"/b/{body}", f"/county/bodies/{body}/accept", {"confirm": "1"}).status_code == 303
    z = county.get(f"/county/rounds/{world.round_id}/download.zip")
    assert z.status_code == 200
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        contents = [archive.read(n) for n in archive.namelist()]
    assert sample_bytes(SHORT) in contents and pdf_bytes() in contents
    assert all(sealing.is_sealed(d) for d in _blobs(db_url).values())


def test_a_backup_reveals_no_file_and_restores_with_the_key(
    sealed, db_url, clock, key_file, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    app, world = sealed
    portal = app.state.portal
    body, version_id, submission_id = _file_and_submit(app, world, portal)
    backup(db_url, tmp_path / "备份.zip")
    with zipfile.ZipFile(tmp_path / "备份.zip") as archive:
        tables = {n: archive.read(n) for n in archive.namelist()}
    rows = [json.loads(line) for line in tables["tables/blobs.jsonl"].splitlines()]
    held = [base64.b64decode(r["data"]["$b64"]) for r in rows]
    assert held and all(sealing.is_sealed(d) for d in held)  # carried as stored
    everything = b"".join(tables.values()) + b"".join(held)
    for marker in _markers():
        assert marker not in everything, marker
    assert (
        key_file.read_text().split()[1].encode() not in everything
    )  # nor the key, which is no part of the database
    # Restored into a fresh database, the same key file reads every file back.
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(tmp_path / "备份.zip", target)
    assert _blobs(target) == _blobs(db_url)
    restored = _portal_app(target, clock, load_keys(key_file, encrypt_files=True))
    try:
        county = admin_client(restored)
        r = county.get(f"/b/{body}/v/{version_id}/file")
        assert r.status_code == 200 and r.content == sample_bytes(SHORT)
        r = county.get(f"/b/{body}/stamped/{submission_id}")
        assert r.status_code == 200 and r.content == pdf_bytes()
    finally:
        restored.state.portal.engine.dispose()


def test_a_changed_sealed_file_is_refused_and_logged(sealed, db_url) -> None:  # type: ignore[no-untyped-def]
    app, world = sealed
    portal = app.state.portal
    body, version_id, submission_id = _file_and_submit(app, world, portal)
    workbook_blob, stamp_blob = _blob_ids(portal, version_id, submission_id)
    stored = _blobs(db_url)
    assert sealing.is_sealed(stored[workbook_blob]) and sealing.is_sealed(stored[stamp_blob])
    flipped = bytearray(stored[workbook_blob])
    flipped[len(flipped) // 2] ^= 0x01  # one bit of the ciphertext
    _set_blob(db_url, workbook_blob, bytes(flipped))
    _set_blob(db_url, stamp_blob, stored[workbook_blob])  # a sealed file moved under another file's hash
    county = admin_client(app)
    for url in (
        f"/b/{body}/v/{version_id}/file",
        f"/b/{body}/v/{version_id}/preview",
        f"/b/{body}/stamped/{submission_id}",
    ):
        r = county.get(url)
        assert r.status_code == 409 and BLOB_MISMATCH in r.text and "Traceback" not in r.text, (
            url,
            r.text[:300],
        )
    with portal.session() as db:
        refusals = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "blob_mismatch")))
        downloads = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "download")))
    assert len(refusals) == 3 and all(e.body_id == body and e.username == "county" for e in refusals)
    assert not downloads


def test_without_the_key_or_with_another_key_sealed_files_are_refused_in_chinese(
    sealed, db_url, clock, tmp_path, key_file
) -> None:  # type: ignore[no-untyped-def]
    app, world = sealed
    portal = app.state.portal
    body, version_id, submission_id = _file_and_submit(app, world, portal)
    assert all(sealing.is_sealed(d) for d in _blobs(db_url).values())
    with pytest.raises(GongkaiError, match="须给出本系统的密钥文件"):  # no key file: the keyed log stops it first
        _portal_app(db_url, clock, None)
    other = tmp_path / "另一个密钥"
    new_key_file(other)
    cases = [
        (dataclasses.replace(load_keys(key_file), files=None), NEEDS_KEY),  # the audit key without the file key
        (load_keys(other), WRONG_KEY),  # another key file, encrypting or not
        (load_keys(other, encrypt_files=True), WRONG_KEY),
    ]
    for keys, message in cases:
        opened = _portal_app(db_url, clock, keys)
        try:
            county = admin_client(opened)
            for url in (
                f"/b/{body}/v/{version_id}/file",
                f"/b/{body}/v/{version_id}/preview",
                f"/b/{body}/stamped/{submission_id}",
            ):
                r = county.get(url)
                assert r.status_code == 500 and message in r.text and "Traceback" not in r.text, (
                    keys,
                    url,
                    r.text[:300],
                )
        finally:
            opened.state.portal.engine.dispose()
    with portal.session() as db:  # a missing key is no changed file: nothing was logged as one
        assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "blob_mismatch")) is None


def test_files_stored_before_encryption_was_switched_on_still_read(
    app, world, portal, db_url, clock, key_file
) -> None:  # type: ignore[no-untyped-def]
    body, version_id, submission_id = _file_and_submit(app, world, portal)
    before = _blobs(db_url)
    assert not any(sealing.is_sealed(d) for d in before.values())  # stored in the clear, as before
    encrypting = _portal_app(db_url, clock, load_keys(key_file, encrypt_files=True))
    try:
        county = admin_client(encrypting)
        r = county.get(f"/b/{body}/v/{version_id}/file")
        assert r.status_code == 200 and r.content == sample_bytes(SHORT)
        r = county.get(f"/b/{body}/stamped/{submission_id}")
        assert r.status_code == 200 and r.content == pdf_bytes()
        # A new file is sealed; the old ones stay as they were, and both read.
        other = world.bodies["南山镇"]
        clerk = filer_client(encrypting, world, "南山镇")
        r = post(
            clerk,
            f"/b/{other}",
            f"/b/{other}/upload",
            files={"file": ("填报表.xlsx", sample_bytes("南山镇"), "application/octet-stream")},
        )
        assert r.status_code == 303, r.text[:500]
        new_version = int(r.headers["location"].split("/v/")[1].split("#")[0])
        after = _blobs(db_url)
        assert {i: after[i] for i in before} == before
        assert [sealing.is_sealed(d) for i, d in after.items() if i not in before] == [True]
        r = county.get(f"/b/{other}/v/{new_version}/file")
        assert r.status_code == 200 and r.content == sample_bytes("南山镇")
        with (
            encrypting.state.portal.session() as db
        ):  # the clerk's own password still works on the same accounts
            username = db.scalar(select(User.username).where(User.body_id == body))
        assert login(client_for(encrypting), username, NEW_PASSWORD).status_code == 303
    finally:
        encrypting.state.portal.engine.dispose()


def test_seal_and_unseal() -> None:
    key, other = bytes(range(16)), bytes(range(1, 17))
    data, aad = b"PK\x03\x04 a workbook", b"a" * 64
    stored = sealing.seal(key, data, aad)
    assert (
        sealing.is_sealed(stored) and data not in stored and stored != sealing.seal(key, data, aad)
    )  # a fresh nonce each time
    assert len(stored) == len(sealing.MAGIC) + sealing.KEY_CHECK + sealing.NONCE + len(data) + sealing.TAG
    assert sealing.unseal(key, stored, aad) == data
    with pytest.raises(sealing.Broken):
        sealing.unseal(key, stored, b"b" * 64)  # bound to the hash it was stored under
    with pytest.raises(sealing.Broken):
        sealing.unseal(key, stored[:-1] + bytes([stored[-1] ^ 1]), aad)
    with pytest.raises(sealing.WrongKey):
        sealing.unseal(other, stored, aad)
    with pytest.raises(sealing.NeedsKey):
        sealing.unseal(None, stored, aad)
    assert not sealing.is_sealed(data)


def test_dropping_encrypt_files_keeps_the_sealed_files_readable(sealed, db_url, clock, key_file) -> None:  # type: ignore[no-untyped-def]
    """The same key file without --encrypt-files: what was sealed still opens, new files are stored plain."""
    app, world = sealed
    body, version_id, _ = _file_and_submit(app, world, app.state.portal)
    plain = _portal_app(db_url, clock, load_keys(key_file))
    try:
        county = admin_client(plain)
        r = county.get(f"/b/{body}/v/{version_id}/file")
        assert r.status_code == 200 and r.content == sample_bytes(SHORT)
        west = world.bodies["西山镇"]
        r = post(county, f"/b/{west}", f"/b/{west}/upload", files={"file": ("西山镇.xlsx", sample_bytes("西山镇"), "application/octet-stream")})
        assert r.status_code == 303, r.text[:300]
        assert sample_bytes("西山镇") in _blobs(db_url).values()  # stored as it is
    finally:
        plain.state.portal.engine.dispose()
