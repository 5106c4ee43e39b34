"""The county's view of a round: each body's status, counts and lateness."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .db import BodyRow, Round, Version
from .localtime import DEFAULT_ZONE, end_of_day
from .queries import bodies, latest_version
from .workflow import BodyState, is_locked

# What the county sees for each body, in the order of the dashboard's counters: an open body
# by how far its clerk has got, any other by its workflow state.
STATUS_NAMES: dict[str, str] = {
    "not_downloaded": "未下载",
    "not_uploaded": "未上传",
    "has_errors": "有错误",
    "ready": "可提交",
    BodyState.SUBMITTED.value: "已提交",
    BodyState.RETURNED.value: "已退回",
    BodyState.ACCEPTED.value: "已通过",
}


@dataclass
class DashboardRow:
    body: BodyRow
    status: str  # a key of STATUS_NAMES
    errors: int | None
    warnings: int | None
    last_upload: dt.datetime | None
    submitted_at: dt.datetime | None
    late: bool | None  # None: no deadline, or not yet due

    @property
    def status_label(self) -> str:
        return STATUS_NAMES[self.status]


def body_status(body: BodyRow, latest: Version | None) -> str:
    if body.state != BodyState.OPEN:
        return BodyState(body.state).value
    if latest is None:
        return "not_uploaded" if body.downloaded_at else "not_downloaded"
    return "has_errors" if latest.errors else "ready"


def dashboard(db: Session, rnd: Round, now: dt.datetime, zone: str = DEFAULT_ZONE) -> list[DashboardRow]:
    """Each body's row; ``now`` is stored (UTC) time, the deadline a local day of ``zone``."""
    rows = []
    due = end_of_day(rnd.deadline, zone) if rnd.deadline else None
    for body in bodies(db, rnd.id):
        latest = latest_version(db, body.id)
        status = body_status(body, latest)
        handed_in = is_locked(body.state)  # submitted, or accepted since
        late: bool | None = None
        if due is not None:
            if body.submitted_at is not None and handed_in:
                late = body.submitted_at > due
            elif now > due:
                late = True
        rows.append(
            DashboardRow(
                body, status, latest.errors if latest else None, latest.warnings if latest else None,
                latest.created_at if latest else None, body.submitted_at if handed_in else None, late,
            )
        )
    return rows


def matches(body: BodyRow, search: str) -> bool:
    """The dashboard's name search: a part of the 全称 or the 简称 (any case, for Latin letters)."""
    if not search:
        return True
    needle = search.casefold()
    return needle in body.name.casefold() or needle in (body.short_name or "").casefold()


def previous_round(db: Session, rnd: Round) -> Round | None:
    """The round this one takes last year's figures from, when it was linked to one."""
    return db.get(Round, rnd.previous_round_id) if rnd.previous_round_id else None
