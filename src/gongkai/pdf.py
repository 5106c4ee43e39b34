"""PDF beside the Word report, converted by LibreOffice headless.

Each conversion gets its own LibreOffice profile (``-env:UserInstallation``): two
soffice processes sharing one profile block each other or fail, which a batch with
several workers would otherwise hit. A timeout stops a hung conversion, and the profile
and scratch files are removed whatever happens.

The template asks for the GB/T 9704 fonts of Chinese Windows (方正小标宋简体, 黑体,
楷体_GB2312, 仿宋_GB2312, 宋体, Times New Roman). Where they are not installed, a
fontconfig file shipped with gongkai maps each to a free font (Noto Serif/Sans CJK,
AR PL UKai/UMing, Liberation Serif), so the PDF shows Chinese glyphs, never boxes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .atomic import atomic_write
from .errors import GongkaiError

CONVERT_TIMEOUT = 180  # seconds: a long report converts in a few; a hang is ended

# What the template asks for -> the free fonts that stand in on Linux, best first.
FONT_SUBSTITUTES: dict[str, tuple[str, ...]] = {
    "方正小标宋简体": ("Noto Serif CJK SC", "AR PL UMing CN"),
    "黑体": ("Noto Sans CJK SC", "WenQuanYi Zen Hei"),
    "楷体_GB2312": ("AR PL UKai CN", "Noto Serif CJK SC"),
    "楷体": ("AR PL UKai CN", "Noto Serif CJK SC"),
    "仿宋_GB2312": ("Noto Serif CJK SC", "AR PL UMing CN"),
    "仿宋": ("Noto Serif CJK SC", "AR PL UMing CN"),
    "宋体": ("Noto Serif CJK SC", "AR PL UMing CN"),
    "Times New Roman": ("Liberation Serif", "DejaVu Serif"),
}

INSTALL_HINT = (
    "生成 PDF 需要 LibreOffice。Debian/Ubuntu：sudo apt-get install libreoffice-writer fonts-noto-cjk；"
    "Windows：安装 LibreOffice（https://www.libreoffice.org）并把其 program 目录加入 PATH，"
    "或在 WPS/Word 中打开生成的 .docx 后“另存为 PDF”。"
)


class PdfError(GongkaiError):
    """A PDF could not be made (no LibreOffice, a failed or hung conversion)."""

    exit_code = 2


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        if found := shutil.which(name):
            return found
    for candidate in (
        Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "LibreOffice" / "program" / "soffice.exe",
        Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
    ):
        if candidate.is_file():
            return str(candidate)
    return None


def fontconfig_file(directory: Path) -> Path:
    """A fontconfig file that loads the system's and adds gongkai's font substitutions."""
    aliases = "\n".join(
        f"  <alias binding=\"same\"><family>{font}</family><prefer>"
        + "".join(f"<family>{s}</family>" for s in subs)
        + "</prefer></alias>"
        for font, subs in FONT_SUBSTITUTES.items()
    )
    system = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    path = directory / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{system}</include>\n{aliases}\n</fontconfig>\n',
        encoding="utf-8",
    )
    return path


def convert_to_pdf(docx: str | Path, pdf: str | Path | None = None, *, timeout: float = CONVERT_TIMEOUT) -> Path:
    """Convert ``docx`` to PDF (default: same name, ``.pdf``) and return the PDF's path."""
    docx = Path(docx)
    target = Path(pdf) if pdf else docx.with_suffix(".pdf")
    exe = find_soffice()
    if exe is None:
        raise PdfError(f"无法生成 {target.name}：没有找到 LibreOffice。{INSTALL_HINT}")
    scratch = Path(tempfile.mkdtemp(prefix="gongkai-pdf-"))
    try:
        env = {
            **os.environ,
            "HOME": str(scratch),  # LibreOffice writes caches under HOME as well
            "FONTCONFIG_FILE": str(fontconfig_file(scratch)),
        }
        argv = [
            exe,
            f"-env:UserInstallation={(scratch / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(scratch / "out"),
            str(docx.resolve()),
        ]
        # soffice starts soffice.bin as a child: run it in its own process group so that a
        # timeout ends both, not just the launcher.
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=os.name == "posix",
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill(proc)
            raise PdfError(f"{docx.name} 转换为 PDF 超时（{timeout:.0f} 秒），已停止。") from exc
        produced = scratch / "out" / f"{docx.stem}.pdf"
        if proc.returncode != 0 or not produced.is_file():
            detail = (stderr or stdout).decode(errors="replace").strip().splitlines()
            raise PdfError(f"{docx.name} 转换为 PDF 失败：{detail[-1] if detail else 'LibreOffice 未生成文件'}。")
        with atomic_write(target) as tmp:
            shutil.copyfile(produced, tmp)
        return target
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        proc.kill()
    proc.communicate()
