"""Classes of input seen in real published reports, each in a fixture written here.

The 白沙镇 report (published_helpers) is re-laid the way real pages and PDFs lay reports out:
a title over two lines, a crawler's text nodes one per line, a table printed a cell a line,
a PDF table whose figures stand outside its ruling lines, table 三 with （六）其他处理 as one
row, table 二 without a 规章 row; and bodies of every level.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai import check_report
from gongkai import format as fmt
from gongkai.model import Report
from gongkai.published import read_blocks, read_published
from gongkai.published.core import level_of
from gongkai.published.from_html import html_blocks
from gongkai.published.from_text import text_blocks
from pdf_fixture import PdfPage, write_pdf
from published_helpers import PROACTIVE, REQUESTS, report_text

TITLE = "白沙镇人民政府2025年政府信息公开工作年度报告"


def read_text(text: str) -> Report:
    return read_blocks(text_blocks(text), "报告", name_hint="报告")


def deviations(report: Report, rule: str) -> list[str]:
    return [f.message for f in report.provenance.findings if f.rule == rule]


# --- titles over two lines ------------------------------------------------------------------


def test_title_over_two_lines_in_text_names_the_body() -> None:
    report = read_text(report_text(title="白沙镇人民政府\n2025年政府信息公开工作年度报告"))
    assert (report.body.name, report.body.level, report.body.year) == ("白沙镇人民政府", "乡镇", 2025)
    assert deviations(report, "FD-10") == []


def test_title_over_two_lines_in_html_names_the_body() -> None:
    body = "".join(f"<p>{line}</p>" for line in report_text(title="").splitlines() if "\t" not in line)
    page = f"<html><body><h1>青山县交通运输局</h1><h1>2025年政府信息公开工作年度报告</h1>{body}</body></html>"
    report = read_blocks(html_blocks(page), "报告", name_hint="报告")
    assert (report.body.name, report.body.level) == ("青山县交通运输局", "县级部门")


def test_a_long_line_before_the_year_line_is_not_taken_as_the_name() -> None:
    text = report_text(title="首页 > 政务公开 > 年度报告\n2025年政府信息公开工作年度报告")
    report = read_text(text)
    assert report.body.name == "白沙镇人民政府"  # from the preamble ("本报告由白沙镇人民政府…")


def test_bare_place_in_the_title_takes_the_preamble_s_full_name() -> None:
    text = report_text(title="白沙镇2025年政府信息公开工作年度报告")
    assert read_text(text).body.name == "白沙镇人民政府"


# --- levels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "level"),
    [
        ("江北省人民政府", "", "省级政府"),
        ("江北省人民政府办公厅", "", "省级部门"),
        ("江北省教育厅", "", "省级部门"),
        ("北京市人民政府", "", "省级政府"),
        ("上海市青浦区人民政府", "", "县级政府"),
        ("某某壮族自治区人民政府", "", "省级政府"),
        ("某某州人民政府", "", "其他"),
        ("某某土家族苗族自治州人民政府", "", "市级政府"),
        ("青州市人民政府", "全市各县（市、区）政府网站均已完成改版。", "市级政府"),
        ("青州市人民政府", "指导各乡镇（街道）做好公开工作。", "县级政府"),
        ("青州市人民政府", "", "县级政府"),
        ("青州市住房和城乡建设局", "地址：青州市北湖区滨河路1号。", "市级部门"),
        ("青州市住房和城乡建设局", "地址：青州市高新区科技路1号。", "县级部门"),
        ("青州市北湖区人民政府", "", "县级政府"),
        ("江北省青州市北湖区教育局", "", "县级部门"),
        ("某某实验区东岸片区管理局", "", "乡镇"),
    ],
)
def test_level_from_name_and_the_report_s_words(name: str, text: str, level: str) -> None:
    assert level in fmt.LEVELS
    assert level_of(name, text) == level


def _with_regulations(title: str, preamble: str) -> Report:
    return read_text(report_text(title=title, preamble=preamble, regulations=(1, 0, 7)))


def test_city_government_with_regulations_is_normal_and_a_township_s_an_error() -> None:
    city = _with_regulations(
        "青州市人民政府2025年政府信息公开工作年度报告",
        "本报告由青州市人民政府编制。全市各县（市、区）和市政府各部门的数据另行公布。"
        "本报告所列数据的统计期限为2025年1月1日至2025年12月31日。",
    )
    assert city.body.level == "市级政府"
    assert [f for f in check_report(city) if f.rule == "R2-1"] == []
    county = _with_regulations("青山县人民政府2025年政府信息公开工作年度报告", "本报告由青山县人民政府编制。")
    assert {f.severity for f in check_report(county) if f.rule == "R2-1"} == {"info"}
    township = _with_regulations(TITLE, "本报告由白沙镇人民政府编制。")
    assert {f.severity for f in check_report(township) if f.rule == "R2-1"} == {"error"}


def test_every_level_has_a_fee_limit() -> None:
    from gongkai.checks.tables import FEE_LIMIT_WAN_YUAN

    assert set(FEE_LIMIT_WAN_YUAN) == set(fmt.LEVELS)


# --- crawler text and tables a cell a line ------------------------------------------------


def _one_cell_a_line(text: str, broken: dict[str, str] | None = None) -> str:
    """The report as a crawler takes it from a page: tables a cell a line, every paragraph
    broken where the page had inline markup (after each year and each figure), and the
    figures of ``broken`` rows (label -> printed cells) as given."""
    out: list[str] = []
    for line in text.splitlines():
        if "\t" in line:
            cells = [c for c in line.split("\t") if c]
            label = cells[0] if cells and not cells[0].isdigit() else ""
            if label in (broken or {}):
                out += [label, *(broken or {})[label].split()]
            else:
                out += cells
            continue
        pieces = line.replace("2025年", "20\n25\n年").replace("6件", "\n6\n件")
        out += pieces.split("\n")
    return "\n".join(out) + "\n"


def test_crawler_text_is_rejoined_into_paragraphs_and_tables() -> None:
    report = read_text(_one_cell_a_line(report_text()))
    assert (report.body.name, report.body.year) == ("白沙镇人民政府", 2025)
    assert "2025年，白沙镇共收到政府信息公开申请6件" in report.overview.requests
    assert report.requests.new.total == 6 and report.appeals.administrative_review.total == 1
    assert report.requests.carried_forward.natural_person == REQUESTS["carried_forward"][0]
    assert report.proactive.normative_documents.in_force == 5
    assert deviations(report, "FD-11") and not deviations(report, "FD-9") and not deviations(report, "FD-3")
    assert [f for f in check_report(report) if f.severity == "error"] == []


def test_text_with_each_table_cell_on_its_own_line_reads_without_joining_paragraphs() -> None:
    text = "\n".join(
        cell for line in report_text().splitlines() for cell in (line.split("\t") if "\t" in line else [line]) if cell
    )
    report = read_text(text)
    assert deviations(report, "FD-11") == []  # whole paragraphs a line: nothing to join
    assert report.requests.granted.total == 4 and report.proactive.licensing == 12
    assert [f.rule for f in check_report(report) if f.severity != "info"] == []


def test_a_figure_broken_in_two_is_rejoined_when_the_row_total_decides() -> None:
    label = "一、本年新收政府信息公开申请数量"
    values = {"new": [15, 1, 0, 0, 0, 0, 16], "results_total": [15, 1, 0, 0, 0, 0, 16], "granted": [13, 1, 0, 0, 0, 0, 14]}
    text = report_text(requests=values, requests_narrative="2025年，白沙镇共收到政府信息公开申请16件。")
    report = read_text(_one_cell_a_line(text, {label: "1 5 1 0 0 0 0 16"}))
    assert report.requests.new.natural_person == 15 and report.requests.new.total == 16
    assert any("15 1 0 0 0 0 16" in m for m in deviations(report, "FD-12"))


def test_the_columns_decide_what_the_row_total_cannot() -> None:
    # "1 1 1 0 0 0 0 12": 11+1 and 1+11 both make 12; 一 + 二 = 三（七）+ 四 per column says 11, 1.
    label = "一、本年新收政府信息公开申请数量"
    values = {"new": [11, 1, 0, 0, 0, 0, 12], "results_total": [11, 1, 0, 0, 0, 0, 12], "granted": [9, 1, 0, 0, 0, 0, 10]}
    text = _one_cell_a_line(report_text(requests=values), {label: "1 1 1 0 0 0 0 12"})
    report = read_text(text)
    assert (report.requests.new.natural_person, report.requests.new.commercial) == (11, 1)
    assert any("11 1 0 0 0 0 12" in m for m in deviations(report, "FD-12"))
    # Without the rest of the table nothing decides: the row is left unread and said so.
    partial = read_text(text[: text.index("二、上年结转政府信息公开申请数量")])
    assert "requests.new.natural_person" in partial.provenance.unprinted
    assert any("3种接法都符合本行合计" in m for m in deviations(partial, "FD-5"))  # 11+1, 1+11, 1 1 10
    assert not any(f.rule.startswith("R3-") for f in check_report(partial))


def test_broken_figures_that_no_joining_balances_are_not_read() -> None:
    label = "二、上年结转政府信息公开申请数量"
    report = read_text(_one_cell_a_line(report_text(), {label: "1 0 0 0 0 0 0 5"}))
    assert "requests.carried_over.total" in report.provenance.unprinted
    assert any("没有一种符合本行合计" in m for m in deviations(report, "FD-5"))


# --- table 三's （六）其他处理 as one row; table 二 without 规章 ------------------------------


OTHER_HANDLING_KEYS = tuple(r.key for r in fmt.REQUEST_ROWS if fmt.OTHER_HANDLING in r.path)


def _replace_other_handling(text: str, values: tuple[int, ...] | None = None) -> str:
    lines = text.splitlines()
    start = lines.index(fmt.OTHER_HANDLING)
    cells = values or (0,) * len(fmt.REQUEST_COLUMNS)
    undivided = fmt.OTHER_HANDLING + "".join(f"\t{n}" for n in cells)
    return "\n".join([*lines[:start], undivided, *lines[start + 1 + len(OTHER_HANDLING_KEYS) :]]) + "\n"


def test_undivided_other_handling_row_leaves_its_rows_unprinted() -> None:
    # 1 by a natural person: which of the three rows it belongs to is not printed.
    one = (1,) + (0,) * (len(fmt.REQUEST_PART_COLUMNS) - 1) + (1,)
    report = read_text(_replace_other_handling(report_text(), one))
    for key in OTHER_HANDLING_KEYS:
        assert f"requests.{key}.natural_person" in report.provenance.unprinted
    assert len([m for m in deviations(report, "FD-6") if "（六）其他处理" in m]) == 1
    assert not any(f.rule == "R3-3" for f in check_report(report))


def test_an_undivided_other_handling_row_of_zeros_makes_its_rows_zero_and_checked() -> None:
    report = read_text(_replace_other_handling(report_text()))
    for key in OTHER_HANDLING_KEYS:
        assert f"requests.{key}.natural_person" in report.provenance.inferred
        assert f"requests.{key}.natural_person" not in report.provenance.unprinted
    (said,) = [m for m in deviations(report, "FD-6") if "（六）其他处理" in m]
    assert "均按 0 读取" in said
    assert report.requests.results_total.total == 6
    assert [f for f in check_report(report) if f.severity == "error"] == []
    # …and so a （七）总计 that contradicts the rows is found (the real fault of 20_pingtan).
    broken = _replace_other_handling(report_text()).replace("（七）总计\t", "（七）总计\t9", 1)
    assert any(f.rule == "R3-3" for f in check_report(read_text(broken)))


def test_table_two_without_a_regulations_row() -> None:
    text = "\n".join(line for line in report_text().splitlines() if not line.startswith("规章\t")) + "\n"
    report = read_text(text)
    assert "proactive.regulations.issued" in report.provenance.unprinted
    assert report.proactive.normative_documents.issued == 2
    assert any("规章" in m for m in deviations(report, "FD-6"))
    assert not any(f.rule == "R2-1" for f in check_report(report))


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_report(path: Path, *, ruled_between_figures: bool) -> Path:
    """A one-page PDF of 白沙镇's report: title over two lines, the page framed, table 二 ruled
    around its rows but (unless asked) not between the figures of 规章 and 行政规范性文件."""
    page = PdfPage()
    page.text(230, 50, "白沙镇人民政府", 16)
    page.text(150, 75, "2025年政府信息公开工作年度报告", 16)
    top = 110
    text = report_text(title="", drop_sections=("二", "三", "四"))
    for line in text.splitlines():
        if line.startswith(("五、", "六、")):
            break
        page.text(80, top, line[:38], 10)
        top += 15
    page.text(80, top, "二、主动公开政府信息情况", 10)
    top += 20
    block = fmt.PROACTIVE_BLOCKS[0]  # 规章 and 行政规范性文件
    values = {**PROACTIVE, "regulations": (0, 0, 0)}
    rows = [
        (block.columns[0], list(block.columns[1:])),
        *((row.label, [str(n) for n in values[row.key]]) for row in block.rows),
    ]
    columns = [70, 230, 330, 430, 525]
    bottom = top + 20 * len(rows)
    page.box(columns[0], top, columns[-1], bottom)
    for i, (label, cells) in enumerate(rows):
        y = top + 20 * i
        if i:
            page.line(columns[0], y, columns[-1], y)
        page.text(columns[0] + 4, y + 5, label, 9)
        for j, cell in enumerate(cells):
            page.text(columns[1 + j] + 6, y + 5, cell, 9)
    page.line(columns[1], top, columns[1], bottom)
    # The header row has its lines; the figures' rows have none between their cells.
    for x in columns[2:-1]:
        page.line(x, top, x, bottom if ruled_between_figures else top + 20)
    page.text(80, bottom + 20, "第二十条第（五）项 行政许可 12", 10)
    return write_pdf(path, [page])


def test_pdf_title_over_two_lines_and_figures_outside_ruling_lines(tmp_path: Path) -> None:
    report = read_published(_pdf_report(tmp_path / "白沙镇.pdf", ruled_between_figures=False))
    assert (report.body.name, report.body.level, report.body.year) == ("白沙镇人民政府", "乡镇", 2025)
    docs = report.proactive.normative_documents
    assert (docs.issued, docs.repealed, docs.in_force) == (2, 0, 5)
    assert any("文字层" in m for m in deviations(report, "FD-12"))


def test_pdf_fully_ruled_table_reads_from_its_cells(tmp_path: Path) -> None:
    report = read_published(_pdf_report(tmp_path / "白沙镇.pdf", ruled_between_figures=True))
    docs = report.proactive.normative_documents
    assert (docs.issued, docs.repealed, docs.in_force) == (2, 0, 5)
    assert deviations(report, "FD-12") == []


# --- sections that are not the format's six (issue 15 §3) ------------------------------------------


def test_a_sub_heading_worded_like_section_two_stays_inside_section_one() -> None:
    text = report_text().replace("（一）主动公开情况", "（一）主动公开政府信息情况", 1)
    assert "（一）主动公开政府信息情况" in text
    report = read_text(text)
    assert not deviations(report, "FD-2") and not deviations(report, "FD-1")
    assert report.overview.proactive.startswith("白沙镇通过政府网站发布信息40条")
    assert report.proactive.normative_documents.issued == read_text(report_text()).proactive.normative_documents.issued
