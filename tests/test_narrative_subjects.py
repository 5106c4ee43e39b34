"""What a narrative figure is about: its subject and direction (gongkai.textfigures).

Every sentence here is written for the test, after the patterns seen in published reports:
a figure carried forward that sits next to 答复, one office of a government, one side of the
applicants, lists that run into the next subject, bracketed part names, and table 二's
figures for documents and decisions.
"""

from __future__ import annotations

import pytest

from gongkai.textfigures import (
    clauses,
    request_figures,
    stated_sums,
    states_all_concluded,
    states_no_applications,
    table_two_figures,
)


def figures(text: str, year: int = 2025, **kwargs) -> list[tuple[str, int]]:
    return [(f.kind, f.value) for f in request_figures(text, year, in_requests_section=True, **kwargs)]


def sums(text: str) -> list[tuple[int, tuple[int, ...], bool]]:
    return [(s.total, s.parts, s.disagrees) for s in stated_sums(text)]


def table_two(text: str, year: int = 2025) -> list[tuple[str, int]]:
    return [(f.kind, f.value) for f in table_two_figures(text, year)]


# --- direction: carried forward is not handled ------------------------------------------


def test_reply_put_off_to_next_year_is_carried_forward_not_concluded() -> None:
    text = "全年收到政府信息公开申请9件，已办结7件，另有2件顺延到下年度答复。"
    assert figures(text) == [("received", 9), ("concluded", 7), ("carried_forward", 2)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("本年新收政府信息公开申请6件。", "received"),
        ("新受理政府信息公开申请6件。", "received"),
        ("共接收政府信息公开申请6件。", "received"),
        ("上年结转申请6件。", "carried_over"),
        ("上年转结申请6件。", "carried_over"),
        ("上年度结转的申请6件。", "carried_over"),
        ("结转自上一年度的申请6件。", "carried_over"),
        ("上年度遗留申请6件。", "carried_over"),
        ("依法办结申请6件。", "concluded"),
        ("按期答复申请6件。", "concluded"),
        ("申请办理完毕6件。", "concluded"),
        ("6件结转下年度继续办理。", "carried_forward"),
        ("6件转下一年办理。", "carried_forward"),
        ("结转至下一年度办理6件。", "carried_forward"),
        ("6件顺延至下年度答复。", "carried_forward"),
        ("6件延期至下一年度办理。", "carried_forward"),
        ("结转到2026年办理6件。", "carried_forward"),
    ],
)
def test_every_wording_of_each_request_figure(text: str, kind: str) -> None:
    assert figures(text) == [(kind, 6)]


# --- subject: the body, not one of its offices; all applicants, not one side --------------


def test_one_office_of_a_government_is_not_the_body() -> None:
    text = "区政府办受理政府信息公开申请4件，各部门共受理申请31件，均按时办结。"
    assert figures(text) == []


@pytest.mark.parametrize(
    "text",
    ["我局受理政府信息公开申请4件。", "本机关受理政府信息公开申请4件。", "全区共受理政府信息公开申请4件。"],
)
def test_the_body_itself_is_the_subject(text: str) -> None:
    assert figures(text) == [("received", 4)]


def test_the_body_named_by_its_own_name() -> None:
    text = "柳湾街道受理政府信息公开申请4件。"
    assert figures(text) == []  # a 街道 named in another body's report is one of its parts
    assert figures(text, own_names=("柳湾街道办事处", "柳湾街道")) == [("received", 4)]


def test_one_side_of_the_applicants_is_not_the_total() -> None:
    assert figures("收到法人或其他组织提出的政府信息公开申请2件。") == []
    assert figures("收到公民、法人或其他组织提出的政府信息公开申请2件。") == [("received", 2)]


@pytest.mark.parametrize(
    "text",
    [
        "本年度未收到法人或其他组织提出的政府信息公开申请。",
        "全年未收到企业的政府信息公开申请。",
        "全年没有收到自然人的政府信息公开申请。",
    ],
)
def test_no_applications_from_one_side_does_not_say_none_came(text: str) -> None:
    assert states_no_applications(text, 2025) is None


def test_no_applications_from_anyone() -> None:
    text = "本年度未收到公民、法人或其他组织提出的政府信息公开申请。"
    assert states_no_applications(text, 2025) == text.rstrip("。")


# --- where a stated sum's list ends ------------------------------------------------------


def test_review_breakdown_is_not_followed_by_the_litigation_one() -> None:
    text = "全年被申请行政复议6件，其中维持4件、纠正2件；被提起行政诉讼3件，其中维持2件、尚未审结1件。"
    assert sums(text) == [(6, (4, 2), False), (3, (2, 1), False)]


def test_review_breakdown_stops_where_litigation_begins_without_a_semicolon() -> None:
    assert sums("被申请行政复议6件，其中维持4件、纠正2件，行政诉讼3件。") == [(6, (4, 2), False)]


def test_posts_are_not_followed_by_messages() -> None:
    text = "全年发布信息200条，其中网站120条、公众号80条，回复网民留言45条。"
    assert sums(text) == [(200, (120, 80), False)]


def test_a_semicolon_ends_the_list() -> None:
    text = "全年答复申请30件，其中予以公开12件、部分公开8件；办理人大建议10件。"
    assert sums(text) == [(30, (12, 8), False)]


def test_a_semicolon_closing_a_nested_list_does_not_end_the_outer_one() -> None:
    text = "全年发布信息150条。其中，网站发布90条，包括政策文件10条、工作动态80条；公众号发布60条。"
    assert sums(text) == [(150, (90, 60), False), (90, (10, 80), False)]


