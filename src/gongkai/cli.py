"""The ``gongkai`` command: a thin Typer layer over the library functions."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import format as fmt
from .batch import run_batch
from .checks import check_report
from .cli_published import register as register_published
from .county import distribute, prefill
from .docx_writer import export_template
from .errors import GongkaiError
from .findings import Finding, has_errors, rule_key
from .jsonio import report_to_json
from .model import Body, LastYear, Report
from .portal.command import register as register_serve
from .reading import read_report
from .rendering import RenderRefused, render_file
from .results import BodyResult
from .rules import UNFORCEABLE_RULES, help_table
from .writing import write_report

app = typer.Typer(
    name="gongkai",
    help="政府信息公开工作年度报告：生成标准填报表、核对数据、生成官方格式 Word 报告。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
template_app = typer.Typer(help="报告模板：导出默认模板以便自定义样式。", no_args_is_help=True)
app.add_typer(template_app, name="template")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

PreviousOption = Annotated[
    Optional[Path],  # noqa: UP045 - Typer needs Optional on Python 3.10
    typer.Option("--previous", "-p", help="上一年度的填报表（.xlsx）或 JSON，用于跨年度核对。"),
]


TemplateOption = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--template", "-t", help="自定义 Word 模板（由 gongkai template export 导出后修改）。"),
]
_UNFORCEABLE = "、".join(sorted(UNFORCEABLE_RULES, key=rule_key))
ForceOption = Annotated[
    bool, typer.Option("--force", help=f"有错误时仍然生成（{_UNFORCEABLE} 除外：数字无效的单元格、必填项为空）。")
]
PdfOption = Annotated[bool, typer.Option("--pdf", help="同时生成 PDF（需要安装 LibreOffice）。")]
HtmlOption = Annotated[bool, typer.Option("--html", help="同时生成可粘贴到门户网站的 HTML 页面。")]


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn gongkai's errors into a Chinese message and an exit code, never a traceback."""
    try:
        yield
    except GongkaiError as exc:
        err.print(f"[bold red]错误：[/]{exc}")
        raise typer.Exit(exc.exit_code) from None


@app.command("init")
def init_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="要生成的填报表文件名（.xlsx）；用 --orgs 时为输出文件夹。")
    ],
    org: Annotated[str, typer.Option("--org", help="机关全称，如 大峪镇人民政府。")] = "",
    short: Annotated[str, typer.Option("--short", help="简称，如 大峪镇。")] = "",
    level: Annotated[str, typer.Option("--level", help="层级：" + "、".join(fmt.LEVELS) + "。")] = "乡镇",
    county: Annotated[str, typer.Option("--county", help="所属县（市、区）或上级机关。")] = "",
    year: Annotated[int, typer.Option("--year", help="报告年度，如 2025。")] = 0,
    source: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--from", help="从 JSON（或已填的 .xlsx）生成填报表，内容原样带入。"),
    ] = None,
    orgs: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--orgs", help="单位名单（.xlsx 或 .csv，表头：机关全称、简称、层级、所属县（市、区）），每个单位生成一份填报表。"),
    ] = None,
    previous: PreviousOption = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="输出文件已存在时覆盖。")] = False,
) -> None:
    """生成标准填报表（Excel）；用 --orgs 为名单中每个单位各生成一份。

    用 --from 由 JSON（或已填的 .xlsx）生成，内容原样带入；用 --previous 带入上年数据。
    """
    with _user_errors():
        if orgs is not None:
            result = distribute(orgs, output, year or default_year(), previous=previous, overwrite=overwrite)
            for problem in result.problems:
                err.print(f"[yellow]注意：[/]{problem}")
            out.print(f"已在 {output} 生成 {len(result.written)} 份填报表（{result.with_last_year} 份带入了上年数据）。")
            return
        if output.exists() and not overwrite:
            raise GongkaiError(f"{output} 已存在。为避免覆盖已填写的内容，请换一个文件名，或加 --overwrite。")
        if source:
            report = read_report(source)
        else:
            report = blank_report(org, short, level, county, year)
            if previous:
                report = prefill(report.body, LastYear.from_report(read_report(previous)))
        write_report(report, output, "xlsx")
    out.print(f"已生成填报表：{output}")


def default_year() -> int:
    """Reports are written early in the year about the year before."""
    return dt.date.today().year - 1


def blank_report(org: str, short: str, level: str, county: str, year: int) -> Report:
    """An empty report for one body, ready to be written as a workbook."""
    if level not in fmt.LEVELS:
        raise GongkaiError(f"层级“{level}”无效，应为：{'、'.join(fmt.LEVELS)}。")
    return Report(
        body=Body.model_construct(
            name=org, short_name=short, level=level, parent=county, year=year or default_year()
        )
    )


CHECK_HELP = "\n\n".join(
    (
        "核对填报表：每条规则的错误和警告，标明工作表和单元格。",
        "退出码 0 无错误（可有警告），1 有错误，2 无法读取。",
        "规则编号（由 gongkai.rules 列出）：\n" + help_table("check", "workbook"),
    )
)


@app.command("check", help=CHECK_HELP)
def check_command(
    file: Annotated[Path, typer.Argument(help="填报表（.xlsx）或 JSON。")],
    previous: PreviousOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出核对结果。")] = False,
) -> None:
    with _user_errors():
        report = read_report(file)
        last = read_report(previous) if previous else None
        findings = check_report(report, last)
    if as_json:
        payload = {"file": str(file), "findings": [f.model_dump() for f in findings]}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        print_findings(file, findings)
    raise typer.Exit(1 if has_errors(findings) else 0)


