"""A small published report written for the tests, as text copied from a portal page.

白沙镇 is fictional; its figures are consistent throughout (tables, narrative, sums), so every
test plants one fault in it and expects exactly that fault back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gongkai import format as fmt

# Real published reports are never copied into the project: tests that read them find them in
# ../shared/reports, which CI keeps beside the clone.
SHARED_REPORTS = Path(__file__).resolve().parent.parent.parent / "shared" / "reports"


def shared_report(*parts: str) -> Path:
    """A file or folder under ../shared/reports: skipped on a machine without it, a failure
    in CI (where it is always there), so those tests can never silently not run."""
    path = SHARED_REPORTS.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; CI keeps a copy of shared/ beside the clone")
        pytest.skip(f"{path} is not on this machine")
    return path

COLUMNS = tuple(c.label for c in fmt.REQUEST_COLUMNS)

# table 三 rows with non-zero figures; every other row prints a zero in every column
REQUESTS: dict[str, list[int]] = {
    "new": [5, 1, 0, 0, 0, 0, 6],
    "carried_over": [1, 0, 0, 0, 0, 0, 1],
    "granted": [3, 1, 0, 0, 0, 0, 4],
    "denied_process_information": [1, 0, 0, 0, 0, 0, 1],
    "unavailable_not_held": [1, 0, 0, 0, 0, 0, 1],
    "results_total": [5, 1, 0, 0, 0, 0, 6],
    "carried_forward": [1, 0, 0, 0, 0, 0, 1],
}
APPEALS = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
# table 二's figures, by row key (规章 comes from report_text's ``regulations``)
PROACTIVE: dict[str, tuple[int, ...]] = {
    "normative_documents": (2, 0, 5),
    "licensing": (12,),
    "penalties": (3,),
    "coercive_measures": (0,),
    "fees_wan_yuan": (0,),
}
# Tables 三 and 四 printed as ruled tables (Word, HTML, PDF): three header rows above the figures.
HEADER_ROWS = 3

PREAMBLE = (
    "本报告由白沙镇人民政府按照《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》"
    "（国办公开办函〔2021〕30号）要求编制，共六个部分。本报告所列数据的统计期限为2025年1月1日至2025年12月31日。"
)
OVERVIEW = {
    "（一）主动公开情况": "白沙镇通过政府网站发布信息40条，其中工作动态30条、通知公告10条。",
    "（二）依申请公开情况": "2025年，白沙镇共收到政府信息公开申请6件，上年结转1件，办结6件，结转下年度继续办理1件。"
    "因政府信息公开被申请行政复议1件、行政诉讼1件。",
    "（三）政府信息管理情况": "白沙镇落实信息发布审核制度，公开前逐条审核。",
    "（四）政府信息公开平台建设情况": "白沙镇维护好政府网站公开专栏，及时更新栏目内容。",
    "（五）政府信息公开监督保障情况": "白沙镇把政务公开纳入年度考核，接受群众评议，本年度未发生责任追究情况。",
}
PROBLEMS = "一是信息更新不够及时。二是政策解读形式单一。"
IMPROVEMENTS = "一是建立信息更新台账。二是增加图解解读。"
FEE = "2025年，白沙镇未收取政府信息公开信息处理费。"


def _request_lines(
    columns: tuple[str, ...], values: dict[str, list[int]] | None
) -> list[tuple[str | None, str]]:
    """(row key or None for a group label, line) of table 三 as ``request_lines`` prints it."""
    values = {**REQUESTS, **(values or {})}
    keep = [COLUMNS.index(c) for c in columns]
    lines: list[tuple[str | None, str]] = [(None, fmt.REQUEST_CORNER_LABEL + "\t" + "\t".join(columns))]
    previous: tuple[str, ...] = ()
    for row in fmt.REQUEST_ROWS:
        # Group labels ("三、本年度办理结果", "（三）不予公开") print once, on a line of their own.
        for depth in range(len(row.path) - 1):
            if row.path[: depth + 1] != previous[: depth + 1]:
                lines.append((None, row.path[depth]))
        previous = row.path
        numbers = values.get(row.key, [0] * len(COLUMNS))
        lines.append((row.key, row.label + "\t" + "\t".join(str(numbers[i]) for i in keep)))
    return lines


def request_lines(
    columns: tuple[str, ...] = COLUMNS, values: dict[str, list[int]] | None = None
) -> list[str]:
    """Table 三 flattened the way pingtan-2021's page copies: one header line, group labels alone."""
    return [line for _, line in _request_lines(columns, values)]


