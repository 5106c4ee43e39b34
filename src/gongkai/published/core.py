"""The one reader of published reports: blocks (paragraphs and tables) → :class:`Report`.

It finds the six sections by their headings (tolerating half-width punctuation, variants and
typos), the title, metadata lines and the preamble before 一, reads the narrative into the
model's narrative fields by sub-heading, and the tables of 二, 三 and 四 through
:mod:`.tables`. Everything that deviates from the format is recorded as a finding with a
rule id FD-* (see :data:`~.sink.DEVIATIONS`); nothing it cannot read is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from .. import format as fmt
from ..errors import UnreadableInputError
from ..model import Report
from ..textfigures import stated_fee_yuan, states_no_fee, statistics_periods
from .blocks import Block, Paragraph, Remark, Table
from .cells import core_label, fold, is_label, is_value, tidy
from .sink import Sink
from .tables import (
    FeeFigure,
    Row,
    is_statutory_label,
    read_appeals,
    read_fee_table,
    read_proactive,
    read_requests,
)

SECTION_NAMES = ("第一部分", "第二部分", "第三部分", "第四部分", "第五部分", "第六部分")
# Top-level numerals as printed: a report with a section of its own numbers past 六.
_NUMERALS = "一二三四五六七八九十"
# What each section heading says, however it is worded.
_HEADING_WORDS: tuple[re.Pattern[str], ...] = (
    re.compile(r"总体情况"),
    re.compile(r"主动公开"),
    re.compile(r"收到和处理|申请情况|依申请公开"),
    re.compile(r"复议.*诉讼|诉讼.*复议"),
    re.compile(r"存在的?主要问题|问题(?:及|和|与)改进|改进情况"),
    re.compile(r"其他需要?报告|其他事项"),
)
# Wordings FORMAT.md names as accepted: reported as info, not as a fault.
_KNOWN_HEADING_VARIANTS = {
    core_label("四、政府信息公开行政复议和行政诉讼情况"),
    core_label("六、其他事项"),
    core_label("四、因政府信息公开申请行政复议、提起行政诉讼的情况"),
}
_HEADING_START = re.compile(r"^(?:第([一二三四五六七八九十])部分[、.．:：,，]?|([一二三四五六七八九十])[、.．:：,，])(.*)$")
_MAX_HEADING = 32
_SUBHEADING_START = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")

_META = re.compile(
    r"^(?:索引号|发布日期|发布时间|发布机构|发文机关|信息来源|来源|时间|日期|浏览次数|访问次数|阅读次数|点击数|点击收听|"
    r"字号|字体|分享|打印|关闭|文号|发文字号|成文日期|主题分类|公开方式|公开范围|有效性|栏目|所属栏目|原始链接|"
    r"链接|本地目录|正文[:：]?$|【|\[)"
)
_META_ANYWHERE = re.compile(r"(?:发布日期|发布时间|浏览次数|信息来源|来源)[:：]")
_DATE_ONLY = re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\d{1,2}:\d{2}(?::\d{2})?)?$")
_TITLE = re.compile(
    r"^(?P<name>.*?)(?P<year>(?:19|20)\d{2})年度?(?P<tail>.*?)政府信息公开(?:工作)?(?:年度?)?(?:工作)?报告$"
)
# What a crawler or a portal puts before the title on its line.
_TITLE_PREFIX = re.compile(r"^(?:标题|题目|文章标题|名称)[:：]")
_NAME_IN_TEXT = re.compile(r"本报告(?:由|是)(?P<name>[^，,。《（(]{2,30}?)(?:按照|根据|依据|依照|编制|汇总)")
_ANY_YEAR = re.compile(r"((?:19|20)\d{2})年")

_SUB_HEADING = re.compile(r"^[（(]([一二三四五六七八九十]+)[)）]\s*(.*)$", re.S)
_CN_INDEX = {ch: i for i, ch in enumerate("一二三四五六七八九十", start=1)}
_HEAD_END = re.compile(r"[。：:；;]")
_MAX_SUB_HEADING = 26

ASPECT_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("proactive", re.compile(r"主动公开")),
    ("requests", re.compile(r"依申请")),
    ("management", re.compile(r"信息管理|管理情况|管理方面")),
    ("platforms", re.compile(r"平台")),
    ("oversight", re.compile(r"监督|保障")),
)
IMPROVEMENT_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("problems", re.compile(r"问题|不足")),
    ("improvements", re.compile(r"改进|整改|措施|下一步|打算")),
)
OTHER_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("processing_fee_statement", re.compile(r"处理费|收费")),
    ("work_points", re.compile(r"工作要点|要点")),
    ("proposals", re.compile(r"建议|提案")),
    ("innovation", re.compile(r"创新")),
    ("other", re.compile(r"其他")),
)
_IMPROVEMENT_START = re.compile(r"改进|整改|措施|下一步|下步|今后|将(?:进一步|继续|持续|着力|重点)")
_INLINE_SUB = re.compile(r"(?<=[。；;！!])\s*(?=[（(][一二三四五六][)）])")


def read_blocks(blocks: Iterable[Block], source: str = "", *, name_hint: str = "") -> Report:
    """Read a published report given as blocks; ``name_hint`` (a file name) is the last resort
    for the body's name. Raises :class:`UnreadableInputError` when it is no annual report."""
    given = list(blocks)
    items = _clean([b for b in given if not isinstance(b, Remark)])
    sink = Sink(source)
    for remark in (b for b in given if isinstance(b, Remark)):
        sink.deviation(remark.rule, "warning", remark.message, "请核对拆开后的文字和数字。", location=remark.location)
    joined = sum(b.joined for b in items if isinstance(b, Paragraph))
    if joined:
        sink.deviation(
            "FD-11",
            "warning",
            f"正文的段落被拆成多行（网页抓取的文字在行内标记处断开，如“20”“21”“年”），已按段落接回 {joined} 处断行。",
            "请核对接回后的文字；报告原文应是完整的段落。",
            location="正文",
        )
    outline = _sections(items, sink)
    front, sections, headings = outline.front, outline.sections, outline.printed
    if all(s is None for s in sections) and not any(isinstance(b, Table) for b in items):
        raise UnreadableInputError(
            f"{name_hint or source or '该文件'} 中没有找到政府信息公开工作年度报告的任何部分（一、总体情况 至 六、其他需要报告的事项）"
            "和表格，不是年度报告或无法识别。"
        )
    title, preamble = _front_matter(front)
    fee = _tables(outline, sink)
    narrative = _narratives(sections, headings, sink)
    _own_sections(outline, narrative)
    body = _body(title, preamble, sections, name_hint, sink)
    sink.data["body"] = body
    if preamble:
        sink.put("preamble.text", "\n".join(preamble), "开头说明")
    for path, (text, location) in narrative.items():
        sink.put(path, text, location)
    _fee(sink, fee)
    _missing_sections(outline, fee, sink)
    try:
        report = Report.model_validate(sink.data)
    except ValidationError as exc:  # pragma: no cover - the core only stores valid values
        raise UnreadableInputError(
            f"{name_hint or source} 的内容无法解析为年度报告：{exc.errors()[0]['msg']}"
        ) from exc
    report._provenance = sink.prov
    return report


