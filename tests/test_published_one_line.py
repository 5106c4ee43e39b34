"""Crawler text with the whole article on one line (issue 15 §1), on fixtures of our own."""

from __future__ import annotations

import pytest

from gongkai import check_report
from gongkai import format as fmt
from gongkai.model import Report
from gongkai.published import read_blocks
from gongkai.published.from_text import text_blocks
from gongkai.published.one_line import _row_balances, cut, is_one_line
from gongkai.results import table_figures
from published_helpers import REQUESTS, report_text

HEADER = "标题: 白沙镇人民政府2025年政府信息公开工作年度报告\n发布时间: 2026-01-20\n==================== 正文 ====================\n"


def read_text(text: str) -> Report:
    return read_blocks(text_blocks(text), "报告", name_hint="报告")


def one_line(text: str) -> str:
    """What an archive crawler makes of the page: every text node joined, nothing between."""
    return HEADER + "".join(line.replace("\t", "") for line in text.splitlines()) + "\n"


def deviations(report: Report, rule: str) -> list[str]:
    return [f.message for f in report.provenance.findings if f.rule == rule]


def test_one_line_text_reads_as_the_page_it_came_from() -> None:
    page = report_text()
    crawled = one_line(page)
    assert is_one_line(crawled) and not is_one_line(page)
    report = read_text(crawled)
    assert table_figures(report) == table_figures(read_text(page))
    assert report.body.name == "白沙镇人民政府" and report.body.year == 2025
    assert report.overview.proactive.startswith("白沙镇通过政府网站发布信息40条")
    assert deviations(report, "FD-11") and len(deviations(report, "FD-12")) == 3
    assert [f for f in check_report(report) if f.severity == "error"] == []


def test_multi_digit_cells_are_cut_only_where_the_row_total_leaves_one_reading() -> None:
    assert cut("123000015", 7, _row_balances) == ["12", "3", "0", "0", "0", "0", "15"]
    assert cut("1234567", 7, _row_balances) == list("1234567")  # one digit a cell: the digits decide
    assert cut("11000000", 7, _row_balances) is None  # no cut balances: not guessed
    assert cut("12 3 0 0 0 0 15", 7) == ["12", "3", "0", "0", "0", "0", "15"]  # spaces are boundaries
    values = {"new": [12, 3, 0, 0, 0, 0, 15], "granted": [12, 3, 0, 0, 0, 0, 15], "carried_forward": [0] * 7}
    report = read_text(one_line(report_text(requests={**REQUESTS, **values})))
    assert report.request("new", "natural_person") == 12 and report.request("new", "total") == 15


def test_a_printed_total_that_contradicts_its_parts_survives_the_cutting() -> None:
    # One digit a cell: the only reading keeps the printed 总计 of 2 beside parts summing to 1.
    wrong = {"new": [1, 0, 0, 0, 0, 0, 2]}
    report = read_text(one_line(report_text(requests={**REQUESTS, **wrong})))
    assert report.requests.new.total == 2
    assert ("R3-2", "requests.new.total") in {(f.rule, f.path) for f in check_report(report)}


def test_a_run_with_more_than_one_reading_leaves_the_row_unread_and_says_so() -> None:
    # "11000000": 8 digits for 7 cells, and no cut makes the row add up.
    broken = {"carried_over": [11, 0, 0, 0, 0, 0, 0]}
    report = read_text(one_line(report_text(requests={**REQUESTS, **broken})))
    (said,) = [m for m in deviations(report, "FD-12") if m.startswith(fmt.TABLE_NUMBERS["requests"])]
    assert "无法唯一拆开" in said and fmt.REQUEST_ROWS[1].label in said
    assert "requests.carried_over.natural_person" in report.provenance.unprinted


@pytest.mark.parametrize("width", [1400, 400])
def test_ordinary_copied_pages_are_not_unfolded(width: int) -> None:
    page = report_text()
    assert not is_one_line(page)
    assert not is_one_line("一、总体情况" + "文" * width)
