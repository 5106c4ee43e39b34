"""Published reports read back into the report model: text, Word, HTML and PDF.

Each adapter turns its file form into :mod:`blocks <.blocks>` (paragraphs and tables); the
one core (:func:`read_blocks`) turns blocks into a :class:`~gongkai.model.Report` whose
figures are all *declared*, with every location as printed and every format deviation as an
FD-* finding on ``report.provenance``::

    from gongkai.published import read_published
    report = read_published("平潭综合实验区2022年度报告.html")
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import UnreadableInputError
from ..model import LastYear, Report
from ..reading import PUBLISHED_SUFFIXES
from .blocks import Block, Paragraph, Table
from .core import read_blocks
from .sink import DEVIATIONS

__all__ = [
    "DEVIATIONS",
    "PUBLISHED_SUFFIXES",
    "Block",
    "Paragraph",
    "Table",
    "last_year_of",
    "read_blocks",
    "read_published",
]


def _adapter(suffix: str) -> Callable[[Path], list[Block]]:
    # Imported on use: the PDF library is large and a text-only audit never needs it.
    if suffix == ".txt":
        from .from_text import read_text_blocks

        return read_text_blocks
    if suffix == ".docx":
        from .from_docx import read_docx_blocks

        return read_docx_blocks
    if suffix in (".html", ".htm"):
        from .from_html import read_html_blocks

        return read_html_blocks
    if suffix == ".pdf":
        from .from_pdf import read_pdf_blocks

        return read_pdf_blocks
    raise UnreadableInputError(
        f"不支持的已发布报告文件类型：{suffix}（支持 {'、'.join(PUBLISHED_SUFFIXES)}）。"
    )


def read_published(path: str | Path) -> Report:
    """Read a published report (.txt, .docx, .html/.htm, .pdf with a text layer)."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableInputError(f"找不到文件 {path}，请检查文件名和路径。")
    try:
        blocks = _adapter(path.suffix.lower())(path)
    except UnreadableInputError:
        raise
    except Exception as exc:  # a damaged file makes any parser raise something of its own
        raise UnreadableInputError(
            f"文件 {path.name} 已损坏或不是有效的 {path.suffix.lower().lstrip('.')} 文件，无法读取（{type(exc).__name__}）。"
        ) from exc
    return read_blocks(blocks, str(path), name_hint=path.stem)


def last_year_of(report: Report) -> LastYear:
    """Last year's facts from a (published) report, leaving out what it never printed: a
    cross-year rule then skips the comparison instead of comparing with a placeholder 0."""
    last = LastYear.from_report(report)
    unprinted = report.provenance.unprinted
    if "proactive.normative_documents.in_force" in unprinted:
        last.normative_documents_in_force = None
    for column in type(last.carried_forward).model_fields:
        if f"requests.carried_forward.{column}" in unprinted:
            setattr(last.carried_forward, column, None)
    return last
