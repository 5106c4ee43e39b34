"""Atomic file output: a reader never sees a half-written report."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


@contextlib.contextmanager
def atomic_write(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"无法在目录 {directory} 中写入文件：{exc.strerror or exc}。") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except PermissionError as exc:
        raise OutputError(
            f"无法写入 {path}：文件可能正在被 Word、WPS 或 Excel 打开，请关闭后重试。"
        ) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
