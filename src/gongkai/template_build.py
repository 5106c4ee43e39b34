"""Build the Word template ``templates/report.docx`` (a docxtpl template) from the format.

This module is the source of truth for the template; ``templates/report.docx`` is its
output and is regenerated with::

    python -m gongkai.template_build [OUT]

The result is an ordinary .docx anyone can open and restyle in Word or WPS: every paragraph
uses a named style (报告标题, 报告一级标题, 报告二级标题, 报告正文, 表格文字, 表格标签, 报告页码),
so changing the body font is one edit of one style. Headings and table labels are written
from :mod:`gongkai.format`; everything that varies (body, year, narratives, figures, fee)
is a docxtpl placeholder filled from :func:`gongkai.context.build_context`.

Typography follows GB/T 9704-2012 as described in FORMAT.md §4: A4, margins 37/35/28/26 mm,
title 方正小标宋简体 22 pt, headings 黑体 / 楷体_GB2312 16 pt, body 仿宋_GB2312 16 pt with a
two-character first-line indent on a fixed 28 pt line, Times New Roman for digits and Latin,
tables with a fixed grid that fills the 156 mm type area, page numbers “— 1 —” in 宋体 14 pt
at the outside corner (odd pages right, even pages left).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

from . import format as fmt

_HERE = Path(__file__).resolve().parent
# In the source tree (src/gongkai/) the template lives in the repository's templates/;
# from an installed package, default to templates/ under the current directory instead.
DEFAULT_OUTPUT = (
    _HERE.parents[1] / "templates" / "report.docx"
    if _HERE.parent.name == "src"
    else Path.cwd() / "templates" / "report.docx"
)

# --- page geometry (GB/T 9704-2012) -----------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
# The page number's top sits 7 mm below the type area; a 14 pt line is about 5 mm tall,
# so the footer's bottom edge is about 23 mm above the paper's edge.
FOOTER_DISTANCE_MM = 23
TEXT_WIDTH = 8844  # twips: 156 mm, the width of the type area; every table's grid sums to it

# --- fonts and sizes ------------------------------------------------------------------------

LATIN = "Times New Roman"
FALLBACK = "宋体"  # exists on every Chinese Windows; docDefaults and theme use it
FONT_TITLE = "方正小标宋简体"
FONT_HEADING1 = "黑体"
FONT_HEADING2 = "楷体_GB2312"
FONT_BODY = "仿宋_GB2312"
FONT_TABLE = "宋体"
FONT_PAGE = "宋体"

SIZE_TITLE = 44  # half-points: 二号 22 pt
SIZE_BODY = 32  # 三号 16 pt
SIZE_TABLE = 21  # 五号 10.5 pt
SIZE_PAGE = 28  # 四号 14 pt

LINE_BODY = 560  # twips: fixed 28 pt line
LINE_TITLE = 720  # fixed 36 pt for the (larger) title lines

# Word falls back to w:altName when a font is missing, so a machine with only the plain
# 仿宋/楷体 (Windows 10+) or 宋体 still shows a close face instead of the default font.
FONT_TABLE_ENTRIES: dict[str, str] = {
    FONT_TITLE: "宋体",
    FONT_HEADING1: "SimHei",
    FONT_HEADING2: "楷体",
    FONT_BODY: "仿宋",
    FALLBACK: "SimSun",
}

# --- style ids (ASCII ids, Chinese display names) ----------------------------------------------

STYLE_TITLE = "ReportTitle"
STYLE_HEADING1 = "ReportHeading1"
STYLE_HEADING2 = "ReportHeading2"
STYLE_BODY = "ReportBody"
STYLE_TABLE = "TableText"
STYLE_TABLE_LABEL = "TableLabel"
STYLE_PAGE = "PageNumber"

STYLE_NAMES: dict[str, str] = {
    STYLE_TITLE: "报告标题",
    STYLE_HEADING1: "报告一级标题",
    STYLE_HEADING2: "报告二级标题",
    STYLE_BODY: "报告正文",
    STYLE_TABLE: "表格文字",
    STYLE_TABLE_LABEL: "表格标签",
    STYLE_PAGE: "报告页码",
}

# Fixed core properties and zip timestamps make the build reproducible: rebuilding an
# unchanged template gives the same bytes, so the committed file only changes for a reason.
_FIXED_TIME = datetime(2025, 1, 1, tzinfo=timezone.utc)
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


# --- XML helpers ------------------------------------------------------------------------------


def _rpr(east_asia: str, latin: str, size: int, *, hint: bool = True) -> str:
    # w:hint="eastAsia" makes characters shared by both scripts (“”、—、…) use the Chinese
    # font, so curly quotes print full-width instead of as narrow Times New Roman glyphs.
    return (
        "<w:rPr>"
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"'
        + (' w:hint="eastAsia"/>' if hint else "/>")
        + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        "</w:rPr>"
    )


def _ppr(
    *,
    jc: str,
    line: int,
    line_rule: str = "exact",
    first_line_chars: int = 0,
    first_line: int = 0,
    keep_next: bool = False,
    outline: int | None = None,
    ind_left: int = 0,
    ind_right: int = 0,
) -> str:
    # Children in the schema order of CT_PPrBase; Word rejects out-of-order elements.
    return (
        "<w:pPr>"
        + ("<w:keepNext/><w:keepLines/>" if keep_next else "")
        + '<w:widowControl w:val="0"/>'
        + '<w:adjustRightInd w:val="0"/><w:snapToGrid w:val="0"/>'
        + f'<w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="{line_rule}"/>'
        + (
            f'<w:ind w:left="{ind_left}" w:leftChars="0" w:right="{ind_right}" w:rightChars="0" '
            f'w:firstLine="{first_line}" w:firstLineChars="{first_line_chars}"/>'
        )
        + f'<w:jc w:val="{jc}"/>'
        + (f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else "")
        + "</w:pPr>"
    )


def _style_xml(
    style_id: str, ppr: str, rpr: str, *, based_on: str = "Normal", next_id: str | None = None
) -> str:
    return (
        f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{STYLE_NAMES[style_id]}"/>'
        f'<w:basedOn w:val="{based_on}"/>'
        f'<w:next w:val="{next_id or style_id}"/>'
        '<w:uiPriority w:val="1"/><w:qFormat/>'
        f"{ppr}{rpr}"
        "</w:style>"
    )


def _body_ppr(*, keep_next: bool = False, outline: int | None = None) -> str:
    # Two characters of first-line indent: firstLineChars for Word/WPS, firstLine (2 × 16 pt
    # = 640 twips) for readers that ignore character units.
    return _ppr(
        jc="both",
        line=LINE_BODY,
        first_line_chars=200,
        first_line=2 * SIZE_BODY * 10,
        keep_next=keep_next,
        outline=outline,
    )


def _setup_styles(doc: DocumentObject) -> None:
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        styles.remove(defaults)
    styles.insert(
        0,
        parse_xml(
            f"<w:docDefaults {nsdecls('w')}>"
            "<w:rPrDefault>" + _rpr(FALLBACK, LATIN, SIZE_TABLE, hint=False) + "</w:rPrDefault>"
            '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
            "</w:docDefaults>"
        ),
    )
    new = [
        _style_xml(
            STYLE_BODY,
            _body_ppr(),
            _rpr(FONT_BODY, LATIN, SIZE_BODY),
        ),
        _style_xml(
            STYLE_TITLE,
            _ppr(jc="center", line=LINE_TITLE, keep_next=True),
            _rpr(FONT_TITLE, LATIN, SIZE_TITLE),
            next_id=STYLE_BODY,
        ),
        _style_xml(
            STYLE_HEADING1,
            _body_ppr(keep_next=True, outline=0),
            _rpr(FONT_HEADING1, LATIN, SIZE_BODY),
            based_on=STYLE_BODY,
            next_id=STYLE_BODY,
        ),
        _style_xml(
            STYLE_HEADING2,
            _body_ppr(keep_next=True, outline=1),
            _rpr(FONT_HEADING2, LATIN, SIZE_BODY),
            based_on=STYLE_BODY,
            next_id=STYLE_BODY,
        ),
        _style_xml(
            STYLE_TABLE,
            _ppr(jc="center", line=240, line_rule="auto"),
            _rpr(FONT_TABLE, LATIN, SIZE_TABLE),
        ),
        _style_xml(
            STYLE_TABLE_LABEL,
            _ppr(jc="left", line=240, line_rule="auto"),
            _rpr(FONT_TABLE, LATIN, SIZE_TABLE),
            based_on=STYLE_TABLE,
        ),
        _style_xml(
            STYLE_PAGE,
            _ppr(jc="right", line=240, line_rule="auto"),
            # GB/T 9704: 4号半角宋体阿拉伯数字, so the digits are 宋体 too.
            _rpr(FONT_PAGE, FONT_PAGE, SIZE_PAGE),
        ),
    ]
    for xml in new:
        styles.append(parse_xml(xml))


def _setup_page(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.page_width = Mm(PAGE_WIDTH_MM)
    section.page_height = Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGIN_TOP_MM)
    section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
    section.left_margin = Mm(MARGIN_LEFT_MM)
    section.right_margin = Mm(MARGIN_RIGHT_MM)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    section.gutter = 0
    # Stored in whole twips, A4 is 11906 wide and the margins 1587 + 1474, leaving 8845 twips:
    # an 8844-twip table (156 mm) fits with a twip to spare.
    width = (section.page_width - section.left_margin - section.right_margin) // 635
    assert TEXT_WIDTH <= width <= TEXT_WIDTH + 1, width

    doc.settings.odd_and_even_pages_header_footer = True
    one_char = SIZE_PAGE * 10  # GB/T 9704: the number stands one character in from the edge
    for footer, jc, left, right in (
        (section.footer, "right", 0, one_char),
        (section.even_page_footer, "left", one_char, 0),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        p = paragraph._p
        for child in list(p):
            p.remove(child)
        p.append(
            parse_xml(
                f'<w:pPr {nsdecls("w")}><w:pStyle w:val="{STYLE_PAGE}"/>'
                f'<w:ind w:left="{left}" w:right="{right}"/><w:jc w:val="{jc}"/></w:pPr>'
            )
        )
        for run in (
            '<w:r><w:t xml:space="preserve">— </w:t></w:r>',
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
            '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
            "<w:r><w:t>1</w:t></w:r>",
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
            '<w:r><w:t xml:space="preserve"> —</w:t></w:r>',
        ):
            p.append(parse_xml(run.replace("<w:r>", f"<w:r {nsdecls('w')}>", 1)))


def _setup_settings(doc: DocumentObject) -> None:
    settings = doc.settings.element
    for setting in settings.iter(qn("w:compatSetting")):
        # Word 2013+ layout rules; without this Word shows the template in 兼容模式.
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _setup_properties(doc: DocumentObject) -> None:
    props = doc.core_properties
    props.title = "{{ title }}"
    props.author = "{{ body.name }}"
    props.subject = "政府信息公开工作年度报告"
    props.keywords = "政府信息公开;年度报告"
    props.comments = f"按{fmt.FORMAT_NAME}格式编制；由 gongkai 模板生成。"
    props.category = "政府信息公开工作年度报告"
    props.last_modified_by = "gongkai"
    props.language = "zh-CN"
    props.revision = 1
    props.created = _FIXED_TIME
    props.modified = _FIXED_TIME


# --- body paragraphs --------------------------------------------------------------------------


def _paragraph(doc: DocumentObject, style: str, text: str = "") -> None:
    p = doc.add_paragraph(text, style=STYLE_NAMES[style])
    if not text:
        return
    # One run per paragraph keeps each {{ placeholder }} in a single run for docxtpl.
    assert len(p.runs) == 1


def _loop(doc: DocumentObject, style: str, items: str, var: str = "p") -> None:
    """One Word paragraph per item of a list: ``{%p for %}`` removes the control paragraphs."""
    _paragraph(doc, style, f"{{%p for {var} in {items} %}}")
    _paragraph(doc, style, f"{{{{ {var} }}}}")
    _paragraph(doc, style, "{%p endfor %}")


# --- tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str = ""
    span: int = 1
    vmerge: Literal["restart", "continue"] | None = None
    style: str = STYLE_TABLE


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    header: bool = False  # repeated at the top of each page the table runs onto
    height: int = 0  # twips, at least
    keep_next: bool = False  # keep this row on the page of the next one


def _cell_xml(cell: Cell, width: int, keep_next: bool) -> str:
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if cell.span > 1:
        tcpr += f'<w:gridSpan w:val="{cell.span}"/>'
    if cell.vmerge == "restart":
        tcpr += '<w:vMerge w:val="restart"/>'
    elif cell.vmerge == "continue":
        tcpr += "<w:vMerge/>"
    tcpr += '<w:vAlign w:val="center"/>'
    ppr = f'<w:pStyle w:val="{cell.style}"/>' + ("<w:keepNext/>" if keep_next else "")
    lines = [f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in cell.text.split("\n")]
    run = f"<w:r>{'<w:br/>'.join(lines)}</w:r>" if cell.text else ""
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p><w:pPr>{ppr}</w:pPr>{run}</w:p></w:tc>"


def _table_xml(widths: Sequence[int], rows: Sequence[Row], cell_margin: int) -> str:
    if sum(widths) != TEXT_WIDTH:
        raise ValueError(f"table grid sums to {sum(widths)} twips, not {TEXT_WIDTH}")
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
    borders = "".join(
        border.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    parts = [
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        '<w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>'
        '<w:tblInd w:w="0" w:type="dxa"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        "<w:tblCellMar>"
        f'<w:top w:w="0" w:type="dxa"/><w:left w:w="{cell_margin}" w:type="dxa"/>'
        f'<w:bottom w:w="0" w:type="dxa"/><w:right w:w="{cell_margin}" w:type="dxa"/>'
        "</w:tblCellMar>"
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="1" w:noVBand="1"/>'
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    for row in rows:
        if sum(c.span for c in row.cells) != len(widths):
            raise ValueError(
                f"row covers {sum(c.span for c in row.cells)} of {len(widths)} grid columns: {row}"
            )
        trpr = "<w:cantSplit/>"
        if row.height:
            trpr += f'<w:trHeight w:val="{row.height}" w:hRule="atLeast"/>'
        if row.header:
            trpr += "<w:tblHeader/>"
        parts.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
        col = 0
        for cell in row.cells:
            parts.append(_cell_xml(cell, sum(widths[col : col + cell.span]), row.keep_next))
            col += cell.span
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _append_table(doc: DocumentObject, xml: str) -> None:
    body = doc.element.body
    body.sectPr.addprevious(parse_xml(xml))


def _keep_together(rows: list[Row]) -> list[Row]:
    """Mark every row but the last keep-with-next, so a short table never breaks."""
    return [Row(r.cells, r.header, r.height, keep_next=i < len(rows) - 1) for i, r in enumerate(rows)]


def _placeholder(path: str) -> str:
    """The docxtpl placeholder of a figure: ``requests.new.total`` → ``{{ t3.new.total }}``."""
    table, rest = path.split(".", 1)
    return f"{{{{ {_CONTEXT_NAMES[table]}.{rest} }}}}"


_CONTEXT_NAMES = {"proactive": "t2", "requests": "t3", "appeals": "t4"}


def _grid_rows(table: fmt.TableGeometry, label_cell: Callable[[fmt.GridCell, bool], Cell] | None = None) -> list[tuple[Cell, ...]]:
    """The table's grid as Word rows: a cell spanning rows opens a vertical merge on its first
    row and continues it, empty, in the same grid column of the rows below."""
    covering = table.covering()
    out: list[tuple[Cell, ...]] = []
    for r in range(table.height):
        cells: list[Cell] = []
        col = 0
        while col < table.width:
            gc = covering[(r, col)]
            starts = gc.row == r
            merge: Literal["restart", "continue"] | None = None
            if gc.rowspan > 1:
                merge = "restart" if starts else "continue"
            if gc.role == "data":
                cells.append(Cell(_placeholder(gc.path), span=gc.colspan, vmerge=merge))
            elif gc.role == "label" and label_cell is not None:
                cells.append(label_cell(gc, starts))
            else:
                cells.append(Cell(gc.text if starts else "", span=gc.colspan, vmerge=merge))
            col += gc.colspan
        out.append(tuple(cells))
    return out


def proactive_table_xml() -> str:
    """Table 二: four blocks, each a spanning header, a column-header row and data rows."""
    table = fmt.PROACTIVE_TABLE
    label_width = 2844
    widths = [label_width] + [(TEXT_WIDTH - label_width) // 3] * (table.width - 1)
    grid = _grid_rows(table)
    rows: list[Row] = []
    for block in dict.fromkeys(table.blocks):
        # Each block is kept together, but the table may break between blocks: keeping all
        # fifteen rows together would push the whole table to the next page.
        rows += _keep_together([Row(grid[r], height=397) for r in range(table.height) if table.blocks[r] == block])
    return _table_xml(widths, rows, cell_margin=108)


# The tall “三、本年度办理结果” cell reads one character a line, like vertical text;
# group labels read “（三）” over “不予公开”.
REQUEST_LABEL_WIDTHS = (454, 1100, 2410)
# Two characters of header text a line (商业/企业) and room for a five-digit count; the 总计
# column holds the largest numbers.
REQUEST_NUMBER_WIDTH = 680
REQUEST_TOTAL_WIDTH = 800
REQUEST_CELL_MARGIN = 45
_GROUP_NUMBER = re.compile(r"^（[一二三四五六七八九十]+）")


def _request_label(gc: fmt.GridCell, starts: bool) -> Cell:
    merge: Literal["restart", "continue"] | None = None
    text = gc.text if starts else ""
    style = STYLE_TABLE_LABEL
    if gc.rowspan > 1:
        merge = "restart" if starts else "continue"
        style = STYLE_TABLE
        # Break “（三）不予公开” after its number rather than mid-word.
        text = _GROUP_NUMBER.sub(lambda m: m.group(0) + "\n", text)
    return Cell(text, span=gc.colspan, vmerge=merge, style=style)


def request_table_xml() -> str:
    """Table 三: the corner, the applicant header, and one row per figure row under merged labels."""
    table = fmt.REQUEST_TABLE
    widths = [*REQUEST_LABEL_WIDTHS, *[REQUEST_NUMBER_WIDTH] * len(fmt.REQUEST_PART_COLUMNS), REQUEST_TOTAL_WIDTH]
    rows = [
        # Header rows repeat on every page and are never left alone at the foot of a page.
        Row(cells, header=True, height=340, keep_next=True)
        if kind == "header"
        else Row(cells, height=300)
        for cells, kind in zip(_grid_rows(table, _request_label), table.row_kinds, strict=True)
    ]
    return _table_xml(widths, rows, cell_margin=REQUEST_CELL_MARGIN)


def appeal_table_xml() -> str:
    """Table 四: the number columns under 行政复议 and 行政诉讼 (直接起诉, 复议后起诉)."""
    table = fmt.APPEAL_TABLE
    base, extra = divmod(TEXT_WIDTH, table.width)
    widths = [base + (1 if i < extra else 0) for i in range(table.width)]
    rows = [
        Row(cells, header=True, height=397) if kind == "header" else Row(cells, height=567)
        for cells, kind in zip(_grid_rows(table), table.row_kinds, strict=True)
    ]
    return _table_xml(widths, _keep_together(rows), cell_margin=57)


# --- the document -----------------------------------------------------------------------------


def _build_body(doc: DocumentObject) -> None:
    headings = fmt.SECTION_HEADINGS
    _loop(doc, STYLE_TITLE, "title_lines", "line")
    _paragraph(doc, STYLE_BODY)  # one blank line between title and text
    _loop(doc, STYLE_BODY, "preamble")

    _paragraph(doc, STYLE_HEADING1, headings[0])
    _loop(doc, STYLE_BODY, f"overview.{fmt.OVERVIEW_INTRO.key}")
    for aspect in fmt.OVERVIEW_ASPECTS:
        _paragraph(doc, STYLE_HEADING2, aspect.heading or aspect.label)
        _loop(doc, STYLE_BODY, f"overview.{aspect.key}")

    _paragraph(doc, STYLE_HEADING1, headings[1])
    _append_table(doc, proactive_table_xml())
    _paragraph(doc, STYLE_HEADING1, headings[2])
    _append_table(doc, request_table_xml())
    _paragraph(doc, STYLE_HEADING1, headings[3])
    _append_table(doc, appeal_table_xml())

    _paragraph(doc, STYLE_HEADING1, headings[4])
    for improvement in fmt.IMPROVEMENT_FIELDS:
        _paragraph(doc, STYLE_HEADING2, improvement.heading or improvement.label)
        _loop(doc, STYLE_BODY, f"improvements.{improvement.key}")

    _paragraph(doc, STYLE_HEADING1, headings[5])
    _paragraph(doc, STYLE_BODY, "{%p for item in other_matters %}")
    _paragraph(doc, STYLE_HEADING2, "{%p if item.heading %}")
    _paragraph(doc, STYLE_HEADING2, "{{ item.heading }}")
    _paragraph(doc, STYLE_HEADING2, "{%p endif %}")
    _loop(doc, STYLE_BODY, "item.paragraphs")
    _paragraph(doc, STYLE_BODY, "{%p endfor %}")


def _space_after_tables(doc: DocumentObject) -> None:
    """Half a line between a table and the heading that follows it."""
    for tbl in doc.element.body.iterchildren(qn("w:tbl")):
        nxt = tbl.getnext()
        if nxt is None or nxt.tag != qn("w:p"):
            continue
        ppr = nxt.get_or_add_pPr()
        spacing = parse_xml(f'<w:spacing {nsdecls("w")} w:before="280"/>')
        ppr.append(spacing)


def _font_table_xml(xml: str) -> str:
    entries = "".join(
        f"<w:font w:name={quoteattr(name)}><w:altName w:val={quoteattr(alt)}/>"
        '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
        for name, alt in FONT_TABLE_ENTRIES.items()
        if f'w:name="{name}"' not in xml
    )
    return xml.replace("</w:fonts>", entries + "</w:fonts>")


def _theme_xml(xml: str) -> str:
    # Theme fonts resolve to 宋体/Times New Roman, so any text that falls back to the theme
    # still finds a font present on Chinese Windows.
    xml = xml.replace('<a:ea typeface=""/>', f'<a:ea typeface="{FALLBACK}"/>')
    return re.sub(r'<a:latin typeface="[^"]*"/>', f'<a:latin typeface="{LATIN}"/>', xml)


def _finish_package(raw: bytes) -> bytes:
    """Post-process the saved package: fonts and theme, no stale thumbnail, fixed timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            name = item.filename
            if name == "docProps/thumbnail.jpeg":
                continue  # python-docx's default thumbnail shows an unrelated page
            data = zin.read(name)
            if name == "_rels/.rels":
                data = re.sub(rb'<Relationship [^>]*Target="docProps/thumbnail.jpeg"/>', b"", data)
            elif name == "word/fontTable.xml":
                data = _font_table_xml(data.decode("utf-8")).encode("utf-8")
            elif name == "word/theme/theme1.xml":
                data = _theme_xml(data.decode("utf-8")).encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    return out.getvalue()


def build_template() -> bytes:
    """The template as .docx bytes."""
    doc = Document()
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _setup_styles(doc)
    _setup_page(doc)
    _setup_settings(doc)
    _setup_properties(doc)
    _build_body(doc)
    _space_after_tables(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _finish_package(buffer.getvalue())


def write_template(out: Path = DEFAULT_OUTPUT) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(build_template())
    tmp.replace(out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("用法：python -m gongkai.template_build [输出文件]（默认 templates/report.docx）")
        return 0 if args and args[0] in ("-h", "--help") else 2
    out = write_template(Path(args[0]) if args else DEFAULT_OUTPUT)
    print(f"已生成模板：{out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
