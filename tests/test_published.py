"""Reading published reports back: every form, every tolerance, every fault class.

Fixtures are made here: the bundled samples rendered to Word and converted by LibreOffice to
PDF and HTML, and the hand-written 白沙镇 report (published_helpers) with one fault planted
at a time. Nothing reads ../shared at run time.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from gongkai import check_report, read_report, render_report
from gongkai import format as fmt
from gongkai.context import build_context
from gongkai.findings import Finding, has_errors
from gongkai.model import Report
from gongkai.published import DEVIATIONS, read_blocks, read_published
from gongkai.published.core import heading_index, level_of, parse_title
from gongkai.published.from_html import decode_html, html_blocks
from gongkai.published.from_text import text_blocks
from published_helpers import (
    APPEAL_ROW,
    APPEALS,
    COLUMNS,
    HEADER_ROWS,
    REQUESTS,
    appeal_col,
    grid_row,
    proactive_row,
    report_text,
    request_col,
    request_lines,
    text_row,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("dayu-2025", "dongcheng-2025")


def read_text(text: str, name: str = "报告") -> Report:
    return read_blocks(text_blocks(text), name, name_hint=name)


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def table_figures(report: Report) -> dict[str, object]:
    """Every cell of tables 二, 三 and 四 as printed."""
    figures: dict[str, object] = {}
    for block in fmt.PROACTIVE_BLOCKS:
        for row in block.rows:
            value = getattr(report.proactive, row.key)
            if row.fields:
                for f in row.fields:
                    figures[f"proactive.{row.key}.{f}"] = getattr(value, f)
            else:
                figures[f"proactive.{row.key}"] = value
    for row in fmt.REQUEST_ROWS:
        for col in fmt.REQUEST_COLUMNS:
            figures[f"requests.{row.key}.{col.key}"] = report.request(row.key, col.key)
    for group in fmt.APPEAL_GROUPS:
        for col in fmt.APPEAL_COLUMNS:
            figures[f"appeals.{group.key}.{col.key}"] = report.appeal(group.key, col.key)
    return figures


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def squeeze_pdf(text: str) -> str:
    # LibreOffice draws a comma that hangs past the right margin where no text extractor
    # places it back in its line (pdftotext loses it too): compare PDF text without
    # punctuation.
    return re.sub(r"[\s，。；：、,.;:]+", "", text)


# --- round trip: render a sample, read the docx / PDF / HTML back ---------------------------------

_converted: dict[tuple[str, str], Path] = {}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Report, Path]]:
    out = tmp_path_factory.mktemp("rendered")
    reports = {}
    for name in SAMPLES:
        report = read_report(ROOT / "samples" / f"{name}.xlsx")
        reports[name] = (report, render_report(report, out / f"{name}.docx"))
    return reports


def published_file(rendered: dict[str, tuple[Report, Path]], soffice, name: str, form: str) -> Path:
    docx = rendered[name][1]
    if form == "docx":
        return docx
    key = (name, form)
    if key not in _converted:
        _converted[key] = soffice(docx, docx.parent, form)
    return _converted[key]


@pytest.mark.parametrize("form", ["docx", "pdf", "html"])
@pytest.mark.parametrize("name", SAMPLES)
def test_round_trip_figures_body_and_narrative(rendered, soffice, name: str, form: str) -> None:
    original, _ = rendered[name]
    path = published_file(rendered, soffice, name, form)
    report = read_report(path)  # read_report dispatches published forms by suffix
    assert (report.body.name, report.body.year, report.body.level) == (
        original.body.name,
        original.body.year,
        original.body.level,
    )
    assert table_figures(report) == table_figures(original)
    # Every figure is declared, as printed: totals included.
    assert report.requests.new.total == original.request("new", "total")
    assert report.requests.results_total.total == original.request("results_total", "total")
    findings = check_report(report)
    assert not has_errors(findings), findings
    assert not [f for f in findings if f.rule.startswith("FD-")], findings
    # The narrative reads back paragraph for paragraph (white space aside).
    context = build_context(original)
    norm = squeeze_pdf if form == "pdf" else squeeze
    for field in (fmt.OVERVIEW_INTRO, *fmt.OVERVIEW_ASPECTS):
        assert norm(getattr(report.overview, field.key)) == norm("".join(context["overview"][field.key]))
    for field in fmt.IMPROVEMENT_FIELDS:
        assert norm(getattr(report.improvements, field.key)) == norm(
            "".join(context["improvements"][field.key])
        )
    assert norm(report.other_matters.processing_fee_statement) == norm(context["fee_statement"])
    for field in fmt.OTHER_FIELDS:
        assert norm(getattr(report.other_matters, field.key)) == norm(
            getattr(original.other_matters, field.key)
        )
    assert norm(report.preamble.text) == norm("".join(context["preamble"]))
    assert len(report.overview.proactive.split("\n")) == len(context["overview"]["proactive"])


def test_locations_name_table_row_and_column_as_printed(rendered) -> None:
    report = read_published(rendered["dongcheng-2025"][1])
    where = report.provenance.cells
    granted = f"表三第{grid_row('granted')}行（（一）予以公开）第{request_col('commercial')}列（商业企业）"
    assert where["requests.granted.commercial"] == granted
    litigation = f"表四第{APPEAL_ROW}行第{appeal_col('litigation_direct', 'total')}列（行政诉讼·未经复议直接起诉·总计）"
    assert where["appeals.litigation_direct.total"] == litigation
    assert (
        where["proactive.normative_documents.repealed"]
        == f"表二第{proactive_row('normative_documents')}行（行政规范性文件）第2列（本年废止件数）"
    )
    assert where["overview.requests"] == "一、总体情况（二）依申请公开"


# --- the hand-written report and its variants -------------------------------------------------


def test_clean_text_report_reads_without_any_finding() -> None:
    report = read_text(report_text())
    assert report.body.name == "白沙镇人民政府"
    assert (report.body.short_name, report.body.level, report.body.year) == ("白沙镇", "乡镇", 2025)
    assert check_report(report) == []
    assert [report.request("new", c.key) for c in fmt.REQUEST_COLUMNS] == REQUESTS["new"]
    assert [report.appeal(g.key, c.key) for g in fmt.APPEAL_GROUPS for c in fmt.APPEAL_COLUMNS] == APPEALS
    assert report.proactive.normative_documents.in_force == 5
    assert report.proactive.licensing == 12
    assert report.improvements.problems.startswith("一是信息更新")
    assert report.improvements.improvements.startswith("一是建立")
    assert report.other_matters.processing_fee_statement.startswith("2025年")
    assert "统计期限" in report.preamble.text


def test_half_width_punctuation_and_space_separated_tables_read_the_same() -> None:
    clean = read_text(report_text())
    half = report_text().translate(str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":", "；": ";"}))
    spaced = half.replace("\t", "  ")
    for text in (half, spaced):
        report = read_text(text)
        assert table_figures(report) == table_figures(clean)
        assert check_report(report) == []


def test_metadata_lines_and_preamble_are_not_report_text() -> None:
    text = "索引号：11410000/2026-00012\n点击收听年报语音朗读\n" + report_text()
    text = text.replace(
        "发布日期：2026-01-20 浏览次数：35", "信息来源:白沙镇 发布日期:2026-01-20 09:19 浏览次数:"
    )
    report = read_text(text)
    assert check_report(report) == []
    assert report.preamble.text.startswith("本报告由白沙镇人民政府")
    assert "浏览" not in report.preamble.text


def test_heading_typo_is_a_deviation_and_the_table_still_reads() -> None:
    report = read_text(report_text(heading_four="四、政府信息公开行政法复议、行政诉讼情况"))
    findings = check_report(report)
    assert rules(findings) == ["FD-2"]
    assert findings[0].severity == "warning" and "行政法复议" in findings[0].message
    assert report.appeal("litigation_direct", "total") == 1
    variant = read_text(report_text(heading_four="四、政府信息公开行政复议和行政诉讼情况"))
    assert [(f.rule, f.severity) for f in check_report(variant)] == [("FD-2", "info")]


def test_row_total_disagreeing_with_its_parts_is_r3_2_at_the_printed_cell() -> None:
    report = read_text(report_text(requests={"new": [5, 1, 0, 0, 0, 0, 7]}))
    findings = [f for f in check_report(report) if f.severity == "error"]
    assert "R3-2" in rules(findings)
    r32 = next(f for f in findings if f.rule == "R3-2")
    assert r32.location == f"表三第{text_row('new')}行（一、本年新收政府信息公开申请数量）第{request_col('total')}列（总计）"
    assert "7" in r32.message and "6" in r32.message


def test_column_out_of_balance_is_r3_1() -> None:
    # 结转下年度 commercial 1 instead of 0 (its total kept consistent): the column no longer balances.
    report = read_text(report_text(requests={"carried_forward": [1, 1, 0, 0, 0, 0, 2]}))
    findings = [f for f in check_report(report) if f.severity == "error"]
    assert rules(findings) == ["R3-1"] or set(rules(findings)) == {"R3-1", "RN-4"}
    r31 = next(f for f in findings if f.rule == "R3-1")
    assert r31.location == f"表三第{text_row('carried_forward')}行（四、结转下年度继续办理）第{request_col('commercial')}列（商业企业）"


def test_appeal_total_disagreeing_is_r4_1() -> None:
    appeals = list(APPEALS)
    total = appeal_col("administrative_review", "total")
    appeals[total - 1] = 2  # 行政复议 总计
    findings = check_report(read_text(report_text(appeals=appeals)))
    assert "R4-1" in rules(findings)
    r41 = next(f for f in findings if f.rule == "R4-1")
    assert r41.location == f"表四第{APPEAL_ROW}行第{total}列（行政复议·总计）"


def test_narrative_count_contradicting_the_table_is_rn_1() -> None:
    text = "2025年，白沙镇共收到政府信息公开申请75件，办结6件，结转下年度继续办理1件。"
    findings = check_report(read_text(report_text(requests_narrative=text)))
    assert rules(findings) == ["RN-1"]
    assert "75" in findings[0].message and findings[0].location.startswith("一、总体情况（二）依申请公开")


def test_township_with_regulations_is_r2_1() -> None:
    findings = check_report(read_text(report_text(regulations=(1, 0, 1))))
    assert [f.rule for f in findings if f.severity == "error"] == ["R2-1", "R2-1"]
    assert findings[0].location == f"表二第{proactive_row('regulations')}行（规章）第1列（本年制发件数）"


def test_seven_parts_is_rn_7() -> None:
    preamble = "本报告由白沙镇人民政府编制，由总体情况等7个部分组成。统计期限为2025年1月1日至2025年12月31日。"
    findings = check_report(read_text(report_text(preamble=preamble)))
    assert rules(findings) == ["RN-7"]


def test_wrong_year_in_statistics_period_is_r0_4() -> None:
    preamble = "本报告由白沙镇人民政府编制。本报告所列数据的统计期限为2024年1月1日至2024年12月31日。"
    findings = check_report(read_text(report_text(preamble=preamble)))
    assert rules(findings) == ["R0-4"]


def test_blank_cells_are_read_as_zero_and_flagged() -> None:
    text = report_text().replace("（一）予以公开\t3\t1\t0\t0\t0\t0\t4", "（一）予以公开\t3\t1\t\t\t\t\t")
    report = read_text(text)
    findings = check_report(report)
    assert report.request("granted", "total") == 4  # blank 总计: the sum of its parts
    assert report.requests.granted.total is None
    assert rules(findings).count("R0-3") == 4 and rules(findings).count("FD-4") == 1
    assert not has_errors(findings)
    assert "requests.granted.research" in report.provenance.blank
    blank = next(f for f in findings if f.rule == "R0-3")
    assert blank.location == f"表三第{text_row('granted')}行（（一）予以公开）第{request_col('research')}列（科研机构）"


def test_missing_other_column_is_a_deviation_and_figures_stay_right() -> None:
    columns = tuple(c for c in COLUMNS if c != "其他")
    report = read_text(report_text(columns=columns))
    findings = check_report(report)
    assert rules(findings) == ["FD-3"]
    assert "“其他”" in findings[0].message
    clean = read_text(report_text())
    assert table_figures(report) == table_figures(clean)
    assert (
        report.provenance.cells["requests.new.total"]
        == f"表三第{text_row('new', columns)}行（一、本年新收政府信息公开申请数量）第{request_col('total', columns)}列（总计）"
    )


def test_missing_section_is_a_deviation() -> None:
    findings = check_report(read_text(report_text(drop_sections=("五",))))
    assert rules(findings) == ["FD-1"]
    assert "第五部分" in findings[0].message


def test_missing_table_heading_is_a_deviation_and_the_table_is_found_by_content() -> None:
    text = report_text().replace("四、政府信息公开行政复议、行政诉讼情况\n", "")
    report = read_text(text)
    findings = check_report(report)
    assert rules(findings) == ["FD-1"] and "第四部分标题" in findings[0].message
    assert report.appeal("administrative_review", "total") == 1
    assert report.request("carried_forward", "total") == 1


def test_short_rows_of_zeros_are_read_as_zero_and_other_short_rows_are_not_read() -> None:
    text = report_text().replace("2.重复申请\t0\t0\t0\t0\t0\t0\t0", "2.重复申请\t0\t0\t0\t0\t0")
    findings = check_report(read_text(text))
    assert rules(findings) == ["FD-5"]
    assert "只有5个数字" in findings[0].message and "按 0 读取" in findings[0].message
    # A short row with figures cannot be placed: said precisely, not read, not checked.
    text = report_text().replace("（一）予以公开\t3\t1\t0\t0\t0\t0\t4", "（一）予以公开\t3\t1\t4")
    report = read_text(text.replace("\t", " "))
    findings = check_report(report)
    assert rules(findings) == ["FD-5"]
    assert findings[0].message.startswith(f"表三第{text_row('granted')}行（（一）予以公开）只有3个数字（应有{len(COLUMNS)}个）")
    assert "requests.granted.total" in report.provenance.unprinted


def test_wrapped_and_varied_labels_are_recognised() -> None:
    lines = request_lines()
    text = report_text().replace(
        "\n".join(lines),
        "\n".join(lines)
        .replace("2.其他法律行政法规禁止公开", "2.其他法律法规禁止公开")
        .replace(
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请",
        )
        .replace("（一）予以公开\t", "（一）予以 公开\t"),
    )
    report = read_text(text)
    assert check_report(report) == []
    assert table_figures(report) == table_figures(read_text(report_text()))


def test_2019_layout_of_table_two_reads_what_maps_and_says_so() -> None:
    old = "\n".join(
        [
            "第二十条第（一）项",
            "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量",
            "规章\t0\t0\t0",
            "规范性文件\t2\t2\t5",
            "第二十条第（五）项",
            "信息内容\t上一年项目数量\t本年增/减\t处理决定数量",
            "行政许可\t10\t+1\t12",
            "其他对外管理服务事项\t0\t0\t0",
            "第二十条第（六）项",
            "信息内容\t上一年项目数量\t本年增/减\t处理决定数量",
            "行政处罚\t4\t-1\t3",
            "行政强制\t0\t0\t0",
            "第二十条第（八）项",
            "信息内容\t上一年项目数量\t本年增/减",
            "行政事业性收费\t1\t0",
        ]
    )
    text = report_text()
    start, end = text.index("第二十条第（一）项"), text.index("三、收到和处理")
    report = read_text(text[:start] + old + "\n" + text[end:])
    findings = check_report(report)
    assert rules(findings) == ["FD-7"]
    docs = report.proactive.normative_documents
    assert (docs.issued, report.proactive.licensing, report.proactive.penalties) == (2, 12, 3)
    # 对外公开总数量 counts all ever published, not those in force: no counterpart, as the real
    # 2019-layout report's expected reading has it (shared/reports/real/20_…).
    assert {
        "proactive.normative_documents.repealed",
        "proactive.normative_documents.in_force",
        "proactive.fees_wan_yuan",
    } <= report.provenance.unprinted


# --- partial reports: what they contain, no false errors about what they lack ----------------------


def test_report_ending_inside_table_three_has_no_false_table_errors() -> None:
    text = report_text()
    cut = text[: text.index("8.属于行政查询事项")]
    # The narrative says 办结 6 (RN-3) and the appeals (RN-6): the table that would tell is not printed.
    report = read_text(cut)
    findings = check_report(report)
    assert not has_errors(findings), findings
    assert {"FD-6", "FD-1"} <= set(rules(findings))
    assert not {"R3-1", "R3-3", "RN-3", "RN-4", "RN-6", "R4-1"} & set(rules(findings))
    assert "requests.results_total.total" in report.provenance.unprinted
    assert report.request("new", "total") == 6  # what it printed is read
    # What the report does print is still checked: a narrative contradicting row 一 is RN-1.
    wrong = cut.replace("共收到政府信息公开申请6件", "共收到政府信息公开申请9件")
    assert "RN-1" in rules(check_report(read_text(wrong)))


def test_narrative_only_report_yields_its_narrative_checks() -> None:
    text = "\n".join(
        [
            "点击收听年报语音朗读",
            "本报告由青溪县白沙镇人民政府按照《中华人民共和国政府信息公开条例》编制，共7个部分。"
            "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。",
            "一、总体情况",
            "(一)主动公开情况",
            "2024年度,我镇通过网站主动公开政府信息共48条,其中工作动态35条,通知公告9条,政府采购1条。",
            "(二)依申请公开情况",
            "2024年度,我镇共收到依申请公开政府信息的申请2件,均按时答复。全年未收到行政复议和诉讼。",
        ]
    )
    report = read_text(text)
    assert (report.body.name, report.body.short_name, report.body.parent, report.body.year) == (
        "青溪县白沙镇人民政府",
        "白沙镇",
        "青溪县",
        2024,
    )
    findings = check_report(report)
    assert [f.rule for f in findings if f.severity == "error"] == ["RN-7"]
    assert "RN-9" in rules(findings)  # 35 + 9 + 1 ≠ 48
    assert not {"RN-1", "RN-3", "RN-6", "R3-1", "R4-1"} & set(rules(findings))
    assert rules(findings).count("FD-1") >= 5 and "FD-10" in rules(findings)


def test_nothing_of_a_report_is_unreadable(tmp_path: Path) -> None:
    from gongkai.errors import UnreadableInputError

    path = tmp_path / "notes.txt"
    path.write_text("会议纪要\n今天讨论了三件事。\n", encoding="utf-8")
    with pytest.raises(UnreadableInputError):
        read_report(path)


# --- HTML from a portal: GBK, spans, wrapped labels ------------------------------------------------


def _portal_page() -> str:
    # Spans from the format; the labels as a portal prints them: half-width punctuation, wrapped.
    corner = fmt.REQUEST_CORNER_LABEL.translate(str.maketrans({"（": "(", "）": ")", "，": ",", "：": ":"}))
    parts = fmt.REQUEST_PART_COLUMNS
    header = (
        f'<tr><td rowspan="{HEADER_ROWS}" colspan="{fmt.REQUEST_LABEL_DEPTH}">{corner}</td>'
        f'<td colspan="{len(fmt.REQUEST_COLUMNS)}">{fmt.REQUEST_APPLICANT_LABEL}</td></tr>'
        f'<tr><td rowspan="2">{parts[0].label}</td><td colspan="{len(parts) - 1}">{fmt.REQUEST_LEGAL_PERSON_LABEL}</td>'
        f'<td rowspan="2">{fmt.REQUEST_COLUMNS[-1].label}</td></tr>'
        "<tr>"
        + "".join(f"<td>{c.label[:-2]}<br>{c.label[-2:]}</td>" for c in parts[1:-1])
        + f"<td>{parts[-1].label}</td></tr>"
    )
    rows = []
    label_cells = {(lc.row, lc.col): lc for lc in fmt.request_label_cells()}
    for i, row in enumerate(fmt.REQUEST_ROWS):
        cells = []
        for depth, label in enumerate(row.path):
            lc = label_cells.get((i, depth))
            if lc is None:
                continue  # under a group label that spans down from an earlier row
            if depth < len(row.path) - 1:
                cells.append(f'<td rowspan="{lc.rowspan}">{label}</td>')
            else:
                wrapped = label[:6] + "<br/>" + label[6:]
                cells.append(f'<td colspan="{lc.colspan}">{wrapped}</td>')
        numbers = REQUESTS.get(row.key, [0] * len(fmt.REQUEST_COLUMNS))
        cells += [f"<td>{n}</td>" for n in numbers]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table3 = "<table border=1><tbody>" + header + "".join(rows) + "</tbody></table>"
    text = report_text()
    before = text[: text.index("（本列数据")].split("\n")
    after = text[text.index("四、政府信息公开行政复议") :].split("\n")

    def paragraphs(lines: list[str]) -> str:
        out = []
        for line in lines:
            if "\t" in line:
                out.append(
                    "<table><tr>" + "".join(f"<td>{c}</td>" for c in line.split("\t")) + "</tr></table>"
                )
            elif line:
                out.append(f"<p>{line}</p>")
        return "".join(out)

    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>年报</title>'
        "<script>var x = '一、总体情况';</script></head><body><div class='nav'>首页 &gt; 政府信息公开</div>"
        f"<div class='content'>{paragraphs(before)}{table3}{paragraphs(after)}</div></body></html>"
    )


def test_gbk_portal_page_with_spans_and_wrapped_labels(tmp_path: Path) -> None:
    path = tmp_path / "白沙镇年报.htm"
    path.write_bytes(_portal_page().encode("gbk"))
    report = read_report(path)
    assert report.body.name == "白沙镇人民政府"
    findings = check_report(report)
    assert findings == [] or set(rules(findings)) <= {"FD-2"}, findings
    assert table_figures(report) == table_figures(read_text(report_text()))
    assert (
        report.provenance.cells["requests.granted.natural_person"]
        == f"表三第{grid_row('granted')}行（（一）予以公开）第{request_col('natural_person')}列（自然人）"
    )


def test_html_encoding_detection() -> None:
    page = '<html><head><meta charset="gbk"></head><body><p>大峪镇</p></body></html>'
    assert "大峪镇" in decode_html(page.encode("gbk"))
    assert "大峪镇" in decode_html(page.replace("gbk", "utf-8").encode("utf-8"))
    assert "大峪镇" in decode_html(b"<p>" + "大峪镇".encode("gb18030") + b"</p>")  # no declaration
    blocks = html_blocks(
        "<body><p>第一段<br>第二段</p><table><tr><td rowspan=2>甲</td><td>1</td></tr><tr><td>2</td></tr></table></body>"
    )
    assert [getattr(b, "text", None) for b in blocks[:2]] == ["第一段", "第二段"]
    assert blocks[2].rows == (("甲", "1"), ("", "2"))


# --- identification ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("大峪镇人民政府", "乡镇"),
        ("兴化市大营镇", "乡镇"),
        ("青山县东城街道办事处", "街道"),
        ("平潭综合实验区", "县级政府"),
        ("青山县人民政府", "县级政府"),
        ("某某经济开发区管委会", "县级政府"),
        ("青山县教育局", "县级部门"),
        ("青山县人民政府办公室", "县级部门"),
        ("青山县发展和改革委员会", "县级部门"),
        ("青山水务集团", "其他"),
    ],
)
def test_level_from_name(name: str, level: str) -> None:
    assert level_of(name) == level


def test_titles_and_headings() -> None:
    assert parse_title("大峪镇人民政府 2025 年政府信息公开工作年度报告") == ("大峪镇人民政府", 2025)
    assert parse_title("平潭综合实验区2021年度政府信息公开工作年度报告") == ("平潭综合实验区", 2021)
    assert parse_title("2023年大营镇政府信息公开工作年度报告") == ("大营镇", 2023)
    assert heading_index("四、政府信息公开行政法复议、行政诉讼情况") == (3, False)
    assert heading_index("三、本年度办理结果") is None
    assert heading_index("四、结转下年度继续办理") is None
    assert heading_index("（一）主动公开情况") is None
    assert heading_index("六、其他事项") == (5, False)


def test_every_deviation_id_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in DEVIATIONS:
        assert f"| {rule} |" in readme


def test_fee_amount_is_taken_from_the_statement() -> None:
    text = report_text().replace("未收取政府信息公开信息处理费", "收取信息处理费120元")
    report = read_text(text)
    assert report.other_matters.processing_fee_yuan == Decimal(120)
    assert check_report(report) == []
