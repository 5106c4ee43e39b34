"""Where every value of the report lives in the standard workbook.

The writer draws the sheets from these specs and the reader reads them back through the
same specs, so the two can never disagree about an address. Everything is derived from
:mod:`gongkai.format`; nothing here names a table row by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from .. import format as fmt

SHEET_README = "填报说明"
SHEET_BODY = "基本信息"
SHEET_OVERVIEW = "一、总体情况"
SHEET_PROACTIVE = "二、主动公开"
SHEET_REQUESTS = "三、依申请公开"
SHEET_APPEALS = "四、复议诉讼"
SHEET_IMPROVEMENTS = "五、问题及改进"
SHEET_OTHER = "六、其他事项"
SHEET_LAST_YEAR = "上年数据"
SHEETS: tuple[str, ...] = (
    SHEET_README,
    SHEET_BODY,
    SHEET_OVERVIEW,
    SHEET_PROACTIVE,
    SHEET_REQUESTS,
    SHEET_APPEALS,
    SHEET_IMPROVEMENTS,
    SHEET_OTHER,
    SHEET_LAST_YEAR,
)
VERSION_CELL = "B2"  # on 填报说明: the layout version, read before anything else
VERSION_LABEL_CELL = "A2"

Kind = Literal["int", "decimal", "total", "text", "longtext", "level", "year"]


@dataclass(frozen=True)
class CellSpec:
    path: str  # canonical dotted path into the Report
    sheet: str
    cell: str  # A1 address
    label: str  # what the clerk sees, for messages
    kind: Kind
    formula: str | None = None  # the formula a total cell carries for the clerk

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}"


def _a1(col: int, row: int) -> str:
    return f"{get_column_letter(col)}{row}"


# --- 基本信息 / narrative sheets: label in column A, value in column B ---------------------

BODY_FIELDS: tuple[tuple[str, str, Kind], ...] = (
    ("body.name", "机关全称", "text"),
    ("body.short_name", "简称", "text"),
    ("body.level", "层级", "level"),
    ("body.parent", "所属县（市、区）或上级机关", "text"),
    ("body.year", "报告年度", "year"),
    ("preamble.portal", "全文查阅网站", "text"),
    ("preamble.contact", "联系单位", "text"),
    ("preamble.address", "联系地址", "text"),
    ("preamble.postcode", "邮编", "text"),
    ("preamble.phone", "联系电话", "text"),
    ("preamble.text", "开头说明（可不填，不填则自动生成）", "longtext"),
)
FORM_FIRST_ROW = 3  # row 1 title, row 2 column headers


def _form(sheet: str, fields: tuple[tuple[str, str, Kind], ...]) -> list[CellSpec]:
    return [
        CellSpec(path, sheet, _a1(2, FORM_FIRST_ROW + i), label, kind)
        for i, (path, label, kind) in enumerate(fields)
    ]


def _narratives(prefix: str, fields: tuple[fmt.NarrativeField, ...]) -> tuple[tuple[str, str, Kind], ...]:
    return tuple((f"{prefix}.{f.key}", f.label, "longtext") for f in fields)


OVERVIEW_FIELDS = _narratives("overview", (fmt.OVERVIEW_INTRO, *fmt.OVERVIEW_ASPECTS))
IMPROVEMENT_FIELDS = _narratives("improvements", fmt.IMPROVEMENT_FIELDS)
OTHER_FIELDS: tuple[tuple[str, str, Kind], ...] = (
    ("other_matters.processing_fee_yuan", "本年收取信息处理费（元）", "decimal"),
    ("other_matters.processing_fee_statement", "信息处理费情况说明（可不填，不填则按金额自动生成）", "longtext"),
    *_narratives("other_matters", fmt.OTHER_FIELDS),
)


# 上年数据: what the cross-year rules compare with; filled by `gongkai init --previous`.
LAST_YEAR_FIELDS: tuple[tuple[str, str, Kind], ...] = (
    ("last_year.year", "上年年度", "year"),
    ("last_year.normative_documents_in_force", "上年行政规范性文件现行有效件数", "int"),
    *(
        (f"last_year.carried_forward.{c.key}", f"上年“四、结转下年度继续办理”·{c.label}", "int")
        for c in fmt.REQUEST_COLUMNS
    ),
    *(
        (f"last_year.{path}", f"上年{label}", kind)
        for path, label, kind in (*IMPROVEMENT_FIELDS, *_narratives("other_matters", fmt.OTHER_FIELDS))
    ),
)

# --- channels, below the overview narratives on 一、总体情况 ------------------------------

CHANNEL_ROWS = 12  # blank rows offered for the website breakdown and for new-media accounts
CHANNELS_TITLE_ROW = FORM_FIRST_ROW + len(OVERVIEW_FIELDS) + 1
WEBSITE_TOTAL_ROW = CHANNELS_TITLE_ROW + 1
WEBSITE_HEADER_ROW = WEBSITE_TOTAL_ROW + 1
WEBSITE_FIRST_ROW = WEBSITE_HEADER_ROW + 1
MEDIA_TITLE_ROW = WEBSITE_FIRST_ROW + CHANNEL_ROWS + 1
MEDIA_HEADER_ROW = MEDIA_TITLE_ROW + 1
MEDIA_FIRST_ROW = MEDIA_HEADER_ROW + 1


def _channel_specs() -> list[CellSpec]:
    s = SHEET_OVERVIEW
    last = WEBSITE_FIRST_ROW + CHANNEL_ROWS - 1
    specs = [
        CellSpec(
            "channels.website_posts",
            s,
            _a1(3, WEBSITE_TOTAL_ROW),
            "政府网站发布信息总条数",
            "total",
            f"=SUM(C{WEBSITE_FIRST_ROW}:C{last})",
        )
    ]
    for i in range(CHANNEL_ROWS):
        r = WEBSITE_FIRST_ROW + i
        specs += [
            CellSpec(f"channels.website_breakdown.{i}.label", s, _a1(2, r), f"网站信息分类第{i + 1}行·类别", "text"),
            CellSpec(f"channels.website_breakdown.{i}.count", s, _a1(3, r), f"网站信息分类第{i + 1}行·条数", "int"),
        ]
    for i in range(CHANNEL_ROWS):
        r = MEDIA_FIRST_ROW + i
        specs += [
            CellSpec(f"channels.new_media.{i}.name", s, _a1(1, r), f"政务新媒体第{i + 1}行·账号名称", "text"),
            CellSpec(f"channels.new_media.{i}.platform", s, _a1(2, r), f"政务新媒体第{i + 1}行·平台", "text"),
            CellSpec(f"channels.new_media.{i}.posts", s, _a1(3, r), f"政务新媒体第{i + 1}行·发布条数", "int"),
        ]
    return specs


# --- tables 二/三/四: drawn from the format's geometry, one sheet each --------------------

TABLE_TOP_ROW = 3  # row 1 the title, row 2 the unit hint


def table_origin(table: fmt.TableGeometry) -> tuple[int, int]:
    """The sheet row and column of the table's top-left grid cell."""
    return TABLE_TOP_ROW, 1


