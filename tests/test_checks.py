"""Every rule of FORMAT.md §3: planted in a consistent busy report, caught once, located."""

from __future__ import annotations

from decimal import Decimal

import pytest

from checks_helpers import clean_busy_report, previous_report, set_row
from gongkai import format as fmt
from gongkai.checks import check_report
from gongkai.findings import Finding
from gongkai.model import Report

CELL = "三、依申请公开!I7"


def located(report: Report, path: str, cell: str = CELL) -> Report:
    """Record where the reader found ``path`` so the finding's location can be asserted."""
    report.provenance.cells[path] = cell
    return report


def tables_only(report: Report) -> Report:
    """Drop the narrative's application figures, which would rightly disagree with a planted table."""
    report.overview.requests = ""
    return report


def the_finding(findings: list[Finding], rule: str, path: str) -> Finding:
    matches = [f for f in findings if f.rule == rule and f.path == path]
    assert len(matches) == 1, findings
    return matches[0]


def rules_and_paths(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in findings]


# --- the clean report -------------------------------------------------------------------


def test_busy_consistent_report_has_no_findings() -> None:
    report = clean_busy_report()
    assert check_report(report) == []
    assert check_report(report, previous_report(report)) == []


def test_busy_report_is_busy() -> None:
    # The clean test proves nothing if the figures it checks are all zero.
    report = clean_busy_report()
    assert report.request("new", "total") == 18
    assert report.request("results_total", "total") == 19
    assert report.appeal("litigation_after_review", "total") == 1
    assert report.proactive.normative_documents.in_force == 12


def test_request_table_is_every_printed_cell_and_follows_edits() -> None:
    # The one-pass table 三 must print what request() prints for each cell, whether （七）总计
    # is declared or left to be added up, and a later edit must show in the next table.
    report = clean_busy_report()

    def cells() -> dict[str, dict[str, int]]:
        return {r.key: {c.key: report.request(r.key, c.key) for c in fmt.REQUEST_COLUMNS} for r in fmt.REQUEST_ROWS}

    for declared in (None, 7):
        for col in fmt.REQUEST_COLUMNS:
            setattr(report.requests.results_total, col.key, declared)
        report.requests.results_total.research = None  # one computed cell beside declared ones
        table = report.request_table()
        assert table == cells()
        assert list(table) == [r.key for r in fmt.REQUEST_ROWS]
        assert all(list(row) == [c.key for c in fmt.REQUEST_COLUMNS] for row in table.values())
    before = report.request_table()["results_total"]["research"]
    report.requests.granted.research += 5
    assert report.request_table()["results_total"]["research"] == before + 5


# --- reader findings, R0-3 --------------------------------------------------------------


def test_reader_findings_come_first_within_their_rule() -> None:
    report = clean_busy_report()
    reader = Finding(rule="R3-2", severity="error", message="读取时发现的问题", path="requests.new.total")
    report.provenance.findings.append(reader)
    report.requests.granted.total = 9  # a checker R3-2 finding of the same rule
    findings = check_report(report)
    assert [f.rule for f in findings] == ["R3-2", "R3-2"]
    assert findings[0] is reader


def test_blank_cell_is_a_warning_at_its_cell() -> None:
    report = located(clean_busy_report(), "requests.new.research")
    report.provenance.blank.append("requests.new.research")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R0-3",
        "warning",
        "requests.new.research",
        CELL,
    )
    assert "“一、本年新收政府信息公开申请数量”行“科研机构”列留空" in found.message
    assert "0" in found.message


def test_blank_cell_already_reported_by_reader_is_not_repeated() -> None:
    report = clean_busy_report()
    report.provenance.blank.append("proactive.licensing")
    report.provenance.findings.append(
        Finding(rule="R0-3", severity="warning", message="行政许可留空", path="proactive.licensing")
    )
    assert rules_and_paths(check_report(report)) == [("R0-3", "proactive.licensing")]


# --- R0-2 -------------------------------------------------------------------------------


def test_township_fee_typed_in_yuan_is_a_warning() -> None:
    report = located(clean_busy_report(), "proactive.fees_wan_yuan", "二、主动公开!C12")
    report.proactive.fees_wan_yuan = Decimal("25000")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R0-2",
        "warning",
        "proactive.fees_wan_yuan",
        "二、主动公开!C12",
    )
    assert "25000 万元" in found.message and "10000 万元" in found.message
    assert "2.5 万元" in found.hint


def test_county_fee_of_pingtan_size_is_fine() -> None:
    report = clean_busy_report(level="县级政府")
    report.proactive.fees_wan_yuan = Decimal("24252.311082")
    assert check_report(report) == []


# --- R0-4 -------------------------------------------------------------------------------


def test_statistics_period_of_another_year_is_an_error() -> None:
    report = located(clean_busy_report(2025), "preamble.text", "一、基本信息!B9")
    report.preamble.text = "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。"
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R0-4",
        "error",
        "preamble.text",
        "一、基本信息!B9",
    )
    assert "2024 年" in found.message and "2025 年" in found.message


