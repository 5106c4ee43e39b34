"""The Word template, its context and the docx writer, checked by reading the output back."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from gongkai import format as fmt
from gongkai.context import build_context, format_decimal, split_paragraphs, title_lines
from gongkai.docx_writer import (
    DocxRenderer,
    default_template_path,
    export_template,
    get_renderer,
    render_docx,
    validate_template,
)
from gongkai.errors import OutputError, TemplateError
from gongkai.model import Body, Channels, NewMediaAccount, Preamble, Report, WebsiteItem
from gongkai.template_build import TEXT_WIDTH, build_template

# --- fixtures -------------------------------------------------------------------------------


def busy_report() -> Report:
    """A report with a distinct non-zero number in every cell, so a misplaced cell shows."""
    report = Report(
        body=Body(name="平潭综合实验区管理委员会", short_name="平潭综合实验区", level="县级政府", year=2021),
        preamble=Preamble(
            portal="平潭综合实验区门户网站（www.pingtan.gov.cn）",
            contact="平潭综合实验区党政办公室",
            address="平潭综合实验区金井湾片区商务营运中心",
            phone="0591-86161234",
        ),
        channels=Channels(
            website_breakdown=[
                WebsiteItem(label="政策文件", count=4),
                WebsiteItem(label="法定主动公开内容", count=13),
            ],
            new_media=[NewMediaAccount(name="平潭发布", platform="微信公众号", posts=640)],
        ),
    )
    p = report.proactive
    p.regulations.issued, p.regulations.repealed, p.regulations.in_force = 1, 2, 3
    p.normative_documents.issued, p.normative_documents.repealed, p.normative_documents.in_force = 88, 55, 698
    p.licensing, p.penalties, p.coercive_measures = 4101, 4102, 4103
    p.fees_wan_yuan = Decimal("24252.311082")
    for i, row in enumerate(fmt.REQUEST_ROWS):
        if row.kind == "results_total":
            continue
        counts = getattr(report.requests, row.key)
        for j, col in enumerate(fmt.REQUEST_PART_COLUMNS):
            setattr(counts, col.key, 100 + i * 10 + j)
    for g, group in enumerate(fmt.APPEAL_GROUPS):
        counts = getattr(report.appeals, group.key)
        for j, col in enumerate(fmt.APPEAL_PART_COLUMNS):
            setattr(counts, col.key, 50 + g * 10 + j)
    report.other_matters.processing_fee_yuan = Decimal("1234.50")
    return report


def zero_report() -> Report:
    return Report(body=Body(name="大峪镇人民政府", short_name="大峪镇", year=2025))


@pytest.fixture(scope="module")
def busy_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("busy") / "report.docx"
    render_docx(busy_report(), out)
    return out


def _text(cell) -> str:
    return cell.text.replace("\n", "")


def _paragraphs(path: Path) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]


def _section(paragraphs: list[tuple[str, str]], heading: str) -> list[tuple[str, str]]:
    """The paragraphs after ``heading`` up to the next heading of either level."""
    start = [t for _, t in paragraphs].index(heading) + 1
    out = []
    for style, text in paragraphs[start:]:
        if style in ("报告一级标题", "报告二级标题"):
            break
        out.append((style, text))
    return out


def _xml_parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml")}


# --- tables ---------------------------------------------------------------------------------

# Tables 三 and 四 print three header rows above their figures (三: 申请人情况, 法人或其他组织,
# the column labels; 四: 行政复议/行政诉讼, the groups, the column labels).
HEADER_ROWS = 3


def _request_row_index(key: str) -> int:
    return HEADER_ROWS + [r.key for r in fmt.REQUEST_ROWS].index(key)


def _appeal_col_index(group_key: str, col_key: str) -> int:
    group = [g.key for g in fmt.APPEAL_GROUPS].index(group_key)
    return group * len(fmt.APPEAL_COLUMNS) + [c.key for c in fmt.APPEAL_COLUMNS].index(col_key)


def test_table2_figures_in_their_cells(busy_docx: Path) -> None:
    report = busy_report()
    table = docx.Document(str(busy_docx)).tables[0]
    width = len(table.columns)
    assert width == fmt.PROACTIVE_WIDTH
    grid = [[table.cell(r, c) for c in range(width)] for r in range(len(table.rows))]
    r = 0
    for block in fmt.PROACTIVE_BLOCKS:
        assert all(cell._tc is grid[r][0]._tc for cell in grid[r]), "block header spans the table"
        assert _text(grid[r][0]) == block.header
        headers = [_text(c) for c in grid[r + 1]]
        assert headers[0] == block.columns[0]
        for row_i, row in enumerate(block.rows):
            cells = grid[r + 2 + row_i]
            assert _text(cells[0]) == row.label
            value = getattr(report.proactive, row.key)
            if row.fields:
                for k, field in enumerate(row.fields):
                    assert headers[1 + k] == block.columns[1 + k]
                    assert _text(cells[1 + k]) == str(getattr(value, field)), (row.key, field)
            else:
                assert headers[1] == block.columns[1]
                assert cells[1]._tc is cells[-1]._tc, "single number spans the rest of the row"
                expected = "24252.311082" if row.decimal else str(value)
                assert _text(cells[1]) == expected, row.key
        r += 2 + len(block.rows)
    assert r == len(table.rows)


def test_table3_figures_in_their_cells(busy_docx: Path) -> None:
    report = busy_report()
    table = docx.Document(str(busy_docx)).tables[1]
    depth = fmt.REQUEST_LABEL_DEPTH
    width = depth + len(fmt.REQUEST_COLUMNS)
    assert len(table.columns) == width
    grid = [[table.cell(r, c) for c in range(width)] for r in range(len(table.rows))]
    header_rows = HEADER_ROWS
    assert len(grid) == header_rows + len(fmt.REQUEST_ROWS)

    # The corner spans the header rows × the label columns; 申请人情况 spans every number column.
    corner = grid[0][0]._tc
    assert all(grid[r][c]._tc is corner for r in range(header_rows) for c in range(depth))
    assert _text(grid[0][0]) == fmt.REQUEST_CORNER_LABEL
    assert all(grid[0][c]._tc is grid[0][depth]._tc for c in range(depth, width))
    assert _text(grid[0][depth]) == fmt.REQUEST_APPLICANT_LABEL
    assert _text(grid[1][depth + 1]) == fmt.REQUEST_LEGAL_PERSON_LABEL

    columns = {_text(grid[2][c]): c for c in range(depth, width)}
    assert set(columns) == {c.label for c in fmt.REQUEST_COLUMNS}
    # 自然人 and 总计 span the two lower header rows.
    assert grid[1][columns["自然人"]]._tc is grid[2][columns["自然人"]]._tc
    assert grid[1][columns["总计"]]._tc is grid[2][columns["总计"]]._tc

    for i, row in enumerate(fmt.REQUEST_ROWS):
        cells = grid[header_rows + i]
        labels: list[str] = []
        for cell in cells[:depth]:
            if not labels or _text(cell) != labels[-1]:
                labels.append(_text(cell))
        assert tuple(labels) == row.path, row.key
        for col in fmt.REQUEST_COLUMNS:
            got = _text(cells[columns[col.label]])
            assert got == str(report.request(row.key, col.key)), (row.key, col.key)
            assert got != ""


def test_table3_label_spans(busy_docx: Path) -> None:
    table = docx.Document(str(busy_docx)).tables[1]
    n = len(table.rows)
    first_col = [table.cell(r, 0)._tc for r in range(n)]
    results = next(tc for r, tc in enumerate(first_col) if _text(table.cell(r, 0)) == fmt.RESULTS_GROUP)
    # 三、本年度办理结果 spans every row from （一） to （七）.
    assert first_col.count(results) == sum(1 for row in fmt.REQUEST_ROWS if row.path[0] == fmt.RESULTS_GROUP)
    for lc in fmt.request_label_cells():
        top = table.cell(HEADER_ROWS + lc.row, lc.col)
        assert _text(top) == lc.text
        assert top.grid_span == lc.colspan, lc.text
        rows = sum(1 for r in range(n) if table.cell(r, lc.col)._tc is top._tc)
        assert rows == lc.rowspan, lc.text


def test_table4_figures_in_their_cells(busy_docx: Path) -> None:
    report = busy_report()
    table = docx.Document(str(busy_docx)).tables[2]
    width = len(fmt.APPEAL_GROUPS) * len(fmt.APPEAL_COLUMNS)
    assert len(table.columns) == width
    assert len(table.rows) == HEADER_ROWS + 1
    parents = {g.parent for g in fmt.APPEAL_GROUPS if g.parent}
    seen = set()
    for c in range(width):
        top, middle, bottom = (_text(table.cell(r, c)) for r in range(HEADER_ROWS))
        group = next(g for g in fmt.APPEAL_GROUPS if g.label == (middle if top in parents else top))
        column = next(col for col in fmt.APPEAL_COLUMNS if col.label == bottom)
        seen.add((group.key, column.key))
        assert _text(table.cell(HEADER_ROWS, c)) == str(report.appeal(group.key, column.key)), (group.key, column.key)
    assert len(seen) == width
    # 行政诉讼 spans the columns of its groups; the 行政复议 column labels span two header rows.
    (parent,) = parents
    litigation = sum(1 for g in fmt.APPEAL_GROUPS if g.parent == parent) * len(fmt.APPEAL_COLUMNS)
    assert sum(1 for c in range(width) if _text(table.cell(0, c)) == parent) == litigation
    assert table.cell(1, 0)._tc is table.cell(2, 0)._tc


def test_declared_totals_print_as_typed(tmp_path: Path) -> None:
    report = busy_report()
    report.requests.new.total = 9999  # disagrees with its parts; the checks report that, not the writer
    report.appeals.administrative_review.total = 777
    out = render_docx(report, tmp_path / "r.docx")
    t3, t4 = docx.Document(str(out)).tables[1:3]
    assert _text(t3.cell(_request_row_index("new"), len(t3.columns) - 1)) == "9999"
    assert _text(t4.cell(HEADER_ROWS, _appeal_col_index("administrative_review", "total"))) == "777"


def test_zero_report_prints_zero_everywhere(tmp_path: Path) -> None:
    out = render_docx(zero_report(), tmp_path / "r.docx")
    document = docx.Document(str(out))
    t2, t3, t4 = document.tables
    depth, columns = fmt.REQUEST_LABEL_DEPTH, len(fmt.REQUEST_COLUMNS)
    assert len(t3.rows) == HEADER_ROWS + len(fmt.REQUEST_ROWS)
    for r in range(HEADER_ROWS, len(t3.rows)):
        assert [_text(t3.cell(r, c)) for c in range(depth, depth + columns)] == ["0"] * columns
    width = len(fmt.APPEAL_GROUPS) * len(fmt.APPEAL_COLUMNS)
    assert [_text(t4.cell(HEADER_ROWS, c)) for c in range(width)] == ["0"] * width
    assert _text(t2.cell(len(t2.rows) - 1, 1)) == "0"


def test_table_layout_is_fixed_and_fills_type_area(busy_docx: Path) -> None:
    document = docx.Document(str(busy_docx))
    for index, table in enumerate(document.tables):
        tbl = table._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) == TEXT_WIDTH
        for tr in tbl.tr_lst:
            assert tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None
            col = 0
            for tc in tr.tc_lst:
                span = tc.grid_span
                assert int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) == sum(grid[col : col + span])
                col += span
            assert col == len(grid)
        headers = [tr for tr in tbl.tr_lst if tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None]
        assert len(headers) == (0 if index == 0 else 3)


# --- headings and narrative ------------------------------------------------------------------


def test_headings_in_order(busy_docx: Path) -> None:
    paragraphs = _paragraphs(busy_docx)
    assert [t for s, t in paragraphs if s == "报告一级标题"] == list(fmt.SECTION_HEADINGS)
    subs = [t for s, t in paragraphs if s == "报告二级标题"]
    expected = [f.heading for f in fmt.OVERVIEW_ASPECTS] + [f.heading for f in fmt.IMPROVEMENT_FIELDS]
    assert subs == expected
    titles = [t for s, t in paragraphs if s == "报告标题"]
    assert titles == ["平潭综合实验区管理委员会2021年", "政府信息公开工作年度报告"]


def test_no_template_code_left(busy_docx: Path) -> None:
    for name, xml in _xml_parts(busy_docx).items():
        assert "{{" not in xml and "{%" not in xml and "{#" not in xml, name
    core = _xml_parts(busy_docx)["docProps/core.xml"]
    assert "平潭综合实验区管理委员会2021年政府信息公开工作年度报告" in core


def test_hostile_narrative_prints_literally(tmp_path: Path) -> None:
    report = busy_report()
    report.body.name = "A&B<镇>人民政府"
    report.overview.management = "{{ 7*7 }} 与 {% if x %}坏{% endif %} & <b>粗</b>\x01\x0b完 {_{ }}"
    report.improvements.problems = "{%p for x in y %}\n{{ title.__class__ }}"
    out = render_docx(report, tmp_path / "r.docx")
    paragraphs = _paragraphs(out)
    management = _section(paragraphs, "（三）政府信息管理")
    assert [t for _, t in management] == ["{{ 7*7 }} 与 {% if x %}坏{% endif %} & <b>粗</b>完 {_{ }}"]
    problems = [t for _, t in _section(paragraphs, "（一）存在的主要问题")]
    assert problems == ["{%p for x in y %}", "{{ title.__class__ }}"]
    assert any("A&B<镇>人民政府" in t for _, t in paragraphs)
    assert not any("49" in t for _, t in management)
    xml = _xml_parts(out)["word/document.xml"]
    assert "&lt;b&gt;" in xml and "\x01" not in xml and "\x0b" not in xml


def test_multi_paragraph_cell_becomes_paragraphs(tmp_path: Path) -> None:
    report = busy_report()
    report.overview.proactive = "第一段。\n\n   第二段。\r\n　　第三段。\n"
    out = render_docx(report, tmp_path / "r.docx")
    section = _section(_paragraphs(out), "（一）主动公开")
    assert section == [("报告正文", "第一段。"), ("报告正文", "第二段。"), ("报告正文", "第三段。")]
    body = docx.Document(str(out)).styles["报告正文"].element
    ind = body.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"


def test_default_paragraphs_from_figures(tmp_path: Path) -> None:
    report = busy_report()
    out = render_docx(report, tmp_path / "r.docx")
    paragraphs = _paragraphs(out)
    requests = "".join(t for _, t in _section(paragraphs, "（二）依申请公开"))
    total = report.request
    assert f"共收到政府信息公开申请{total('new', 'total')}件" in requests
    assert f"其中自然人申请{total('new', 'natural_person')}件" in requests
    assert f"上年结转政府信息公开申请{total('carried_over', 'total')}件" in requests
    assert f"共办结政府信息公开申请{total('results_total', 'total')}件" in requests
    assert f"予以公开{total('granted', 'total')}件" in requests
    assert f"结转下年度继续办理{total('carried_forward', 'total')}件" in requests
    assert f"行政复议{report.appeal('administrative_review', 'total')}件" in requests
    litigation = report.appeal("litigation_direct", "total") + report.appeal(
        "litigation_after_review", "total"
    )
    assert f"行政诉讼{litigation}件" in requests

    proactive = "".join(t for _, t in _section(paragraphs, "（一）主动公开"))
    assert "全年共发布信息657条" in proactive  # 4 + 13 website + 640 new media
    assert "政府网站发布信息17条，包括政策文件4条、法定主动公开内容13条" in proactive
    assert "微信公众号“平潭发布”发布640条" in proactive
    assert "作出行政许可决定4101件、行政处罚决定4102件、行政强制决定4103件" in proactive

    oversight = "".join(t for _, t in _section(paragraphs, "（五）监督保障"))
    assert all(word in oversight for word in ("考核", "评议", "责任追究"))
    for heading in (
        "（三）政府信息管理",
        "（四）政府信息公开平台建设",
        "（一）存在的主要问题",
        "（二）改进情况",
    ):
        assert _section(paragraphs, heading), heading

    preamble = [t for _, t in paragraphs[: [t for _, t in paragraphs].index(fmt.SECTION_HEADINGS[0])]]
    text = "".join(preamble)
    assert "国办公开办函〔2021〕30号" in text and "六部分" in text
    assert "2021年1月1日至2021年12月31日" in text
    assert "0591-86161234" in text and "www.pingtan.gov.cn" in text


def test_default_paragraphs_for_zero_report(tmp_path: Path) -> None:
    out = render_docx(zero_report(), tmp_path / "r.docx")
    paragraphs = _paragraphs(out)
    requests = "".join(t for _, t in _section(paragraphs, "（二）依申请公开"))
    assert "未收到政府信息公开申请" in requests
    assert "未发生因政府信息公开引起的行政复议、行政诉讼" in requests
    six = [t for _, t in paragraphs[[t for _, t in paragraphs].index(fmt.SECTION_HEADINGS[5]) + 1 :]]
    assert six == ["本年度未收取政府信息公开信息处理费。"]
    context = build_context(zero_report())
    assert "overview.requests" in context["generated"]


def test_clerk_text_replaces_default(tmp_path: Path) -> None:
    report = zero_report()
    report.overview.requests = "全年共受理政府信息公开申请0件。"
    report.preamble.text = "自定义开头。"
    context = build_context(report)
    assert context["overview"]["requests"] == ["全年共受理政府信息公开申请0件。"]
    assert context["preamble"] == ["自定义开头。"]
    assert "overview.requests" not in context["generated"]


def test_fee_printed_exactly(busy_docx: Path, tmp_path: Path) -> None:
    paragraphs = _paragraphs(busy_docx)
    assert paragraphs[-1][1] == "本年度共收取政府信息公开信息处理费1234.50元。"
    report = busy_report()
    report.other_matters.processing_fee_yuan = Decimal("0")
    report.other_matters.innovation = "推行“政务公开日”活动。"
    out = render_docx(report, tmp_path / "r.docx")
    paragraphs = _paragraphs(out)
    six = paragraphs[[t for _, t in paragraphs].index(fmt.SECTION_HEADINGS[5]) + 1 :]
    assert six == [
        ("报告二级标题", "（一）信息处理费收取情况"),
        ("报告正文", "本年度未收取政府信息公开信息处理费。"),
        ("报告二级标题", "（二）年度政务公开工作创新情况"),
        ("报告正文", "推行“政务公开日”活动。"),
    ]


def test_format_decimal() -> None:
    assert format_decimal(Decimal("24252.311082")) == "24252.311082"
    assert format_decimal(Decimal("0")) == "0"
    assert format_decimal(Decimal("0.50")) == "0.50"
    assert format_decimal(Decimal("1E+2")) == "100"
    assert format_decimal(Decimal("-0")) == "0"


def test_title_lines_and_paragraph_split() -> None:
    assert title_lines("太平镇2024年政府信息公开工作年度报告") == ["太平镇2024年政府信息公开工作年度报告"]
    assert title_lines("大峪镇人民政府2025年政府信息公开工作年度报告") == [
        "大峪镇人民政府2025年",
        "政府信息公开工作年度报告",
    ]
    long = "某某自治州某某县人民政府办公室和某某县某某管理委员会2025年政府信息公开工作年度报告"
    first, second = title_lines(long)
    assert first + second == long and "2025" in first + second
    assert split_paragraphs(" a \n\n\u3000\u3000b\r\nc\x00") == ["a", "b", "c"]


# --- templates -------------------------------------------------------------------------------


def _custom_template(path: Path, *lines: str) -> Path:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def test_packaged_template_passes_every_check() -> None:
    # Renderers of the packaged template skip the check at start-up on the strength of this test.
    from gongkai.docx_writer import _check, _PreparedTemplate, default_template_path, reference_context

    _check(_PreparedTemplate(default_template_path()), reference_context())
    validate_template(default_template_path(), reference_context())


def test_custom_template_renders(tmp_path: Path) -> None:
    template = _custom_template(
        tmp_path / "t.docx",
        "{{ title }}（{{ body.short_name }}）",
        "{%p for p in overview.requests %}",
        "{{ p }}",
        "{%p endfor %}",
        "新收{{ t3.new.total }}件，复议{{ t4.administrative_review.total }}件，收费{{ t2.fees_wan_yuan }}万元",
    )
    validate_template(template)
    out = render_docx(busy_report(), tmp_path / "r.docx", template=template)
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert texts[0] == "平潭综合实验区管理委员会2021年政府信息公开工作年度报告（平潭综合实验区）"
    assert texts[-1] == "新收615件，复议206件，收费24252.311082万元"


def test_custom_template_printing_line_breaks_and_tabs_gets_word_breaks_and_tabs(tmp_path: Path) -> None:
    # gongkai's own context never holds these characters, but a custom template may print them:
    # docxtpl's listing pass must still turn them into a Word line break and a tab.
    template = _custom_template(tmp_path / "t.docx", "{{ '甲\\n乙\\t丙' }}", "{{ title }}")
    out = render_docx(busy_report(), tmp_path / "r.docx", template=template)
    body = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    assert "<w:br/>" in body and "<w:tab/>" in body
    assert docx.Document(str(out)).paragraphs[0].text == "甲\n乙\t丙"


def test_unknown_variable_is_named(tmp_path: Path) -> None:
    template = _custom_template(tmp_path / "t.docx", "{{ foo }}", "{{ t3.new.naturl_person }}", "{{ title }}")
    with pytest.raises(TemplateError) as info:
        validate_template(template)
    message = str(info.value)
    assert "未知变量" in message and "foo" in message and "t3.new.naturl_person" in message
    assert "t.docx" in message
    out = tmp_path / "r.docx"
    with pytest.raises(TemplateError):
        render_docx(busy_report(), out, template=template)
    assert not out.exists()


def test_broken_templates(tmp_path: Path) -> None:
    not_docx = tmp_path / "坏模板.docx"
    not_docx.write_text("这不是 Word 文件", encoding="utf-8")
    with pytest.raises(TemplateError, match="坏模板.docx"):
        validate_template(not_docx)

    syntax = _custom_template(tmp_path / "syntax.docx", "第一段", "{% if %}", "{{ title }}")
    with pytest.raises(TemplateError) as info:
        validate_template(syntax)
    assert re.search(r"第 \d+ 段", str(info.value)) and "语法" in str(info.value)

    with pytest.raises(TemplateError, match="找不到模板"):
        validate_template(tmp_path / "missing.docx")

    with pytest.raises(TemplateError, match="nosuchfilter"):
        validate_template(_custom_template(tmp_path / "filter.docx", "{{ year | nosuchfilter }}"))

    # A template that prints raw markup renders broken XML: refused, naming the part.
    markup = _custom_template(tmp_path / "markup.docx", "第一段", "中文{{ '<w:p>' | safe }}尾")
    with pytest.raises(TemplateError) as info:
        validate_template(markup)
    assert "正文渲染后不是有效的 Word 文档结构" in str(info.value) and "line" in str(info.value)

    # Sandboxed: a shared template cannot reach Python internals.
    with pytest.raises(TemplateError, match="unsafe"):
        validate_template(_custom_template(tmp_path / "escape.docx", "{{ title.__class__.__mro__ }}"))


def test_unknown_variable_in_footer_is_named(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("{{ title }}")
    document.sections[0].footer.paragraphs[0].text = "{{ body.name }}{{ page_no }}"
    document.save(str(tmp_path / "f.docx"))
    with pytest.raises(TemplateError, match="page_no"):
        validate_template(tmp_path / "f.docx")


def test_default_template_validates_and_is_up_to_date() -> None:
    path = default_template_path()
    validate_template(path)
    with zipfile.ZipFile(path) as committed:
        on_disk = {n: committed.read(n) for n in committed.namelist()}
    import io

    with zipfile.ZipFile(io.BytesIO(build_template())) as built:
        fresh = {n: built.read(n) for n in built.namelist()}
    assert on_disk == fresh, "templates/report.docx is stale: run python -m gongkai.template_build"


def test_template_typography() -> None:
    document = docx.Document(str(default_template_path()))
    fonts = {
        "报告标题": ("方正小标宋简体", "44"),
        "报告一级标题": ("黑体", "32"),
        "报告二级标题": ("楷体_GB2312", "32"),
        "报告正文": ("仿宋_GB2312", "32"),
        "表格文字": ("宋体", "21"),
    }
    for name, (east_asia, size) in fonts.items():
        rpr = document.styles[name].element.rPr
        rfonts = rpr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) == east_asia, name
        assert rfonts.get(qn("w:ascii")) == rfonts.get(qn("w:hAnsi")) == "Times New Roman", name
        assert rpr.find(qn("w:sz")).get(qn("w:val")) == size, name
    spacing = document.styles["报告正文"].element.pPr.find(qn("w:spacing"))
    assert spacing.get(qn("w:lineRule")) == "exact" and spacing.get(qn("w:line")) in ("560", "580")
    section = document.sections[0]
    mm = 36000
    assert [
        round(v / mm)
        for v in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ] == [
        37,
        35,
        28,
        26,
    ]
    assert (round(section.page_width / mm), round(section.page_height / mm)) == (210, 297)
    assert document.settings.odd_and_even_pages_header_footer
    for footer, jc in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in xml and f'w:jc w:val="{jc}"' in xml


def test_export_template(tmp_path: Path) -> None:
    target = export_template(tmp_path)
    assert target.read_bytes() == default_template_path().read_bytes()
    with pytest.raises(OutputError):
        export_template(tmp_path)
    assert export_template(tmp_path, overwrite=True) == target
    named = export_template(tmp_path / "sub" / "我的模板.docx")
    assert named.is_file()


# --- writing ---------------------------------------------------------------------------------


def test_atomic_write_leaves_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "r.docx"
    render_docx(busy_report(), out)
    render_docx(busy_report(), out)  # overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx"]
    docx.Document(str(out))


def test_failed_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "r.docx"
    out.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("gongkai.atomic.os.replace", refuse)
    with pytest.raises(OutputError, match="r.docx"):
        render_docx(busy_report(), out)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx"]


def test_output_cannot_be_template_or_directory(tmp_path: Path) -> None:
    template = tmp_path / "t.docx"
    shutil.copyfile(default_template_path(), template)
    with pytest.raises(OutputError):
        render_docx(busy_report(), template, template=template)
    with pytest.raises(OutputError):
        render_docx(busy_report(), tmp_path, template=template)


def test_renderer_is_reused(tmp_path: Path) -> None:
    assert get_renderer() is get_renderer()
    renderer = DocxRenderer()
    first = renderer.render_bytes(busy_report())
    second = renderer.render_bytes(zero_report())
    assert first != second
    for i, report in enumerate((busy_report(), zero_report())):
        renderer.render(report, tmp_path / f"{i}.docx")
    assert len(docx.Document(str(tmp_path / "1.docx")).tables) == 3


# --- LibreOffice -----------------------------------------------------------------------------


def test_libreoffice_converts_report(busy_docx: Path, tmp_path: Path, soffice, pdftotext) -> None:
    pdf = soffice(busy_docx, tmp_path)
    text = pdftotext(pdf)
    compact = re.sub(r"\s+", "", text)
    assert "平潭综合实验区管理委员会2021年" in compact
    assert "政府信息公开工作年度报告" in compact
    for heading in fmt.SECTION_HEADINGS:
        assert heading in compact, heading
    for figure in ("4101", "4102", "4103", "698", "24252.311082", "206", "1234.50"):
        assert figure in text, figure
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, timeout=60).stdout.decode()
    match = re.search(r"Pages:\s+(\d+)", pages)
    assert match and 4 <= int(match.group(1)) <= 10
