"""Reliability against a real server (``gongkai serve`` in a subprocess on 127.0.0.1): nothing is
lost under concurrent uploads, and nothing answered is lost or half-stored after kill -9.
On SQLite always, and on PostgreSQL when GONGKAI_TEST_DATABASE_URL is set (always in CI)."""

from __future__ import annotations

import json
import os
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from gongkai.portal import open_portal, uploads
from gongkai.portal.db import Blob, BodyRow, Version
from portal_live import (
    Client,
    Filer,
    LiveServer,
    base_workbook,
    database,
    database_url,
    seed_round,
    sha256,
    vary,
    version_of,
)

BACKENDS = ["sqlite", "postgresql"] if os.environ.get("GONGKAI_TEST_DATABASE_URL") or os.environ.get("CI") else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:  # type: ignore[no-untyped-def]
    if request.param == "postgresql" and not os.environ.get("GONGKAI_TEST_DATABASE_URL"):
        pytest.fail("GONGKAI_TEST_DATABASE_URL is not set; .ci/run should start PostgreSQL and set it")
    return request.param


def _stored(url: str, body_ids: set[int]) -> list[tuple[Version, Blob]]:
    """Every version of these bodies with its blob, read straight from the database."""
    portal = open_portal(url)
    try:
        with portal.session() as db:
            rows = db.execute(
                select(Version, Blob).join(Blob, Blob.id == Version.blob_id).where(Version.body_id.in_(body_ids))
            ).all()
            return [(v, b) for v, b in rows]
    finally:
        portal.engine.dispose()


def _assert_whole(stored: list[tuple[Version, Blob]]) -> None:
    """No version is half-stored: its bytes hash to the recorded SHA-256, its blob's record
    agrees, the bytes read as a workbook again, and each body's numbers run 1..n."""
    for version, blob in stored:
        assert sha256(blob.data) == version.sha256 == blob.sha256, f"version {version.id}: bytes do not match their SHA-256"
        assert blob.size == len(blob.data)
        _kind, report = uploads.read_upload(blob.data, version.filename)
        assert json.loads(version.report_json)["body"]["name"] == report.body.name
    numbers: dict[int, list[int]] = {}
    for version, _blob in stored:
        numbers.setdefault(version.body_id, []).append(version.number)
    for body_id, got in numbers.items():
        assert sorted(got) == list(range(1, len(got) + 1)), f"body {body_id}: version numbers {sorted(got)}"


def test_200_concurrent_uploads_are_all_kept_byte_identical(backend: str, tmp_path: Path) -> None:
    """40 bodies × 5 distinct uploads, shuffled and fired 16 at a time: 200 versions, no 5xx."""
    with database(backend, tmp_path) as db:
        data = tmp_path / "data"
        url = database_url(data, db)
        filers = seed_round(url, tmp_path, 40)
        base = {f.body_id: base_workbook(f, tmp_path) for f in filers}
        uploads = [(f, f"【第{i + 1}次上传·{f.short_name}】", i) for f in filers for i in range(5)]
        payload = {(f.body_id, i): vary(base[f.body_id], tag) for f, tag, i in uploads}
        assert len({sha256(b) for b in payload.values()}) == 200, "every upload must be a distinct file"
        random.Random(20250).shuffle(uploads)

        with LiveServer(data, db) as server:
            clients = {f.body_id: Client(server.url, f.username, f.password) for f in filers}

            def send(item: tuple[Filer, str, int]) -> tuple[Filer, str, int, httpx.Response]:
                f, tag, i = item
                return f, tag, i, clients[f.body_id].upload(f.body_id, f"{f.short_name}-{i + 1}.xlsx", payload[(f.body_id, i)])

            with ThreadPoolExecutor(max_workers=16) as pool:
                results = list(pool.map(send, uploads))

            statuses = Counter(r.status_code for *_, r in results)
            assert not [s for s in statuses if s >= 500], f"server errors: {statuses}\n{server.output()[-3000:]}"
            refused = [(f.short_name, i, r.status_code, r.text[:300]) for f, _tag, i, r in results if version_of(r) is None]
            assert not refused, f"uploads not stored: {refused[:5]}"
            answered = {version_of(r): (f, tag, i) for f, tag, i, r in results}
            assert len(answered) == 200, "two uploads were answered with the same version"

            for (body_id, version_id), (f, _tag, i) in answered.items():
                got = clients[body_id].http.get(f"/b/{body_id}/v/{version_id}/file")
                assert got.status_code == 200
                assert sha256(got.content) == sha256(payload[(f.body_id, i)]), f"{f.short_name} upload {i + 1} changed in storage"
            for c in clients.values():
                c.close()

        stored = _stored(url, {f.body_id for f in filers})
        assert len(stored) == 200
        assert Counter(v.body_id for v, _ in stored) == {f.body_id: 5 for f in filers}
        by_id = {v.id: v for v, _ in stored}
        for (_body_id, version_id), (_f, tag, _i) in answered.items():
            assert tag in by_id[version_id].report_json, "the stored report is not the uploaded one"
        _assert_whole(stored)


