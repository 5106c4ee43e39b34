"""The one table of writers: one signature, chosen by name or suffix, same bytes as before."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from checks_helpers import clean_busy_report
from gongkai.errors import OutputError
from gongkai.html.report import render_html
from gongkai.jsonio import report_to_json
from gongkai.writing import BATCH_WRITERS, WRITERS, write_report, writer_for


def test_every_writer_takes_report_and_path_and_returns_the_path() -> None:
    for entry in WRITERS.values():
        params = list(inspect.signature(entry.write).parameters.values())
        assert [p.name for p in params[:2]] == ["report", "path"], entry.name
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[2:]), entry.name
    for write in BATCH_WRITERS.values():
        assert [p for p in inspect.signature(write).parameters][:2] == ["batch", "path"]


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_writer_is_chosen_by_its_suffix(name: str, tmp_path: Path) -> None:
    entry = WRITERS[name]
    assert writer_for(f"报告{entry.suffix.upper()}") is entry
    path = write_report(clean_busy_report(), tmp_path / f"报告{entry.suffix}")
    assert path.stat().st_size > 0


def test_writers_write_what_the_library_functions_write(tmp_path: Path) -> None:
    report = clean_busy_report()
    assert write_report(report, tmp_path / "a.json").read_text(encoding="utf-8") == report_to_json(report)
    assert write_report(report, tmp_path / "a.htm", "html").read_text(encoding="utf-8") == render_html(report)


def test_an_unknown_output_is_a_chinese_refusal(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="不支持的输出格式"):
        write_report(clean_busy_report(), tmp_path / "报告.odt")