def test_overview_paragraph_opening_with_last_year_is_an_error() -> None:
    report = located(clean_busy_report(2025), "overview.intro", "四、文字!B3")
    report.overview.intro = "2024年，我镇深入推进政务公开工作。"
    (found,) = check_report(report)
    assert (found.rule, found.path, found.location) == ("R0-4", "overview.intro", "四、文字!B3")
    assert "2024 年" in found.message and "2025 年" in found.message


def test_other_years_in_their_usual_places_are_fine() -> None:
    report = clean_busy_report(2025)
    report.overview.intro = "2024年以来，我镇持续推进政务公开。2025年，公开质量比2024年明显提升。"
    report.overview.oversight += "2024年度考核结果已于年初公布。"
    report.improvements.problems = "2024年问题整改情况：已全部完成。" + report.improvements.problems
    report.improvements.improvements = (
        "2026年，我镇将进一步丰富政策解读形式。" + report.improvements.improvements
    )
    assert check_report(report) == []


# --- R2-1 -------------------------------------------------------------------------------


def test_township_with_regulations_is_an_error() -> None:
    report = located(clean_busy_report(), "proactive.regulations.in_force", "二、主动公开!D4")
    report.proactive.regulations.in_force = 2
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R2-1",
        "error",
        "proactive.regulations.in_force",
        "二、主动公开!D4",
    )
    assert "“规章·现行有效件数”填写为 2" in found.message and "应为 0" in found.message


def test_county_with_regulations_is_info() -> None:
    report = clean_busy_report(level="县级政府")
    report.proactive.regulations.issued = 1
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path) == ("R2-1", "info", "proactive.regulations.issued")


# --- R3-1, R3-2, R3-3: each failure once, at the cells that disagree --------------------


def test_unbalanced_column_is_reported_once_at_that_column() -> None:
    report = located(tables_only(clean_busy_report()), "requests.carried_forward.natural_person")
    report.requests.carried_forward.natural_person = 2
    (found,) = check_report(report)  # not again in the 总计 column
    assert (found.rule, found.severity, found.path, found.location) == (
        "R3-1",
        "error",
        "requests.carried_forward.natural_person",
        CELL,
    )
    assert "“自然人”列" in found.message
    assert "为 12" in found.message and "为 13" in found.message  # 10 + 2 vs 11 + 2
    assert "应为 1" in found.hint


def test_unbalanced_totals_only_column_is_reported_in_total_column() -> None:
    # A report that declares totals consistently but whose 总计 column alone is off can only
    # come from declared totals, so R3-2 reports it; the 总计 column of R3-1 stays silent.
    report = tables_only(clean_busy_report())
    report.requests.new.total = 19
    assert rules_and_paths(check_report(report)) == [("R3-2", "requests.new.total")]


def test_declared_row_total_disagreeing_with_columns() -> None:
    report = located(tables_only(clean_busy_report()), "requests.new.total", "三、依申请公开!J7")
    report.requests.new.total = 12
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R3-2",
        "error",
        "requests.new.total",
        "三、依申请公开!J7",
    )
    assert found.message == (
        "表三（依申请公开）“一、本年新收政府信息公开申请数量”行“总计”列填写为 12，但各列之和为 18。"
    )
    assert found.hint


def test_declared_result_row_total_names_its_group() -> None:
    report = clean_busy_report()
    set_row(report, "denied_third_party", (1, 0, 0, 0, 0, 0), total=2)
    (found,) = check_report(report)
    assert (found.rule, found.path) == ("R3-2", "requests.denied_third_party.total")
    assert "（三）不予公开“4.保护第三方合法权益”行" in found.message
    assert "填写为 2" in found.message and "之和为 1" in found.message


def test_declared_results_total_row_is_reported_once() -> None:
    report = located(tables_only(clean_busy_report()), "requests.results_total.total")
    report.requests.results_total.total = 20
    (found,) = check_report(report)  # R3-2 on the row; not R3-3 again for the same cell
    assert (found.rule, found.path, found.location) == ("R3-2", "requests.results_total.total", CELL)
    assert "填写为 20" in found.message and "之和为 19" in found.message


def test_declared_results_total_disagreeing_with_result_rows() -> None:
    report = located(tables_only(clean_busy_report()), "requests.results_total.natural_person")
    # Rows now sum to 10 in 自然人 while （七）总计 still says 11, and the column balances on
    # the printed figures: only R3-3 disagrees, once, not again in the 总计 column.
    report.requests.partially_granted.natural_person = 1
    report.requests.carried_forward.natural_person = 2
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R3-3",
        "error",
        "requests.results_total.natural_person",
        CELL,
    )
    assert "填写为 11" in found.message and "之和为 10" in found.message


