"""The annual report format (国办公开办函〔2021〕30号) as data.

Everything that names a section, a table row, a column, a label or a span lives here.
The model, the workbook writer and reader, the template context and the messages all
derive from these tuples, so adding a row to the format is a one-line change.
See ``../shared/spec/FORMAT.md`` for the source of every label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FORMAT_NAME = "国办公开办函〔2021〕30号"

# --- sections -------------------------------------------------------------------------

SECTION_HEADINGS: tuple[str, ...] = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)


@dataclass(frozen=True)
class NarrativeField:
    """A narrative text the clerk writes; ``heading`` is printed above it in the report."""

    key: str
    label: str
    heading: str | None = None
    hint: str = ""


# 一、总体情况: an optional opening paragraph, then the five aspects, in this order.
OVERVIEW_INTRO = NarrativeField(
    "intro", "开篇概述（可选）", None, "总体情况开头的一段概述，可不填。"
)
OVERVIEW_ASPECTS: tuple[NarrativeField, ...] = (
    NarrativeField("proactive", "（一）主动公开", "（一）主动公开", "主动公开的渠道、数量和重点内容。"),
    NarrativeField("requests", "（二）依申请公开", "（二）依申请公开", "收到、办理申请的情况；不填则按表三数字自动生成。"),
    NarrativeField("management", "（三）政府信息管理", "（三）政府信息管理", "信息审核发布、保密审查、动态更新等。"),
    NarrativeField("platforms", "（四）政府信息公开平台建设", "（四）政府信息公开平台建设", "门户网站、政务新媒体、公开专栏建设。"),
    NarrativeField(
        "oversight",
        "（五）监督保障",
        "（五）监督保障",
        "须写明工作考核、社会评议和责任追究结果（条例第五十条），没有也要写明。",
    ),
)

# 五、存在的主要问题及改进情况
IMPROVEMENT_FIELDS: tuple[NarrativeField, ...] = (
    NarrativeField("problems", "存在的主要问题", "（一）存在的主要问题", "可写“一是……二是……三是……”。"),
    NarrativeField("improvements", "改进情况", "（二）改进情况", "针对上述问题的改进措施，及上年问题的整改情况。"),
)

# 六、其他需要报告的事项: the 信息处理费 statement comes first, then these optional items.
OTHER_FIELDS: tuple[NarrativeField, ...] = (
    NarrativeField("work_points", "落实上级年度政务公开工作要点情况"),
    NarrativeField("proposals", "人大代表建议和政协提案办理结果公开情况"),
    NarrativeField("innovation", "年度政务公开工作创新情况"),
    NarrativeField("other", "其他"),
)

# Who publishes a report. 市级 is a 设区的市 (or 自治州, 地区, 盟); 省级 a province, an autonomous
# region or a municipality directly under the central government (北京、天津、上海、重庆).
LEVELS: tuple[str, ...] = (
    "乡镇",
    "街道",
    "县级政府",
    "县级部门",
    "市级政府",
    "市级部门",
    "省级政府",
    "省级部门",
    "其他",
)
TOWNSHIP_LEVELS: frozenset[str] = frozenset({"乡镇", "街道"})
# 立法法第九十三条: provinces and 设区的市 (their people's governments, not their departments) make 规章.
REGULATION_LEVELS: frozenset[str] = frozenset({"市级政府", "省级政府"})

# --- table 二 (proactive) ---------------------------------------------------------------


@dataclass(frozen=True)
class ProactiveRow:
    key: str
    label: str
    # Sub-fields of a row with several numbers; empty for a single-number row.
    fields: tuple[str, ...] = ()
    decimal: bool = False


@dataclass(frozen=True)
class ProactiveBlock:
    header: str
    columns: tuple[str, ...]
    rows: tuple[ProactiveRow, ...]


DOCUMENT_FIELDS: tuple[str, ...] = ("issued", "repealed", "in_force")

PROACTIVE_BLOCKS: tuple[ProactiveBlock, ...] = (
    ProactiveBlock(
        "第二十条第（一）项",
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        (
            ProactiveRow("regulations", "规章", DOCUMENT_FIELDS),
            ProactiveRow("normative_documents", "行政规范性文件", DOCUMENT_FIELDS),
        ),
    ),
    ProactiveBlock(
        "第二十条第（五）项",
        ("信息内容", "本年处理决定数量"),
        (ProactiveRow("licensing", "行政许可"),),
    ),
    ProactiveBlock(
        "第二十条第（六）项",
        ("信息内容", "本年处理决定数量"),
        (ProactiveRow("penalties", "行政处罚"), ProactiveRow("coercive_measures", "行政强制")),
    ),
    ProactiveBlock(
        "第二十条第（八）项",
        ("信息内容", "本年收费金额（单位：万元）"),
        (ProactiveRow("fees_wan_yuan", "行政事业性收费", decimal=True),),
    ),
)
PROACTIVE_WIDTH = 4  # columns of the widest block
# Column headings as reports print them, and the field each fills ("" = the row's single figure).
PROACTIVE_COLUMN_FIELDS: dict[str, str] = {
    **{label: field for label, field in zip(PROACTIVE_BLOCKS[0].columns[1:], DOCUMENT_FIELDS, strict=True)},
    **{b.columns[1]: "" for b in PROACTIVE_BLOCKS[1:]},
    "本年收费金额": "",  # printed without its unit
}


@dataclass(frozen=True)
class LegacyProactiveFormat:
    """An older format of table 二 that published reports still use, as data: which of its
    columns carry a figure of today's format, and which rows have no counterpart."""

    name: str
    column_fields: dict[str, str | None]  # heading -> today's field ("" single figure, None no counterpart)
    extra_rows: tuple[str, ...]
    prints_fee_amount: bool


