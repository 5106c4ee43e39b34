"""What a county batch produced: one :class:`BodyResult` per report, the :class:`BatchResult`.

The batch (:mod:`gongkai.batch`) fills these in; the summary workbook and check report
(:mod:`gongkai.summary`), the summary page (:mod:`gongkai.html.summary`) and the web portal only
read them. Living below all of them, this module lets each import it without importing another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Literal

from . import format as fmt
from .findings import Finding, FindingCounts
from .model import Body, Report, get_path
from .workbook import layout as L

Status = Literal["rendered", "refused", "unreadable", "duplicate", "wrong_year"]
STATUS_LABELS: dict[str, str] = {
    "rendered": "已生成",
    "refused": "未生成（有错误）",
    "unreadable": "无法读取",
    "duplicate": "单位重复",
    "wrong_year": "年度不符",
}
# Worst first, for the check report and the summary's sort order.
STATUS_ORDER: dict[str, int] = {"unreadable": 0, "duplicate": 1, "wrong_year": 2, "refused": 3, "rendered": 4}

TABLE_SHEETS = (L.SHEET_PROACTIVE, L.SHEET_REQUESTS, L.SHEET_APPEALS)
TABLE_PATHS: tuple[str, ...] = tuple(s.path for s in L.cell_specs() if s.sheet in TABLE_SHEETS)
"""Every cell of tables 二/三/四, in workbook order: the figures a worker hands back."""
_FIGURE_PATHS = tuple((path, *path.split(".")) for path in TABLE_PATHS)  # split once, not per report


def table_figures(report: Report) -> dict[str, int | Decimal]:
    """Every figure of tables 二/三/四 as the report prints it (totals computed where not
    declared), keyed by data path."""
    values: dict[str, int | Decimal] = {}
    requests = report.request_table()  # once: each 总计 cell of （七） adds up every result row
    for path, section, row, *rest in _FIGURE_PATHS:
        if section == "requests":
            values[path] = requests[row][rest[0]]
        elif section == "appeals":
            values[path] = report.appeal(row, rest[0])
        else:
            values[path] = get_path(report, path)
    return values


@dataclass
class BodyResult(FindingCounts):
    """What became of one report of the batch.

    ``source`` is the file it came from, or for a report given as bytes its display name
    (a :class:`~pathlib.PurePath`, so ``.name`` and ``.stem`` read the same either way).
    """

    source: PurePath
    status: Status
    body: Body | None = None
    findings: list[Finding] = field(default_factory=list)
    message: str = ""
    output: Path | None = None
    figures: dict[str, int | Decimal] = field(default_factory=dict)  # printed values of TABLE_PATHS, by path
    posts: int = 0  # posts published on the website and new media (section 一)
    staged: Path | None = None
    extras: dict[str, Path] = field(default_factory=dict)  # ".pdf"/".html" -> staged, then final
    extra_errors: list[str] = field(default_factory=list)

    def figure(self, path: str) -> int | Decimal:
        return self.figures.get(path, 0)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def outcome(self) -> str:
        """What the batch made of the body: its files, or why there are none."""
        files = "、".join(p.name for p in (self.output, *self.extras.values()) if p is not None)
        return "；".join(part for part in (files, self.message, *self.extra_errors) if part)

    @property
    def label(self) -> str:
        """The body's short name for charts (the file's name when it could not be read)."""
        return self.body.display_short if self.body else self.source.stem


@dataclass
class BatchResult:
    results: list[BodyResult]
    out_dir: Path
    year: int | None
    previous_problems: list[str] = field(default_factory=list)
    summary_path: Path | None = None
    report_path: Path | None = None
    page_path: Path | None = None

    def counted(self) -> list[BodyResult]:
        """The bodies the county totals sum: readable, of the batch's year, not duplicated."""
        return [r for r in self.results if r.status in ("rendered", "refused")]

    def totals(self) -> dict[str, int | Decimal]:
        sums: dict[str, int | Decimal] = dict.fromkeys(TABLE_PATHS, 0)
        for r in self.counted():
            for path, value in r.figures.items():
                if path in sums:
                    sums[path] += value
        return sums

    @property
    def exit_code(self) -> int:
        """0 every body rendered, 1 some not, 2 nothing could be read."""
        if not self.results or all(r.status == "unreadable" for r in self.results):
            return 2
        complete = all(r.status == "rendered" and not r.extra_errors for r in self.results)
        return 0 if complete else 1

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def counts_text(self) -> str:
        """“共 N 个文件：已生成 a 个，…。” for the report, the page and the command line."""
        counts = "，".join(f"{label} {self.count(s)} 个" for s, label in STATUS_LABELS.items() if self.count(s))
        return f"共 {len(self.results)} 个文件：{counts}。"

    def worst_first(self) -> list[BodyResult]:
        """Bodies in the order a county clerk should look at them."""
        order = {id(r): i for i, r in enumerate(self.results)}
        return sorted(self.results, key=lambda r: (STATUS_ORDER[r.status], -r.errors, -r.warnings, order[id(r)]))

    def handling(self) -> list[tuple[str, int]]:
        """How the county's applications were handled: each result group of table 三
        (予以公开, 部分公开, 不予公开, …) with its county total."""
        totals = self.totals()
        groups: dict[str, int] = {}
        for row in fmt.REQUEST_ROWS:
            if row.kind == "result":
                # "（二）部分公开（区分处理的，…）" -> "（二）部分公开": a chart label, not the rule.
                label = row.path[1].split("（区分")[0]
                groups[label] = groups.get(label, 0) + int(totals[f"requests.{row.key}.total"])
        return list(groups.items())

    def chart_series(self) -> dict[str, list[tuple[str, int]]]:
        """The county's pictures as data: shared by the workbook's charts and the HTML page."""
        counted = self.counted()
        return {
            "各单位主动公开信息条数": [(r.label, r.posts) for r in counted],
            "各单位收到政府信息公开申请数": [(r.label, int(r.figure("requests.new.total"))) for r in counted],
            "全县申请办理结果": self.handling(),
        }