def test_wrong_declared_results_total_that_also_unbalances_the_column() -> None:
    report = tables_only(clean_busy_report())
    report.requests.results_total.natural_person = 12  # rows say 11
    # The column 12 + 1 ≠ 10 + 2 is the same mistake: R3-3 alone reports it.
    assert rules_and_paths(check_report(report)) == [("R3-3", "requests.results_total.natural_person")]


def test_balance_uses_computed_totals_when_nothing_is_declared() -> None:
    report = tables_only(clean_busy_report())
    report.requests.results_total = {}
    report.requests.new.total = None
    report.requests.granted.natural_person = 5  # one more result than applications
    report.requests.granted.total = None
    findings = check_report(report)
    assert rules_and_paths(findings) == [("R3-1", "requests.carried_forward.natural_person")]
    assert "三（七）总计（12）" in findings[0].message
    # 自然人: 10 + 2 received, 12 results, so nothing can be carried forward.
    assert "为 12" in findings[0].message and "为 13" in findings[0].message
    assert "应为 0" in findings[0].hint


# --- R3-5 -------------------------------------------------------------------------------


def _with_fee_unpaid(report: Report) -> Report:
    # Move the natural person's "其他" result to 逾期未缴费 so the table stays balanced.
    report.requests.other_other.natural_person = 0
    report.requests.other_fee_unpaid.natural_person = 1
    return report


def test_fee_notice_while_section_six_says_no_fee() -> None:
    report = located(_with_fee_unpaid(clean_busy_report()), "requests.other_fee_unpaid.total")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R3-5",
        "warning",
        "requests.other_fee_unpaid.total",
        CELL,
    )
    assert "为 1" in found.message and "未收取" in found.message


def test_fee_notice_with_generated_no_fee_sentence() -> None:
    report = _with_fee_unpaid(clean_busy_report())
    report.other_matters.processing_fee_statement = ""
    (found,) = check_report(report)
    assert (found.rule, found.path) == ("R3-5", "requests.other_fee_unpaid.total")
    assert "0 元" in found.message


def test_fee_notice_with_fee_charged_is_fine() -> None:
    report = _with_fee_unpaid(clean_busy_report())
    report.other_matters.processing_fee_statement = ""
    report.other_matters.processing_fee_yuan = Decimal("50")
    assert check_report(report) == []


def _with_excessive(report: Report, count: int) -> Report:
    tables_only(report)
    report.requests.new.natural_person += count
    report.requests.new.total = None
    report.requests.not_processed_excessive.natural_person = count
    report.requests.results_total = {}
    return report


def test_many_excessive_requests_for_a_township() -> None:
    report = located(_with_excessive(clean_busy_report(), 12), "requests.not_processed_excessive.total")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R3-5",
        "warning",
        "requests.not_processed_excessive.total",
        CELL,
    )
    assert "为 12" in found.message and "10" in found.message


def test_many_excessive_requests_for_a_county_is_fine() -> None:
    assert check_report(_with_excessive(clean_busy_report(level="县级政府"), 12)) == []
    assert check_report(_with_excessive(clean_busy_report(), 10)) == []


# --- R4-1 -------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["administrative_review", "litigation_direct", "litigation_after_review"])
def test_declared_appeal_total_disagreeing_with_parts(group: str) -> None:
    report = located(clean_busy_report(), f"appeals.{group}.total", "四、复议诉讼!E5")
    report.overview.requests = ""  # the narrative's appeal figures are RN-6's business
    counts = getattr(report.appeals, group)
    counts.total = counts.parts_sum() + 2
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "R4-1",
        "error",
        f"appeals.{group}.total",
        "四、复议诉讼!E5",
    )
    assert f"填写为 {counts.parts_sum() + 2}" in found.message
    assert f"之和为 {counts.parts_sum()}" in found.message


# --- cross-year -------------------------------------------------------------------------


def test_carried_over_differs_from_last_years_carried_forward() -> None:
    report = located(clean_busy_report(), "requests.carried_over.commercial")
    last = previous_report(report)
    last.requests.carried_forward.commercial = 2
    last.requests.new.commercial += 1  # keep last year's own table balanced
    assert check_report(last) == []
    (found,) = check_report(report, last)  # the 总计 column is not reported again
    assert (found.rule, found.severity, found.path, found.location) == (
        "R3-4",
        "error",
        "requests.carried_over.commercial",
        CELL,
    )
    assert "为 1" in found.message and "为 2" in found.message and "2024年" in found.message


def test_carried_over_without_previous_report_is_not_checked() -> None:
    report = tables_only(clean_busy_report())
    report.requests.carried_over.commercial = 0
    report.requests.carried_over.total = None
    report.requests.new.commercial += 1
    report.requests.new.total = None
    assert check_report(report) == []
    assert rules_and_paths(check_report(report, previous_report(clean_busy_report()))) == [
        ("R3-4", "requests.carried_over.commercial")
    ]


