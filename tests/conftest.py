"""Shared fixtures: the bundled sample reports, built from the same code as samples/*.xlsx."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _load_samples():
    spec = importlib.util.spec_from_file_location("gongkai_samples", SAMPLES / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gongkai_samples"] = module
    spec.loader.exec_module(module)
    return module


samples = _load_samples()


@pytest.fixture
def dayu_report():
    return samples.dayu_2025()


@pytest.fixture
def busy_report():
    """A 街道 with non-zero, consistent figures in every table."""
    return samples.dongcheng_2025()


def _convert_with_soffice(source: Path, outdir: Path, fmt: str = "pdf") -> Path:
    import os
    import shutil
    import subprocess

    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is not installed; .ci/run should install it")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = outdir / "lo-profile"
    subprocess.run(
        [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt, "--outdir", str(outdir), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = outdir / f"{source.stem}.{fmt}"
    assert result.exists(), f"LibreOffice did not produce {result}"
    return result


@pytest.fixture
def soffice():
    """Convert a document with LibreOffice headless (a private profile per call)."""
    return _convert_with_soffice
