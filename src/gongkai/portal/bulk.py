"""通过 or 退回 on the bodies the county ticked on the round's dashboard.

Each body goes through :func:`.workflow.accept` / :func:`.workflow.return_`, one at a time,
so each decision is logged and committed like one made on the body's own page; a body whose
state the transition table does not allow the action in is skipped and named, never an error
for the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from .actors import Actor, require_admin
from .dashboard import STATUS_NAMES, body_status
from .db import BodyRow, Round
from .errors import NotFound, PortalError
from .limits import MAX_REASON, bounded
from .queries import bodies, get_round, latest_version
from .workflow import Action, accept, allowed, return_

ACTIONS: dict[str, Action] = {"accept": Action.ACCEPT, "return": Action.RETURN}
DONE_WORDS = {"accept": "通过", "return": "退回"}
MAX_TICKED = 5000  # far more than any county has bodies; bounds the query string of the answer


@dataclass
class BulkResult:
    action: str  # a key of ACTIONS
    done: list[BodyRow] = field(default_factory=list)
    skipped: list[tuple[BodyRow, str]] = field(default_factory=list)  # the body and why

    def query(self) -> str:
        """The redirect's query string, from which the round page tells what was done."""
        done = ".".join(str(b.id) for b in self.done)
        skipped = ".".join(str(b.id) for b, _ in self.skipped)
        return f"bulk={self.action}&bulk_done={done}&bulk_skipped={skipped}"


def bulk_review(db: Session, actor: Actor, round_id: int, action: str, body_ids: list[int], reason: str) -> BulkResult:
    """Apply ``action`` (``accept`` or ``return``) to the ticked bodies of the round.

    A ticked id that is not on this round is a forged form (404); the reason is checked once,
    before any body changes, so a refusal leaves every body as it was.
    """
    require_admin(actor)
    rnd = get_round(db, actor, round_id)
    if action not in ACTIONS:
        raise NotFound()
    if not body_ids:
        raise PortalError("请先勾选要处理的单位。")
    reason = bounded(reason, MAX_REASON, "原因").strip()
    if action == "return" and not reason:
        raise PortalError("批量退回请写明退回原因。")
    on_round = {b.id: b for b in bodies(db, rnd.id, removed=True)}
    if any(i not in on_round for i in body_ids):
        raise NotFound()
    result = BulkResult(action)
    wanted = ACTIONS[action]
    for body_id in dict.fromkeys(body_ids):  # in the order ticked, each once
        row = on_round[body_id]
        if row.removed_at is not None:
            result.skipped.append((row, "已移除"))
            continue
        if wanted not in allowed(row.state):
            result.skipped.append((row, STATUS_NAMES[body_status(row, latest_version(db, row.id))]))
            continue
        try:
            if wanted == Action.ACCEPT:
                accept(db, actor, row.id, reason)
            else:
                return_(db, actor, row.id, reason, [])
        except PortalError as exc:  # another county user decided it a moment ago
            db.rollback()
            result.skipped.append((row, str(exc).rstrip("。")))
            continue
        result.done.append(row)
    return result


def _ids(text: str) -> list[int]:
    parts = text.split(".")[:MAX_TICKED] if text else []
    return [int(p) for p in parts if p.isascii() and p.isdigit() and len(p) <= 10]


def result_message(db: Session, rnd: Round, query: Mapping[str, str]) -> str:
    """What the round page says after a bulk decision: how many bodies were decided, and
    which were skipped, by name, with their state (read from the redirect's query)."""
    action = query.get("bulk", "")
    if action not in ACTIONS:
        return ""
    by_id = {b.id: b for b in bodies(db, rnd.id, removed=True)}
    done = [by_id[i] for i in _ids(query.get("bulk_done", "")) if i in by_id]
    skipped = [by_id[i] for i in _ids(query.get("bulk_skipped", "")) if i in by_id]
    word = DONE_WORDS[action]
    parts = [f"已{word} {len(done)} 个单位" + (f"：{'、'.join(b.name for b in done)}。" if done else "。")]
    if skipped:
        refusal = "只有已提交的报告可以" + word
        named = "、".join(f"{b.name}（{_state_word(db, b)}）" for b in skipped)
        parts.append(f"跳过 {len(skipped)} 个单位（{refusal}）：{named}。")
    return "".join(parts)


def _state_word(db: Session, row: BodyRow) -> str:
    if row.removed_at is not None:
        return "已移除"
    return STATUS_NAMES[body_status(row, latest_version(db, row.id))]
