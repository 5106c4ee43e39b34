"""The portal's work as Python functions, for scripts: one import for what the web pages do.

This module only re-exports; each function lives in the module named for what it holds:

- :mod:`.accounts` — admins, 填报人 accounts, passwords
- :mod:`.roster` — rounds (报送年度) and their bodies
- :mod:`.uploads` — reading an upload and keeping it as a version
- :mod:`.versions` — stored versions read back: files, preview, Word/PDF, changes
- :mod:`.workflow` — :class:`BodyState` and its one transition table: 提交, 退回, 通过, 重新打开
- :mod:`.dashboard`, :mod:`.exports` — the county's view, 催报名单, totals, 一键下载
- :mod:`.queries` — read-only lookups; :mod:`.auditlog` — the audit log

Every function takes an open SQLAlchemy session and an :class:`Actor` (who, from where),
checks what the actor may do, changes the database, writes the audit log and commits.
A refusal raises :class:`PortalError` with a Chinese message and changes nothing.

Typical script::

    from gongkai.portal import open_portal, service
    portal = open_portal("sqlite:///gongkai-data/gongkai.db")
    with portal.session() as db:
        admin = service.system_actor(db)
        rnd = service.create_round(db, admin, year=2025, orgs=Path("单位名单.csv"))
        issued = service.issue_accounts(db, admin, rnd.id)
"""

from __future__ import annotations

from ..reading import read_report
from .accounts import (
    IssuedAccount,
    accounts_workbook,
    change_password,
    create_admin,
    issue_accounts,
    reset_password,
)
from .actors import Actor, require_admin, system_actor
from .auditlog import AUDIT_ACTIONS, AUDIT_PAGE, audit, audit_entries
from .dashboard import STATUS_NAMES, DashboardRow, body_status, dashboard
from .db import AuditEntry, Blob, BodyRow, Review, Round, Submission, User, Version
from .errors import NotFound, PortalError
from .exports import chase_workbook, download_zip, totals
from .figures import figure_labels, figures_of
from .limits import DEFAULT_BODY_QUOTA, DEFAULT_MAX_UPLOAD, upload_name
from .queries import (
    account_of,
    best_version,
    bodies,
    body_for,
    findings_of,
    get_round,
    latest_review,
    latest_submission,
    latest_version,
    report_of,
    reviews,
    round_of,
    rounds,
    submissions,
    version_for,
    versions,
)
from .roster import add_body, close_round, create_round, remove_body, rename_body, reports_in_zip
from .uploads import read_upload, sniff, upload_version
from .versions import figures_changed, preview_html, report_file, stamped_file, stored_file
from .workbooks import BODY_PROPERTY, YEAR_PROPERTY, custom_properties, prefilled_workbook
from .workflow import TRANSITIONS, Action, BodyState, accept, reopen, return_, submit

__all__ = [
    "AUDIT_ACTIONS", "AUDIT_PAGE", "BODY_PROPERTY", "DEFAULT_BODY_QUOTA", "DEFAULT_MAX_UPLOAD", "STATUS_NAMES", "TRANSITIONS",
    "YEAR_PROPERTY", "Action", "Actor", "AuditEntry", "Blob", "BodyRow", "BodyState", "DashboardRow", "IssuedAccount",
    "NotFound", "PortalError", "Review", "Round", "Submission", "User", "Version", "accept", "account_of",
    "accounts_workbook", "add_body", "audit", "audit_entries", "best_version", "bodies", "body_for", "body_status",
    "change_password", "chase_workbook", "close_round", "create_admin", "create_round", "custom_properties", "dashboard",
    "download_zip", "figure_labels", "figures_changed", "figures_of", "findings_of", "get_round", "issue_accounts",
    "latest_review", "latest_submission", "latest_version", "prefilled_workbook", "preview_html", "read_report",
    "read_upload", "remove_body", "rename_body", "reopen", "report_file", "report_of", "reports_in_zip", "require_admin",
    "reset_password", "return_", "reviews", "round_of", "rounds", "sniff", "stamped_file", "stored_file", "submissions",
    "submit", "system_actor", "totals", "upload_name", "upload_version", "version_for", "versions",
]
