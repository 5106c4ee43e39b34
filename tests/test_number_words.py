"""Numerals inside fixed words are not counts (issue 15 §2): 每一份, 逐一, 统一, 一件事 …"""

from __future__ import annotations

import pytest

from gongkai.textfigures import counts, request_figures

NOT_COUNTS = [
    "确保每一份答复都合法合规。",  # the report of the issue: read as 办结 1 件
    "对每一件申请都逐一核对。",
    "任何一件申请都在法定期限内答复。",
    "同一件申请不重复受理。",
    "哪一项申请超期都要说明理由。",
    "一是加强学习，二是完善制度，三是强化监督。",
    "统一答复文书格式，进一步规范办理流程。",
    "一律按照法定程序办理。",
    "推行一站式服务、一网通办、一件事一次办。",
    "第一时间答复申请人，一方面……另一方面……",
    "落实一把手负责制，公开第一批清单。",
    "严格执行三审三校制度，建好两微一端，推出一图读懂。",
]


@pytest.mark.parametrize("text", NOT_COUNTS)
def test_a_numeral_in_a_fixed_word_is_no_count(text: str) -> None:
    assert counts(text) == []
    assert request_figures(text, 2025, in_requests_section=True) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("本年度办结一件申请。", 1),
        ("共收到申请两件。", 2),
        ("同一件申请不重复受理，全年办结3件。", 3),
        ("予以公开、部分公开各1件，共办结2件。", 2),
    ],
)
def test_real_counts_beside_them_are_still_read(text: str, value: int) -> None:
    assert [f.value for f in request_figures(text, 2025, in_requests_section=True)][-1:] == [value]
