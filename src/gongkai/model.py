"""One pydantic model of the whole report.

Tables are generated from :mod:`gongkai.format`, so their field names are exactly the
canonical keys of the spec. A table total is ``None`` when it is to be computed from its
parts and an int when it was *declared* (typed by staff or printed in a published report);
the checks compare declared totals with their parts, so the difference is kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, create_model, model_validator

from . import format as fmt
from .workbook import history

NonNegInt = Annotated[int, Field(ge=0)]
DeclaredTotal = Annotated[int | None, Field(ge=0)]
Money = Annotated[Decimal, Field(ge=0)]

LAYOUT_VERSION = history.current_version()
"""Version of the report model and of the standard workbook's layout (see :mod:`.workbook.history`)."""
# A JSON export of any recorded layout reads: its figures are keyed, so a row added since
# only takes its default.
FormatVersion = Literal[history.versions()]  # type: ignore[valid-type]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# --- table 二 ---------------------------------------------------------------------------


# The three figures of a 规章/规范性文件 row, titled by the columns of their block.
_DOCUMENT_TITLES = dict(zip(fmt.DOCUMENT_FIELDS, fmt.PROACTIVE_BLOCKS[0].columns[1:], strict=True))
DocumentCounts = create_model(  # type: ignore[call-overload]
    "DocumentCounts",
    __base__=_Model,
    **{f: (NonNegInt, Field(0, title=_DOCUMENT_TITLES[f])) for f in fmt.DOCUMENT_FIELDS},
)


def _proactive_field(row: fmt.ProactiveRow) -> tuple[Any, Any]:
    if row.fields:
        return DocumentCounts, Field(default_factory=DocumentCounts, title=row.label)  # type: ignore[valid-type]
    if row.decimal:
        return Money, Field(Decimal(0), title=row.label)
    return NonNegInt, Field(0, title=row.label)


Proactive = create_model(  # type: ignore[call-overload]
    "Proactive",
    __base__=_Model,
    **{row.key: _proactive_field(row) for block in fmt.PROACTIVE_BLOCKS for row in block.rows},
)
Proactive.__doc__ = "表二：主动公开政府信息情况"

# --- table 三 ---------------------------------------------------------------------------


def _count_fields(columns: tuple[fmt.Column, ...], kind: Any, default: Any) -> dict[str, Any]:
    return {c.key: (kind, Field(default, title=c.label)) for c in columns}


class _CountedRow(_Model):
    """A table row of non-negative counts and a 总计 that is declared (an int) or computed
    (``None``); ``value("total")`` is what the table prints either way."""

    part_columns: ClassVar[tuple[fmt.Column, ...]] = ()

    def parts_sum(self) -> int:
        return sum(getattr(self, c.key) for c in self.part_columns)

    def value(self, column: str) -> int:
        if column == "total":
            total = getattr(self, "total")  # noqa: B009 - the field is made by create_model
            return total if total is not None else self.parts_sum()
        return int(getattr(self, column))


def _counted_row(name: str, parts: tuple[fmt.Column, ...], doc: str) -> Any:
    model = create_model(  # type: ignore[call-overload]
        name,
        __base__=_CountedRow,
        __doc__=doc,
        __module__=__name__,
        **_count_fields(parts, NonNegInt, 0),
        total=(DeclaredTotal, Field(None, title="总计（null 表示由各项相加）")),
    )
    model.part_columns = parts
    return model


RequestCounts = _counted_row(
    "RequestCounts", fmt.REQUEST_PART_COLUMNS, "One row of table 三: six applicant columns and a 总计."
)

ResultsTotal = create_model(  # type: ignore[call-overload]
    "ResultsTotal",
    __base__=_Model,
    __doc__="（七）总计: every cell declared or null (computed from the result rows).",
    **_count_fields(fmt.REQUEST_COLUMNS, DeclaredTotal, None),
)


def _request_field(row: fmt.RequestRow) -> tuple[Any, Any]:
    kind = ResultsTotal if row.kind == "results_total" else RequestCounts
    return kind, Field(default_factory=kind, title=row.full_label)


Requests = create_model(  # type: ignore[call-overload]
    "Requests",
    __base__=_Model,
    __doc__="表三：收到和处理政府信息公开申请情况",
    **{row.key: _request_field(row) for row in fmt.REQUEST_ROWS},
)


def request_value(requests: Any, row: str, column: str) -> int:
    """The number table 三 prints at (row, column), computing what was not declared."""
    if fmt.REQUEST_ROW_BY_KEY[row].kind != "results_total":
        return getattr(requests, row).value(column)
    declared = getattr(requests.results_total, column)
    if declared is not None:
        return declared
    if column == "total":
        return sum(request_value(requests, "results_total", c.key) for c in fmt.REQUEST_PART_COLUMNS)
    return sum(getattr(requests, key).value(column) for key in fmt.RESULT_ROW_KEYS)


