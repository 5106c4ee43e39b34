"""Crawler text with the whole article on one line (issue 15 §1), unfolded into copied-page text.

Archive crawlers join every text node of the page: headings run into the paragraph before
them and each table is flattened into its labels and runs of digits
(``一、本年新收政府信息公开申请数量4000004``). This module finds the six section headings, the
tables' block headers, column headings and row labels (all from :mod:`gongkai.format`), and
writes the article back as the text a browser copy gives — one line a paragraph, table rows
tab-separated — for :func:`.from_text.text_blocks` to read like any other copied page.

A run of digits is split into the row's cells only where that leaves exactly one reading:
either the run has one digit a cell, or among the ways to cut it exactly one satisfies the
table's own arithmetic (the row total of table 三, the group totals of table 四). The
arithmetic only chooses between readings the digits allow, so a printed total that
contradicts its parts (a real fault) survives whenever the digits fix it. A run with no single
reading is left whole: the reader then leaves that row unread (FD-5). What was done is said
in :data:`Unfolded.remarks` (FD-11, FD-12).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import format as fmt

_MIN_LINE = 200  # with three section headings in it: no paragraph of a copied page is like that
_MAX_CUTS = 200_000  # ways to cut one run of digits tried at most (long runs stay unread)

# The section headings as printed: numeral, then words that identify the section.
_SECTIONS = [
    re.compile(rf"{num}[、.．]\s*(?:{words})")
    for num, words in zip(
        "一二三四五六",
        (
            "总体情况",
            "主动公开政府信息",
            "收到和处理政府信息公开申请",
            "政府信息公开行政复议|政府信息公开行政诉讼|行政复议、行政诉讼",
            "存在的主要问题",
            "其他需要?报告的事项",
        ),
        strict=True,
    )
]
_SUBHEADING = re.compile(r"（[一二三四五六七八九十]）[^。；;，,（）()]{2,24}?(?:情况|措施|问题|工作)")
_BLOCK_HEADER = re.compile(r"第二十条第[（(][一二三四五六七八九十]+[）)]项")
_NUMBERS = re.compile(r"[\d\s.,，]+(?:万?元)?")


@dataclass
class Unfolded:
    text: str
    remarks: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, message, location)


def is_one_line(text: str) -> bool:
    """Whether ``text`` holds the whole article on one line: a very long line with the
    headings of at least three sections in it."""
    longest = max(text.splitlines() or [""], key=len)
    return len(longest) >= _MIN_LINE and sum(1 for h in _SECTIONS if h.search(longest)) >= 3


def unfold(text: str) -> Unfolded:
    lines = text.splitlines()
    article = max(range(len(lines)), key=lambda i: len(lines[i]))
    line = lines[article]
    starts = _section_starts(line)
    out = Unfolded("")
    body: list[str] = [_narrative(line[: starts[0][1]] if starts else line)]
    for k, (index, start) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else len(line)
        heading_end = _heading_end(line, start, end, index)
        body.append(line[start:heading_end])
        part = line[heading_end:end]
        if index == 1:
            body += _proactive_lines(part, out)
        elif index == 2:
            body += _request_lines(part, out)
        elif index == 3:
            body += _appeal_lines(part, out)
        else:
            body.append(_narrative(part))
    out.remarks.insert(
        0,
        (
            "FD-11",
            "正文整篇连成一行（网页抓取的文字：标题与段落、表格的标签与数字连在一起），已按各部分标题、表格的行标签拆开。",
            "正文",
        ),
    )
    out.text = "\n".join([*lines[:article], *(b for b in body if b.strip()), *lines[article + 1 :]]) + "\n"
    return out


def _section_starts(line: str) -> list[tuple[int, int]]:
    """(section index, position) of each section heading, in order; a table row label such as
    "三、本年度办理结果" never matches, its words being no section's."""
    found: list[tuple[int, int]] = []
    position = 0
    for index, heading in enumerate(_SECTIONS):
        m = heading.search(line, position)
        if m is None:
            continue
        found.append((index, m.start()))
        position = m.end()
    return found


def _heading_end(line: str, start: int, end: int, index: int) -> int:
    """Where the heading at ``start`` ends: its own words as the format prints them, and a
    following 情况/措施 the page may add."""
    canonical = fmt.SECTION_HEADINGS[index]
    tail = canonical.split("、", 1)[1]
    for length in range(min(end - start, len(canonical) + 6), 1, -1):
        piece = line[start : start + length]
        if piece.endswith((tail[-2:], "情况", "措施", "事项")):
            return start + length
    return start + len(canonical)


