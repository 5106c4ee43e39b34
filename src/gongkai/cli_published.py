"""CLI commands for published reports (gongkai audit, gongkai import)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from .errors import GongkaiError
from .rules import help_table

if TYPE_CHECKING:
    from .audit import AuditResult

# The audit and import modules load when their command runs: every other command (a county
# batch above all) then starts without them.

AUDIT_HELP = "\n\n".join(
    (
        # The first paragraph is the command's one line in ``gongkai --help``; the rest shows
        # only in ``gongkai audit --help``.
        "核对已发布的报告（.txt/.docx/.html/.pdf），列出规则问题和格式偏差。",
        "也可核对填报表或 JSON。文件夹中同一单位的上年报告自动用于跨年度核对，也可用 --previous 指定。"
        "退出码 0 无错误，1 有错误，2 无法读取。",
        "格式偏差编号：\n" + help_table("published"),
    )
)

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """gongkai's errors as a Chinese message and an exit code, never a traceback."""
    try:
        yield
    except GongkaiError as exc:
        _err.print(f"[bold red]错误：[/]{exc}")
        raise typer.Exit(exc.exit_code) from None


def print_audit(result: AuditResult) -> None:
    """One line per report (worst first), then each report's findings, one per line."""
    from .audit import display_findings, skipped_text

    console = _err if result.exit_code else _out
    for problem in result.previous_problems:
        console.print(f"[yellow]上年报告：[/]{problem}")
    if result.skipped:
        console.print(skipped_text(result), markup=False)
    ranked = result.worst_first()
    console.print(f"共核对 {len(ranked)} 个文件：")
    for i, r in enumerate(ranked, start=1):
        year = f"{r.year}年" if r.year else ""
        last = f"，对照上年 {r.previous.name}" if r.previous else ""
        console.print(
            f"{i}. {r.name}{year}（{r.source.name}）：{r.status_label}，错误 {r.errors}，警告 {r.warnings}，"
            f"格式偏差 {len(r.deviations)}{last}",
            markup=False,
        )
    for r in ranked:
        console.print(f"\n== {r.name}（{r.source.name}）", markup=False)
        if r.report is None:
            console.print(r.message, markup=False)
            continue
        for title, findings in (("规则核对", r.rule_findings), ("格式偏差", r.deviations)):
            console.print(f"-- {title}：{f'{len(findings)} 条' if findings else '无'}", markup=False)
            for f, where in display_findings(findings):
                hint = f" 建议：{f.hint}" if f.hint else ""
                console.print(
                    f"[{f.severity_label}] {f.rule} {where or f.path} {f.message}{hint}", markup=False
                )


def register(app: typer.Typer) -> None:
    """Add the published-report commands to ``app``."""

    @app.command("audit", help=AUDIT_HELP)
    def audit_command(
        path: Annotated[Path, typer.Argument(help="一份已发布的报告，或报告所在的文件夹。")],
        previous: Annotated[
            Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10
            typer.Option("--previous", "-p", help="上年的报告（文件或文件夹），用于跨年度核对。"),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出核对结果。")] = False,
        output: Annotated[
            Optional[Path],  # noqa: UP045
            typer.Option("--output", "-o", help="把核对报告写入文件：.md（Markdown）、.xlsx 或 .json。"),
        ] = None,
    ) -> None:
        from .audit import audit, audit_json, write_audit

        with _user_errors():
            result = audit(path, previous)
            if output is not None:
                write_audit(result, output)
        if as_json:
            sys.stdout.write(json.dumps(audit_json(result), ensure_ascii=False, indent=2) + "\n")
        else:
            print_audit(result)
            if output is not None:
                _out.print(f"\n核对报告：{output}")
        raise typer.Exit(result.exit_code)

    @app.command("import")
    def import_command(
        source: Annotated[
            Path,
            typer.Argument(help="上年（或本年）已发布的报告：.txt、.docx、.html、.pdf，或填报表、JSON。"),
        ],
        output: Annotated[Path, typer.Option("--output", "-o", help="要生成的填报表（.xlsx）。")],
        year: Annotated[
            Optional[int],  # noqa: UP045
            typer.Option("--year", help="新填报表的年度，默认为上年报告的下一年。"),
        ] = None,
        same_year: Annotated[
            bool,
            typer.Option(
                "--same-year", help="生成与原报告同一年度、内容完全相同的填报表，用于改正后重新生成。"
            ),
        ] = False,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="输出文件已存在时覆盖。")] = False,
    ) -> None:
        """由已发布的报告生成填报表（默认下一年度；--same-year 为同一年度）。

        下一年度的填报表带入上年结转、上年数据，上年文字作为批注，仅供参考；
        --same-year 生成与原报告同一年度、内容完全相同的可编辑填报表。
        """
        from .importing import import_next_year, import_same_year

        with _user_errors():
            if same_year:
                if year is not None:
                    raise GongkaiError("--same-year 与 --year 不能同时使用。")
                import_same_year(source, output, overwrite=overwrite)
                _out.print(f"已生成同年度填报表：{output}（原报告的数字和文字已全部填入，合计数保持原样）")
                return
            import_next_year(source, output, year=year, overwrite=overwrite)
        _out.print(
            f"已生成下一年度填报表：{output}（上年结转、上年数据已带入；上年文字见各文字单元格的批注，仅供参考）"
        )
