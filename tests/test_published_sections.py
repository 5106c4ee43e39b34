"""Sections that are not the format's six (issue 15 §3), in fixtures written here.

Real reports renumber or replace sections: 五 as 信息处理费收取情况 with a small table of its
own, 六 as 存在的主要问题及改进措施, no 其他需要报告的事项 at all. Each table is known by its own
header and labels (the fee table is never a row of table 四), a heading is a section heading
only at the top level of the outline, and the real deviation is said once. Every variant is
read from copied text and from an HTML page or a Word file built from the same lines.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

import docx
import pytest

from gongkai import check_report
from gongkai.model import Report
from gongkai.published import read_blocks, read_published
from gongkai.published.from_html import html_blocks
from gongkai.published.from_text import text_blocks
from published_helpers import APPEALS, FEE, IMPROVEMENTS, PROBLEMS, report_text

FEE_HEADING = "五、信息处理费收取情况"
FEE_TEXT = "2025年，白沙镇收取信息处理费100元。"
# Three figures a row, as table 四's row has: merged into table 四 it was its "多出的数字行".
FEE_TABLE = ["收费项目\t收费件数\t收费金额（元）\t减免金额（元）", "信息处理费\t1\t100\t0"]
PROBLEMS_HEADING = "六、存在的主要问题及改进措施"
PROBLEM_PARTS = ["（一）存在的主要问题", PROBLEMS, "（二）改进措施", IMPROVEMENTS]


def _with_tail(*lines: str, drop: tuple[str, ...] = ("五", "六")) -> str:
    """白沙镇's report with sections 五 and 六 replaced by ``lines``."""
    return report_text(drop_sections=drop) + "\n".join(lines) + "\n"


def fee_section_report(table: list[str] | None = None) -> str:
    """五 as 信息处理费收取情况 with its own table, 六 as 存在的主要问题及改进措施, no 其他."""
    return _with_tail(FEE_HEADING, FEE_TEXT, *(FEE_TABLE if table is None else table), PROBLEMS_HEADING, *PROBLEM_PARTS)


def read_text(text: str) -> Report:
    return read_blocks(text_blocks(text), "报告", name_hint="报告")


def _parts(text: str) -> list[str | list[list[str]]]:
    """The text's paragraphs (str) and tables (rows of cells: consecutive tab-separated lines;
    an empty line ends a table)."""
    out: list[str | list[list[str]]] = []
    for line in text.splitlines():
        if not line:
            out.append([])
        elif "\t" not in line:
            out.append(line)
        elif out and isinstance(out[-1], list):
            out[-1].append(line.split("\t"))
        else:
            out.append([line.split("\t")])
    return out


def read_html(text: str) -> Report:
    body = []
    for part in _parts(text):
        if isinstance(part, str):
            body.append(f"<p>{escape(part)}</p>")
        elif part:
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in part)
            body.append(f"<table>{rows}</table>")
    page = f"<html><body><div class='article'>{''.join(body)}</div></body></html>"
    return read_blocks(html_blocks(page), "报告", name_hint="报告")


def read_docx(text: str, path: Path) -> Report:
    document = docx.Document()
    for part in _parts(text):
        if isinstance(part, str):
            document.add_paragraph(part)
            continue
        if not part:
            continue
        width = max(len(row) for row in part)
        table = document.add_table(rows=len(part), cols=width)
        for i, row in enumerate(part):
            for j, cell in enumerate(row):
                table.cell(i, j).text = cell
    document.save(path)
    return read_published(path)


READERS = ["text", "html", "docx"]


def read_as(form: str, text: str, tmp_path: Path) -> Report:
    if form == "text":
        return read_text(text)
    if form == "html":
        return read_html(text)
    return read_docx(text, tmp_path / "报告.docx")


def deviations(report: Report, rule: str) -> list[str]:
    return [f.message for f in report.provenance.findings if f.rule == rule]


# --- 五 as 信息处理费收取情况, 六 as 存在的主要问题及改进措施, no 其他需要报告的事项 ----------------------


