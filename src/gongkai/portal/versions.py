"""What a body has stored, read back: a version's file, its preview and Word/PDF report
(rendered once, kept), the stamped copy of a submission, and what changed since the county
last looked."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..docx_writer import render_docx
from ..html.report import render_html
from ..model import Report
from ..pdf import PdfError, convert_to_pdf
from ..rendering import safe_filename
from .actors import Actor
from .auditlog import audit
from .blobs import store_blob
from .db import BodyRow, Rendered, Submission, Version
from .errors import NotFound, PortalError
from .figures import figure_labels, figures_of
from .queries import blob_data, body_for, round_of, version_for
from .roster import as_portal_body
from .uploads import read_upload


def stored_file(db: Session, actor: Actor, body_id: int, version_id: int) -> tuple[str, bytes]:
    row, version = version_for(db, actor, body_id, version_id)
    data = blob_data(db, version.blob_id, actor)  # a file that fails its check is refused, not logged as downloaded
    audit(db, actor, "download", f"第 {version.number} 版原文件 {version.filename}", row.id)
    db.commit()
    return version.filename, data


def _reread(db: Session, row: BodyRow, version: Version, actor: Actor | None = None) -> Report:
    """The version read again from the stored file exactly as the batch reads it, by the
    body the roster records (a stored file that fails its check is refused, by ``actor``)."""
    report = read_upload(blob_data(db, version.blob_id, actor), version.filename)[1]
    return as_portal_body(report, row, round_of(db, row).year)


DRAFT_MARK = (
    '<p id="draft-mark" style="border:3px solid #c0392b;color:#c0392b;padding:8px 12px;font:bold 18px sans-serif;text-align:center;">'
    "草稿（有错误）：第 {number} 版还有 {errors} 个错误，这不是可以发布的报告。</p>"
)


# The preview at a phone's width: the screen's width instead of a 980 px page shrunk to it,
# smaller margins and type, tables at a width where their headers read across.
PHONE_FIT = (
    '\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    "<style>@media (max-width: 600px) { body { padding: 0 10px; font-size: 15px !important; } "
    "h1 { font-size: 20px !important; } table { min-width: 640px; font-size: 12px !important; } "
    "td { word-break: keep-all; } }</style>"
)


def preview_html(db: Session, actor: Actor, body_id: int, version_id: int) -> str:
    """The version as the published page would look; a version with errors is marked as a draft
    on the page itself, so a printout or screenshot of it is never taken for the report."""
    row, version = version_for(db, actor, body_id, version_id)
    page = render_html(_reread(db, row, version, actor))
    head = page.index("<head>") + len("<head>")
    page = page[:head] + PHONE_FIT + page[head:]
    # On a phone the wide tables scroll in a box of their own; the text wraps to the screen.
    page = page.replace("<table ", '<div style="overflow-x:auto">\n<table ').replace("</table>", "</table>\n</div>")
    if version.errors:
        opening = page.index(">", page.index("<body")) + 1
        page = page[:opening] + DRAFT_MARK.format(number=version.number, errors=version.errors) + page[opening:]
    return page


def report_file(db: Session, actor: Actor, body_id: int, version_id: int, kind: str) -> tuple[str, bytes]:
    """The Word (or PDF) report of a version, rendered once and kept in the database."""
    row, version = version_for(db, actor, body_id, version_id)
    if kind not in (".docx", ".pdf"):
        raise NotFound()
    if version.errors:
        raise PortalError("该版本有错误，不生成报告。请改正后重新上传。", 409)
    report = _reread(db, row, version, actor)
    name = f"{safe_filename(report.title)}{kind}"
    cached = db.scalar(select(Rendered).where(Rendered.version_id == version.id, Rendered.kind == kind))
    if cached is not None:
        data = blob_data(db, cached.blob_id, actor)
    else:
        with tempfile.TemporaryDirectory(prefix="gongkai-render-") as tmp:
            docx = render_docx(report, Path(tmp) / "report.docx", None)
            if kind == ".pdf":
                try:
                    target = convert_to_pdf(docx, Path(tmp) / "report.pdf")
                except PdfError as exc:
                    raise PortalError(str(exc), 503) from exc
            else:
                target = docx
            data = target.read_bytes()
        blob = store_blob(db, data)
        db.add(Rendered(version_id=version.id, kind=kind, blob_id=blob.id))
    audit(db, actor, "download", f"第 {version.number} 版报告 {name}", row.id)
    db.commit()
    return name, data


def stamped_file(db: Session, actor: Actor, body_id: int, submission_id: int) -> tuple[str, bytes]:
    row = body_for(db, actor, body_id)
    sub = db.get(Submission, submission_id)
    if sub is None or sub.body_id != row.id or sub.stamped_blob_id is None:
        raise NotFound()
    data = blob_data(db, sub.stamped_blob_id, actor)
    audit(db, actor, "download", f"盖章件（提交 {actor.when(sub.submitted_at)}）", row.id)
    db.commit()
    return f"{safe_filename(row.name)}{round_of(db, row).year}年度报告盖章件.pdf", data


def figures_before(db: Session, body: BodyRow, version: Version) -> tuple[Version | None, dict[str, str]]:
    """The version the county last looked at, and the figures of tables 二/三/四 that differ
    in ``version`` from it: ``{path: the figure before}``."""
    seen = db.get(Version, body.county_seen_version_id) if body.county_seen_version_id else None
    if seen is None or seen.id == version.id:
        return seen, {}
    before, after = figures_of(seen), figures_of(version)
    return seen, {p: before[p] for p in after if before[p] != after[p]}


def figures_changed(db: Session, body: BodyRow, version: Version) -> tuple[Version | None, list[tuple[str, str, str]]]:
    """:func:`figures_before` as the body page lists it: (label, before, after)."""
    seen, before = figures_before(db, body, version)
    after, labels = figures_of(version), figure_labels()
    return seen, [(labels[p], was, after[p]) for p, was in before.items()]


def mark_seen(db: Session, body: BodyRow, version: Version) -> None:
    body.county_seen_version_id = version.id
    db.commit()
