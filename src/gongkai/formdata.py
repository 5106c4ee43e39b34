"""The report as a flat form of fields named by canonical key (``requests.new.natural_person``).

A reader and a writer like the others, for the portal's online editor (在线填报): the fields
are the standard workbook's cells (:func:`gongkai.workbook.layout.cell_specs`) minus the
body's identity (the roster's), 上年数据 (the round's) and the totals (always computed from
their parts, shown, never typed). :func:`form_values` gives a report's values as the form shows
them; :func:`read_form` reads a posted form back into a report, starting from ``base`` for
everything the form does not hold. Type and range checks are pydantic's; a bad value is a
:class:`FormProblem` naming the field's label, and nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from .model import Report, get_path
from .textutil import clean_text, normalise_number_text
from .workbook import layout as L

CHANNEL_PREFIXES = ("channels.website_breakdown.", "channels.new_media.")  # rows that drop out when empty
NUMBER_KINDS = ("int", "decimal")


@cache
def form_fields() -> tuple[L.CellSpec, ...]:
    """The fields of the form, in the workbook's reading order."""
    return tuple(
        s
        for s in L.cell_specs()
        if not s.path.startswith(("body.", "last_year.")) and s.kind in (*NUMBER_KINDS, "text", "longtext")
    )


@dataclass(frozen=True)
class FormProblem:
    path: str
    label: str
    message: str


class FormError(ValueError):
    """The posted form holds values the report cannot take; ``problems`` name each field."""

    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__("；".join(f"{p.label}：{p.message}" for p in problems))
        self.problems = problems


def form_values(report: Report) -> dict[str, str]:
    """Every form field's value as text, as the form shows it ("" for an empty channel row)."""
    out: dict[str, str] = {}
    for spec in form_fields():
        try:
            value = get_path(report, spec.path)
        except (IndexError, AttributeError):
            value = None
        out[spec.path] = "" if value is None else str(value)
    return out


def read_form(values: Mapping[str, str], base: Report) -> Report:
    """``base`` with every field of the form set from ``values`` (a field missing from
    ``values`` keeps the base's value); totals are computed; channel rows left empty drop out.
    Raises :class:`FormError` when a value is not what its field takes."""
    data = base.model_dump(mode="python")
    rows: dict[str, dict[int, dict[str, str]]] = {}
    labels: dict[str, str] = {}
    for spec in form_fields():
        labels[spec.path] = spec.label
        if spec.path not in values:
            continue
        raw = values[spec.path]
        text = clean_text(raw) if spec.kind == "longtext" else clean_text(raw).strip()
        if spec.path.startswith(CHANNEL_PREFIXES):
            _, group, index, field = spec.path.split(".")
            rows.setdefault(group, {}).setdefault(int(index), {})[field] = text
            continue
        _put(data, spec.path, _typed(spec, text))
    for group, by_index in rows.items():
        items = []
        for index in sorted(by_index):
            fields = by_index[index]
            if not any(fields.values()):
                continue
            for field in fields:
                labels[f"channels.{group}.{len(items)}.{field}"] = labels[f"channels.{group}.{index}.{field}"]
            items.append({f: (normalise_number_text(t) or "0") if f in ("count", "posts") else t for f, t in fields.items()})
        data["channels"][group] = items
    _computed_totals(data)
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        raise FormError([_problem(e, labels) for e in exc.errors()]) from exc


def _typed(spec: L.CellSpec, text: str) -> Any:
    if spec.kind in NUMBER_KINDS:
        return normalise_number_text(text) or "0"  # an empty cell of a table is 0, as in the workbook
    return text


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _computed_totals(data: dict[str, Any]) -> None:
    """Totals the form does not hold are computed from their parts (``None``), as a formula
    cell of the workbook is."""
    for spec in L.cell_specs():
        if spec.kind == "total" and not spec.path.startswith("last_year."):
            _put(data, spec.path, None)


def _problem(error: Any, labels: dict[str, str]) -> FormProblem:
    path = ".".join(str(p) for p in error["loc"])
    label = labels.get(path, path)
    kind = error["type"]
    if kind in ("missing", "string_too_short"):
        message = "不能为空"
    elif kind.startswith(("int", "decimal", "float")) or "greater_than" in kind:
        message = "应填不小于 0 的整数（金额可有小数），没有发生的填 0"
    else:
        message = "填写的内容无效"
    return FormProblem(path, label, message)
