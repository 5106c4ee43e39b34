"""Upload memory benchmark (issue 16, point 2): the server's resident memory while 8 clerks
upload at once, the workbook of the issue against a normal one.

    python benchmarks/bench_upload_memory.py                     # this tree's code
    python benchmarks/bench_upload_memory.py --pythonpath /tmp/orig/src   # another tree's (before)

For each kind of upload a fresh ``gongkai serve --demo`` is started on 127.0.0.1 and a free
port (its own temporary --data folder), so each row's peak is its own. The clients log in with
the printed demo logins of the bodies that may still upload (first-login password change
included), fetch their body's pre-filled workbook and build the upload from it:

- normal: that workbook as it is (about 25 KB; the portal reads it and stores a version);
- hostile: the same with its sheet 三、依申请公开 replaced by 420,000 rows of one
  inline-string cell each, about 50 MB of XML in a 3.5 MB file, under the zip guard's limits
  (the workbook of the issue: 5.4 MB took the server from 225 MB to 759 MB).

Then ``--rounds`` times, 8 clients (two per body) upload at once. The server's VmRSS is
sampled every 10 ms from /proc; printed per kind: RSS before (after warm-up), the peak (the
largest sample and the kernel's VmHWM, reset after warm-up), RSS after the last round once settled, the answers'
status codes and the wall time of a round.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

CLIENTS = 8
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REQUESTS_PART = "xl/worksheets/sheet5.xml"  # 三、依申请公开 in the standard workbook
NEW_PASSWORD = "Bench-upload-memory-2025"
LOGIN = re.compile(r"^\s*(.+?)：用户名 (\S+)\s+密码 (\S+)\s*$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hostile_workbook(workbook: bytes, rows: int = 420_000) -> bytes:
    """``workbook`` with its 依申请公开 sheet replaced by ``rows`` inline-string rows."""
    sheet = io.BytesIO()
    sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
    for r in range(1, rows + 1):
        sheet.write(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第 {r} 行：依申请公开的受理情况说明</t></is></c></row>'.encode()
        )
    sheet.write(b"</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        assert REQUESTS_PART in src.namelist()
        for info in src.infolist():
            dst.writestr(
                info.filename, sheet.getvalue() if info.filename == REQUESTS_PART else src.read(info)
            )
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def status(pid: int, field: str) -> int:
    """A memory figure of /proc/<pid>/status in bytes (0 once the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def reset_peak(pid: int) -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) of a process of ours; sampling still counts
    where that is not allowed."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


class Server:
    """``gongkai serve --demo`` on loopback, its demo logins read from what it prints."""

    def __init__(self, folder: Path, pythonpath: str | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        env = dict(os.environ)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
        command = [sys.executable, "-m", "gongkai", "serve", "--demo", "--data", str(folder / "data")]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gongkai serve exited:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"gongkai serve did not answer:\n{self.output()}")
        self.logins = [m.groups() for line in self.output().splitlines() if (m := LOGIN.match(line))]

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


