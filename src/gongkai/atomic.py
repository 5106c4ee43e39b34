"""Atomic file output: a reader never sees a half-written report, and a failed write
leaves the previous file (if any) untouched."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# mkstemp creates files private (0600); a report or workbook is an ordinary document.
_FILE_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"输出路径 {path} 是一个文件夹，请给出文件名。")
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"无法在目录 {directory} 中写入文件：{exc.strerror or exc}。") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except PermissionError as exc:
        raise OutputError(
            f"无法写入 {path}：没有权限，或该文件正被 Word、WPS 或 Excel 打开。请关闭文件或换一个位置后重试。"
        ) from exc
    except OSError as exc:
        raise OutputError(f"无法写入 {path}：{exc.strerror or exc}。") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return ``path``."""
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return path
