"""County batch benchmark: `gongkai batch` against the obvious loop, side by side, one run.

    python benchmarks/bench_batch.py --n 500            # throughput, ratio, peak memory
    python benchmarks/bench_batch.py --n 2000 --batch-only   # memory stays flat as N grows

It writes N synthetic township workbooks (benchmarks/synthetic.py, rule-consistent), then
times, each in its own process so memory is measured per contender:

- naive: for each file, ``openpyxl.load_workbook``, build the context, then
  ``DocxTemplate(template).render(ctx, autoescape=True)`` and ``save`` — the loop a county
  IT person writes, with the same template and the same contexts;
- ``gongkai batch`` with default jobs, and with ``--jobs 1``: reading, checking, rendering
  and the summary all included.

Before that, reading alone is timed in this process (``read_report`` over the inputs, the
best of three passes) so a slow read shows on its own. Peak memory is the largest sum of resident memory over the contender's process tree,
sampled every 20 ms from /proc. Finally a few batch outputs are compared byte for byte with
single renders (`gongkai render`) of the same inputs.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

NAIVE = r"""
import sys, time
from pathlib import Path
from openpyxl import load_workbook
from docxtpl import DocxTemplate
from gongkai.context import build_context
from gongkai.docx_writer import default_template_path
from gongkai.model import Report
from gongkai.workbook import layout as L

def naive_report(path):
    # Read the cells the obvious way: full load, a value per address, totals re-added by the model.
    wb = load_workbook(path)
    data = {}
    for spec in L.cell_specs():
        value = wb[spec.sheet][spec.cell].value
        if value is None or (isinstance(value, str) and value.startswith("=")):
            continue
        node = data
        *parents, last = spec.path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    for key in ("website_breakdown", "new_media"):
        rows = data.get("channels", {}).get(key, {})
        data.setdefault("channels", {})[key] = [rows[k] for k in sorted(rows, key=int)]
    return Report.model_validate(data)

src, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
template = str(default_template_path())
for path in sorted(src.glob("*.xlsx")):
    ctx = build_context(naive_report(path))
    doc = DocxTemplate(template)
    doc.render(ctx, autoescape=True)
    doc.save(out / (path.stem + ".docx"))
"""


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return total


def run(label: str, argv: list[str], n: int) -> dict[str, float]:
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    start = time.perf_counter()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        sys.exit(f"{label} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of the whole process tree (workers included once reaped): unlike the wall
    # time it hardly moves when other work shares the machine.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = {"seconds": elapsed, "per_second": n / elapsed, "peak_mb": peak / 2**20, "cpu_ms": cpu / n * 1000}
    print(
        f"{label:<28} {elapsed:8.1f} s {result['per_second']:8.1f} reports/s   peak {result['peak_mb']:6.0f} MB"
        f"   cpu {result['cpu_ms']:5.1f} ms/report"
    )
    return result


def _write_one(args: tuple[int, str]) -> None:
    from synthetic import make_report

    from gongkai.workbook import write_workbook

    i, directory = args
    report = make_report(i)
    write_workbook(report, Path(directory) / f"{i:05d}-{report.body.short_name}.xlsx")


def generate(directory: Path, n: int) -> None:
    start = time.perf_counter()
    with ProcessPoolExecutor() as pool:
        list(pool.map(_write_one, [(i, str(directory)) for i in range(n)], chunksize=16))
    print(f"generated {n} workbooks in {time.perf_counter() - start:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="number of township workbooks (default 500)")
    parser.add_argument("--batch-only", action="store_true", help="skip the naive loop (for memory runs)")
    parser.add_argument("--workdir", type=Path, help="keep inputs and outputs here instead of a temp dir")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    src = work / "in"
    src.mkdir(parents=True, exist_ok=True)
    if len(list(src.glob("*.xlsx"))) != args.n:
        for old in src.glob("*.xlsx"):
            old.unlink()
        generate(src, args.n)
    print(f"{os.cpu_count()} CPUs, N = {args.n}, Python {sys.version.split()[0]}")
    print(f"read_report alone: {_read_ms(src):.1f} ms per workbook")
    python = sys.executable
    results = {}
    if not args.batch_only:
        results["naive"] = run("naive loop (docxtpl)", [python, "-c", NAIVE, str(src), str(work / "naive")], args.n)
    gongkai = [python, "-m", "gongkai", "batch", str(src)]
    results["batch"] = run("gongkai batch (default jobs)", [*gongkai, "-o", str(work / "batch")], args.n)
    results["batch1"] = run("gongkai batch --jobs 1", [*gongkai, "-o", str(work / "batch1"), "--jobs", "1"], args.n)
    if "naive" in results:
        base = results["naive"]["per_second"]
        print(f"ratio, default jobs: {results['batch']['per_second'] / base:5.1f}x")
        print(f"ratio, --jobs 1:     {results['batch1']['per_second'] / base:5.1f}x")
    _compare_single_renders(src, work)
    print(f"work directory: {work}")
    return 0


def _read_ms(src: Path, files: int = 50, passes: int = 3) -> float:
    """Milliseconds per ``read_report`` of a workbook: the best of a few passes over the first
    inputs, so that other work on the machine inflates it as little as possible."""
    from gongkai import read_report

    inputs = sorted(src.glob("*.xlsx"))[:files]
    read_report(inputs[0])  # imports and first-use caches are not a read
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for path in inputs:
            read_report(path)
        best = min(best, (time.perf_counter() - start) / len(inputs))
    return best * 1000


def _compare_single_renders(src: Path, work: Path) -> None:
    """Batch output must be byte-identical to `gongkai render` of the same input."""
    from gongkai import read_report, render_report

    outputs = sorted((work / "batch").glob("*.docx"))
    inputs = sorted(src.glob("*.xlsx"))
    checked = 0
    for path in inputs[:: max(1, len(inputs) // 5)]:
        report = read_report(path)
        single = render_report(report, work / "single.docx").read_bytes()
        batch = next(o for o in outputs if o.name.startswith(report.body.name + str(report.body.year)))
        assert batch.read_bytes() == single, f"{batch.name} differs from a single render"
        assert (work / "batch1" / batch.name).read_bytes() == single, "--jobs 1 output differs"
        checked += 1
    print(f"batch outputs byte-identical to single renders: {checked} checked")


if __name__ == "__main__":
    sys.exit(main())
