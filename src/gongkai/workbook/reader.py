"""Read a filled standard workbook into the report model.

Cached formula values are never trusted (files saved by openpyxl, XlsxWriter and some WPS
versions have none, or a false 0): a total cell holding a formula is *computed*, a total
cell holding a number is *declared* and checked against its parts. Type and range checks
are pydantic's; this module only turns what clerks really type into what pydantic reads,
and pydantic's complaints into Chinese findings that name the sheet, cell and label.

The file itself is opened by the package guard (:mod:`gongkai.package`: bombs and DTDs refused
before any parse) and its cells read by :mod:`.xlsx` (lxml, values typed as openpyxl types
them, ``_xHHHH_`` escapes decoded); a path or an upload's bytes read the same.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import format as fmt
from ..errors import UnreadableInputError
from ..findings import Finding
from ..model import LAYOUT_VERSION, Provenance, Report
from ..package import open_package, package_bytes
from ..reading import LEGACY_OFFICE
from ..textutil import normalise_number_text
from . import history
from . import layout as L
from .writer import VERSION_PROPERTY
from .xlsx import WORKBOOK_XML, Book

ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
NUMERIC_KINDS = ("int", "decimal", "total", "year")
TABLE_SHEETS = (L.SHEET_PROACTIVE, L.SHEET_REQUESTS, L.SHEET_APPEALS)
# Required fields have no model default; a bad value is replaced by these so that every
# other problem in the file can still be reported in the same run.
FALLBACKS: dict[str, Any] = {"body.name": "（未填写机关全称）", "body.year": dt.date.today().year - 1}
# A channel row with a count but no name: the row's name field, whatever its index.
ROW_FALLBACKS: dict[str, str] = {"label": "（未填写类别）", "name": "（未填写账号名称）"}


def read_workbook(source: str | Path | bytes, name: str | None = None) -> Report:
    """Read a standard workbook from a path, or from its bytes (an upload) with ``name`` as
    the file name every message shows. Problems with cells become findings on the report's
    provenance (rule R0-1, R0-2, WB-1, WB-2); a file that is not a readable standard
    workbook raises :class:`UnreadableInputError` with a Chinese explanation.
    """
    book = open_workbook(source, name)
    specs = _check_layout(book)
    origin = book.name if isinstance(source, bytes) else str(source)
    report = _read(book, origin, specs)
    if specs is not L.cell_specs():
        note = _older_layout_note(book, _layout_version(book) or "", specs)
        if note is not None:
            report._provenance.findings.append(note)
    return report


def open_workbook(source: str | Path | bytes, name: str | None = None) -> Book:
    """The workbook's package, checked by the guard (:func:`gongkai.package.open_package`)
    before any part is parsed; an old or encrypted Excel file is named as such."""
    if isinstance(source, bytes):
        name = name or "上传的文件.xlsx"
        data = source
    else:
        path = Path(source)
        name = name or path.name
        if not path.exists():
            raise UnreadableInputError(f"找不到文件 {path}，请检查文件名和路径。")
        if path.is_dir():
            raise UnreadableInputError(f"{path} 是一个文件夹，不是 Excel 填报表。")
        data = package_bytes(path, name)  # read once: the checks below and the guard share it
    if LEGACY_OFFICE.matches(data[:8]):
        if ENCRYPTION_STREAM in data[8 : 8 + (1 << 20)]:
            raise UnreadableInputError(
                f"文件 {name} 设置了打开密码（已加密），程序无法读取。"
                "请在 Excel 或 WPS 中打开后取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码），另存后再试。"
            )
        raise UnreadableInputError(
            f"文件 {name} 是旧版 Excel（.xls）或 WPS（.et）格式，程序只能读取 .xlsx。"
            "请在 Excel 或 WPS 中打开，选择“另存为”→“Excel 工作簿（*.xlsx）”后再试。"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableInputError(
            f"文件 {name} 不是有效的 Excel 工作簿（.xlsx），可能已损坏或并非 Excel 文件。"
            "请使用县政务公开办下发的标准填报表（或在网上填报系统中下载本单位的填报表）填写。"
        )
    # Bounded for a workbook: tens of MB of XML are refused before any part is parsed.
    return Book(open_package(data, name, xml_limits=WORKBOOK_XML))


def _layout_version(book: Book) -> str | None:
    if L.SHEET_README in book.sheetnames:
        value = book.cells(L.SHEET_README, L.VERSION_CELL, L.VERSION_CELL).get(L.VERSION_CELL, (None, ""))[0]
        if isinstance(value, str) and value.strip():
            return value.strip()
    return book.custom_property(VERSION_PROPERTY)


def _check_layout(book: Book) -> tuple[L.CellSpec, ...]:
    """The cells to read ``book`` by: today's layout, or the recorded layout the workbook
    was written under (:mod:`.history`), so an older workbook is read by its keys."""
    present = set(book.sheetnames)
    ours = [s for s in L.SHEETS if s in present]
    version = _layout_version(book)
    if version is None and len(ours) < 2:
        raise UnreadableInputError(
            f"文件 {book.name} 不是 gongkai 标准填报表"
            f"（{'工作表为：' + '、'.join(book.sheetnames) if book.sheetnames else '文件中没有任何工作表'}）。"
            "请使用县政务公开办下发的标准填报表（或在网上填报系统中下载本单位的填报表）后再填写。"
        )
    specs = L.cell_specs()
    if version is not None and version != LAYOUT_VERSION:
        old = history.layout_of(version)
        if old is None:
            raise UnreadableInputError(
                f"文件 {book.name} 是用另一版本的模板生成的（模板版本 {version}），"
                f"本程序读取的是 {LAYOUT_VERSION} 版，也认得 {'、'.join(history.versions())}，但不认得 {version}。"
                "请向县政务公开办索取新版填报表（或在网上填报系统中重新下载），把数据复制过去后再试。"
            )
        specs = specs_of(old)
    missing = [s for s in L.SHEETS if s not in present and s != L.SHEET_README]
    if missing:
        raise UnreadableInputError(
            f"文件 {book.name} 缺少工作表“{'”“'.join(missing)}”（可能被删除或改名）。"
            f"标准填报表应包含：{'、'.join(L.SHEETS)}。请恢复原工作表名称后再试。"
        )
    return specs


def specs_of(layout: history.Layout) -> tuple[L.CellSpec, ...]:
    """Today's keys with the cells ``layout`` had them in; keys it never had are left out."""
    out = []
    for spec in L.cell_specs():
        if spec.path in layout.cells:
            where, kind, formula = layout.cells[spec.path]
            sheet, cell = where.split("!")
            out.append(L.CellSpec(spec.path, sheet, cell, spec.label, kind, formula))  # type: ignore[arg-type]
    return tuple(out)