def test_part_names_with_brackets_and_commas() -> None:
    text = "全年答复申请24件，其中予以公开10件，部分公开（区分处理的，只计这一情形）8件，不予公开6件。"
    assert sums(text) == [(24, (10, 8, 6), False)]
    assert clauses("部分公开（区分处理的，只计这一情形）8件，不予公开6件") == [
        "部分公开（区分处理的，只计这一情形）8件",
        "不予公开6件",
    ]


def test_a_count_in_brackets_is_a_note_on_its_part() -> None:
    text = "全年答复申请24件，其中予以公开10件（含当面申请3件），部分公开8件，不予公开6件。"
    assert sums(text) == [(24, (10, 8, 6), False)]


@pytest.mark.parametrize(
    "text",
    [
        "共收到政府信息公开申请24件，其中，自然人20件、商业企业4件。",
        "共收到政府信息公开申请24件。其中，自然人20件，商业企业4件。",
    ],
)
def test_qizhong_followed_by_a_comma(text: str) -> None:
    assert sums(text) == [(24, (20, 4), False)]


def test_qizhong_with_a_comma_still_catches_a_slip() -> None:
    assert sums("共收到政府信息公开申请24件。其中，自然人19件，商业企业4件。") == [(24, (19, 4), True)]


# --- table 二 figures ----------------------------------------------------------------------


def test_document_figures_of_the_year() -> None:
    text = "截至年底，现行有效行政规范性文件16件；本年制发行政规范性文件2件，废止3件。"
    assert table_two(text) == [
        ("proactive.normative_documents.in_force", 16),
        ("proactive.normative_documents.issued", 2),
        ("proactive.normative_documents.repealed", 3),
    ]


def test_figures_inside_a_breakdown_of_other_documents() -> None:
    # The repeal happened this year whatever the review; 现行有效 here is the reviewed ones' status.
    text = "本年对行政规范性文件开展清理，共清理文件20件（现行有效15件，废止5件）。"
    assert table_two(text) == [("proactive.normative_documents.repealed", 5)]
    text = "清理行政规范性文件20件，其中继续有效15件、5件废止。"
    assert table_two(text) == [("proactive.normative_documents.repealed", 5)]


def test_regulations_and_their_breakdown() -> None:
    text = "公布规章9件（含新制定3件、修改4件、废止2件），公布行政规范性文件30件。"
    assert table_two(text) == [("proactive.regulations.issued", 3), ("proactive.regulations.repealed", 2)]


def test_decision_figures() -> None:
    text = "全年作出行政许可决定120件、行政处罚决定35件，实施行政强制措施4起。"
    assert table_two(text) == [
        ("proactive.licensing", 120),
        ("proactive.penalties", 35),
        ("proactive.coercive_measures", 4),
    ]
    text = "行政许可、行政处罚、行政强制的处理决定数量分别为8000项、900项和30项。"
    assert table_two(text) == [
        ("proactive.licensing", 8000),
        ("proactive.penalties", 900),
        ("proactive.coercive_measures", 30),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "主动公开行政许可、行政处罚等权力运行信息71条。",  # posts about decisions
        "受理行政许可申请2000件。",  # applications, not decisions
        "梳理公布行政许可事项清单56项。",  # the catalogue
        "行政许可和行政处罚决定共30件。",  # whose count is unclear
        "2024年作出行政处罚决定40件。",  # another year
        "主动公开行政规范性文件16件。",  # publishing is not issuing
        "累计废止行政规范性文件40件。",  # several years
        "制定内部规章制度5件。",  # internal rules are not 规章
        "拟制发行政规范性文件3件。",  # a plan
        "依据第二十条第（一）项公开规章和行政规范性文件制发情况。",  # an ordinal
        "加强行政规范性文件管理，全年印发各类文件12件。",  # other documents
        "对轻微违法行为不予行政处罚12件。",  # not a penalty decision of the table's kind
        "区市场监管局作出行政处罚决定300件。",  # one office of the government
        "区司法局清理行政规范性文件，废止3件。",  # one office's documents
    ],
)
def test_not_table_two_figures(text: str) -> None:
    assert table_two(text) == []


def test_all_concluded_statements() -> None:
    assert states_all_concluded("共收到政府信息公开申请5件，均已按时办结。") == "均已按时办结"
    assert states_all_concluded("共收到政府信息公开申请5件，办结率100%。") == "办结率100%"
    assert states_all_concluded("全年收到网民留言5件，均已回复。") is None


@pytest.mark.parametrize(
    "text",
    [
        "全年共答复政府信息公开申请120件，包括上年结转申请6件。其中，予以公开70件，部分公开20件，不予公开30件。",
        "全年共答复政府信息公开申请120件，含上年结转申请6件。其中予以公开70件、部分公开20件、不予公开30件。",
    ],
)
def test_a_part_of_an_earlier_breakdown_is_not_the_next_lists_total(text: str) -> None:
    assert not any(s.disagrees for s in stated_sums(text))


def test_a_part_of_a_breakdown_is_not_a_request_total() -> None:
    text = (
        "共答复政府信息公开申请140件，包括上年结转申请5件。其中，予以公开答复90件，占64%；不予公开答复10件。"
    )
    assert figures(text) == [("concluded", 140), ("carried_over", 5)]
    # The list ends at its ；: what follows is a figure again.
    text = "共收到政府信息公开申请30件，其中自然人25件、法人5件；全年办结30件。"
    assert figures(text) == [("received", 30), ("concluded", 30)]