# 国办公开办〔2019〕… 试行 format (FD-7): 新制作/新公开/对外公开总数 instead of 制发/废止/现行有效.
TRIAL_2019 = LegacyProactiveFormat(
    name="2019 年试行格式",
    column_fields={
        "本年新制作数量": "issued",
        "本年新公开数量": None,
        "对外公开总数量": None,  # all ever published, not 现行有效: no counterpart
        "上一年项目数量": None,
        "本年增/减": None,
        "处理决定数量": "",
        "采购项目数量": None,
        "采购总金额": None,
    },
    extra_rows=("其他对外管理服务事项", "政府集中采购"),
    prints_fee_amount=False,
)

# --- table 三 (requests) -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str


REQUEST_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("social_welfare", "社会公益组织"),
    Column("legal_service", "法律服务机构"),
    Column("other", "其他"),
    Column("total", "总计"),
)
REQUEST_PART_COLUMNS: tuple[Column, ...] = REQUEST_COLUMNS[:-1]
REQUEST_LEGAL_PERSON_LABEL = "法人或其他组织"
REQUEST_APPLICANT_LABEL = "申请人情况"
REQUEST_CORNER_LABEL = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
REQUEST_LABEL_DEPTH = 3  # label columns at the left of table 三

RESULTS_GROUP = "三、本年度办理结果"
DENIED = "（三）不予公开"
UNAVAILABLE = "（四）无法提供"
NOT_PROCESSED = "（五）不予处理"
OTHER_HANDLING = "（六）其他处理"

RowKind = Literal["count", "result", "results_total"]


@dataclass(frozen=True)
class RequestRow:
    key: str
    # Label path from the outermost label column inwards; the last element is the row's
    # own label and spans the remaining label columns. Rows sharing a prefix merge it.
    path: tuple[str, ...]
    kind: RowKind = "count"

    @property
    def label(self) -> str:
        return self.path[-1]

    @property
    def full_label(self) -> str:
        return "".join(self.path)


