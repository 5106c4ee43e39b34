"""The standard workbook: its layout, the writer (``gongkai init``) and the reader.

The reader and writer load on first use, so :mod:`.layout` and :mod:`.history` import
without the model (the model takes its layout version names from :mod:`.history`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {"read_workbook": ".reader", "build_workbook": ".writer", "write_workbook": ".writer"}

__all__ = ["build_workbook", "read_workbook", "write_workbook"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
