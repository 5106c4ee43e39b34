"""Start from a published report: next year's workbook, or the same year's to correct it.

``import_next_year`` writes the standard workbook for the following year with the body
filled in, last year's 结转下年度 as this year's 上年结转 and last year's facts in 上年数据
(so the cross-year rules run), and last year's narrative beside each narrative cell as a
comment marked 上年内容，仅供参考 — never as this year's text. ``import_same_year`` writes the
report itself as an editable workbook, printed totals kept as declared numbers.

The workbook is the lead's standard layout, written by :func:`~gongkai.workbook.write_workbook`;
the comments are added afterwards and change nothing the workbook reader reads.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment

from .atomic import atomic_write
from .county import prefill
from .errors import GongkaiError
from .model import Body, Report, get_path
from .published import last_year_of
from .reading import read_report
from .workbook import layout as L
from .workbook import write_workbook

REFERENCE_MARK = "上年内容，仅供参考："
_AUTHOR = "gongkai"
# Excel keeps at most 32,767 characters in a comment; a narrative is far shorter, but a
# pasted page could not be.
_COMMENT_LIMIT = 30_000


def _narrative_paths() -> list[str]:
    return [
        spec.path
        for spec in L.cell_specs()
        if spec.kind == "longtext" and not spec.path.startswith("last_year.")
    ]


def _last_year_row(path: str) -> str | None:
    """Where 上年数据 holds last year's text of ``path``, if it does."""
    spec = L.spec_by_path().get(f"last_year.{path}")
    return spec.cell if spec else None


def _comment(text: str) -> Comment:
    body = (REFERENCE_MARK + "\n" + text)[:_COMMENT_LIMIT]
    lines = sum(max(1, len(p) // 28 + 1) for p in body.split("\n"))
    comment = Comment(body, _AUTHOR)
    comment.width = 420
    comment.height = min(600, max(80, 18 * lines))
    return comment


def _check_output(output: Path, overwrite: bool) -> None:
    if output.suffix.lower() != ".xlsx":
        raise GongkaiError(f"输出文件 {output} 的扩展名应为 .xlsx。")
    if output.exists() and not overwrite:
        raise GongkaiError(f"{output} 已存在。为避免覆盖已填写的内容，请换一个文件名，或加 --overwrite。")


def next_year_report(last: Report, year: int | None = None) -> Report:
    """Next year's empty report for ``last``'s body, last year's facts carried in."""
    body = Body(**{**last.body.model_dump(), "year": year or last.body.year + 1})
    if body.year <= last.body.year:
        raise GongkaiError(f"新报告年度（{body.year}）应晚于上年报告的年度（{last.body.year}）。")
    report = prefill(body, last_year_of(last))
    # Contact facts stay; the preamble text names last year's period, so it is only a reference.
    report.preamble = last.preamble.model_copy(update={"text": ""})
    return report


def import_next_year(
    source: str | Path, output: str | Path, *, year: int | None = None, overwrite: bool = False
) -> Path:
    """Write next year's standard workbook from last year's (published) report."""
    source, output = Path(source), Path(output)
    _check_output(output, overwrite)
    last = read_report(source)
    report = next_year_report(last, year)
    write_workbook(report, output)
    notes: dict[str, str] = {}
    for path in _narrative_paths():
        text = str(get_path(last, path)).strip()
        if not text:
            continue
        where = _last_year_row(path)
        if where:
            notes[path] = f"见“{L.SHEET_LAST_YEAR}”表 {where} 单元格。\n\n{text}"
        else:
            notes[path] = text
    _annotate(output, {path: _comment(text) for path, text in notes.items()})
    return output


def import_same_year(source: str | Path, output: str | Path, *, overwrite: bool = False) -> Path:
    """Write a published report as an editable workbook of the same year (to correct and re-render)."""
    source, output = Path(source), Path(output)
    _check_output(output, overwrite)
    report = read_report(source)
    write_workbook(report, output)
    prov = report.provenance
    notes: dict[str, Comment] = {}
    for path in sorted(prov.unprinted):
        notes[path] = Comment("原报告没有印出此项（按 0 或按合计公式填入），请核实后填写。", _AUTHOR)
    for path in prov.blank:
        notes.setdefault(path, Comment("原报告此单元格空白，已按 0 填入，请核实。", _AUTHOR))
    _annotate(output, notes)
    return output


def _annotate(output: Path, comments: dict[str, Comment]) -> None:
    """Add cell comments to the written workbook, replacing it atomically."""
    if not comments:
        return
    specs = L.spec_by_path()
    wb = load_workbook(output)
    try:
        for path, comment in comments.items():
            spec = specs.get(path)
            if spec is None:
                continue
            wb[spec.sheet][spec.cell].comment = comment
        with atomic_write(output) as tmp:
            wb.save(tmp)
    finally:
        wb.close()