def _item_label(spec: L.CellSpec) -> str:
    """The row or item a cell belongs to, so a new row is named once, not per column."""
    table, *rest = spec.path.split(".")
    if table == "requests":
        return f"表三{fmt.request_row_label(rest[0])}行"
    if table == "appeals":
        return f"表四“{next(g.full_label for g in fmt.APPEAL_GROUPS if g.key == rest[0])}”"
    return f"“{spec.label}”"


def _older_layout_note(book: Book, version: str, specs: tuple[L.CellSpec, ...]) -> Finding | None:
    have = {s.path for s in specs}
    new = [s for s in L.cell_specs() if s.path not in have and s.kind in NUMERIC_KINDS]
    if not new:
        return None
    rows = list(dict.fromkeys(_item_label(s) for s in new))
    return Finding(
        rule="WB-3",
        severity="info",
        message=(
            f"{book.name}：是 {version} 版模板，按其单元格位置读取；该版还没有{'、'.join(rows)}"
            f"（共 {len(new)} 格），这些数字按 0 读取。"
        ),
        hint="如本年有这些情形，请用新版填报表填写，或在生成后的报告中核对。",
    )


# --- reading cells ------------------------------------------------------------------------


class _Reading:
    """State of one read: the raw values, where they came from, and what was wrong."""

    def __init__(self, file: str, origin: str, specs: tuple[L.CellSpec, ...]) -> None:
        self.file = file
        self.specs = specs
        self.by_path = {s.path: s for s in specs}
        self.data: dict[str, Any] = {}
        self.prov = Provenance(origin)
        self.raw: dict[str, Any] = {}

    def finding(self, rule: str, severity: str, spec: L.CellSpec, reason: str, hint: str) -> None:
        shown = self.raw.get(spec.path)
        typed = f"填写了“{shown}”，" if shown not in (None, "") else ""
        self.prov.findings.append(
            Finding(
                rule=rule,
                severity=severity,  # type: ignore[arg-type]
                message=f"{self.file}：工作表“{spec.sheet}”单元格 {spec.cell}（{spec.label}）{typed}{reason}。",
                hint=hint,
                path=spec.path,
                location=spec.where,
            )
        )


def _read(book: Book, origin: str, specs: tuple[L.CellSpec, ...]) -> Report:
    reading = _Reading(book.name, origin, specs)
    channel_rows: dict[str, dict[int, dict[str, L.CellSpec]]] = {}
    corners = L.sheet_bounds() if specs is L.cell_specs() else L.bounds(specs)
    cells = {sheet: book.cells(sheet, *box) for sheet, box in corners.items()}
    for spec in specs:
        value, data_type = cells[spec.sheet].get(spec.cell, (None, "n"))
        value = _cell_value(value, data_type, spec, reading)
        if spec.path.startswith(("channels.website_breakdown.", "channels.new_media.")):
            _, group, index, field = spec.path.split(".")
            channel_rows.setdefault(group, {}).setdefault(int(index), {})[field] = spec
            reading.raw[spec.path] = value
            continue
        _store(reading, spec, value)
    _compact_channels(reading, channel_rows)
    return _validate(reading)