@pytest.mark.parametrize("form", READERS)
def test_a_fee_section_of_its_own_is_no_part_of_table_four(form: str, tmp_path: Path) -> None:
    report = read_as(form, fee_section_report(), tmp_path)
    assert deviations(report, "FD-9") == []  # the fee table's row is not table 四's "多出的数字行"
    review = report.appeals.administrative_review
    assert (review.upheld, review.total) == (APPEALS[0], APPEALS[4])
    # Its text and its table's figure are the 信息处理费 the format asks for in 六.
    assert report.other_matters.processing_fee_statement == FEE_TEXT
    assert report.other_matters.processing_fee_yuan == Decimal(100)
    assert report.provenance.cells["other_matters.processing_fee_yuan"].endswith("（信息处理费）")
    # 六、存在的主要问题及改进措施 is the format's 五.
    assert (report.improvements.problems, report.improvements.improvements) == (PROBLEMS, IMPROVEMENTS)
    assert [f.rule for f in check_report(report) if f.severity != "info" and not f.rule.startswith("FD-")] == []


@pytest.mark.parametrize("form", READERS)
def test_the_real_deviation_is_said_once_and_correctly(form: str, tmp_path: Path) -> None:
    report = read_as(form, fee_section_report(), tmp_path)
    (missing,) = deviations(report, "FD-1")
    assert missing.startswith("报告没有第六部分“六、其他需要报告的事项”")
    assert FEE_HEADING in missing and "序号因此顺延" in missing and "信息处理费" in missing
    # The renumbered heading is said for its words (措施 for 情况), once, as the format's 五.
    (heading,) = deviations(report, "FD-2")
    assert heading == f"第五部分标题印为“{PROBLEMS_HEADING}”，格式原文为“五、存在的主要问题及改进情况”。"


def test_a_heading_renumbered_only_is_not_said_again() -> None:
    report = read_text(fee_section_report().replace(PROBLEMS_HEADING, "六、存在的主要问题及改进情况"))
    assert deviations(report, "FD-2") == []
    assert len(deviations(report, "FD-1")) == 1
    assert report.improvements.problems == PROBLEMS


def test_without_a_unit_the_fee_is_what_the_text_says() -> None:
    # "收费金额" names no unit: the table does not say what its 100 is, the sentence does.
    table = ["收费项目\t收费件数\t收费金额", "信息处理费\t1\t100"]
    text = fee_section_report(table).replace(FEE_TEXT, "2025年，白沙镇收取信息处理费0.01万元。")
    report = read_text(text)
    assert report.other_matters.processing_fee_yuan == Decimal(100)
    assert "other_matters.processing_fee_yuan" not in report.provenance.cells


def test_a_fee_table_in_wan_yuan_that_contradicts_the_text_is_found() -> None:
    table = ["收费项目\t收费件数\t收费金额（万元）", "信息处理费\t1\t0.5"]
    report = read_text(fee_section_report(table))
    assert report.other_matters.processing_fee_yuan == Decimal(5000)
    # 100 元 in the text against 5000 元 in the table: a real fault, and RN-11 says it.
    assert any(f.rule == "RN-11" and "100" in f.message for f in check_report(report))


def test_a_section_of_its_own_beside_the_format_s_six_is_said_as_fd2() -> None:
    text = _with_tail(
        "五、存在的主要问题及改进情况",
        *PROBLEM_PARTS,
        "六、信息处理费收取情况",
        FEE_TEXT,
        "七、其他需要报告的事项",
        "本年度无其他需要报告的事项。",
    )
    report = read_text(text)
    assert deviations(report, "FD-1") == []
    (own,) = deviations(report, "FD-2")
    assert "“六、信息处理费收取情况”" in own and "序号因此顺延" in own
    assert report.other_matters.processing_fee_statement == FEE_TEXT
    assert report.other_matters.other == "本年度无其他需要报告的事项。"


@pytest.mark.parametrize("form", ["html", "docx"])
def test_a_fee_table_under_section_four_without_a_heading_is_its_own(form: str, tmp_path: Path) -> None:
    # The fee table printed straight after table 四, no heading of its own between them.
    text = report_text().replace("五、存在的主要问题及改进情况", "\n".join(["", *FEE_TABLE, "五、存在的主要问题及改进情况"]))
    report = read_as(form, text, tmp_path)
    assert deviations(report, "FD-9") == [] and deviations(report, "FD-1") == []
    assert report.appeals.administrative_review.total == APPEALS[4]
    assert report.other_matters.processing_fee_yuan == Decimal(100)
    # 六 says no fee was charged while the table prints 100 元: the real disagreement stays.
    assert report.other_matters.processing_fee_statement == FEE
    assert any(f.rule == "RN-11" for f in check_report(report))

