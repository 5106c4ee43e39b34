"""Regenerate the reference page images of the sample report.

    python tests/reference/regenerate.py

Run it after an intended change to the template or the sample, look at the new PNGs, and
commit them: tests/test_look.py compares every rendered page with these.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from look import SAMPLE, page_images  # noqa: E402


def main() -> int:
    for old in HERE.glob("*.png"):
        old.unlink()
    for i, image in enumerate(page_images(SAMPLE, HERE / "tmp"), start=1):
        image.save(HERE / f"{SAMPLE.stem}-{i}.png", optimize=True)
        print(HERE / f"{SAMPLE.stem}-{i}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
