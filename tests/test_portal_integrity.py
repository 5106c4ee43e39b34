"""等保 数据完整性, 剩余信息保护, 备份恢复, 安全审计 (issue 14 §5): a stored file changed in the
database is refused, not served, and the refusal is logged; a removed body's clerk is logged out
at once; ``gongkai serve --backup``/``--restore`` round trip; ``gongkai serve --verify-audit``
tells a whole log from a changed one."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from gongkai.cli import app as cli_app
from gongkai.portal import accounts, actors, uploads
from gongkai.portal.app import Settings, create_app
from gongkai.portal.db import AuditEntry, User, Version
from portal_support import admin_client, auditor_client, filer_client, post, sample_bytes, tamper_audit

BLOB_MISMATCH = "文件已损坏或被改动（校验值不符），未提供下载，请联系管理员从备份恢复。"


def _upload(portal, clock, body: int, short: str) -> Version:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body)), "test", clock)
        return uploads.upload_version(db, filer, body, f"{short}.xlsx", sample_bytes(short))


def _sql(url: str, statement: str, **params: object) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text(statement), params)
    finally:
        engine.dispose()


def test_a_stored_file_changed_in_the_database_is_refused_and_logged(app, world, portal, clock, db_url) -> None:  # type: ignore[no-untyped-def]
    east, south = world.bodies["东山镇"], world.bodies["南山镇"]
    changed, intact = _upload(portal, clock, east, "东山镇"), _upload(portal, clock, south, "南山镇")
    _sql(db_url, "UPDATE blobs SET data = :data WHERE id = :id", data=b"PK\x03\x04 not what was uploaded", id=changed.blob_id)
    county = admin_client(app)
    r = county.get(f"/b/{east}/v/{changed.id}/file")
    assert r.status_code == 409 and BLOB_MISMATCH in r.text, r.text[:500]
    assert county.get(f"/b/{east}/v/{changed.id}/preview").status_code == 409  # the preview reads the same file
    r = county.get(f"/b/{south}/v/{intact.id}/file")
    assert r.status_code == 200 and r.content == sample_bytes("南山镇")
    with portal.session() as db:
        refusals = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "blob_mismatch")))
        downloads = list(db.scalars(select(AuditEntry.body_id).where(AuditEntry.action == "download")))
    assert len(refusals) >= 2 and all(e.body_id == east and e.username == "county" for e in refusals)
    assert downloads == [south]  # the refused file is not logged as downloaded
    # The log page names the action in Chinese.
    assert "文件校验值不符" in auditor_client(app).get("/county/audit").text


def test_removing_a_body_ends_its_clerk_s_session_at_once(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    body = world.bodies["西山镇"]
    clerk = filer_client(app, world, "西山镇")
    assert clerk.get(f"/b/{body}").status_code == 200
    county = admin_client(app)
    assert post(county, f"/b/{body}", f"/county/bodies/{body}/remove", {"reason": "撤并"}).status_code == 303
    r = clerk.get(f"/b/{body}", follow_redirects=False)
    assert r.status_code in (303, 307) and r.headers["location"].startswith("/login")
    with portal.session() as db:
        user = db.scalar(select(User).where(User.body_id == body))
        assert user.disabled
        from gongkai.portal.db import SessionRow

        assert db.scalar(select(func.count()).select_from(SessionRow).where(SessionRow.user_id == user.id)) == 0


def test_serve_backup_and_restore(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    data, new = tmp_path / "data", tmp_path / "new"
    result = runner.invoke(cli_app, ["serve", "--data", str(data), "--backup", str(tmp_path / "b.zip")])
    assert result.exit_code == 2 and "没有填报系统的数据库" in result.output and "Traceback" not in result.output
    data.mkdir()
    portal = create_app(Settings(f"sqlite:///{data.resolve() / 'gongkai.db'}")).state.portal
    with portal.session() as db:
        accounts.create_admin(db, "county", "a-Good-admin-pass-77")
    portal.engine.dispose()
    result = runner.invoke(cli_app, ["serve", "--data", str(data), "--backup", str(tmp_path / "b.zip")])
    assert result.exit_code == 0 and "已备份到" in result.output and "gongkai 填报系统：http" not in result.output, result.output
    result = runner.invoke(cli_app, ["serve", "--data", str(new), "--restore", str(tmp_path / "b.zip")])
    assert result.exit_code == 0 and "已恢复" in result.output, result.output
    engine = create_engine(f"sqlite:///{new / 'gongkai.db'}")
    with engine.connect() as c:
        assert c.execute(text("SELECT username FROM users")).scalars().all() == ["county"]
    engine.dispose()
    result = runner.invoke(cli_app, ["serve", "--data", str(new), "--restore", str(tmp_path / "b.zip")])
    assert result.exit_code == 2 and "只能恢复到空数据库" in result.output
    result = runner.invoke(cli_app, ["serve", "--data", str(new), "--restore", str(tmp_path / "missing.zip")])
    assert result.exit_code == 2 and "找不到备份文件" in result.output
    result = runner.invoke(cli_app, ["serve", "--data", str(new), "--backup", str(tmp_path / "c.zip"), "--verify-audit"])
    assert result.exit_code == 2 and "一次只能用一个" in result.output


def test_serve_verify_audit(app, world, portal, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(cli_app, ["serve", "--db", db_url, "--verify-audit"])
    assert result.exit_code == 0 and "操作日志校验通过" in result.output and "日志完整" in result.output, result.output
    with portal.session() as db:
        first = db.scalar(select(AuditEntry.id).order_by(AuditEntry.id))
    engine = create_engine(db_url)
    tamper_audit(engine, "UPDATE audit_log SET detail = :detail WHERE id = :id", detail="改过的记录", id=first)
    engine.dispose()
    result = runner.invoke(cli_app, ["serve", "--db", db_url, "--verify-audit"])
    assert result.exit_code == 1 and "操作日志校验未通过" in result.output and "日志被改动" in result.output, result.output
    result = runner.invoke(cli_app, ["serve", "--data", str(tmp_path / "none"), "--verify-audit"])
    assert result.exit_code == 2 and "没有填报系统的数据库" in result.output