def request_table(requests: Any) -> dict[str, dict[str, int]]:
    """Every number table 三 prints, by row and column: :func:`request_value` of each cell,
    computed in one pass (（七）总计 adds up the result rows once, not once a cell)."""
    rows = {
        row.key: {c.key: getattr(requests, row.key).value(c.key) for c in fmt.REQUEST_COLUMNS}
        for row in fmt.REQUEST_ROWS
        if row.kind != "results_total"
    }
    declared = requests.results_total
    totals: dict[str, int] = {}
    for c in fmt.REQUEST_PART_COLUMNS:
        value = getattr(declared, c.key)
        totals[c.key] = value if value is not None else sum(rows[key][c.key] for key in fmt.RESULT_ROW_KEYS)
    value = declared.total
    totals["total"] = value if value is not None else sum(totals[c.key] for c in fmt.REQUEST_PART_COLUMNS)
    return {
        row.key: rows[row.key] if row.kind != "results_total" else {c.key: totals[c.key] for c in fmt.REQUEST_COLUMNS}
        for row in fmt.REQUEST_ROWS
    }


# --- table 四 ---------------------------------------------------------------------------

AppealCounts = _counted_row(
    "AppealCounts", fmt.APPEAL_PART_COLUMNS, "One group of table 四: four results and a 总计."
)


Appeals = create_model(  # type: ignore[call-overload]
    "Appeals",
    __base__=_Model,
    __doc__="表四：政府信息公开行政复议、行政诉讼情况",
    **{
        g.key: (AppealCounts, Field(default_factory=AppealCounts, title=g.full_label))
        for g in fmt.APPEAL_GROUPS
    },
)

# --- body, preamble, narrative ------------------------------------------------------------


class Body(_Model):
    name: str = Field(..., min_length=1, title="机关全称", examples=["大峪镇人民政府"])
    short_name: str = Field("", title="简称", examples=["大峪镇"])
    level: Literal[fmt.LEVELS] = Field("乡镇", title="层级")  # type: ignore[valid-type]
    parent: str = Field("", title="所属县（市、区）或上级机关")
    year: int = Field(..., ge=2008, le=2100, title="报告年度")

    @property
    def display_short(self) -> str:
        return self.short_name or self.name

    @property
    def is_township(self) -> bool:
        return self.level in fmt.TOWNSHIP_LEVELS

    @property
    def makes_regulations(self) -> bool:
        """A provincial or 设区的市 government: 规章 in force are its normal business."""
        return self.level in fmt.REGULATION_LEVELS


class Preamble(_Model):
    """The optional opening paragraph's facts (who to contact, where to read it)."""

    portal: str = Field("", title="全文查阅网站")
    contact: str = Field("", title="联系单位")
    address: str = Field("", title="联系地址")
    postcode: str = Field("", title="邮编")
    phone: str = Field("", title="联系电话")
    text: str = Field("", title="开头说明（填写则替代自动生成的开头段落）")


def _narrative_fields(fields: tuple[fmt.NarrativeField, ...]) -> dict[str, Any]:
    return {f.key: (str, Field("", title=f.label, description=f.hint)) for f in fields}


Overview = create_model(  # type: ignore[call-overload]
    "Overview",
    __base__=_Model,
    __doc__="一、总体情况：开篇概述和五个方面",
    **_narrative_fields((fmt.OVERVIEW_INTRO, *fmt.OVERVIEW_ASPECTS)),
)

Improvements = create_model(  # type: ignore[call-overload]
    "Improvements",
    __base__=_Model,
    __doc__="五、存在的主要问题及改进情况",
    **_narrative_fields(fmt.IMPROVEMENT_FIELDS),
)


class OtherMatters(
    create_model("_OtherBase", __base__=_Model, **_narrative_fields(fmt.OTHER_FIELDS))  # type: ignore[call-overload, misc]
):
    """六、其他需要报告的事项."""

    processing_fee_yuan: Money = Field(Decimal(0), title="本年收取信息处理费（元）")
    processing_fee_statement: str = Field(
        "", title="信息处理费情况说明（不填则按金额自动生成）"
    )


class WebsiteItem(_Model):
    label: str = Field(..., min_length=1, title="类别")
    count: NonNegInt = Field(0, title="条数")


class NewMediaAccount(_Model):
    name: str = Field(..., min_length=1, title="账号名称")
    platform: str = Field("", title="平台（微信公众号、微博、抖音等）")
    posts: NonNegInt = Field(0, title="本年发布条数")


class Channels(_Model):
    """The disclosure channels behind section 一's figures."""

    website_posts: DeclaredTotal = Field(None, title="政府网站发布信息条数（null 表示按分类相加）")
    website_breakdown: list[WebsiteItem] = Field(default_factory=list, title="政府网站发布信息分类")
    new_media: list[NewMediaAccount] = Field(default_factory=list, title="政务新媒体账号")

    def website_total(self) -> int:
        if self.website_posts is not None:
            return self.website_posts
        return sum(i.count for i in self.website_breakdown)

    def new_media_total(self) -> int:
        return sum(a.posts for a in self.new_media)

    def total(self) -> int:
        return self.website_total() + self.new_media_total()


