"""The Word template's context: every value the report prints, built from a :class:`Report`.

The context is plain data (dicts, lists, strings, one int) so a custom template can use it
without knowing the model. Narrative text is *data*: it is cleaned of characters XML cannot
hold and split into paragraphs here, and the renderer escapes it; it is never compiled as
template code.

Where a clerk left a narrative part empty, a factual default paragraph is written from the
figures, so a report never misses a part the format requires. Every number in a default
paragraph is the number the tables print. ``context["generated"]`` lists the parts that were
written this way so callers can ask the clerk to read them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from . import format as fmt
from .model import Report
from .textutil import clean_line, split_paragraphs

# A 22 pt title line on the 156 mm type area holds 20 full-width characters (40 half-width
# units); longer titles are broken into two lines.
_TITLE_LINE_UNITS = 40
TITLE_SUFFIX = fmt.TITLE_SUFFIX

_CN_NUMERALS = "一二三四五六七八九十"

CONTEXT_KEYS: tuple[str, ...] = (
    "title",
    "title_lines",
    "year",
    "period",
    "body",
    "format_name",
    "preamble",
    "overview",
    "improvements",
    "fee_statement",
    "other_matters",
    "t2",
    "t3",
    "t4",
    "generated",
)
"""Top-level names a template may use (see :func:`build_context`)."""


# --- text helpers ---------------------------------------------------------------------------


def format_decimal(value: Decimal) -> str:
    """A Decimal exactly as entered (``24252.311082``, ``0.50``, ``0``), never in E-notation."""
    if value == 0 and value.as_tuple().exponent == 0:
        return "0"
    text = format(value, "f")
    return text[1:] if text.startswith("-") and value == 0 else text


def _units(text: str) -> int:
    """Printed width in half-width units: ASCII (Times New Roman) is half a CJK character."""
    return sum(1 if ord(ch) < 0x2000 else 2 for ch in text)


def title_lines(title: str) -> list[str]:
    """Break a long title into two balanced lines, at the natural point where possible.

    ``大峪镇人民政府2025年`` / ``政府信息公开工作年度报告`` reads better than a break at the exact
    middle. A body name so long that its line would itself wrap is split nearer the middle
    instead, never inside a number, with the first line the longer (the usual 正梯形).
    """
    if _units(title) <= _TITLE_LINE_UNITS:
        return [title]
    if title.endswith(TITLE_SUFFIX):
        head = title[: -len(TITLE_SUFFIX)]
        if head and _units(head) <= _TITLE_LINE_UNITS:
            return [head, TITLE_SUFFIX]
    total = _units(title)
    best: tuple[int, int] | None = None
    for i in range(1, len(title)):
        if title[i - 1].isdigit() and title[i].isdigit():
            continue
        first = _units(title[:i])
        score = abs(first - (total - first)) + (0 if first >= total - first else 1)
        if best is None or score < best[0]:
            best = (score, i)
    assert best is not None
    return [title[: best[1]], title[best[1] :]]


def _cn(n: int) -> str:
    return _CN_NUMERALS[n - 1] if 1 <= n <= len(_CN_NUMERALS) else str(n)


def _join(parts: list[str], sep: str = "、") -> str:
    return sep.join(p for p in parts if p)


# --- tables ---------------------------------------------------------------------------------


def _table2(report: Report) -> dict[str, Any]:
    proactive = report.proactive
    table: dict[str, Any] = {}
    for block in fmt.PROACTIVE_BLOCKS:
        for row in block.rows:
            value = getattr(proactive, row.key)
            if row.fields:
                table[row.key] = {f: str(getattr(value, f)) for f in row.fields}
            elif row.decimal:
                table[row.key] = format_decimal(value)
            else:
                table[row.key] = str(value)
    return table


def _table3(report: Report) -> dict[str, dict[str, str]]:
    return {row: {col: str(value) for col, value in cells.items()} for row, cells in report.request_table().items()}


def _table4(report: Report) -> dict[str, dict[str, str]]:
    return {
        group.key: {col.key: str(report.appeal(group.key, col.key)) for col in fmt.APPEAL_COLUMNS}
        for group in fmt.APPEAL_GROUPS
    }


# --- preamble -------------------------------------------------------------------------------


def _preamble(report: Report) -> list[str]:
    given = split_paragraphs(report.preamble.text)
    if given:
        return given
    body = clean_line(report.body.name)
    year = report.body.year
    pre = report.preamble
    # Inside a list of parts, “行政复议、行政诉讼” would read as two parts: join it with 和.
    parts = "、".join(h.split("、", 1)[1].replace("、", "和") for h in fmt.SECTION_HEADINGS)
    first = (
        f"本报告由{body}按照《中华人民共和国政府信息公开条例》（以下简称《条例》）和"
        f"《中华人民共和国政府信息公开工作年度报告格式》（{fmt.FORMAT_NAME}）要求编制。"
    )
    second = (
        f"本报告内容包括{parts}等六部分内容。本报告所列数据的统计期限为{year}年1月1日至{year}年12月31日。"
    )
    portal = clean_line(pre.portal)
    if portal:
        second += f"本报告电子版可在{portal}查阅或下载。"
    contact = clean_line(pre.contact)
    details = _join(
        [
            f"地址：{a}" if (a := clean_line(pre.address)) else "",
            f"邮编：{p}" if (p := clean_line(pre.postcode)) else "",
            f"联系电话：{t}" if (t := clean_line(pre.phone)) else "",
        ],
        "，",
    )
    if contact or details:
        second += (
            f"如对本报告有疑问，请与{contact or body}联系" + (f"（{details}）" if details else "") + "。"
        )
    return [first, second]


# --- default narrative paragraphs -------------------------------------------------------------


def _proactive_default(report: Report, name: str) -> list[str]:
    year = report.body.year
    channels = report.channels
    has_web = channels.website_posts is not None or bool(channels.website_breakdown)
    accounts = channels.new_media

    via = _join(["政府网站" if has_web else "", "政务新媒体" if accounts else ""])
    lead = f"{year}年，{name}坚持以公开为常态、不公开为例外，" + (
        f"依托{via}等渠道主动公开政府信息" if via else "依法依规主动公开政府信息"
    )

    web = ""
    if has_web:
        web = f"政府网站发布信息{channels.website_total()}条"
        items = [f"{clean_line(i.label)}{i.count}条" for i in channels.website_breakdown]
        if items:
            web += "，包括" + _join(items)
    media = ""
    if accounts:
        shown = [f"{clean_line(a.platform)}“{clean_line(a.name)}”发布{a.posts}条" for a in accounts]
        media = f"政务新媒体发布信息{channels.new_media_total()}条，其中" + _join(shown)
    if web and media:
        lead += f"，全年共发布信息{channels.total()}条。其中，{web}；{media}。"
    elif web or media:
        lead += f"，全年{web or media}。"
    else:
        lead += "。"

    p = report.proactive
    facts: list[str] = []
    for key, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
        docs = getattr(p, key)
        if docs.issued or docs.repealed or docs.in_force:
            facts.append(f"制发{label}{docs.issued}件、废止{docs.repealed}件，现行有效{docs.in_force}件")
    decisions = [
        f"{label}决定{n}件"
        for label, n in (
            ("行政许可", p.licensing),
            ("行政处罚", p.penalties),
            ("行政强制", p.coercive_measures),
        )
        if n
    ]
    if decisions:
        facts.append("作出" + _join(decisions))
    if p.fees_wan_yuan:
        facts.append(f"收取行政事业性收费{format_decimal(p.fees_wan_yuan)}万元")
    if facts:
        table = "本年度" + "；".join(facts) + "，具体情况见本报告第二部分。"
    else:
        table = "本年度未制发规章和行政规范性文件，未作出需主动公开的行政许可、行政处罚、行政强制决定。"
    return [lead, table]


def _result_group_name(label: str) -> str:
    """``（二）部分公开（区分处理的…）`` → ``部分公开``: the short name used in sentences."""
    return re.sub(r"^（[一二三四五六七八九十]+）", "", label).split("（", 1)[0]


def _appeals_sentence(report: Report) -> str:
    review = report.appeal("administrative_review", "total")
    direct = report.appeal("litigation_direct", "total")
    after = report.appeal("litigation_after_review", "total")
    if review == 0 and direct == 0 and after == 0:
        return "全年未发生因政府信息公开引起的行政复议、行政诉讼。"
    parts: list[str] = []
    if review:
        detail = _join(
            [
                f"{c.label}{n}件"
                for c in fmt.APPEAL_PART_COLUMNS
                if (n := report.appeal("administrative_review", c.key))
            ]
        )
        parts.append(f"因政府信息公开被申请行政复议{review}件" + (f"（{detail}）" if detail else ""))
    else:
        parts.append("未发生政府信息公开行政复议")
    if direct or after:
        groups = [
            f"{g.label}{n}件" for g in fmt.APPEAL_GROUPS if g.parent and (n := report.appeal(g.key, "total"))
        ]
        parts.append(f"被提起政府信息公开行政诉讼{direct + after}件（其中{_join(groups)}）")
    else:
        parts.append("未发生政府信息公开行政诉讼")
    return "全年" + "；".join(parts) + "。"


def _requests_default(report: Report, name: str) -> list[str]:
    year = report.body.year

    def total(row: str) -> int:
        return report.request(row, "total")

    new, carried_over = total("new"), total("carried_over")
    handled, forward = total("results_total"), total("carried_forward")
    if new == carried_over == handled == forward == 0:
        return [f"{year}年，{name}未收到政府信息公开申请，无上年结转申请。{_appeals_sentence(report)}"]

    if new:
        natural = report.request("new", "natural_person")
        legal = [
            (c.label, report.request("new", c.key))
            for c in fmt.REQUEST_PART_COLUMNS
            if c.key != "natural_person"
        ]
        legal_sum = sum(n for _, n in legal)
        text = f"{year}年，{name}共收到政府信息公开申请{new}件，其中自然人申请{natural}件，法人或其他组织申请{legal_sum}件"
        detail = _join([f"{label}{n}件" for label, n in legal if n])
        text += f"（{detail}）" if detail and legal_sum else ""
    else:
        text = f"{year}年，{name}未收到新的政府信息公开申请"
    text += f"；上年结转政府信息公开申请{carried_over}件。" if carried_over else "，无上年结转申请。"

    if handled:
        groups: dict[str, int] = {}
        for row in fmt.REQUEST_ROWS:
            if row.kind == "result":
                group = _result_group_name(row.path[1])
                groups[group] = groups.get(group, 0) + total(row.key)
        detail = _join([f"{g}{n}件" for g, n in groups.items() if n])
        text += f"本年度共办结政府信息公开申请{handled}件" + (f"，其中{detail}" if detail else "")
    else:
        text += "本年度尚无办结的申请"
    text += f"；结转下年度继续办理{forward}件。" if forward else "；无结转下年度继续办理的申请。"
    return [text, _appeals_sentence(report)]


def _management_default(report: Report, name: str) -> list[str]:
    return [
        f"{name}严格执行政府信息公开审查制度，坚持“先审查、后公开”，拟公开的政府信息经保密审查后发布，"
        "依法保护国家秘密、商业秘密和个人隐私；对已公开的政府信息及时进行动态更新，确保公开信息准确、有效。"
    ]


def _platforms_default(report: Report, name: str) -> list[str]:
    portal = clean_line(report.preamble.portal)
    text = f"{name}依托{portal or '政府门户网站'}政府信息公开专栏发布政府信息"
    accounts = report.channels.new_media
    if accounts:
        names = _join([f"{clean_line(a.platform)}“{clean_line(a.name)}”" for a in accounts])
        text += f"，并通过{names}发布政务信息、解读政策、回应关切"
    text += "，做好平台栏目的日常维护和信息更新，确保平台安全平稳运行。"
    return [text]


def _oversight_default(report: Report, name: str) -> list[str]:
    return [
        f"{name}将政府信息公开工作纳入年度工作考核，通过政府网站等渠道接受社会评议和群众监督。"
        "本年度未发生因政府信息公开工作被责任追究的情况。"
    ]


def _problems_default(report: Report, name: str) -> list[str]:
    return [
        "一是主动公开的深度和广度还需拓展，部分信息发布的及时性有待提高；"
        "二是政策解读形式较为单一，图解、问答等通俗易懂的解读材料较少；"
        "三是政府信息公开工作人员的业务能力有待进一步提升。"
    ]


def _improvements_default(report: Report, name: str) -> list[str]:
    return [
        f"针对上述问题，{report.body.year + 1}年{name}将重点做好以下工作："
        "一是加强信息发布的统筹管理，及时更新政府信息，拓展公开的深度和广度；"
        "二是落实政策文件与解读材料同步组织、同步发布，丰富解读形式；"
        "三是加强业务培训，提升工作人员的政府信息公开工作能力。"
    ]


def _fee_paragraphs(report: Report) -> list[str]:
    given = split_paragraphs(report.other_matters.processing_fee_statement)
    if given:
        return given
    fee = report.other_matters.processing_fee_yuan
    if fee == 0:
        return ["本年度未收取政府信息公开信息处理费。"]
    return [f"本年度共收取政府信息公开信息处理费{format_decimal(fee)}元。"]


def _other_matters(report: Report, fee_paragraphs: list[str]) -> list[dict[str, Any]]:
    """Section 六: the fee statement, then the filled optional items under （一）（二）… headings.

    With the fee statement alone no sub-heading is printed (a lone “（一）” reads oddly).
    """
    items = [
        (field.label if field.key != "other" else "其他事项", paragraphs)
        for field in fmt.OTHER_FIELDS
        if (paragraphs := split_paragraphs(getattr(report.other_matters, field.key)))
    ]
    if not items:
        return [{"heading": "", "paragraphs": fee_paragraphs}]
    sections = [("信息处理费收取情况", fee_paragraphs), *items]
    return [
        {"heading": f"（{_cn(i)}）{label}", "paragraphs": paragraphs}
        for i, (label, paragraphs) in enumerate(sections, start=1)
    ]


_OVERVIEW_DEFAULTS = {
    "proactive": _proactive_default,
    "requests": _requests_default,
    "management": _management_default,
    "platforms": _platforms_default,
    "oversight": _oversight_default,
}
_IMPROVEMENT_DEFAULTS = {
    "problems": _problems_default,
    "improvements": _improvements_default,
}


# --- the context ------------------------------------------------------------------------------


def build_context(report: Report) -> dict[str, Any]:
    """Everything the Word template prints, as plain data.

    Keys (see also :data:`CONTEXT_KEYS`):

    - ``title`` (str), ``title_lines`` (list of 1–2 str), ``year`` (int),
      ``period`` (``2025年1月1日至2025年12月31日``), ``format_name`` (国办公开办函〔2021〕30号)
    - ``body``: ``name``, ``short_name`` (falls back to ``name``), ``level``, ``parent``
    - ``preamble``: list of paragraphs (generated unless the clerk wrote one)
    - ``overview``: ``intro``, ``proactive``, ``requests``, ``management``, ``platforms``,
      ``oversight`` — each a list of paragraphs
    - ``improvements``: ``problems``, ``improvements`` — lists of paragraphs
    - ``fee_statement`` (str; paragraphs joined by newlines) and ``other_matters``: list of
      ``{heading, paragraphs}`` for section 六 (``heading`` is "" when the fee statement
      stands alone)
    - ``t2``: table 二 by row key (``t2.normative_documents.in_force``, ``t2.penalties``,
      ``t2.fees_wan_yuan``); ``t3``: table 三 as ``t3.<row>.<column>``; ``t4``: table 四 as
      ``t4.<group>.<column>`` — every value a string, ``"0"`` when empty
    - ``generated``: dotted names of the narrative parts written by default
    """
    body = report.body
    name = clean_line(body.name)
    short = clean_line(body.display_short) or name
    generated: list[str] = []

    def narrative(section: str, key: str, text: str, default: Any) -> list[str]:
        paragraphs = split_paragraphs(text)
        if paragraphs or default is None:
            return paragraphs
        generated.append(f"{section}.{key}")
        return default(report, short)

    overview = {
        fmt.OVERVIEW_INTRO.key: split_paragraphs(report.overview.intro),
        **{
            f.key: narrative("overview", f.key, getattr(report.overview, f.key), _OVERVIEW_DEFAULTS[f.key])
            for f in fmt.OVERVIEW_ASPECTS
        },
    }
    improvements = {
        f.key: narrative(
            "improvements", f.key, getattr(report.improvements, f.key), _IMPROVEMENT_DEFAULTS[f.key]
        )
        for f in fmt.IMPROVEMENT_FIELDS
    }
    if not split_paragraphs(report.other_matters.processing_fee_statement):
        generated.append("other_matters.processing_fee_statement")
    fee_paragraphs = _fee_paragraphs(report)
    if not split_paragraphs(report.preamble.text):
        generated.append("preamble.text")

    title = clean_line(report.title)
    return {
        "title": title,
        "title_lines": title_lines(title),
        "year": body.year,
        "period": f"{body.year}年1月1日至{body.year}年12月31日",
        "body": {
            "name": name,
            "short_name": short,
            "level": body.level,
            "parent": clean_line(body.parent),
        },
        "format_name": fmt.FORMAT_NAME,
        "preamble": _preamble(report),
        "overview": overview,
        "improvements": improvements,
        "fee_statement": "\n".join(fee_paragraphs),
        "other_matters": _other_matters(report, fee_paragraphs),
        "t2": _table2(report),
        "t3": _table3(report),
        "t4": _table4(report),
        "generated": generated,
    }
