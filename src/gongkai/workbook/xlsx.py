"""Cells of an .xlsx package that passed the guard (:mod:`gongkai.package`), parsed with lxml.

openpyxl's read-only reader spent most of a read in Python-level XML parsing (defusedxml falls
back to the pure-Python expat tree builder); this reads the few parts a report needs —
workbook.xml and its rels, sharedStrings, styles (which cells are dates), the sheets asked
for, docProps/custom.xml — with lxml's C parser, a few milliseconds a workbook.

The values and data types are openpyxl's, so the reader's semantics do not depend on which
of the two parsed the file: ``n`` (int or float), ``s`` (text), ``b`` (bool), ``d`` (date or
time, from a date number format), ``e`` (error text), ``f`` (the formula, ``"=SUM(…)"``,
shared formulas translated to their cell). Every text goes through
:func:`gongkai.textutil.workbook_text` once, here: ``_xHHHH_`` escapes decoded.

A workbook is bounded before anything is parsed (:data:`WORKBOOK_XML`, given to the package
guard by the reader: the XML of one part and of all parts) and while a sheet is read (rows
and cells per sheet, counted as the rows stream by). Every part is read through
:meth:`gongkai.package.Package.items`: a large part streams, the cells outside the bounds
asked for are dropped as they pass, and no tree of the sheet is built.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from lxml import etree
from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from ..errors import UnreadableInputError
from ..package import MB, Package, XmlLimits
from ..textutil import workbook_text

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
OFFICE_DOCUMENT = "/officeDocument"
ROW, CELL, VALUE, FORMULA, INLINE = (f"{MAIN}{t}" for t in ("row", "c", "v", "f", "is"))
TEXT, RUN = f"{MAIN}t", f"{MAIN}r"
SHEET_DATA, SHEETS, SHEET, WORKBOOK_PR = (
    f"{MAIN}{t}" for t in ("sheetData", "sheets", "sheet", "workbookPr")
)
NUM_FMTS, NUM_FMT, CELL_XFS, XF = (f"{MAIN}{t}" for t in ("numFmts", "numFmt", "cellXfs", "xf"))
SHARED_ITEM = f"{MAIN}si"
RELATIONSHIP, PROPERTY = f"{RELS}Relationship", f"{CUSTOM}property"
CUSTOM_PROPS = "docProps/custom.xml"

# The standard workbook (gongkai init, and the same re-saved by Excel, WPS or LibreOffice)
# holds a few hundred used cells a sheet: its largest part is under 40 KB and all its XML
# under 100 KB. The limits are a hundred and more times that, room for styles piled up by
# copying and pasting or a sheet of notes added, and still small enough that several
# uploads read at once stay within a few tens of MB each.
MAX_SHEET_ROWS = 50_000  # rows of one sheet, empty ones included
MAX_SHEET_CELLS = 200_000  # cells of one sheet
WORKBOOK_NORMAL = "gongkai 标准填报表的一张工作表只有几十 KB、几百个单元格，全部 XML 不到 100 KB"
WORKBOOK_ADVICE = (
    "请删除多余的行、列和工作表（或把数据复制到一份新的标准填报表），另存为 .xlsx 后再试；"
    "如果不知道文件为何这样大，请确认文件来源。"
)

Cell = tuple[Any, str]  # (value, data type)
Bounds = tuple[int, int, int, int]  # top row, left column, bottom row, right column
_NO_DATES: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset())


class Book:
    """The sheets of a checked .xlsx package, read on demand, each sheet parsed once."""

    def __init__(self, package: Package) -> None:
        self.package = package
        self._part = _workbook_part(package)
        date1904, sheets = _workbook_sheets(package, self._part)
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        rels = _relationships(package, self._part)
        self._sheets: dict[str, str] = {}
        for sheet, rid in sheets:
            if not rid:
                continue
            if rid not in rels:
                raise self.damaged(self._part, f"工作表“{sheet}”的关系 {rid} 不存在")
            kind, target = rels[rid]
            if target in package and "chartsheet" not in kind:
                self._sheets[sheet or ""] = target
        self._shared_path = _related(rels, "/sharedStrings", "xl/sharedStrings.xml", package)
        self._styles_path = _related(rels, "/styles", "xl/styles.xml", package)
        self._strings: list[str] | None = None
        self._dates: tuple[frozenset[int], frozenset[int]] | None = None
        self._parsed: dict[tuple[str, bool, Bounds | None], dict[tuple[int, int], Cell]] = {}

    @property
    def name(self) -> str:
        return self.package.name

    @property
    def sheetnames(self) -> list[str]:
        return list(self._sheets)

    def cells(self, sheet: str, first: str, last: str) -> dict[str, Cell]:
        """Every non-empty cell of ``sheet`` between two corners: address -> (value, type).
        Formulas are kept as formulas (their cached values are never read)."""
        top, left = _coordinate(first)
        bottom, right = _coordinate(last)
        cells = self._sheet(sheet, data_only=False, bounds=(top, left, bottom, right))
        known = _ADDRESSES.get
        return {known(rc) or _address(*rc): cell for rc, cell in cells.items() if cell[0] is not None}

    def rows(self, index: int = 0) -> Iterator[list[Any]]:
        """The values of the ``index``-th sheet row by row from row 1, as Excel last computed
        them (a formula gives its cached value), each row as wide as the widest: a list's
        line numbers stay the ones the clerk sees."""
        cells = self._sheet(self.sheetnames[index], data_only=True, bounds=None)
        if not cells:
            return
        height = max(row for row, _ in cells)
        width = max(col for _, col in cells)
        for row in range(1, height + 1):
            yield [cells.get((row, col), (None, "n"))[0] for col in range(1, width + 1)]

    def custom_property(self, name: str) -> str | None:
        if CUSTOM_PROPS not in self.package:
            return None
        for _, prop in self.package.items(CUSTOM_PROPS):
            if prop.tag == PROPERTY and prop.get("name") == name:
                value = next(prop.iterchildren(), None)
                return value.text if value is not None else None
        return None

    # --- parsing ----------------------------------------------------------------------------

    def damaged(self, part: str, what: str) -> UnreadableInputError:
        return UnreadableInputError(
            f"文件 {self.name} 的部件 {part} 已损坏（{what}），无法按 Excel 工作簿读取。"
            "请在 Excel 或 WPS 中打开检查，另存为 .xlsx 后再试。"
        )

    def _sheet(self, sheet: str, *, data_only: bool, bounds: Bounds | None) -> dict[tuple[int, int], Cell]:
        key = (sheet, data_only, bounds)
        if key not in self._parsed:
            self._parsed[key] = _SheetParser(self, sheet, data_only).parse(bounds)
        return self._parsed[key]

    def shared_string(self, index: str, part: str, where: str) -> str:
        if self._strings is None:
            self._strings = []
            if self._shared_path is not None:
                self._strings = [
                    workbook_text(_rich_text(si))
                    for _, si in self.package.items(self._shared_path)
                    if si.tag == SHARED_ITEM
                ]
        try:
            return self._strings[int(index)]
        except (ValueError, IndexError):
            raise self.damaged(part, f"单元格 {where} 引用的共享字符串 {index} 不存在") from None

    def date_styles(self) -> tuple[frozenset[int], frozenset[int]]:
        """Cell style indexes whose number format shows a date, and those showing a duration;
        decided as openpyxl decides it (custom formats equal to a built-in one are built-in)."""
        if self._dates is None:
            dates: set[int] = set()
            durations: set[int] = set()
            if self._styles_path is not None:
                # Only two lists are needed: taken as they stream by, resolved afterwards (the
                # formats first, as the file may hold them in any order).
                formats: list[tuple[str | None, str]] = []
                styles: list[str | None] = []
                for level, element in self.package.items(self._styles_path, 2):
                    if level == 2:
                        parent = element.getparent().tag
                        if element.tag == NUM_FMT and parent == NUM_FMTS:
                            formats.append((element.get("numFmtId"), element.get("formatCode", "")))
                        elif element.tag == XF and parent == CELL_XFS:
                            styles.append(element.get("numFmtId"))
                custom = {_number(number, self, self._styles_path): code for number, code in formats}
                for index, style in enumerate(styles):
                    number = _number(style, self, self._styles_path)
                    code = custom[number] if number in custom else builtin_format_code(number)
                    if is_date_format(code):
                        dates.add(index)
                    if is_timedelta_format(code):
                        durations.add(index)
            self._dates = (frozenset(dates), frozenset(durations))
        return self._dates


class _SheetParser:
    def __init__(self, book: Book, sheet: str, data_only: bool) -> None:
        self.book = book
        self.sheet = sheet
        self.part = book._sheets[sheet]
        self.data_only = data_only
        self.shared_formulae: dict[str, Translator] = {}

    def parse(self, bounds: Bounds | None) -> dict[tuple[int, int], Cell]:
        """The cells inside ``bounds`` (all when None). Cells outside are located but not
        converted: a standard sheet is mostly labels the reader never looks at. A shared
        formula's anchor is always read, since cells inside may refer to it."""
        top, left, bottom, right = bounds or (1, 1, 1 << 20, 1 << 14)
        out: dict[tuple[int, int], Cell] = {}
        row_number = rows = cells = 0
        formulas = not self.data_only
        data = None  # the sheet's (first) sheetData: rows elsewhere are not the sheet's
        for level, row in self.book.package.items(self.part, 2):
            if level == 1:
                if data is not None and row is data:
                    break  # the rest of the sheet (merged cells, formatting) is not needed
                continue
            if row.tag != ROW or (parent := row.getparent()).tag != SHEET_DATA:
                continue
            if data is None:
                data = parent
            elif parent is not data:
                continue
            rows += 1
            cells += len(row)
            if rows > MAX_SHEET_ROWS or cells > MAX_SHEET_CELLS:
                raise self.too_large(rows > MAX_SHEET_ROWS)
            try:
                row_number = int(row.get("r") or row_number + 1)
            except ValueError:
                raise self.book.damaged(self.part, f"行号 {row.get('r')} 无效") from None
            if not top <= row_number <= bottom and not (formulas and _has_formula(row)):
                continue
            column = 0
            for cell in row.iterchildren(CELL):
                where = cell.get("r")
                try:
                    if where:
                        row_number, column = _COORDINATES.get(where) or _coordinate(where)
                    else:
                        column += 1
                        where = f"{get_column_letter(column)}{row_number}"
                    if top <= row_number <= bottom and left <= column <= right:
                        out[(row_number, column)] = self.value(cell, where)
                    elif formulas:
                        for child in cell:
                            if child.tag == FORMULA:
                                self.formula(child, where)
                                break
                except UnreadableInputError:
                    raise
                except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
                    raise self.book.damaged(self.part, f"单元格 {where} 的内容无法识别：{exc}") from exc
        return out

    def too_large(self, rows: bool) -> UnreadableInputError:
        limit, unit = (MAX_SHEET_ROWS, "行") if rows else (MAX_SHEET_CELLS, "个单元格")
        return UnreadableInputError(
            f"文件 {self.book.name} 的工作表“{self.sheet}”（部件 {self.part}）有 {limit} {unit}以上，"
            f"超过每张工作表 {limit} {unit}的上限。{WORKBOOK_NORMAL}，这样多的内容不是正常填写或另存能产生的，"
            f"读取它会耗尽内存，程序已拒绝处理。{WORKBOOK_ADVICE}"
        )

    def value(self, cell: etree._Element, where: str) -> Cell:
        # One pass over the children: lxml's find() parses its path on every call, five
        # times slower than walking a cell's one or two children.
        kind = cell.get("t", "n")
        formula = inline = value = None
        for child in cell:  # the first of each, as find() gives
            tag = child.tag
            if tag == VALUE and value is None:
                value = child.text or ""
            elif tag == FORMULA and formula is None:
                formula = child
            elif tag == INLINE and inline is None:
                inline = child
        if formula is not None and not self.data_only:
            return self.formula(formula, where), "f"
        if kind == "inlineStr":
            return (None, kind) if inline is None else (workbook_text(_rich_text(inline)), "s")
        if not value:
            return None, kind
        if kind == "n":
            number = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
            style = int(cell.get("s") or 0)
            dates, durations = self.book.date_styles() if style else _NO_DATES
            if style in dates:
                try:
                    return from_excel(number, self.book.epoch, timedelta=style in durations), "d"
                except (OverflowError, ValueError):
                    return "#VALUE!", "e"
            return number, "n"
        if kind == "s":
            return self.book.shared_string(value, self.part, where), "s"
        if kind == "b":
            return bool(int(value)), "b"
        if kind == "str":
            return workbook_text(value), "s"
        if kind == "d":
            return from_ISO8601(value), "d"
        return value, kind

    def formula(self, formula: etree._Element, where: str) -> Any:
        # As openpyxl's WorkSheetParser.parse_formula: the rest of a shared formula's range
        # holds only its index, so the formula is translated from where it was written.
        kind = formula.get("t")
        value = "=" + (formula.text or "")
        if kind == "array":
            return ArrayFormula(ref=formula.get("ref"), text=value)
        if kind == "shared":
            index = formula.get("si", "")
            if index in self.shared_formulae:
                return self.shared_formulae[index].translate_formula(where)
            if value != "=":
                self.shared_formulae[index] = Translator(value, where)
        elif kind == "dataTable":
            return DataTableFormula(**dict(formula.attrib))
        return value


