"""County batch and distribution: every body rendered or listed with its reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import ROOT, synthetic
from gongkai import check_report, read_report, render_report, write_workbook
from gongkai import format as fmt
from gongkai.batch import run_batch
from gongkai.cli import app
from gongkai.county import distribute, read_orgs
from gongkai.errors import GongkaiError, UnreadableInputError
from gongkai.model import LastYear


@pytest.fixture
def county(tmp_path):
    """Five clean townships."""
    return synthetic.write_county(tmp_path / "收齐", 5)


def test_synthetic_reports_are_rule_consistent():
    assert all(check_report(synthetic.make_report(i)) == [] for i in range(60))


def test_batch_of_twenty_equals_twenty_single_renders(tmp_path):
    paths = synthetic.write_county(tmp_path / "in", 20)
    result = run_batch(tmp_path / "in", tmp_path / "out", jobs=2)
    assert result.exit_code == 0 and [r.status for r in result.results] == ["rendered"] * 20
    for path, r in zip(paths, result.results, strict=True):
        single = render_report(read_report(path), tmp_path / "single.docx").read_bytes()
        assert r.output is not None and r.output.read_bytes() == single, r.output
    assert not list((tmp_path / "out").glob(".gongkai-staging-*"))


def test_output_does_not_depend_on_jobs(tmp_path, county):
    one = run_batch(county[0].parent, tmp_path / "one", jobs=1)
    two = run_batch(county[0].parent, tmp_path / "two", jobs=2)
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert [r.source.name for r in one.results] == [r.source.name for r in two.results]


def test_messy_county_folder(tmp_path, county, busy_report):
    folder = county[0].parent
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 broken")
    (folder / "~$00000-东山镇.xlsx").write_bytes(b"excel lock file")  # never a report
    duplicate = synthetic.make_report(1)  # 西山镇 again
    write_workbook(duplicate, folder / "西山镇-重报.xlsx")
    old = synthetic.make_report(7, year=2024)
    write_workbook(old, folder / "去年的.xlsx")
    wrong = synthetic.make_report(9)
    wrong.requests.new.total = 999  # declared total disagrees with its parts
    write_workbook(wrong, folder / "有错.xlsx")

    result = run_batch(folder, tmp_path / "out")
    status = {r.source.name: r.status for r in result.results}
    assert "~$00000-东山镇.xlsx" not in status
    assert status["坏文件.xlsx"] == "unreadable"
    assert status["00001-西山镇.xlsx"] == status["西山镇-重报.xlsx"] == "duplicate"
    assert status["去年的.xlsx"] == "wrong_year"
    assert status["有错.xlsx"] == "refused"
    assert [s for n, s in status.items() if n.startswith("0000") and "西山" not in n] == ["rendered"] * 4
    assert result.year == 2025 and result.exit_code == 1
    rendered = sorted(p.name for p in (tmp_path / "out").glob("*.docx"))
    assert len(rendered) == 4 and not any("西山镇" in n for n in rendered)
    refused = next(r for r in result.results if r.source.name == "有错.xlsx")
    assert any(f.rule == "R3-2" and "999" in f.message for f in refused.findings)

    summary = load_workbook(tmp_path / "out" / "汇总.xlsx")
    assert summary.sheetnames == ["汇总", "二（全县合计）", "三（全县合计）", "四（全县合计）", "图表", "问题清单"]
    rows = list(summary["汇总"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:8] == ("序号", "文件", "机关全称", "层级", "年度", "状态", "错误", "警告")
    by_file = {row[1]: row for row in rows[1:-1]}
    assert by_file["坏文件.xlsx"][5] == "无法读取"
    assert by_file["有错.xlsx"][5] == "未生成（有错误）" and by_file["有错.xlsx"][6] >= 1
    issues = list(summary["问题清单"].iter_rows(values_only=True))
    assert any(row[0] == "有错.xlsx" and row[4] == "R3-2" and row[5] == "三、依申请公开" for row in issues)
    assert any(row[0] == "坏文件.xlsx" and "坏文件.xlsx" in row[7] for row in issues)

    report = (tmp_path / "out" / "核对报告.md").read_text(encoding="utf-8")
    order = [report.index(f"（{name}）") for name in ("坏文件.xlsx", "00001-西山镇.xlsx", "去年的.xlsx", "有错.xlsx", "00000-东山镇.xlsx")]
    assert order == sorted(order), "worst first"


def test_county_totals_are_the_sum_of_the_counted_bodies(tmp_path, county):
    result = run_batch(county[0].parent, tmp_path / "out")
    reports = [read_report(p) for p in county]
    ws = load_workbook(tmp_path / "out" / "汇总.xlsx")["三（全县合计）"]
    from gongkai.workbook import layout as L

    for row in fmt.REQUEST_ROWS:
        for col in fmt.REQUEST_COLUMNS:
            spec = L.spec_by_path()[f"requests.{row.key}.{col.key}"]
            assert ws[spec.cell].value == sum(r.request(row.key, col.key) for r in reports), spec.path
    assert "5个单位合计" in ws["A1"].value and "不是任何单位的报告" in ws["A1"].value
    totals_row = list(load_workbook(tmp_path / "out" / "汇总.xlsx")["汇总"].iter_rows(values_only=True))[-1]
    assert totals_row[0] == "合计"
    assert result.totals()["requests.new.total"] == sum(r.request("new", "total") for r in reports)


def test_a_report_that_cannot_be_written_is_listed_and_the_rest_are_rendered(tmp_path, county, monkeypatch):
    # Reports are flushed to disk by a thread while the next one renders: a failed write must
    # still land on its own body, after the files before it and before the files after it.
    import itertools

    import gongkai.atomic

    real_fsync = gongkai.atomic.os.fsync
    calls = itertools.count()

    def fsync(fd: int) -> None:
        if next(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(gongkai.atomic.os, "fsync", fsync)
    result = run_batch(county[0].parent, tmp_path / "out", jobs=1)
    assert [r.status for r in result.results] == ["rendered", "rendered", "refused", "rendered", "rendered"]
    failed = result.results[2]
    assert failed.output is None and "生成失败" in failed.message and "No space left" in failed.message
    assert failed.source.name == county[2].name
    assert len(list((tmp_path / "out").glob("*.docx"))) == 4
    assert not list((tmp_path / "out").glob(".gongkai-staging-*"))


def test_unsafe_body_names_make_safe_file_names(tmp_path):
    report = synthetic.make_report(0)
    report.body.name = "../../逃逸/镇人民政府"
    (tmp_path / "in").mkdir()
    write_workbook(report, tmp_path / "in" / "x.xlsx")
    result = run_batch(tmp_path / "in", tmp_path / "out")
    out = result.results[0].output
    assert out is not None and out.parent == tmp_path / "out" and "/" not in out.name and not out.name.startswith(".")


def test_nothing_readable_exits_two(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_text("no")
    result = CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    with pytest.raises(UnreadableInputError):
        run_batch(tmp_path / "empty-folder-does-not-exist", tmp_path / "out")


def test_batch_cli_plain_progress_and_exit_codes(tmp_path, county):
    result = CliRunner().invoke(app, ["batch", str(county[0].parent), "-o", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "[5/5]" in result.output and "已生成 5 个" in result.output


# --- distribution -----------------------------------------------------------------------------


def _orgs_csv(path: Path, encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["机关全称", "简称", "层级", "所属县（市、区）"])
        writer.writerow(["东山镇人民政府", "东山镇", "乡镇", "示例县"])
        writer.writerow(["城关街道办事处", "城关街道", "街道", "示例县"])
        writer.writerow(["示例县教育局", "县教育局", "县级部门", "示例县"])
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_read_orgs_csv_in_either_encoding(tmp_path, encoding):
    orgs = read_orgs(_orgs_csv(tmp_path / "名单.csv", encoding), 2025)
    assert [(o.body.name, o.body.level) for o in orgs] == [
        ("东山镇人民政府", "乡镇"),
        ("城关街道办事处", "街道"),
        ("示例县教育局", "县级部门"),
    ]


def test_read_orgs_reports_bad_rows(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("机关全称,层级\n甲镇人民政府,村\n,\n乙镇人民政府,乡镇\n乙镇人民政府,乡镇\n", encoding="utf-8")
    with pytest.raises(GongkaiError) as info:
        read_orgs(path, 2025)
    assert "第 2 行" in str(info.value) and "层级" in str(info.value)
    path.write_text("名字\n甲\n", encoding="utf-8")
    with pytest.raises(UnreadableInputError, match="机关全称"):
        read_orgs(path, 2025)


def test_distribute_with_last_year(tmp_path):
    last_dir = tmp_path / "2024"
    last_dir.mkdir()
    last = synthetic.make_report(0, year=2024)  # 东山镇
    last.requests.carried_forward.natural_person = 3
    last.requests.carried_forward.commercial = 1
    write_workbook(last, last_dir / "东山镇2024.xlsx")
    result = distribute(_orgs_csv(tmp_path / "名单.csv"), tmp_path / "分发", 2025, previous=last_dir)
    assert len(result.written) == 3 and result.with_last_year == 1
    assert any("城关街道办事处" in p for p in result.problems)
    dongshan = read_report(next(p for p in result.written if "东山镇" in p.name))
    assert dongshan.body.year == 2025 and dongshan.body.parent == "示例县"
    assert dongshan.requests.carried_over.natural_person == 3 and dongshan.requests.carried_over.commercial == 1
    assert dongshan.last_year == LastYear.from_report(last)
    # The carried-in facts drive the cross-year rules without last year's file.
    dongshan.requests.carried_over.natural_person = 2
    assert any(f.rule == "R3-4" for f in check_report(dongshan))
    # A second distribution into the same folder never overwrites what clerks filled.
    with pytest.raises(GongkaiError, match="已有"):
        distribute(tmp_path / "名单.csv", tmp_path / "分发", 2025)


def test_init_orgs_cli_with_xlsx_list(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["机关全称", "简称", "层级"])
    wb.active.append(["东山镇人民政府", "东山镇", "乡镇"])
    wb.save(tmp_path / "名单.xlsx")
    result = CliRunner().invoke(app, ["init", "--orgs", str(tmp_path / "名单.xlsx"), "--year", "2025", "-o", str(tmp_path / "分发")])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "分发").iterdir()] == ["东山镇人民政府2025年度报告填报表.xlsx"]


def test_batch_previous_folder_drives_cross_year_rules(tmp_path):
    last_dir, this_dir = tmp_path / "2024", tmp_path / "2025"
    last_dir.mkdir()
    last = synthetic.make_report(0, year=2024)
    last.requests.carried_forward.natural_person = 4
    (last_dir / "东山镇.json").write_text(last.model_dump_json(), encoding="utf-8")
    this = synthetic.make_report(0)
    this_dir.mkdir()
    write_workbook(this, this_dir / "东山镇.xlsx")
    result = run_batch(this_dir, tmp_path / "out", previous=last_dir)
    assert this.requests.carried_over.natural_person != 4
    assert any(f.rule == "R3-4" for f in result.results[0].findings)
    assert result.results[0].status == "refused"


def test_json_inputs_are_batched_too(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    report = synthetic.make_report(3)
    (folder / "a.json").write_text(report.model_dump_json(), encoding="utf-8")
    result = run_batch(folder, tmp_path / "out")
    assert result.results[0].status == "rendered"
    assert json.loads((folder / "a.json").read_text(encoding="utf-8"))["body"]["name"] == report.body.name


# --- the sample county (the README's example) ----------------------------------------------

COUNTY = ROOT / "samples" / "county"


def test_readme_county_example(tmp_path):
    result = CliRunner().invoke(
        app, ["batch", str(COUNTY / "2025"), "-o", str(tmp_path / "输出"), "--previous", str(COUNTY / "2024")]
    )
    assert result.exit_code == 0, result.output
    docs = sorted((tmp_path / "输出").glob("*.docx"))
    assert len(docs) == 6 and (tmp_path / "输出" / "汇总.xlsx").exists()
    report = (tmp_path / "输出" / "核对报告.md").read_text(encoding="utf-8")
    assert "已生成 6 个" in report and "核对通过" in report


def test_readme_distribution_example(tmp_path):
    result = CliRunner().invoke(
        app,
        ["init", "--orgs", str(COUNTY / "单位名单.csv"), "--year", "2025", "--previous", str(COUNTY / "2024"), "-o", str(tmp_path / "分发")],
    )
    assert result.exit_code == 0, result.output
    assert "6 份填报表（6 份带入了上年数据）" in result.output
    this_year = {read_report(p).body.name: read_report(p) for p in (COUNTY / "2025").glob("*.xlsx")}
    for path in (tmp_path / "分发").glob("*.xlsx"):
        blank = read_report(path)
        filled = this_year[blank.body.name]
        # The carried-over row was filled from last year's 结转下年度 and agrees with what
        # the township then reported.
        for col in fmt.REQUEST_COLUMNS:
            assert blank.request("carried_over", col.key) == filled.request("carried_over", col.key)


# --- reports from any source (a web portal's uploads) -------------------------------------------


def _messy_county(tmp_path: Path) -> tuple[Path, Path]:
    """This year's folder (workbooks, a JSON export, a broken file, a report with an error) and
    last year's (a workbook and a JSON export)."""
    last_dir, this_dir = tmp_path / "2024", tmp_path / "2025"
    synthetic.write_county(this_dir, 4)
    last_dir.mkdir()
    for i in (0, 1):
        last, this = synthetic.make_year_pair(i)
        write_workbook(this, this_dir / f"{i:05d}-{this.body.short_name}.xlsx")
        if i:
            last.requests.carried_forward.natural_person += 3  # R3-4 against this year's 上年结转
            (last_dir / f"{last.body.short_name}.json").write_text(last.model_dump_json(), encoding="utf-8")
        else:
            write_workbook(last, last_dir / f"{last.body.short_name}.xlsx")
    (this_dir / "金山镇.json").write_text(synthetic.make_report(6).model_dump_json(), encoding="utf-8")
    wrong = synthetic.make_report(7)
    wrong.requests.new.total = 999
    write_workbook(wrong, this_dir / "有错.xlsx")
    (this_dir / "坏文件.xlsx").write_bytes(b"PK\x03\x04 broken")
    return this_dir, last_dir


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_reports_given_as_bytes_give_the_folder_runs_files_byte_for_byte(tmp_path):
    from gongkai.county import report_files
    from gongkai.sources import ReportSource

    this_dir, last_dir = _messy_county(tmp_path)
    folder = run_batch(this_dir, tmp_path / "folder", previous=last_dir, jobs=1)
    uploads = [(p.name, p.read_bytes()) for p in report_files(this_dir)]
    last_year = [ReportSource(p.name, data=p.read_bytes()) for p in report_files(last_dir)]
    given = run_batch(uploads, tmp_path / "bytes", previous=last_year, jobs=2)  # bytes cross to workers

    statuses = {r.source.name: r.status for r in folder.results}
    assert statuses["坏文件.xlsx"] == "unreadable" and statuses["有错.xlsx"] == "refused"
    assert statuses["金山镇.json"] == statuses["00000-东山镇.xlsx"] == "rendered"
    assert statuses["00001-西山镇.xlsx"] == "refused"  # last year's figures reached the check
    assert {r.source.name: r.status for r in given.results} == statuses
    assert [r.findings for r in given.results] == [r.findings for r in folder.results]
    rules = {f.rule for r in given.results if r.source.name == "00001-西山镇.xlsx" for f in r.findings}
    assert "R3-4" in rules
    expected = _outputs(tmp_path / "folder")
    assert {"汇总.xlsx", "核对报告.md", "汇总.html"} <= set(expected)
    assert sum(name.endswith(".docx") for name in expected) == list(statuses.values()).count("rendered") == 4
    actual = _outputs(tmp_path / "bytes")
    assert sorted(actual) == sorted(expected)
    for name, data in expected.items():
        assert actual[name] == data, name


def test_sources_may_mix_paths_and_bytes_and_reuse_a_file_name(tmp_path):
    from gongkai.sources import ReportSource

    first, second = synthetic.make_report(0), synthetic.make_report(1)
    a, b = tmp_path / "a.xlsx", tmp_path / "b" / "a.xlsx"
    b.parent.mkdir()
    write_workbook(first, a)
    write_workbook(second, b)
    result = run_batch([a, ("a.xlsx", b.read_bytes())], tmp_path / "out", jobs=1)
    assert [r.status for r in result.results] == ["rendered", "rendered"]
    assert [r.body.name for r in result.results if r.body] == [first.body.name, second.body.name]
    assert len({r.output for r in result.results}) == 2
    with pytest.raises(UnreadableInputError):
        run_batch([], tmp_path / "none")
    with pytest.raises(UnreadableInputError):
        ReportSource("", data=b"")
    assert ReportSource("C:\\收齐\\东山镇.xlsx", data=b"").name == ReportSource("收齐/东山镇.xlsx", data=b"").name == "东山镇.xlsx"
