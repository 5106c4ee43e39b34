"""What a 退回 may point at: the report's real cells and parts, by canonical path.

The county ticks cells in the drawn tables and parts of the narrative (on the body's page or
in the read-only editor); only paths of the format are kept, each shown to the clerk by its
Chinese name (``表三（依申请公开）（三）不予公开“1.属于国家秘密”行“科研机构”列``), never free text.
"""

from __future__ import annotations

import functools

from ..checks.labels import NARRATIVE_FIELDS, describe
from ..formdata import form_fields
from ..model import Report
from ..results import TABLE_PATHS
from .errors import PortalError


@functools.cache
def targets() -> dict[str, str]:
    """Every path a 退回 may name, with its Chinese name, in the report's order."""
    blank = Report.model_construct()
    named: dict[str, str] = {}
    for path in TABLE_PATHS:
        named[path] = describe(blank, path)
    for path, label in NARRATIVE_FIELDS.items():
        named[path] = label
    for spec in form_fields():
        named.setdefault(spec.path, spec.label)
    return named


def checked_targets(cells: list[str]) -> list[str]:
    """The ticked paths, each once, in the report's order; anything that is not a cell or
    part of the report is refused (400), naming it."""
    wanted = {c.strip() for c in cells if c.strip()}
    unknown = sorted(wanted - targets().keys())
    if unknown:
        shown = "、".join(u[:40] for u in unknown[:3])
        raise PortalError(f"“{shown}”不是报告中的单元格或部分，请在表格或文字部分中勾选。", 400)
    return [p for p in targets() if p in wanted]


def target_label(path: str) -> str:
    """The Chinese name of a pointed path; a path stored before the format changed is shown as is."""
    return targets().get(path, path)
