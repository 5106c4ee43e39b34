"""The bundled samples: figures as published, clean, up to date, and they look right as PDF."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from docx import Document
from typer.testing import CliRunner

from conftest import SAMPLES, samples
from gongkai import check_report, read_report, render_report
from gongkai import format as fmt
from gongkai.cli import app


@pytest.mark.parametrize("name", list(samples.SAMPLES))
def test_committed_sample_is_up_to_date(name, tmp_path):
    built = samples.SAMPLES[name]()
    assert read_report(SAMPLES / f"{name}.xlsx") == built, "run python samples/build_samples.py"
    fresh = render_report(built, tmp_path / "fresh.docx")
    assert fresh.read_bytes() == (SAMPLES / f"{name}.docx").read_bytes(), "run python samples/build_samples.py"


@pytest.mark.parametrize("name", list(samples.SAMPLES))
def test_samples_check_clean(name):
    assert check_report(read_report(SAMPLES / f"{name}.xlsx")) == []


def test_dayu_figures_are_exactly_the_published_ones():
    r = read_report(SAMPLES / "dayu-2025.xlsx")
    assert (r.body.name, r.body.level, r.body.year) == ("大峪镇人民政府", "乡镇", 2025)
    # Table 二: only 行政处罚 30 is non-zero.
    assert r.proactive.penalties == 30
    assert r.proactive.model_dump() == {
        "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
        "normative_documents": {"issued": 0, "repealed": 0, "in_force": 0},
        "licensing": 0,
        "penalties": 30,
        "coercive_measures": 0,
        "fees_wan_yuan": Decimal(0),
    }
    # Tables 三 and 四: all zero.
    assert all(r.request(row.key, col.key) == 0 for row in fmt.REQUEST_ROWS for col in fmt.REQUEST_COLUMNS)
    assert all(r.appeal(g.key, c.key) == 0 for g in fmt.APPEAL_GROUPS for c in fmt.APPEAL_COLUMNS)
    # Section 一's figures: 709 = 69 + 640, 69 = 4 + 13 + 52.
    assert [(i.label, i.count) for i in r.channels.website_breakdown] == [
        ("政策文件", 4),
        ("法定主动公开内容", 13),
        ("基层政务信息", 52),
    ]
    assert r.channels.website_total() == 69 and r.channels.total() == 709
    assert [(a.name, a.posts) for a in r.channels.new_media] == [("河南济源大美大峪", 640)]
    assert r.other_matters.processing_fee_yuan == 0
    assert "709" in r.overview.proactive and "640" in r.overview.proactive


def test_rendered_sample_as_pdf_shows_title_and_figures(tmp_path, soffice, pdftotext):
    out = tmp_path / "大峪镇.docx"
    result = CliRunner().invoke(app, ["render", str(SAMPLES / "dayu-2025.xlsx"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdftotext(soffice(out, tmp_path))
    compact = re.sub(r"\s+", "", text)
    assert "大峪镇人民政府2025年政府信息公开工作年度报告" in compact
    for heading in fmt.SECTION_HEADINGS:
        assert heading in compact
    for figure in ("709", "69", "640", "30"):
        assert re.search(rf"(?<!\d){figure}(?!\d)", text), figure
    # The 行政处罚 row prints 30 in the table itself, not only in the narrative.
    assert re.search(r"行政处罚\s+30", text)


def test_sample_docx_tables_hold_every_figure():
    doc = Document(str(SAMPLES / "dongcheng-2025.docx"))
    t3 = next(t for t in doc.tables if any(fmt.REQUEST_APPLICANT_LABEL in c.text for c in t.rows[0].cells))
    new_row = next(row for row in t3.rows if row.cells[0].text == fmt.REQUEST_ROW_BY_KEY["new"].label)
    numbers = [c.text for c in new_row.cells[-len(fmt.REQUEST_COLUMNS) :]]
    assert numbers == ["18", "4", "0", "1", "2", "1", "26"]
