"""在线填报: the body's report written in the browser, as a form over the library's model.

The form is :mod:`gongkai.formdata` (the workbook's cells by key); a save goes through
exactly the path an upload takes (:func:`.uploads.upload_version`, with the report's
canonical JSON), so an online version is checked, stored, hashed and logged like any other,
and every rule runs once, in the library. The editor starts from the body's latest version,
or for a body with none from the round's pre-fill (last year's carry-over and texts).

Two tabs or two people on one body: a save names the version it started from; when another
version has been stored since, the save is refused (409) and the page keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..checks import check_report
from ..county import prefill
from ..findings import Finding, sort_findings
from ..formdata import FormProblem, form_fields, read_form
from ..jsonio import report_to_json
from ..model import LastYear, Report
from .actors import Actor
from .db import BodyRow, Version
from .errors import PortalError
from .queries import body_for, latest_version, report_of, round_of
from .roster import as_portal_body, body_model
from .uploads import upload_version

ONLINE_FILENAME = "在线填报.json"


@dataclass
class Draft:
    """What the editor shows: the report, the version it started from (0: none yet), the
    findings of the library's checks, and problems with values that could not be read."""

    report: Report
    base: int
    findings: list[Finding] = field(default_factory=list)
    problems: list[FormProblem] = field(default_factory=list)


def start(db: Session, actor: Actor, body_id: int) -> Draft:
    """The editor's starting point for ``body_id``: its latest version, or the pre-fill."""
    row = body_for(db, actor, body_id)
    version = latest_version(db, row.id)
    report = report_of(version) if version is not None else _prefilled(db, row)
    return Draft(report, version.number if version is not None else 0, sort_findings(check_report(report)))


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
    if actor.is_admin:
        raise PortalError("县政务公开办只能查看在线填报的内容，不能代为填写。", 403)
    row = body_for(db, actor, body_id)
    latest = latest_version(db, row.id)
    if (latest.number if latest else 0) != base:
        raise PortalError(
            f"保存未成功：你开始编辑后，本单位又保存了第 {latest.number if latest else 0} 版（可能在另一个窗口或由同事保存）。"
            "你填写的内容仍在下面，没有丢失；请先打开最新版本核对，再决定是否保存。",
            409,
        )
    draft = check(db, actor, body_id, values, base)
    if draft.problems:
        raise PortalError("有单元格填写的内容无效，未保存：" + "；".join(f"{p.label}：{p.message}" for p in draft.problems), 422)
    return upload_version(db, actor, row.id, ONLINE_FILENAME, report_to_json(draft.report).encode("utf-8"))


def _base_report(db: Session, row: BodyRow, base: int) -> Report:
    if base:
        version = db.query(Version).filter(Version.body_id == row.id, Version.number == base).one_or_none()
        if version is not None:
            return report_of(version)
    return _prefilled(db, row)


def editable_paths() -> frozenset[str]:
    return frozenset(s.path for s in form_fields())
