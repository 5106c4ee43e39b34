"""What the body and totals pages show, built from the library's own definitions: the
narrative parts from :data:`gongkai.checks.labels.NARRATIVE_FIELDS` (named as the report
prints them, placed where the workbook has them), the tables from
:mod:`gongkai.html.tables`' geometry over :func:`gongkai.context.build_context`'s values.
A field or row added to the format shows up here with no change to the portal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import format as fmt
from ..checks.labels import NARRATIVE_FIELDS, narrative_text
from ..findings import Finding
from ..formdata import CHANNEL_PREFIXES
from ..html.tables import Row, appeal_rows, proactive_rows, request_rows
from ..model import Report

# Each table: the context key build_context gives it, the data path its cells carry, its
# row builder and its heading.
TABLES = (
    ("t2", "proactive", proactive_rows, fmt.SECTION_HEADINGS[1]),
    ("t3", "requests", request_rows, fmt.SECTION_HEADINGS[2]),
    ("t4", "appeals", appeal_rows, fmt.SECTION_HEADINGS[3]),
)


@dataclass
class NarrativePart:
    path: str
    label: str  # where the report prints it
    where: str  # the workbook cell the clerk wrote it in
    text: str
    generated: bool  # empty, so the report prints the library's default sentences
    findings: list[tuple[int, Finding]]  # (index in the version's findings, finding)


def narrative_parts(report: Report, findings: list[Finding], context: dict[str, Any]) -> list[NarrativePart]:
    """The narrative as the clerk wrote it, each part with the findings about it."""
    from ..workbook import layout as L

    cells = {s.path: s for s in L.cell_specs()}
    parts = []
    for path, label in NARRATIVE_FIELDS.items():
        spec = cells.get(path)
        where = f"{spec.sheet}!{spec.cell}" if spec else ""
        about = [
            (i, f)
            for i, f in enumerate(findings)
            if f.path and (f.path == path or spec is not None and f.location.endswith(f"!{spec.cell}") and f.location.startswith(spec.sheet))
        ]
        parts.append(NarrativePart(path, label, where, narrative_text(report, path), path in context["generated"], about))
    return parts


def report_tables(context: dict[str, Any]) -> list[tuple[str, list[Row]]]:
    """Tables 二/三/四 of a report, from :func:`gongkai.context.build_context`."""
    return [(heading, rows(context[key])) for key, _section, rows, heading in TABLES]


def totals_tables(values: Mapping[str, object]) -> list[tuple[str, list[Row]]]:
    """Tables 二/三/四 filled with figures given by data path (the county's totals)."""
    prefixes = {path.rsplit(".", n)[0] for path in values for n in range(1, path.count(".") + 1)}
    return [(heading, rows(_ByPath(values, prefixes, section))) for _key, section, rows, heading in TABLES]


class _ByPath(Mapping[str, Any]):
    """A table's figures as the row builders index them (``t3[row][column]``), read from
    ``{path: value}``; a path not given reads as 0."""

    def __init__(self, values: Mapping[str, object], prefixes: set[str], prefix: str) -> None:
        self.values, self.prefixes, self.prefix = values, prefixes, prefix

    def __getitem__(self, key: str) -> Any:
        path = f"{self.prefix}.{key}"
        if path in self.prefixes:
            return _ByPath(self.values, self.prefixes, path)
        return str(self.values.get(path, 0))

    def __iter__(self) -> Iterator[str]:
        start = len(self.prefix) + 1
        return iter(dict.fromkeys(p[start:].split(".")[0] for p in self.values if p.startswith(f"{self.prefix}.")))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class ChannelGroup:
    """A list of rows the clerk adds to and removes from (网站信息分类, 政务新媒体): the
    workbook's blank channel rows, drawn as a small table. ``shown`` rows are visible; the
    rest wait hidden for 添加一行 (the script reveals one, a plain form posts for one)."""

    key: str  # website_breakdown | new_media
    title: str
    headings: list[str]
    rows: list[list[Any]]  # CellSpec per cell, one list per row
    shown: int = 1


@dataclass
class EditorSection:
    title: str
    table: list[Row] | None
    fields: list[Any]  # the form fields (CellSpec) of this part, outside the table
    channels: list[ChannelGroup] = field(default_factory=list)


def channel_groups(specs: list[Any], values: Mapping[str, str], wanted: Mapping[str, int]) -> list[ChannelGroup]:
    """The channel rows among ``specs`` as groups; each shows its filled rows and one blank
    one (or ``wanted[key]`` rows when the clerk asked for more), never more than it has."""
    groups: dict[str, ChannelGroup] = {}
    for spec in specs:
        _, key, index, _field = spec.path.split(".")
        title, heading = spec.label.split("·", 1)
        group = groups.setdefault(key, ChannelGroup(key, title.split("第", 1)[0], [], []))
        if int(index) == len(group.rows):
            group.rows.append([])
        group.rows[int(index)].append(spec)
        if int(index) == 0:
            group.headings.append(heading)
    for group in groups.values():
        filled = [i for i, row in enumerate(group.rows) if any(values.get(s.path, "").strip() for s in row)]
        natural = (filled[-1] + 2) if filled else 1
        group.shown = min(len(group.rows), max(natural, wanted.get(group.key, 0)))
    return list(groups.values())


def editor_sections(report: Report, values: Mapping[str, str] | None = None, wanted: Mapping[str, int] | None = None) -> list[EditorSection]:
    """The online editor's parts, one per sheet of the standard workbook, in its order: the
    statutory tables drawn by the library's geometry (their data cells become inputs), the
    other fields as the workbook lists them."""
    from ..context import build_context
    from ..formdata import form_fields
    from ..workbook import layout as L

    tables = dict(zip((L.SHEET_PROACTIVE, L.SHEET_REQUESTS, L.SHEET_APPEALS), report_tables(build_context(report)), strict=True))
    by_sheet: dict[str, list[Any]] = {}
    for spec in form_fields():
        by_sheet.setdefault(spec.sheet, []).append(spec)
    sections = []
    for sheet in L.SHEETS:
        if sheet in tables:
            heading, rows = tables[sheet]
            sections.append(EditorSection(heading, rows, []))
        elif sheet in by_sheet:
            specs = by_sheet[sheet]
            channel = [s for s in specs if s.path.startswith(CHANNEL_PREFIXES)]
            plain = [s for s in specs if s not in channel]
            sections.append(EditorSection(sheet, None, plain, channel_groups(channel, values or {}, wanted or {})))
    return sections


def default_texts(report: Report) -> dict[str, str]:
    """What the report prints for each narrative part left empty (the library's default
    sentences from the figures, :func:`gongkai.context.build_context`'s ``generated`` parts),
    paragraphs joined by newlines."""
    from ..context import build_context

    context = build_context(report)
    out: dict[str, str] = {}
    for path in context["generated"]:
        section, key = path.split(".")
        if path == "preamble.text":
            paragraphs = context["preamble"]
        elif path == "other_matters.processing_fee_statement":
            paragraphs = context["fee_statement"].split("\n")
        else:
            paragraphs = context.get(section, {}).get(key, [])
        out[path] = "\n".join(p for p in paragraphs if p)
    return out
