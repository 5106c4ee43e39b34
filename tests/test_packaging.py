"""Packaging: the template ships in the wheel, and the code stays ruff-clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gongkai

ROOT = Path(__file__).resolve().parent.parent


def test_installed_package_carries_its_template():
    installed = ROOT / "src" not in Path(gongkai.__file__).resolve().parents
    packaged = Path(gongkai.__file__).resolve().parent / "templates" / "report.docx"
    if not installed:
        pytest.skip("running from the source tree (editable install); CI installs the wheel")
    assert packaged.is_file(), "templates/report.docx must be force-included in the wheel"


def test_render_sample_from_another_directory(tmp_path):
    # The README's first command: the sample renders with whatever template the install has.
    out = tmp_path / "out.docx"
    proc = subprocess.run(
        [sys.executable, "-m", "gongkai", "render", str(ROOT / "samples" / "dayu-2025.xlsx"), "-o", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 10000


def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install '.[test]')")
    paths = [p for p in ("src", "tests", "samples", "benchmarks") if (ROOT / p).is_dir()]
    proc = subprocess.run([ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
