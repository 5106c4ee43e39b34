"""Clerks never see a command line (issue 14 §2): not in the workbook they are handed, not in
the messages about their files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from gongkai import Body, Report, UnreadableInputError, read_report, write_workbook

COMMAND = re.compile(r"gongkai\s+(init|check|render|batch|import|export|audit|serve)|--[a-z]")


def test_the_standard_workbook_holds_no_command_line(tmp_path: Path) -> None:
    path = write_workbook(Report(body=Body(name="大峪镇人民政府", year=2025)), tmp_path / "大峪镇.xlsx")
    wb = load_workbook(path)
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    texts += [dv.prompt or "" for ws in wb.worksheets for dv in ws.data_validations.dataValidation]
    texts += [dv.error or "" for ws in wb.worksheets for dv in ws.data_validations.dataValidation]
    assert texts and not [t for t in texts if COMMAND.search(t)]


@pytest.mark.parametrize("kind", ["not_ours", "other_version", "old_excel"])
def test_messages_about_a_clerks_file_name_no_command(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "填报表.xlsx"
    if kind == "not_ours":
        wb = Workbook()
        wb.active["A1"] = "随便一张表"
        wb.save(path)
    elif kind == "other_version":
        write_workbook(Report(body=Body(name="大峪镇人民政府", year=2025)), path)
        wb = load_workbook(path)
        wb["填报说明"]["B2"] = "gongkai-2019.1"
        wb.save(path)
    else:
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(UnreadableInputError) as caught:
        read_report(path)
    assert "填报表.xlsx" in str(caught.value) and not COMMAND.search(str(caught.value))
