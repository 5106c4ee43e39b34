"""Write the standard workbook staff fill (``gongkai init``).

Each statutory table is drawn exactly like the official one (merged headers, verbatim
labels) so a clerk sees the table they know; input cells are shaded and unlocked, the
rest is protected without a password; totals are formulas for the clerk's convenience.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import format as fmt
from ..atomic import atomic_write
from ..errors import GongkaiError
from ..model import LAYOUT_VERSION, Report, get_path
from ..textutil import clean_text
from ..xlsx_text import put, put_value
from . import layout as L

FONT = "宋体"
TITLE_FONT = Font(name=FONT, size=14, bold=True)
HEADER_FONT = Font(name=FONT, size=10, bold=True)
LABEL_FONT = Font(name=FONT, size=10)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
FORMULA_FILL = PatternFill("solid", fgColor="E2EFDA")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TEXT = Alignment(horizontal="left", vertical="top", wrap_text=True)
UNLOCKED = Protection(locked=False)
VERSION_PROPERTY = "gongkai_layout"
TEXT_COLUMN_CHARS = 48  # CJK characters per line in a 100-wide text column

INSTRUCTIONS = (
    "本表用于填报《政府信息公开工作年度报告》（格式依据国办公开办函〔2021〕30号）。",
    "1. 只在浅黄色单元格中填写；灰色、蓝色单元格为表头，已锁定（无密码，确需修改可“撤销工作表保护”）。",
    "2. 数字单元格只填不小于 0 的整数（行政事业性收费以“万元”为单位，可有小数）；没有发生的填 0，留空按 0 计并给出提示。",
    "3. 浅绿色单元格为自动合计公式，一般不要改动；如直接填写数字，程序会把它当作“填报的合计数”并与各分项核对。",
    "4. 文字单元格可以写多段，段与段之间按 Alt+Enter 换行（WPS 同样），生成的报告中每段单独成段、首行缩进。",
    "5. 文字部分留空时，程序会根据表格数字自动生成一段规范表述，保证报告各部分齐全。",
    "6. 填好后交回县政务公开办，或在网上填报系统中上传：系统逐条核对，标出有问题的单元格，并生成 Word 报告。",
    "7. 请不要增删、重命名工作表，也不要插入或删除行列，否则程序无法识别。",
    "8. “上年数据”是上年报告中的数字和文字，用于核对本年“上年结转”、规范性文件件数和是否与上年内容雷同；不清楚可以不填。",
)


def write_workbook(report: Report, path: str | Path) -> Path:
    """Write ``report`` as a standard workbook at ``path`` (atomically) and return the path.

    Computed totals (``None`` in the model) become formulas; declared totals are written as
    the numbers they are, so reading the workbook back gives the same report.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise GongkaiError(f"输出文件 {path} 的扩展名应为 .xlsx。")
    for key in ("website_breakdown", "new_media"):
        items = getattr(report.channels, key)
        if len(items) > L.CHANNEL_ROWS:
            raise GongkaiError(
                f"报告中“{key}”有 {len(items)} 行，填报表只能容纳 {L.CHANNEL_ROWS} 行，请合并后再写入。"
            )
    wb = build_workbook(report)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


def build_workbook(report: Report) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for name in L.SHEETS:
        wb.create_sheet(name)
    _draw_readme(wb[L.SHEET_README])
    _draw_form(wb[L.SHEET_BODY], "基本信息", L.BODY_FIELDS)
    _draw_form(wb[L.SHEET_OVERVIEW], fmt.SECTION_HEADINGS[0], L.OVERVIEW_FIELDS)
    _draw_channels(wb[L.SHEET_OVERVIEW])
    _draw_proactive(wb[L.SHEET_PROACTIVE])
    _draw_requests(wb[L.SHEET_REQUESTS])
    _draw_appeals(wb[L.SHEET_APPEALS])
    _draw_form(wb[L.SHEET_IMPROVEMENTS], fmt.SECTION_HEADINGS[4], L.IMPROVEMENT_FIELDS)
    _draw_form(wb[L.SHEET_OTHER], fmt.SECTION_HEADINGS[5], L.OTHER_FIELDS)
    _draw_form(wb[L.SHEET_LAST_YEAR], "上年数据（用于跨年度核对；县政务公开办下发时已按上年报告带入，也可手工填写）", L.LAST_YEAR_FIELDS)
    _fill_values(wb, report)
    _add_validations(wb)
    for ws in wb.worksheets:
        page_setup(ws, landscape=ws.title != L.SHEET_PROACTIVE)
        ws.protection.sheet = True
        ws.protection.formatCells = False  # clerks may widen columns and rows
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.custom_doc_props.append(StringProperty(name=VERSION_PROPERTY, value=LAYOUT_VERSION))
    wb.active = 1
    return wb


