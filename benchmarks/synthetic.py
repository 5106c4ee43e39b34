"""Realistic synthetic township reports: random, but every rule of the format holds.

Used by the batch benchmark, the sample county and the batch tests. ``make_report(i)`` is
deterministic for a given index and seed, so a benchmark run can be repeated exactly.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from gongkai import format as fmt
from gongkai.model import Body, Channels, NewMediaAccount, Preamble, Report, WebsiteItem
from gongkai.workbook import write_workbook

_FIRST = "东西南北青白金石龙凤平安和新永兴太宁长丰清河马桥柳泉"
_SECOND = "山林川坪湾岭溪源港口庄店集堡关塘峪营"
# Results a township with no fee charged and few applications should not show (R3-5).
_RARE = frozenset({"other_fee_unpaid", "not_processed_excessive"})
_PROBLEMS = (
    "一是部分信息公开不够及时。二是政策解读形式较为单一。",
    "一是公开内容的针对性有待提高。二是政民互动回应还不够充分。",
    "一是基层政务公开标准目录更新不够及时。二是工作人员业务能力有待提升。",
)
_TOPICS = ("工作动态", "通知公告", "政策文件", "财政预决算", "乡村振兴", "民生实事", "应急管理")


def township_name(index: int) -> str:
    first = _FIRST[index % len(_FIRST)]
    second = _SECOND[(index // len(_FIRST)) % len(_SECOND)]
    generation = index // (len(_FIRST) * len(_SECOND))
    return f"{first}{second}{'' if generation == 0 else generation + 1}"


def make_report(index: int, *, year: int = 2025, county: str = "示例县", seed: int = 2025) -> Report:
    rng = random.Random(seed * 100_003 + index)
    short = f"{township_name(index)}镇"
    report = Report(
        body=Body(name=f"{short}人民政府", short_name=short, level="乡镇", parent=county, year=year),
        preamble=Preamble(portal=f"{county}人民政府门户网站", contact=f"{short}党政综合办公室"),
    )
    _channels(report, rng)
    _proactive(report, rng)
    _requests(report, rng)
    _appeals(report, rng)
    _narrative(report, rng)
    return report


def _channels(report: Report, rng: random.Random) -> None:
    topics = rng.sample(_TOPICS, rng.randint(2, 4))
    report.channels = Channels(
        website_breakdown=[WebsiteItem(label=t, count=rng.randint(1, 80)) for t in topics],
        new_media=[NewMediaAccount(name=f"微{report.body.short_name}", platform="微信公众号", posts=rng.randint(20, 600))],
    )


def _proactive(report: Report, rng: random.Random) -> None:
    p = report.proactive
    issued, repealed = rng.randint(0, 3), rng.randint(0, 2)
    p.normative_documents.issued, p.normative_documents.repealed = issued, repealed
    p.normative_documents.in_force = rng.randint(repealed, repealed + 10) - repealed + issued
    p.licensing = rng.randint(0, 300)
    p.penalties = rng.randint(0, 60)
    p.coercive_measures = rng.randint(0, 5)
    p.fees_wan_yuan = Decimal(rng.randint(0, 5000)) / 100


def _requests(report: Report, rng: random.Random) -> None:
    q = report.requests
    for column in fmt.REQUEST_PART_COLUMNS:
        busy = column.key in ("natural_person", "commercial") or rng.random() < 0.2
        results = 0
        for key in fmt.RESULT_ROW_KEYS:
            if key in _RARE:
                continue
            weight = 0.5 if key in ("granted", "partially_granted", "unavailable_not_held") else 0.06
            n = rng.randint(1, 4) if busy and rng.random() < weight else 0
            setattr(getattr(q, key), column.key, n)
            results += n
        forward = rng.randint(0, 1) if busy else 0
        carried = rng.randint(0, min(1, results + forward))
        setattr(q.carried_forward, column.key, forward)
        setattr(q.carried_over, column.key, carried)
        setattr(q.new, column.key, results + forward - carried)


def _appeals(report: Report, rng: random.Random) -> None:
    for group in fmt.APPEAL_GROUPS:
        counts = getattr(report.appeals, group.key)
        for column in fmt.APPEAL_PART_COLUMNS:
            setattr(counts, column.key, 1 if rng.random() < 0.1 else 0)


def _narrative(report: Report, rng: random.Random) -> None:
    name, year = report.body.short_name, report.body.year
    new, done = report.request("new", "total"), report.request("results_total", "total")
    carried, forward = report.request("carried_over", "total"), report.request("carried_forward", "total")
    reviews = report.appeal("administrative_review", "total")
    suits = report.appeal("litigation_direct", "total") + report.appeal("litigation_after_review", "total")
    channels = report.channels
    items = "、".join(f"{i.label}{i.count}条" for i in channels.website_breakdown)
    media = channels.new_media[0]
    o = report.overview
    o.proactive = (
        f"{year}年，{name}依托政府网站和政务新媒体主动公开政府信息{channels.total()}条。"
        f"其中政府网站发布{channels.website_total()}条，包括{items}；"
        f"微信公众号“{media.name}”发布{media.posts}条。"
    )
    o.requests = (
        f"{year}年，{name}共收到政府信息公开申请{new}件，上年结转{carried}件，"
        f"全年办结{done}件，结转下年度继续办理{forward}件，均在法定期限内答复。"
        f"因政府信息公开引起行政复议{reviews}件、行政诉讼{suits}件。"
    )
    o.management = f"{name}落实信息发布审核制度，全年清理过时信息{rng.randint(3, 40)}条。"
    o.platforms = f"{name}完善政府网站公开专栏，规范政务新媒体“{media.name}”的内容审核。"
    o.oversight = f"{name}将政务公开纳入年度考核，接受社会评议，本年度未发生责任追究情况。"
    report.improvements.problems = rng.choice(_PROBLEMS)
    report.improvements.improvements = "一是建立信息报送定期通报制度。二是丰富图解、视频等解读形式。"
    report.other_matters.processing_fee_statement = f"{year}年，{name}未收取政府信息公开信息处理费。"


def write_county(directory: Path, count: int, *, year: int = 2025, seed: int = 2025) -> list[Path]:
    """Write ``count`` township workbooks into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        report = make_report(i, year=year, seed=seed)
        paths.append(write_workbook(report, directory / f"{i:05d}-{report.body.short_name}.xlsx"))
    return paths


