"""Portal benchmark: a real ``gongkai serve`` under 20 concurrent clients uploading real-sized
workbooks, side by side on SQLite and PostgreSQL, with one and with two worker processes.

    python benchmarks/bench_serve.py                       # 60 s per setup, SQLite (+ PostgreSQL if a URL is known)
    python benchmarks/bench_serve.py --seconds 20 --db postgresql+psycopg://user@127.0.0.1:5432/postgres
    python benchmarks/bench_serve.py --only sqlite-1
    python benchmarks/bench_serve.py --editor --seconds 30   # 在线填写: live checks and saves

Each setup runs twice: flat out (each client sends its next upload as soon as the last is
answered: the saturated throughput, where latency is simply 20 / throughput) and paced (the 20
clients together offer --pace uploads/s, default 20, staggered: the latency at the goal's rate).

Each client is a different body, logged in over HTTP, and loops: POST its workbook (the sample
county's filled 东山镇 report under the body's name, one narrative cell different each time, so
every upload is a distinct file that is read, checked and stored as a new version), then GET the
findings page the upload redirects to. Latency is from the start of the upload to the end of the
findings page. Printed per setup: uploads/s, p50/p95/max latency, failures, and the peak resident
memory of the server's process tree (sampled every 50 ms from /proc). Goal on 2 cores:
p95 < 500 ms and >= 20 uploads/s.

With --editor, the 在线填写 load instead: the same 20 clients as clerks typing in the online
editor, each sending one live check a second (POST /b/{id}/edit/check, the library's checks on
the whole form, answered as JSON) and saving a version every 5 s (POST /b/{id}/edit with
action=save, one figure and one narrative paragraph different each time). Printed: p50/p95/max
of the check and of the save (the POST to its 303), failures. Goal: p95 < 100 ms for a check,
< 300 ms for a save, on SQLite and PostgreSQL (one worker: ``gongkai serve``).

The clients run in this process (threads), so on a small machine they share its cores with the
server: the figures are for the whole box, as a county's one small server would be.
One worker is ``gongkai serve`` itself; two workers is Uvicorn ``--workers 2`` over the same app
(``create_app``), which is what a deployment behind nginx would run.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from portal_live import (  # noqa: E402
    Client,
    LiveServer,
    base_workbook,
    database_url,
    postgres_database,
    seed_round,
    vary,
    version_of,
)

CLIENTS = 20


def app_factory():  # type: ignore[no-untyped-def]
    """For ``uvicorn --factory --workers N``: the portal over GONGKAI_BENCH_DATABASE_URL."""
    from gongkai.portal import Settings, create_app

    return create_app(Settings(os.environ["GONGKAI_BENCH_DATABASE_URL"]))


class WorkersServer(LiveServer):
    """The same app under ``uvicorn --workers N`` (gongkai serve runs one process)."""

    def __init__(self, data: Path, url: str, workers: int) -> None:
        super().__init__(data)
        self.database = url
        self.workers = workers

    def command(self) -> list[str]:
        os.environ["GONGKAI_BENCH_DATABASE_URL"] = self.database  # inherited by the subprocess
        return [
            sys.executable, "-m", "uvicorn", "--factory", "bench_serve:app_factory", "--app-dir", str(HERE),
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), "--log-level", "warning",
        ]


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return total


class PeakRss:
    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def setup(kind: str, folder: Path, pg_base: str | None) -> Iterator[tuple[str | None, str]]:
    """(--db for gongkai serve or None for SQLite, the database URL)."""
    data = folder / "data"
    if kind == "sqlite":
        yield None, database_url(data, None)
        return
    assert pg_base
    with postgres_database(pg_base) as url:
        yield url, url


def run(kind: str, workers: int, seconds: float, pg_base: str | None, pace: float = 0) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix=f"gongkai-bench-{kind}-"))
    try:
        with setup(kind, folder, pg_base) as (db, url):
            filers = seed_round(url, folder, CLIENTS)
            base = {f.body_id: base_workbook(f, folder) for f in filers}
            server = LiveServer(folder / "data", db) if workers == 1 else WorkersServer(folder / "data", url, workers)
            server.start()
            try:
                clients = [Client(server.url, f.username, f.password) for f in filers]
                latencies: list[float] = []
                failures: list[str] = []
                lock = threading.Lock()
                stop = threading.Event()

                def loop(index: int) -> None:
                    f, c = filers[index], clients[index]
                    n = 0
                    gap = CLIENTS / pace if pace else 0.0  # each client's share of the offered rate
                    due = time.perf_counter() + gap * index / CLIENTS  # staggered, not in lockstep
                    while not stop.is_set():
                        if gap:
                            if stop.wait(max(0.0, due - time.perf_counter())):
                                break
                            due += gap
                        n += 1
                        workbook = vary(base[f.body_id], f"【压测第{n}次·{f.short_name}】")
                        start = time.perf_counter()
                        r = c.upload(f.body_id, f"{f.short_name}.xlsx", workbook)
                        where = version_of(r)
                        ok = where is not None and c.http.get(r.headers["location"]).status_code == 200
                        took = time.perf_counter() - start
                        with lock:
                            if ok:
                                latencies.append(took)
                            else:
                                failures.append(f"{r.status_code} {r.text[:120]}")

                # Warm up (first imports, caches) outside the measured window.
                for i in range(CLIENTS):
                    clients[i].upload(filers[i].body_id, "warmup.xlsx", vary(base[filers[i].body_id], "【预热】"))
                with PeakRss(server.process.pid) as rss:  # type: ignore[union-attr]
                    threads = [threading.Thread(target=loop, args=(i,)) for i in range(CLIENTS)]
                    began = time.perf_counter()
                    for t in threads:
                        t.start()
                    time.sleep(seconds)
                    stop.set()
                    for t in threads:
                        t.join()
                    elapsed = time.perf_counter() - began
                for c in clients:
                    c.close()
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ordered = sorted(latencies)
    return {
        "uploads": len(latencies),
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(ordered) * 1000 if ordered else float("nan"),
        "p95": ordered[int(0.95 * (len(ordered) - 1))] * 1000 if ordered else float("nan"),
        "max": ordered[-1] * 1000 if ordered else float("nan"),
        "failures": len(failures),
        "rss": rss.peak / 1048576,
    }


def editor_form(page: str) -> dict[str, str]:
    """Every field of the editor page as a browser posts it (inputs, text areas, base, CSRF)."""
    values = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<input (?:type="hidden" )?name="([^"]+)" value="([^"]*)"', page)}
    values |= {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)}
    return values


def _p(ordered: list[float], q: float) -> float:
    return ordered[int(q * (len(ordered) - 1))] * 1000 if ordered else float("nan")


def run_editor(kind: str, seconds: float, pg_base: str | None) -> dict[str, float]:
    """20 clerks in the online editor: a live check per client per second, a save every 5 s."""
    folder = Path(tempfile.mkdtemp(prefix=f"gongkai-bench-editor-{kind}-"))
    try:
        with setup(kind, folder, pg_base) as (db, url):
            filers = seed_round(url, folder, CLIENTS)
            server = LiveServer(folder / "data", db)
            server.start()
            try:
                clients = [Client(server.url, f.username, f.password) for f in filers]
                checks: list[float] = []
                saves: list[float] = []
                failures: list[str] = []
                lock = threading.Lock()
                stop = threading.Event()
                forms = []
                for f, c in zip(filers, clients, strict=True):
                    page = c.http.get(f"/b/{f.body_id}/edit")
                    forms.append(editor_form(page.text))
                    c.http.post(f"/b/{f.body_id}/edit/check", data=forms[-1])  # warm up

                def loop(index: int) -> None:
                    f, c, form = filers[index], clients[index], dict(forms[index])
                    due = time.perf_counter() + index / CLIENTS  # staggered over the first second
                    tick = 0
                    while not stop.wait(max(0.0, due - time.perf_counter())):
                        due += 1.0
                        tick += 1
                        form["requests.new.natural_person"] = str(tick % 7)
                        form["requests.granted.natural_person"] = str(tick % 5)
                        form["overview.management"] = f"{f.short_name}落实信息发布审核制度。第{tick}次修改。"
                        start = time.perf_counter()
                        r = c.http.post(f"/b/{f.body_id}/edit/check", data=form)
                        took = time.perf_counter() - start
                        ok = r.status_code == 200 and "findings" in r.json()
                        with lock:
                            (checks.append(took) if ok else failures.append(f"check {r.status_code} {r.text[:120]}"))
                        if tick % 5:
                            continue
                        start = time.perf_counter()
                        r = c.http.post(f"/b/{f.body_id}/edit", data={**form, "action": "save"})
                        took = time.perf_counter() - start
                        ok = version_of(r) is not None
                        if ok:
                            form["base"] = str(int(form["base"]) + 1)  # only this client writes this body
                        with lock:
                            (saves.append(took) if ok else failures.append(f"save {r.status_code} {r.text[:120]}"))

                with PeakRss(server.process.pid) as rss:  # type: ignore[union-attr]
                    threads = [threading.Thread(target=loop, args=(i,)) for i in range(CLIENTS)]
                    for t in threads:
                        t.start()
                    time.sleep(seconds)
                    stop.set()
                    for t in threads:
                        t.join()
                for c in clients:
                    c.close()
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    checks.sort()
    saves.sort()
    return {
        "checks": len(checks), "check_p50": _p(checks, 0.5), "check_p95": _p(checks, 0.95), "check_max": _p(checks, 1.0),
        "saves": len(saves), "save_p50": _p(saves, 0.5), "save_p95": _p(saves, 0.95), "save_max": _p(saves, 1.0),
        "failures": len(failures), "rss": rss.peak / 1048576,
    }


def main_editor(args: argparse.Namespace) -> None:
    kinds = ["sqlite"] + (["postgresql"] if args.db else [])
    print(f"{CLIENTS} clerks in the online editor (a check each per second, a save each every 5 s), {args.seconds:g} s per setup, "
          f"{os.cpu_count()} CPUs; goal p95 < 100 ms (check), < 300 ms (save)")
    print(f"{'setup':<12}{'checks':>8}{'p50':>7}{'p95':>7}{'max':>7}{'saves':>8}{'p50':>7}{'p95':>7}{'max':>7}{'failed':>8}{'peak RSS MB':>13}")
    for kind in kinds:
        if args.only and f"{kind}-1" not in args.only:
            continue
        r = run_editor(kind, args.seconds, args.db)
        print(f"{kind:<12}{r['checks']:>8.0f}{r['check_p50']:>7.0f}{r['check_p95']:>7.0f}{r['check_max']:>7.0f}"
              f"{r['saves']:>8.0f}{r['save_p50']:>7.0f}{r['save_p95']:>7.0f}{r['save_max']:>7.0f}{r['failures']:>8.0f}{r['rss']:>13.0f}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="measured time per setup (default 60)")
    parser.add_argument("--db", default=os.environ.get("GONGKAI_TEST_DATABASE_URL"),
                        help="a PostgreSQL server URL (a throwaway database is created on it); default GONGKAI_TEST_DATABASE_URL")
    parser.add_argument("--only", action="append", default=[], help="run only these setups, e.g. sqlite-1, postgresql-2")
    parser.add_argument("--pace", type=float, default=20,
                        help="second pass per setup with the clients paced to this many uploads/s in all (0: skip)")
    parser.add_argument("--editor", action="store_true",
                        help="the online editor's load instead: live checks and version saves (times in ms)")
    args = parser.parse_args()
    if args.editor:
        main_editor(args)
        return
    setups = [("sqlite", 1), ("sqlite", 2)] + ([("postgresql", 1), ("postgresql", 2)] if args.db else [])
    if args.only:
        setups = [s for s in setups if f"{s[0]}-{s[1]}" in args.only]
    print(f"{CLIENTS} concurrent clients, {args.seconds:g} s per setup, {os.cpu_count()} CPUs; goal p95 < 500 ms, >= 20 uploads/s")
    print(f"{'setup':<22}{'uploads':>8}{'uploads/s':>11}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'failed':>8}{'peak RSS MB':>13}")
    for kind, workers in setups:
        for pace in (0, args.pace) if args.pace else (0,):
            r = run(kind, workers, args.seconds, args.db, pace)
            name = f"{kind} ×{workers} " + (f"@{pace:g}/s" if pace else "flat out")
            print(f"{name:<22}{r['uploads']:>8.0f}{r['rate']:>11.1f}{r['p50']:>9.0f}{r['p95']:>9.0f}{r['max']:>9.0f}"
                  f"{r['failures']:>8.0f}{r['rss']:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