@pytest.mark.parametrize(("in_force", "flagged"), [(12, False), (14, False), (15, True), (9, True)])
def test_documents_in_force_follow_from_last_year(in_force: int, flagged: bool) -> None:
    report = located(clean_busy_report(), "proactive.normative_documents.in_force", "二、主动公开!D5")
    report.proactive.normative_documents.in_force = in_force
    findings = check_report(report, previous_report(report))
    if not flagged:
        assert findings == []
        return
    (found,) = findings
    assert (found.rule, found.severity, found.path, found.location) == (
        "R2-2",
        "warning",
        "proactive.normative_documents.in_force",
        "二、主动公开!D5",
    )
    assert f"为 {in_force}" in found.message and "为 12 件" in found.message


def test_documents_in_force_tolerance_grows_with_the_stock() -> None:
    report = clean_busy_report()
    last = previous_report(report)
    last.proactive.normative_documents.in_force = 665
    report.proactive.normative_documents = dict(issued=88, repealed=55, in_force=698 + 60)  # ≤ 10%
    assert check_report(report, last) == []
    report.proactive.normative_documents.in_force = 698 + 70
    assert rules_and_paths(check_report(report, last)) == [("R2-2", "proactive.normative_documents.in_force")]


def test_more_documents_repealed_than_existed() -> None:
    report = located(clean_busy_report(), "proactive.normative_documents.repealed", "二、主动公开!C5")
    report.proactive.normative_documents = dict(issued=3, repealed=20, in_force=0)
    findings = check_report(report, previous_report(report))
    found = the_finding(findings, "R2-3", "proactive.normative_documents.repealed")
    assert (found.severity, found.location) == ("warning", "二、主动公开!C5")
    assert "为 20" in found.message and "13 件" in found.message


def test_section_five_copied_from_last_year() -> None:
    report = located(clean_busy_report(), "improvements.problems", "四、文字!B20")
    last = previous_report(report)
    last.improvements.problems = report.improvements.problems.replace("三是", "三是：")
    (found,) = check_report(report, last)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-10",
        "warning",
        "improvements.problems",
        "四、文字!B20",
    )
    assert "100%" in found.message and "90%" in found.message


def test_section_six_item_copied_from_last_year() -> None:
    report = clean_busy_report()
    report.other_matters.innovation = (
        "创新开展“政府开放日”活动，邀请群众代表走进镇政府，现场了解政务公开工作流程和重点领域信息公开情况。"
    )
    last = previous_report(report)
    last.other_matters.innovation = report.other_matters.innovation.replace("群众代表", "居民代表")
    assert rules_and_paths(check_report(report, last)) == [("RN-10", "other_matters.innovation")]


def test_repeated_fee_statement_and_short_texts_are_not_copying() -> None:
    report = clean_busy_report()
    report.other_matters.other = "无。"
    last = previous_report(report)
    last.other_matters.other = "无。"
    assert check_report(report, last) == []  # the fee statement repeats too, by nature


# --- narrative figures vs tables --------------------------------------------------------


def _narrative(report: Report, text: str, path: str = "overview.requests") -> Report:
    section, key = path.split(".")
    setattr(getattr(report, section), key, text)
    return located(report, path, "四、文字!B8")


@pytest.mark.parametrize(
    ("text", "rule", "stated", "table"),
    [
        ("本年度共收到政府信息公开申请20件。", "RN-1", 20, 18),
        ("本年度共收到政府信息公开申请十二件。", "RN-1", 12, 18),
        ("本年度上年结转申请1件。", "RN-2", 1, 3),
        ("依法依规办结政府信息公开申请18件。", "RN-3", 18, 19),
        ("另有1件结转下年度继续办理。", "RN-4", 1, 2),
        ("全年发生政府信息公开行政复议2件。", "RN-6", 2, 3),
        ("全年发生政府信息公开行政诉讼5件。", "RN-6", 5, 2),
    ],
)
def test_narrative_figure_disagreeing_with_table(text: str, rule: str, stated: int, table: int) -> None:
    report = _narrative(clean_busy_report(), text)
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        rule,
        "error",
        "overview.requests",
        "四、文字!B8",
    )
    assert f"{stated} 件" in found.message and f"为 {table}" in found.message


def test_no_applications_statement_with_applications_in_table() -> None:
    report = _narrative(clean_busy_report(), "本年度未收到政府信息公开申请。")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path) == ("RN-5", "error", "overview.requests")
    assert "0 件" in found.message and "为 18" in found.message


def test_no_appeals_statement_with_appeals_in_table() -> None:
    report = _narrative(clean_busy_report(), "本年度未发生因政府信息公开引起的行政复议、行政诉讼。")
    findings = check_report(report)
    assert rules_and_paths(findings) == [("RN-6", "overview.requests"), ("RN-6", "overview.requests")]
    assert "行政复议 0 件" in findings[0].message and "为 3" in findings[0].message
    assert "行政诉讼 0 件" in findings[1].message and "之和为 2" in findings[1].message


def test_received_figure_that_includes_carried_over_is_compared_with_both() -> None:
    report = _narrative(clean_busy_report(), "本年度共收到政府信息公开申请21件（含上年结转3件），办结19件。")
    assert check_report(report) == []


