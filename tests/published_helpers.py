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

COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")

# table 三 rows with non-zero figures; every other row prints seven zeros
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


def request_lines(
    columns: tuple[str, ...] = COLUMNS, values: dict[str, list[int]] | None = None
) -> list[str]:
    """Table 三 flattened the way pingtan-2021's page copies: one header line, group labels alone."""
    values = {**REQUESTS, **(values or {})}
    keep = [COLUMNS.index(c) for c in columns]
    lines = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t" + "\t".join(columns)]
    previous: tuple[str, ...] = ()
    for row in fmt.REQUEST_ROWS:
        # Group labels ("三、本年度办理结果", "（三）不予公开") print once, on a line of their own.
        for depth in range(len(row.path) - 1):
            if row.path[: depth + 1] != previous[: depth + 1]:
                lines.append(row.path[depth])
        previous = row.path
        numbers = values.get(row.key, [0] * 7)
        lines.append(row.label + "\t" + "\t".join(str(numbers[i]) for i in keep))
    return lines


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
        "二、主动公开政府信息情况": [
            "第二十条第（一）项",
            "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
            "规章\t" + "\t".join(str(n) for n in regulations),
            "行政规范性文件\t2\t0\t5",
            "第二十条第（五）项",
            "信息内容\t本年处理决定数量",
            "行政许可\t12",
            "第二十条第（六）项",
            "信息内容\t本年处理决定数量",
            "行政处罚\t3",
            "行政强制\t0",
            "第二十条第（八）项",
            "信息内容\t本年收费金额（单位：万元）",
            "行政事业性收费\t0",
        ],
        "三、收到和处理政府信息公开申请情况": request_lines(columns, requests),
        heading_four: [
            "行政复议\t\t\t\t\t行政诉讼",
            "\t\t\t\t\t未经复议直接起诉\t\t\t\t\t复议后起诉",
            "\t".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3),
            "\t".join(str(n) for n in (appeals or APPEALS)),
        ],
        "五、存在的主要问题及改进情况": ["（一）存在的主要问题", PROBLEMS, "（二）改进情况", IMPROVEMENTS],
        "六、其他需要报告的事项": [FEE],
    }
    lines = [title, "发布日期：2026-01-20 浏览次数：35", preamble] if title else [preamble]
    for heading, body in sections.items():
        if heading.split("、")[0] in drop_sections:
            continue
        lines += [heading, *body]
    return "\n".join(lines) + "\n"
