"""在线填报: the body's report written in the browser, as a form over the library's model.

The form is :mod:`gongkai.formdata` (the workbook's cells by key); a save goes through
exactly the path an upload takes (:func:`.uploads.upload_version`, with the report's
canonical JSON), so an online version is checked, stored, hashed and logged like any other,
and every rule runs once, in the library. The editor starts from the body's latest version,
or for a body with none from the round's pre-fill (last year's carry-over and texts).

Two tabs or two people on one body: a save names the version it started from; when another
version has been stored since, the save is refused (409) and the page keeps what was typed.

Drafts: the page's script autosaves the form as the body's one draft (:func:`save_draft`), which
the editor starts from when it is based on the latest version (:func:`start`); saving a version
deletes it. A draft is never a version: nothing is checked into the history, submitted or
exported from it. The live check (:func:`live_check`) is :func:`check` as JSON, with the
computed totals of tables 二/三/四 and the sentences the report prints for empty parts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..checks import check_report
from ..checks.labels import NARRATIVE_FIELDS, narrative_text
from ..county import prefill
from ..findings import Finding, sort_findings
from ..formdata import FormProblem, form_fields, form_values, read_form
from ..jsonio import report_to_json
from ..model import LastYear, Report
from ..results import table_figures
from .actors import Actor
from .db import BodyRow, DraftRow, Version
from .errors import PortalError
from .queries import (
    body_for,
    latest_submission,
    latest_version,
    previous_body,
    report_of,
    round_of,
    version_for,
)
from .roster import as_portal_body, body_model
from .uploads import _SQLITE_WRITER, upload_version
from .workflow import BodyState, is_locked

ONLINE_FILENAME = "在线填报.json"


@dataclass
class Draft:
    """What the editor shows: the report, the version it started from (0: none yet), the
    findings of the library's checks, and problems with values that could not be read."""

    report: Report
    base: int
    findings: list[Finding] = field(default_factory=list)
    problems: list[FormProblem] = field(default_factory=list)
    restored_at: dt.datetime | None = None  # started from the autosaved draft of this time
    values: dict[str, str] | None = None  # the draft's fields as typed (when restored)
    opened: int | None = None  # the older version opened in the editor, when not the latest


def start(db: Session, actor: Actor, body_id: int, version_id: int | None = None) -> Draft:
    """The editor's starting point for ``body_id``: the autosaved draft when it is based on
    the latest version, else the latest version, or for a body with none the pre-fill.
    ``version_id`` opens that version instead (any of the body's; another body's is a 404):
    saving it makes a new version on top of the latest, so nothing is overwritten."""
    row = body_for(db, actor, body_id)
    version = latest_version(db, row.id)
    number = version.number if version is not None else 0
    if version_id is not None:
        opened = version_for(db, actor, row.id, version_id)[1]
        report = report_of(opened)
        return Draft(report, number, sort_findings(check_report(report)), opened=opened.number)
    saved = db.scalar(select(DraftRow).where(DraftRow.body_id == row.id))
    if saved is not None and saved.base == number:
        values = {k: v for k, v in json.loads(saved.values_json).items() if isinstance(v, str)}
        restored = check(db, actor, body_id, values, number)
        restored.restored_at, restored.values = saved.updated_at, {**form_values(restored.report), **values}
        return restored
    report = report_of(version) if version is not None else _prefilled(db, row)
    return Draft(report, number, sort_findings(check_report(report)))


def _prefilled(db: Session, row: BodyRow) -> Report:
    rnd = round_of(db, row)
    last = LastYear.model_validate_json(row.last_year_json) if row.last_year_json else None
    return prefill(body_model(row, rnd.year), last)


def check(db: Session, actor: Actor, body_id: int, values: Mapping[str, str], base: int) -> Draft:
    """The posted form read and checked, nothing stored: what 核对 shows."""
    row = body_for(db, actor, body_id)
    start_from = _base_report(db, row, base)
    try:
        report = read_form(values, start_from)
    except ValueError as exc:
        problems = getattr(exc, "problems", [])
        return Draft(start_from, base, problems=problems)
    as_portal_body(report, row, round_of(db, row).year)
    return Draft(report, base, sort_findings(check_report(report)))


def save(db: Session, actor: Actor, body_id: int, values: Mapping[str, str], base: int) -> Version:
    """保存为新版本: the posted form stored as a new version, exactly as an upload of its JSON.
    Refused (409) when another version was stored after the one the editor started from."""
    row = body_for(db, actor, body_id)  # first: a county duty that sees no body gets 404 here
    if actor.is_admin:
        raise PortalError("县政务公开办只能查看在线填报的内容，不能代为填写。", 403)
    if (number := _saved_since(db, row, base)) is not None:
        raise PortalError(
            f"保存未成功：你开始编辑后，本单位又保存了第 {number} 版（可能在另一个窗口或由同事保存）。"
            "你填写的内容仍在下面，没有丢失；请先打开最新版本核对，再决定是否保存。",
            409,
        )
    draft = check(db, actor, body_id, values, base)
    if draft.problems:
        raise PortalError("有单元格填写的内容无效，未保存：" + "；".join(f"{p.label}：{p.message}" for p in draft.problems), 422)
    version = upload_version(db, actor, row.id, ONLINE_FILENAME, report_to_json(draft.report).encode("utf-8"))
    db.query(DraftRow).filter(DraftRow.body_id == row.id).delete()  # the version holds it now
    db.commit()
    return version


