"""The online form as a reader and writer of the model (gongkai.formdata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongkai import read_workbook
from gongkai.formdata import FormError, form_fields, form_values, read_form
from gongkai.jsonio import report_to_json
from gongkai.workbook import layout as L

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize("name", ["dayu-2025.xlsx", "dongcheng-2025.xlsx"])
def test_a_report_round_trips_through_the_form(name: str) -> None:
    report = read_workbook(SAMPLES / name)
    again = read_form(form_values(report), report)
    assert json.loads(report_to_json(again)) == json.loads(report_to_json(report))


def test_the_form_holds_every_figure_and_text_but_not_identity_totals_or_last_year() -> None:
    paths = {s.path for s in form_fields()}
    specs = L.cell_specs()
    assert {s.path for s in specs if s.kind in ("int", "decimal") and s.sheet in (L.SHEET_PROACTIVE, L.SHEET_REQUESTS, L.SHEET_APPEALS)} <= paths
    assert not any(p.startswith(("body.", "last_year.")) for p in paths)
    assert not any(s.path in paths for s in specs if s.kind == "total")


def test_bad_values_name_their_fields_and_nothing_is_guessed() -> None:
    report = read_workbook(SAMPLES / "dayu-2025.xlsx")
    values = form_values(report) | {"requests.new.commercial": "两件", "requests.new.research": "1.5", "appeals.administrative_review.upheld": "-1"}
    with pytest.raises(FormError) as caught:
        read_form(values, report)
    assert {p.path for p in caught.value.problems} == {"requests.new.commercial", "requests.new.research", "appeals.administrative_review.upheld"}
    assert all(p.label == L.spec_by_path()[p.path].label for p in caught.value.problems)


def test_full_width_digits_empty_cells_and_empty_channel_rows() -> None:
    report = read_workbook(SAMPLES / "dayu-2025.xlsx")
    values = form_values(report) | {"requests.new.natural_person": "１２", "requests.new.commercial": ""}
    values |= {f"channels.new_media.{i}.{f}": "" for i in range(L.CHANNEL_ROWS) for f in ("name", "platform", "posts")}
    values |= {"channels.new_media.3.name": "某某发布", "channels.new_media.3.posts": "9"}
    got = read_form(values, report)
    assert got.requests.new.natural_person == 12 and got.requests.new.commercial == 0
    assert [(m.name, m.posts) for m in got.channels.new_media] == [("某某发布", 9)]
