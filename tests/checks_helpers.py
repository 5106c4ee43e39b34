"""A busy, fully consistent report for the checks' tests: every rule has figures to bite on.

Tests plant one fault at a time in a copy and assert the one finding it causes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongkai import format as fmt
from gongkai.model import Body, Report

# Table 三 by column; per column 一 + 二 == （七） + 四.
#              自然人 商业 科研 公益 法律 其他
NEW = (10, 3, 1, 1, 2, 1)  # 18
CARRIED_OVER = (2, 1, 0, 0, 0, 0)  # 3
CARRIED_FORWARD = (1, 0, 0, 0, 1, 0)  # 2
RESULTS: dict[str, tuple[int, ...]] = {
    "granted": (4, 2, 1, 0, 1, 0),
    "partially_granted": (2, 1, 0, 0, 0, 0),
    "denied_third_party": (1, 0, 0, 0, 0, 0),
    "denied_process_information": (0, 1, 0, 0, 0, 0),
    "unavailable_not_held": (2, 0, 0, 0, 0, 0),
    "unavailable_needs_creation": (0, 0, 0, 1, 0, 0),
    "not_processed_petition": (0, 0, 0, 0, 0, 1),
    "not_processed_repeated": (1, 0, 0, 0, 0, 0),
    "other_other": (1, 0, 0, 0, 0, 0),
}  # （七）总计: 11 4 1 1 1 1 = 19

PROBLEMS = (
    "一是政策解读形式较为单一，图表图解、短视频等解读方式运用不多；二是依申请公开答复文书的规范性有待提高；"
    "三是政务新媒体与门户网站的信息联动不够及时。"
)
IMPROVEMENTS = (
    "一是丰富政策解读形式，重要政策同步制作图解；二是组织依申请公开业务培训，统一答复文书格式；"
    "三是建立网站与公众号信息同步发布机制。针对上年提出的问题，已完成公开目录的全面梳理。"
)


def set_row(report: Report, row: str, values: tuple[int, ...], total: int | None = None) -> None:
    """Fill one row of table 三 from six applicant-column values and an optional declared 总计."""
    cells: dict[str, Any] = dict(zip([c.key for c in fmt.REQUEST_PART_COLUMNS], values, strict=True))
    setattr(report.requests, row, {**cells, "total": total})


def clean_busy_report(year: int = 2025, level: str = "乡镇") -> Report:
    report = Report(
        body=Body(name="青山镇人民政府", short_name="青山镇", level=level, parent="示例县", year=year)
    )
    set_row(report, "new", NEW, total=18)
    set_row(report, "carried_over", CARRIED_OVER, total=3)
    set_row(report, "carried_forward", CARRIED_FORWARD)
    for row, values in RESULTS.items():
        set_row(report, row, values, total=sum(values) if row == "granted" else None)
    report.requests.results_total = dict(
        natural_person=11, commercial=4, research=1, social_welfare=1, legal_service=1, other=1, total=19
    )
    report.appeals.administrative_review = dict(upheld=1, corrected=1, other=0, pending=1, total=3)
    report.appeals.litigation_direct = dict(upheld=1, total=1)
    report.appeals.litigation_after_review = dict(pending=1)

    report.proactive.normative_documents = dict(issued=3, repealed=1, in_force=12)
    report.proactive.licensing = 20
    report.proactive.penalties = 30
    report.proactive.coercive_measures = 2
    report.proactive.fees_wan_yuan = Decimal("12.5")

    report.channels = dict(
        website_posts=45,
        website_breakdown=[dict(label="政策文件", count=5), dict(label="工作动态", count=40)],
        new_media=[dict(name="青山发布", platform="微信公众号", posts=75)],
    )
    report.preamble.text = (
        f"本报告根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求编制，包括总体情况、"
        f"主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
        f"存在的主要问题及改进情况、其他需要报告的事项等六个部分。本报告所列数据的统计期限自{year}年1月1日起"
        f"至{year}年12月31日止。"
    )
    report.overview.intro = f"{year}年，青山镇深入推进政务公开工作，持续提升政府工作透明度。"
    report.overview.proactive = (
        f"{year}年，全年累计发布信息120条。其中，政府网站发布信息45条，包括政策文件5条、工作动态40条；"
        "政务微信公众号“青山发布”发布信息75条。"
    )
    report.overview.requests = (
        f"{year}年，我镇共收到政府信息公开申请18件，上年结转3件，办结19件，2件结转下年度继续办理。"
        "全年发生政府信息公开行政复议3件、行政诉讼2件。"
    )
    report.overview.management = "严格执行信息发布审核制度，对已公开信息定期清理、动态更新。"
    report.overview.platforms = "优化政府网站信息公开专栏，规范政务新媒体运维。"
    report.overview.oversight = "将政务公开工作纳入年度绩效考核，主动接受社会评议，本年度未发生责任追究情况。"
    report.improvements.problems = PROBLEMS
    report.improvements.improvements = IMPROVEMENTS
    report.other_matters.processing_fee_statement = f"{year}年未收取政府信息公开信息处理费。"
    report.other_matters.work_points = "认真落实上级年度政务公开工作要点，各项任务均按期完成。"
    return report


def previous_report(report: Report) -> Report:
    """Last year's report, consistent with ``report`` across the years."""
    last = clean_busy_report(report.body.year - 1)
    # Last year's 结转下年度 is this year's 上年结转.
    for col, value in zip([c.key for c in fmt.REQUEST_PART_COLUMNS], CARRIED_OVER, strict=True):
        setattr(last.requests.carried_forward, col, value)
    # Last year's carried-forward change must keep last year's own table balanced.
    last.requests.new.natural_person += 1
    last.requests.new.commercial += 1
    last.requests.new.legal_service -= 1
    last.requests.new.total = None
    last.overview.requests = ""
    last.proactive.normative_documents = dict(issued=2, repealed=0, in_force=10)  # 10 + 3 − 1 = 12
    last.improvements.problems = "一是主动公开目录更新不够及时；二是信息公开专栏栏目设置有待优化。"
    last.improvements.improvements = "全面梳理公开目录，按季度更新专栏内容，落实专人负责。"
    last.other_matters.work_points = ""
    return last