def _narrative(text: str) -> str:
    """A narrative part: its sub-headings (（一）…情况) on lines of their own."""
    return re.sub(_SUBHEADING, lambda m: f"\n{m.group(0)}\n", text).strip()


# --- cutting a run of digits --------------------------------------------------------------


def cut(run: str, cells: int, balanced: Callable[[list[int]], bool] | None = None) -> list[str] | None:
    """``run`` (digits, maybe spaced) as ``cells`` numbers, or None when no single reading.

    Spaces, where printed, are cell boundaries. A number never starts with 0 unless it is 0.
    """
    tokens = run.split()
    if len(tokens) == cells:
        return tokens
    digits = "".join(tokens)
    if not digits.isdigit() or len(digits) < cells:
        return None
    if len(digits) == cells:
        return list(digits)
    readings = []
    for n, bounds in enumerate(itertools.combinations(range(1, len(digits)), cells - 1)):
        if n >= _MAX_CUTS:
            return None
        parts = [digits[a:b] for a, b in zip((0, *bounds), (*bounds, len(digits)), strict=True)]
        if any(len(p) > 1 and p[0] == "0" for p in parts):
            continue
        readings.append(parts)
    if len(readings) == 1:
        return readings[0]
    if balanced is None:
        return None
    consistent = [r for r in readings if balanced([int(p) for p in r])]
    return consistent[0] if len(consistent) == 1 else None


def _row_balances(values: list[int]) -> bool:
    return sum(values[:-1]) == values[-1]


def _groups_balance(values: list[int]) -> bool:
    n = len(fmt.APPEAL_COLUMNS)
    return all(sum(values[g : g + n - 1]) == values[g + n - 1] for g in range(0, len(values), n))


# --- the tables ----------------------------------------------------------------------------


def _labelled(part: str, labels: Sequence[str]) -> list[tuple[str, str]]:
    """``part`` as (label, what follows it up to the next label), finding the labels left to
    right, the longest at each place."""
    ordered = sorted(set(labels), key=len, reverse=True)
    pieces: list[tuple[str, str]] = []
    i = 0
    text_before = ""
    while i < len(part):
        label = next((lab for lab in ordered if part.startswith(lab, i)), None)
        if label is None:
            if pieces:
                pieces[-1] = (pieces[-1][0], pieces[-1][1] + part[i])
            else:
                text_before += part[i]
            i += 1
            continue
        pieces.append((label, ""))
        i += len(label)
    return ([("", text_before)] if text_before else []) + pieces


_REQUEST_LABELS = tuple(dict.fromkeys(e for r in fmt.REQUEST_ROWS for e in r.path))
_REQUEST_VARIANTS = ("其他法律法规禁止公开", "2.其他法律法规禁止公开")
_REQUEST_CORNER = re.compile(r"[（(]本列数据的[钩勾]稽关系为[^）)]*[）)]")


def _request_lines(part: str, out: Unfolded) -> list[str]:
    corner = _REQUEST_CORNER.search(part)
    header_end = corner.end() if corner else 0
    ncols = len(fmt.REQUEST_COLUMNS)
    lines = [fmt.REQUEST_CORNER_LABEL + "\t" + "\t".join(c.label for c in fmt.REQUEST_COLUMNS)]
    first_row = part.find(fmt.REQUEST_ROWS[0].label, header_end)
    if first_row < 0:
        return [part]
    cut_rows, unread = 0, []
    for label, rest in _labelled(part[first_row:], (*_REQUEST_LABELS, *_REQUEST_VARIANTS)):
        run = _NUMBERS.match(rest)
        digits = run.group(0).strip() if run else ""
        trailing = rest[run.end() :] if run else rest
        if not digits:
            lines.append(label)
        else:
            cells = cut(digits, ncols, _row_balances)
            if cells is None:
                unread.append(label)
                lines.append(label + "\t" + digits)
            else:
                cut_rows += len(digits.split()) != ncols
                lines.append(label + "\t" + "\t".join(cells))
        if trailing.strip():
            lines.append(trailing.strip())
    out.remarks.append(_table_remark(fmt.TABLE_NUMBERS["requests"], cut_rows, unread))
    return lines


