"""Publish-ready outputs: PDF and portal HTML beside the Word report, pictures for the county."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile

import pytest
from lxml import html as lxml_html
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import SAMPLES, _tool, synthetic
from gongkai import format as fmt
from gongkai import pdf as pdf_module
from gongkai.batch import run_batch
from gongkai.cli import app
from gongkai.html.report import render_html
from gongkai.pdf import FONT_SUBSTITUTES, PdfError, convert_to_pdf
from gongkai.workbook import write_workbook

runner = CliRunner()


def _cells(table) -> list[list[str]]:
    return [[" ".join(td.text_content().split()) for td in tr.findall("td")] for tr in table.findall("tr")]


def test_portal_html_has_the_official_tables(busy_report):
    page = render_html(busy_report)
    doc = lxml_html.fromstring(page.encode("utf-8"))
    assert doc.find(".//meta").get("charset") == "utf-8"
    assert not doc.findall(".//script") and not doc.findall(".//link") and not doc.findall(".//img")
    assert "http" not in "".join(doc.xpath("//@src | //@href"))
    assert [h.text_content() for h in doc.findall(".//h2")] == list(fmt.SECTION_HEADINGS)
    assert [h.text_content() for h in doc.findall(".//h3")][:5] == [a.heading for a in fmt.OVERVIEW_ASPECTS]
    t2, t3, t4 = doc.findall(".//table")
    # 三、本年度办理结果 spans every row from （一） to （七）.
    results = next(td for td in t3.iter("td") if td.text_content() == fmt.RESULTS_GROUP)
    assert results.get("rowspan") == str(sum(1 for row in fmt.REQUEST_ROWS if row.path[0] == fmt.RESULTS_GROUP))
    corner = next(td for td in t3.iter("td") if td.text_content() == fmt.REQUEST_CORNER_LABEL)
    header_rows = 3  # 申请人情况, 法人或其他组织, the column labels
    assert (corner.get("rowspan"), corner.get("colspan")) == (str(header_rows), str(fmt.REQUEST_LABEL_DEPTH))
    new_row = next(row for row in _cells(t3) if row and row[0] == fmt.REQUEST_ROW_BY_KEY["new"].label)
    assert new_row[1:] == [str(busy_report.request("new", c.key)) for c in fmt.REQUEST_COLUMNS]
    assert new_row[-1] == "26"
    assert _cells(t4)[-1] == [
        str(busy_report.appeal(g.key, c.key)) for g in fmt.APPEAL_GROUPS for c in fmt.APPEAL_COLUMNS
    ]
    (parent,) = {g.parent for g in fmt.APPEAL_GROUPS if g.parent}
    litigation = next(td for td in t4.iter("td") if td.text_content() == parent)
    litigation_groups = sum(1 for g in fmt.APPEAL_GROUPS if g.parent == parent)
    assert litigation.get("colspan") == str(litigation_groups * len(fmt.APPEAL_COLUMNS))
    licensing = next(row for row in _cells(t2) if row and row[0] == "行政许可")
    assert licensing == ["行政许可", "156"]
    assert page.count("未收取政府信息公开信息处理费") == 1


def test_portal_html_escapes_narrative(busy_report):
    busy_report.overview.management = "<script>alert(1)</script> {{ 7*7 }} & 第二段\n第三段"
    page = render_html(busy_report)
    assert "<script>" not in page and "&lt;script&gt;" in page and "{{ 7*7 }}" in page
    paragraphs = [p.text_content() for p in lxml_html.fromstring(page.encode()).findall(".//p")]
    assert "第三段" in paragraphs


def test_render_writes_pdf_and_html(tmp_path):
    _tool("soffice", "libreoffice")
    out = tmp_path / "大峪镇.docx"
    result = runner.invoke(app, ["render", str(SAMPLES / "dayu-2025.xlsx"), "-o", str(out), "--pdf", "--html"])
    assert result.exit_code == 0, result.output
    pdf, page = out.with_suffix(".pdf"), out.with_suffix(".html")
    assert pdf.exists() and page.exists()
    text = subprocess.run([_tool("pdftotext"), str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "政府信息公开工作年度报告" in re.sub(r"\s+", "", text)
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, check=True).stdout.decode()
    # Chinese in Chinese fonts: the free stand-ins are embedded, no font is left unembedded.
    assert "CJK" in fonts or "UKai" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())


def test_fontconfig_maps_every_template_font(tmp_path):
    conf = pdf_module.fontconfig_file(tmp_path).read_text(encoding="utf-8")
    for font, substitutes in FONT_SUBSTITUTES.items():
        assert f"<family>{font}</family>" in conf and substitutes[0] in conf


def test_missing_libreoffice_is_explained(tmp_path, monkeypatch, busy_report):
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: None)
    with pytest.raises(PdfError) as info:
        convert_to_pdf(tmp_path / "x.docx")
    assert "apt-get install libreoffice-writer" in str(info.value) and "Windows" in str(info.value)
    xlsx = write_workbook(busy_report, tmp_path / "b.xlsx")
    result = runner.invoke(app, ["render", str(xlsx), "-o", str(tmp_path / "b.docx"), "--pdf"])
    assert result.exit_code == 2 and (tmp_path / "b.docx").exists()
    assert "LibreOffice" in result.output and "Traceback" not in result.output


def test_hung_conversion_times_out_and_cleans_up(tmp_path, monkeypatch):
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setattr(pdf_module, "find_soffice", lambda: str(slow))
    before = set(os.listdir(tempfile.gettempdir()))
    with pytest.raises(PdfError, match="超时"):
        convert_to_pdf(tmp_path / "x.docx", timeout=1)
    after = set(os.listdir(tempfile.gettempdir()))
    assert not {n for n in after - before if n.startswith("gongkai-pdf-")}


def test_batch_pdf_failure_is_listed_and_the_batch_goes_on(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    synthetic.write_county(folder, 3)

    def convert(docx, pdf=None, **_):
        raise PdfError(f"{docx.name} 转换为 PDF 失败：测试。")

    monkeypatch.setattr("gongkai.rendering.convert_to_pdf", convert)
    result = run_batch(folder, tmp_path / "out", jobs=1, pdf=True, html=True)
    assert [r.status for r in result.results] == ["rendered"] * 3
    assert all(r.extra_errors and ".html" in r.extras for r in result.results)
    assert result.exit_code == 1
    issues = list(load_workbook(tmp_path / "out" / "汇总.xlsx")["问题清单"].iter_rows(values_only=True))
    assert sum("转换为 PDF 失败" in (row[7] or "") for row in issues) == 3


def test_batch_pdf_and_html_beside_each_report(tmp_path):
    _tool("soffice", "libreoffice")
    folder = tmp_path / "in"
    synthetic.write_county(folder, 2)
    result = run_batch(folder, tmp_path / "out", jobs=2, pdf=True, html=True)
    assert result.exit_code == 0
    for r in result.results:
        assert r.output and r.extras[".pdf"] == r.output.with_suffix(".pdf") and r.extras[".pdf"].stat().st_size > 10000
        assert r.extras[".html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list((tmp_path / "out").glob(".gongkai-staging-*"))


def test_summary_has_native_charts_and_an_offline_page(tmp_path):
    folder = tmp_path / "in"
    paths = synthetic.write_county(folder, 4)
    result = run_batch(folder, tmp_path / "out")
    wb = load_workbook(tmp_path / "out" / "汇总.xlsx")
    charts = wb["图表"]._charts
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == ["各单位主动公开信息条数", "各单位收到政府信息公开申请数", "全县申请办理结果"]
    values = [row for row in wb["图表"].iter_rows(values_only=True) if row[0]]
    reports = [synthetic.make_report(i) for i in range(len(paths))]
    assert (reports[0].body.short_name, reports[0].channels.total()) in [(r[0], r[1]) for r in values]
    handling = dict(result.handling())
    assert handling["（一）予以公开"] == sum(r.request("granted", "total") for r in reports)
    assert sum(handling.values()) == sum(r.request("results_total", "total") for r in reports)
    page = (tmp_path / "out" / "汇总.html").read_text(encoding="utf-8")
    doc = lxml_html.fromstring(page.encode())
    assert len(doc.findall(".//svg")) == 3 and not doc.findall(".//script")
    assert reports[0].body.name in page


def test_portal_html_reads_back_to_the_same_report(tmp_path, busy_report):
    from gongkai.html.report import write_html
    from gongkai.published import read_published

    page = write_html(busy_report, tmp_path / "东城街道.html")
    back = read_published(page)
    assert (back.body.name, back.body.year, back.body.level) == ("青山县东城街道办事处", 2025, "街道")
    for row in fmt.REQUEST_ROWS:
        for col in fmt.REQUEST_COLUMNS:
            assert back.request(row.key, col.key) == busy_report.request(row.key, col.key), (row.key, col.key)
    for group in fmt.APPEAL_GROUPS:
        for col in fmt.APPEAL_COLUMNS:
            assert back.appeal(group.key, col.key) == busy_report.appeal(group.key, col.key)
    assert back.proactive == busy_report.proactive
    assert back.overview.requests.replace("\n", "") == busy_report.overview.requests.replace("\n", "")
    assert [f for f in back.provenance.findings if f.severity == "error"] == []
