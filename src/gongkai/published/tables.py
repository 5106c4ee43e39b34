"""Tables 二, 三 and 四 as printed, read into canonical paths.

Every printed figure is stored *declared* (a 总计 as the int it prints), so the checks compare
printed totals with their parts. What a row prints is found by the table's own header when
cell positions mean columns (Word, HTML, PDF tables, tab-separated text), else by counting
numbers. Whatever is not printed is said, never guessed: a missing column is taken as 0 and
flagged (FD-3), a short row of zeros is read as zeros and flagged (FD-5), any other short
row is not read at all, and rows and tables that are not there go into
``provenance.unprinted`` so that no rule reports on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from itertools import combinations

from .. import format as fmt
from ..workbook import history
from .cells import core_label, fold, is_blank, is_label, is_value, parse_cell_number
from .sink import Sink

TABLE_NAMES = fmt.TABLE_NUMBERS
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Row:
    """One printed row of a table: its number within the table as printed, and its cells."""

    number: int
    cells: tuple[str, ...]
    aligned: bool
    # Cells gathered from lines of one cell each: a figure may be broken across two of them.
    split: bool = False
    # The row as the PDF's text layer has it: read by its label when the grid places no figure.
    text: str = ""

    def from_text_layer(self) -> Row | None:
        """This row read from its text layer, split at white space; None without one."""
        tokens = self.text.split()
        if not self.aligned or not tokens:
            return None
        i = len(tokens)
        while i > 0 and is_value(tokens[i - 1]):
            i -= 1
        if i == len(tokens):
            return None
        label = "".join(tokens[:i])
        return Row(self.number, ((label,) if label else ()) + tuple(tokens[i:]), False)

    def places_no_figure(self) -> bool:
        """A grid row whose figures are all blank or run together ("1 0 7" in one cell)
        while its text layer prints figures: the ruling lines between its cells are missing."""
        if not self.aligned or not self.text:
            return False
        start = (self.label_index or 0) + 1
        cells = self.cells[start:]
        together = any(len(c.split()) > 1 and all(is_value(t) for t in c.split()) for c in cells)
        layer = self.from_text_layer()
        return (together or all(is_blank(c) for c in cells)) and layer is not None and bool(layer.numbers())

    @property
    def label_index(self) -> int | None:
        """The last cell that is words (group labels come before the row's own label)."""
        for i in range(len(self.cells) - 1, -1, -1):
            if is_label(self.cells[i]):
                return i
        return None

    @property
    def label(self) -> str:
        i = self.label_index
        return "" if i is None else self.cells[i]

    def numbers(self) -> list[Decimal]:
        return [n for c in self.cells if (n := parse_cell_number(c)) is not None]

    def words(self) -> list[str]:
        """The cells, or for a row split at white space its single words (a header line
        "信息内容 本年制发件数 …" names one column per word)."""
        if self.aligned:
            return list(self.cells)
        return [word for cell in self.cells for word in cell.split()]


def spans(numbers: Iterable[int]) -> str:
    """``[6, 7, 8, 10]`` → ``6–8、10``: row numbers for a message."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}–{ordered[j]}")
        i = j + 1
    return "、".join(parts)


def match_label(
    label: str, known: dict[str, str], variants: dict[str, str] | None = None
) -> tuple[str, bool] | None:
    """The key a printed row label stands for, and whether its wording differs notably.

    Width, spaces, punctuation and numbering never matter; a label cut short or with a note
    added ("部分公开" for the long （二） label) is the same label; a label worded a little
    differently is recognised when it is clearly closest to one row (the caller flags it).
    """
    key = core_label(label)
    if len(key) < 2:
        return None
    if key in known:
        return known[key], False
    if variants and key in variants:
        return variants[key], False
    if len(key) >= 4:
        near = {v for k, v in known.items() if len(k) >= 4 and (k.startswith(key) or key.startswith(k))}
        if len(near) == 1:
            return near.pop(), False
        same_start = {v for k, v in known.items() if len(k) >= 4 and k[:4] == key[:4]}
        if len(same_start) == 1:
            return same_start.pop(), True
    scored = sorted(
        ((SequenceMatcher(None, key, k).ratio(), v) for k, v in known.items() if len(k) >= 3), reverse=True
    )
    if scored and scored[0][0] >= 0.8 and (len(scored) == 1 or scored[1][0] < scored[0][0] - 0.1):
        return scored[0][1], True
    return None


# --- reading one row's figures against the table's columns -------------------------------------


@dataclass
class _Columns:
    """The columns a table prints, in order, and (for aligned rows) where each one is."""

    keys: list[str]
    positions: dict[str, int] = field(default_factory=dict)


@dataclass
class _RowRead:
    cells: dict[str, str] | None  # column key -> printed text ("" = blank); None: unreadable
    how: str = ""  # "", "shifted", "zeros" (a short row of zeros), or why it is unreadable
    printed: int = 0  # numbers the row prints
    # Joinings of broken figures that the row's own total accepts, when more than one does:
    # the table's columns may still decide between them.
    candidates: list[dict[str, str]] = field(default_factory=list)


Balanced = Callable[[dict[str, int]], bool]
"""Whether a row's figures (column key -> figure) satisfy the row's own arithmetic."""


def _request_row_balances(values: dict[str, int]) -> bool:
    if "total" not in values:
        return False
    return values["total"] == sum(v for k, v in values.items() if k != "total")


def _appeal_row_balances(values: dict[str, int]) -> bool:
    groups: dict[str, dict[str, int]] = {}
    for key, value in values.items():
        group, col = key.split(".")
        groups.setdefault(group, {})[col] = value
    return all(
        "total" in cols and cols["total"] == sum(v for c, v in cols.items() if c != "total")
        for cols in groups.values()
    )


def _rejoined(tokens: list[str], keys: list[str], balanced: Balanced) -> tuple[list[dict[str, str]], int]:
    """Every way of joining neighbouring figures of a row printed a cell a line ("1" "62") into
    one figure per column that the row's arithmetic accepts; and how many joinings there are.

    A joined figure never starts with 0 ("0" "2" is two cells, not 02)."""
    n, m = len(tokens), len(keys)
    fits: list[dict[str, str]] = []
    tried = 0
    for gaps in combinations(range(n - 1), n - m):
        pieces: list[str] = []
        for i, token in enumerate(tokens):
            if i and i - 1 in gaps:
                pieces[-1] += token
            else:
                pieces.append(token)
        if any(len(p) > 1 and p.startswith("0") for p in pieces):
            continue
        tried += 1
        cells = dict(zip(keys, pieces, strict=True))
        if balanced({k: int(v) for k, v in cells.items()}):
            fits.append(cells)
    return fits, tried


def _read_row(row: Row, columns: _Columns, start: int, balanced: Balanced | None = None) -> _RowRead:
    """The printed text of each column in ``row``, whose own cells begin after ``start``.

    A row printed a cell a line with more figures than columns may have a figure broken in
    two: with ``balanced`` (the row's arithmetic) the one joining it accepts is read."""
    keys = columns.keys
    if row.aligned and columns.positions:
        got: dict[str, str] = {}
        missing = False
        for key in keys:
            pos = columns.positions[key]
            if pos < start or pos >= len(row.cells) or not is_value(row.cells[pos]):
                missing = True
                break
            got[key] = row.cells[pos]
        if not missing:
            return _RowRead(got, printed=sum(parse_cell_number(v) is not None for v in got.values()))
        values = [c for c in row.cells[start:] if parse_cell_number(c) is not None]
        if len(values) == len(keys):
            return _RowRead(dict(zip(keys, values, strict=True)), "shifted", len(values))
    else:
        values = [c for c in row.cells[start:] if is_value(c)]
        if row.aligned and len(values) > len(keys):
            # Spanned cells around the figures print as empty cells; keep what is inside them.
            while values and len(values) > len(keys) and is_blank(values[-1]):
                values.pop()
            while values and len(values) > len(keys) and is_blank(values[0]):
                values.pop(0)
        if len(values) == len(keys):
            return _RowRead(
                dict(zip(keys, values, strict=True)), printed=sum(parse_cell_number(v) is not None for v in values)
            )
        values = [c for c in values if parse_cell_number(c) is not None]
    n, m = len(values), len(keys)
    if row.split and balanced is not None and n > m and all(_DIGITS.match(v) for v in values):
        fits, tried = _rejoined(values, keys, balanced)
        if len(fits) == 1:
            cells = fits[0]
            return _RowRead(cells, "rejoined", n)
        return _RowRead(
            None,
            f"有{n}个数字，多于应有的{m}个（逐行印出的数字可能被断开，如“1”“62”）；"
            + (
                f"{len(fits)}种接法都符合本行合计，各列的勾稽关系也不能确定是哪一种"
                if fits
                else f"{tried}种接法没有一种符合本行合计（总计等于各项之和）"
            ),
            n,
            fits,
        )
    if 0 < n < m and all(parse_cell_number(v) == 0 for v in values):
        return _RowRead(dict.fromkeys(keys, "0"), "zeros", n)
    if n == 0:
        return _RowRead(None, "没有数字", 0)
    if n < m:
        return _RowRead(None, f"只有{n}个数字（应有{m}个）", n)
    return _RowRead(None, f"有{n}个数字，多于应有的{m}个", n)


@dataclass(frozen=True)
class _BlankTotal:
    """A total cell printed blank: said with the others of its table (FD-4), folded by column
    and by row, so a table whose 总计 column (or （七）总计 row) is blank is one finding."""

    path: str
    location: str
    row: str  # the row as a message names it: "表三第3行（…）"
    number: int  # the row's number within the table as printed
    column: str  # the column's label
    order: int  # the column's place among the table's printed columns


def _count(
    sink: Sink,
    text: str,
    path: str,
    location: str,
    label: str,
    *,
    total: bool,
    blank_totals: list[_BlankTotal] | None = None,
    row: tuple[str, int] = ("", 0),
    order: int = 0,
) -> int | None:
    """A printed count cell: an int, ``None`` for a total left blank (computed), 0 for a blank part.

    A blank total goes into ``blank_totals`` for :func:`_blank_totals_deviation`, else is said
    on its own."""
    number = parse_cell_number(text)
    if number is None:
        if total:
            blank = _BlankTotal(path, location, row[0] or location, row[1], label, order)
            if blank_totals is None:
                _blank_totals_deviation(sink, "", [blank])
            else:
                blank_totals.append(blank)
            return None
        sink.blank(path)
        return 0
    if number < 0 or number != number.to_integral_value():
        sink.error(
            "R0-1",
            f"{location}印为“{text}”，件数应为不小于 0 的整数，已按 {'空白' if total else '0'} 处理。",
            "请核对原报告该单元格。",
            path=path,
            location=location,
        )
        return None if total else 0
    return int(number)


# --- table 三 ----------------------------------------------------------------------------------

_REQUEST_COLUMNS = {core_label(c.label): c.key for c in fmt.REQUEST_COLUMNS}
_REQUEST_COLUMN_LABELS = {c.key: c.label for c in fmt.REQUEST_COLUMNS}
_REQUEST_ROWS = {core_label(r.label): r.key for r in fmt.REQUEST_ROWS}
# Wordings FORMAT.md names as seen in real reports: read without comment.
_REQUEST_VARIANTS = {core_label("其他法律法规禁止公开"): "denied_prohibited_by_law"}
_REQUEST_GROUPS = {
    core_label(t)
    for t in (
        fmt.RESULTS_GROUP,
        fmt.DENIED,
        fmt.UNAVAILABLE,
        fmt.NOT_PROCESSED,
        fmt.OTHER_HANDLING,
        fmt.REQUEST_APPLICANT_LABEL,
        fmt.REQUEST_LEGAL_PERSON_LABEL,
    )
}
_OTHER_HANDLING = core_label(fmt.OTHER_HANDLING)
_HEADER_WORDS = ("勾稽关系", fmt.REQUEST_APPLICANT_LABEL, fmt.REQUEST_LEGAL_PERSON_LABEL)


def _is_header(row: Row, names: dict[str, str], words: tuple[str, ...]) -> bool:
    if row.numbers():
        return False
    named = sum(1 for c in row.words() if core_label(c) in names)
    return named >= 3 or any(w in fold(c) for c in row.cells for w in words)


def _is_column_piece(row: Row, names: dict[str, str]) -> bool:
    """A line of a header printed a cell a line: a column name or a piece of a broken one."""
    if row.aligned or row.numbers() or len(row.cells) != 1:
        return False
    piece = core_label(row.cells[0])
    return len(piece) >= 2 and any(piece == k or k.startswith(piece) or k.endswith(piece) for k in names)


def _header_columns(rows: list[Row], names: dict[str, str], order: list[str]) -> _Columns | None:
    """The columns a table's header rows name, in printed order, with their positions."""
    positions: dict[str, int] = {}
    loose: list[str] = []
    for row in rows:
        if not row.aligned:
            continue
        for i, cell in enumerate(row.words()):
            key = names.get(core_label(cell))
            if key is not None:
                positions[key] = i
    # Words of rows split at white space or printed a cell a line: a label may be broken
    # into pieces ("商业" "企业"), so two or three words in a row may make one column name.
    words = [core_label(w) for row in rows if not row.aligned for w in row.words()]
    i = 0
    while i < len(words):
        for n in (1, 2, 3):
            key = names.get("".join(words[i : i + n]))
            if key is not None:
                if key not in loose:
                    loose.append(key)
                i += n
                break
        else:
            i += 1
    if positions:
        keys = sorted(positions, key=lambda k: positions[k])
        return _Columns(keys, positions)
    if loose:
        return _Columns([k for k in order if k in loose])
    return None


def read_requests(rows: list[Row], sink: Sink) -> None:
    """Table 三, or every path of it as not printed when ``rows`` has none of it."""
    order = [c.key for c in fmt.REQUEST_COLUMNS]
    name = TABLE_NAMES["requests"]
    header: list[Row] = []
    found: dict[str, tuple[Row, _RowRead]] = {}
    zero_rows: dict[int, list[int]] = {}
    pending: Row | None = None
    pending_key = ""
    columns: _Columns | None = None
    undivided: Row | None = None
    ambiguous: dict[str, tuple[Row, _RowRead]] = {}
    blank_totals: list[_BlankTotal] = []

    def finish_pending() -> None:
        nonlocal pending
        if pending is not None:
            _unreadable_row(sink, name, pending, "没有数字")
            found[pending_key] = (pending, _RowRead(None, "没有数字"))
        pending = None

    for row in rows:
        if not found and (
            _is_header(row, _REQUEST_COLUMNS, _HEADER_WORDS) or _is_column_piece(row, _REQUEST_COLUMNS)
        ):
            header.append(row)
            continue
        if columns is None:
            columns = _header_columns(header, _REQUEST_COLUMNS, order) or _Columns(order)
            _missing_columns(sink, columns)
        label_at = row.label_index
        if label_at is None:
            if pending is not None and row.numbers():
                read = _read_row(row, columns, 0, _request_row_balances)
                _store_request_row(sink, pending_key, pending, row, read, columns, zero_rows, blank_totals)
                found[pending_key] = (pending, read)
                pending = None
            elif row.numbers():
                sink.deviation(
                    "FD-9",
                    "warning",
                    f"{name}第{row.number}行只有数字、没有行标签，无法确定是哪一行，未读取。",
                    location=f"{name}第{row.number}行",
                )
            continue
        label = row.cells[label_at]
        match = match_label(label, _REQUEST_ROWS, _REQUEST_VARIANTS)
        key_label = core_label(label)
        if match is None and key_label == _OTHER_HANDLING and row.numbers():
            # （六）其他处理 printed as one undivided row (as in the 2019 format): its figures
            # belong to none of the three rows the format has; those are not printed.
            if undivided is None:
                undivided = row
            continue
        if match is None:
            if key_label in _REQUEST_GROUPS or any(w in fold(label) for w in _HEADER_WORDS):
                continue
            if _is_header(row, _REQUEST_COLUMNS, _HEADER_WORDS):
                continue
            sink.deviation(
                "FD-9",
                "warning",
                f"{name}第{row.number}行“{label}”不是表三的行，未读取。",
                "表三各行的名称见 30号格式。",
                location=f"{name}第{row.number}行",
            )
            continue
        key, differs = match
        finish_pending()
        if key in found:
            sink.deviation(
                "FD-9",
                "warning",
                f"{name}第{row.number}行“{label}”与第{found[key][0].number}行重复，未读取。",
                location=f"{name}第{row.number}行",
            )
            continue
        if differs:
            canonical = fmt.REQUEST_ROW_BY_KEY[key].label
            sink.deviation(
                "FD-8",
                "info",
                f"{name}第{row.number}行印为“{label}”，按“{canonical}”行读取。",
                f"格式原文为“{canonical}”。",
                location=f"{name}第{row.number}行",
            )
        read = _read_row(row, columns, label_at + 1, _request_row_balances)
        layer = row.from_text_layer()
        if layer is not None and (read.cells is None or row.places_no_figure()):
            from_layer = _read_row(layer, _Columns(columns.keys), 1, _request_row_balances)
            if from_layer.cells is not None:
                read = from_layer
                _text_layer_deviation(sink, _row_location(name, row, label), row)
        if read.cells is None and read.how == "没有数字" and not row.aligned:
            pending, pending_key = row, key  # the figures may be on the next line (PDF text)
            continue
        if read.candidates:
            ambiguous[key] = (row, read)
            found[key] = (row, read)
            continue
        _store_request_row(sink, key, row, row, read, columns, zero_rows, blank_totals)
        found[key] = (row, read)
    finish_pending()
    if columns is None:
        columns = _Columns(order)
    progress = True
    while progress:  # a row settled by the columns may settle another
        progress = False
        for key, (row, read) in ambiguous.items():
            if found[key][1].cells is None and (settled := _settle_by_columns(key, read.candidates, found)):
                found[key] = (row, _RowRead(settled, "rejoined", read.printed))
                progress = True
    for key, (row, _) in ambiguous.items():
        _store_request_row(sink, key, row, row, found[key][1], columns, zero_rows, blank_totals)
    _zero_rows_deviation(sink, name, zero_rows, len(columns.keys))
    _blank_totals_deviation(sink, name, blank_totals)
    _unprinted_request_rows(sink, rows, found, undivided)


_BALANCE_ROWS = fmt.BALANCE_ROWS


def _settle_by_columns(
    key: str, candidates: list[dict[str, str]], found: dict[str, tuple[Row, _RowRead]]
) -> dict[str, str] | None:
    """The one joining of a row's broken figures that the table's column arithmetic accepts
    (一 + 二 = 三（七）+ 四, and （七）总计 = the result rows), given the rows read whole; None
    when the columns do not decide."""
    known = {
        k: {c: int(v) for c, v in read.cells.items() if _DIGITS.match(v)}
        for k, (_, read) in found.items()
        if read.cells is not None and k != key
    }
    result_keys = list(fmt.RESULT_ROW_KEYS)

    def fits(cells: dict[str, int]) -> bool:
        rows = {**known, key: cells}
        checked = False
        for col in cells:
            if all(col in rows.get(k, {}) for k in _BALANCE_ROWS) and key in _BALANCE_ROWS:
                checked = True
                got = rows
                if got["new"][col] + got["carried_over"][col] != got["results_total"][col] + got["carried_forward"][col]:
                    return False
            if (key == "results_total" or key in result_keys) and all(
                col in rows.get(k, {}) for k in [*result_keys, "results_total"]
            ):
                checked = True
                if sum(rows[k][col] for k in result_keys) != rows["results_total"][col]:
                    return False
        return checked

    accepted = [c for c in candidates if fits({k: int(v) for k, v in c.items()})]
    return accepted[0] if len(accepted) == 1 else None


def _missing_columns(sink: Sink, columns: _Columns) -> None:
    missing = [k for k in (c.key for c in fmt.REQUEST_COLUMNS) if k not in columns.keys]
    if not missing:
        return
    names = "、".join(f"“{_REQUEST_COLUMN_LABELS[k]}”" for k in missing)
    printed = "、".join(_REQUEST_COLUMN_LABELS[k] for k in columns.keys)
    total_missing = "total" in missing
    sink.deviation(
        "FD-3",
        "warning",
        f"表三没有印{names}栏（表头只有{printed}共{len(columns.keys)}栏），各行"
        + ("该栏按 0 计" if not total_missing or len(missing) > 1 else "")
        + ("；总计按各栏之和计" if total_missing else "")
        + "。",
        f"30号格式的表三有{'、'.join(c.label for c in fmt.REQUEST_COLUMNS)}共 {len(fmt.REQUEST_COLUMNS)} 栏。",
        location="表三表头",
    )


def _row_location(name: str, row: Row, label: str) -> str:
    return f"{name}第{row.number}行（{label}）"


def _store_request_row(
    sink: Sink,
    key: str,
    label_row: Row,
    row: Row,
    read: _RowRead,
    columns: _Columns,
    zero_rows: dict[int, list[int]],
    blank_totals: list[_BlankTotal],
) -> None:
    name = TABLE_NAMES["requests"]
    label = label_row.label
    where = _row_location(name, label_row, label)
    totals_row = fmt.REQUEST_ROW_BY_KEY[key].kind == "results_total"
    if read.cells is None:
        _unreadable_row(sink, name, row if row is label_row else label_row, read.how, label)
        for col in fmt.REQUEST_COLUMNS:
            sink.unprinted(f"requests.{key}.{col.key}", f"{where}（未读取）")
        return
    if read.how == "zeros":
        zero_rows.setdefault(read.printed, []).append(label_row.number)
    elif read.how == "shifted":
        sink.deviation(
            "FD-5",
            "info",
            f"{where}的{read.printed}个数字与表头各栏没有对齐，按先后顺序读取。",
            location=where,
        )
    elif read.how == "rejoined":
        _rejoined_deviation(sink, where, read, [read.cells[k] for k in columns.keys])
    for col in fmt.REQUEST_COLUMNS:
        path = f"requests.{key}.{col.key}"
        is_total = col.key == "total" or totals_row
        if col.key not in read.cells:
            # A column the table does not print (FD-3): 0, or a computed total.
            sink.put(path, None if is_total else 0, f"{name}“{col.label}”栏（未印）")
            continue
        number = columns.keys.index(col.key) + 1
        location = f"{where}第{number}列（{col.label}）"
        value = _count(
            sink,
            read.cells[col.key],
            path,
            location,
            col.label,
            total=is_total,
            blank_totals=blank_totals,
            row=(where, label_row.number),
            order=number,
        )
        sink.put(path, value, location)


_TOTAL_HINT = "合计单元格应印出合计数。"


def _blank_totals_deviation(sink: Sink, name: str, blanks: list[_BlankTotal]) -> None:
    """FD-4 for a table's blank totals: one finding for a column blank in two rows or more,
    one for what is left of a row blank in two columns or more, and one per cell else."""
    left = list(blanks)
    by_column: dict[str, list[_BlankTotal]] = {}
    for blank in left:
        by_column.setdefault(blank.column, []).append(blank)
    for column, cells in by_column.items():
        if len(cells) < 2:
            continue
        rows = spans(c.number for c in cells)
        sink.deviation(
            "FD-4",
            "warning",
            f"{name}“{column}”栏第{rows}行空白（共 {len(cells)} 个单元格），按各项之和计。",
            _TOTAL_HINT,
            path=cells[0].path,
            location=f"{name}“{column}”栏第{rows}行",
        )
        left = [b for b in left if b not in cells]
    by_row: dict[str, list[_BlankTotal]] = {}
    for blank in left:
        by_row.setdefault(blank.row, []).append(blank)
    for row, cells in by_row.items():
        if len(cells) < 2:
            sink.deviation(
                "FD-4", "warning", f"{cells[0].location}空白，按各项之和计。", _TOTAL_HINT,
                path=cells[0].path, location=cells[0].location,
            )
            continue
        orders = [c.order for c in cells]
        together = orders == list(range(orders[0], orders[0] + len(orders)))
        named = (
            f"“{cells[0].column}”至“{cells[-1].column}”{len(cells)} 栏"
            if together
            else "、".join(f"“{c.column}”" for c in cells) + f"共 {len(cells)} 栏"
        )
        sink.deviation(
            "FD-4",
            "warning",
            f"{row}{named}空白，按各项之和计。",
            _TOTAL_HINT,
            path=cells[0].path,
            location=row,
        )


def _text_layer_deviation(sink: Sink, where: str, row: Row) -> None:
    sink.deviation(
        "FD-12",
        "warning",
        f"{where}的数字不在表格线划出的单元格内（表格线不全），按文字层中该行的标签和数字读取：“{row.text}”。",
        "请对照原报告核实该行；表格应在每个单元格之间印出表格线。",
        location=where,
    )


def _rejoined_deviation(sink: Sink, where: str, read: _RowRead, figures: list[str]) -> None:
    sink.deviation(
        "FD-12",
        "warning",
        f"{where}逐行印出{read.printed}个数字，多于{len(figures)}栏；只有一种把相邻数字接回的方式符合本行合计，"
        f"按“{' '.join(figures)}”读取。",
        "请对照原报告核实该行；报告原文每个单元格应是一个完整的数字。",
        location=where,
    )


def _unreadable_row(sink: Sink, name: str, row: Row, why: str, label: str = "") -> None:
    label = label or row.label
    where = _row_location(name, row, label) if label else f"{name}第{row.number}行"
    sink.deviation(
        "FD-5",
        "warning",
        f"{where}{why}，无法确定各数字属于哪一栏，本行未读取，也不参与核对。",
        "请对照原报告核实该行。",
        location=where,
    )


def _zero_rows_deviation(sink: Sink, name: str, zero_rows: dict[int, list[int]], width: int) -> None:
    for printed, numbers in sorted(zero_rows.items()):
        sink.deviation(
            "FD-5",
            "warning",
            f"{name}第{spans(numbers)}行每行只有{printed}个数字（表头有{width}栏），所印数字都是 0，整行按 0 读取。",
            "表格每行的数字个数应与表头栏数相同。",
            location=f"{name}第{spans(numbers)}行",
        )


_OTHER_HANDLING_KEYS = tuple(r.key for r in fmt.REQUEST_ROWS if fmt.OTHER_HANDLING in r.path)


def _unprinted_request_rows(
    sink: Sink, rows: list[Row], found: dict[str, tuple[Row, _RowRead]], undivided: Row | None
) -> None:
    name = TABLE_NAMES["requests"]
    missing = [r for r in fmt.REQUEST_ROWS if r.key not in found]
    if found:
        # A row added to the format after the 2021 one: reports print none, and read it as 0.
        newer = [r for r in missing if f"requests.{r.key}.total" not in history.first_keys()]
        for r in newer:
            for col in fmt.REQUEST_COLUMNS:
                sink.put(f"requests.{r.key}.{col.key}", None if col.key == "total" or r.kind == "results_total" else 0)
        missing = [r for r in missing if r not in newer]
    if not missing:
        return
    merged = (
        [r for r in missing if r.key in _OTHER_HANDLING_KEYS] if undivided is not None and found else []
    )
    # An undivided （六） row of zeros says each of its three rows is 0 (counts are never
    # negative): they are known, and the checks that need them still run.
    zeros = undivided is not None and bool(undivided.numbers()) and not any(undivided.numbers())
    for r in missing:
        for col in fmt.REQUEST_COLUMNS:
            path = f"requests.{r.key}.{col.key}"
            is_total = col.key == "total" or r.kind == "results_total"
            if r in merged and zeros:
                sink.inferred(path, 0, f"{name}第{undivided.number}行（{fmt.OTHER_HANDLING}，印为一行，各栏为 0）")  # type: ignore[union-attr]
                continue
            sink.put(path, None if is_total else 0)
            why = f"印为一行的“{fmt.OTHER_HANDLING}”" if r in merged else f"未印“{r.label}”行"
            sink.unprinted(path, f"{name}（{why}）")
    if merged and undivided is not None:
        items = "".join(f"“{r.label[:24]}{'…' if len(r.label) > 24 else ''}”" for r in merged)
        sink.deviation(
            "FD-6",
            "warning",
            f"{name}第{undivided.number}行“{undivided.label}”印为一行，没有分为{items}{len(merged)}行；"
            + (
                "该行各栏均为 0，这几行均按 0 读取并参与核对。"
                if zeros
                else "这几行按未印处理，依赖它们的核对（如（七）总计等于各结果行之和）不进行。"
            ),
            f"30号格式中“{fmt.OTHER_HANDLING}”分为{len(merged)}行，请分别填写。",
            location=f"{name}第{undivided.number}行",
        )
        missing = [r for r in missing if r not in merged]
        if not missing:
            return
    if not found:
        sink.deviation(
            "FD-1",
            "warning",
            "报告没有印表三（收到和处理政府信息公开申请情况），表三各项不参与核对。",
            location="第三部分",
        )
        return
    order = [r.key for r in fmt.REQUEST_ROWS]
    last_found = max(order.index(k) for k in found)
    tail = [r for r in missing if order.index(r.key) > last_found]
    inner = [r for r in missing if order.index(r.key) < last_found]
    if tail:
        last_row = found[order[last_found]][0]
        sink.deviation(
            "FD-6",
            "warning",
            f"表三印到第{last_row.number}行（{last_row.label}）就结束了，其后的 {len(tail)} 行"
            f"（“{tail[0].label}”至“{tail[-1].label}”）没有印，这些数字不参与核对。",
            location=f"表三第{last_row.number}行之后",
        )
    if inner:
        sink.deviation(
            "FD-6",
            "warning",
            "表三缺少" + "、".join(f"“{r.label}”" for r in inner) + "行，这些数字不参与核对。",
            location="表三",
        )


# --- table 四 ----------------------------------------------------------------------------------

_APPEAL_COLUMNS = {core_label(c.label): c.key for c in fmt.APPEAL_COLUMNS}
# Words that mark table 四's header, as reports print them (some shorten 未经复议直接起诉).
_APPEAL_WORDS = ("行政复议", "行政诉讼", "直接起诉", "复议后起诉")
_APPEAL_KEYS: list[str] = [f"{g.key}.{c.key}" for g in fmt.APPEAL_GROUPS for c in fmt.APPEAL_COLUMNS]


def _appeal_label(key: str) -> str:
    group, col = key.split(".")
    g = next(x for x in fmt.APPEAL_GROUPS if x.key == group)
    c = next(x for x in fmt.APPEAL_COLUMNS if x.key == col)
    return f"{g.full_label}·{c.label}"


def read_appeals(rows: list[Row], sink: Sink) -> None:
    name = TABLE_NAMES["appeals"]
    positions: dict[int, str] = {}
    data: Row | None = None
    for row in rows:
        if _is_header(row, _APPEAL_COLUMNS, _APPEAL_WORDS):
            if row.aligned:
                for i, cell in enumerate(row.cells):
                    if core_label(cell) in _APPEAL_COLUMNS:
                        positions[i] = cell
            continue
        if len(row.numbers()) >= 3:
            if data is None:
                data = row
                continue
            sink.deviation(
                "FD-9",
                "warning",
                f"{name}第{row.number}行是多出的数字行，未读取（表四只有一行数字）。",
                location=f"{name}第{row.number}行",
            )
    if data is None:
        for key in _APPEAL_KEYS:
            sink.put(f"appeals.{key}", None if key.endswith(".total") else 0)
            sink.unprinted(f"appeals.{key}", f"{name}（未印）")
        sink.deviation(
            "FD-1",
            "warning",
            "报告没有印表四（政府信息公开行政复议、行政诉讼情况），表四各项不参与核对。",
            location="第四部分",
        )
        return
    columns = _Columns(list(_APPEAL_KEYS))
    ordered = sorted(positions)
    if data.aligned and len(ordered) == len(_APPEAL_KEYS):
        keys = [
            f"{fmt.APPEAL_GROUPS[i // len(fmt.APPEAL_COLUMNS)].key}.{_APPEAL_COLUMNS[core_label(positions[p])]}"
            for i, p in enumerate(ordered)
        ]
        if len(set(keys)) == len(keys):
            columns = _Columns(keys, dict(zip(keys, ordered, strict=True)))
    read = _read_row(data, columns, (data.label_index or -1) + 1, _appeal_row_balances)
    where = f"{name}第{data.number}行"
    if read.cells is None:
        _unreadable_row(sink, name, data, read.how)
        for key in _APPEAL_KEYS:
            sink.put(f"appeals.{key}", None if key.endswith(".total") else 0)
            sink.unprinted(f"appeals.{key}", f"{where}（未读取）")
        return
    if read.how == "zeros":
        _zero_rows_deviation(sink, name, {read.printed: [data.number]}, len(_APPEAL_KEYS))
    elif read.how == "rejoined":
        _rejoined_deviation(sink, where, read, [read.cells[k] for k in columns.keys])
    blank_totals: list[_BlankTotal] = []
    for key in _APPEAL_KEYS:
        path = f"appeals.{key}"
        number = columns.keys.index(key) + 1
        location = f"{where}第{number}列（{_appeal_label(key)}）"
        value = _count(
            sink,
            read.cells[key],
            path,
            location,
            _appeal_label(key),
            total=key.endswith(".total"),
            blank_totals=blank_totals,
            row=(where, data.number),
            order=number,
        )
        sink.put(path, value, location)
    _blank_totals_deviation(sink, name, blank_totals)


# --- table 二 ----------------------------------------------------------------------------------

_PROACTIVE_ROWS: dict[str, str] = {
    core_label(row.label): row.key for block in fmt.PROACTIVE_BLOCKS for row in block.rows
}
_PROACTIVE_VARIANTS = {core_label("规范性文件"): "normative_documents"}
_PROACTIVE_ROW = {row.key: row for block in fmt.PROACTIVE_BLOCKS for row in block.rows}
# Column headings -> the model field they fill ("" = the row's single figure).
_FIELD_BY_COLUMN: dict[str, str] = {core_label(k): v for k, v in fmt.PROACTIVE_COLUMN_FIELDS.items()}
# The 2019 试行 format's columns: what maps onto 2021's, and what has no counterpart.
_FIELD_BY_COLUMN_2019: dict[str, str | None] = {core_label(k): v for k, v in fmt.TRIAL_2019.column_fields.items()}
_ROWS_2019 = {core_label(r) for r in fmt.TRIAL_2019.extra_rows}


def _trial_2019_mapping() -> str:
    """What the FD-7 finding says of the 2019 columns, from the format's own mapping."""
    first = fmt.PROACTIVE_BLOCKS[0]
    by_field = dict(zip(fmt.DOCUMENT_FIELDS, first.columns[1:], strict=True))
    mapped = [
        f"“{old}”按“{by_field[field] if field else fmt.PROACTIVE_BLOCKS[1].columns[1]}”"
        for old, field in fmt.TRIAL_2019.column_fields.items()
        if field is not None
    ]
    used = set(fmt.TRIAL_2019.column_fields.values())
    missing = [label for field, label in by_field.items() if field not in used]
    if not fmt.TRIAL_2019.prints_fee_amount:
        missing.append("本年收费金额")
    return f"{'、'.join(mapped)}读取；{'、'.join(f'“{m}”' for m in missing)}没有对应栏目，未读取。"


_TRIAL_2019_MAPPING = _trial_2019_mapping()


def read_proactive(rows: list[Row], sink: Sink) -> None:
    name = TABLE_NAMES["proactive"]
    header: dict[int | str, str] = {}  # position (aligned) or order index -> column core label
    header_order: list[str] = []
    layout_2019 = False
    found: set[str] = set()
    for row in rows:
        words = row.words()
        first = next((c for c in words if c.strip()), "")
        key = core_label(first)
        if key.startswith("第二十条"):
            header, header_order = {}, []
            continue
        known = [
            w for w in words if core_label(w) in _FIELD_BY_COLUMN or core_label(w) in _FIELD_BY_COLUMN_2019
        ]
        if key == "信息内容" or (known and not row.numbers()):
            header = {i: core_label(c) for i, c in enumerate(words) if c.strip()} if row.aligned else {}
            header_order = [core_label(c) for c in words[1:] if c.strip()]
            if any(core_label(c) in _FIELD_BY_COLUMN_2019 for c in words) and not layout_2019:
                layout_2019 = True
                sink.deviation(
                    "FD-7",
                    "warning",
                    f"表二按{fmt.TRIAL_2019.name}印制（第{row.number}行表头为“{'、'.join(c for c in words[1:] if c.strip())}”）："
                    + _TRIAL_2019_MAPPING,
                    "2021 年起应使用国办公开办函〔2021〕30号格式。",
                    location=f"{name}第{row.number}行",
                )
            continue
        label_at = row.label_index
        if label_at is None:
            continue
        label = row.cells[label_at]
        if core_label(label) in _ROWS_2019:
            continue
        match = match_label(label, _PROACTIVE_ROWS, _PROACTIVE_VARIANTS)
        if match is None:
            if row.numbers():
                sink.deviation(
                    "FD-9",
                    "warning",
                    f"{name}第{row.number}行“{label}”不是表二的行，未读取。",
                    location=f"{name}第{row.number}行",
                )
            continue
        row_key, differs = match
        if row_key in found:
            continue
        found.add(row_key)
        spec = _PROACTIVE_ROW[row_key]
        where = _row_location(name, row, label)
        if differs:
            sink.deviation("FD-8", "info", f"{where}按“{spec.label}”行读取。", location=where)
        cells = _proactive_cells(row, label_at, header, header_order, spec, layout_2019)
        layer = row.from_text_layer()
        if layer is not None and (cells is None or row.places_no_figure()):
            from_layer = _proactive_cells(layer, 0, {}, header_order, spec, layout_2019)
            if from_layer is not None:
                cells = from_layer
                _text_layer_deviation(sink, where, row)
        if cells is None and spec.fields and not layout_2019:
            cells = _proactive_rejoined(sink, where, row, label_at, spec)
        if cells is None:
            _unreadable_row(sink, name, row, f"的数字个数与“{spec.label}”行不符", label)
            for path in _proactive_paths(spec):
                sink.unprinted(path, f"{where}（未读取）")
            continue
        for field_name, path in zip(spec.fields or ("",), _proactive_paths(spec), strict=True):
            text, number = cells.get(field_name, (None, 0))
            if text is None:
                sink.unprinted(path, f"{where}（未印）")
                continue
            column = spec.fields and fmt.PROACTIVE_BLOCKS[0].columns[1 + spec.fields.index(field_name)]
            location = f"{where}第{number}列（{column}）" if column else where
            sink.put(path, _proactive_value(sink, text, path, location, spec.decimal), location)
    missing = [row for row in _PROACTIVE_ROW.values() if row.key not in found]
    for row in missing:
        for path in _proactive_paths(row):
            sink.unprinted(path, f"{name}（未印“{row.label}”行）")
    if len(missing) == len(_PROACTIVE_ROW):
        sink.deviation(
            "FD-1",
            "warning",
            "报告没有印表二（主动公开政府信息情况），表二各项不参与核对。",
            location="第二部分",
        )
    elif missing:
        sink.deviation(
            "FD-6",
            "warning",
            "表二缺少" + "、".join(f"“{r.label}”" for r in missing) + "行，这些数字不参与核对。",
            location=name,
        )


def _proactive_paths(row: fmt.ProactiveRow) -> list[str]:
    return [f"proactive.{row.key}.{f}" for f in row.fields] if row.fields else [f"proactive.{row.key}"]


def _proactive_cells(
    row: Row,
    label_at: int,
    header: dict[int | str, str],
    header_order: list[str],
    spec: fmt.ProactiveRow,
    layout_2019: bool,
) -> dict[str, tuple[str | None, int]] | None:
    """field ("" for a single figure) -> (printed text or None if not printed, column number)."""
    mapping = {**_FIELD_BY_COLUMN, **(_FIELD_BY_COLUMN_2019 if layout_2019 else {})}
    wanted = list(spec.fields) if spec.fields else [""]
    if header and row.aligned:
        out: dict[str, tuple[str | None, int]] = {}
        value_positions = sorted(p for p in header if isinstance(p, int) and p > label_at)
        for number, pos in enumerate(value_positions, start=1):
            field_name = mapping.get(header[pos])
            if field_name is None or field_name not in wanted or field_name in out:
                continue
            cell = row.cells[pos] if pos < len(row.cells) else ""
            out[field_name] = (cell, number)
        if out:
            if spec.decimal and layout_2019 and not fmt.TRIAL_2019.prints_fee_amount:
                return {"": (None, 0)}  # the 2019 fee row prints no amount
            for f in wanted:
                out.setdefault(f, (None, 0))
            return out
    values = [c for c in row.cells[label_at + 1 :] if is_value(c)]
    if layout_2019 and header_order:
        names = [h for h in header_order if h != core_label("信息内容")]
        numbers = [c for c in values if parse_cell_number(c) is not None]
        if len(numbers) == len(names):
            out = {}
            for number, (h, text) in enumerate(zip(names, numbers, strict=True), start=1):
                field_name = mapping.get(h)
                if field_name is not None and field_name in wanted:
                    out[field_name] = (text, number)
            for f in wanted:
                out.setdefault(f, (None, 0))
            return out
        return None
    if not spec.fields:
        # One figure, printed in a cell spanning the rest of the row.
        return {"": (values[0] if values else "", 1)}
    if row.aligned and len(values) > len(wanted):
        while len(values) > len(wanted) and values and is_blank(values[-1]):
            values.pop()
    if len(values) == len(wanted):
        return {f: (v, i) for i, (f, v) in enumerate(zip(wanted, values, strict=True), start=1)}
    numbers = [c for c in values if parse_cell_number(c) is not None]
    if numbers and len(numbers) < len(wanted) and all(parse_cell_number(n) == 0 for n in numbers):
        return {f: ("0", i) for i, f in enumerate(wanted, start=1)}
    return None


def _proactive_rejoined(
    sink: Sink, where: str, row: Row, label_at: int, spec: fmt.ProactiveRow
) -> dict[str, tuple[str | None, int]] | None:
    """A row of table 二 printed a cell a line with a figure broken in two ("规章" "0" "0" "1"
    "2" for 0 0 12): table 二 has no totals to decide between joinings, so the row is read only
    where the digits allow one joining at all (a joined figure never starts with 0), and said
    (FD-12); with more than one it stays unread (FD-5)."""
    values = [c for c in row.cells[label_at + 1 :] if is_value(c)]
    if not row.split or len(values) <= len(spec.fields) or not all(_DIGITS.match(v) for v in values):
        return None
    fits, tried = _rejoined(values, list(spec.fields), lambda _: True)
    if tried != 1:
        return None
    figures = [fits[0][f] for f in spec.fields]
    sink.deviation(
        "FD-12",
        "warning",
        f"{where}逐行印出{len(values)}个数字，多于{len(figures)}栏；表二没有合计可供核对，"
        f"而数字只有一种接法（接回的数字不以 0 开头），按“{' '.join(figures)}”读取。",
        "请对照原报告核实该行；报告原文每个单元格应是一个完整的数字。",
        location=where,
    )
    return {f: (fits[0][f], i) for i, f in enumerate(spec.fields, start=1)}


def _proactive_value(sink: Sink, text: str, path: str, location: str, decimal: bool) -> int | Decimal:
    number = parse_cell_number(text)
    if number is None:
        sink.blank(path)
        return Decimal(0) if decimal else 0
    if number < 0 or (not decimal and number != number.to_integral_value()):
        rule = "R0-2" if decimal else "R0-1"
        sink.error(
            rule,
            f"{location}印为“{text}”，"
            + ("金额不能为负数" if decimal else "件数应为不小于 0 的整数")
            + "，已按 0 处理。",
            "请核对原报告该单元格。",
            path=path,
            location=location,
        )
        return Decimal(0) if decimal else 0
    return number if decimal else int(number)


# --- tables that are none of 二, 三, 四 --------------------------------------------------------

# Group labels and header words of the three tables, beyond their row and column labels.
_STATUTORY_WORDS = ("第二十条", "信息内容", "勾稽关系", *_APPEAL_WORDS)


def is_statutory_label(cell: str) -> bool:
    """Whether ``cell`` is a row, column, group or header label of table 二, 三 or 四: a table
    holding none is some other table (a fee table, a list of channels), never part of them."""
    key = core_label(cell)
    if len(key) < 2:
        return False
    if any(w in fold(cell) for w in _STATUTORY_WORDS):
        return True
    known = (
        _REQUEST_ROWS,
        _REQUEST_COLUMNS,
        _PROACTIVE_ROWS,
        _FIELD_BY_COLUMN,
        _FIELD_BY_COLUMN_2019,
        _APPEAL_COLUMNS,
    )
    if key in _REQUEST_GROUPS or key in _ROWS_2019 or any(key in names for names in known):
        return True
    return match_label(cell, _REQUEST_ROWS, _REQUEST_VARIANTS) is not None or (
        match_label(cell, _PROACTIVE_ROWS, _PROACTIVE_VARIANTS) is not None
    )


_FEE_WORDS = re.compile(r"信息处理费|处理费")
_AMOUNT_WORDS = re.compile(r"金额|费用|收费数|收取")
_WAIVED = re.compile(r"减免|免收|减收|免除")
_UNIT = re.compile(r"[（(]?(?:单位[:：]?)?(万元|元)[)）]?")


@dataclass(frozen=True)
class FeeFigure:
    """The 信息处理费 a small table of its own prints: the amount in 元 and where it stands."""

    yuan: Decimal
    location: str


def read_fee_table(rows: list[Row], where: str) -> FeeFigure | None:
    """The 信息处理费 amount of a fee table ("收费项目 | 收费件数 | 收费金额（元）" over
    "信息处理费 | 1 | 100", or "信息处理费收取金额（元） | 100"), in 元.

    The amount is read only where the table itself says which cell it is and in what unit
    (a header or label with 金额 and 元/万元); otherwise None, and the text's own words decide."""
    header: Row | None = None
    for row in rows:
        if not row.numbers():
            if any(_AMOUNT_WORDS.search(fold(c)) for c in row.words()):
                header = row
            continue
        label = row.label
        numbers = [c for c in row.cells[(row.label_index or -1) + 1 :] if parse_cell_number(c) is not None]
        if label and _FEE_WORDS.search(fold(label)) and len(numbers) == 1 and (unit := _UNIT.search(fold(label))):
            # One figure beside a label that names the fee and its unit.
            return _fee_figure(numbers[0], unit[1], f"{where}第{row.number}行（{label}）")
        if header is None or (label and not _FEE_WORDS.search(fold(label)) and len(rows) > 2):
            continue
        amount = _amount_cell(header, row)
        if amount is not None:
            text, unit = amount
            return _fee_figure(text, unit, f"{where}第{row.number}行（{label or '信息处理费'}）")
    return None


def _amount_cell(header: Row, row: Row) -> tuple[str, str] | None:
    """The text of ``row``'s cell under the header's amount column, and the column's unit."""
    columns = [(i, c) for i, c in enumerate(header.words()) if c.strip()]
    # The amount charged, not an amount waived beside it ("减免金额（元）").
    amount = [
        (i, c)
        for i, c in columns
        if _AMOUNT_WORDS.search(fold(c)) and _UNIT.search(fold(c)) and not _WAIVED.search(fold(c))
    ]
    if len(amount) != 1:
        return None
    at, title = amount[0]
    unit = _UNIT.search(fold(title))
    assert unit is not None
    if row.aligned and header.aligned:
        if at < len(row.cells) and parse_cell_number(row.cells[at]) is not None:
            return row.cells[at], unit[1]
        return None
    # Without cell positions: the figures stand in the order of the header's columns after
    # the one that holds the row labels.
    figures = [c for c in row.cells if parse_cell_number(c) is not None]
    names = [c for _, c in columns][1:] if row.label else [c for _, c in columns]
    if len(figures) == len(names) and title in names:
        return figures[names.index(title)], unit[1]
    return None


def _fee_figure(text: str, unit: str, location: str) -> FeeFigure | None:
    number = parse_cell_number(text)
    if number is None or number < 0:
        return None
    return FeeFigure(number * (10000 if unit == "万元" else 1), location)