def test_figures_that_are_not_application_counts_are_ignored() -> None:
    text = (
        "本年度受理政府信息公开行政复议申请3件，办结率100%。"
        "收到群众咨询留言30件，收到意见建议12条；全年收到政府信息公开申请18件。"
        "受理行政许可申请2000件。"
    )
    assert check_report(_narrative(clean_busy_report(), text)) == []


def test_stated_part_count_other_than_six() -> None:
    report = located(clean_busy_report(), "preamble.text", "一、基本信息!B9")
    report.preamble.text = "本报告由总体情况等共7个部分组成。统计期限为2025年1月1日至2025年12月31日。"
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-7",
        "error",
        "preamble.text",
        "一、基本信息!B9",
    )
    assert "7 个部分" in found.message and "6 个部分" in found.message


def test_oversight_without_assessment_appraisal_or_accountability() -> None:
    report = _narrative(clean_busy_report(), "加强日常监督检查，定期通报存在的问题。", "overview.oversight")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-8",
        "warning",
        "overview.oversight",
        "四、文字!B8",
    )
    assert "工作考核、社会评议、责任追究" in found.message and "3 项" in found.message


def test_oversight_naming_only_some_results_is_info() -> None:
    report = _narrative(clean_busy_report(), "细化年度政务公开考核标准，制定考核细则。", "overview.oversight")
    (found,) = check_report(report)
    assert (found.rule, found.severity) == ("RN-8", "info")
    assert "社会评议、责任追究" in found.message


def test_empty_overview_aspects_are_fine() -> None:
    report = clean_busy_report()
    report.overview = {}
    assert check_report(report) == []


def test_stated_sum_disagreeing_with_its_parts() -> None:
    text = "全年发布信息100条，其中政府网站发布信息40条，政务微信公众号发布信息50条。"
    report = _narrative(clean_busy_report(), text, "overview.proactive")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-9",
        "warning",
        "overview.proactive",
        "四、文字!B8",
    )
    assert "合计 100 条" in found.message and "40 + 50 = 90 条" in found.message


def test_selection_marked_with_deng_is_not_a_breakdown() -> None:
    text = "全年发布信息100条，其中政策文件20条、工作动态30条等。"
    assert check_report(_narrative(clean_busy_report(), text, "overview.proactive")) == []


def test_channel_total_disagreeing_with_breakdown() -> None:
    report = located(clean_busy_report(), "channels.website_posts", "五、公开渠道!C3")
    report.channels.website_posts = 46
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-9",
        "warning",
        "channels.website_posts",
        "五、公开渠道!C3",
    )
    assert "46" in found.message and "45" in found.message


@pytest.mark.parametrize(
    ("statement", "yuan", "numbers"),
    [
        ("无。", "0", ["0 元"]),
        ("2025年未收取信息处理费。", "100", ["0 元", "100 元"]),
        ("本年度收取信息处理费200元。", "150", ["200 元", "150 元"]),
        ("本年度收取信息处理费0.5万元。", "0", ["5000 元", "0 元"]),
    ],
)
def test_fee_statement_that_does_not_state_the_fee(statement: str, yuan: str, numbers: list[str]) -> None:
    report = _narrative(clean_busy_report(), statement, "other_matters.processing_fee_statement")
    report.other_matters.processing_fee_yuan = Decimal(yuan)
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-11",
        "warning",
        "other_matters.processing_fee_statement",
        "四、文字!B8",
    )
    for number in numbers:
        assert number in found.message


def test_fee_statement_matching_the_amount_is_fine() -> None:
    report = clean_busy_report()
    report.other_matters.processing_fee_statement = "本年度收取信息处理费200元。"
    report.other_matters.processing_fee_yuan = Decimal("200")
    assert check_report(report) == []


# --- real report text -------------------------------------------------------------------

# Sentences copied from published reports (pingtan-2022, dayu-2025, taiping-2024, pingtan-2021).
PINGTAN_2022_REQUESTS = (
    "一是畅通依申请公开渠道，推动全区政务公开单位动态更新政府信息公开指南，规范申请接收渠道指引，"
    "畅通线上、线下申请渠道，督促各有关单位及时受理，提高答复时效性。"
    "同时，不断完善依申请公开登记、审核、办理、答复、归档等环节工作程序。"
    "2022年，全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件，均在法定期限内予以答复，办结率100%。"
    "三是加强行政复议、行政诉讼案件的处理工作。"
    "2022年，全区政府信息公开工作方面共有行政诉讼案件1件、行政复议案件2件，均已结案。"
)


