"""Figures stated in the staff's own text: counts, sums, years and statements of "none".

Real report text is messy (half-width punctuation, spaces around digits, Chinese numerals,
breakdowns spread over two sentences), and a false alarm on a correct report costs more
trust than a missed one. So every extractor here is deliberately narrow: it only takes a
figure when the clause leaves no doubt what it counts, and skips clauses that compare with
another year.

Readers of published reports (:mod:`gongkai.published`) and the checks both use these, so
they live outside :mod:`gongkai.checks`: a reader never imports the checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import wraps
from typing import TypeVar

_T = TypeVar("_T")

# --- shared parsing -----------------------------------------------------------------------

# Every rule reads the same few texts: inside shared_parsing() a text is normalised, split and
# masked once, not once a rule. The memo maps (function, text) to a result that depends on
# the text alone (an immutable str), so it can never be stale; it lives for one with-block.
_memo: dict[tuple[str, str], object] | None = None


@contextmanager
def shared_parsing() -> Iterator[None]:
    """Within the block, the text parsing below is done once per distinct text."""
    global _memo
    outer = _memo
    if outer is None:
        _memo = {}
    try:
        yield
    finally:
        _memo = outer


def _per_text(fn: Callable[[str], _T]) -> Callable[[str], _T]:
    name = fn.__qualname__

    @wraps(fn)
    def memoised(text: str) -> _T:
        memo = _memo
        if memo is None:
            return fn(text)
        key = (name, text)
        try:
            return memo[key]  # type: ignore[return-value]
        except KeyError:
            result = memo[key] = fn(text)
            return result

    return memoised

# --- normalisation ----------------------------------------------------------------------

# Full-width punctuation is kept (both widths separate clauses alike); digits are folded and
# spaces inside a line dropped, so "２０２４ 年" and "2024年" read the same.
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@_per_text
def normalise(text: str) -> str:
    """Text with half-width digits and no white space inside a line."""
    text = text.translate(_WIDE_DIGITS).replace("\r\n", "\n").replace("\r", "\n")
    # Drop blanks inside a line ("申请 0 件", "2025 年") but keep line breaks: paragraphs matter.
    return "\n".join(re.sub(r"[ \t\u3000\xa0]+", "", line) for line in text.split("\n"))


def paragraphs(text: str) -> list[str]:
    return list(_paragraphs(text))


@_per_text
def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p for p in normalise(text).split("\n") if p)


_SENTENCE_END = "。！？!?\n"
# 、 is not a clause end: "收到来自公民、法人或者其他组织的申请2件" is one statement.
_CLAUSE_END = "，,；;：:"


def sentences(text: str) -> list[str]:
    return list(_sentences(text))


@_per_text
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(s for s in re.split(f"[{_SENTENCE_END}]", normalise(text)) if s)


def clauses(sentence: str) -> list[str]:
    """The sentence's clauses; punctuation inside brackets does not end one.

    "部分公开（区分处理的，只计这一情形）1件" is one clause: the bracket names the part.
    """
    return list(_clauses(sentence))


@_per_text
def _clauses(sentence: str) -> tuple[str, ...]:
    masked = mask_brackets(sentence)
    found, start = [], 0
    for i, ch in enumerate(masked):
        if ch in _CLAUSE_END:
            found.append(sentence[start:i])
            start = i + 1
    found.append(sentence[start:])
    return tuple(c for c in found if c)


_OPEN, _CLOSE = "（(", "）)"
# Stands in for punctuation inside brackets: never a clause or sentence end.
_MASK = "\u2027"


def bracket_spans(text: str) -> list[tuple[int, int]]:
    """Outermost matched bracket pairs as (start, end) spans; an unclosed bracket is ignored."""
    spans, depth, opened = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            if depth == 0:
                opened = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                spans.append((opened, i + 1))
        elif ch in _SENTENCE_END and depth:
            depth = 0  # a bracket never runs past its sentence: this one was not closed
    return spans


@_per_text
def mask_brackets(text: str) -> str:
    """``text`` with clause punctuation inside brackets replaced (same length, same positions)."""
    chars = list(text)
    for start, end in bracket_spans(text):
        for i in range(start + 1, end - 1):
            if chars[i] in _CLAUSE_END:
                chars[i] = _MASK
    return "".join(chars)


# --- numbers ----------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "万"


def parse_chinese_number(text: str) -> int | None:
    """Value of a Chinese numeral such as 两, 十二, 一百零五, 三千二百; None if malformed.

    Digit runs without a multiplier ("一一", "二〇二四") are not counts and return None.
    """
    if not text or any(ch not in _CN_CHARS for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in "零〇":
            # 零 only holds a place ("一百零五"); a digit must not follow a bare digit.
            if digit is not None:
                return None
        elif ch in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:  # 万
            if section == 0 and digit is None:
                return None
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
    return total + section + (digit or 0)


def int_from_numeral(text: str) -> int | None:
    """The value of an Arabic ("12", "1,234") or Chinese ("十二") numeral in text."""
    if text[0].isdigit():
        return int(text.replace(",", ""))
    return parse_chinese_number(text)


_NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|[{_CN_CHARS}]+)"
# A count is a number directly followed by a measure word. Not a count: ordinals (第二十条),
# the tail of a longer number, and fixed phrases where the measure word is part of a word
# (一件事, 条例, 一条龙, 条线).
# 项 counts decisions ("行政许可554782项"); "第（一）项" is an ordinal.
# A numeral after 每/逐/某/同/任何/哪 picks out one item rather than counting ("确保每一份答复
#都合法", "逐一件核对", "同一件申请"): not a count either.
_COUNT = re.compile(
    rf"(?<![第\d.{_CN_CHARS}每逐某同哪])(?<!任何)(?<!第（)(?<!第\()(?P<num>{_NUMBER})(?P<unit>件|条|篇|份|宗|起|例|个|项)"
    r"(?!事|例|款|龙|线|路|街|规|目)"
)
# Counting applications or appeals uses these measure words; 条 and 篇 count posts.
CASE_UNITS = frozenset("件份宗起例")
# A count right after one of these is a difference, not a quantity ("比去年增加1件").
_DELTA_BEFORE = re.compile(r"(?:增加|减少|增长|下降|上升|多|少|增|减)了?$")


@dataclass(frozen=True)
class Count:
    value: int
    unit: str
    start: int
    end: int


def counts(text: str) -> list[Count]:
    """Every count ("75件", "两件", "709条") in ``text``, in order; differences left out."""
    found: list[Count] = []
    for m in _COUNT.finditer(text):
        # A bare 零 is the word 零件 ("parts"), never how a clerk writes "0件".
        value = None if m["num"] in ("零", "〇") else int_from_numeral(m["num"])
        if value is None or _DELTA_BEFORE.search(text[max(0, m.start() - 4) : m.start()]):
            continue
        found.append(Count(value, m["unit"], m.start(), m.end()))
    return found


# --- years ------------------------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年)")
_OTHER_YEAR_WORDS = re.compile(r"去年|上一?年(?!度?(?:结转|转结|遗留))|前年|同比|环比|比上|较上|较去")


def mentions_other_year(clause: str, years: set[int]) -> bool:
    """A clause about another year's figures ("比去年增加", "2024年收到") is not this year's."""
    if _OTHER_YEAR_WORDS.search(clause):
        return True
    return any(int(y) not in years for y in _YEAR.findall(clause))


_PERIOD = re.compile(r"((?:19|20)\d{2})年度?1月1日起?(?:至|到|—|－|-|~|～)+(?:((?:19|20)\d{2})年)?12月31日")


def statistics_periods(text: str) -> Iterator[tuple[str, list[int]]]:
    """Each "YYYY年1月1日至YYYY年12月31日" in the text: the quote and the years it names."""
    for m in _PERIOD.finditer(normalise(text)):
        yield m[0], [int(y) for y in m.groups() if y]


# A paragraph that opens with a year and then its subject ("2024年，我镇…", "2025年未收取")
# is about that year. "2024年以来", "2024年底", "2024年度考核结果" are not matched.
_OPENING_YEAR = re.compile(r"^((?:19|20)\d{2})年度?(?=[，,：:、]|我|全|本|共|未|无|各)")


def opening_years(text: str) -> Iterator[tuple[str, int]]:
    """Paragraph openings that name a year: the opening words and the year."""
    for para in paragraphs(text):
        m = _OPENING_YEAR.match(para)
        if m:
            yield para[: m.end() + 8], int(m[1])


_REPORT_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})年度?政府信息公开工作年度报告")


def titled_years(text: str) -> Iterator[tuple[str, int]]:
    """Mentions of "YYYY年政府信息公开工作年度报告" (the report itself, in the preamble)."""
    for m in _REPORT_TITLE_YEAR.finditer(normalise(text)):
        yield m[0], int(m[1])


# --- the number of parts ("共六部分") ------------------------------------------------------

_PARTS = re.compile(rf"(?<![第{_CN_CHARS}\d])(\d+|[{_CN_CHARS}]+)个?部分")


def stated_part_counts(text: str) -> Iterator[tuple[str, int]]:
    """Part counts stated about the report itself ("本报告…共六部分", "7个部分")."""
    for sentence in sentences(text):
        if "报告" not in sentence:
            continue
        for m in _PARTS.finditer(sentence):
            value = int_from_numeral(m[1])
            # "一部分" means "some", never the number of parts of a report.
            if value is not None and value >= 2:
                yield m[0], value


# --- figures about applications and appeals ---------------------------------------------


class FigureKind(StrEnum):
    """What a stated figure counts. Request and appeal figures have a short name; table 二's
    are the table's model path, so a check finds the cell by the kind's value."""

    RECEIVED = "received"
    CARRIED_OVER = "carried_over"
    CONCLUDED = "concluded"
    CARRIED_FORWARD = "carried_forward"
    REVIEW = "review"
    LITIGATION = "litigation"
    REGULATIONS_ISSUED = "proactive.regulations.issued"
    REGULATIONS_REPEALED = "proactive.regulations.repealed"
    REGULATIONS_IN_FORCE = "proactive.regulations.in_force"
    NORMATIVE_DOCUMENTS_ISSUED = "proactive.normative_documents.issued"
    NORMATIVE_DOCUMENTS_REPEALED = "proactive.normative_documents.repealed"
    NORMATIVE_DOCUMENTS_IN_FORCE = "proactive.normative_documents.in_force"
    LICENSING = "proactive.licensing"
    PENALTIES = "proactive.penalties"
    COERCIVE_MEASURES = "proactive.coercive_measures"


@dataclass(frozen=True)
class Figure:
    """A figure the text states: what it counts, the number, and the words it came from."""

    kind: FigureKind
    value: int
    quote: str
    # "收到申请75件（含上年结转1件）": the received figure includes the carried-over cases.
    includes_carried_over: bool = False


@dataclass(frozen=True)
class _FigureKind:
    kind: FigureKind
    keyword: re.Pattern[str]
    # Words that make a clause about something else (appeals, petitions, carried cases…).
    exclude: re.Pattern[str]
    # Other years the clause may name: last year for 上年结转, next year for 结转下年度.
    year_offsets: tuple[int, ...] = (0,)
    # The clause itself must name applications (the keyword alone is too common).
    needs_application: bool = False


_NOT_APPLICATIONS = (
    r"复议|诉讼|起诉|投诉|举报|信访|咨询|来电|来信|留言|诉求|建议|提案|热线|许可|审批|政务服务"
)
_NOT_APPLICATIONS_RE = re.compile(_NOT_APPLICATIONS)
_REQUEST_KINDS: tuple[_FigureKind, ...] = (
    _FigureKind(
        FigureKind.RECEIVED,
        re.compile(r"收到|受理|新收|接收|接到|收悉|依申请公开数|申请(?:公开)?总?(?:数|量)"),
        # "网上申请105件，快递17件，合计122件": a channel's share is not the year's total.
        re.compile(_NOT_APPLICATIONS + r"|结转|网上|在线|信函|邮寄|快递|当面|现场|电子邮件|传真"),
        needs_application=True,
    ),
    _FigureKind(
        FigureKind.CARRIED_OVER,
        re.compile(r"上一?年度?(?:结转|转结)|结转自?上一?年度?|上一?年度?遗留"),
        re.compile(_NOT_APPLICATIONS),
        (0, -1),
    ),
    _FigureKind(
        FigureKind.CONCLUDED,
        re.compile(r"办结|答复|办理完毕|处理完毕|回复"),
        # "另有2件顺延到下年度答复": a reply due next year is carried forward, not concluded.
        # "予以公开答复966件" counts one kind of result, not every reply.
        re.compile(
            _NOT_APPLICATIONS
            + r"|结转|转下|转入|顺延|延期|延至|延到|下一?年度?|跨年|予以公开|部分公开|不予|无法提供|其他处理"
        ),
    ),
    _FigureKind(
        FigureKind.CARRIED_FORWARD,
        re.compile(
            r"结转(?:至|到|入)?下一?年度?|转入?(?:至|到)?下一?年度?|(?:顺延|延期|延)(?:至|到)?下一?年度?"
            r"|(?:结转|顺延|延期)(?:至|到|入)?(?:19|20)\d{2}年"
        ),
        re.compile(_NOT_APPLICATIONS),
        (0, 1),
    ),
)
# Who the figure is about. "区政府办受理5件" counts one office of a government, and
# "收到法人或其他组织申请2件" one side of the applicants: neither is the body's total.
# The body itself ("我局", "本机关", "全区", its own name) is not another office.
_OTHER_OFFICE = re.compile(
    r"(?<![我本全该])(?:政府办|办公室|办公厅|部门|局(?!面)|委(?!托)|厅|街道|乡镇|各镇"
    r"|办(?=[共已]?(?:受理|收到|接收|接到|新收|办结|答复)))"
)
_PERSON_APPLICANTS = re.compile(r"公民|自然人|个人")
_ORG_APPLICANTS = re.compile(r"法人|组织|企业|机构")


# In "未收到…申请" any person named narrows it: "未收到外国人提出的申请".
_ANY_PERSON = re.compile(r"公民|自然人|个人|(?<!申请)(?<!法)人(?!民)")


def names_one_side_of_applicants(text: str, *, any_person: bool = False) -> bool:
    """The words name persons only or organisations only ("未收到法人或其他组织申请")."""
    persons = (_ANY_PERSON if any_person else _PERSON_APPLICANTS).search(text)
    return bool(persons) != bool(_ORG_APPLICANTS.search(text))


def _about_another_office(before: str, own_names: tuple[str, ...]) -> bool:
    for name in own_names:
        before = before.replace(name, "")
    return _OTHER_OFFICE.search(before) is not None


# The sentence must be about disclosure applications unless the field is (二)依申请公开.
REQUEST_CONTEXT = re.compile(r"依申请|公开申请|申请公开|信息公开申请|政府信息公开")
# "收到申请75件（含上年结转1件）": the received figure then counts the carried-over cases too.
_INCLUDES_CARRIED = re.compile(r"[（(]?(?:含|包括|包含)[^，,；;。]{0,4}上一?年度?结转[^，,；;。）)]*[）)]?")
# Within this many characters a count before its keyword still belongs to it ("1件结转下年度").
_BEFORE_WINDOW = 8


def _count_near(clause: str, keyword: re.Match[str], units: frozenset[str]) -> Count | None:
    """The count a keyword governs: the first after it, else one just before it."""
    cases = [c for c in counts(clause) if c.unit in units]
    after = [c for c in cases if c.start >= keyword.end()]
    if after:
        return after[0]
    before = [c for c in cases if c.end <= keyword.start() and keyword.start() - c.end <= _BEFORE_WINDOW]
    return before[-1] if before else None


def request_figures(
    text: str, year: int, *, in_requests_section: bool, own_names: tuple[str, ...] = ()
) -> list[Figure]:
    """Application figures: received (RN-1), carried over (RN-2), concluded (RN-3), forwarded (RN-4).

    ``own_names`` are the body's names: a clause whose subject is the body itself counts.
    """
    figures: list[Figure] = []
    names = tuple(sorted((n for n in own_names if n), key=len, reverse=True))
    for sentence in sentences(text):
        if not in_requests_section and not REQUEST_CONTEXT.search(sentence):
            continue
        in_list = False
        for clause, ends_group in _clauses_with_ends(sentence):
            # "答复1453件。其中，予以公开答复966件，…；": a part of a breakdown is not a total.
            in_list = in_list or clause.startswith("其中")
            if not in_list:
                figures.extend(_clause_request_figures(clause, year, names))
            in_list = in_list and not ends_group
    return figures


def _clauses_with_ends(sentence: str) -> Iterator[tuple[str, bool]]:
    """Each clause and whether a ； ends it (a breakdown list ends there)."""
    masked = mask_brackets(sentence)
    start = 0
    for i, ch in enumerate(masked + "。"):
        if ch in _CLAUSE_END or i == len(masked):
            if i > start:
                yield sentence[start:i], ch in "；;" or i == len(masked)
            start = i + 1


def _clause_request_figures(clause: str, year: int, own_names: tuple[str, ...] = ()) -> Iterator[Figure]:
    note = _INCLUDES_CARRIED.search(clause)
    # One count answers one keyword: in "收到并答复申请18件" or "上年结转1件已办结" the count
    # belongs to the first figure, and the second states no number of its own.
    claimed: set[int] = set()
    for spec in _REQUEST_KINDS:
        # The "（含上年结转1件）" note belongs to the received figure, not against it; blank it
        # out (keeping positions, so counts can be claimed by place).
        text = _INCLUDES_CARRIED.sub(lambda m: "※" * len(m[0]), clause) if spec.kind is FigureKind.RECEIVED else clause
        keyword = spec.keyword.search(text)
        if keyword is None or spec.exclude.search(text):
            continue
        if spec.needs_application and "申请" not in text:
            continue
        # The keyword itself ("结转自上一年度") names the year it is about; the rest may not.
        rest = text[: keyword.start()] + "※" * len(keyword[0]) + text[keyword.end() :]
        years = {year + k for k in spec.year_offsets}
        if mentions_other_year(rest, years) or any(int(y) not in years for y in _YEAR.findall(keyword[0])):
            continue
        if _about_another_office(text[: keyword.end()], own_names):
            continue
        if spec.kind is FigureKind.RECEIVED and names_one_side_of_applicants(text):
            continue
        count = _count_near(text, keyword, CASE_UNITS)
        if count is None:
            continue
        if count.start in claimed:
            continue
        claimed.add(count.start)
        yield Figure(spec.kind, count.value, clause, spec.kind is FigureKind.RECEIVED and note is not None)


# A clause about appeal results ("未发生被复议纠错的情况") says nothing about their number.
_APPEAL_RESULT_WORDS = re.compile(r"纠错|纠正|败诉|胜诉|撤销|维持|确认违法|驳回")
_REVIEW = re.compile(r"复议")
_LITIGATION = re.compile(r"诉讼|起诉")
_NONE_APPEALS = re.compile(
    r"(?:未发生|未收到|未出现|未产生|未有|没有发生|没有收到|没有|无(?!论))[^，,；;。]{0,30}?(?:复议|诉讼|起诉)[^，,；;。]*"
)
APPEAL_CONTEXT = re.compile(r"政府信息公开|信息公开|依申请")


def appeal_figures(text: str, year: int, *, in_requests_section: bool) -> list[Figure]:
    """Appeal figures (RN-6): kinds "review" and "litigation", value 0 for a stated "none"."""
    figures: list[Figure] = []
    for sentence in sentences(text):
        if not in_requests_section and not APPEAL_CONTEXT.search(sentence):
            continue
        for clause in clauses(sentence):
            if mentions_other_year(clause, {year}) or _APPEAL_RESULT_WORDS.search(clause):
                continue
            figures.extend(_stated_none(clause) or _stated_counts(clause))
    return figures


def _stated_none(clause: str) -> list[Figure]:
    m = _NONE_APPEALS.search(clause)
    if m is None:
        return []
    found: list[Figure] = []
    if _REVIEW.search(m[0]):
        found.append(Figure(FigureKind.REVIEW, 0, clause))
    if _LITIGATION.search(m[0].replace("复议后起诉", "")):
        found.append(Figure(FigureKind.LITIGATION, 0, clause))
    return found


def _stated_counts(clause: str) -> Iterator[Figure]:
    # "行政诉讼案件1件、行政复议案件2件": each 、-part names one kind; a part naming both is
    # ambiguous ("行政复议和行政诉讼1件") and skipped.
    for part in clause.split("、"):
        review, litigation = _REVIEW.search(part), _LITIGATION.search(part)
        if bool(review) == bool(litigation):
            continue
        keyword = review or litigation
        assert keyword is not None
        cases = [c for c in counts(part) if c.unit in CASE_UNITS and c.start >= keyword.end()]
        if cases:
            yield Figure(FigureKind.REVIEW if review else FigureKind.LITIGATION, cases[0].value, part)


# --- "no applications" ------------------------------------------------------------------

_NO_APPLICATIONS = re.compile(
    r"(?:未|没有|尚未)(?:收到|接到|受理|接收)[^，,；;。]{0,40}?申请|零申请|无[^，,；;。]{0,8}?(?:依申请公开|公开申请)"
)


def states_no_applications(text: str, year: int) -> str | None:
    """The clause saying no application was received ("未收到…申请", "零申请"), if any."""
    for sentence in sentences(text):
        for clause in clauses(sentence):
            m = _NO_APPLICATIONS.search(clause)
            if m is None or _NOT_APPLICATIONS_RE.search(clause) or mentions_other_year(clause, {year}):
                continue
            # "未收到法人或其他组织…申请" leaves open that persons applied.
            if names_one_side_of_applicants(m[0], any_person=True):
                continue
            return clause
    return None


# --- stated sums ("709条，其中…69条…640条") ------------------------------------------------


@dataclass(frozen=True)
class StatedSum:
    total: int
    parts: tuple[int, ...]
    unit: str
    quote: str

    @property
    def disagrees(self) -> bool:
        parts = sum(self.parts)
        if parts > self.total:
            return True  # parts can never exceed their total
        # One part alone is an example ("收到2件，其中1件予以公开"), and parts far below the
        # total are a selection ("信息3659条，其中政策文件352条、新闻854条…"); a breakdown
        # meant to be complete falls short only by a slip.
        return len(self.parts) >= 2 and parts < self.total and parts >= SELECTION_SHARE * self.total


_SUM_UNITS = frozenset("条篇件个")
# Parts covering less than this share of their total are a selection, not a breakdown.
SELECTION_SHARE = 0.8
_BREAKDOWN = re.compile(r"其中|包括|包含|分别为")
_BREAKDOWN_OR_NOTE = re.compile(r"其中|包括|包含|分别为|含")
# "主要包括…", "…等" announce a selection, not a complete breakdown.
_SELECTION_BEFORE = re.compile(r"(?:主要|重点|部分)$")
_SELECTION_AFTER = re.compile(r"等[^，,；;。、]{0,4}$")
_ASIDE = re.compile(r"[，,；;](?:另有|另外|此外|同时|还有|另)")


def stated_sums(text: str) -> list[StatedSum]:
    """Sums the text states with their parts, both levels of "709条…其中69条（包括4条…）、640条"."""
    found: list[StatedSum] = []
    for para in paragraphs(text):
        found.extend(_paragraph_sums(para))
    return found


def _paragraph_sums(para: str) -> Iterator[StatedSum]:
    # Punctuation inside brackets ("部分公开（区分处理的，只计这一情形）3件") ends nothing.
    masked = mask_brackets(para)
    brackets = bracket_spans(para)
    all_counts = [c for c in counts(para) if c.unit in _SUM_UNITS]
    for marker in _BREAKDOWN.finditer(para):
        if _SELECTION_BEFORE.search(para[: marker.start()]):
            continue
        nested = marker[0] != "其中"
        # A nested list ("包括…") runs to the end of its ；-clause; a 其中 list too, unless
        # that ； closes a nested list inside it ("其中，网站69条，包括…52条；公众号640条").
        end = _find_any(masked, "；;。！？!?", marker.end())
        if not nested:
            end = _list_end(masked, marker.end())
        # "…其他1件；另有上年结转申请2件": a clause starting 另有/此外 is outside the list.
        aside = _ASIDE.search(masked, marker.end(), end)
        end = aside.start() if aside else end
        # The total is the last count before the marker: in the same clause group for a
        # nested list; in the same sentence, else the previous one, for 其中 ("709条…。其中，…").
        stop = "；;。！？!?" if nested else "。！？!?"
        start = _rfind_any(masked, stop, marker.start())
        if not nested and not any(start < c.start and c.end <= marker.start() for c in all_counts):
            start = _rfind_any(masked, stop, start) if start >= 0 else start
        before = [c for c in all_counts if start < c.start and c.end <= marker.start()]
        # A count inside brackets is a note on its neighbour, not the list's total.
        before = [c for c in before if not _inside(c.start, brackets)]
        if not before:
            continue
        total = before[-1]
        if _shares_its_clause(masked, total, all_counts):
            continue
        # "答复120件，包括上年结转6件。其中…": a count that is itself a part of an earlier
        # breakdown in its ；-clause is not what the 其中 list breaks down.
        if not nested and _BREAKDOWN_OR_NOTE.search(
            masked, _rfind_any(masked, "；;。！？!?", total.start) + 1, total.start
        ):
            continue
        inner = [] if nested else _nested_spans(masked, marker.end(), end)
        # A count in brackets inside the list ("予以公开10件（含网上申请2件）") is a note on a part.
        notes = [(a, b) for a, b in brackets if not a <= marker.start() < b]
        parts = [
            c
            for c in all_counts
            if marker.end() <= c.start < end
            and c.unit == total.unit
            and not any(x <= c.start < y for x, y in (*inner, *notes))
        ]
        parts = _same_subject(masked, total, parts)
        if not parts:
            continue
        tail = para[parts[-1].end : _find_any(masked, "，,；;。！？!?、", parts[-1].end)]
        if _SELECTION_AFTER.search(tail):
            continue
        yield StatedSum(total.value, tuple(p.value for p in parts), total.unit, para[total.start : end])


def _list_end(masked: str, start: int) -> int:
    """Where a 其中 list starting at ``start`` ends: the sentence end or a ； that ends it."""
    sentence_end = _find_any(masked, "。！？!?", start)
    clause_start = start
    while True:
        semicolon = _find_any(masked, "；;", clause_start)
        if semicolon >= sentence_end:
            return sentence_end
        if not re.search(r"包括|包含|分别为", masked[clause_start:semicolon]):
            return semicolon
        clause_start = semicolon + 1


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < position < b for a, b in spans)


# What a count is about, where a list can run into the next subject: a 复议 breakdown
# followed by the 诉讼 one, posts followed by complaints or messages.
_SUBJECTS: dict[str, re.Pattern[str]] = {
    "review": re.compile(r"复议"),
    "litigation": re.compile(r"诉讼|起诉"),
    "interaction": re.compile(r"投诉|举报|咨询|留言|信访|诉求|来电|来信|意见建议|建议|提案|评论|回复"),
}


def _segment(masked: str, count: Count) -> str:
    """The ，、；-delimited words a count stands in."""
    seps = "，,；;。！？!?、"
    return masked[_rfind_any(masked, seps, count.start) + 1 : _find_any(masked, seps, count.end)]


def _subjects(words: str) -> set[str]:
    return {name for name, pattern in _SUBJECTS.items() if pattern.search(words)}


def _same_subject(masked: str, total: Count, parts: list[Count]) -> list[Count]:
    """The parts up to the first one about another subject than the total's."""
    own = _subjects(_segment(masked, total))
    kept: list[Count] = []
    for part in parts:
        if _subjects(_segment(masked, part)) - own:
            break
        kept.append(part)
    return kept


