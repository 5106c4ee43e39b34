"""Every rule a finding may name, declared once: id, severities, forceability, inputs, description.

The checks, the readers (workbook WB-*/R0-*, published reports FD-*), ``--force`` in
:mod:`gongkai.rendering`, :mod:`gongkai.checks.printed` (which cells a finding rests on), the
README's two rule tables and the CLI's ``--help`` all take their rules from :data:`RULES`.
:func:`gongkai.check_report` refuses a finding whose rule is not here or whose severity the
rule does not declare, so a new rule cannot be half-registered.

This module is neutral (it imports only the format and the findings' types): checks, readers,
the CLI and the portal may all import it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from . import format as fmt
from .findings import SEVERITY_LABELS, Finding, Severity

Group = Literal["check", "workbook", "published"]


class Reads(BaseModel):
    """A pattern of model paths a rule reads.

    Lower-case placeholders come from the finding's own path: ``{path}`` is all of it, and
    ``{section}``, ``{row}``, ``{col}`` its three parts (a pattern naming them reads nothing for
    a path of another length). Upper-case ones run over a list from the format (:data:`SETS`).
    ``when`` limits the pattern to findings whose path parts have those values.
    """

    model_config = ConfigDict(frozen=True)

    pattern: str
    when: dict[str, str] = Field(default_factory=dict)

    def paths(self, finding_path: str) -> set[str]:
        parts = finding_path.split(".")
        own = {"path": finding_path}
        if len(parts) == 3:
            own |= dict(zip(("section", "row", "col"), parts, strict=True))
        if any(own.get(k) != v for k, v in self.when.items()):
            return set()
        names = re.findall(r"\{(\w+)\}", self.pattern)
        if any(n.islower() and n not in own for n in names):
            return set()
        sets = [SETS[n] if n.isupper() else (own[n],) for n in names]
        template = re.sub(r"\{\w+\}", "{}", self.pattern)
        return {template.format(*combo) for combo in itertools.product(*sets)}


# The lists a pattern may run over, all from the format.
SETS: dict[str, tuple[str, ...]] = {
    "COUNT_ROWS": ("new", "carried_over", "results_total", "carried_forward"),
    "RESULT_ROWS": fmt.RESULT_ROW_KEYS,
    "REQUEST_COLUMNS": tuple(c.key for c in fmt.REQUEST_COLUMNS),
    "APPEAL_PARTS": tuple(c.key for c in fmt.APPEAL_PART_COLUMNS),
    "APPEAL_GROUPS": tuple(g.key for g in fmt.APPEAL_GROUPS),
    "DOCUMENT_FIELDS": fmt.DOCUMENT_FIELDS,
}


class Rule(BaseModel):
    """One rule. ``severities`` are those its findings may have, the usual one first;
    ``level`` is the README's wording of them when one word is not enough. ``inputs`` is
    required: a rule that compares no table cell says so with ``()``."""

    model_config = ConfigDict(frozen=True)

    id: str
    group: Group
    severities: tuple[Severity, ...]
    description: str
    inputs: tuple[Reads, ...]
    # Rendering with an unforceable error would print a number the clerk did not type (the
    # bad cell reads as 0), so --force cannot override it.
    forceable: bool = True
    level: str = ""

    @property
    def severity(self) -> Severity:
        return self.severities[0]

    @property
    def level_text(self) -> str:
        return self.level or SEVERITY_LABELS[self.severity]

    def inputs_for(self, finding_path: str) -> set[str]:
        """The model paths a finding of this rule at ``finding_path`` rests on."""
        found: set[str] = set()
        for reads in self.inputs:
            found |= reads.paths(finding_path)
        return found


def _reads(*patterns: str | Reads) -> tuple[Reads, ...]:
    return tuple(p if isinstance(p, Reads) else Reads(pattern=p) for p in patterns)


def _rule(
    id: str,
    group: Group,
    severities: Severity | tuple[Severity, ...],
    description: str,
    inputs: Iterable[str | Reads],
    *,
    forceable: bool = True,
    level: str = "",
) -> Rule:
    return Rule(
        id=id,
        group=group,
        severities=(severities,) if isinstance(severities, str) else severities,
        description=description,
        inputs=_reads(*inputs),
        forceable=forceable,
        level=level,
    )


_CELL = "{section}.{row}.{col}"

RULE_LIST: tuple[Rule, ...] = (
    # --- checks and the readers' cell rules (README: 核对规则) ---
    _rule("R0-1", "check", "error", "件数是不小于 0 的整数（负数、小数、文字、公式都报错）", (), forceable=False),
    _rule(
        "R0-2",
        "check",
        ("error", "warning"),
        "收费金额是不小于 0 的数字，单位万元；数额大得像是按“元”填写时提示",
        ("proactive.fees_wan_yuan",),
        forceable=False,
        level="错误/警告",
    ),
    _rule("R0-3", "check", "warning", "数字单元格留空按 0 处理并提示", ("{path}",)),
    _rule("R0-4", "check", "error", "报告年度前后一致（标题、统计期限、正文中的年度）", ()),
    _rule(
        "R2-1",
        "check",
        ("error", "info"),
        "乡镇、街道不能制定规章，规章各栏应为 0；省级政府和设区的市级政府（市级政府）有规章是正常的，不提示",
        ("{path}",),
        level="错误（县级政府、各级部门等其他层级为提示）",
    ),
    _rule(
        "R2-2",
        "check",
        "warning",
        "跨年度：现行有效件数 ≈ 上年现行有效 + 本年制发 − 本年废止",
        ("proactive.normative_documents.{DOCUMENT_FIELDS}",),
    ),
    _rule(
        "R2-3",
        "check",
        "warning",
        "跨年度：本年废止件数不超过上年现行有效 + 本年制发",
        ("proactive.normative_documents.{DOCUMENT_FIELDS}",),
    ),
    _rule(
        "R3-1",
        "check",
        "error",
        "表三每一列：第一项 + 第二项 = 第三项（总计）+ 第四项",
        (
            "requests.{COUNT_ROWS}.{col}",
            "requests.{RESULT_ROWS}.{col}",
            # The rule also weighs the columns as they would be with every total summed.
            Reads(pattern="requests.{COUNT_ROWS}.{REQUEST_COLUMNS}", when={"col": "total"}),
        ),
    ),
    _rule(
        "R3-2",
        "check",
        "error",
        "表三每一行：总计 = 六类申请人之和",
        (
            "requests.{row}.{REQUEST_COLUMNS}",
            Reads(pattern="requests.{RESULT_ROWS}.{REQUEST_COLUMNS}", when={"row": "results_total"}),
        ),
    ),
    _rule(
        "R3-3",
        "check",
        "error",
        "表三每一列：（七）总计 = 各项办理结果之和",
        ("requests.{RESULT_ROWS}.{col}", "requests.results_total.{col}"),
    ),
    _rule("R3-4", "check", "error", "跨年度：本年“上年结转” = 上年“结转下年度继续办理”", (_CELL,)),
    _rule("R3-5", "check", "warning", "合理性：未收费却有“逾期未缴纳费用”；乡镇“大量反复申请”过多", (_CELL,)),
    _rule(
        "R4-1",
        "check",
        "error",
        "表四每组：总计 = 维持 + 纠正 + 其他 + 尚未审结",
        ("appeals.{row}.{APPEAL_PARTS}", "appeals.{row}.total"),
    ),
    _rule(
        "RN-1",
        "check",
        "error",
        "正文所述收到申请数与表三“本年新收”总计一致（写明含上年结转的，与两者之和比较）",
        ("requests.new.total", "requests.carried_over.total"),
    ),
    _rule("RN-2", "check", "error", "正文所述上年结转数与表三“上年结转”总计一致", ("requests.carried_over.total",)),
    _rule("RN-3", "check", "error", "正文所述办结（答复）数与表三办理结果总计一致", ("requests.results_total.total",)),
    _rule(
        "RN-4",
        "check",
        "error",
        "正文所述结转下年度数与表三“结转下年度继续办理”总计一致",
        ("requests.carried_forward.total",),
    ),
    _rule("RN-5", "check", "error", "正文称没有收到申请时，表三“本年新收”总计应为 0", ("requests.new.total",)),
    _rule(
        "RN-6",
        "check",
        "error",
        "正文所述政府信息公开行政复议、行政诉讼件数与表四一致",
        ("appeals.{APPEAL_GROUPS}.total",),
    ),
    _rule("RN-7", "check", "error", "正文所说报告组成部分数应为六部分", ()),
    _rule(
        "RN-8",
        "check",
        ("warning", "info"),
        "总体情况五个方面齐全，监督保障写明考核、评议、责任追究",
        (),
        level="警告（只缺其中几项时为提示）",
    ),
    _rule("RN-9", "check", "warning", "正文所说总数等于所列分项之和（如“发布709条…网站69条…公众号640条”）", ()),
    _rule("RN-10", "check", "warning", "跨年度：第五、六部分与上年雷同", ()),
    _rule("RN-11", "check", "warning", "第六部分说明信息处理费收取情况", ()),
    _rule(
        "RN-12",
        "check",
        "error",
        "正文所述规章、行政规范性文件的制发、废止、现行有效件数，行政许可、处罚、强制的处理决定数与表二一致",
        (),
    ),
    _rule(
        "RN-13",
        "check",
        "error",
        "没有印表三的报告，正文所述申请数平衡：新收 + 上年结转 = 办结 + 结转下年度（未写明的项不推测）",
        (),
    ),
    _rule("WB-1", "workbook", "error", "填报表必填项（机关全称、层级、年度）为空或无效", (), forceable=False),
    _rule("WB-2", "workbook", "warning", "合计公式被改动：忽略该公式，按分项重新计算", ()),
    _rule("WB-3", "workbook", "info", "填报表是旧版模板：按其单元格位置读取，旧版没有的格子按 0 读取", ()),
    # --- format deviations of published reports (README: 格式偏差) ---
    _rule(
        "FD-1",
        "published",
        ("warning", "info"),
        "缺少某一部分（标题和内容都没有，或有标题而没有表格）；未印的表格不参与核对；总体情况没有分写五个方面",
        (),
        level="警告（五个方面为提示）",
    ),
    _rule(
        "FD-2",
        "published",
        ("warning", "info"),
        "部分标题与格式原文不同（错别字，或“六、其他事项”等写法）",
        (),
        level="警告（常见写法为提示）",
    ),
    _rule("FD-3", "published", "warning", "表三缺少某一栏（如“其他”栏），该栏各行按 0 计", ()),
    _rule("FD-4", "published", "warning", "合计（总计）单元格空白，按各项之和计", ()),
    _rule(
        "FD-5",
        "published",
        ("warning", "info"),
        "某行数字个数与表头栏数不符：都是 0 时整行按 0 读取，否则该行不读取、不核对；数字与表头错位时按顺序读取",
        (),
        level="警告（错位为提示）",
    ),
    _rule("FD-6", "published", "warning", "表格缺行或在中途结束，未印的行不参与核对", ()),
    _rule(
        "FD-7",
        "published",
        ("warning", "info"),
        "表格按 2019 年试行格式印制，能对应的栏目按对应栏读取，其余不读取",
        (),
        level="警告（表三为提示）",
    ),
    _rule("FD-8", "published", "info", "行标签写法与格式原文不同，但可以识别", ()),
    _rule("FD-9", "published", "warning", "无法识别的表格行，未读取", ()),
    _rule(
        "FD-10",
        "published",
        ("warning", "info"),
        "没有报告标题，或标题中看不出机关名称、年度，从开头说明、统计期限推断",
        (),
        level="警告（有标题时为提示）",
    ),
    _rule(
        "FD-11",
        "published",
        "warning",
        "正文的段落、词语、数字被拆成多行（网页抓取的文字，如“20”“21”“年”），按段落接回",
        (),
    ),
    _rule(
        "FD-12",
        "published",
        "warning",
        "表格数字被拆开（逐行印出的“1”“62”）：只有一种接法符合本行合计时接回，否则该行不读取；"
        "PDF 表格线不全、数字不在单元格内时，按文字层中该行的标签读取",
        (),
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in RULE_LIST}
assert len(RULES) == len(RULE_LIST), "a rule id is declared twice"

UNFORCEABLE_RULES: frozenset[str] = frozenset(r.id for r in RULE_LIST if not r.forceable)


class RuleRegistryError(Exception):
    """A finding names a rule that is not registered, or a severity its rule does not declare.

    A programming error, not a problem with the user's file: it is not a GongkaiError, so it
    surfaces as a failure (in tests above all) instead of a polite message."""


def check_registered(findings: Iterable[Finding]) -> None:
    """Raise :class:`RuleRegistryError` unless every finding's rule and severity are registered."""
    for f in findings:
        rule = RULES.get(f.rule)
        if rule is None:
            raise RuleRegistryError(f"finding with unregistered rule {f.rule!r}: {f.message}")
        if f.severity not in rule.severities:
            raise RuleRegistryError(
                f"{f.rule} finding has severity {f.severity!r}, the registry declares {rule.severities}: {f.message}"
            )


