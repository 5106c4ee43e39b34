"""Look at it: the rendered sample's pages match the committed reference images.

A template change that moves a table off the page, splits a header or loses a font shows
up here. After an intended change: python tests/reference/regenerate.py, look, commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from conftest import _tool
from look import SAMPLE, page_images

REFERENCE = Path(__file__).resolve().parent / "reference"
# Mean absolute difference per page, in grey levels (0-255). Identical renders give 0; a
# shifted paragraph or table gives well over 5.
TOLERANCE = 2.5


def test_sample_pages_match_the_references(tmp_path):
    _tool("soffice", "libreoffice")
    _tool("pdftoppm")
    references = sorted(REFERENCE.glob(f"{SAMPLE.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert references, "no reference images: run python tests/reference/regenerate.py"
    pages = page_images(SAMPLE, tmp_path / "x")
    assert len(pages) == len(references), f"{len(pages)} pages rendered, {len(references)} in the references"

    for number, (page, ref_path) in enumerate(zip(pages, references, strict=True), start=1):
        reference = Image.open(ref_path).convert("L")
        assert page.size == reference.size, f"page {number} size changed"
        diff = ImageStat.Stat(ImageChops.difference(page, reference)).mean[0]
        assert diff <= TOLERANCE, f"page {number} differs from {ref_path.name} by {diff:.2f} grey levels"


def test_a_layout_change_would_be_seen(tmp_path):
    # The comparison must be able to fail: a page against a different page differs a lot.
    _tool("soffice", "libreoffice")
    pages = page_images(SAMPLE, tmp_path / "x")
    if len(pages) < 2:
        pytest.skip("single-page sample")
    a, b = pages[0], pages[1].resize(pages[0].size)
    assert ImageStat.Stat(ImageChops.difference(a, b)).mean[0] > 5 * TOLERANCE
