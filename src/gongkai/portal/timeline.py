"""提交和审核记录: a body's versions, submissions and reviews as one story in time order,
each entry naming the version it is about."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from .db import Review, Submission, Version
from .pointing import target_label

_REVIEW_WORDS = {"return": "退回", "accept": "通过", "reopen": "重新打开"}
_ORDER = {"version": 0, "submit": 1, "review": 2}  # one instant: stored, then submitted, then decided


@dataclass
class Event:
    at: dt.datetime
    kind: str  # version | submit | review (return/accept/reopen in ``action``)
    text: str
    version: int | None = None  # the version's number the entry is about
    action: str = ""
    notes: list[str] = field(default_factory=list)  # warning explanations, pointed cells
    submission_id: int | None = None
    stamped: bool = False


def timeline(versions: list[Version], submissions: list[Submission], reviews: list[Review]) -> list[Event]:
    """Every version stored, every submission and every review, oldest first."""
    number = {v.id: v.number for v in versions}
    events = [
        Event(v.created_at, "version", f"{'在线填写保存' if v.filename == '在线填报.json' else '上传'}第 {v.number} 版（{v.filename}）", v.number)
        for v in versions
    ]
    for s in submissions:
        explained = [f"警告说明：{text}" for text in json.loads(s.explanations_json).values()]
        events.append(
            Event(
                s.submitted_at, "submit", f"提交第 {number.get(s.version_id, '?')} 版（签发人 {s.leader}，签发日期 {s.signed_on}）",
                number.get(s.version_id), "submit", explained, s.id, s.stamped_blob_id is not None,
            )
        )
    for r in reviews:
        handed = [s for s in submissions if s.submitted_at <= r.created_at]
        about = number.get(max(handed, key=lambda s: s.submitted_at).version_id) if handed else None
        word = _REVIEW_WORDS.get(r.action, r.action)
        text = f"{word}第 {about} 版" if about else word
        pointed = [f"指出：{target_label(c)}" for c in json.loads(r.cells_json)]
        events.append(Event(r.created_at, "review", text + (f"：{r.reason}" if r.reason else ""), about, r.action, pointed))
    return sorted(events, key=lambda e: (e.at, _ORDER[e.kind]))