# Every standard workbook has the same addresses: parsing each once per process saves a
# fifth of a read. Bounded so that hostile files cannot grow it without limit.
_COORDINATES: dict[str, tuple[int, int]] = {}
_ADDRESSES: dict[tuple[int, int], str] = {}


def _coordinate(where: str) -> tuple[int, int]:
    found = _COORDINATES.get(where)
    if found is None:
        found = coordinate_to_tuple(where)
        if len(_COORDINATES) < 100_000:
            _COORDINATES[where] = found
    return found


def _address(row: int, column: int) -> str:
    found = _ADDRESSES.get((row, column))
    if found is None:
        found = f"{get_column_letter(column)}{row}"
        if len(_ADDRESSES) < 100_000:
            _ADDRESSES[(row, column)] = found
    return found


def _number(value: str | None, book: Book, part: str) -> int:
    try:
        return int(value or 0)
    except ValueError:
        raise book.damaged(part, f"数字格式编号 {value} 无效") from None


def _has_formula(row: etree._Element) -> bool:
    return any(child.tag == FORMULA for cell in row for child in cell)


def _rich_text(node: etree._Element) -> str:
    """A string item's text without formatting: the plain ``t`` and every run's ``t``
    (phonetic guides left out), as openpyxl's ``Text.content``."""
    plain = ""
    runs: list[str] = []
    for child in node:
        if child.tag == TEXT:
            plain = child.text or ""  # openpyxl keeps the last of a repeated element
        elif child.tag == RUN:
            texts = [t.text or "" for t in child if t.tag == TEXT]
            runs += texts[-1:]
    return plain + "".join(runs)


