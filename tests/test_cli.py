"""The command line: every command, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from gongkai.cli import app
from gongkai.jsonio import read_json
from gongkai.workbook import read_workbook, write_workbook

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def busy_xlsx(tmp_path, busy_report):
    return write_workbook(busy_report, tmp_path / "东城街道.xlsx")


def test_init_writes_a_prefilled_workbook(tmp_path):
    out = tmp_path / "大峪镇.xlsx"
    result = run("init", "-o", out, "--org", "大峪镇人民政府", "--short", "大峪镇", "--level", "乡镇", "--county", "济源市", "--year", 2025)
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["基本信息"]
    assert [ws[c].value for c in ("B3", "B4", "B5", "B6", "B7")] == ["大峪镇人民政府", "大峪镇", "乡镇", "济源市", 2025]
    # A blank workbook reads, checks with warnings only about nothing typed, and never crashes.
    report = read_workbook(out)
    assert report.body.name == "大峪镇人民政府" and report.request("new", "total") == 0


def test_init_refuses_to_overwrite(tmp_path):
    out = tmp_path / "a.xlsx"
    out.write_bytes(b"filled by a clerk")
    result = run("init", "-o", out, "--org", "甲镇人民政府", "--year", 2025)
    assert result.exit_code == 1 and "已存在" in result.output
    assert out.read_bytes() == b"filled by a clerk"


def test_init_rejects_an_unknown_level(tmp_path):
    result = run("init", "-o", tmp_path / "a.xlsx", "--org", "甲", "--level", "村", "--year", 2025)
    assert result.exit_code == 1 and "层级" in result.output


def test_export_and_init_from_round_trip(tmp_path, busy_xlsx, busy_report):
    js = tmp_path / "d.json"
    assert run("export", busy_xlsx, "-o", js).exit_code == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["requests"]["new"]["natural_person"] == 18
    assert data["requests"]["new"]["total"] is None  # computed, not declared
    assert data["proactive"]["fees_wan_yuan"] == "12.56"
    back = tmp_path / "back.xlsx"
    assert run("init", "--from", js, "-o", back).exit_code == 0
    assert read_workbook(back) == busy_report == read_json(js)
    js2 = tmp_path / "d2.json"
    assert run("export", back, "-o", js2).exit_code == 0
    assert js2.read_text(encoding="utf-8") == js.read_text(encoding="utf-8")


def test_schema_uses_the_canonical_keys():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    text = json.dumps(schema, ensure_ascii=False)
    for key in ("carried_forward", "results_total", "litigation_after_review", "fees_wan_yuan", "normative_documents"):
        assert key in text
    assert "行政事业性收费" in text


def test_check_clean_sample_exits_zero(busy_xlsx):
    result = run("check", busy_xlsx)
    assert result.exit_code == 0, result.output
    assert "核对通过" in result.output


def test_check_reports_errors_with_cells_and_exit_one(busy_xlsx):
    wb = load_workbook(busy_xlsx)
    wb["三、依申请公开"]["D6"] = 19  # new.natural_person: breaks R3-1 in its column
    wb.save(busy_xlsx)
    result = run("check", busy_xlsx, "--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    r31 = [f for f in findings if f["rule"] == "R3-1"]
    assert r31 and r31[0]["severity"] == "error" and r31[0]["location"].startswith("三、依申请公开!")
    human = run("check", busy_xlsx)
    assert human.exit_code == 1 and "R3-1" in human.output and "三、依申请公开!" in human.output


def test_check_unreadable_exits_two(tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    result = run("check", bad)
    assert result.exit_code == 2
    assert "坏.xlsx" in result.output and "Traceback" not in result.output


def test_cross_year_check_with_previous(tmp_path, busy_report, busy_xlsx):
    last = busy_report.model_copy(deep=True)
    last.body.year = 2024
    last.requests.carried_forward.natural_person = 5  # this year's carried_over says 2
    previous = tmp_path / "2024.json"
    previous.write_text(last.model_dump_json(), encoding="utf-8")
    result = run("check", busy_xlsx, "--previous", previous, "--json")
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "R3-4" in rules and result.exit_code == 1


def test_render_writes_the_default_name_beside_the_input(busy_xlsx):
    before = hashlib.sha256(busy_xlsx.read_bytes()).hexdigest()
    result = run("render", busy_xlsx)
    assert result.exit_code == 0, result.output
    out = busy_xlsx.parent / "青山县东城街道办事处2025年政府信息公开工作年度报告.docx"
    assert out.exists()
    assert hashlib.sha256(busy_xlsx.read_bytes()).hexdigest() == before
    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert "一、总体情况" in text


def test_render_refuses_on_errors_unless_forced(tmp_path, busy_xlsx):
    wb = load_workbook(busy_xlsx)
    wb["四、复议诉讼"]["E6"] = 5  # declared total, parts sum to 2
    wb.save(busy_xlsx)
    out = tmp_path / "r.docx"
    refused = run("render", busy_xlsx, "-o", out)
    assert refused.exit_code == 1 and not out.exists()
    assert "R4-1" in refused.output and "--force" in refused.output
    forced = run("render", busy_xlsx, "-o", out, "--force")
    assert forced.exit_code == 0 and out.exists()


def test_force_cannot_override_an_invalid_number(tmp_path, busy_xlsx):
    wb = load_workbook(busy_xlsx)
    wb["三、依申请公开"]["D6"] = "两件"
    wb.save(busy_xlsx)
    result = run("render", busy_xlsx, "-o", tmp_path / "r.docx", "--force")
    assert result.exit_code == 1 and not (tmp_path / "r.docx").exists()
    assert "两件" in result.output


def test_render_accepts_json(tmp_path, busy_report):
    js = tmp_path / "d.json"
    js.write_text(busy_report.model_dump_json(), encoding="utf-8")
    out = tmp_path / "from-json.docx"
    assert run("render", js, "-o", out).exit_code == 0 and out.exists()


def test_template_export(tmp_path):
    result = run("template", "export", tmp_path / "tpl")
    assert result.exit_code == 0
    assert (tmp_path / "tpl" / "report.docx").stat().st_size > 5000


def test_bad_json_is_explained(tmp_path):
    js = tmp_path / "x.json"
    js.write_text('{"body": {"name": "甲镇人民政府", "year": 2025}, "requests": {"new": {"natural_person": -1}}}', encoding="utf-8")
    result = run("check", js)
    assert result.exit_code == 2
    assert "requests.new.natural_person" in result.output and "不能小于 0" in result.output


def test_python_dash_m_and_no_traceback(tmp_path):
    bad = tmp_path / "旧.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    proc = subprocess.run([sys.executable, "-m", "gongkai", "render", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "另存为" in proc.stderr
    helped = subprocess.run([sys.executable, "-m", "gongkai", "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "年度报告" in helped.stdout


def _help(*args: str, width: int = 100) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": str(width), "TERMINAL_WIDTH": str(width)})
    assert result.exit_code == 0, result.output
    return result.output


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_command_list_gives_each_command_one_short_line():
    import typer

    output = _help()
    assert "FD-" not in output  # the deviation table lives in `gongkai audit --help`
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "Commands" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("╰"))
    rows = [line.strip("│ ").split(None, 1) for line in lines[start + 1 : end]]
    commands = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    # One row per command, no continuation rows: every summary fits on its line.
    assert sorted(row[0] for row in rows) == commands, rows
    for name, summary in rows:
        assert _display_width(summary.strip()) <= 70, (name, summary)


@pytest.mark.parametrize(("command", "groups"), [("audit", ("published",)), ("check", ("check", "workbook"))])
def test_help_lists_every_registered_rule(command: str, groups: tuple[str, ...]) -> None:
    import re

    from gongkai.rules import rules_in

    output = _help(command, width=300)
    for rule in rules_in(*groups):  # type: ignore[arg-type]
        head = re.escape(rule.description[:8])
        assert re.search(rf"^\W*{re.escape(rule.id)}\s+\S+\s+{head}", output, re.M), rule.id