@app.command("render")
def render_command(
    file: Annotated[Path, typer.Argument(help="填报表（.xlsx）或 JSON。")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="输出的 Word 文件；默认与输入同目录，按“全称+年度”命名。"),
    ] = None,
    template: TemplateOption = None,
    previous: PreviousOption = None,
    force: ForceOption = False,
    pdf: PdfOption = False,
    html: HtmlOption = False,
) -> None:
    """核对并生成官方格式的 Word 年度报告（可另出 PDF、HTML）。

    有错误时不生成，并列出错误；确认无误仍要生成的，加 --force。
    """
    with _user_errors():
        try:
            result = render_file(
                file, output, template=template, previous=previous, force=force, pdf=pdf, html=html
            )
        except RenderRefused as exc:
            print_findings(file, exc.findings)
            err.print(f"[bold red]未生成报告：[/]{exc}")
            raise typer.Exit(exc.exit_code) from None
    if result.findings:
        print_findings(file, result.findings)
    out.print(f"已生成报告：{result.output}")
    for path in result.extras.values():
        out.print(f"已生成：{path}")
    for problem in result.extra_errors:
        err.print(f"[bold red]错误：[/]{problem}")
    if result.extra_errors:
        raise typer.Exit(2)


@app.command("batch")
def batch_command(
    directory: Annotated[Path, typer.Argument(help="收齐的填报表（.xlsx）或 JSON 所在文件夹。")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件夹：各单位的 Word 报告、汇总.xlsx、核对报告.md。")],
    previous: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--previous", "-p", help="上一年度的填报表或 JSON 所在文件夹，用于跨年度核对。"),
    ] = None,
    jobs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--jobs", "-j", min=1, help="同时处理的进程数，默认等于 CPU 核数。"),
    ] = None,
    template: TemplateOption = None,
    year: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--year", help="本批次的报告年度；默认取多数文件的年度。"),
    ] = None,
    force: ForceOption = False,
    pdf: PdfOption = False,
    html: HtmlOption = False,
) -> None:
    """县级批量处理：逐个核对、生成报告，另出汇总表、汇总页和核对报告。

    输出文件夹中有每个单位的 Word 报告、汇总.xlsx、汇总.html 和 核对报告.md。
    退出码 0 全部生成，1 部分未生成，2 全部无法读取。
    """
    with _user_errors(), _batch_progress() as progress:
        result = run_batch(
            directory,
            output,
            previous=previous,
            template=template,
            jobs=jobs,
            force=force,
            year=year,
            progress=progress,
            pdf=pdf,
            html=html,
        )
    out.print(result.counts_text())
    out.print(f"汇总表：{result.summary_path}\n汇总页：{result.page_path}\n核对报告：{result.report_path}")
    raise typer.Exit(result.exit_code)


@contextlib.contextmanager
def _batch_progress() -> Iterator[Callable[[int, int, BodyResult], None]]:
    """A progress bar with counts and ETA on a terminal; one plain line per file otherwise."""
    if not err.is_terminal:

        def plain(done: int, total: int, result: BodyResult) -> None:
            err.print(f"[{done}/{total}] {result.source.name}：{result.status_label}", markup=False)

        yield plain
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("处理中", total=None)

        def update(done: int, total: int, result: BodyResult) -> None:
            bar.update(task, completed=done, total=total, description=result.source.name[:24])

        yield update


@app.command("export")
def export_command(
    file: Annotated[Path, typer.Argument(help="填报表（.xlsx）或 JSON。")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="输出的 JSON 文件；不指定则输出到屏幕。"),
    ] = None,
) -> None:
    """把填报表导出为 JSON（规范数据键名），可用 init --from 还原。"""
    with _user_errors():
        report = read_report(file)
        if output is None:
            sys.stdout.write(report_to_json(report))
            return
        write_report(report, output, "json")
    out.print(f"已导出：{output}")


@app.command("schema")
def schema_command() -> None:
    """输出报告数据的 JSON Schema。"""
    sys.stdout.write(json.dumps(Report.model_json_schema(), ensure_ascii=False, indent=2) + "\n")


@template_app.command("export")
def template_export_command(
    directory: Annotated[Path, typer.Argument(help="导出到的文件夹。")],
) -> None:
    """导出默认 Word 模板（report.docx），可在 Word/WPS 中修改样式后用 --template 使用。"""
    with _user_errors():
        path = export_template(directory)
    out.print(f"已导出模板：{path}")


def print_findings(file: Path, findings: list[Finding]) -> None:
    """A readable table of findings, errors first."""
    console = err if has_errors(findings) else out
    if not findings:
        console.print(f"{file}：[green]核对通过，没有发现问题。[/]")
        return
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    heading = f"{file} 核对结果：{errors} 个错误，{warnings} 个警告"
    if not console.is_terminal:
        # Logs, pipes and CI: one finding per line, never wrapped mid-word by a table.
        console.print(heading)
        for f in findings:
            hint = f" 建议：{f.hint}" if f.hint else ""
            console.print(f"[{f.severity_label}] {f.rule} {f.location or f.path} {f.message}{hint}", markup=False)
        return
    table = Table(title=heading, show_lines=True, expand=False)
    table.add_column("级别", no_wrap=True)
    table.add_column("规则", no_wrap=True)
    table.add_column("位置")
    table.add_column("问题")
    table.add_column("修改建议")
    colours = {"error": "red", "warning": "yellow", "info": "cyan"}
    for f in findings:
        table.add_row(
            f"[{colours[f.severity]}]{f.severity_label}[/]", f.rule, f.location or f.path, f.message, f.hint
        )
    console.print(table)


# Commands that live in their own modules add themselves to the app.
register_published(app)
register_serve(app)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