@cache
def table_addresses() -> dict[str, str]:
    """Every figure of tables 二/三/四 and its cell: the geometry's data cells, placed."""
    out: dict[str, str] = {}
    for table in fmt.TABLES:
        top, left = table_origin(table)
        for c in table.data_cells():
            out[c.path] = _a1(left + c.col, top + c.row)
    return out


def _proactive_specs() -> list[CellSpec]:
    where = table_addresses()
    specs = []
    for block in fmt.PROACTIVE_BLOCKS:
        for row in block.rows:
            if row.fields:
                specs += [
                    CellSpec(
                        f"proactive.{row.key}.{field}",
                        SHEET_PROACTIVE,
                        where[f"proactive.{row.key}.{field}"],
                        fmt.proactive_cell_label(row, field),
                        "int",
                    )
                    for field in row.fields
                ]
            else:
                kind: Kind = "decimal" if row.decimal else "int"
                label = f"{row.label}·{block.columns[1]}"
                specs.append(CellSpec(f"proactive.{row.key}", SHEET_PROACTIVE, where[f"proactive.{row.key}"], label, kind))
    return specs


REQUESTS_HEADER_ROW = TABLE_TOP_ROW
REQUESTS_FIRST_ROW = TABLE_TOP_ROW + fmt.REQUEST_TABLE.header_rows
REQUESTS_FIRST_COL = fmt.REQUEST_LABEL_DEPTH + 1  # D