def pingtan_2022() -> Report:
    """平潭综合实验区 2022: table 三 and 四 as published, narrative sentences as published."""
    report = clean_busy_report(2022, level="县级政府")
    report.body.name = "平潭综合实验区"
    set_row(report, "new", (71, 3, 0, 0, 0, 0), total=74)
    set_row(report, "carried_over", (1, 0, 0, 0, 0, 0), total=1)
    for row in fmt.REQUEST_ROWS:
        if row.key not in ("new", "carried_over"):
            setattr(report.requests, row.key, {})
    set_row(report, "granted", (21, 0, 0, 0, 0, 0), total=21)
    set_row(report, "partially_granted", (8, 1, 0, 0, 0, 0), total=9)
    set_row(report, "denied_internal_affairs", (1, 0, 0, 0, 0, 0), total=1)
    set_row(report, "denied_process_information", (2, 0, 0, 0, 0, 0), total=2)
    set_row(report, "denied_enforcement_file", (1, 0, 0, 0, 0, 0), total=1)
    set_row(report, "unavailable_not_held", (37, 0, 0, 0, 0, 0), total=37)
    set_row(report, "other_no_correction", (2, 0, 0, 0, 0, 0), total=2)
    set_row(report, "other_other", (0, 2, 0, 0, 0, 0), total=2)
    report.requests.results_total = dict(
        natural_person=72, commercial=3, research=0, social_welfare=0, legal_service=0, other=0, total=75
    )
    report.appeals.administrative_review = dict(corrected=1, other=1, total=2)
    report.appeals.litigation_direct = dict(upheld=1, total=1)
    report.appeals.litigation_after_review = {}
    report.overview.requests = PINGTAN_2022_REQUESTS
    return report


def test_pingtan_2022_received_75_against_74_new() -> None:
    report = located(pingtan_2022(), "overview.requests", "（二）依申请公开")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-1",
        "error",
        "overview.requests",
        "（二）依申请公开",
    )
    assert "收到政府信息公开申请75件" in found.message
    assert "75 件" in found.message and "为 74" in found.message


def test_pingtan_2022_cross_year_figures_agree_with_2021() -> None:
    report = pingtan_2022()
    report.overview.requests = ""
    report.proactive.normative_documents = dict(issued=88, repealed=55, in_force=698)
    last = clean_busy_report(2021, level="县级政府")
    set_row(last, "carried_forward", (1, 0, 0, 0, 0, 0), total=1)
    last.proactive.normative_documents = dict(issued=69, repealed=3, in_force=665)
    assert [f for f in check_report(report, last) if f.rule in ("R3-4", "R2-2", "R2-3")] == []


def dayu_2025() -> Report:
    """大峪镇 2025: all-zero tables and the report's own sentences."""
    report = Report.model_validate({"body": {"name": "大峪镇人民政府", "level": "乡镇", "year": 2025}})
    report.proactive.penalties = 30
    report.overview.intro = (
        "2025 年，大峪镇在上级部门的指导与支持下，深入推进政务公开工作，严格执行相关规定，"
        "有效维护了人民群众的知情权、参与权和监督权。"
    )
    report.overview.proactive = (
        "在主动公开方面，大峪镇积极利用政府门户网站、政务微信公众号等多种平台发布政务信息，全年累计发布信息 709 条，"
        "内容覆盖政策性文件、民生实事推进情况、财政资金使用详情等重点领域，便于群众全面、及时掌握镇政府重要工作动态。"
        "其中，政府网站共发布信息 69 条，包括 4 条政策文件、13 条法定主动公开内容以及 52 条基层政务信息；"
        "政务微信公众号“河南济源大美大峪”全年发布信息 640 条。"
    )
    report.overview.requests = (
        "2025 年，大峪镇持续优化依申请公开工作机制，严格执行法定程序和时限要求，畅通申请渠道，落实专人负责，"
        "确保公众依法获取政府信息的权利得到有效保障。全年共受理政府信息公开申请 0 件。"
    )
    report.overview.platforms = (
        "在政务新媒体建设方面，运营管理机制不断完善，全年通过微信公众号等渠道累计发布信息 640 条。"
    )
    report.overview.oversight = (
        "在监督保障方面，大峪镇将政务公开工作纳入年度绩效考核体系，明确考评标准。同时，主动向社会公开监督渠道，"
        "接受公众评议，持续改进工作。本年度未发生需追究责任的情况。"
    )
    report.improvements.improvements = "下一步，大峪镇将继续坚持问题导向，关注群众需求，持续优化政务公开各项工作机制，努力提升公开的质量和实效。"
    report.other_matters.processing_fee_statement = "2025年未收取政府信息公开信息处理费。"
    return report


def test_dayu_2025_sentences_give_no_findings() -> None:
    assert check_report(dayu_2025()) == []


def test_dayu_2025_posts_are_not_applications() -> None:
    # 709 and 640 条 sit next to 发布, never read as received applications, even with a
    # non-zero table that would expose such a misreading.
    report = dayu_2025()
    report.overview.requests = ""
    set_row(report, "new", (1, 0, 0, 0, 0, 0))
    set_row(report, "granted", (1, 0, 0, 0, 0, 0))
    assert check_report(report) == []


