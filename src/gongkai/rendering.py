"""Render a report: read, check, refuse on errors (unless forced), write the Word file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .checks import check_report
from .docx_writer import validate_template
from .errors import GongkaiError
from .findings import Finding, has_errors
from .model import Report
from .pdf import PdfError, convert_to_pdf
from .reading import read_report
from .rules import UNFORCEABLE_RULES
from .writing import write_report

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class RenderRefused(GongkaiError):
    """Rendering was refused because the report has errors."""

    exit_code = 1

    def __init__(self, message: str, findings: list[Finding]) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass
class RenderResult:
    report: Report
    findings: list[Finding] = field(default_factory=list)
    output: Path | None = None
    extras: dict[str, Path] = field(default_factory=dict)  # ".pdf"/".html" -> written file
    extra_errors: list[str] = field(default_factory=list)


def write_extras(report: Report, docx: Path, *, pdf: bool = False, html: bool = False) -> tuple[dict[str, Path], list[str]]:
    """The PDF and/or portal HTML beside a rendered report. A conversion that fails is
    reported, not raised: the Word report is already there and stays."""
    written: dict[str, Path] = {}
    errors: list[str] = []
    if html:
        written[".html"] = write_report(report, docx.with_suffix(".html"), "html")
    if pdf:
        try:
            written[".pdf"] = convert_to_pdf(docx, docx.with_suffix(".pdf"))
        except PdfError as exc:
            errors.append(str(exc))
    return written, errors


def safe_filename(name: str) -> str:
    """A file name from a body's name: no path separators, no leading dots, never empty."""
    name = _UNSAFE_NAME.sub("_", name).strip().lstrip(".")
    return name or "报告"


def default_output_path(report: Report, source: str | Path | None = None) -> Path:
    """``{全称}{年度}年政府信息公开工作年度报告.docx`` beside the input (or here)."""
    directory = Path(source).parent if source else Path(".")
    return directory / f"{safe_filename(report.title)}.docx"


def render_report(report: Report, out: str | Path, *, template: str | Path | None = None) -> Path:
    """Write ``report`` as a Word document at ``out`` (atomically); no checks are run."""
    if template is not None:
        validate_template(Path(template))
    return write_report(report, Path(out), "docx", template=Path(template) if template else None)


def render_file(
    source: str | Path,
    out: str | Path | None = None,
    *,
    template: str | Path | None = None,
    previous: str | Path | Report | None = None,
    force: bool = False,
    pdf: bool = False,
    html: bool = False,
) -> RenderResult:
    """Read ``source``, check it (against ``previous`` year's report if given) and render it.

    Raises :class:`RenderRefused` (with the findings) when errors remain and ``force`` is
    false, or when an error cannot be forced (a cell that is not a valid number). With
    ``pdf``/``html`` a PDF (via LibreOffice) and a portal HTML page are written beside it.
    """
    report = read_report(source)
    last = read_report(previous) if isinstance(previous, str | Path) else previous
    findings = check_report(report, last)
    result = RenderResult(report, findings)
    errors = [f for f in findings if f.severity == "error"]
    blocking = [f for f in errors if f.rule in UNFORCEABLE_RULES]
    if blocking:
        raise RenderRefused(
            f"{Path(source).name} 有 {len(blocking)} 个单元格不是有效数字或必填项为空，即使使用 --force 也不能生成报告，请先修改。",
            findings,
        )
    if has_errors(findings) and not force:
        raise RenderRefused(
            f"{Path(source).name} 有 {len(errors)} 个错误，未生成报告。请按提示修改后重试，"
            "或确认无误后加 --force 强制生成。",
            findings,
        )
    target = Path(out) if out else default_output_path(report, source)
    result.output = render_report(report, target, template=template)
    result.extras, result.extra_errors = write_extras(report, result.output, pdf=pdf, html=html)
    return result