def _workbook_part(package: Package) -> str:
    if "_rels/.rels" in package:
        for kind, target in _relationships(package, "").values():
            if kind.endswith(OFFICE_DOCUMENT) and target in package:
                return target
    return "xl/workbook.xml"


def _relationships(package: Package, source: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target part), targets resolved to member names."""
    folder, name = posixpath.split(source)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in package:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for _, rel in package.items(rels):
        if rel.tag != RELATIONSHIP or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return out


def _workbook_sheets(package: Package, part: str) -> tuple[bool, list[tuple[str | None, str | None]]]:
    """From workbook.xml: whether dates count from 1904, and each sheet's name and
    relationship id, in order."""
    props: etree._Element | None = None
    first: etree._Element | None = None  # the first <sheets>, the one a workbook has
    sheets: list[tuple[str | None, str | None]] = []
    for level, element in package.items(part, 2):
        if level == 1:
            if props is None and element.tag == WORKBOOK_PR:
                props = element
        elif element.tag == SHEET and (parent := element.getparent()).tag == SHEETS:
            if first is None:
                first = parent
            if parent is first:
                sheets.append((element.get("name"), element.get(f"{DOC_REL}id")))
    date1904 = props is not None and props.get("date1904", "").lower() in ("1", "true")
    return date1904, sheets


def _part_label(package: Package, member: str) -> str | None:
    """How a refusal names a part (the package guard asks, from the parts that passed)."""
    if member.endswith("sharedStrings.xml"):
        return "共享字符串表"
    if member.endswith("styles.xml"):
        return "样式表"
    part = _workbook_part(package)
    if part == member:
        return "工作簿目录"
    rels = _relationships(package, part)
    for sheet, rid in _workbook_sheets(package, part)[1]:
        if rid in rels and rels[rid][1] == member:
            return f"工作表“{sheet}”"
    return None


# Given to the package guard by the reader: checked before any part is parsed.
WORKBOOK_XML = XmlLimits(
    part=4 * MB,
    total=16 * MB,
    normal=WORKBOOK_NORMAL,
    advice=WORKBOOK_ADVICE,
    label=_part_label,
    keep_other=False,
)


def _related(rels: dict[str, tuple[str, str]], kind: str, default: str, package: Package) -> str | None:
    for rel_kind, target in rels.values():
        if rel_kind.endswith(kind) and target in package:
            return target
    return default if default in package else None