def _store(reading: _Reading, spec: L.CellSpec, value: Any, path: str | None = None) -> None:
    path = path or spec.path
    reading.prov.cells[path] = spec.where
    reading.prov.labels[path] = spec.label
    if value is None:
        return
    node = reading.data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _cell_value(value: Any, data_type: str, spec: L.CellSpec, reading: _Reading) -> Any:
    """The cell's value as pydantic should see it; ``None`` leaves the model default."""
    # Text arrives cleaned (gongkai.textutil.workbook_text, in .xlsx): escapes decoded once.
    reading.raw[spec.path] = value
    if spec.kind in ("text", "longtext", "level"):
        return _text(value)
    if data_type == "f":
        if spec.kind == "total":
            if _formula_key(str(value)) != _formula_key(spec.formula or ""):
                reading.finding(
                    "WB-2",
                    "warning",
                    spec,
                    f"的合计公式被改成了 {value}（应为 {spec.formula}），程序已忽略该公式，按各分项重新计算",
                    "如需直接填写合计数，请填数字；否则请恢复原公式。",
                )
            return None
        reading.finding("R0-1", "error", spec, "是公式，程序不读取公式的计算结果", "请直接填写数字。")
        return 0
    if value is None or (isinstance(value, str) and not normalise_number_text(value)):
        if spec.kind == "total":
            return None
        if spec.sheet in TABLE_SHEETS:
            reading.prov.blank.append(spec.path)
        return None
    if isinstance(value, bool | dt.datetime | dt.date | dt.time):
        return str(value)  # pydantic rejects it; the message shows what Excel made of it
    if isinstance(value, str):
        return normalise_number_text(value)
    return value


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number or postcode typed as a number
    return str(value).strip()


def _formula_key(formula: str) -> str:
    return re.sub(r"[\s$]", "", formula).upper()


def _compact_channels(reading: _Reading, rows: dict[str, dict[int, dict[str, L.CellSpec]]]) -> None:
    # Clerks leave rows empty in the middle of a list; the model keeps only filled rows,
    # each remembering its cells so that messages still point at the right row.
    for group, by_index in rows.items():
        items: list[dict[str, Any]] = []
        for index in sorted(by_index):
            fields = by_index[index]
            values = {f: reading.raw.get(s.path) for f, s in fields.items()}
            if all(v in (None, "") for v in values.values()):
                continue
            n = len(items)
            item: dict[str, Any] = {}
            for field, spec in fields.items():
                value = values[field]
                if spec.kind == "text":
                    value = _text(value)
                path = f"channels.{group}.{n}.{field}"
                reading.prov.cells[path] = spec.where
                reading.prov.labels[path] = spec.label
                reading.raw[path] = reading.raw[spec.path]
                if value is not None:
                    item[field] = value
            items.append(item)
        reading.data.setdefault("channels", {})[group] = items


# --- validation -----------------------------------------------------------------------------


def _validate(reading: _Reading) -> Report:
    for _ in range(len(reading.specs) + 1):
        try:
            report = Report.model_validate(reading.data)
        except ValidationError as exc:
            _record(reading, exc)
            continue
        report._provenance = reading.prov
        return report
    raise UnreadableInputError(f"文件 {reading.file} 的内容无法解析为年度报告。")  # pragma: no cover


def _record(reading: _Reading, exc: ValidationError) -> None:
    by_path = reading.by_path
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"])
        spec = by_path.get(path) or _channel_spec(reading, path)
        if spec is None:  # pragma: no cover - every model field has a cell
            raise UnreadableInputError(f"文件 {reading.file} 的数据不完整：{path}。") from exc
        rule, reason, hint = _explain(spec, error)
        reading.finding(rule, "error", spec, reason, hint)
        fallback = FALLBACKS.get(path)
        if fallback is None and path.startswith("channels."):
            fallback = ROW_FALLBACKS.get(path.rsplit(".", 1)[-1])
        _replace(reading.data, path, fallback)


def _channel_spec(reading: _Reading, path: str) -> L.CellSpec | None:
    where = reading.prov.cells.get(path)
    if where is None:
        return None
    sheet, cell = where.split("!")
    label = reading.prov.labels[path]
    return L.CellSpec(path, sheet, cell, label, "int" if path.endswith(("count", "posts")) else "text")


def _replace(data: dict[str, Any], path: str, value: Any) -> None:
    node: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def _explain(spec: L.CellSpec, error: Any) -> tuple[str, str, str]:
    kind, value = error["type"], error.get("input")
    if spec.path == "body.level":
        return "WB-1", f"不是规定的层级（应为：{'、'.join(fmt.LEVELS)}）", "请从下拉列表中选择层级。"
    if spec.path == "body.year":
        return "WB-1", "不是有效的报告年度", "请填写四位年份，如 2025。"
    if kind in ("missing", "string_too_short"):
        return "WB-1", "不能为空", "请填写该项。"
    number = _as_decimal(value)
    rule = "R0-2" if spec.kind == "decimal" else "R0-1"
    if number is None:
        what = "金额" if spec.kind == "decimal" else "件数"
        return rule, f"不是数字，{what}只能填写阿拉伯数字", "没有发生的请填 0，不要填写“无”“—”或文字。"
    if number < 0:
        return rule, "是负数，不能小于 0", "请填写不小于 0 的数字。"
    if number != number.to_integral_value():
        return rule, "是小数，件数必须是整数", "请填写整数件数。"
    return rule, "不是有效的数字", "请填写不小于 0 的数字。"


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