def test_kill_9_mid_stream_loses_nothing_answered_and_half_stores_nothing(backend: str, tmp_path: Path) -> None:
    """Four bodies upload non-stop; the server is killed with SIGKILL after a dozen answers
    while uploads are in flight; on restart every answered upload is there, byte-identical,
    and every stored version is whole."""
    with database(backend, tmp_path) as db:
        data = tmp_path / "data"
        url = database_url(data, db)
        filers = seed_round(url, tmp_path, 4)
        base = {f.body_id: base_workbook(f, tmp_path) for f in filers}
        server = LiveServer(data, db).start()
        clients = {f.body_id: Client(server.url, f.username, f.password) for f in filers}
        answered: dict[tuple[int, int], bytes] = {}
        cut_off: list[str] = []
        wrong: list[str] = []  # answers other than a stored version (an assert in a thread would be lost)
        lock = threading.Lock()
        enough = threading.Event()

        def stream(f: Filer) -> None:
            for i in range(200):
                workbook = vary(base[f.body_id], f"【崩溃测试·{f.short_name}·{i}】")
                try:
                    r = clients[f.body_id].upload(f.body_id, f"{f.short_name}-{i}.xlsx", workbook)
                except httpx.TransportError as exc:
                    with lock:
                        cut_off.append(type(exc).__name__)
                    return
                where = version_of(r)
                with lock:
                    if where is None:
                        wrong.append(f"{r.status_code} {r.text[:300]}")
                        return
                    answered[where] = workbook
                    if len(answered) >= 12:
                        enough.set()

        try:
            threads = [threading.Thread(target=stream, args=(f,)) for f in filers]
            for t in threads:
                t.start()
            assert enough.wait(timeout=120), f"the uploads did not get going:\n{server.output()[-3000:]}"
            server.kill()
            for t in threads:
                t.join(timeout=60)
            assert not wrong, f"uploads refused or failed before the kill: {wrong[:3]}"
            assert len(cut_off) == len(filers), "every uploader should have been cut off by the kill"

            server.start()  # same data, same port: the sessions live in the database and survive
            for (body_id, version_id), workbook in answered.items():
                got = clients[body_id].http.get(f"/b/{body_id}/v/{version_id}/file")
                assert got.status_code == 200, f"answered upload {version_id} is gone after the crash"
                assert got.content == workbook
            f = filers[0]
            after = clients[f.body_id].upload(f.body_id, "重启后.xlsx", vary(base[f.body_id], "【重启后上传】"))
            assert version_of(after) is not None, after.text[:500]
        finally:
            for c in clients.values():
                c.close()
            server.stop()

        stored = _stored(url, {f.body_id for f in filers})
        ids = {v.id for v, _ in stored}
        assert {version_id for _body, version_id in answered} <= ids
        # Uploads cut off mid-request may or may not have been committed; any that were are whole.
        assert len(stored) >= len(answered) + 1
        _assert_whole(stored)
        portal = open_portal(url)
        try:
            with portal.session() as s:
                states = {b.state for b in s.scalars(select(BodyRow).where(BodyRow.id.in_([f.body_id for f in filers])))}
                assert states == {"open"}
        finally:
            portal.engine.dispose()
