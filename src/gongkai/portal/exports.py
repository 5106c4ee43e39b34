"""What the county downloads for a round: 催报名单, the county totals, 一键下载 (the zip)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from sqlalchemy.orm import Session

from ..batch import BatchResult, BodyResult, run_batch
from ..rendering import safe_filename
from ..sources import ReportSource
from ..summary import heading_row
from ..writing import BATCH_WRITERS
from ..xlsx_text import append_row
from .actors import Actor
from .auditlog import audit
from .dashboard import dashboard
from .db import BodyRow, Submission, Version
from .errors import PortalError
from .figures import figure_values
from .localtime import when, zone_label
from .queries import (
    account_of,
    best_version,
    blob_data,
    bodies,
    findings_of,
    get_round,
    latest_submission,
    latest_version,
)
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


SUBMITTED_MARK = "（已提交未审核）"  # in the names of a submitted-but-not-accepted body's files in the zip
SOURCES_FOLDER = "填报表"  # the files the reports were read from: 汇总's 文件 column names them


def pdf_available() -> bool:
    """Whether this server can make PDFs (LibreOffice installed), so the zip may offer them."""
    from ..pdf import find_soffice

    return find_soffice() is not None


def download_zip(
    db: Session, actor: Actor, round_id: int, *, pdf: bool = False, html: bool = False, submitted: bool = False
) -> tuple[str, bytes]:
    """一键下载: each accepted body's submitted file (with ``submitted`` also each body submitted
    but not yet accepted, its files marked :data:`SUBMITTED_MARK`) run through
    :func:`gongkai.run_batch` (Word reports, PDFs with ``pdf``, 汇总.xlsx, 核对报告.md, 汇总.html
    — the very files ``gongkai batch`` writes for the same workbooks), the files read in
    填报表/, the stamped copies, and 提交情况.xlsx (签发人, 签发日期, each warning's 说明).

    The summaries are written after the marked files are renamed, so 汇总 names exactly the
    files the zip holds."""
    rnd = get_round(db, actor, round_id)
    wanted = (BodyState.ACCEPTED, BodyState.SUBMITTED) if submitted else (BodyState.ACCEPTED,)
    chosen = [b for b in bodies(db, rnd.id) if b.state in wanted]
    if not chosen:
        raise PortalError("还没有已提交或通过审核的单位，没有可下载的报告。" if submitted else "还没有通过审核的单位，没有可下载的报告。", 409)
    if pdf and not pdf_available():
        raise PortalError("本服务器没有安装 LibreOffice，不能生成 PDF；请不勾选“同时生成 PDF”再下载。", 409)
    buffer = io.BytesIO()
    uploads: list[ReportSource] = []
    extra: list[tuple[str, bytes]] = []
    marked: set[str] = set()  # source names of the submitted-but-not-accepted bodies
    sheet_rows: list[_Handed] = []
    for body in chosen:
        version = best_version(db, body)
        assert version is not None
        mark = SUBMITTED_MARK if body.state == BodyState.SUBMITTED else ""
        source = f"{safe_filename(body.name)}{mark}{version.kind}"
        data = blob_data(db, version.blob_id)
        uploads.append(ReportSource(source, data=data, body=body_model(body, rnd.year)))
        extra.append((f"{SOURCES_FOLDER}/{source}", data))
        if mark:
            marked.add(source)
        sub = latest_submission(db, body.id)
        stamp_name = ""
        if sub is not None and sub.stamped_blob_id is not None:
            stamp_name = f"盖章件/{safe_filename(body.name)}{rnd.year}年度报告盖章件{mark}.pdf"
            extra.append((stamp_name, blob_data(db, sub.stamped_blob_id)))
        sheet_rows.append(_Handed(body, version, sub, source, stamp_name))
    with tempfile.TemporaryDirectory(prefix="gongkai-zip-") as tmp:
        out = Path(tmp) / "输出"
        batch = run_batch(uploads, out, jobs=1, year=rnd.year, pdf=pdf, html=html, summary=False)
        for r in batch.results:
            if r.source.name in marked:
                _mark_files(r)
        batch.summary_path = BATCH_WRITERS["summary_xlsx"](batch, out / "汇总.xlsx")
        batch.report_path = BATCH_WRITERS["check_md"](batch, out / "核对报告.md")
        batch.page_path = BATCH_WRITERS["summary_html"](batch, out / "汇总.html")
        outputs = {r.source.name: r for r in batch.results}
        extra.append(("提交情况.xlsx", _handed_workbook(sheet_rows, outputs, actor, rnd.year)))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(out.iterdir()):
                if path.is_file():
                    z.write(path, path.name)
            for name, data in extra:
                z.writestr(name, data)
    pending = len(marked)
    audit(db, actor, "download", f"{rnd.title} 一键下载（{len(chosen)} 个单位{f'，其中 {pending} 个已提交未审核' if pending else ''}）")
    db.commit()
    return f"{rnd.year}年度政府信息公开工作年度报告.zip", buffer.getvalue()


def _mark_files(result: BodyResult) -> None:
    """Rename a submitted-but-not-accepted body's report files to carry :data:`SUBMITTED_MARK`."""
    if result.output is None:
        return
    renamed = result.output.with_name(f"{result.output.stem}{SUBMITTED_MARK}{result.output.suffix}")
    result.output.rename(renamed)
    result.output = renamed
    for suffix, path in list(result.extras.items()):
        target = renamed.with_suffix(suffix)
        path.rename(target)
        result.extras[suffix] = target


@dataclass
class _Handed:
    """One body in the zip: what the county has of it, for 提交情况.xlsx."""

    body: BodyRow
    version: Version
    submission: Submission | None
    source: str
    stamped: str  # its path in the zip, or ""


def _handed_workbook(rows: list[_Handed], outputs: dict[str, BodyResult], actor: Actor, year: int) -> bytes:
    """提交情况.xlsx: per body its state, 签发人 and 签发日期, the files in the zip, and each
    warning with the 说明 its clerk wrote when submitting (a sheet of its own, one row each)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "提交情况"
    heading_row(
        ws,
        ["机关全称", "状态", "提交的版本", f"提交时间（{zone_label(actor.zone)}）", "签发人", "签发日期", "警告", "警告及说明", "报告文件", "填报表", "盖章件"],
        [30, 14, 10, 18, 12, 12, 6, 60, 40, 30, 36],
    )
    notes = wb.create_sheet("警告说明")
    heading_row(notes, ["机关全称", "规则", "位置", "警告", "说明"], [30, 8, 18, 60, 50])
    for h in rows:
        sub = h.submission
        explained: dict[str, str] = json.loads(sub.explanations_json) if sub is not None else {}
        lines = []
        for i, f in enumerate(findings_of(h.version)):
            if f.severity != "warning":
                continue
            note = explained.get(str(i), "")
            lines.append(f"{f.rule} {f.message}——说明：{note or '（未填写）'}")
            append_row(notes, [h.body.name, f.rule, f.location, f.message, note])
        result = outputs.get(h.source)
        files = "、".join(p.name for p in (result.output, *result.extras.values()) if p is not None) if result else ""
        append_row(ws, [
            h.body.name, "已通过" if h.body.state == BodyState.ACCEPTED else "已提交未审核",
            f"第 {h.version.number} 版", when(sub.submitted_at, actor.zone) if sub else "",
            sub.leader if sub else "", f"{sub.signed_on}" if sub else "", len(lines), "\n".join(lines),
            files or (result.outcome if result else ""), f"{SOURCES_FOLDER}/{h.source}", h.stamped or "无",
        ])
    for sheet, column in ((ws, 8), (notes, 5)):
        for row in sheet.iter_rows(min_row=2):
            row[column - 1].alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(wb)
