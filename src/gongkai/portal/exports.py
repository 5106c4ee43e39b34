"""What the county downloads for a round: 催报名单, the county totals, 一键下载 (the zip)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.orm import Session

from ..batch import BatchResult, BodyResult, run_batch
from ..rendering import safe_filename
from ..sources import ReportSource
from ..xlsx_text import append_row
from .actors import Actor
from .auditlog import audit
from .dashboard import dashboard
from .db import Version
from .errors import PortalError
from .figures import figure_values
from .localtime import when, zone_label
from .queries import account_of, best_version, blob_data, bodies, get_round, latest_submission, latest_version
from .roster import body_model
from .workbooks import workbook_bytes
from .workflow import BodyState, is_locked


def _contact(version: Version | None) -> tuple[str, str]:
    """The contact (联系单位, often a person's name) and phone the body's latest report gives."""
    if version is None:
        return "", ""
    try:
        preamble = json.loads(version.report_json).get("preamble") or {}
    except (ValueError, AttributeError):
        return "", ""
    contact, phone = preamble.get("contact"), preamble.get("phone")
    return (contact if isinstance(contact, str) else "", phone if isinstance(phone, str) else "")


def chase_workbook(db: Session, actor: Actor, round_id: int) -> tuple[str, bytes]:
    """催报名单.xlsx: every body not yet submitted, with its status, contact account, and the
    contact and phone from its latest report (blank when it has none)."""
    rnd = get_round(db, actor, round_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "催报名单"
    append_row(ws, ["机关全称", "简称", "状态", "错误", "警告", f"最后上传（{zone_label(actor.zone)}）", "截止日期", "用户名", "联系人（联系单位）", "联系电话"])
    for r in dashboard(db, rnd, actor.now(), actor.zone):
        if is_locked(r.body.state):
            continue
        user = account_of(db, r.body.id)
        contact, phone = _contact(latest_version(db, r.body.id))
        append_row(ws, [
            r.body.name, r.body.short_name, r.status_label, r.errors if r.errors is not None else "",
            r.warnings if r.warnings is not None else "", when(r.last_upload, actor.zone) if r.last_upload else "",
            f"{rnd.deadline}" if rnd.deadline else "", user.username if user else "", contact, phone,
        ])
    for col, width in zip("ABCDEFGHIJ", (36, 14, 10, 8, 8, 18, 12, 14, 20, 16), strict=True):
        ws.column_dimensions[col].width = width
    audit(db, actor, "download", f"{rnd.title} 催报名单")
    db.commit()
    return f"{rnd.year}年度催报名单.xlsx", workbook_bytes(wb)


def totals(db: Session, round_id: int, scope: str = "accepted") -> tuple[int, dict[str, int | Decimal]]:
    """County totals of tables 二/三/四 over the accepted (or all submitted) bodies, summed by
    the batch's own code (:meth:`gongkai.batch.BatchResult.totals`)."""
    # tuples, not sets: a str Enum member hashes by its name, so `"accepted" in {BodyState.ACCEPTED}` is false
    counted = (BodyState.ACCEPTED,) if scope == "accepted" else (BodyState.SUBMITTED, BodyState.ACCEPTED)
    results = []
    for body in bodies(db, round_id):
        if body.state in counted and (version := best_version(db, body)) is not None:
            results.append(BodyResult(Path(body.name), "rendered", figures=figure_values(version)))
    return len(results), BatchResult(results, Path("."), None).totals()


def download_zip(db: Session, actor: Actor, round_id: int, *, pdf: bool = False, html: bool = False) -> tuple[str, bytes]:
    """一键下载: each accepted body's submitted file run through :func:`gongkai.run_batch`
    (Word reports, 汇总.xlsx, 核对报告.md, 汇总.html — the very files ``gongkai batch`` writes
    for the same workbooks), plus the stamped copies."""
    rnd = get_round(db, actor, round_id)
    accepted = [b for b in bodies(db, rnd.id) if b.state == BodyState.ACCEPTED]
    if not accepted:
        raise PortalError("还没有通过审核的单位，没有可下载的报告。", 409)
    buffer = io.BytesIO()
    uploads: list[ReportSource] = []
    stamped: list[tuple[str, bytes]] = []
    for body in accepted:
        version = best_version(db, body)
        assert version is not None
        uploads.append(
            ReportSource(f"{safe_filename(body.name)}{version.kind}", data=blob_data(db, version.blob_id), body=body_model(body, rnd.year))
        )
        sub = latest_submission(db, body.id)
        if sub is not None and sub.stamped_blob_id is not None:
            stamped.append((f"盖章件/{safe_filename(body.name)}{rnd.year}年度报告盖章件.pdf", blob_data(db, sub.stamped_blob_id)))
    with tempfile.TemporaryDirectory(prefix="gongkai-zip-") as tmp:
        out = Path(tmp) / "输出"
        run_batch(uploads, out, jobs=1, year=rnd.year, pdf=pdf, html=html)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(out.iterdir()):
                if path.is_file():
                    z.write(path, path.name)
            for name, data in stamped:
                z.writestr(name, data)
    audit(db, actor, "download", f"{rnd.title} 一键下载（{len(accepted)} 个单位）")
    db.commit()
    return f"{rnd.year}年度政府信息公开工作年度报告.zip", buffer.getvalue()
