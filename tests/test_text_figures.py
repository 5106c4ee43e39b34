"""Reading figures out of report text (gongkai.textfigures), on real-report sentences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongkai.textfigures import (
    appeal_figures,
    clauses,
    counts,
    opening_years,
    parse_chinese_number,
    request_figures,
    sentences,
    shared_parsing,
    stated_fee_yuan,
    stated_part_counts,
    stated_sums,
    states_no_applications,
    states_no_fee,
    statistics_periods,
)

# Sentences from /work/shared/reports (copied; tests do not read that folder).
DAYU_PROACTIVE = (
    "在主动公开方面，大峪镇积极利用政府门户网站、政务微信公众号等多种平台发布政务信息，全年累计发布信息 709 条，"
    "内容覆盖政策性文件、民生实事推进情况、财政资金使用详情等重点领域，便于群众全面、及时掌握镇政府重要工作动态。"
    "其中，政府网站共发布信息 69 条，包括 4 条政策文件、13 条法定主动公开内容以及 52 条基层政务信息；"
    "政务微信公众号“河南济源大美大峪”全年发布信息 640 条。"
)
TAIPING_PROACTIVE = (
    "2024年度,我镇按照邹城市政府信息公开要求,及时对信息进行更新。"
    "通过网站主动公开政府信息共48条,其中工作动态35条,通知公告9条,政府采购1条,财政预决算2条,信息公开年报1条。"
)
DAYING_OVERVIEW = (
    "2023年度依申请公开数为12件,已答复12件,其中4件申请的内容予以公开,1件因四类过程信息不予公开,"
    "5件因本机关不掌握相关政府信息而不予公开、2件属于行政查询事项不予公开。"
)


def kinds_and_values(figures: list) -> list[tuple[str, int]]:
    return [(f.kind, f.value) for f in figures]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("两", 2),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百零五", 105),
        ("三千二百", 3200),
        ("一万零五百", 10500),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert parse_chinese_number(text) == value


@pytest.mark.parametrize("text", ["一一", "二〇二四", "万", "三x"])
def test_not_chinese_numerals(text: str) -> None:
    assert parse_chinese_number(text) is None


def test_counts_skip_ordinals_fixed_phrases_and_differences() -> None:
    text = "依据第二十条第（一）项，推行“一件事一次办”，收到申请两件、十二件，比去年增加1件，发布 709 条，《条例》"
    assert [(c.value, c.unit) for c in counts(text.replace(" ", ""))] == [(2, "件"), (12, "件"), (709, "条")]


def test_dayu_nested_breakdown_both_levels_agree() -> None:
    sums = stated_sums(DAYU_PROACTIVE)
    assert [(s.total, s.parts) for s in sums] == [(709, (69, 640)), (69, (4, 13, 52))]
    assert not any(s.disagrees for s in sums)


def test_taiping_and_daying_breakdowns_agree() -> None:
    (taiping,) = stated_sums(TAIPING_PROACTIVE)
    assert (taiping.total, taiping.parts, taiping.disagrees) == (48, (35, 9, 1, 2, 1), False)
    (daying,) = stated_sums(DAYING_OVERVIEW)
    assert (daying.total, daying.parts, daying.disagrees) == (12, (4, 1, 5, 2), False)


def test_single_example_is_not_a_breakdown() -> None:
    (only,) = stated_sums("收到申请2件，其中1件予以公开。")
    assert not only.disagrees
    (impossible,) = stated_sums("收到申请2件，其中3件予以公开。")
    assert impossible.disagrees


def test_pingtan_2021_application_figures() -> None:
    text = "本年度全区共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理。"
    figures = request_figures(text, 2021, in_requests_section=True)
    assert kinds_and_values(figures) == [("received", 70), ("concluded", 69), ("carried_forward", 1)]


def test_pingtan_2022_application_figures() -> None:
    text = "2022年，全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件，均在法定期限内予以答复，办结率100%。"
    assert kinds_and_values(request_figures(text, 2022, in_requests_section=True)) == [("received", 75)]


def test_dayu_spaced_zero_and_daying_half_width_figures() -> None:
    dayu = request_figures("全年共受理政府信息公开申请 0 件。", 2025, in_requests_section=True)
    assert kinds_and_values(dayu) == [("received", 0)]
    daying = request_figures(DAYING_OVERVIEW, 2023, in_requests_section=False)
    assert kinds_and_values(daying) == [("received", 12), ("concluded", 12)]


@pytest.mark.parametrize(
    "text",
    [
        "本年度受理政府信息公开行政复议申请3件。",  # an appeal, not an application
        "收到政府信息公开申请后，按时办结，办结率100%。",  # a rate, not a count
        "全年通过政府信息公开专栏收到并发布信息30条。",  # posts
        "共收到依申请公开申请3件比去年增加1件。",  # compares with last year
        "2024年共收到政府信息公开申请3件。",  # another year's figure
        "受理行政许可申请2000件。",  # licensing, not disclosure
    ],
)
def test_not_this_years_application_counts(text: str) -> None:
    assert request_figures(text, 2025, in_requests_section=True) == []


def test_one_count_answers_one_keyword() -> None:
    text = "全年共收到并答复政府信息公开申请18件，上年结转1件已办结。"
    assert kinds_and_values(request_figures(text, 2025, in_requests_section=True)) == [
        ("received", 18),
        ("carried_over", 1),
    ]


def test_received_including_carried_over_is_marked() -> None:
    (received, carried) = request_figures("共收到申请21件（含上年结转3件）", 2025, in_requests_section=True)
    assert (received.kind, received.value, received.includes_carried_over) == ("received", 21, True)
    assert (carried.kind, carried.value) == ("carried_over", 3)


def test_outside_the_requests_aspect_only_disclosure_sentences_count() -> None:
    text = "全年收到群众申请低保30件。"
    assert request_figures(text, 2025, in_requests_section=False) == []
    assert kinds_and_values(
        request_figures("全年收到政府信息公开申请3件。", 2025, in_requests_section=False)
    ) == [("received", 3)]


def test_pingtan_2022_appeal_figures() -> None:
    text = "2022年，全区政府信息公开工作方面共有行政诉讼案件1件、行政复议案件2件，均已结案。"
    assert kinds_and_values(appeal_figures(text, 2022, in_requests_section=True)) == [
        ("litigation", 1),
        ("review", 2),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年未收到因依申请公开答复而引起的行政复议和诉讼。", [("review", 0), ("litigation", 0)]),
        ("本年度未发生因政府信息公开引起的行政复议、行政诉讼。", [("review", 0), ("litigation", 0)]),
        ("本年度无政府信息公开行政复议，行政诉讼1件。", [("review", 0), ("litigation", 1)]),
        ("未发生政府信息公开行政复议被纠错、行政诉讼败诉的情况。", []),
        ("三是加强行政复议、行政诉讼案件的处理工作。", []),
    ],
)
def test_appeal_statements(text: str, expected: list[tuple[str, int]]) -> None:
    assert kinds_and_values(appeal_figures(text, 2024, in_requests_section=True)) == expected


def test_no_applications_statements() -> None:
    assert states_no_applications("本年度未收到政府信息公开申请。", 2025) == "本年度未收到政府信息公开申请"
    assert states_no_applications("全年零申请。", 2025) == "全年零申请"
    # taiping-2024: "未收到…申请…引起的行政复议" is about appeals.
    assert states_no_applications("全年未收到因依申请公开答复而引起的行政复议和诉讼。", 2025) is None


def test_statistics_periods_in_real_preambles() -> None:
    pingtan = "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。"
    pingtan_2022 = "本报告中所列数据统计时限为2022年1月1日至2022年12月31日。"
    spaced = "统计期限为 2024 年 1 月 1 日至 12 月 31 日。"
    assert [years for _, years in statistics_periods(pingtan)] == [[2021, 2021]]
    assert [years for _, years in statistics_periods(pingtan_2022)] == [[2022, 2022]]
    assert [years for _, years in statistics_periods(spaced)] == [[2024]]


def test_opening_years() -> None:
    text = "2025 年，大峪镇在上级部门的指导下\n2024年以来，持续推进\n2024年度考核结果\n2024年度,我镇按照\n2025年未收取政府信息公开信息处理费。"
    assert [year for _, year in opening_years(text)] == [2025, 2024, 2025]


def test_stated_part_counts() -> None:
    assert [n for _, n in stated_part_counts("本报告包括总体情况……其他需要报告的事项等六个部分。")] == [6]
    assert [n for _, n in stated_part_counts("本报告内容包括……等六部分内容。")] == [6]
    assert [n for _, n in stated_part_counts("本报告共7个部分。")] == [7]
    assert list(stated_part_counts("本报告一部分数据来源于各村。")) == []
    assert list(stated_part_counts("全镇分三个部分推进。")) == []  # not about the report


@pytest.mark.parametrize(
    "text",
    [
        "2021年，无收取信息处理费情况。",
        "2025年未收取政府信息公开信息处理费。",
        "本年度收取信息处理费0元。",
        "免收信息处理费。",
    ],
)
def test_no_fee_statements(text: str) -> None:
    assert states_no_fee(text) is not None


def test_fee_statements_that_charge() -> None:
    assert states_no_fee("本年度收取信息处理费200元。") is None
    assert states_no_fee("1件因申请人逾期未按收费通知要求缴纳费用不再处理。") is None
    assert stated_fee_yuan("本年度收取信息处理费0.5万元。") == ("处理费0.5万元", Decimal("5000.0"))


def test_breakdown_ends_where_an_aside_begins() -> None:
    text = (
        "2025年，东城街道共收到政府信息公开申请26件，其中自然人18件、商业企业4件、社会公益组织1件、"
        "法律服务机构2件、其他1件；另有上年结转申请2件。"
    )
    (stated,) = stated_sums(text)
    assert (stated.total, stated.parts, stated.disagrees) == (26, (18, 4, 1, 2, 1), False)


def test_breakdowns_that_cannot_be_complete_or_are_a_selection() -> None:
    (over,) = stated_sums("全年发布信息100条，其中政府网站发布60条，公众号发布50条。")
    assert over.disagrees  # 110 > 100
    (near,) = stated_sums("全年发布信息100条，其中政府网站发布40条，公众号发布50条。")
    assert near.disagrees  # 90 of 100: a slip in a complete breakdown
    (selection,) = stated_sums("全年发布信息3000条，其中政策文件300条，新闻类信息800条，重要会议20条。")
    assert not selection.disagrees  # 1120 of 3000 lists highlights


def test_list_total_is_unclear_with_two_counts_side_by_side() -> None:
    assert stated_sums("被行政复议5件、行政诉讼2件，其中2件维持，1件纠正，1件其他，1件尚未审结。") == []


def test_more_real_phrasings_of_application_figures() -> None:
    figures = request_figures(
        "全区共收到依申请公开件30件，上年度结转办理件1件，共办结24件，结转到2025年办理7件。",
        2024,
        in_requests_section=True,
    )
    assert kinds_and_values(figures) == [
        ("received", 30),
        ("carried_over", 1),
        ("concluded", 24),
        ("carried_forward", 7),
    ]
    # A channel's share ("网上申请105件") is not the year's total.
    channels = request_figures("共收到网上申请105件，快递17件，合计122件。", 2024, in_requests_section=True)
    assert kinds_and_values(channels) == []
    assert kinds_and_values(
        request_figures("共收到政府信息公开申请0件次。", 2025, in_requests_section=True)
    ) == [("received", 0)]


def test_shared_parsing_gives_the_same_answers_and_hands_out_fresh_lists() -> None:
    # Within shared_parsing a text is parsed once for every rule: the answers must be those
    # parsed afresh, and a rule changing the list it got must not change what the next one gets.
    text = "本年度收到申请 １２ 件（其中，网上申请5件；信函申请7件），办结12件。\n上年结转0件。"
    alone = [request_figures(text, 2025, in_requests_section=True), stated_sums(text), sentences(text)]
    with shared_parsing():
        for _ in range(2):
            shared = [request_figures(text, 2025, in_requests_section=True), stated_sums(text), sentences(text)]
            assert shared == alone
        got = sentences(text)
        got.clear()
        assert sentences(text) == alone[2]
        first = sentences(text)[0]
        parts = clauses(first)
        parts.append("x")
        assert clauses(first) == parts[:-1]