def make_year_pair(index: int, *, year: int = 2025, county: str = "示例县") -> tuple[Report, Report]:
    """Last year's and this year's report of one township, consistent across the years too:
    this year's 上年结转 is last year's 结转下年度 (R3-4) and the documents in force follow
    (R2-2, R2-3)."""
    this = make_report(index, year=year, county=county)
    last = make_report(index, year=year - 1, county=county, seed=year - 1)
    q = last.requests
    for column in fmt.REQUEST_PART_COLUMNS:
        key = column.key
        forward = getattr(this.requests.carried_over, key)
        setattr(q.carried_forward, key, forward)
        results = sum(getattr(getattr(q, row), key) for row in fmt.RESULT_ROW_KEYS)
        carried = getattr(q.carried_over, key)
        if results + forward < carried:
            setattr(q.granted, key, getattr(q.granted, key) + carried - results - forward)
            results = carried - forward
        setattr(q.new, key, results + forward - carried)
    docs, last_docs = this.proactive.normative_documents, last.proactive.normative_documents
    last_docs.in_force = max(docs.in_force - docs.issued + docs.repealed, last_docs.issued)
    docs.in_force = last_docs.in_force + docs.issued - docs.repealed
    _narrative(last, random.Random(index))
    _narrative(this, random.Random(index + 1))
    # A new year, new problems: the same text again is "内容雷同" (RN-10).
    this.improvements.problems = _PROBLEMS[(_PROBLEMS.index(last.improvements.problems) + 1) % len(_PROBLEMS)]
    return last, this
