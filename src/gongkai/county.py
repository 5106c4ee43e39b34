"""What a county office works with: its list of bodies, folders of reports, last year's facts.

Shared by distribution (``gongkai init --orgs``) and the batch (``gongkai batch``).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from pydantic import ValidationError

from . import format as fmt
from .errors import GongkaiError, UnreadableInputError
from .model import Body, LastYear, Report
from .package import open_package
from .rendering import safe_filename
from .sources import ReportSource
from .workbook import write_workbook
from .workbook.xlsx import Book

REPORT_SUFFIXES = (".xlsx", ".json")

# Column headings a county's list of bodies may use, for each Body field.
ORG_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("机关全称", "全称", "单位全称", "机关名称", "单位名称", "名称"),
    "short_name": ("简称", "单位简称"),
    "level": ("层级", "级别", "类型"),
    "parent": ("所属县（市、区）", "所属县区", "所属县", "上级机关", "所属"),
}


def body_key(name: str) -> str:
    """How two spellings of a body's name are recognised as the same body."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def folder_sources(directory: Path, suffixes: tuple[str, ...] = REPORT_SUFFIXES) -> list[ReportSource]:
    """The reports in a folder as sources for the batch (see :func:`report_files`)."""
    return [ReportSource.file(p) for p in report_files(directory, suffixes)]


def report_files(directory: Path, suffixes: tuple[str, ...] = REPORT_SUFFIXES) -> list[Path]:
    """The reports in a folder, in a stable order; Excel's lock files (~$…) and hidden files
    are not reports."""
    if not directory.is_dir():
        raise UnreadableInputError(f"找不到文件夹 {directory}。")
    return sorted(
        (
            p
            for p in directory.iterdir()
            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(("~$", "."))
        ),
        key=lambda p: p.name,
    )


# --- the list of bodies -----------------------------------------------------------------------


@dataclass(frozen=True)
class OrgRow:
    row: int  # as the clerk sees it in the list (header is row 1)
    body: Body


def read_orgs(path: Path, year: int) -> list[OrgRow]:
    """Read a county's list of bodies (.xlsx or .csv, one row per body, a header row)."""
    rows = list(_org_rows(path))
    if not rows:
        raise UnreadableInputError(f"单位名单 {path.name} 是空的。")
    header = [str(h or "").strip() for h in rows[0]]
    columns: dict[str, int] = {}
    for key, names in ORG_COLUMNS.items():
        for i, h in enumerate(header):
            if h in names:
                columns[key] = i
                break
    if "name" not in columns:
        raise UnreadableInputError(
            f"单位名单 {path.name} 第 1 行没有“机关全称”列（表头为：{'、'.join(h for h in header if h) or '空'}）。"
            "请在第 1 行写表头：机关全称、简称、层级、所属县（市、区）。"
        )
    orgs: list[OrgRow] = []
    problems: list[str] = []
    for number, values in enumerate(rows[1:], start=2):
        cells = {key: str(values[i]).strip() if i < len(values) and values[i] is not None else "" for key, i in columns.items()}
        if not any(cells.values()):
            continue
        cells.setdefault("level", "")
        if not cells["level"]:
            cells["level"] = "乡镇"
        try:
            body = Body(year=year, **cells)
        except ValidationError as exc:
            what = "、".join(_org_problem(e) for e in exc.errors())
            problems.append(f"第 {number} 行（{cells.get('name') or '未填名称'}）：{what}")
            continue
        orgs.append(OrgRow(number, body))
    if problems:
        raise GongkaiError(f"单位名单 {path.name} 有误：" + "；".join(problems) + "。")
    seen: dict[str, int] = {}
    for org in orgs:
        key = body_key(org.body.name)
        if key in seen:
            raise GongkaiError(f"单位名单 {path.name} 第 {seen[key]} 行和第 {org.row} 行是同一个单位：{org.body.name}。")
        seen[key] = org.row
    return orgs


def _org_problem(error: dict) -> str:
    where = error["loc"][0] if error["loc"] else ""
    if where == "level":
        return f"层级应为{'、'.join(fmt.LEVELS)}之一"
    if where == "name":
        return "机关全称不能为空"
    return str(error["msg"])


