"""A body's way through a round: 提交, 退回, 通过, 重新打开.

One table, :data:`TRANSITIONS`, says which action may follow which state and what state it
leads to; every use case below, the dashboard and the pages ask it rather than comparing
state names. The states are stored in ``bodies.state`` as the enum's values.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum

from sqlalchemy.orm import Session

from ..findings import has_errors
from ..pdfsafety import stamped_pdf_problem
from .actors import Actor, require_admin
from .auditlog import audit
from .blobs import store_blob
from .db import BodyRow, Review, Submission
from .errors import PortalError
from .limits import DEFAULT_BODY_QUOTA, MAX_EXPLANATION, MAX_NAME, MAX_REASON, bounded, within_quota
from .pointing import checked_targets, target_label
from .queries import body_for, findings_of, latest_version, round_of, version_for


class BodyState(str, Enum):
    OPEN = "open"  # nothing submitted yet: the clerk uploads
    SUBMITTED = "submitted"  # waiting for the county; the clerk can change nothing
    RETURNED = "returned"  # the county gave it back (退回 or 重新打开): the clerk uploads again
    ACCEPTED = "accepted"  # 通过: goes into the county's zip


class Action(str, Enum):
    """Also the ``reviews.action`` and audit-log action names."""

    SUBMIT = "submit"
    RETURN = "return"
    ACCEPT = "accept"
    REOPEN = "reopen"


TRANSITIONS: dict[tuple[BodyState, Action], BodyState] = {
    (BodyState.OPEN, Action.SUBMIT): BodyState.SUBMITTED,
    (BodyState.RETURNED, Action.SUBMIT): BodyState.SUBMITTED,
    (BodyState.SUBMITTED, Action.RETURN): BodyState.RETURNED,
    (BodyState.SUBMITTED, Action.ACCEPT): BodyState.ACCEPTED,
    (BodyState.SUBMITTED, Action.REOPEN): BodyState.RETURNED,
    (BodyState.ACCEPTED, Action.REOPEN): BodyState.RETURNED,
}

# What the user is told when the table has no row for the body's state and the action.
REFUSALS: dict[Action, str] = {
    Action.SUBMIT: "报告已提交，不能重复提交。",
    Action.RETURN: "只有已提交的报告可以退回。",
    Action.ACCEPT: "只有已提交的报告可以通过。",
    Action.REOPEN: "只有已提交或已通过的报告可以重新打开。",
}


def state_of(row: BodyRow) -> BodyState:
    return BodyState(row.state)


def allowed(state: BodyState | str) -> set[Action]:
    """The actions the table allows in ``state`` (for the page's buttons)."""
    return {action for (s, action) in TRANSITIONS if s == state}


def is_locked(state: BodyState | str) -> bool:
    """Submitted or accepted: the clerk may not upload or submit until the county gives it back."""
    return Action.SUBMIT not in allowed(state)


def next_state(row: BodyRow, action: Action) -> BodyState:
    """The state ``action`` leads to from the body's, or a 409 refusal."""
    new = TRANSITIONS.get((state_of(row), action))
    if new is None:
        raise PortalError(REFUSALS[action], 409)
    return new


def submit(
    db: Session,
    actor: Actor,
    body_id: int,
    *,
    version_id: int,
    leader: str,
    signed_on: dt.date,
    explanations: dict[int, str],
    stamped: bytes | None = None,
    quota: int = DEFAULT_BODY_QUOTA,
) -> Submission:
    """提交 the given (latest) version: no errors, a 说明 for each warning, the 签发 leader and
    date, optionally the stamped PDF. The body is locked until the county returns it."""
    row, version = version_for(db, actor, body_id, version_id)
    if actor.is_admin:
        raise PortalError("提交由填报单位完成。", 403)
    new = next_state(row, Action.SUBMIT)
    if (rnd := round_of(db, row)).closed_at is not None:
        raise PortalError(f"{rnd.title}已关闭，不能再提交。", 409)
    latest = latest_version(db, row.id)
    if latest is None or latest.id != version.id:
        raise PortalError("只能提交最新上传的版本。", 409)
    findings = findings_of(version)
    if has_errors(findings):
        raise PortalError(f"还有 {version.errors} 个错误，改正并重新上传后才能提交。", 409)
    warnings = [i for i, f in enumerate(findings) if f.severity == "warning"]
    explanations = {i: bounded(explanations.get(i, ""), MAX_EXPLANATION, f"第 {i + 1} 条警告的说明") for i in warnings}
    missing = [i for i in warnings if not explanations[i]]
    if missing:
        raise PortalError(f"还有 {len(missing)} 条警告没有填写说明，每条警告都需要简要说明。")
    leader = bounded(leader, MAX_NAME, "签发人")
    if not leader:
        raise PortalError("请填写签发人（批准发布报告的领导）。")
    if stamped:
        if problem := stamped_pdf_problem(stamped, "盖章件"):
            raise PortalError(problem, 415)
        within_quota(db, row, len(stamped), quota)
    else:
        stamped = None
    stamped_id = None
    if stamped is not None:
        stamped_id = store_blob(db, stamped).id
    sub = Submission(
        body_id=row.id,
        version_id=version.id,
        user_id=actor.user.id if actor.user else 0,
        submitted_at=actor.now(),
        leader=leader,
        signed_on=signed_on,
        explanations_json=json.dumps({str(i): explanations[i] for i in warnings}, ensure_ascii=False),
        stamped_blob_id=stamped_id,
    )
    db.add(sub)
    row.state = new.value
    row.submitted_at = sub.submitted_at
    audit(db, actor, Action.SUBMIT.value, f"第 {version.number} 版，签发人 {sub.leader}（{signed_on}）{'，附盖章件' if stamped_id else ''}", row.id)
    db.commit()
    return sub


def return_(db: Session, actor: Actor, body_id: int, reason: str, cells: list[str] | None = None) -> Review:
    """退回 with a reason, optionally pointing at findings or cells (``sheet!cell`` or paths)."""
    return _review(db, actor, body_id, Action.RETURN, reason, cells)


def accept(db: Session, actor: Actor, body_id: int, reason: str = "") -> Review:
    """通过: the body's submitted version goes into the county's zip."""
    return _review(db, actor, body_id, Action.ACCEPT, reason, None, need_reason=False)


def reopen(db: Session, actor: Actor, body_id: int, reason: str) -> Review:
    """Give an accepted (or submitted) body back to its clerk."""
    return _review(db, actor, body_id, Action.REOPEN, reason, None)


def _review(
    db: Session, actor: Actor, body_id: int, action: Action, reason: str, cells: list[str] | None, *, need_reason: bool = True
) -> Review:
    require_admin(actor)
    row = body_for(db, actor, body_id)
    new = next_state(row, action)
    reason = bounded(reason, MAX_REASON, "原因")
    if need_reason and not reason:
        raise PortalError("请写明原因。")
    cells = checked_targets(cells or [])
    review = Review(
        body_id=row.id, action=action.value, reason=reason.strip(), cells_json=json.dumps(cells, ensure_ascii=False),
        user_id=actor.user.id if actor.user else 0, created_at=actor.now(),
    )
    db.add(review)
    row.state = new.value
    detail = reason.strip() + (f"（指向：{'、'.join(target_label(c) for c in cells)}）" if cells else "")
    audit(db, actor, action.value, f"{row.name}：{detail}" if detail else row.name, row.id)
    db.commit()
    return review
