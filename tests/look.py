"""Render a report to page images the way a person would look at it (PDF, then PNG)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from gongkai.pdf import convert_to_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "dongcheng-2025.docx"
DPI = 40  # enough to see a table overflow or a header move; small enough to commit


def page_images(docx: Path, scratch: Path | None = None) -> list[Image.Image]:
    work = Path(tempfile.mkdtemp(dir=scratch.parent if scratch else None))
    try:
        pdf = convert_to_pdf(docx, work / "report.pdf")
        exe = shutil.which("pdftoppm")
        if exe is None:
            raise RuntimeError("pdftoppm (poppler-utils) is not installed")
        subprocess.run([exe, "-gray", "-png", "-r", str(DPI), str(pdf), str(work / "page")], check=True, timeout=120)
        return [Image.open(p).convert("L") for p in sorted(work.glob("page-*.png"), key=_page_number)]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _page_number(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[1])
