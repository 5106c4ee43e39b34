"""A format change as the next engineer makes it: one line in format.py, then regenerate.

In a scratch copy of the source, a sixth row is added under table 三's （五）不予处理 and
``python -m gongkai.regenerate`` is run. The new row must then appear in a new workbook, the
JSON Schema, the table-三 balance rules, the Word report and the HTML page, and a workbook
written before the change (the committed ``samples/dayu-2025.xlsx``) must read exactly as
it did, by its own recorded layout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gongkai import check_report, read_workbook
from gongkai import format as fmt
from gongkai.jsonio import report_to_json
from gongkai.workbook import history

ROOT = Path(__file__).resolve().parents[1]
# A key and label the format does not have yet (even after someone has added this very row).
NEW_KEY = next(k for k in (f"not_processed_test_{i}" for i in range(100)) if k not in fmt.REQUEST_ROW_BY_KEY)
NEW_LABEL = f"{sum(fmt.NOT_PROCESSED in r.path for r in fmt.REQUEST_ROWS) + 1}.通过其他渠道可以获取（{NEW_KEY}）"
NEW_LINE = f'    RequestRow("{NEW_KEY}", (RESULTS_GROUP, NOT_PROCESSED, "{NEW_LABEL}"), "result"),\n'

# Run inside the scratch copy, against its source: prints what the test then asserts on.
PROBE = r"""
import json, sys, zipfile
from pathlib import Path
from gongkai import check_report, read_workbook, write_workbook, render_report
from gongkai.jsonio import report_to_json
from gongkai.model import LAYOUT_VERSION, Report
from gongkai.workbook import history, layout as L
from gongkai.html.report import render_html

old_path, out = Path(sys.argv[1]), Path(sys.argv[2])
key, old_json = sys.argv[3], Path(sys.argv[4])
old = read_workbook(old_path)
from gongkai.jsonio import read_json
from_json = read_json(old_json)
result = {
    "version": LAYOUT_VERSION,
    "recorded": [x.version for x in history.recorded()],
    "old_requests": json.loads(report_to_json(old))["requests"],
    "old_findings": sorted(f"{f.rule}|{f.severity}|{f.message}" for f in check_report(old)),
    "json_requests": json.loads(report_to_json(from_json))["requests"],
}
report = read_workbook(old_path)
getattr(report.requests, key).natural_person = 2
write_workbook(report, out / "new.xlsx")
spec = L.spec_by_path()[f"requests.{key}.natural_person"]
back = read_workbook(out / "new.xlsx")
result["new_cell"] = spec.where
result["new_value"] = getattr(back.requests, key).natural_person
result["new_findings"] = sorted(f.rule for f in check_report(back) if f.severity == "error")
result["schema_has_key"] = key in json.dumps(Report.model_json_schema())
render_report(back, out / "report.docx")
with zipfile.ZipFile(out / "report.docx") as z:
    result["docx"] = z.read("word/document.xml").decode("utf-8")
result["html"] = render_html(back)
print(json.dumps(result, ensure_ascii=False))
"""



def _copy_source(dest: Path, *names: str) -> None:
    """What regenerate reads and writes, copied to ``dest`` (the README's rule tables too)."""
    for name in names:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "tmp"))
    shutil.copy2(ROOT / "README.md", dest / "README.md")


def _run_in(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python run against ``tree``'s own source; it must succeed."""
    run = subprocess.run(
        [sys.executable, *args],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree / "src")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("format-change")
    _copy_source(copy, "src", "templates", "samples", "benchmarks", "tests")
    fmt_py = copy / "src" / "gongkai" / "format.py"
    text = fmt_py.read_text(encoding="utf-8")
    anchor = next(a for a in ('    RequestRow("other_no_correction"', '    RequestRow(\n        "other_no_correction"') if a in text)
    fmt_py.write_text(text.replace(anchor, NEW_LINE + anchor, 1), encoding="utf-8")
    _run_in(copy, "-m", "gongkai.regenerate", "--no-pictures")
    return copy


@pytest.fixture(scope="module")
def probe(scratch: Path) -> dict:
    out = scratch / "out"
    out.mkdir()
    # A JSON export written before the change, by today's code.
    old_json = out / "old.json"
    old_json.write_text(report_to_json(read_workbook(ROOT / "samples" / "dayu-2025.xlsx")), encoding="utf-8")
    run = _run_in(scratch, "-c", PROBE, str(ROOT / "samples" / "dayu-2025.xlsx"), str(out), NEW_KEY, str(old_json))
    return json.loads(run.stdout)


def test_regenerate_records_a_new_layout_beside_the_old(probe: dict) -> None:
    current = history.current_version()
    assert probe["recorded"][: len(history.recorded())] == [x.version for x in history.recorded()]
    assert probe["version"] != current and probe["version"] in probe["recorded"]


def test_a_workbook_written_before_the_change_reads_as_before(probe: dict) -> None:
    today = read_workbook(ROOT / "samples" / "dayu-2025.xlsx")
    before = json.loads(report_to_json(today))["requests"]
    after = probe["old_requests"]
    assert {k: after[k] for k in before} == before and set(after) - set(before) == {NEW_KEY}
    assert set(after[NEW_KEY].values()) <= {0, None}
    old_findings = [f for f in probe["old_findings"] if not f.startswith("WB-3|")]
    assert old_findings == sorted(f"{f.rule}|{f.severity}|{f.message}" for f in check_report(today))
    assert probe["json_requests"] == after  # a JSON export of the older layout reads by its keys too
    (note,) = [f for f in probe["old_findings"] if f.startswith("WB-3|")]
    assert "|info|" in note and NEW_LABEL in note and history.current_version() in note


def test_the_new_row_is_in_the_workbook_schema_report_and_page(probe: dict) -> None:
    assert probe["new_value"] == 2
    assert probe["new_cell"].startswith("三、依申请公开!")
    assert probe["schema_has_key"]
    assert NEW_LABEL in probe["docx"] and NEW_LABEL in probe["html"]
    # 2 more applications handled but 一+二 unchanged: the statutory balance no longer holds.
    assert any(rule.startswith("R3") for rule in probe["new_findings"])


def test_regenerating_without_a_format_change_changes_nothing(tmp_path: Path) -> None:
    _copy_source(tmp_path, "src", "templates", "samples", "benchmarks")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    run = _run_in(tmp_path, "-m", "gongkai.regenerate", "--no-pictures")
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert [p for p in before if after.get(p) != before[p]] == []
    assert "生成的文件内容均未变化" in run.stdout


def test_the_current_layout_is_recorded() -> None:
    # Fails after a format change until `python -m gongkai.regenerate` has been run.
    assert history.is_recorded(), "格式已改动：请运行 python -m gongkai.regenerate 登记新的填报表版式"