def _org_rows(path: Path) -> Iterator[list[object]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UnreadableInputError(f"找不到单位名单 {path}。")
    if suffix == ".csv":
        raw = path.read_bytes()
        # Excel on Chinese Windows saves CSV as GBK; elsewhere it is UTF-8 (often with BOM).
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise UnreadableInputError(f"单位名单 {path.name} 的编码无法识别，请另存为 UTF-8 编码的 CSV。")
        yield from csv.reader(io.StringIO(text))
    elif suffix == ".xlsx":
        if not zipfile.is_zipfile(path):
            raise UnreadableInputError(f"无法读取单位名单 {path.name}：文件已损坏或不是 .xlsx 工作簿。")
        # The same guarded, escape-decoding reader as a report's workbook.
        book = Book(open_package(path))
        if not book.sheetnames:
            raise UnreadableInputError(f"无法读取单位名单 {path.name}：工作簿中没有工作表。")
        yield from book.rows(0)
    else:
        raise UnreadableInputError(f"单位名单 {path.name} 应为 .xlsx 或 .csv 文件。")


# --- last year's reports ----------------------------------------------------------------------


@dataclass
class PreviousIndex:
    """Last year's facts by body, read from a folder of last year's workbooks or JSON."""

    by_body: dict[str, LastYear] = field(default_factory=dict)
    sources: dict[str, PurePath] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, report: Report, path: PurePath) -> None:
        last = LastYear.from_report(report)
        for name in {report.body.name, report.body.short_name} - {""}:
            key = body_key(name)
            if key in self.by_body and self.sources[key] != path:
                self.problems.append(
                    f"{path.name} 与 {self.sources[key].name} 都是“{name}”的上年报告，只使用 {self.sources[key].name}。"
                )
                continue
            self.by_body[key] = last
            self.sources[key] = path

    def get(self, body: Body) -> LastYear | None:
        for name in (body.name, body.short_name):
            if name and (found := self.by_body.get(body_key(name))):
                return found
        return None


def index_previous(
    previous: str | Path | Iterable[ReportSource], mapper: Callable[..., Iterable[Any]] = map
) -> PreviousIndex:
    """Read every report in the folder ``previous`` (or of the given sources); a file that
    cannot be read is noted, not fatal.

    ``mapper`` may be a process pool's ``map``: a province's previous year is thousands of
    files, and reading them one after another would take longer than the batch itself.
    """
    index = PreviousIndex()
    sources = folder_sources(Path(previous)) if isinstance(previous, (str, Path)) else previous
    for path, report, problem in mapper(_read_previous, sources):
        if report is None:
            index.problems.append(f"{path.name}：{problem}")
        else:
            index.add(report, path)
    return index


def _read_previous(source: ReportSource) -> tuple[PurePath, Report | None, str]:
    try:
        return source.display, source.read(), ""
    except GongkaiError as exc:
        return source.display, None, str(exc)


# --- distribution ---------------------------------------------------------------------------


@dataclass
class Distribution:
    written: list[Path] = field(default_factory=list)
    with_last_year: int = 0
    problems: list[str] = field(default_factory=list)


def workbook_name(body: Body) -> str:
    return f"{safe_filename(body.name)}{body.year}年度报告填报表.xlsx"


def prefill(body: Body, last: LastYear | None) -> Report:
    """This year's report for ``body``: empty, but with last year's facts carried in and
    last year's 结转下年度 already in place as this year's 上年结转."""
    report = Report(body=body, last_year=last)
    if last is not None:
        for column in fmt.REQUEST_PART_COLUMNS:
            value = getattr(last.carried_forward, column.key)
            if value is not None:
                setattr(report.requests.carried_over, column.key, value)
    return report


def distribute(
    orgs: Path, out_dir: Path, year: int, *, previous: Path | None = None, overwrite: bool = False
) -> Distribution:
    """Write one pre-filled standard workbook per body of the list ``orgs`` into ``out_dir``."""
    bodies = read_orgs(orgs, year)
    index = index_previous(previous) if previous else PreviousIndex()
    result = Distribution(problems=list(index.problems))
    targets = [(org, out_dir / workbook_name(org.body)) for org in bodies]
    existing = [t.name for _, t in targets if t.exists()]
    if existing and not overwrite:
        raise GongkaiError(
            f"{out_dir} 中已有 {len(existing)} 个同名填报表（如 {existing[0]}），为免覆盖已填写的内容，未生成任何文件。"
            "请换一个输出文件夹，或加 --overwrite。"
        )
    for org, target in targets:
        last = index.get(org.body)
        if previous and last is None:
            result.problems.append(f"第 {org.row} 行 {org.body.name}：上年文件夹中没有它的报告，上年数据留空。")
        result.with_last_year += last is not None
        write_workbook(prefill(org.body, last), target)
        result.written.append(target)
    return result