class Clerk:
    """A logged-in filer's browser: cookies, the CSRF token of its body's page."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=300, follow_redirects=False)
        r = self.http.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": csrf_of(self.http.get("/login").text),
            },
        )
        assert r.status_code == 303, (username, r.status_code, r.text[:200])
        if r.headers["location"] == "/password":  # the demo's logins are changed at first login
            page = self.http.get("/password")
            r = self.http.post(
                "/password",
                data={
                    "old_password": password,
                    "new_password": NEW_PASSWORD,
                    "new_password2": NEW_PASSWORD,
                    "csrf_token": csrf_of(page.text),
                },
            )
            assert r.status_code == 303, (username, r.status_code, r.text[:200])
        home = self.http.get("/", follow_redirects=True)
        found = re.search(r"/b/(\d+)", str(home.url))
        assert found, home.url
        self.body = int(found.group(1))
        self.csrf = csrf_of(home.text)

    def workbook(self) -> bytes:
        r = self.http.get(f"/b/{self.body}/workbook")
        assert r.status_code == 200 and r.content[:2] == b"PK", r.status_code
        return r.content

    def upload(self, data: bytes) -> int:
        r = self.http.post(
            f"/b/{self.body}/upload",
            data={"csrf_token": self.csrf},
            files={"file": ("填报表.xlsx", data, XLSX)},
        )
        return r.status_code


def clerks(server: Server) -> list[Clerk]:
    """Two sessions for each demo body that may still upload (not submitted or accepted)."""
    open_ = [
        (u, p) for who, u, p in server.logins if "管理员" not in who and not re.search("已通过|已提交", who)
    ]
    assert open_, server.output()
    out: list[Clerk] = []
    for username, password in open_:
        first = Clerk(server.url, username, password)  # changes the password
        out += [first, Clerk(server.url, username, NEW_PASSWORD)]
    while len(out) < CLIENTS:
        username, _ = open_[len(out) % len(open_)]
        out.append(Clerk(server.url, username, NEW_PASSWORD))
    return out[:CLIENTS]


def measure(kind: str, rounds: int, pythonpath: str | None) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix=f"gongkai-bench-memory-{kind}-"))
    server = Server(folder, pythonpath)
    pid = server.process.pid
    try:
        people = clerks(server)
        uploads = {}
        for clerk in people:
            if clerk.body not in uploads:
                normal = clerk.workbook()
                uploads[clerk.body] = normal if kind == "normal" else hostile_workbook(normal)
        people[0].upload(people[0].workbook())  # warm up: imports, caches, the first read
        time.sleep(1)
        reset_peak(pid)  # VmHWM from here on, not from seeding the demo at start-up
        before = status(pid, "VmRSS")
        peak = before
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, status(pid, "VmRSS"))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        codes: dict[int, int] = {}
        times: list[float] = []
        for _ in range(rounds):
            results: list[int] = []
            lock = threading.Lock()

            def send(clerk: Clerk, results: list[int] = results, lock: threading.Lock = lock) -> None:
                code = clerk.upload(uploads[clerk.body])
                with lock:
                    results.append(code)

            threads = [threading.Thread(target=send, args=(c,)) for c in people]
            began = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            times.append(time.perf_counter() - began)
            for code in results:
                codes[code] = codes.get(code, 0) + 1
        time.sleep(2)  # settled: what stays held
        after = status(pid, "VmRSS")
        stop.set()
        sampler.join()
        hwm = status(pid, "VmHWM")
        size = max(len(u) for u in uploads.values())
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "kind": kind,
        "file": size,
        "before": before,
        "peak": max(peak, 0),
        "hwm": hwm,
        "after": after,
        "codes": codes,
        "round": max(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of 8 uploads at once (default 2)")
    parser.add_argument("--pythonpath", help="run the server on another source tree (e.g. a worktree's src)")
    parser.add_argument("--only", choices=("normal", "hostile"), action="append", help="one kind only")
    args = parser.parse_args()
    kinds = args.only or ["normal", "hostile"]
    mb = 1 << 20
    print(
        f"{os.cpu_count()} CPUs, {CLIENTS} clients at once, {args.rounds} rounds, server code: {args.pythonpath or 'this tree'}"
    )
    print(
        f"{'upload':8} {'file':>8} {'RSS before':>11} {'peak RSS':>9} {'VmHWM':>7} {'RSS after':>10} {'slowest round':>14}  answers"
    )
    for kind in kinds:
        row = measure(kind, args.rounds, args.pythonpath)
        answers = ", ".join(f"{n}×{code}" for code, n in sorted(row["codes"].items()))  # type: ignore[attr-defined]
        print(
            f"{kind:8} {row['file'] / mb:6.2f}MB {row['before'] / mb:9.0f}MB {row['peak'] / mb:7.0f}MB "  # type: ignore[operator]
            f"{row['hwm'] / mb:5.0f}MB {row['after'] / mb:8.0f}MB {row['round']:12.2f} s  {answers}",  # type: ignore[operator]
            flush=True,
        )


if __name__ == "__main__":
    main()