def rules_in(*groups: Group) -> list[Rule]:
    return [r for r in RULE_LIST if r.group in groups]


# --- the tables generated from the registry -----------------------------------------------

README_TABLES: dict[str, tuple[tuple[Group, ...], str]] = {
    # marker name -> (groups, the header of the description column)
    "rules": (("check", "workbook"), "规则"),
    "deviations": (("published",), "格式偏差"),
}


def markdown_table(name: str) -> str:
    """One of the README's rule tables (:data:`README_TABLES`) as Markdown, from the registry."""
    groups, header = README_TABLES[name]
    lines = [f"| 编号 | {header} | 级别 |", "|---|---|---|"]
    lines += [f"| {r.id} | {r.description} | {r.level_text} |" for r in rules_in(*groups)]
    return "\n".join(lines) + "\n"


def readme_block(name: str) -> str:
    """The table between its markers, as the README holds it."""
    return f"<!-- {name}:begin (generated from gongkai.rules; python -m gongkai.rules) -->\n{markdown_table(name)}<!-- {name}:end -->"


def update_readme(text: str) -> str:
    """The README text with each generated table replaced by the registry's."""
    for name in README_TABLES:
        pattern = re.compile(rf"<!-- {name}:begin[^\n]*-->\n.*?<!-- {name}:end -->", re.S)
        text, n = pattern.subn(lambda _m, name=name: readme_block(name), text)
        if n != 1:
            raise ValueError(f"README has {n} blocks for the {name} table, expected one")
    return text


def help_table(*groups: Group) -> str:
    """The rules of ``groups`` as plain lines for a command's ``--help``."""
    return "\n".join(
        f"{r.id}  {'/'.join(SEVERITY_LABELS[s] for s in r.severities)}  {r.description}" for r in rules_in(*groups)
    )


if __name__ == "__main__":  # python -m gongkai.rules: rewrite the README's tables
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2] / "README.md"
    readme.write_text(update_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"已更新 {readme} 的规则表。")
