"""Migration 0003: versions stored before it (figures as a positional list) are keyed by path
after it, still show their figures, still count in the totals and still go into the zip."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from gongkai.portal import (
    Settings,
    accounts,
    actors,
    create_app,
    exports,
    figures,
    queries,
    roster,
    uploads,
    workflow,
)
from gongkai.portal.db import MIGRATIONS, User, Version, make_engine, session_factory
from gongkai.results import TABLE_PATHS
from portal_support import ADMIN_PASSWORD, COUNTY, admin_client, county_office, sample_bytes


def _frozen_paths() -> tuple[str, ...]:
    """The order 0003 reads positional rows in: its own frozen list, not today's format."""
    import importlib.util

    path = next((MIGRATIONS / "versions").glob("0003_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.POSITIONAL_PATHS


POSITIONAL_PATHS = _frozen_paths()


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def _accepted_body_at_0002(url: str, clock) -> tuple[int, int, int, list[str]]:  # type: ignore[no-untyped-def]
    """A round at revision 0002 with one accepted body whose version holds its figures as the
    code before 0003 wrote them: a list in the order the migration has frozen. Today's use cases
    write today's schema (the audit chain of 0005, for one), so the round is made at head and
    the database then taken down to 0002 before the list is written."""
    _migrate(url, "head")
    engine = make_engine(url)
    with session_factory(engine)() as db:
        county_office(db, clock)
        admin = actors.system_actor(db, clock=clock)
        rnd = roster.create_round(db, admin, year=2025, orgs=COUNTY / "单位名单.csv")
        issued = {a.body.short_name: a for a in accounts.issue_accounts(db, admin, rnd.id)}
        body_id = issued["东山镇"].body.id
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body_id)), "test", clock)
        version = uploads.upload_version(db, filer, body_id, "东山镇.xlsx", sample_bytes("东山镇"))
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, body_id, version_id=version.id, leader="李镇长", signed_on=dt.date(2026, 1, 9), explanations=explanations)
        workflow.accept(db, admin, body_id)
        keyed = json.loads(version.figures_json)
        positional = [keyed[p] for p in POSITIONAL_PATHS]
        ids = rnd.id, body_id, version.id
    engine.dispose()
    _migrate(url, "0002", down=True)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE versions SET figures_json = :figures WHERE id = :id"), {"figures": json.dumps(positional), "id": ids[2]})
    engine.dispose()
    return (*ids, positional)


def test_positional_figures_are_keyed_by_0003_and_still_show_and_zip(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    round_id, body_id, version_id, positional = _accepted_body_at_0002(db_url, clock)
    assert any(v != "0" for v in positional)

    app = create_app(Settings(db_url, clock=clock))  # upgrades to head on start
    try:
        portal = app.state.portal
        with portal.session() as db:
            # 0008 gives every county account made before it both business duties; the office
            # then names its 安全管理员 and 审计管理员 (here: gives the two their duty back).
            admins = dict(db.execute(select(User.username, User.duties).where(User.role == "admin")).all())
            assert set(admins.values()) == {"system,reviewer"}, admins
            for user in db.scalars(select(User).where(User.username.in_(["anquan", "shenji"]))):
                user.duties = "security" if user.username == "anquan" else "auditor"
            db.commit()
            version = db.get(Version, version_id)
            expected = dict(zip(POSITIONAL_PATHS, positional, strict=True))
            assert json.loads(version.figures_json) == expected
            shown = figures.figures_of(version)
            assert {p: shown[p] for p in expected} == expected
            assert all(shown[p] == "0" for p in set(TABLE_PATHS) - set(expected))  # rows added since
            count, sums = exports.totals(db, round_id)
            assert count == 1 and {p: str(sums[p]) for p in expected} == expected

        county = admin_client(app)
        page = county.get(f"/b/{body_id}/v/{version_id}")
        new_total = positional[POSITIONAL_PATHS.index("requests.new.total")]
        assert f'data-path="requests.new.total" class="num">{new_total}<' in page.text
        totals = county.get(f"/county/rounds/{round_id}/totals")
        assert f'data-path="requests.new.total" class="num">{new_total}<' in totals.text
        z = county.get(f"/county/rounds/{round_id}/download.zip")
        assert z.status_code == 200
        assert "东山镇人民政府2025年政府信息公开工作年度报告.docx" in zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    finally:
        app.state.portal.engine.dispose()

    # And back: downgrade writes the list again, in the frozen order.
    _migrate(db_url, "0002", down=True)
    engine = make_engine(db_url)
    with session_factory(engine)() as db:
        assert json.loads(db.get(Version, version_id).figures_json) == positional
    engine.dispose()


def test_a_path_missing_from_a_stored_version_reads_as_zero(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    """A row added to the format after a version was stored: the version lacks its path."""
    with portal.session() as db:
        admin = actors.system_actor(db)
        body_id = world.bodies["东山镇"]
        filer = actors.Actor(db.scalar(select(User).where(User.body_id == body_id)), "test")
        version = uploads.upload_version(db, filer, body_id, "东山镇.xlsx", sample_bytes("东山镇"))
        stored = json.loads(version.figures_json)
        assert set(stored) == set(TABLE_PATHS)
        gone = "requests.new.total"
        del stored[gone]
        stored["requests.a_row_removed_later.total"] = "5"  # and a path the format no longer has is ignored
        version.figures_json = json.dumps(stored)
        db.commit()
        assert figures.figures_of(version)[gone] == "0"
        assert list(figures.figures_of(version)) == list(TABLE_PATHS)
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, body_id, version_id=version.id, leader="李镇长", signed_on=dt.date(2026, 1, 9), explanations=explanations)
        count, sums = exports.totals(db, world.round_id, "submitted")
        assert count == 1 and sums[gone] == 0
        assert admin.is_admin
