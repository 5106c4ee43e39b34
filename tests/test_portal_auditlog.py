"""The audit log as the county reads it, and as a 等保 assessor checks it: body names and Chinese
origins, filters by body name / action / user / local dates, pages, the .xlsx export, and the
hash chain that shows an entry changed or removed in the database (migration 0005 included)."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from pathlib import Path

import openpyxl
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select, text

from gongkai.portal import actors, auditlog
from gongkai.portal.db import MIGRATIONS, AuditEntry, make_engine, session_factory
from gongkai.portal.workflow import Action
from portal_support import auditor_client, client_for, filer_client, tamper_audit

SRC = Path(__file__).resolve().parent.parent / "src" / "gongkai" / "portal"
HOSTILE = "=cmd|' /C calc'!A0"


def _at(when: dt.datetime):  # type: ignore[no-untyped-def]
    return lambda: when


def _log(portal, address: str, action: str, detail: str, *, body_id: int | None = None, at: dt.datetime | None = None, username: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """One entry as a use case writes it, at ``at`` (naive UTC), by ``username`` or nobody."""
    with portal.session() as db:
        user = actors.system_actor(db, username).user if username else None
        auditlog.audit(db, actors.Actor(user, address, _at(at or dt.datetime(2026, 1, 10, 9, 0))), action, detail, body_id)
        db.commit()


def _rows(html: str) -> list[str]:
    """The audit table's body rows."""
    body = html.split('id="audit-log"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr><td>.*?</tr>", body, flags=re.S)


# --- 1. names, not ids; Chinese, not English ----------------------------------------------------


def test_entries_name_bodies_and_say_in_chinese_where_they_came_from(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    filer_client(app, world, "东山镇")  # logs in from the test client: an entry for 东山镇
    body = world.bodies["东山镇"]
    _log(portal, "demo", "upload", "演示上传", body_id=body)
    _log(portal, "203.0.113.9", "login_failed", "somebody")
    page = auditor_client(app).get("/county/audit").text
    rows = _rows(page)
    assert f'<a href="/b/{body}">东山镇人民政府</a>' in page
    assert not any(f">{body}</a>" in r for r in rows)  # the id is the link's target, never its text
    for english, chinese in (("command line", "命令行"), ("script", "脚本"), ("demo", "演示数据"), ("testclient", "测试客户端")):
        assert f"<td>{english}</td>" not in page and f"<td>{chinese}</td>" in page, english
    assert "<td>203.0.113.9</td>" in page  # an address stays as it is
    actions = [re.findall(r"<td>(.*?)</td>", r)[3] for r in rows]
    assert actions and all(re.search(r"[\u4e00-\u9fff]", a) and not re.search(r"[a-z_]{3,}", a) for a in actions), actions
    assert "时间（北京时间）" in page


def test_every_action_the_code_logs_has_a_chinese_name() -> None:
    logged = set()
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        logged |= set(re.findall(r"audit\([^,]+,\s*[^,]+,\s*\"([a-z_]+)\"", source))
    logged |= {a.value for a in Action}
    assert {"login", "upload", "denied", "audit_export"} <= logged | set(auditlog.AUDIT_ACTIONS)
    missing = sorted(a for a in logged if a not in auditlog.AUDIT_ACTIONS)
    assert not missing, f"actions without a Chinese name in auditlog.AUDIT_ACTIONS: {missing}"
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", label) for label in auditlog.AUDIT_ACTIONS.values())


# --- 2. filters, pages, export ------------------------------------------------------------------


def test_filter_by_body_name_action_user_and_local_dates(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east, west = world.bodies["东山镇"], world.bodies["西山镇"]
    # 2026-01-10 17:30 UTC is 2026-01-11 01:30 北京时间: a local-date filter must put it on the 11th.
    _log(portal, "198.51.100.1", "upload", "east-late", body_id=east, at=dt.datetime(2026, 1, 10, 17, 30))
    _log(portal, "198.51.100.1", "upload", "east-early", body_id=east, at=dt.datetime(2026, 1, 10, 3, 0))
    _log(portal, "198.51.100.2", "download", "west-download", body_id=west, at=dt.datetime(2026, 1, 12, 2, 0), username="county")
    county = auditor_client(app)

    def details(query: str) -> set[str]:
        r = county.get(f"/county/audit?{query}")
        assert r.status_code == 200, query
        return {d for d in ("east-late", "east-early", "west-download") if d in r.text}

    assert details("") == {"east-late", "east-early", "west-download"}
    assert details("body=东山") == {"east-late", "east-early"}
    assert details("body=西山镇人民政府") == {"west-download"}
    assert details("body=%25") == set()  # a LIKE wildcard is a character to look for, not "anything"
    assert details("action=download") == {"west-download"}
    assert details("username=coun") == {"west-download"}
    assert details("from=2026-01-11&to=2026-01-11") == {"east-late"}
    assert details("from=2026-01-10&to=2026-01-10") == {"east-early"}
    assert details("from=2026-01-12") == {"west-download"}
    assert details("to=2026-01-10") == {"east-early"}
    assert details("body=东山镇&from=2026-01-11") == {"east-late"}
    # The body page's link still filters by id, and the form keeps it.
    page = county.get(f"/county/audit?body_id={west}").text
    assert "west-download" in page and "east-late" not in page and f'name="body_id" value="{west}"' in page
    # A filter the page cannot read is said, never a 500.
    for query in ("from=2026-13-01", "to=２０２６-01-01", "from=0001-01-01", "body_id=²", f"body_id={2**70}"):
        r = county.get(f"/county/audit?{query}")
        assert r.status_code == 200 and "已忽略" in r.text, query


def test_the_page_has_pages_with_a_total(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        actor = actors.Actor(None, "127.0.0.1", _at(dt.datetime(2026, 1, 10, 9, 0)))
        for i in range(250):
            auditlog.audit(db, actor, "login_failed", f"guess-{i:03d}")
        db.commit()
    county = auditor_client(app)
    first = county.get("/county/audit?action=login_failed").text
    assert len(_rows(first)) == auditlog.AUDIT_PAGE and "guess-249" in first and "guess-149" not in first
    assert "共 250 条，第 1 / 3 页" in first and "下一页" in first and 'id="audit-newer"' not in first
    older = re.search(r'id="audit-older" href="\?([^"]+)"', first)
    assert older is not None and "action=login_failed" in older.group(1).replace("&amp;", "&")
    third = county.get("/county/audit?action=login_failed&page=3").text
    assert len(_rows(third)) == 50 and "guess-000" in third and "上一页" in third and 'id="audit-older"' not in third


def test_export_is_the_filtered_log_in_excel_with_text_kept_text(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = world.bodies["东山镇"]
    _log(portal, "198.51.100.7", "upload", HOSTILE, body_id=east, at=dt.datetime(2026, 1, 10, 17, 30))
    _log(portal, "script", "download", "not-in-filter", at=dt.datetime(2026, 1, 10, 17, 31))
    county = auditor_client(app)
    r = county.get("/county/audit.xlsx?body=东山镇&action=upload")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb["操作日志"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("编号", "时间（北京时间）", "用户", "来源", "操作", "结果", "单位", "说明")
    assert len(rows) == 2, rows
    _, when, user, origin, action, result, body, detail = rows[1]
    assert when == "2026-01-11 01:30:00" and user == "—" and origin == "198.51.100.7" and action == "上传" and result == "成功"
    assert body == "东山镇人民政府（2025年度）"
    assert detail == HOSTILE
    cell = ws.cell(2, 8)
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    about = {row[0]: row[1] for row in wb["说明"].iter_rows(values_only=True)}
    assert "东山镇" in about["筛选条件"] and about["条数"] == 1
    # The export is itself in the log, saying what was exported.
    with portal.session() as db:
        logged = auditlog.audit_entries(db, action="audit_export")
    assert len(logged) == 1 and logged[0].username == "shenji" and "导出 1 条" in logged[0].detail and "东山镇" in logged[0].detail
    assert "导出操作日志" in county.get("/county/audit").text
    # The filter form exports without JavaScript: a submit button aimed at the export.
    assert 'formaction="/county/audit.xlsx"' in county.get("/county/audit").text


def test_only_the_county_exports_the_log(app, world) -> None:  # type: ignore[no-untyped-def]
    filer = filer_client(app, world, "东山镇")
    assert filer.get("/county/audit.xlsx").status_code == 404
    assert filer.get("/county/audit").status_code == 404
    nobody = client_for(app).get("/county/audit.xlsx", follow_redirects=False)
    assert nobody.status_code == 303 and nobody.headers["location"].startswith("/login")


# --- 3. the hash chain --------------------------------------------------------------------------


def test_every_entry_says_whether_it_succeeded(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    _log(portal, "203.0.113.9", "login_failed", "somebody")
    _log(portal, "203.0.113.9", "upload_refused", "不是 .xlsx")
    _log(portal, "198.51.100.3", "download", "东山镇.xlsx")
    county = auditor_client(app)
    rows = {re.findall(r"<td>(.*?)</td>", r)[3]: re.findall(r"<td[^>]*>(.*?)</td>", r)[4] for r in _rows(county.get("/county/audit").text)}
    assert rows["登录失败"] == rows["上传被拒绝"] == "失败" and rows["下载"] == rows["登录"] == "成功"
    assert set(auditlog.AUDIT_ACTIONS) >= auditlog.FAILURES
    wb = openpyxl.load_workbook(io.BytesIO(county.get("/county/audit.xlsx?action=login_failed").content))
    assert {row[5] for row in wb["操作日志"].iter_rows(min_row=2, values_only=True)} == {"失败"}


def test_the_chain_holds_and_is_shown(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    county = auditor_client(app)
    with portal.session() as db:
        check = auditlog.verify_chain(db)
        count = db.scalar(select(func.count()).select_from(AuditEntry))
        first, second = db.scalars(select(AuditEntry).order_by(AuditEntry.id).limit(2)).all()
    assert check.ok and check.entries == count and count >= 3
    assert first.prev_hash == auditlog.GENESIS and second.prev_hash == first.entry_hash
    assert f"日志完整，共 {count} 条" in county.get("/county/audit").text


def _tamper(portal, sql: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    tamper_audit(portal.engine, sql, **params)


def test_an_entry_changed_in_the_database_is_named(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        _log(portal, "198.51.100.3", "download", f"entry-{i}")
    with portal.session() as db:
        target = db.scalar(select(AuditEntry.id).where(AuditEntry.detail == "entry-1"))
    _tamper(portal, "UPDATE audit_log SET detail = 'nothing happened' WHERE id = :id", id=target)
    with portal.session() as db:
        check = auditlog.verify_chain(db)
    assert not check.ok and check.broken_id == target
    page = auditor_client(app).get("/county/audit").text
    assert "日志完整" not in page and f"编号 {target}" in page and "被改动" in page


def test_an_entry_removed_from_the_middle_or_the_end_is_noticed(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    for i in range(4):
        _log(portal, "198.51.100.4", "download", f"entry-{i}")
    with portal.session() as db:
        ids = dict(db.execute(select(AuditEntry.detail, AuditEntry.id).where(AuditEntry.detail.like("entry-%"))).all())
    _tamper(portal, "DELETE FROM audit_log WHERE id = :id", id=ids["entry-3"])  # the newest: only the head knows
    with portal.session() as db:
        tail = auditlog.verify_chain(db)
    assert not tail.ok and "被删除" in tail.problem
    _tamper(portal, "DELETE FROM audit_log WHERE id = :id", id=ids["entry-1"])
    with portal.session() as db:
        middle = auditlog.verify_chain(db)
    assert not middle.ok and middle.broken_id == ids["entry-2"] and "接不上" in middle.problem


def test_a_rolled_back_change_leaves_no_entry_and_no_gap(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        auditlog.audit(db, actors.Actor(None, "198.51.100.5", clock), "download", "rolled-back")
        db.rollback()
        auditlog.audit(db, actors.Actor(None, "198.51.100.5", clock), "download", "kept")
        db.commit()
        details = [e.detail for e in auditlog.audit_entries(db, action="download")]
        assert details == ["kept"] and auditlog.verify_chain(db).ok
    # A HEAD request changes nothing: its would-be log line is not chained either.
    county = auditor_client(app)
    assert county.head("/county/audit.xlsx").status_code == 200
    with portal.session() as db:
        assert not auditlog.audit_entries(db, action="audit_export") and auditlog.verify_chain(db).ok


def test_simultaneous_writers_do_not_fork_the_chain(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    threads, per, start = 4, 15, threading.Barrier(4)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per):
                with portal.session() as db:
                    auditlog.audit(db, actors.Actor(None, f"198.51.100.{n}", clock), "download", f"writer-{n}-{i}")
                    db.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            failures.append(exc)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not failures, failures
    with portal.session() as db:
        check = auditlog.verify_chain(db)
        prevs = db.scalars(select(AuditEntry.prev_hash)).all()
        written = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.detail.like("writer-%")))
    assert check.ok, check.problem
    assert written == threads * per and len(prevs) == len(set(prevs))  # no two entries chained onto one


# --- migration 0005 -----------------------------------------------------------------------------


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def test_migration_chains_the_entries_a_database_already_holds(db_url) -> None:  # type: ignore[no-untyped-def]
    _migrate(db_url, "0004")
    engine = make_engine(db_url)
    old = [
        (dt.datetime(2025, 12, 1, 8, 0, 0, 123456), None, "", "command line", "admin_create", None, "管理员 county"),
        (dt.datetime(2025, 12, 2, 9, 30), 1, "county", "10.0.0.8", "round_create", None, "2025年度：12 个单位"),
        (dt.datetime(2025, 12, 3, 10, 0), 2, "dongshan", "10.0.0.9", "upload", 7, HOSTILE),
    ]
    with engine.begin() as c:
        for row in old:
            c.execute(
                text("INSERT INTO audit_log (at, user_id, username, address, action, body_id, detail) VALUES (:at, :u, :n, :a, :act, :b, :d)"),
                dict(zip(("at", "u", "n", "a", "act", "b", "d"), row, strict=True)),
            )
    engine.dispose()
    _migrate(db_url, "head")
    engine = make_engine(db_url)
    with session_factory(engine)() as db:
        check = auditlog.verify_chain(db)
        assert check.ok and check.entries == 3, check.problem
        auditlog.audit(db, actors.Actor(None, "10.0.0.10", _at(dt.datetime(2026, 1, 2))), "login_failed", "after the migration")
        db.commit()
        assert auditlog.verify_chain(db).entries == 4 and auditlog.verify_chain(db).ok
    # a backfilled entry is as protected as a new one
    tamper_audit(engine, "UPDATE audit_log SET address = '10.0.0.99' WHERE action = 'round_create'")
    with session_factory(engine)() as db:
        broken = auditlog.verify_chain(db)
        assert not broken.ok and broken.entries == 1
    engine.dispose()
    _migrate(db_url, "0004", down=True)  # and back, leaving the entries
    engine = make_engine(db_url)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM audit_log")).scalar() == 4
    engine.dispose()


def test_a_restored_backup_passes_the_check(app, world, portal, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from gongkai.portal.backup import backup, restore

    _log(portal, "198.51.100.6", "download", HOSTILE, at=dt.datetime(2026, 1, 10, 9, 0, 0, 654321))
    backup(db_url, tmp_path / "备份.zip")
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(tmp_path / "备份.zip", target)
    engine = make_engine(target)
    with session_factory(engine)() as db:
        check = auditlog.verify_chain(db)
        assert check.ok and check.entries == db.scalar(select(func.count()).select_from(AuditEntry)), check.problem
    engine.dispose()
