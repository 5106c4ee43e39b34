"""The pre-filled workbook a body downloads, the hidden properties that tell its upload back
to it, and the portal's own .xlsx lists (账号清单, 催报名单) as bytes."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from sqlalchemy.orm import Session

from ..county import prefill, workbook_name
from ..errors import GongkaiError
from ..model import LastYear
from ..package import open_package
from ..workbook.writer import build_workbook
from ..workbook.xlsx import WORKBOOK_XML
from .actors import Actor
from .auditlog import audit
from .queries import body_for, report_of, round_of, version_for
from .roster import body_model

BODY_PROPERTY = "gongkai-portal-body"  # the body's token in the pre-filled workbook
YEAR_PROPERTY = "gongkai-portal-year"


def prefilled_workbook(db: Session, actor: Actor, body_id: int) -> tuple[str, bytes]:
    """The body's workbook, pre-filled as ``init --orgs --previous`` does, carrying the body's
    token and the year in hidden custom properties (besides the layout version)."""
    row = body_for(db, actor, body_id)
    rnd = round_of(db, row)
    last = LastYear.model_validate_json(row.last_year_json) if row.last_year_json else None
    body = body_model(row, rnd.year)
    wb = build_workbook(prefill(body, last))
    wb.custom_doc_props.append(StringProperty(name=BODY_PROPERTY, value=row.token))
    wb.custom_doc_props.append(StringProperty(name=YEAR_PROPERTY, value=str(rnd.year)))
    if not actor.is_admin and row.downloaded_at is None:
        row.downloaded_at = actor.now()
    audit(db, actor, "download_workbook", workbook_name(body), row.id)
    db.commit()
    return workbook_name(body), workbook_bytes(wb)


def version_workbook(db: Session, actor: Actor, body_id: int, version_id: int) -> tuple[str, bytes]:
    """One version's report as the standard workbook, carrying the body's token like the
    pre-filled one: whatever way the version came in (an upload, the online editor, a Word
    draft), it can be edited in Excel/WPS and uploaded back as the next version."""
    row, version = version_for(db, actor, body_id, version_id)
    rnd = round_of(db, row)
    report = report_of(version)
    wb = build_workbook(report)
    wb.custom_doc_props.append(StringProperty(name=BODY_PROPERTY, value=row.token))
    wb.custom_doc_props.append(StringProperty(name=YEAR_PROPERTY, value=str(rnd.year)))
    name = f"{Path(workbook_name(report.body)).stem}（第{version.number}版）.xlsx"
    audit(db, actor, "download_workbook", name, row.id)
    db.commit()
    return name, workbook_bytes(wb)


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def custom_properties(data: bytes) -> dict[str, str]:
    """The custom document properties of an .xlsx, read through the library's package guard
    like every other part (one safe way to open a package)."""
    try:
        package = open_package(data, "上传的文件", xml_limits=WORKBOOK_XML)  # the reader's bounds, not the general ones
        if "docProps/custom.xml" not in package:
            return {}
        root = package.xml("docProps/custom.xml")
    except GongkaiError:
        return {}
    props = {}
    for prop in root:
        name = prop.get("name")
        if name and len(prop):
            props[name] = (prop[0].text or "").strip()
    return props