# --- blocks → sections ------------------------------------------------------------------------


# Page furniture of a printed or exported document: "— 3 —", "- 3 -", "第3页 共5页". A bare
# figure is not: text with each table cell on a line of its own prints them so.
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－_]+\s*\d{1,3}\s*[-—–－_]+|第\d{1,3}页(?:[，,/]?共\d{1,3}页)?|\d{1,3}/\d{1,3})$"
)


def _clean(blocks: Iterable[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            joined = block.joined
            for line in block.text.split("\n"):
                text = tidy(line)
                if text and not _PAGE_NUMBER.match(text):
                    out.append(Paragraph(text, joined))
                    joined = 0
        elif any(any(c.strip() for c in row) for row in block.rows):
            out.append(block)
    return out


def heading_index(text: str) -> tuple[int, bool] | None:
    """Which section heading ``text`` is (0–5) and whether its numeral disagrees, else None."""
    folded = fold(text)
    m = _HEADING_START.match(folded)
    if m is None:
        if _SUBHEADING_START.match(folded):
            return None  # （一）… is the outline's second level: a part of a section, never one
        rest = core_label(folded)
        for i, heading in enumerate(fmt.SECTION_HEADINGS):
            if rest == core_label(heading) and len(rest) <= _MAX_HEADING:
                return i, False  # numbering made by Word, not printed in the text
        return None
    numeral = m[1] or m[2]
    rest = m[3]
    if len(rest) > _MAX_HEADING or any(ch.isdigit() for ch in rest):
        return None
    for i, words in enumerate(_HEADING_WORDS):
        if words.search(rest):
            return i, _NUMERALS.index(numeral) != i
    return None


def outline_numeral(text: str) -> int | None:
    """The numeral (1 for 一) of a top-level heading that is none of the format's six
    ("五、信息处理费收取情况"), else None.

    Only a short line of words numbered "X、" is one: a sentence, a line with figures, and
    the numbered row labels of table 三 ("四、结转下年度继续办理") are not."""
    folded = fold(text)
    m = _HEADING_START.match(folded)
    if m is None or heading_index(text) is not None:
        return None
    rest = m[3]
    if not 2 <= len(core_label(rest)) <= _MAX_HEADING or any(ch.isdigit() for ch in rest):
        return None
    if re.search(r"[。；;，,！!？?]", rest) or is_statutory_label(folded):
        return None
    return _NUMERALS.index(m[1] or m[2]) + 1


@dataclass
class _Outline:
    """The report cut at its top-level headings: what stands before 一, the format's six
    sections (None where not printed) with their headings as printed, and the sections the
    format does not have ("五、信息处理费收取情况"), each with its heading."""

    front: list[Block] = field(default_factory=list)
    sections: list[list[Block] | None] = field(default_factory=lambda: [None] * 6)
    printed: list[str] = field(default_factory=lambda: [""] * 6)
    extras: list[tuple[str, list[Block]]] = field(default_factory=list)
    # Whether a heading after a section of the report's own is numbered one further on.
    renumbered: bool = False


def _sections(items: list[Block], sink: Sink) -> _Outline:
    out = _Outline()
    current = -1  # the format's section being read
    numeral = 0  # the numeral the last top-level heading printed (1 for 一)
    target: list[Block] = out.front
    for block in items:
        if isinstance(block, Paragraph):
            found = heading_index(block.text)
            printed = _printed_numeral(block.text)
            if found is not None:
                index, wrong_numeral = found
                # Headings come in order; "三、本年度办理结果" inside table 三 is not one. A
                # numeral one past the last heading's is the report's own numbering (a
                # section missing or of its own before it), not a stray line.
                follows = printed is not None and printed == numeral + 1
                if index > current and (not wrong_numeral or index == current + 1 or follows):
                    if wrong_numeral and out.extras:
                        out.renumbered = True
                    current = index
                    numeral = printed or index + 1
                    target = out.sections[index] = []
                    out.printed[index] = block.text
                    _heading_deviation(block.text, index, sink, shifted=wrong_numeral and follows)
                    continue
            elif current >= 0 and (extra := outline_numeral(block.text)) is not None and extra == numeral + 1:
                # A top-level heading of the report's own: its blocks are its own, never a
                # part of the section before it (its table is not table 四's).
                numeral = extra
                target = []
                out.extras.append((block.text, target))
                continue
        target.append(block)
    return out


def _printed_numeral(text: str) -> int | None:
    m = _HEADING_START.match(fold(text))
    return None if m is None else _NUMERALS.index(m[1] or m[2]) + 1


def _heading_deviation(text: str, index: int, sink: Sink, *, shifted: bool = False) -> None:
    """FD-2 for a heading worded otherwise than the format's. A numeral that only follows the
    report's own numbering (after a missing section or one of its own) is not said again here:
    the finding on that section says it."""
    canonical = fmt.SECTION_HEADINGS[index]
    if core_label(text) == core_label(canonical) and (shifted or fold(text)[:2] == fold(canonical)[:2]):
        return
    known = core_label(text) in _KNOWN_HEADING_VARIANTS
    sink.deviation(
        "FD-2",
        "info" if known else "warning",
        f"{SECTION_NAMES[index]}标题印为“{text}”，格式原文为“{canonical}”。",
        "标题应与 30号格式一致。" if known else "请改正标题中的文字。",
        location=f"{SECTION_NAMES[index]}标题",
    )


# --- title, metadata, preamble ---------------------------------------------------------------


def is_metadata(text: str) -> bool:
    """A line the portal adds around the report (索引号, 发布日期, 浏览次数, 点击收听…)."""
    folded = fold(text)
    if len(folded) > 160:
        return False
    return bool(_META.match(folded) or _META_ANYWHERE.search(folded) or _DATE_ONLY.match(folded))


def parse_title(text: str) -> tuple[str, int] | None:
    """(机关名称, 年度) from "大峪镇人民政府2025年政府信息公开工作年度报告" and its variants."""
    m = _TITLE.match(_TITLE_PREFIX.sub("", fold(text)))
    if m is None:
        return None
    name = (m["name"] or m["tail"]).strip("：:-—_ ")
    return name, int(m["year"])


def _front_matter(front: list[Block]) -> tuple[tuple[str, str, int] | None, list[str]]:
    """The title (its text, name and year) and the preamble paragraphs before 一."""
    paragraphs = [b.text for b in front if isinstance(b, Paragraph) and not is_metadata(b.text)]
    title: tuple[str, str, int] | None = None
    start = 0
    for i, text in enumerate(paragraphs[:8]):
        # A title over two lines: the body's name, then "2024年政府信息公开工作年度报告".
        previous = paragraphs[i - 1] if i else ""
        two_lines = bool(previous) and len(fold(previous)) <= 40 and not re.search(r"[。，,；;：:>＞|]", previous)
        for candidate in [text, previous + text] if two_lines else [text]:
            parsed = parse_title(candidate)
            if parsed and len(fold(candidate)) <= 80:
                if not parsed[0] and candidate == text and i > 0:
                    continue  # the year line alone: its name is on the line before
                title = (candidate, *parsed)
                start = i + 1
                break
        if title:
            break
    preamble = paragraphs[start:] if title else paragraphs
    return title, preamble


# --- tables --------------------------------------------------------------------------------------


def _line_cells(text: str) -> tuple[tuple[str, ...], bool] | None:
    """A line of copied text as table cells: tab-separated, or a label and figures at its end.

    A sentence (a long line with a full stop and no figures at its end) is a note, not a row.
    """
    if "\t" in text:
        return tuple(c.strip() for c in text.split("\t")), True
    tokens = text.split()
    i = len(tokens)
    while i > 0 and is_value(tokens[i - 1]):
        i -= 1
    if i < len(tokens):
        label = " ".join(tokens[:i])
        return ((label,) if label else ()) + tuple(tokens[i:]), False
    if len(text) > 60 and re.search(r"[。；;]", text):
        return None
    return (text,), False


def _table_kind(cells: Iterable[str]) -> int | None:
    """Which statutory table (1 = 二, 2 = 三, 3 = 四) a row announces, if any; 0
    (:data:`OWN_TABLE`) for the report's own fee table."""
    text = fold(" ".join(cells))
    if "第二十条" in text or "行政规范性文件" in text or core_label(text) in ("规章", "行政许可"):
        return 1
    if "勾稽关系" in text or "本年新收" in text:
        return 2
    if ("行政复议" in text and "行政诉讼" in text) or "未经复议直接起诉" in text:
        return 3
    if "信息处理费" in text:
        return OWN_TABLE  # a fee table of the report's own, not table 二's 行政事业性收费
    return None


OWN_TABLE = 0
"""The kind of a table that is none of 二, 三, 四 (a fee table, a list of accounts)."""


def _own_table(block: Table) -> bool:
    """A table none of whose labels is one of table 二's, 三's or 四's: a block of its own
    wherever it is printed, so its rows never run into the section's table."""
    labels = [c for row in block.rows for c in row if is_label(c)]
    return bool(labels) and not any(is_statutory_label(c) for c in labels)


# cells, aligned, cells gathered from one line each, the row's text layer (PDF)
_Line = tuple[tuple[str, ...], bool, bool, str]


def _rows(blocks: list[Block], start_kind: int) -> dict[int, list[_Line]]:
    """A section's rows, switching to a later table when a row announces one (its heading is missing).

    Text with every cell on a line of its own ("规章" "1" "0" "7") is gathered back into rows:
    lines that are one figure each join the label line before them (or the figures before
    them, for table 四's row without a label)."""
    out: dict[int, list[_Line]] = {}
    kind = start_kind
    open_row = False  # the last row was built from single-cell lines and may take more figures
    for block in blocks:
        if isinstance(block, Table):
            lines: list[_Line] = [
                (row, block.aligned, False, block.lines[i] if i < len(block.lines) else "")
                for i, row in enumerate(block.rows)
            ]
            open_row = False
            if _own_table(block):
                out.setdefault(OWN_TABLE, []).extend(lines)
                continue
        else:
            found = _line_cells(block.text)
            if found is None:
                open_row = False
                continue
            cells, aligned = found
            single = not aligned and len(cells) == 1
            rows = out.get(kind)
            if single and is_value(cells[0]) and open_row and rows:
                previous = rows[-1][0]
                rows[-1] = (previous + cells, False, True, "")
                continue
            open_row = single
            lines = [(cells, aligned, False, "")]
        for line in lines:
            announced = _table_kind(line[0])
            # A table further on, or out of the report's own fee table into one of the format's.
            if announced is not None and (announced > kind or kind == OWN_TABLE or announced == OWN_TABLE):
                kind = announced
            out.setdefault(kind, []).append(line)
    return out


def _tables(outline: _Outline, sink: Sink) -> FeeFigure | None:
    """Tables 二, 三 and 四 read into the sink; the 信息处理费 of a fee table of the report's
    own, if one prints it. Each table is known by its own header and labels: a table of the
    report's own is never read as (a part of) the table of the section it stands in."""
    sections = outline.sections
    streams: dict[int, list[_Line]] = {}
    for index in (1, 2, 3):
        blocks = sections[index]
        if blocks is None:
            continue
        for kind, rows in _rows(blocks, index).items():
            streams.setdefault(kind, []).extend(rows)
    own: list[tuple[str, list[_Line]]] = []
    if OWN_TABLE in streams:
        own.append(("表格", streams.pop(OWN_TABLE)))
    # A table outside the table sections (its heading missing): placed by what it says.
    elsewhere = [
        ("", outline.front),
        *(("", sections[i] or []) for i in (0, 4, 5)),
        *((heading, blocks) for heading, blocks in outline.extras),
    ]
    for heading, blocks in elsewhere:
        for block in blocks:
            if not isinstance(block, Table):
                continue
            lines = [
                (row, block.aligned, False, block.lines[i] if i < len(block.lines) else "")
                for i, row in enumerate(block.rows)
            ]
            kind = next((k for row in block.rows[:4] if (k := _table_kind(row)) is not None), None)
            if kind == OWN_TABLE or kind is None and _own_table(block):
                own.append((f"“{heading}”中的表格" if heading else "表格", lines))
            elif kind is not None and kind not in streams:
                streams[kind] = lines
        if heading:
            # Text of a section of the report's own: a fee table printed a line a row.
            rows = [line for kind, lines in _rows(blocks, OWN_TABLE).items() if kind == OWN_TABLE for line in lines]
            if rows and not any(isinstance(b, Table) for b in blocks):
                own.append((f"“{heading}”", rows))
    readers = {1: read_proactive, 2: read_requests, 3: read_appeals}
    for kind, reader in readers.items():
        rows = _numbered(streams.get(kind, []))
        if kind in streams and sections[kind] is None:
            sink.deviation(
                "FD-1",
                "warning",
                f"报告没有{SECTION_NAMES[kind]}标题“{fmt.SECTION_HEADINGS[kind]}”，该部分的表格按内容识别。",
                location=SECTION_NAMES[kind],
            )
        reader(rows, sink)
    for where, lines in own:
        fee = read_fee_table(_numbered(lines), where)
        if fee is not None:
            return fee
    return None


def _numbered(lines: list[_Line]) -> list[Row]:
    return [
        Row(number, cells, aligned, split, text)
        for number, (cells, aligned, split, text) in enumerate(
            (line for line in lines if any(x.strip() for x in line[0])), start=1
        )
    ]


# --- narrative -----------------------------------------------------------------------------------


def _paragraphs(blocks: list[Block] | None) -> list[str]:
    return [b.text for b in blocks or [] if isinstance(b, Paragraph)]


def _split_sub_heading(text: str) -> tuple[int, str, str] | None:
    """(numeral, heading words, text after them) for "（一）主动公开方面。按照…" and "（一）主动公开"."""
    m = _SUB_HEADING.match(text)
    if m is None or m[1] not in _CN_INDEX:
        return None
    rest = m[2].strip()
    end = _HEAD_END.search(rest)
    if end is not None and end.start() <= _MAX_SUB_HEADING:
        return _CN_INDEX[m[1]], rest[: end.start()], rest[end.end() :].strip()
    if len(rest) <= _MAX_SUB_HEADING:
        return _CN_INDEX[m[1]], rest, ""
    return _CN_INDEX[m[1]], rest[:12], rest


def _by_sub_heading(
    paragraphs: list[str],
    words: tuple[tuple[str, re.Pattern[str]], ...],
    default: str,
    heading: str,
) -> dict[str, tuple[list[str], str]]:
    """Paragraphs grouped into fields by their sub-headings: field -> (paragraphs, printed heading)."""
    out: dict[str, tuple[list[str], str]] = {}
    current = default
    printed = {default: heading}
    order = [k for k, _ in words]
    for text in paragraphs:
        sub = _split_sub_heading(text)
        if sub is not None:
            numeral, head, body = sub
            key = next((k for k, pattern in words if pattern.search(head)), None)
            if key is None and 1 <= numeral <= len(order):
                # No telling words: the numeral places it, but only as the next part in order.
                expected = order.index(current) + 1 if current in order else 0
                if numeral - 1 == expected:
                    key = order[numeral - 1]
            if key is not None:
                current = key
                printed[key] = f"{heading}（{'一二三四五六七八九十'[numeral - 1]}）{head}"
                if body:
                    out.setdefault(current, ([], ""))[0].append(body)
                continue
        out.setdefault(current, ([], ""))[0].append(text)
    return {k: (v[0], printed.get(k, heading)) for k, v in out.items()}


def _narratives(
    sections: list[list[Block] | None], headings: list[str], sink: Sink
) -> dict[str, tuple[str, str]]:
    """Narrative path -> (text, where it is printed)."""
    out: dict[str, tuple[str, str]] = {}
    overview = _paragraphs(sections[0])
    if sections[0] is not None:
        groups = _by_sub_heading(overview, ASPECT_WORDS, "intro", headings[0])
        for key, (paragraphs, where) in groups.items():
            out[f"overview.{key}"] = ("\n".join(paragraphs), where)
        missing = [f for f in fmt.OVERVIEW_ASPECTS if f.key not in groups]
        if missing:
            sink.deviation(
                "FD-1",
                "info",
                f"{headings[0]}没有分写"
                + "、".join(f.heading or f.label for f in missing)
                + f"（共 {len(missing)} 个方面）。",
                "30号格式要求总体情况写明主动公开、依申请公开、政府信息管理、平台建设、监督保障五个方面。",
                location=SECTION_NAMES[0],
            )
    if sections[4] is not None:
        paragraphs = [p for text in _paragraphs(sections[4]) for p in _INLINE_SUB.split(text) if p]
        if any(_split_sub_heading(p) for p in paragraphs):
            groups = _by_sub_heading(paragraphs, IMPROVEMENT_WORDS, "problems", headings[4])
        else:
            groups = _improvements_without_headings(paragraphs, headings[4])
        for key, (paragraphs, where) in groups.items():
            out[f"improvements.{key}"] = ("\n".join(paragraphs), where)
    if sections[5] is not None:
        paragraphs = _paragraphs(sections[5])
        if any(_split_sub_heading(p) for p in paragraphs):
            groups = _by_sub_heading(paragraphs, OTHER_WORDS, "processing_fee_statement", headings[5])
        else:
            fee = [p for p in paragraphs if OTHER_WORDS[0][1].search(p)]
            rest = [p for p in paragraphs if p not in fee]
            groups = {}
            if fee:
                groups["processing_fee_statement"] = (fee, headings[5])
            if rest:
                groups["other"] = (rest, headings[5])
        for key, (paragraphs, where) in groups.items():
            out[f"other_matters.{key}"] = ("\n".join(paragraphs), where)
    return out


def _improvements_without_headings(paragraphs: list[str], heading: str) -> dict[str, tuple[list[str], str]]:
    """Section 五 written as plain paragraphs: problems first, then from the first paragraph
    about measures on, the improvements."""
    split = next(
        (i for i, p in enumerate(paragraphs) if i > 0 and _IMPROVEMENT_START.search(p[:40])), len(paragraphs)
    )
    groups: dict[str, tuple[list[str], str]] = {}
    if paragraphs[:split]:
        groups["problems"] = (paragraphs[:split], heading)
    if paragraphs[split:]:
        groups["improvements"] = (paragraphs[split:], heading)
    return groups


def _own_sections(outline: _Outline, out: dict[str, tuple[str, str]]) -> None:
    """The text of sections the format does not have goes where the format puts what it is
    about: "五、信息处理费收取情况" is section 六's 信息处理费 statement, and so on by the
    heading's words; a section about nothing the format names is section 六's 其他."""
    for heading, blocks in outline.extras:
        paragraphs = _paragraphs(blocks)
        if not paragraphs:
            continue
        key = next((k for k, pattern in OTHER_WORDS if pattern.search(heading)), "other")
        path = f"other_matters.{key}"
        if path in out:
            text, where = out[path]
            out[path] = ("\n".join([text, *paragraphs]), where)
        else:
            out[path] = ("\n".join(paragraphs), heading)


def _fee(sink: Sink, table: FeeFigure | None) -> None:
    """The 信息处理费 amount (元): what a fee table of the report's own prints, else what
    section 六 states; the fee rules compare it with the statement."""
    if table is not None:
        sink.put("other_matters.processing_fee_yuan", table.yuan, table.location)
        return
    statement = sink.data.get("other_matters", {}).get("processing_fee_statement", "")
    amount = Decimal(0)
    if statement and states_no_fee(statement) is None and (stated := stated_fee_yuan(statement)):
        amount = stated[1]
    sink.data.setdefault("other_matters", {})["processing_fee_yuan"] = amount


# --- who and when --------------------------------------------------------------------------------


# A department's name ends in what the office is; a government's in its place (and 人民政府).
_DEPARTMENT_END = re.compile(r"(?:局|委员会|委|办公室|办公厅|办|中心|署|院|所|站|队|厅|处)$")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_PROVINCE = re.compile(r"^(?:.{2,3}?省|.{2,8}?自治区)")
# A county-level place inside the name: "淮安市洪泽区…", "青山县…", "…旗".
_COUNTY_IN_NAME = re.compile(r"^(?:.{2,12}?(?:市|州|盟|地区))?.{1,8}?(?:区|县|旗)(?!域)")
_CITY = re.compile(r"^(?:.{2,3}?省|.{2,8}?自治区)?(?P<city>.{1,8}?(?:市|自治州|地区|盟))")
# Words a 设区的市's report uses about the counties below it; a 县级市's about its townships.
_CITY_CUES = re.compile(r"县[（(]市、?区[)）]|县[（(]区[)）]|县[（(]市[)）]|各县区|县区政府|市、县两级|市县两级|市、县、乡")
_COUNTY_CITY_CUES = re.compile(r"乡镇[（(]街道[)）]|各乡镇|镇[（(]街道[)）]|镇、街道")


def level_of(name: str, text: str = "") -> str:
    """乡镇 / 街道 / 县级 / 市级 / 省级 government or department, or 其他, from the body's name.

    A bare "××市人民政府" may be a 设区的市 or a 县级市: the report's own words decide (a city
    speaks of its 县（市、区）, a county-level city of its 乡镇（街道）); without them it is
    taken as 县级, the more common publisher.
    """
    name = fold(name)
    if "街道" in name:
        return "街道"
    core = re.sub(r"(?:人民政府|政府)$", "", name)
    if re.search(r"[镇乡]$", core) or re.search(r"(?:民族乡|苏木)$", core):
        return "乡镇"
    if re.search(r"片区(?:管理局|管委会|管理委员会|办事处)$", name):
        return "乡镇"  # an area office of an 实验区 or 新区 in place of townships (平潭's 片区)
    department = bool(_DEPARTMENT_END.search(name)) and not name.endswith("管委会")
    if re.search(r"(?:管委会|管理委员会|实验区|开发区|高新区|新区)$", core):
        return "县级政府"
    if not re.search(r"(?:县|区|市|旗|州|省|盟|地区)", core):
        return "其他"
    municipality = name.startswith(_MUNICIPALITIES)
    rest = name[3:] if municipality else name
    if municipality and not _COUNTY_IN_NAME.match(rest):
        return "省级部门" if department else "省级政府"
    province = _PROVINCE.match(rest)
    after = rest[province.end() :] if province else rest
    if province and not _CITY.match(after) and not _COUNTY_IN_NAME.match(after):
        return "省级部门" if department else "省级政府"
    city = _CITY.match(after)
    below = after[city.end() :] if city else after
    county = bool(_COUNTY_IN_NAME.match(below)) or (municipality and bool(_COUNTY_IN_NAME.match(rest)))
    if (
        city
        and not county
        and not re.match(r"^.{1,8}?(?:县|旗)", below)
        and (city["city"].endswith(("自治州", "地区", "盟")) or _is_prefecture(text, city["city"]))
    ):
        return "市级部门" if department else "市级政府"
    if county or city or re.search(r"(?:县|区|市|旗)$", core):
        return "县级部门" if department else "县级政府"
    return "其他"


# Districts that any city may have; only a 设区的市 has 市辖区 ("莆田市城厢区").
_NOT_A_DISTRICT = re.compile(r"(?:开发|高新|园|新|景|片|城|社|小|辖|市|街|矿|林|牧|保护|功能|示范|试验|实验)区$")


def _is_prefecture(text: str, city: str) -> bool:
    text = fold(text)
    districts = [
        m for m in re.findall(re.escape(city) + r"(.{1,4}?区)", text) if not _NOT_A_DISTRICT.search(m)
    ]
    return bool(districts) or len(_CITY_CUES.findall(text)) > len(_COUNTY_CITY_CUES.findall(text))


def _short_and_parent(name: str, level: str) -> tuple[str, str]:
    short = re.sub(r"(?:人民政府|办事处)$", "", name)
    parent = ""
    if level in fmt.TOWNSHIP_LEVELS:
        m = re.match(r"^(.+?(?:市|县|区|旗))(.{2,}?(?:镇|乡|街道))$", short)
        if m:
            parent, short = m[1], m[2]
    return (short if short != name else ""), parent


def _body(
    title: tuple[str, str, int] | None,
    preamble: list[str],
    sections: list[list[Block] | None],
    name_hint: str,
    sink: Sink,
) -> dict[str, Any]:
    name, year = (title[1], title[2]) if title else ("", None)
    how: list[str] = []
    text = "\n".join(preamble)
    if not name:
        m = _NAME_IN_TEXT.search(fold(text))
        if m:
            name = m["name"]
            how.append(f"机关名称“{name}”取自开头说明")
        elif name_hint:
            name = name_hint
            how.append(f"机关名称取自文件名“{name_hint}”")
    if title and re.search(r"(?:省|市|县|区|旗|州|盟|镇|乡)$", name) and f"{name}人民政府" in fold(text):
        # "三明市2021年…报告" published by the government the preamble names in full.
        name = f"{name}人民政府"
    if year is None:
        periods = [years[0] for _, years in statistics_periods(text)]
        if periods:
            year = periods[0]
            how.append(f"年度 {year} 取自统计期限")
        else:
            body_text = "\n".join(_paragraphs(sections[0]))
            found = _ANY_YEAR.findall(fold(body_text)) or _ANY_YEAR.findall(fold(text))
            if found:
                year = int(max(set(found), key=found.count))
                how.append(f"年度 {year} 取自正文中最常出现的年份")
    if not name or year is None:
        raise UnreadableInputError(
            f"{name_hint or '该文件'} 中找不到报告标题（如“××镇人民政府2025年政府信息公开工作年度报告”），"
            f"也无法从正文确定{'机关名称' if not name else '报告年度'}。"
        )
    if not 2008 <= year <= 2100:
        raise UnreadableInputError(f"{name_hint or '该文件'} 的报告年度 {year} 不是有效的年度。")
    if how:
        sink.deviation(
            "FD-10",
            "warning" if title is None else "info",
            ("报告没有标题；" if title is None else "") + "，".join(how) + "。",
            "年度报告应以“机关全称＋年度＋政府信息公开工作年度报告”为标题。",
            location="标题",
        )
    level = level_of(name, "\n".join([text, *_paragraphs(sections[0])]))
    short, parent = _short_and_parent(name, level)
    return {"name": name, "short_name": short, "level": level, "parent": parent, "year": year}


def _missing_sections(outline: _Outline, fee: FeeFigure | None, sink: Sink) -> None:
    """FD-1 for a missing section 一, 五 or 六 (the table sections say so with their tables),
    and the sections of the report's own, each said once: where the format's 六 is missing,
    in its finding (the report put what 六 holds under headings of its own), else as FD-2."""
    sections = outline.sections
    extras = "、".join(f"“{heading}”" for heading, _ in outline.extras)
    fee_own = any(OTHER_WORDS[0][1].search(heading) for heading, _ in outline.extras)
    renumbered = "，其后部分的序号因此顺延" if outline.renumbered else ""
    for index in (0, 4, 5):
        if sections[index] is not None:
            continue
        message = f"报告没有{SECTION_NAMES[index]}“{fmt.SECTION_HEADINGS[index]}”。"
        if index == 5 and extras:
            read = (
                "，其中的信息处理费情况" + ("（含表中的收费金额）" if fee is not None else "") + "按第六部分的信息处理费情况读取"
                if fee_own
                else "，其内容按第六部分读取"
            )
            message = (
                f"报告没有{SECTION_NAMES[index]}“{fmt.SECTION_HEADINGS[index]}”，"
                f"而是另设了格式没有的部分{extras}{renumbered}{read}。"
            )
        sink.deviation(
            "FD-1",
            "warning",
            message,
            "年度报告应包括 30号格式规定的全部六个部分"
            + ("，信息处理费情况写在第六部分" if index == 5 and fee_own else "")
            + "。",
            location=SECTION_NAMES[index],
        )
    if sections[5] is None:
        return
    for heading, _ in outline.extras:
        sink.deviation(
            "FD-2",
            "warning",
            f"报告有格式没有的部分“{heading}”（30号格式只有六个部分）{renumbered}，其内容按第六部分读取。",
            "格式之外的内容应写在第六部分“六、其他需要报告的事项”中。",
            location=f"“{heading}”",
        )
