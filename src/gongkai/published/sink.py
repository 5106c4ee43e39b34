"""Where the core puts what it reads: values by canonical path, their printed locations,
and the format deviations (rule ids FD-*) it met on the way."""

from __future__ import annotations

from typing import Any

from ..findings import Finding, Severity
from ..model import Provenance

DEVIATIONS: dict[str, str] = {
    "FD-1": "缺少部分：报告中没有某一部分，或有标题而没有表格；未印的表格数字不参与核对",
    "FD-2": "部分标题与格式原文不同（错别字或其他写法）",
    "FD-3": "表三缺少某一栏（如“其他”栏）：该栏各行按 0 计",
    "FD-4": "合计（总计）单元格空白：按各项之和计",
    "FD-5": "某行数字个数与表头栏数不符：都是 0 时按 0 读取，否则该行不读取、不核对",
    "FD-6": "表格缺行或在中途结束：未印的行不参与核对",
    "FD-7": "表格按 2019 年试行格式印制：能对应的栏目按对应栏读取，其余不读取",
    "FD-8": "行标签写法与格式原文不同，但可以识别",
    "FD-9": "无法识别的表格行：未读取",
    "FD-10": "没有报告标题，或标题中看不出机关名称、年度：从正文推断",
    "FD-11": "正文的段落、词语和数字被拆成多行（网页抓取的文字）：按段落接回",
    "FD-12": "表格数字被拆开（如“1”“62”）或不在表格线内：行合计唯一确定时接回或按文字层读取，否则该行不读取",
}
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
