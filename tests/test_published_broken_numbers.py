"""Crawler text of the older kind (issue 15 §5), in a fixture written in 04_sanming's style:
the article's text nodes one per line, every table cell on a line of its own, and a figure
broken where the page had inline markup ("1" "2" for 12).

Table 三 and 四 rows are rejoined where their totals decide (test_published_classes). Table
二 has no totals: a row whose only non-zero cell is broken was left unread and so read as
zeros; it is rejoined where the digits allow one joining at all, and said (FD-12)."""

from __future__ import annotations

from gongkai import check_report
from gongkai.model import Report
from gongkai.published import read_blocks
from gongkai.published.from_text import text_blocks
from published_helpers import PROACTIVE, report_text


def _crawled(text: str, broken: dict[str, str]) -> str:
    """``text`` with each table cell on a line of its own (as 04_sanming's crawler gives it),
    the figures of the ``broken`` rows (label -> figures as printed) as given."""
    out: list[str] = []
    for line in text.splitlines():
        if "\t" not in line:
            out.append(line)
            continue
        cells = [c for c in line.split("\t") if c]
        if cells and cells[0] in broken:
            out += [cells[0], *broken[cells[0]].split()]
        else:
            out += cells
    return "\n".join(out) + "\n"


def _read(text: str) -> Report:
    return read_blocks(text_blocks(text), "报告", name_hint="报告")


def _messages(report: Report, rule: str) -> list[str]:
    return [f.message for f in report.provenance.findings if f.rule == rule]


def test_the_only_non_zero_figure_of_a_table_two_row_broken_in_two_is_rejoined() -> None:
    # 规章 0 0 12 printed "0" "0" "1" "2": "0 0 12" is the one joining (no figure starts with 0).
    report = _read(_crawled(report_text(regulations=(0, 0, 12)), {"规章": "0 0 1 2"}))
    regulations = report.proactive.regulations
    assert (regulations.issued, regulations.repealed, regulations.in_force) == (0, 0, 12)
    assert "proactive.regulations.in_force" not in report.provenance.unprinted
    (said,) = _messages(report, "FD-12")
    assert "“0 0 12”" in said and "规章" in said
    assert not _messages(report, "FD-5")
    # A township with 规章 in force: the rule that needs the figure now sees it.
    assert any(f.rule == "R2-1" for f in check_report(report))
    # "1" "2" "0" "5" beside it: 12 0 5 or 1 20 5, and no total to choose, so nothing is guessed.
    issued, repealed, in_force = PROACTIVE["normative_documents"]
    text = report_text(regulations=(0, 0, 12)).replace(
        f"行政规范性文件\t{issued}\t{repealed}\t{in_force}", "行政规范性文件\t12\t0\t5"
    )
    both = _read(_crawled(text, {"规章": "0 0 1 2", "行政规范性文件": "1 2 0 5"}))
    assert both.proactive.regulations.in_force == 12
    assert "proactive.normative_documents.issued" in both.provenance.unprinted
    assert any("行政规范性文件" in m for m in _messages(both, "FD-5"))
    assert len(_messages(both, "FD-12")) == 1