def request_cell(row_key: str, col_key: str) -> str:
    return table_addresses()[f"requests.{row_key}.{col_key}"]


def results_total_formula(col_key: str) -> str:
    result_rows = [r.key for r in fmt.REQUEST_ROWS if r.kind == "result"]
    return "=SUM(" + ",".join(request_cell(k, col_key) for k in result_rows) + ")"


def _requests_specs() -> list[CellSpec]:
    specs = []
    parts = fmt.REQUEST_PART_COLUMNS
    for row in fmt.REQUEST_ROWS:
        for col in fmt.REQUEST_COLUMNS:
            label = fmt.request_cell_label(row.key, col.key)
            path = f"requests.{row.key}.{col.key}"
            cell = request_cell(row.key, col.key)
            if col.key == "total":
                formula = f"=SUM({request_cell(row.key, parts[0].key)}:{request_cell(row.key, parts[-1].key)})"
            elif row.kind == "results_total":
                # Listed cell by cell (not a range) so a result row added anywhere in the
                # format stays summed correctly.
                formula = results_total_formula(col.key)
            else:
                specs.append(CellSpec(path, SHEET_REQUESTS, cell, label, "int"))
                continue
            specs.append(CellSpec(path, SHEET_REQUESTS, cell, label, "total", formula))
    return specs


APPEALS_DATA_ROW = TABLE_TOP_ROW + fmt.APPEAL_TABLE.header_rows


def _appeals_specs() -> list[CellSpec]:
    where = table_addresses()
    specs = []
    parts = fmt.APPEAL_PART_COLUMNS
    for group in fmt.APPEAL_GROUPS:
        for col in fmt.APPEAL_COLUMNS:
            path = f"appeals.{group.key}.{col.key}"
            label = fmt.appeal_cell_label(group.key, col.key)
            if col.key == "total":
                first = where[f"appeals.{group.key}.{parts[0].key}"]
                last = where[f"appeals.{group.key}.{parts[-1].key}"]
                specs.append(CellSpec(path, SHEET_APPEALS, where[path], label, "total", f"=SUM({first}:{last})"))
            else:
                specs.append(CellSpec(path, SHEET_APPEALS, where[path], label, "int"))
    return specs


@cache
def cell_specs() -> tuple[CellSpec, ...]:
    """Every input cell of the workbook, in reading order."""
    specs = [
        *_form(SHEET_BODY, BODY_FIELDS),
        *_form(SHEET_OVERVIEW, OVERVIEW_FIELDS),
        *_channel_specs(),
        *_proactive_specs(),
        *_requests_specs(),
        *_appeals_specs(),
        *_form(SHEET_IMPROVEMENTS, IMPROVEMENT_FIELDS),
        *_form(SHEET_OTHER, OTHER_FIELDS),
        *_form(SHEET_LAST_YEAR, LAST_YEAR_FIELDS),
    ]
    return tuple(specs)


@cache
def sheet_bounds() -> dict[str, tuple[str, str]]:
    """Per sheet, the top-left and bottom-right corners of the cells the reader needs."""
    return bounds(cell_specs())


def bounds(specs: tuple[CellSpec, ...]) -> dict[str, tuple[str, str]]:
    """Per sheet, the corners of the rectangle holding ``specs``."""
    corners: dict[str, list[int]] = {}
    for spec in specs:
        col, row = coordinate_from_string(spec.cell)
        c = column_index_from_string(col)
        b = corners.setdefault(spec.sheet, [row, row, c, c])
        b[:] = [min(b[0], row), max(b[1], row), min(b[2], c), max(b[3], c)]
    return {sheet: (_a1(b[2], b[0]), _a1(b[3], b[1])) for sheet, b in corners.items()}


@cache
def spec_by_path() -> dict[str, CellSpec]:
    return {s.path: s for s in cell_specs()}
