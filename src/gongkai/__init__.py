"""gongkai: 政府信息公开工作年度报告 — from a filled workbook to the official Word report.

The library first; the ``gongkai`` command is a thin layer over these functions::

    import gongkai
    report = gongkai.read_report("大峪镇.xlsx")
    findings = gongkai.check_report(report)
    gongkai.render_report(report, "大峪镇2025年政府信息公开工作年度报告.docx")
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Each public name and the module that holds it. The names load on first use (PEP 562) so
# that ``gongkai batch`` or a worker process does not import the published-report readers,
# the portal or the audit on the way: a whole library import is ~0.5 s of a short batch.
_EXPORTS: dict[str, str] = {
    "AuditResult": ".audit",
    "audit": ".audit",
    "BatchResult": ".batch",
    "BodyResult": ".batch",
    "run_batch": ".batch",
    "check_report": ".checks",
    "distribute": ".county",
    "GongkaiError": ".errors",
    "OutputError": ".errors",
    "TemplateError": ".errors",
    "UnreadableInputError": ".errors",
    "Finding": ".findings",
    "import_next_year": ".importing",
    "import_same_year": ".importing",
    "read_json": ".jsonio",
    "report_to_json": ".jsonio",
    "write_json": ".jsonio",
    "LAYOUT_VERSION": ".model",
    "Body": ".model",
    "Report": ".model",
    "read_published": ".published",
    "read_report": ".reading",
    "RenderRefused": ".rendering",
    "default_output_path": ".rendering",
    "render_file": ".rendering",
    "render_report": ".rendering",
    "read_workbook": ".workbook",
    "ReportSource": ".sources",
    "write_workbook": ".workbook",
}

if TYPE_CHECKING:
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
    from .sources import ReportSource
    from .workbook import read_workbook, write_workbook


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gongkai' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
    "ReportSource",
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
