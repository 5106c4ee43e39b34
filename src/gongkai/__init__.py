"""gongkai: 政府信息公开工作年度报告 — from a filled workbook to the official Word report.

The library first; the ``gongkai`` command is a thin layer over these functions::

    import gongkai
    report = gongkai.read_report("大峪镇.xlsx")
    findings = gongkai.check_report(report)
    gongkai.render_report(report, "大峪镇2025年政府信息公开工作年度报告.docx")
"""

from .audit import AuditResult, audit
from .batch import BatchResult, BodyResult, run_batch
from .checks import check_report
from .county import distribute
from .errors import GongkaiError, OutputError, TemplateError, UnreadableInputError
from .findings import Finding
from .importing import import_next_year, import_same_year
from .jsonio import read_json, report_to_json, write_json
from .model import LAYOUT_VERSION, Body, Report
from .published import read_published
from .reading import read_report
from .rendering import RenderRefused, default_output_path, render_file, render_report
from .workbook import read_workbook, write_workbook

__version__ = "0.1.0"

__all__ = [
    "AuditResult",
    "BatchResult",
    "BodyResult",
    "LAYOUT_VERSION",
    "Body",
    "Finding",
    "GongkaiError",
    "OutputError",
    "RenderRefused",
    "Report",
    "TemplateError",
    "UnreadableInputError",
    "audit",
    "check_report",
    "default_output_path",
    "distribute",
    "import_next_year",
    "import_same_year",
    "read_json",
    "read_published",
    "read_report",
    "read_workbook",
    "render_file",
    "render_report",
    "report_to_json",
    "run_batch",
    "write_json",
    "write_workbook",
]