def _shares_its_clause(masked: str, total: Count, all_counts: list[Count]) -> bool:
    """With two counts side by side ("复议5件、诉讼2件，其中…") the list's total is unclear."""
    start = _rfind_any(masked, "，,；;。！？!?", total.start)
    end = _find_any(masked, "，,；;。！？!?", total.end)
    return sum(1 for c in all_counts if start < c.start < end and c.unit == total.unit) > 1


def _nested_spans(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of "包括…" lists inside a 其中 list; their counts belong to the nested sum."""
    spans = []
    for m in re.finditer(r"包括|包含|分别为", masked[start:end]):
        a = start + m.start()
        spans.append((a, _find_any(masked, "；;。！？!?", a)))
    return spans


def _find_any(text: str, chars: str, start: int) -> int:
    positions = [i for i in (text.find(ch, start) for ch in chars) if i >= 0]
    return min(positions) if positions else len(text)


def _rfind_any(text: str, chars: str, end: int) -> int:
    return max(text.rfind(ch, 0, end) for ch in chars)


# --- 信息处理费 ----------------------------------------------------------------------------

_NO_FEE = re.compile(
    r"(?:未|无|没有|不|免)(?:收取|收|产生|发生|发出|征收)[^，,；;。]{0,12}?(?:处理费|收费|费用)|零收费|不收费|免收费"
)
_FEE_AMOUNT = re.compile(r"(?:处理费|收费)[^，,；;。]{0,10}?(\d+(?:\.\d+)?)(万)?元")


def states_no_fee(text: str) -> str | None:
    """The words saying no 信息处理费 was charged or noticed, if the text says so."""
    norm = normalise(text)
    m = _NO_FEE.search(norm)
    if m:
        return m[0]
    amount = _FEE_AMOUNT.search(norm)
    if amount and Decimal(amount[1]) == 0:
        return amount[0]
    return None


def stated_fee_yuan(text: str) -> tuple[str, Decimal] | None:
    """The 信息处理费 amount the text states: the words and the amount in 元."""
    m = _FEE_AMOUNT.search(normalise(text))
    if m is None:
        return None
    return m[0], Decimal(m[1]) * (10000 if m[2] else 1)


def mentions_fee(text: str) -> bool:
    """The text says something about the 信息处理费 ("未收取任何费用" is such a statement)."""
    return "处理费" in normalise(text) or states_no_fee(text) is not None


# --- table 二 figures in the text (RN-12) --------------------------------------------------

# Which document a clause is about; "规章制度" are internal rules, not 规章.
_DOCUMENT_SUBJECTS: dict[str, re.Pattern[str]] = {
    "regulations": re.compile(r"规章(?!制度)"),
    "normative_documents": re.compile(r"规范性文件"),
}
_DOCUMENT_FIELDS: dict[str, re.Pattern[str]] = {
    "issued": re.compile(r"制发|印发|出台|制定"),
    "repealed": re.compile(r"废止"),
    "in_force": re.compile(r"现行有效"),
}
_DECISION_SUBJECTS: dict[str, re.Pattern[str]] = {
    "licensing": re.compile(r"行政许可"),
    "penalties": re.compile(r"行政处罚"),
    "coercive_measures": re.compile(r"行政强制"),
}
_OTHER_DOCUMENTS = re.compile(r"文件|公文|通知|方案|办法|意见|政策|制度|计划|规定|细则")
DOCUMENT_UNITS = frozenset("件份个部")
DECISION_UNITS = frozenset("件项宗起个例")
# A figure for several years, a plan, or something else about the subject (its posts,
# catalogue items, applications, appeals) is not the table's figure for the year.
_NOT_THIS_YEARS_DOCUMENTS = re.compile(r"累计|历年|以来|拟|计划|将|征求意见|草案|解读|备案")
_NOT_DECISIONS = re.compile(
    r"信息|公示|公开|清单|事项|目录|复议|诉讼|申请|受理|咨询|听证|培训|累计|历年|以来|计划|拟"
    r"|不予|免予|减轻|从轻|首违"
)
# A segment of a clause: bracket notes and 、-lists are split too ("13件（现行有效8件，废止5件）").
_SEGMENT_END = "，,；;：:、（）()"
_RESPECTIVELY = re.compile(r"分别(?:为|是)?")


def table_two_figures(text: str, year: int, own_names: tuple[str, ...] = ()) -> list[Figure]:
    """Figures the text states for table 二: kind is the table's path ("proactive.licensing").

    Documents (制发/废止/现行有效 of 规章 or 行政规范性文件) and decisions (行政许可/处罚/强制).
    A 现行有效 figure inside a breakdown ("转换13件（现行有效8件…）") is the status of those
    documents, not the stock, and is left out; a repeal is a repeal this year wherever stated.
    """
    figures: list[Figure] = []
    names = tuple(sorted((n for n in own_names if n), key=len, reverse=True))
    for sentence in sentences(text):
        figures.extend(_document_figures(sentence, year, names))
        figures.extend(_decision_figures(sentence, year, names))
    return figures


def _segments(sentence: str) -> Iterator[tuple[int, str]]:
    start = 0
    for i, ch in enumerate(sentence + "。"):
        if ch in _SEGMENT_END or i == len(sentence):
            if i > start:
                yield start, sentence[start:i]
            start = i + 1


def _document_figures(sentence: str, year: int, own_names: tuple[str, ...]) -> Iterator[Figure]:
    mentions = sorted(
        (m.start(), key) for key, pattern in _DOCUMENT_SUBJECTS.items() for m in pattern.finditer(sentence)
    )
    if not mentions:
        return
    brackets = bracket_spans(sentence)
    for start, segment in _segments(sentence):
        if _NOT_THIS_YEARS_DOCUMENTS.search(segment) or mentions_other_year(segment, {year}):
            continue
        named = {key for key, pattern in _DOCUMENT_SUBJECTS.items() if pattern.search(segment)}
        if len(named) > 1:
            continue  # "规章和规范性文件5件": which one is unclear
        earlier = [(pos, key) for pos, key in mentions if pos < start + len(segment)]
        subject = next(iter(named)) if named else (earlier[-1][1] if earlier else None)
        # Whose documents: the words from the subject's clause up to the figure.
        clause_start = _rfind_any(mask_brackets(sentence), _CLAUSE_END, earlier[-1][0] if earlier else start)
        whose = sentence[clause_start + 1 : start + len(segment)]
        # "加强规范性文件管理，印发各类文件12件": a segment naming other documents is about them.
        if subject is None or (not named and _OTHER_DOCUMENTS.search(segment)):
            continue
        for field, pattern in _DOCUMENT_FIELDS.items():
            keyword = pattern.search(segment)
            if keyword is None:
                continue
            if field == "in_force" and _in_breakdown(sentence, start, brackets):
                continue
            if _about_another_office(whose, own_names):
                continue  # "区司法局清理规范性文件…废止3件": one office's documents
            count = _count_near(segment, keyword, DOCUMENT_UNITS)
            if count is not None:
                yield Figure(FigureKind(f"proactive.{subject}.{field}"), count.value, _clause_around(sentence, start))
                break


def _in_breakdown(sentence: str, start: int, brackets: list[tuple[int, int]]) -> bool:
    """The segment at ``start`` is a part of another count's breakdown (in brackets or after 其中/含)."""
    if _inside(start, brackets):
        return True
    clause_start = _rfind_any(mask_brackets(sentence), _CLAUSE_END, start) + 1
    return re.search(r"其中|含|包括", sentence[clause_start:start]) is not None


def _clause_around(sentence: str, start: int) -> str:
    masked = mask_brackets(sentence)
    return sentence[_rfind_any(masked, _CLAUSE_END, start) + 1 : _find_any(masked, _CLAUSE_END, start)]


def _decision_figures(sentence: str, year: int, own_names: tuple[str, ...]) -> Iterator[Figure]:
    for clause in clauses(sentence):
        if _NOT_DECISIONS.search(clause) or mentions_other_year(clause, {year}):
            continue
        if _about_another_office(clause, own_names):
            continue  # "区市场监管局作出行政处罚决定300件": one office's decisions
        respectively = _RESPECTIVELY.search(clause)
        if respectively:
            yield from _respective_decisions(clause, respectively)
            continue
        for part in clause.split("、"):
            named = [(m, key) for key, p in _DECISION_SUBJECTS.items() if (m := p.search(part))]
            if len(named) != 1:
                continue  # none, or "行政许可和行政处罚共30件": whose count is unclear
            keyword, key = named[0]
            cases = [c for c in counts(part) if c.unit in DECISION_UNITS and c.start >= keyword.end()]
            if cases:
                yield Figure(FigureKind(f"proactive.{key}"), cases[0].value, clause)


def _respective_decisions(clause: str, respectively: re.Match[str]) -> Iterator[Figure]:
    """The n-th count is the n-th subject's: "行政许可、行政处罚、行政强制决定分别为5项、3项和1项"."""
    head, tail = clause[: respectively.start()], clause[respectively.end() :]
    named = sorted((m.start(), key) for key, p in _DECISION_SUBJECTS.items() for m in p.finditer(head))
    values = [c for c in counts(tail) if c.unit in DECISION_UNITS]
    if len(named) != len(values) or len({key for _, key in named}) != len(named):
        return
    for (_, key), count in zip(named, values, strict=True):
        yield Figure(FigureKind(f"proactive.{key}"), count.value, clause)


# --- the requests balance in words (RN-13) -------------------------------------------------

# "均已办结", "全部按时答复", "办结率100%": nothing is left for next year.
_ALL_CONCLUDED = re.compile(
    r"(?:均|全部|都)(?:已|已经)?(?:按时|依法|按期|在法定期限内)?(?:予以)?(?:办结|答复|办理完毕)|办结率(?:为|达|达到)?100%"
)


def states_all_concluded(text: str) -> str | None:
    """The clause saying every application was concluded, if the text says so."""
    for sentence in sentences(text):
        if not REQUEST_CONTEXT.search(sentence) and "申请" not in sentence:
            continue
        for clause in clauses(sentence):
            if _ALL_CONCLUDED.search(clause) and not _NOT_APPLICATIONS_RE.search(clause):
                return clause
    return None