def page_setup(ws: Worksheet, *, landscape: bool = True) -> None:
    """Print on A4, one page wide (clerks print the filled tables for sign-off)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True


# --- drawing ----------------------------------------------------------------------------


def _title(ws: Worksheet, text: str, width: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    c = put(ws, 1, 1, text)
    c.font = TITLE_FONT
    c.alignment = CENTER
    ws.row_dimensions[1].height = 28


def _header(ws: Worksheet, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
    if rowspan > 1 or colspan > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row + rowspan - 1, end_column=col + colspan - 1)
    for r in range(row, row + rowspan):
        for c in range(col, col + colspan):
            cell = ws.cell(r, c)
            cell.border = BORDER
            cell.fill = HEADER_FILL
    cell = put(ws, row, col, text)
    cell.font = HEADER_FONT
    cell.alignment = CENTER


def _label(ws: Worksheet, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
    _header(ws, row, col, text, rowspan, colspan)
    cell = ws.cell(row, col)
    cell.font = LABEL_FONT
    cell.alignment = LEFT if colspan > 1 or rowspan == 1 else CENTER


def _draw_readme(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 110
    ws.cell(1, 1, "政府信息公开工作年度报告填报表").font = TITLE_FONT
    ws[L.VERSION_LABEL_CELL] = "模板版本"
    ws[L.VERSION_CELL] = LAYOUT_VERSION
    for i, line in enumerate(INSTRUCTIONS):
        c = ws.cell(4 + i, 2, line)
        c.alignment = LEFT
    ws.cell(4 + len(INSTRUCTIONS) + 1, 2, "格式依据：" + fmt.FORMAT_NAME)


def _draw_form(ws: Worksheet, title: str, fields: Iterable[tuple[str, str, L.Kind]]) -> None:
    _title(ws, title, 2)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    ws.column_dimensions["C"].width = 14
    _header(ws, 2, 1, "项目")
    _header(ws, 2, 2, "填写内容")
    hints = {
        f"{prefix}.{f.key}": f.hint
        for prefix, group in (
            ("overview", (fmt.OVERVIEW_INTRO, *fmt.OVERVIEW_ASPECTS)),
            ("improvements", fmt.IMPROVEMENT_FIELDS),
            ("other_matters", fmt.OTHER_FIELDS),
        )
        for f in group
    }
    for i, (path, label, kind) in enumerate(fields):
        row = L.FORM_FIRST_ROW + i
        _label(ws, row, 1, label + (f"\n（{hints[path]}）" if hints.get(path) else ""))
        _input(ws.cell(row, 2), TEXT if kind == "longtext" else LEFT)
        ws.row_dimensions[row].height = 90 if kind == "longtext" else 20


def _input(cell: Cell, alignment: Alignment = CENTER) -> None:
    cell.fill = INPUT_FILL
    cell.border = BORDER
    cell.protection = UNLOCKED
    cell.alignment = alignment


def _formula_cell(cell: Cell) -> None:
    # Unlocked as well: a clerk may overwrite a total with the figure they were given,
    # which the reader then treats as a declared total and checks against its parts.
    _input(cell)
    cell.fill = FORMULA_FILL


def _draw_channels(ws: Worksheet) -> None:
    _header(ws, L.CHANNELS_TITLE_ROW, 1, "发布渠道（用于生成“（一）主动公开”段落并核对文字中的数字）", colspan=3)
    _label(ws, L.WEBSITE_TOTAL_ROW, 1, "政府网站发布信息总条数", colspan=2)
    _header(ws, L.WEBSITE_HEADER_ROW, 1, "政府网站信息分类")
    _header(ws, L.WEBSITE_HEADER_ROW, 2, "类别（如：政策文件、法定主动公开内容、基层政务信息）")
    _header(ws, L.WEBSITE_HEADER_ROW, 3, "条数")
    for i in range(L.CHANNEL_ROWS):
        _label(ws, L.WEBSITE_FIRST_ROW + i, 1, f"分类{i + 1}")
    _header(ws, L.MEDIA_TITLE_ROW, 1, "政务新媒体账号", colspan=3)
    _header(ws, L.MEDIA_HEADER_ROW, 1, "账号名称")
    _header(ws, L.MEDIA_HEADER_ROW, 2, "平台（微信公众号、微博、抖音等）")
    _header(ws, L.MEDIA_HEADER_ROW, 3, "本年发布条数")


def _draw_grid(ws: Worksheet, table: fmt.TableGeometry) -> None:
    """The table's header and label cells from the format's geometry, at its place on the
    sheet (:func:`layout.table_origin`); a data cell spanning columns is merged."""
    top, left = L.table_origin(table)
    for c in table.cells:
        row, col = top + c.row, left + c.col
        if c.role == "header":
            _header(ws, row, col, c.text, c.rowspan, c.colspan)
        elif c.role == "label":
            _label(ws, row, col, c.text, c.rowspan, c.colspan)
        elif c.colspan > 1 or c.rowspan > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + c.rowspan - 1, end_column=col + c.colspan - 1)
            for cc in range(col + 1, col + c.colspan):
                ws.cell(row, cc).border = BORDER


def _draw_proactive(ws: Worksheet, title: str = fmt.SECTION_HEADINGS[1]) -> None:
    table = fmt.PROACTIVE_TABLE
    _title(ws, title, table.width)
    ws.cell(2, 1, "单位：件；行政事业性收费单位：万元").font = LABEL_FONT
    ws.column_dimensions["A"].width = 24
    for c in range(2, table.width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 18
    _draw_grid(ws, table)


def _draw_requests(ws: Worksheet, title: str = fmt.SECTION_HEADINGS[2]) -> None:
    table = fmt.REQUEST_TABLE
    depth = fmt.REQUEST_LABEL_DEPTH
    top, _ = L.table_origin(table)
    _title(ws, title, table.width)
    ws.cell(2, 1, "单位：件").font = LABEL_FONT
    for col, width in zip(range(1, depth + 1), (16, 14, 40), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = width
    for c in range(depth + 1, table.width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    _draw_grid(ws, table)
    for r, height in enumerate((24, 20, 30)):
        ws.row_dimensions[top + r].height = height
    for r, kind in enumerate(table.row_kinds):
        if kind == "data":
            ws.row_dimensions[top + r].height = 30
    ws.freeze_panes = ws.cell(L.REQUESTS_FIRST_ROW, L.REQUESTS_FIRST_COL)


def _draw_appeals(ws: Worksheet, title: str = fmt.SECTION_HEADINGS[3]) -> None:
    table = fmt.APPEAL_TABLE
    _title(ws, title, table.width)
    ws.cell(2, 1, "单位：件").font = LABEL_FONT
    _draw_grid(ws, table)
    for c in range(1, table.width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 9
    ws.row_dimensions[L.APPEALS_DATA_ROW].height = 24


# --- values -------------------------------------------------------------------------------


_TABLE_DRAWERS = {L.SHEET_PROACTIVE: _draw_proactive, L.SHEET_REQUESTS: _draw_requests, L.SHEET_APPEALS: _draw_appeals}


def draw_statutory_table(ws: Worksheet, sheet: str, title: str, values: Mapping[str, Any]) -> None:
    """Draw table 二, 三 or 四 (named by its workbook sheet) on ``ws`` exactly as the standard
    workbook lays it out, with plain numbers from ``values`` (canonical path -> number)."""
    _TABLE_DRAWERS[sheet](ws, title)
    for spec in L.cell_specs():
        if spec.sheet == sheet:
            cell = ws[spec.cell]
            cell.border = BORDER
            cell.alignment = CENTER
            cell.value = _number(values.get(spec.path, 0))
    page_setup(ws, landscape=sheet != L.SHEET_PROACTIVE)


def _text_height(text: str) -> float:
    lines = sum(max(1, math.ceil(len(p) / TEXT_COLUMN_CHARS)) for p in text.split("\n"))
    return min(409, max(90, 15 * lines + 6))


def _fill_values(wb: Workbook, report: Report) -> None:
    for spec in L.cell_specs():
        ws = wb[spec.sheet]
        cell = ws[spec.cell]
        value = _value_at(report, spec.path)
        if spec.kind == "total":
            _formula_cell(cell)
            cell.value = value if value is not None else spec.formula
        elif spec.kind in ("int", "decimal", "year"):
            _input(cell)
            cell.value = _number(value) if value is not None else None
        else:
            if spec.sheet in (L.SHEET_PROACTIVE, L.SHEET_REQUESTS, L.SHEET_APPEALS) or spec.path.startswith("channels."):
                _input(cell, LEFT)
            text = "" if value is None else clean_text(str(value))
            if text:
                put_value(cell, text)  # a narrative starting with "=" stays text, never a formula
            if spec.kind == "longtext" and text:
                ws.row_dimensions[cell.row].height = _text_height(text)


def _value_at(report: Report, path: str) -> Any:
    try:
        return get_path(report, path)
    except (IndexError, AttributeError):
        return None  # an empty row of a channel list


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Keep the fee exactly as entered: integral amounts as int, others as text-free float
        # only when the float round-trips; otherwise store the exact digits as a string.
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    return value


def _add_validations(wb: Workbook) -> None:
    by_sheet: dict[str, dict[str, list[str]]] = {}
    for spec in L.cell_specs():
        if spec.kind in ("int", "total", "decimal", "level", "year"):
            by_sheet.setdefault(spec.sheet, {}).setdefault(spec.kind, []).append(spec.cell)
    for sheet, kinds in by_sheet.items():
        ws = wb[sheet]
        for kind, cells in kinds.items():
            dv = _validation(kind)
            ws.add_data_validation(dv)
            dv.sqref = MultiCellRange(compact_ranges(cells))


def compact_ranges(cells: Iterable[str]) -> str:
    """A few rectangles covering exactly ``cells``: "D6:I30 J6" rather than 175 addresses.

    Every reader of the workbook parses the validation ranges, so fewer, larger ranges make
    opening it (in Excel and in a batch of thousands) measurably faster.
    """
    runs: dict[int, list[tuple[int, int]]] = {}
    by_col: dict[int, list[int]] = {}
    for cell in cells:
        col, row = coordinate_from_string(cell)
        by_col.setdefault(column_index_from_string(col), []).append(row)
    for col, rows in by_col.items():
        rows.sort()
        start = prev = rows[0]
        for row in rows[1:]:
            if row != prev + 1:
                runs.setdefault(col, []).append((start, prev))
                start = row
            prev = row
        runs.setdefault(col, []).append((start, prev))
    ranges: list[str] = []
    cols = sorted(runs)
    done: set[tuple[int, tuple[int, int]]] = set()
    for col in cols:
        for run in runs[col]:
            if (col, run) in done:
                continue
            last = col
            while run in runs.get(last + 1, []):
                last += 1
                done.add((last, run))
            first_cell = f"{get_column_letter(col)}{run[0]}"
            last_cell = f"{get_column_letter(last)}{run[1]}"
            ranges.append(first_cell if first_cell == last_cell else f"{first_cell}:{last_cell}")
    return " ".join(ranges)


def _validation(kind: str) -> DataValidation:
    if kind in ("int", "total"):
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.prompt = "请填写不小于 0 的整数（没有发生的填 0）。", "填写不小于 0 的整数"
    elif kind == "decimal":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error, dv.prompt = "请填写不小于 0 的数字，单位见表头。", "填写不小于 0 的数字"
    elif kind == "year":
        dv = DataValidation(type="whole", operator="between", formula1="2008", formula2="2100")
        dv.error, dv.prompt = "请填写四位年份，如 2025。", "报告年度，如 2025"
    else:
        dv = DataValidation(type="list", formula1='"' + ",".join(fmt.LEVELS) + '"')
        dv.error, dv.prompt = "请从下拉列表中选择层级。", "选择层级"
    dv.errorTitle = "输入有误"
    dv.showErrorMessage = True
    dv.showInputMessage = True
    return dv