def test_dayu_2025_zero_applications_against_a_non_zero_table() -> None:
    report = dayu_2025()
    set_row(report, "new", (2, 0, 0, 0, 0, 0))
    set_row(report, "granted", (2, 0, 0, 0, 0, 0))
    (found,) = check_report(report)
    assert (found.rule, found.path) == ("RN-1", "overview.requests")
    assert "0 件" in found.message and "为 2" in found.message


def test_dayu_2025_breakdown_error_is_caught() -> None:
    report = dayu_2025()
    report.overview.proactive = report.overview.proactive.replace("640 条", "650 条")
    findings = check_report(report)
    assert rules_and_paths(findings) == [("RN-9", "overview.proactive")]
    assert "合计 709 条" in findings[0].message and "69 + 650 = 719 条" in findings[0].message


def test_taiping_2024_sentences_give_no_findings() -> None:
    report = Report.model_validate({"body": {"name": "邹城市太平镇人民政府", "level": "乡镇", "year": 2024}})
    report.preamble.text = (
        "本报告内容包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
        "存在的主要问题及改进情况、其他需要报告的事项等六部分内容。本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。"
    )
    report.overview.proactive = (
        "2024年度,我镇按照邹城市政府信息公开要求,及时对信息进行更新。"
        "通过网站主动公开政府信息共48条,其中工作动态35条,通知公告9条,政府采购1条,财政预决算2条,信息公开年报1条。"
    )
    report.overview.requests = (
        "2024年度,我镇共收到来自公民、法人或者其他组织对依申请公开政府信息的申请2件,比去年增加1件,专人处理,"
        "依法公开,均按时完成答复。全年未收到因依申请公开答复而引起的行政复议和诉讼。"
    )
    set_row(report, "new", (2, 0, 0, 0, 0, 0))
    set_row(report, "granted", (2, 0, 0, 0, 0, 0))
    assert check_report(report) == []
    # The same "未收到…行政复议和诉讼" against a table with a lawsuit is caught.
    report.appeals.litigation_direct = dict(pending=1)
    assert rules_and_paths(check_report(report)) == [("RN-6", "overview.requests")]


def test_pingtan_2021_sentences_give_no_findings() -> None:
    report = clean_busy_report(2021, level="县级政府")
    report.preamble.text = (
        "本报告包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、因政府信息公开申请行政复议、"
        "提起行政诉讼的情况、政府信息公开工作存在的主要问题及改进情况和其他需要报告的事项等六个部分。"
        "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。"
    )
    report.overview.requests = "本年度全区共收到18件申请，及时依法依规办结19件，2件结转下年度继续办理。"
    report.other_matters.processing_fee_statement = "2021年，无收取信息处理费情况。"
    assert check_report(report) == []


def test_bundled_samples_have_no_findings(dayu_report: Report, busy_report: Report) -> None:
    # The samples in samples/build_samples.py (conftest fixtures) are meant to be clean.
    assert check_report(dayu_report) == []
    assert check_report(busy_report) == []


# --- RN-12: the narrative's table 二 figures ---------------------------------------------
# The busy report's table 二: 行政规范性文件 制发 3、废止 1、现行有效 12; 许可 20、处罚 30、强制 2.


@pytest.mark.parametrize(
    ("text", "cell", "stated", "table"),
    [
        ("本年制发行政规范性文件4件。", "行政规范性文件·本年制发件数", 4, 3),
        ("开展规范性文件清理，审查文件10件（继续有效8件，废止2件）。", "行政规范性文件·本年废止件数", 2, 1),
        ("截至年底，现行有效行政规范性文件11件。", "行政规范性文件·现行有效件数", 11, 12),
        ("全年作出行政许可决定21件。", "行政许可", 21, 20),
        ("行政许可、行政处罚、行政强制处理决定分别为20项、31项、2项。", "行政处罚", 31, 30),
        ("依法实施行政强制措施3起。", "行政强制", 3, 2),
    ],
)
def test_narrative_table_two_figure_disagreeing_with_table(
    text: str, cell: str, stated: int, table: int
) -> None:
    report = _narrative(clean_busy_report(), text, "overview.proactive")
    (found,) = check_report(report)
    assert (found.rule, found.severity, found.path, found.location) == (
        "RN-12",
        "error",
        "overview.proactive",
        "四、文字!B8",
    )
    assert f"{stated} 件" in found.message and f"{cell}”为 {table}" in found.message
    assert quote_of(text) in found.message


def quote_of(text: str) -> str:
    """The clause a message quotes: the stated words without the full stop."""
    return text.rstrip("。").split("，")[-1][:20]


def test_narrative_table_two_figures_agreeing_with_table() -> None:
    text = (
        "本年制发行政规范性文件3件，废止1件，截至年底现行有效行政规范性文件12件。"
        "全年作出行政许可决定20件、行政处罚决定30件，实施行政强制措施2起。"
        "主动公开行政许可和行政处罚信息71条，梳理公布行政许可事项清单56项。"
    )
    assert check_report(_narrative(clean_busy_report(), text, "overview.proactive")) == []


