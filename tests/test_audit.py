"""gongkai audit: one report or a folder, cross-year by body and year, summary worst first."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from gongkai.audit import audit, audit_markdown, write_audit
from gongkai.cli import app
from published_helpers import report_text, request_col, text_row

runner = CliRunner()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def last_year_text(*, nothing_carried: bool = False, in_force: int = 3) -> str:
    """白沙镇's 2024 report: its 结转下年度 and 现行有效 are what 2025 carries on.

    ``nothing_carried``: every 2024 application was concluded (a consistent table), so the 1
    that 2025 prints as 上年结转 contradicts it.
    """
    requests = None
    narrative = None
    if nothing_carried:
        requests = {
            "granted": [4, 1, 0, 0, 0, 0, 5],
            "results_total": [6, 1, 0, 0, 0, 0, 7],
            "carried_forward": [0, 0, 0, 0, 0, 0, 0],
        }
        narrative = "白沙镇依法办理政府信息公开申请，均在法定期限内答复。"
    text = report_text(requests=requests, requests_narrative=narrative)
    text = text.replace("2025年", "2024年").replace("2026-01-20", "2025-01-20")
    text = text.replace("行政规范性文件\t2\t0\t5", f"行政规范性文件\t1\t0\t{in_force}")
    return text


def test_folder_audit_finds_last_year_by_body_and_ranks_worst_first(tmp_path: Path) -> None:
    folder = tmp_path / "报告"
    folder.mkdir()
    _write(folder / "白沙镇2024.txt", last_year_text(nothing_carried=True))
    _write(folder / "白沙镇2025.txt", report_text())
    _write(folder / "说明.md", "不是报告")
    _write(folder / "坏文件.txt", "这不是年度报告。\n")
    result = audit(folder)
    assert [r.source.name for r in result.reports] == ["坏文件.txt", "白沙镇2024.txt", "白沙镇2025.txt"]
    this = next(r for r in result.reports if r.source.name == "白沙镇2025.txt")
    assert this.previous is not None and this.previous.name == "白沙镇2024.txt"
    # 2024 carried nothing forward, 2025 printed 1 carried over: R3-4 in the 自然人 column.
    assert [f.rule for f in this.rule_findings] == ["R3-4"]
    carried_over = f"表三第{text_row('carried_over')}行（二、上年结转政府信息公开申请数量）"
    assert this.rule_findings[0].location == f"{carried_over}第{request_col('natural_person')}列（自然人）"
    assert result.exit_code == 1
    ranked = [r.source.name for r in result.worst_first()]
    assert ranked == ["坏文件.txt", "白沙镇2025.txt", "白沙镇2024.txt"]
    markdown = audit_markdown(result)
    assert "### 规则核对" in markdown and "### 格式偏差" in markdown and "R3-4" in markdown
    assert markdown.index("白沙镇2025.txt") < markdown.index("| 3 |")


def test_folder_audit_lists_json_that_is_not_report_data_and_audits_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "报告"
    folder.mkdir()
    _write(folder / "白沙镇2025.txt", report_text())
    # An answer key beside the report: canonical figures, but no report structure.
    _write(folder / "白沙镇2025.expected.json", json.dumps({"body": "白沙镇人民政府", "year": 2025}))
    _write(folder / "坏数据.json", '{"format_version": "gongkai-2021.1", "body": ')
    result = audit(folder)
    assert [f.name for f in result.skipped] == ["白沙镇2025.expected.json"]
    # A damaged JSON is still taken as a report and said to be unreadable.
    assert sorted(r.source.name for r in result.reports) == ["坏数据.json", "白沙镇2025.txt"]
    assert "未核对 1 个不是年度报告数据的 JSON 文件：白沙镇2025.expected.json" in audit_markdown(result)
    cli = runner.invoke(app, ["audit", str(folder), "--json"])
    assert json.loads(cli.stdout)["skipped"] == ["白沙镇2025.expected.json"]


def test_consistent_years_give_no_cross_year_finding(tmp_path: Path) -> None:
    _write(tmp_path / "2024.txt", last_year_text(in_force=3))
    _write(tmp_path / "2025.txt", report_text())  # 3 + 2 − 0 = 5 in force, 1 carried over
    result = audit(tmp_path)
    assert all(r.findings == [] for r in result.reports)
    assert result.exit_code == 0


def test_previous_option_for_a_single_file(tmp_path: Path) -> None:
    last = _write(tmp_path / "上年.txt", last_year_text(in_force=40))
    this = _write(tmp_path / "本年.txt", report_text())
    result = audit(this, previous=last)
    assert [f.rule for f in result.reports[0].findings] == ["R2-2"]


def test_partial_last_year_does_not_compare_what_it_never_printed(tmp_path: Path) -> None:
    text = last_year_text()
    _write(tmp_path / "2024.txt", text[: text.index("8.属于行政查询事项")])
    _write(tmp_path / "2025.txt", report_text())
    this = next(r for r in audit(tmp_path).reports if r.source.name == "2025.txt")
    assert this.previous is not None and this.findings == []


def test_cli_audit_exit_codes_json_and_outputs(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.txt", report_text())
    result = runner.invoke(app, ["audit", str(good)])
    assert result.exit_code == 0, result.output
    assert "通过" in result.output
    bad = _write(tmp_path / "bad.txt", report_text(requests={"new": [5, 1, 0, 0, 0, 0, 7]}))
    result = runner.invoke(app, ["audit", str(bad), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["exit_code"] == 1 and payload["reports"][0]["status"] == "errors"
    assert "R3-2" in [f["rule"] for f in payload["reports"][0]["findings"]]
    unreadable = _write(tmp_path / "x.txt", "随便写的几行字\n")
    result = runner.invoke(app, ["audit", str(unreadable)])
    assert result.exit_code == 2
    folder = tmp_path
    md, xlsx = tmp_path / "out" / "核对报告.md", tmp_path / "out" / "核对结果.xlsx"
    assert runner.invoke(app, ["audit", str(folder), "-o", str(md)]).exit_code == 1
    assert md.read_text(encoding="utf-8").startswith("# 已发布政府信息公开工作年度报告核对报告")
    write_audit(audit(folder), xlsx)
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["汇总", "问题清单"]
    assert wb["汇总"].max_row == 4  # a heading and three reports
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["audit", str(empty)]).exit_code == 2