REQUEST_ROWS: tuple[RequestRow, ...] = (
    RequestRow("new", ("一、本年新收政府信息公开申请数量",)),
    RequestRow("carried_over", ("二、上年结转政府信息公开申请数量",)),
    RequestRow("granted", (RESULTS_GROUP, "（一）予以公开"), "result"),
    RequestRow("partially_granted", (RESULTS_GROUP, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"), "result"),
    RequestRow("denied_state_secret", (RESULTS_GROUP, DENIED, "1.属于国家秘密"), "result"),
    RequestRow("denied_prohibited_by_law", (RESULTS_GROUP, DENIED, "2.其他法律行政法规禁止公开"), "result"),
    RequestRow("denied_security_stability", (RESULTS_GROUP, DENIED, "3.危及“三安全一稳定”"), "result"),
    RequestRow("denied_third_party", (RESULTS_GROUP, DENIED, "4.保护第三方合法权益"), "result"),
    RequestRow("denied_internal_affairs", (RESULTS_GROUP, DENIED, "5.属于三类内部事务信息"), "result"),
    RequestRow("denied_process_information", (RESULTS_GROUP, DENIED, "6.属于四类过程性信息"), "result"),
    RequestRow("denied_enforcement_file", (RESULTS_GROUP, DENIED, "7.属于行政执法案卷"), "result"),
    RequestRow("denied_query_matter", (RESULTS_GROUP, DENIED, "8.属于行政查询事项"), "result"),
    RequestRow("unavailable_not_held", (RESULTS_GROUP, UNAVAILABLE, "1.本机关不掌握相关政府信息"), "result"),
    RequestRow("unavailable_needs_creation", (RESULTS_GROUP, UNAVAILABLE, "2.没有现成信息需要另行制作"), "result"),
    RequestRow("unavailable_unclear", (RESULTS_GROUP, UNAVAILABLE, "3.补正后申请内容仍不明确"), "result"),
    RequestRow("not_processed_petition", (RESULTS_GROUP, NOT_PROCESSED, "1.信访举报投诉类申请"), "result"),
    RequestRow("not_processed_repeated", (RESULTS_GROUP, NOT_PROCESSED, "2.重复申请"), "result"),
    RequestRow("not_processed_publication", (RESULTS_GROUP, NOT_PROCESSED, "3.要求提供公开出版物"), "result"),
    RequestRow("not_processed_excessive", (RESULTS_GROUP, NOT_PROCESSED, "4.无正当理由大量反复申请"), "result"),
    RequestRow("not_processed_confirmation", (RESULTS_GROUP, NOT_PROCESSED, "5.要求行政机关确认或重新出具已获取信息"), "result"),
    RequestRow(
        "other_no_correction",
        (RESULTS_GROUP, OTHER_HANDLING, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        "result",
    ),
    RequestRow(
        "other_fee_unpaid",
        (RESULTS_GROUP, OTHER_HANDLING, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        "result",
    ),
    RequestRow("other_other", (RESULTS_GROUP, OTHER_HANDLING, "3.其他"), "result"),
    RequestRow("results_total", (RESULTS_GROUP, "（七）总计"), "results_total"),
    RequestRow("carried_forward", ("四、结转下年度继续办理",)),
)
REQUEST_ROW_BY_KEY: dict[str, RequestRow] = {r.key: r for r in REQUEST_ROWS}
RESULT_ROW_KEYS: tuple[str, ...] = tuple(r.key for r in REQUEST_ROWS if r.kind == "result")


@dataclass(frozen=True)
class LabelCell:
    """One merged label cell of table 三's left-hand label block."""

    row: int  # index into REQUEST_ROWS
    col: int  # 0..REQUEST_LABEL_DEPTH-1
    rowspan: int
    colspan: int
    text: str


def request_label_cells() -> tuple[LabelCell, ...]:
    """Derive table 三's merged label cells from the label paths.

    A path element at depth d merges down over every following row with the same prefix;
    the last element of a path spans the remaining label columns. Group labels that have
    no own number row (三、（三）…) thus fall out of the data instead of being hard-coded.
    """
    cells: list[LabelCell] = []
    for i, row in enumerate(REQUEST_ROWS):
        for depth, text in enumerate(row.path):
            prefix = row.path[: depth + 1]
            if i > 0 and REQUEST_ROWS[i - 1].path[: depth + 1] == prefix:
                continue
            span = 1
            while i + span < len(REQUEST_ROWS) and REQUEST_ROWS[i + span].path[: depth + 1] == prefix:
                span += 1
            last = depth == len(row.path) - 1
            colspan = REQUEST_LABEL_DEPTH - depth if last else 1
            cells.append(LabelCell(i, depth, span, colspan, text))
    return tuple(cells)


# --- table 四 (appeals) ------------------------------------------------------------------

APPEAL_COLUMNS: tuple[Column, ...] = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
APPEAL_PART_COLUMNS: tuple[Column, ...] = APPEAL_COLUMNS[:-1]


@dataclass(frozen=True)
class AppealGroup:
    key: str
    label: str
    parent: str | None  # the spanning header above this group, if any

    @property
    def full_label(self) -> str:
        return f"{self.parent}·{self.label}" if self.parent else self.label


APPEAL_GROUPS: tuple[AppealGroup, ...] = (
    AppealGroup("administrative_review", "行政复议", None),
    AppealGroup("litigation_direct", "未经复议直接起诉", "行政诉讼"),
    AppealGroup("litigation_after_review", "复议后起诉", "行政诉讼"),
)

# --- labels for messages ----------------------------------------------------------------

TABLE_NUMBERS: dict[str, str] = {"proactive": "表二", "requests": "表三", "appeals": "表四"}
TABLE_LABELS: dict[str, str] = {
    "proactive": "表二（主动公开）",
    "requests": "表三（依申请公开）",
    "appeals": "表四（行政复议、行政诉讼）",
}


def proactive_cell_label(row: ProactiveRow, field: str | None) -> str:
    if field is None:
        return row.label
    block = next(b for b in PROACTIVE_BLOCKS if row in b.rows)
    return f"{row.label}·{block.columns[1 + DOCUMENT_FIELDS.index(field)]}"


def request_row_label(row_key: str) -> str:
    """A row of table 三 as a clerk finds it: items numbered within a group name the group
    too, since "1.属于国家秘密" and "1.本机关不掌握相关政府信息" share a number."""
    row = REQUEST_ROW_BY_KEY[row_key]
    group = row.path[-2] if len(row.path) > 2 else ""
    return f"{group}“{row.label}”"


def request_cell_label(row_key: str, col_key: str) -> str:
    col = next(c for c in REQUEST_COLUMNS if c.key == col_key)
    return f"{request_row_label(row_key)}行“{col.label}”列"


def appeal_cell_label(group_key: str, col_key: str) -> str:
    group = next(g for g in APPEAL_GROUPS if g.key == group_key)
    col = next(c for c in APPEAL_COLUMNS if c.key == col_key)
    return f"“{group.full_label}”的“{col.label}”"


# --- balance rows and titles ------------------------------------------------------------

# 表三's statutory balance (the corner label): 一 + 二 = （七）总计 + 四, in every column.
BALANCE_INFLOW: tuple[str, ...] = ("new", "carried_over")
BALANCE_OUTFLOW: tuple[str, ...] = ("results_total", "carried_forward")
BALANCE_ROWS: tuple[str, ...] = (*BALANCE_INFLOW, *BALANCE_OUTFLOW)
TITLE_SUFFIX = "政府信息公开工作年度报告"


def report_title(name: str, year: int | str) -> str:
    """The report's title as the format prints it: "大峪镇人民政府2025年政府信息公开工作年度报告"."""
    return f"{name}{year}年{TITLE_SUFFIX}"


# --- the drawn geometry of tables 二/三/四 ------------------------------------------------

CellRole = Literal["header", "label", "data"]
TableRowKind = Literal["block", "columns", "header", "data"]


@dataclass(frozen=True)
class GridCell:
    """One cell of a drawn table: where it starts on the table's grid, what it spans, and
    for a data cell the figure's key path (``requests.new.total``)."""

    row: int
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    role: CellRole = "header"
    path: str = ""


@dataclass(frozen=True)
class TableGeometry:
    """A statutory table as every writer draws it (Word, HTML, workbook) and the published
    readers expect it. ``cells`` are in drawing order; ``row_kinds`` says what each grid row
    is, ``blocks`` which rows belong together (table 二's four blocks)."""

    key: str
    name: str
    heading: str
    width: int
    row_kinds: tuple[TableRowKind, ...]
    blocks: tuple[int, ...]
    cells: tuple[GridCell, ...]

    @property
    def height(self) -> int:
        return len(self.row_kinds)

    @property
    def header_rows(self) -> int:
        """Rows at the top repeated on each page the table runs onto."""
        return sum(1 for k in self.row_kinds if k == "header")

    def rows(self) -> list[list[GridCell]]:
        """The cells starting on each grid row, left to right."""
        out: list[list[GridCell]] = [[] for _ in self.row_kinds]
        for cell in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[cell.row].append(cell)
        return out

    def covering(self) -> dict[tuple[int, int], GridCell]:
        """Every grid position and the cell that covers it."""
        return {
            (r, c): cell
            for cell in self.cells
            for r in range(cell.row, cell.row + cell.rowspan)
            for c in range(cell.col, cell.col + cell.colspan)
        }

    def data_cells(self) -> tuple[GridCell, ...]:
        return tuple(c for c in self.cells if c.role == "data")


def _proactive_geometry() -> TableGeometry:
    width = PROACTIVE_WIDTH
    cells: list[GridCell] = []
    kinds: list[TableRowKind] = []
    blocks: list[int] = []
    for b, block in enumerate(PROACTIVE_BLOCKS):
        r = len(kinds)
        cells.append(GridCell(r, 0, block.header, colspan=width))
        cells.append(GridCell(r + 1, 0, block.columns[0]))
        rest = block.columns[1:]
        for i, label in enumerate(rest):
            # The last column takes what is left of the grid (1 + 3, or 1 + 1 spanning 3).
            cells.append(GridCell(r + 1, 1 + i, label, colspan=width - 1 - i if i == len(rest) - 1 else 1))
        kinds += ["block", "columns"]
        for i, row in enumerate(block.rows):
            rr = r + 2 + i
            cells.append(GridCell(rr, 0, row.label, role="label"))
            if row.fields:
                cells += [
                    GridCell(rr, 1 + j, role="data", path=f"proactive.{row.key}.{f}") for j, f in enumerate(row.fields)
                ]
            else:
                cells.append(GridCell(rr, 1, colspan=width - 1, role="data", path=f"proactive.{row.key}"))
            kinds.append("data")
        blocks += [b] * (2 + len(block.rows))
    return TableGeometry(
        "proactive", TABLE_LABELS["proactive"], SECTION_HEADINGS[1], width, tuple(kinds), tuple(blocks), tuple(cells)
    )


def _request_geometry() -> TableGeometry:
    depth = REQUEST_LABEL_DEPTH
    parts = REQUEST_PART_COLUMNS
    first, *legal = parts
    ncols = len(REQUEST_COLUMNS)
    cells = [
        GridCell(0, 0, REQUEST_CORNER_LABEL, rowspan=3, colspan=depth),
        GridCell(0, depth, REQUEST_APPLICANT_LABEL, colspan=ncols),
        GridCell(1, depth, first.label, rowspan=2),
        GridCell(1, depth + 1, REQUEST_LEGAL_PERSON_LABEL, colspan=len(legal)),
        *(GridCell(2, depth + 1 + j, c.label) for j, c in enumerate(legal)),
        GridCell(1, depth + len(parts), REQUEST_COLUMNS[-1].label, rowspan=2),
    ]
    top = 3
    cells += [
        GridCell(top + lc.row, lc.col, lc.text, lc.rowspan, lc.colspan, role="label") for lc in request_label_cells()
    ]
    cells += [
        GridCell(top + i, depth + j, role="data", path=f"requests.{row.key}.{c.key}")
        for i, row in enumerate(REQUEST_ROWS)
        for j, c in enumerate(REQUEST_COLUMNS)
    ]
    kinds: tuple[TableRowKind, ...] = ("header",) * top + ("data",) * len(REQUEST_ROWS)
    return TableGeometry(
        "requests", TABLE_LABELS["requests"], SECTION_HEADINGS[2], depth + ncols, kinds, (0,) * len(kinds), tuple(cells)
    )


def _appeal_geometry() -> TableGeometry:
    n = len(APPEAL_COLUMNS)
    cells: list[GridCell] = []
    parents: dict[str, int] = {}
    for g, group in enumerate(APPEAL_GROUPS):
        col = g * n
        if group.parent is None:
            # A group without a parent header: its label spans the top row and its column
            # labels span the two rows below.
            cells.append(GridCell(0, col, group.label, colspan=n))
            cells += [GridCell(1, col + c, column.label, rowspan=2) for c, column in enumerate(APPEAL_COLUMNS)]
        else:
            parents.setdefault(group.parent, col)
            cells.append(GridCell(1, col, group.label, colspan=n))
            cells += [GridCell(2, col + c, column.label) for c, column in enumerate(APPEAL_COLUMNS)]
    for parent, col in parents.items():
        siblings = sum(1 for g in APPEAL_GROUPS if g.parent == parent)
        cells.append(GridCell(0, col, parent, colspan=n * siblings))
    cells += [
        GridCell(3, g * n + c, role="data", path=f"appeals.{group.key}.{column.key}")
        for g, group in enumerate(APPEAL_GROUPS)
        for c, column in enumerate(APPEAL_COLUMNS)
    ]
    kinds: tuple[TableRowKind, ...] = ("header", "header", "header", "data")
    width = n * len(APPEAL_GROUPS)
    return TableGeometry(
        "appeals", TABLE_LABELS["appeals"], SECTION_HEADINGS[3], width, kinds, (0,) * len(kinds), tuple(cells)
    )


PROACTIVE_TABLE: TableGeometry = _proactive_geometry()
REQUEST_TABLE: TableGeometry = _request_geometry()
APPEAL_TABLE: TableGeometry = _appeal_geometry()
TABLES: tuple[TableGeometry, ...] = (PROACTIVE_TABLE, REQUEST_TABLE, APPEAL_TABLE)
TABLE_BY_KEY: dict[str, TableGeometry] = {t.key: t for t in TABLES}
