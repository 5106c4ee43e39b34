"""Shared fixtures: the bundled sample reports, built from the same code as samples/*.xlsx, the
system tools some tests need, and (from portal_support.py) the portal's."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The portal's fixtures (db_url, clock, app, portal, world) for every test that asks for them.
pytest_plugins = ["portal_support"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _load(name: str, path: Path):
    """Import a script that is not part of the package (samples, benchmarks) by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


synthetic = _load("gongkai_synthetic", ROOT / "benchmarks" / "synthetic.py")
samples = _load("gongkai_samples", SAMPLES / "build_samples.py")


@pytest.fixture
def dayu_report():
    return samples.dayu_2025()


@pytest.fixture
def busy_report():
    """A 街道 with non-zero, consistent figures in every table."""
    return samples.dongcheng_2025()


def _tool(*names: str) -> str:
    """A system tool the test needs: skipped on a developer machine without it, a failure
    in CI (where .ci/run installs it), so the test can never silently not run there."""
    for name in names:
        if exe := shutil.which(name):
            return exe
    if os.environ.get("CI"):
        pytest.fail(f"{names[0]} is not installed; .ci/run should install it")
    pytest.skip(f"{names[0]} is not installed")


def _convert_with_soffice(source: Path, outdir: Path, fmt: str = "pdf") -> Path:
    exe = _tool("soffice", "libreoffice")
    profile = outdir / "lo-profile"
    subprocess.run(
        [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt, "--outdir", str(outdir), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(outdir)},
    )
    result = outdir / f"{source.stem}.{fmt}"
    assert result.exists(), f"LibreOffice did not produce {result}"
    return result


@pytest.fixture
def soffice():
    """Convert a document with LibreOffice headless (a private profile per call)."""
    return _convert_with_soffice


def _pdf_text(pdf: Path) -> str:
    exe = _tool("pdftotext")
    return subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, timeout=60, check=True).stdout.decode()


@pytest.fixture
def pdftotext():
    """The text layer of a PDF (poppler's pdftotext -layout)."""
    return _pdf_text
