"""The standard workbook: its layout, the writer (``gongkai init``) and the reader."""

from .reader import read_workbook
from .writer import build_workbook, write_workbook

__all__ = ["build_workbook", "read_workbook", "write_workbook"]