class LastYear(_Model):
    """上年数据: last year's facts the cross-year rules need (R3-4, R2-2, R2-3, RN-10).

    ``gongkai init --previous`` carries them into this year's workbook, so a county batch can
    run the cross-year rules without last year's files. ``None`` means not known: the rule
    that needs it is skipped rather than compared with 0.
    """

    year: int | None = Field(None, ge=2008, le=2100, title="上年年度")
    normative_documents_in_force: DeclaredTotal = Field(None, title="上年行政规范性文件现行有效件数")
    carried_forward: ResultsTotal = Field(  # type: ignore[valid-type]
        default_factory=ResultsTotal, title="上年“四、结转下年度继续办理”"
    )
    improvements: Improvements = Field(default_factory=Improvements)  # type: ignore[valid-type]
    other_matters: OtherMatters = Field(default_factory=OtherMatters)

    @classmethod
    def from_report(cls, report: Report) -> LastYear:
        return cls(
            year=report.body.year,
            normative_documents_in_force=report.proactive.normative_documents.in_force,
            carried_forward={c.key: report.request("carried_forward", c.key) for c in fmt.REQUEST_COLUMNS},
            improvements=report.improvements.model_copy(),
            # The fee statement repeats by nature (RN-10 skips it), so it is not carried.
            other_matters=OtherMatters(**{f.key: getattr(report.other_matters, f.key) for f in fmt.OTHER_FIELDS}),
        )

    def is_empty(self) -> bool:
        return self == LastYear()


# --- provenance ---------------------------------------------------------------------------


class Provenance:
    """Where each value came from; never serialised, used to locate findings."""

    def __init__(self, source: str = "") -> None:
        self.source = source
        self.cells: dict[str, str] = {}  # canonical path -> "sheet!A1"
        self.labels: dict[str, str] = {}  # canonical path -> human label
        self.blank: list[str] = []  # numeric paths left blank (read as 0)
        self.findings: list[Any] = []  # reader findings (R0-1 and friends)
        # Paths a published report never printed (a missing table or row): their model
        # values are placeholders, so findings that depend on them are not reported.
        self.unprinted: set[str] = set()
        # Paths a published report printed no cell for but whose value is certain (an undivided
        # （六） row of zeros: each of its rows is 0): read as that value and checked.
        self.inferred: set[str] = set()

    def locate(self, path: str) -> str:
        return self.cells.get(path, "")


class Report(_Model):
    """一份政府信息公开工作年度报告."""

    format_version: FormatVersion = Field(LAYOUT_VERSION, title="数据格式版本")
    body: Body
    preamble: Preamble = Field(default_factory=Preamble)
    overview: Overview = Field(default_factory=Overview)  # type: ignore[valid-type]
    channels: Channels = Field(default_factory=Channels)
    proactive: Proactive = Field(default_factory=Proactive)  # type: ignore[valid-type]
    requests: Requests = Field(default_factory=Requests)  # type: ignore[valid-type]
    appeals: Appeals = Field(default_factory=Appeals)  # type: ignore[valid-type]
    improvements: Improvements = Field(default_factory=Improvements)  # type: ignore[valid-type]
    other_matters: OtherMatters = Field(default_factory=OtherMatters)
    last_year: LastYear | None = Field(None, title="上年数据（跨年度核对用）")

    _provenance: Provenance = PrivateAttr(default_factory=Provenance)

    @model_validator(mode="after")
    def _no_empty_last_year(self) -> Report:
        # An empty 上年数据 sheet and no sheet at all mean the same: nothing is known.
        if self.last_year is not None and self.last_year.is_empty():
            self.last_year = None
        return self

    def __eq__(self, other: object) -> bool:
        # Provenance is where the data came from, not part of the report: two reports with
        # the same figures and text are equal whichever file they were read from.
        return type(other) is type(self) and self.__dict__ == other.__dict__  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]

    @property
    def provenance(self) -> Provenance:
        return self._provenance

    def request(self, row: str, column: str) -> int:
        return request_value(self.requests, row, column)

    def request_table(self) -> dict[str, dict[str, int]]:
        """Table 三 as printed (see :func:`request_table`); computed afresh at each call."""
        return request_table(self.requests)

    def previous_year(self, previous: Report | None = None) -> LastYear | None:
        """Last year's facts: from last year's report when given, else those carried in."""
        return LastYear.from_report(previous) if previous is not None else self.last_year

    def appeal(self, group: str, column: str) -> int:
        return getattr(self.appeals, group).value(column)

    @property
    def title(self) -> str:
        return fmt.report_title(self.body.name, self.body.year)


def get_path(report: BaseModel, path: str) -> Any:
    """Value at a canonical dotted path such as ``requests.new.total``."""
    value: Any = report
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else getattr(value, part)
    return value
