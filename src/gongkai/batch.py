"""A county's batch: read, check and render every body's report in one run.

Each file is read, checked and (when it may be) rendered to a staging file by a worker;
only once every file is in does the batch know which bodies appear twice and which files
are of another year, so only then are the staged reports moved into place. Workers hand
back findings and the table figures (a tuple of numbers), never documents, so memory stays
flat however many bodies a province runs.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import format as fmt
from .atomic import write_bytes_atomic
from .checks import check_report
from .county import PreviousIndex, body_key, folder_sources, index_previous
from .docx_writer import get_renderer, validate_template
from .errors import GongkaiError, UnreadableInputError
from .findings import has_errors
from .model import Report
from .rendering import UNFORCEABLE_RULES, safe_filename, write_extras
from .results import BatchResult, BodyResult, table_figures
from .sources import ReportSource, SourceLike, as_sources
from .writing import BATCH_WRITERS


@dataclass(frozen=True)
class _Settings:
    staging: Path
    template: Path | None
    force: bool
    year: int | None
    previous: PreviousIndex | None
    pdf: bool = False
    html: bool = False


_settings: _Settings | None = None


def _init_worker(settings: _Settings) -> None:
    global _settings
    _settings = settings
    get_renderer(settings.template)  # prepare the template once per process


@dataclass
class _Write:
    """A rendered report whose file a writer thread is putting on disk."""

    result: BodyResult
    report: Report
    done: Future[Path]


def _pipeline(tasks: Iterable[tuple[int, ReportSource]]) -> Iterator[BodyResult]:
    """Process ``tasks`` in order, yielding each result once its report is safely on disk.

    A report's file is written (and flushed to disk, see :func:`write_bytes_atomic`) by a
    thread while the next report is read, checked and rendered: the flush is a wait on the
    disk, about 2 ms a report, that the worker's core otherwise sat idle through.
    """
    pending: _Write | None = None
    with ThreadPoolExecutor(1) as writer:
        for task in tasks:
            result, write = _start(task, writer)
            if pending is not None:
                yield _finish(pending)
                pending = None
            if write is None:
                yield result
            else:
                pending = write
        if pending is not None:
            yield _finish(pending)


def _process_chunk(tasks: list[tuple[int, ReportSource]]) -> list[BodyResult]:
    return list(_pipeline(tasks))


def _start(task: tuple[int, ReportSource], writer: ThreadPoolExecutor) -> tuple[BodyResult, _Write | None]:
    """Read, check and render one report; its file is left to ``writer``."""
    number, source = task
    settings = _settings
    assert settings is not None
    try:
        report = source.read()
    except GongkaiError as exc:
        return BodyResult(source.display, "unreadable", message=str(exc)), None
    result = BodyResult(source.display, "refused", body=report.body, figures=table_figures(report), posts=report.channels.total())
    if settings.year is not None and report.body.year != settings.year:
        result.status = "wrong_year"
        result.message = f"报告年度为 {report.body.year} 年，本批次为 {settings.year} 年。"
        return result, None
    if settings.previous is not None and (last := settings.previous.get(report.body)) is not None:
        report.last_year = last
    result.findings = check_report(report)
    blocking = any(f.rule in UNFORCEABLE_RULES for f in result.findings)
    if blocking or (has_errors(result.findings) and not settings.force):
        result.message = f"有 {result.errors} 个错误，未生成报告。"
        return result, None
    renderer = get_renderer(settings.template)
    try:
        staged = renderer.check_output(settings.staging / f"{number:06d}.docx")
        data = renderer.render_bytes(report)
    except GongkaiError as exc:
        result.message = f"生成失败：{exc}"
        return result, None
    result.staged = staged
    return result, _Write(result, report, writer.submit(write_bytes_atomic, staged, data))


def _finish(write: _Write) -> BodyResult:
    result, settings = write.result, _settings
    assert settings is not None and result.staged is not None
    try:
        write.done.result()
    except GongkaiError as exc:
        result.staged = None
        result.message = f"生成失败：{exc}"
        return result
    result.status = "rendered"
    result.extras, result.extra_errors = write_extras(
        write.report, result.staged, pdf=settings.pdf, html=settings.html
    )
    return result


def run_batch(
    inputs: str | Path | Iterable[SourceLike],
    out_dir: str | Path,
    *,
    previous: str | Path | Iterable[SourceLike] | None = None,
    template: str | Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    year: int | None = None,
    progress: Callable[[int, int, BodyResult], None] | None = None,
    summary: bool = True,
    pdf: bool = False,
    html: bool = False,
) -> BatchResult:
    """Read, check and render every report of ``inputs`` into ``out_dir``.

    ``inputs`` is a folder (its .xlsx and .json files, as ``gongkai batch`` takes them) or any
    iterable of reports: paths, ``(file name, bytes)`` pairs or :class:`ReportSource`; a web
    portal hands over its uploads as bytes and gets the very files the command line writes for
    the same workbooks. ``previous`` (last year's reports, for the cross-year rules) is a
    folder or such an iterable too.

    One bad file never stops the rest: it is listed with the reason. Files claiming the same
    body are all held back (as ``duplicate``), files of another year than ``year`` (default:
    the year most files have) as ``wrong_year``. With ``summary`` the county summary workbook
    (汇总.xlsx), the check report (核对报告.md) and the summary page (汇总.html) are written
    too; with ``pdf``/``html`` each report also gets a PDF and a portal page (a failed
    conversion is listed for that body, the batch goes on). Outputs do not depend on ``jobs``.
    """
    out_dir = Path(out_dir)
    if isinstance(inputs, (str, Path)):
        sources = folder_sources(Path(inputs))
        if not sources:
            raise UnreadableInputError(f"文件夹 {inputs} 中没有填报表（.xlsx）或 JSON 文件。")
    else:
        sources = as_sources(inputs)
        if not sources:
            raise UnreadableInputError("没有要处理的填报表。")
    template_path = Path(template) if template else None
    if template_path is not None:
        validate_template(template_path)
    index = _index_previous(previous, jobs) if previous is not None else None
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f".gongkai-staging-{os.getpid()}"
    staging.mkdir(exist_ok=True)
    settings = _Settings(staging, template_path, force, year, index, pdf, html)
    try:
        results = []
        for done, result in enumerate(_run(sources, settings, jobs), start=1):
            results.append(result)
            if progress is not None:
                progress(done, len(sources), result)
        batch = BatchResult(results, out_dir, year, index.problems if index else [])
        _settle_year(batch)
        _settle_duplicates(batch)
        _publish(batch)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if summary:
        batch.summary_path = BATCH_WRITERS["summary_xlsx"](batch, out_dir / "汇总.xlsx")
        batch.report_path = BATCH_WRITERS["check_md"](batch, out_dir / "核对报告.md")
        batch.page_path = BATCH_WRITERS["summary_html"](batch, out_dir / "汇总.html")
    return batch


def _index_previous(previous: str | Path | Iterable[SourceLike], jobs: int | None) -> PreviousIndex:
    sources = folder_sources(Path(previous)) if isinstance(previous, (str, Path)) else as_sources(previous)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(sources)))
    if jobs == 1:
        return index_previous(sources)
    with ProcessPoolExecutor(jobs) as pool:
        return index_previous(sources, lambda f, items: pool.map(f, items, chunksize=8))


def _run(sources: list[ReportSource], settings: _Settings, jobs: int | None) -> Iterator[BodyResult]:
    tasks = list(enumerate(sources))
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(sources)))
    if jobs == 1:
        _init_worker(settings)
        yield from _pipeline(tasks)
        return
    # Small chunks: a last chunk of a dozen reports would leave the other worker idle at the end.
    size = max(1, min(8, len(tasks) // (jobs * 16) or 1))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    # The template is prepared (its Jinja compiled, ~0.1 s) once here, and every worker forked
    # below inherits it, instead of each worker preparing its own copy.
    if multiprocessing.get_start_method() == "fork":
        get_renderer(settings.template)
    # Results come back in input order whatever the number of workers: output is
    # deterministic, and the progress bar still moves as each chunk finishes in turn.
    # What was imported before the fork is left out of every collection: a worker's collector
    # would otherwise walk (and so copy) all of the parent's objects.
    gc.freeze()
    try:
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(settings,)) as pool:
            for results in pool.map(_process_chunk, chunks):
                yield from results
    finally:
        gc.unfreeze()


def _settle_year(batch: BatchResult) -> None:
    readable = [r for r in batch.results if r.body is not None]
    if batch.year is None and readable:
        # The batch is for the year most files are of (the latest one on a tie).
        counts = Counter(r.body.year for r in readable if r.body is not None)
        batch.year = max(counts, key=lambda y: (counts[y], y))
    for r in readable:
        if r.body is not None and r.body.year != batch.year and r.status != "wrong_year":
            r.status = "wrong_year"
            r.message = f"报告年度为 {r.body.year} 年，本批次多数文件为 {batch.year} 年。"


def _settle_duplicates(batch: BatchResult) -> None:
    groups: dict[str, list[BodyResult]] = {}
    for r in batch.results:
        if r.body is not None and r.status in ("rendered", "refused"):
            groups.setdefault(body_key(r.body.name), []).append(r)
    for group in groups.values():
        if len(group) < 2:
            continue
        names = "、".join(r.source.name for r in group)
        for r in group:
            r.status = "duplicate"
            r.message = f"{names} 都是“{r.body.name if r.body else ''}”的报告，均未生成，请保留正确的一份后重新运行。"


def _publish(batch: BatchResult) -> None:
    taken: set[str] = set()
    for r in batch.results:
        if r.status != "rendered" or r.staged is None or r.body is None:
            for staged in (r.staged, *r.extras.values()):
                if staged is not None:
                    staged.unlink(missing_ok=True)
            r.staged, r.extras = None, {}
            continue
        name = safe_filename(fmt.report_title(r.body.name, r.body.year))
        if name in taken:  # two bodies whose names differ only in characters made safe
            base = name = f"{name}（{safe_filename(r.source.stem)}）"
            number = 1
            while name in taken:  # ... and reports given under one file name
                number += 1
                name = f"{base}{number}"
        taken.add(name)
        r.output = batch.out_dir / f"{name}.docx"
        os.replace(r.staged, r.output)
        r.staged = None
        for suffix, staged in list(r.extras.items()):
            r.extras[suffix] = r.output.with_suffix(suffix)
            os.replace(staged, r.extras[suffix])
