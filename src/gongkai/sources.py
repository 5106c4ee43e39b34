"""Reports from anywhere: a file on disk, or a name and the file's bytes (an upload, a database).

The county batch (:func:`gongkai.batch.run_batch`) and last year's index
(:func:`gongkai.county.index_previous`) take any mix of them, so the command line (a folder) and
the web portal (uploads kept in its database) run one implementation and write the same files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import Union

from .errors import UnreadableInputError
from .model import Body, Report
from .reading import read_report


@dataclass(frozen=True)
class ReportSource:
    """One report: ``path`` on disk, or ``data`` (the file's bytes) under the file name ``name``.

    The name is what the summary, the check report and every message show, and its suffix
    (.xlsx, .json, .docx, …) chooses the reader, exactly as a file of that name would.
    ``body``, when given, is who the report is by as the caller's own record has it (the
    portal's roster): it replaces whatever the file names, so a file cannot pass itself off
    as another body's report.
    """

    name: str
    data: bytes | None = None
    path: Path | None = None
    body: Body | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("ReportSource needs either path or data")
        if self.data is not None:
            # An upload's name may carry the sender's folders (either kind of slash): only
            # the file name is the report's name.
            object.__setattr__(self, "name", PurePosixPath(self.name.replace("\\", "/")).name)
        if not PurePath(self.name).name:
            raise UnreadableInputError(f"报告的文件名“{self.name}”无效：应为带扩展名的文件名，如 大峪镇.xlsx。")

    @classmethod
    def file(cls, path: str | Path) -> ReportSource:
        path = Path(path)
        return cls(path.name, path=path)

    @classmethod
    def of(cls, item: SourceLike) -> ReportSource:
        """A source from a path, a ``(name, bytes)`` pair, or a source."""
        if isinstance(item, ReportSource):
            return item
        if isinstance(item, (str, Path)):
            return cls.file(item)
        name, data = item
        return cls(name, data=bytes(data))

    @property
    def display(self) -> PurePath:
        """The file it came from (for a file), or its name (for bytes): ``.name``/``.stem`` work."""
        return self.path if self.path is not None else PurePath(self.name)

    def read(self) -> Report:
        """Read the report as :func:`gongkai.read_report` reads a file of this name."""
        if self.path is not None:
            report = read_report(self.path)
        else:
            assert self.data is not None
            report = read_report(self.data, name=self.name)
        if self.body is not None:
            report.body = self.body.model_copy()
        return report


SourceLike = Union[ReportSource, str, Path, tuple[str, bytes]]  # noqa: UP007 - a runtime alias on 3.10


def as_sources(items: Iterable[SourceLike]) -> list[ReportSource]:
    return [ReportSource.of(item) for item in items]