def _appeal_lines(part: str, out: Unfolded) -> list[str]:
    n = len(fmt.APPEAL_COLUMNS)
    count = n * len(fmt.APPEAL_GROUPS)
    last_label = part.rfind(fmt.APPEAL_COLUMNS[-1].label)
    tail = part[last_label + len(fmt.APPEAL_COLUMNS[-1].label) :] if last_label >= 0 else part
    run = _NUMBERS.match(tail)
    if run is None or not run.group(0).strip():
        return [part]
    digits = run.group(0).strip()
    cells = cut(digits, count, _groups_balance)
    top = "\t".join(
        (g.label if g.parent is None else (g.parent if i == min(j for j, x in enumerate(fmt.APPEAL_GROUPS) if x.parent == g.parent) else ""))
        + "\t" * (n - 1)
        for i, g in enumerate(fmt.APPEAL_GROUPS)
    ).rstrip("\t")
    middle = "\t".join(("" if g.parent is None else g.label) + "\t" * (n - 1) for g in fmt.APPEAL_GROUPS).rstrip("\t")
    columns = "\t".join([c.label for c in fmt.APPEAL_COLUMNS] * len(fmt.APPEAL_GROUPS))
    lines = [top, middle, columns, "\t".join(cells) if cells else digits]
    out.remarks.append(_table_remark(fmt.TABLE_NUMBERS["appeals"], int(cells is not None and len(digits.split()) != count), [] if cells else ["数字行"]))
    rest = tail[run.end() :].strip()
    return [*lines, rest] if rest else lines


_PROACTIVE_COLUMNS = tuple(
    dict.fromkeys(
        (
            *(c for b in fmt.PROACTIVE_BLOCKS for c in b.columns),
            *fmt.PROACTIVE_COLUMN_FIELDS,
            *fmt.TRIAL_2019.column_fields,
            "上一年项目数量",
            "本年增/减",
        )
    )
)
_PROACTIVE_ROWS = tuple(
    dict.fromkeys((*(r.label for b in fmt.PROACTIVE_BLOCKS for r in b.rows), *fmt.TRIAL_2019.extra_rows, "规范性文件"))
)


def _proactive_lines(part: str, out: Unfolded) -> list[str]:
    """Table 二: per block its header, its column headings (one tab-separated line) and its rows."""
    lines: list[str] = []
    columns: list[str] = []  # the column headings of the block being read
    cut_rows, unread = 0, []
    for piece in _split_keep(part, _BLOCK_HEADER):
        if _BLOCK_HEADER.fullmatch(piece):
            lines.append(piece)
            columns = []
            continue
        for label, rest in _labelled(piece, (*_PROACTIVE_COLUMNS, *_PROACTIVE_ROWS)):
            if label in _PROACTIVE_ROWS:
                run = _NUMBERS.match(rest)
                digits = run.group(0).strip() if run else ""
                unit = re.search(r"万?元$", digits)
                numbers = digits[: unit.start()].strip() if unit else digits
                cells = cut(numbers, max(1, len(columns) - 1)) if numbers else None
                if cells is None:
                    if numbers:
                        unread.append(label)
                    lines.append(label + ("\t" + digits if digits else ""))
                else:
                    cut_rows += len(numbers.split()) != len(cells)
                    lines.append(label + "\t" + "\t".join(cells))
            elif label:
                if lines and columns and lines[-1] == "\t".join(columns):
                    columns.append(label)
                    lines[-1] = "\t".join(columns)
                else:
                    columns = [label]
                    lines.append(label)
    out.remarks.append(_table_remark(fmt.TABLE_NUMBERS["proactive"], cut_rows, unread))
    return lines


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    out, last = [], 0
    for m in pattern.finditer(text):
        if m.start() > last:
            out.append(text[last : m.start()])
        out.append(m.group(0))
        last = m.end()
    if last < len(text):
        out.append(text[last:])
    return out


def _table_remark(table: str, cut_rows: int, unread: list[str]) -> tuple[str, str, str]:
    said = f"{table}各行的数字连写在一起，没有分栏"
    if cut_rows:
        said += f"，{cut_rows} 行按栏数和表内的合计关系唯一确定后拆开"
    if unread:
        said += f"；{'、'.join(f'“{u}”' for u in unread)}无法唯一拆开，未读取"
    return ("FD-12", said + "。", table)
