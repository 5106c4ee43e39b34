"""Where the core puts what it reads: values by canonical path, their printed locations,
and the format deviations (rule ids FD-*) it met on the way."""

from __future__ import annotations

from typing import Any

from ..findings import Finding, Severity
from ..model import Provenance
from ..rules import rules_in

DEVIATIONS: dict[str, str] = {r.id: r.description for r in rules_in("published")}
"""Format deviations of a published report: what it prints differently from 30号's format."""


class Sink:
    """The raw data for :class:`~gongkai.model.Report`, and where each value was printed."""

    def __init__(self, source: str) -> None:
        self.data: dict[str, Any] = {}
        self.prov = Provenance(source)

    def put(self, path: str, value: Any, location: str = "", label: str = "") -> None:
        node = self.data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        self.locate(path, location, label)

    def locate(self, path: str, location: str, label: str = "") -> None:
        if location:
            self.prov.cells[path] = location
        if label:
            self.prov.labels[path] = label

    def blank(self, path: str) -> None:
        if path not in self.prov.blank:
            self.prov.blank.append(path)

    def unprinted(self, path: str, location: str) -> None:
        self.prov.unprinted.add(path)
        self.locate(path, location)

    def inferred(self, path: str, value: Any, location: str) -> None:
        """A value the report printed no cell for but that its other cells fix."""
        self.put(path, value, location)
        self.prov.inferred.add(path)

    def deviation(
        self,
        rule: str,
        severity: Severity,
        message: str,
        hint: str = "",
        *,
        path: str = "",
        location: str = "",
    ) -> None:
        assert rule in DEVIATIONS, rule
        self.prov.findings.append(
            Finding(rule=rule, severity=severity, message=message, hint=hint, path=path, location=location)
        )

    def error(self, rule: str, message: str, hint: str, *, path: str, location: str) -> None:
        """A value that is printed but cannot be a figure (R0-1 / R0-2)."""
        self.prov.findings.append(
            Finding(rule=rule, severity="error", message=message, hint=hint, path=path, location=location)
        )