def _saved_since(db: Session, row: BodyRow, base: int) -> int | None:
    """The latest version's number when a version was stored after ``base`` (0: none yet),
    else None: what makes a save or a draft from an older page stale."""
    latest = latest_version(db, row.id)
    number = latest.number if latest else 0
    return number if number != base else None


def editable_body(db: Session, actor: Actor, body_id: int) -> BodyRow:
    """The body, if ``actor`` may write its draft or run its live check: its own 填报人 (another
    body: 404; the county: 403), while the body is open and the round not closed (else 409)."""
    row = body_for(db, actor, body_id)  # first: a county duty that sees no body gets 404 here
    if actor.is_admin:
        raise PortalError("县政务公开办只能查看在线填报的内容，不能代为填写。", 403)
    if row.removed_at is not None:
        raise PortalError(f"{row.name} 已从本报送年度移除，不能再填写。", 409)
    if round_of(db, row).closed_at is not None:
        raise PortalError("本报送年度已关闭，不能再填写。", 409)
    if is_locked(row.state):
        raise PortalError(
            "报告已提交，县政务公开办退回之前不能修改。" if row.state == BodyState.SUBMITTED else "报告已通过审核，不能修改。", 409
        )
    return row


def save_draft(db: Session, actor: Actor, body_id: int, values: Mapping[str, str], base: int) -> DraftRow:
    """The body's one draft overwritten with ``values`` (the form's fields only). Refused (409)
    when a version was stored after ``base``: that draft would start from an old version."""
    row = editable_body(db, actor, body_id)
    if (number := _saved_since(db, row, base)) is not None:
        raise PortalError(
            f"草稿未保存：本单位已保存第 {number} 版（可能在另一个窗口或由同事保存）。"
            "本页填写的内容仍在，请复制留存后打开最新版本。",
            409,
        )
    paths = editable_paths()
    text = json.dumps({k: v for k, v in values.items() if k in paths}, ensure_ascii=False)
    assert actor.user is not None  # body_for refused nobody
    with _SQLITE_WRITER if db.get_bind().dialect.name == "sqlite" else contextlib.nullcontext():
        for attempt in (1, 2):  # two first autosaves racing: the loser updates the winner's row
            saved = db.scalar(select(DraftRow).where(DraftRow.body_id == row.id))
            if saved is None:
                saved = DraftRow(body_id=row.id, values_json=text, base=base, updated_at=actor.now(), user_id=actor.user.id)
                db.add(saved)
            else:
                saved.values_json, saved.base, saved.updated_at, saved.user_id = text, base, actor.now(), actor.user.id
            try:
                db.commit()
                return saved
            except IntegrityError:
                db.rollback()
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")


def live_check(db: Session, actor: Actor, body_id: int, values: Mapping[str, str], base: int) -> dict[str, Any]:
    """The live check as JSON: the library's findings, the values it could not read, the
    computed totals (every figure of tables 二/三/四 the form has no input for) and the
    sentences the report prints for each narrative part left empty."""
    from .views import default_texts

    editable_body(db, actor, body_id)
    draft = check(db, actor, body_id, values, base)
    paths = editable_paths()
    return {
        "findings": [
            {"rule": f.rule, "severity": f.severity, "message": f.message, "hint": f.hint, "path": f.path} for f in draft.findings
        ],
        "problems": [{"path": p.path, "label": p.label, "message": p.message} for p in draft.problems],
        "totals": {p: str(v) for p, v in table_figures(draft.report).items() if p not in paths} if not draft.problems else {},
        "defaults": default_texts(draft.report),
    }


def last_year_texts(db: Session, row: BodyRow) -> dict[str, str]:
    """Last year's text of each narrative part, for reference beside the editor: the round's
    上年数据 (improvements and other matters), and when the round follows an earlier one, the
    version the body submitted there (every part; the accepted one where it was accepted)."""
    texts: dict[str, str] = {}
    if row.last_year_json:
        last = LastYear.model_validate_json(row.last_year_json)
        for path in NARRATIVE_FIELDS:
            if path.startswith(("improvements.", "other_matters.")):
                with contextlib.suppress(AttributeError):
                    texts[path] = narrative_text(last, path)
    old = previous_body(db, row)
    submission = latest_submission(db, old.id) if old is not None else None
    version = db.get(Version, submission.version_id) if submission is not None else None
    if version is not None:
        report = report_of(version)
        for path in NARRATIVE_FIELDS:
            with contextlib.suppress(AttributeError):
                texts[path] = narrative_text(report, path)
    return {p: t for p, t in texts.items() if t.strip()}


def _base_report(db: Session, row: BodyRow, base: int) -> Report:
    if base:
        version = db.query(Version).filter(Version.body_id == row.id, Version.number == base).one_or_none()
        if version is not None:
            return report_of(version)
    return _prefilled(db, row)


@functools.cache
def editable_paths() -> frozenset[str]:
    return frozenset(s.path for s in form_fields())