def text_row(key: str, columns: tuple[str, ...] = COLUMNS) -> int:
    """The row number a reader gives row ``key`` of table 三 as ``request_lines`` prints it
    (the header line is row 1, each group label a row of its own)."""
    return 1 + [k for k, _ in _request_lines(columns, None)].index(key)


def grid_row(key: str) -> int:
    """The row number of row ``key`` of table 三 printed as a ruled table: after the header
    rows, one row per row of the format (group labels span rows, they add none)."""
    return HEADER_ROWS + 1 + [r.key for r in fmt.REQUEST_ROWS].index(key)


def request_col(col_key: str, columns: tuple[str, ...] = COLUMNS) -> int:
    """The number (from 1) of a column of table 三 among its printed number columns."""
    return 1 + columns.index(next(c.label for c in fmt.REQUEST_COLUMNS if c.key == col_key))


def appeal_col(group_key: str, col_key: str) -> int:
    """The number (from 1) of a column of table 四's one figure row."""
    group = [g.key for g in fmt.APPEAL_GROUPS].index(group_key)
    return 1 + group * len(fmt.APPEAL_COLUMNS) + [c.key for c in fmt.APPEAL_COLUMNS].index(col_key)


APPEAL_ROW = HEADER_ROWS + 1  # table 四's figure row, in text and in a ruled table


def proactive_lines(regulations: tuple[int, ...] = (0, 0, 0)) -> list[str]:
    """Table 二 as a portal page copies: per block its header, its column labels, its rows."""
    values = {**PROACTIVE, "regulations": regulations}
    lines = []
    for block in fmt.PROACTIVE_BLOCKS:
        lines += [block.header, "\t".join(block.columns)]
        lines += [row.label + "\t" + "\t".join(str(n) for n in values[row.key]) for row in block.rows]
    return lines


def proactive_row(key: str) -> int:
    """The row number a reader gives row ``key`` of table 二 (block headers and column labels count)."""
    labels = [line.split("\t")[0] for line in proactive_lines()]
    return 1 + labels.index(next(r.label for b in fmt.PROACTIVE_BLOCKS for r in b.rows if r.key == key))


def appeal_lines(appeals: list[int] | None = None) -> list[str]:
    """Table 四 as a portal page copies: 行政复议 | 行政诉讼, then its groups, then the columns."""
    width = len(fmt.APPEAL_COLUMNS)
    top: list[str] = []
    middle: list[str] = []
    for group in fmt.APPEAL_GROUPS:
        if group.parent is None:
            top.append(group.label)
            middle.append("")
        else:
            top.append("" if group.parent in top else group.parent)
            middle.append(group.label)

    def spanning(cells: list[str]) -> str:
        return "\t".join(cell + "\t" * (width - 1) for cell in cells).rstrip("\t")

    return [
        spanning(top),
        spanning(middle),
        "\t".join([c.label for c in fmt.APPEAL_COLUMNS] * len(fmt.APPEAL_GROUPS)),
        "\t".join(str(n) for n in (appeals or APPEALS)),
    ]


def report_text(
    *,
    requests: dict[str, list[int]] | None = None,
    columns: tuple[str, ...] = COLUMNS,
    appeals: list[int] | None = None,
    regulations: tuple[int, int, int] = (0, 0, 0),
    preamble: str = PREAMBLE,
    requests_narrative: str | None = None,
    heading_four: str = "四、政府信息公开行政复议、行政诉讼情况",
    drop_sections: tuple[str, ...] = (),
    title: str = "白沙镇人民政府2025年政府信息公开工作年度报告",
) -> str:
    overview = dict(OVERVIEW)
    if requests_narrative is not None:
        overview["（二）依申请公开情况"] = requests_narrative
    sections: dict[str, list[str]] = {
        "一、总体情况": [line for head, text in overview.items() for line in (head, text)],
        "二、主动公开政府信息情况": proactive_lines(regulations),
        "三、收到和处理政府信息公开申请情况": request_lines(columns, requests),
        heading_four: appeal_lines(appeals),
        "五、存在的主要问题及改进情况": ["（一）存在的主要问题", PROBLEMS, "（二）改进情况", IMPROVEMENTS],
        "六、其他需要报告的事项": [FEE],
    }
    lines = [title, "发布日期：2026-01-20 浏览次数：35", preamble] if title else [preamble]
    for heading, body in sections.items():
        if heading.split("、")[0] in drop_sections:
            continue
        lines += [heading, *body]
    return "\n".join(lines) + "\n"