def test_narrative_table_two_figure_against_an_unprinted_row_is_not_compared() -> None:
    report = _narrative(clean_busy_report(2025, level="县级政府"), "本年制发规章2件。", "overview.proactive")
    report.provenance.unprinted |= {f"proactive.regulations.{k}" for k in fmt.DOCUMENT_FIELDS}
    assert check_report(report) == []
    report.provenance.unprinted.clear()
    assert rules_and_paths(check_report(report)) == [("RN-12", "overview.proactive")]


# --- RN-13: a narrative-only report balances its words ------------------------------------


def narrative_only(text: str) -> Report:
    """The busy report as a published one that never printed table 三."""
    report = _narrative(clean_busy_report(), text)
    report.provenance.unprinted |= {
        f"requests.{row.key}.{col.key}" for row in fmt.REQUEST_ROWS for col in fmt.REQUEST_COLUMNS
    }
    return report


@pytest.mark.parametrize(
    ("text", "left", "right"),
    [
        ("本年度新收政府信息公开申请9件，上年转结2件，办结8件，转下一年办理2件。", 11, 10),
        ("本年新受理政府信息公开申请9件，已全部办结，共办结8件。", 9, 8),
        ("收到政府信息公开申请9件（含上年结转2件），办结8件，结转下年度继续办理2件。", 9, 10),
        ("本年新收政府信息公开申请9件，上年结转1件，办结10件，另有1件顺延到下年度答复。", 10, 11),
    ],
)
def test_narrative_only_report_that_does_not_balance(text: str, left: int, right: int) -> None:
    (found,) = check_report(narrative_only(text))
    assert (found.rule, found.severity, found.path) == ("RN-13", "error", "overview.requests")
    assert f"= {left}，" in found.message and f"= {right}。" in found.message


@pytest.mark.parametrize(
    "text",
    [
        "本年度新收政府信息公开申请9件，上年转结2件，办结9件，转下一年办理2件。",
        "本年新受理政府信息公开申请9件，已全部办结，共办结9件。",
        # Not stated: last year's carried-over cases may make up the difference.
        "本年新收政府信息公开申请9件，办结10件，结转下年度1件。",
        # Not stated: cases carried forward may make up the difference.
        "本年新收政府信息公开申请9件，上年结转1件，办结8件。",
        "区政府办受理政府信息公开申请4件，办结9件，结转下年度0件。",  # one office's figure
    ],
)
def test_narrative_only_report_that_balances_or_cannot_be_judged(text: str) -> None:
    assert check_report(narrative_only(text)) == []


def test_balance_is_left_to_rn_1_to_4_when_table_three_is_printed() -> None:
    text = "本年度新收政府信息公开申请18件，上年结转3件，办结19件，结转下年度继续办理1件。"
    assert rules_and_paths(check_report(_narrative(clean_busy_report(), text))) == [
        ("RN-4", "overview.requests")
    ]


# --- narrative classes on a consistent report give nothing --------------------------------


def test_consistent_narrative_in_the_wild_shapes_gives_no_findings() -> None:
    report = clean_busy_report()
    report.overview.requests = (
        "全年共收到政府信息公开申请18件，其中，自然人10件，商业企业3件，科研机构1件，社会公益组织1件，"
        "法律服务机构2件，其他1件；上年转结3件。镇党政办受理申请7件。本年度未收到外国人提出的申请。"
        "全年办结19件，另有2件顺延到下年度答复。被申请行政复议3件，其中维持1件、纠正1件、尚未审结1件；"
        "被提起行政诉讼2件，其中维持1件、尚未审结1件。本年度未收到法人或其他组织以外的投诉。"
    )
    report.overview.proactive = (
        "全年发布信息120条，其中政府网站发布45条，公众号发布75条，回复网民留言30条。"
        "全年答复申请19件，其中予以公开（含部分公开的，只计一次）6件，其他13件。"
    )
    report.other_matters.processing_fee_statement = "本年度依申请公开未收取任何费用。"
    assert check_report(report) == []


def test_third_party_assessment_counts_as_social_appraisal() -> None:
    report = clean_busy_report()
    report.overview.oversight = "将政务公开纳入绩效考核，委托第三方评估公开质量，本年度未发生责任追究情况。"
    assert check_report(report) == []


def test_the_body_under_a_shorter_name_is_still_the_body() -> None:
    report = clean_busy_report(2025, level="县级部门")
    report.body.name, report.body.short_name = "青山市城市管理局", ""
    text = "对以市城市管理局名义发布的行政规范性文件开展清理，本年废止2件。"
    (found,) = check_report(_narrative(report, text, "overview.proactive"))
    assert found.rule == "RN-12" and "废止 2 件" in found.message
    other = "区市场监管局清理行政规范性文件，本年废止2件。"
    assert check_report(_narrative(report, other, "overview.proactive")) == []
