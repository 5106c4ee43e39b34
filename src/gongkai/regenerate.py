"""Rewrite everything generated from the format, after a change to :mod:`gongkai.format`.

    python -m gongkai.regenerate [--no-pictures]

In order:

1. records the workbook layout the format now gives in ``workbook/layouts.json`` under a
   new version name (workbooks written before keep reading by their own layout);
2. the Word template ``templates/report.docx`` (:mod:`gongkai.template_build`);
3. the samples (``samples/build_samples.py``: ``samples/*.xlsx``, ``*.docx``, the example
   county);
4. the README's rule tables (:mod:`gongkai.rules`), which name rows of the format;
5. the look test's reference pictures (``tests/reference/regenerate.py``; needs LibreOffice
   and poppler, skipped with ``--no-pictures``).

Steps 2–5 run in fresh interpreters, so they see the layout recorded in step 1. A generated
file whose content did not change (a workbook differs only in its save time) is left as it
was, so running this without a format change leaves the tree clean.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_TIMESTAMP = re.compile(rb"<dcterms:(created|modified)[^<]*</dcterms:\1>")


def _content(data: bytes, suffix: str) -> object:
    """What a generated file says, without the save time a workbook carries."""
    if suffix == ".png":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return image.size, image.convert("RGB").tobytes()
    if suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: _TIMESTAMP.sub(b"", z.read(n)) if n == "docProps/core.xml" else z.read(n) for n in z.namelist()}
    return data


def _generated() -> list[Path]:
    patterns = ("templates/report.docx", "samples/**/*.xlsx", "samples/*.docx", "tests/reference/*.png")
    return sorted({p for pattern in patterns for p in ROOT.glob(pattern)})


def _run(*args: str) -> None:
    print("运行：", " ".join(args), flush=True)
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def regenerate(*, pictures: bool = True) -> list[Path]:
    """Run every step; return the generated files whose content changed."""
    from .workbook import history

    before = {p: p.read_bytes() for p in _generated()}
    version = history.record_current()
    print(f"已登记新的填报表版式：{version}" if version else f"填报表版式未变（{history.current_version()}）。")
    _run("-m", "gongkai.rules")  # the README's rule tables
    _run("-m", "gongkai.template_build")
    _run(str(ROOT / "samples" / "build_samples.py"))
    if pictures:
        if shutil.which("soffice") and shutil.which("pdftoppm"):
            _run(str(ROOT / "tests" / "reference" / "regenerate.py"))
        else:
            print("未找到 LibreOffice 或 pdftoppm，参考图未重新生成（安装后再运行一次）。")
    changed = []
    for path in _generated():
        old = before.get(path)
        new = path.read_bytes()
        if old is None or (new != old and _content(new, path.suffix) != _content(old, path.suffix)):
            changed.append(path)
        elif new != old:
            path.write_bytes(old)  # same content, another save time: keep the committed file
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        return 0
    unknown = [a for a in args if a != "--no-pictures"]
    if unknown:
        print(f"不认识的参数：{' '.join(unknown)}。用法：python -m gongkai.regenerate [--no-pictures]")
        return 2
    if not (ROOT / "samples" / "build_samples.py").exists():
        print("python -m gongkai.regenerate 只能在 gongkai 的源代码目录中运行（需要 samples/ 和 templates/）。")
        return 2
    try:
        changed = regenerate(pictures="--no-pictures" not in args)
    except subprocess.CalledProcessError as exc:
        print(f"生成失败（{' '.join(map(str, exc.cmd[1:]))} 退出码 {exc.returncode}），见上面的输出。")
        return 1
    for path in changed:
        print(f"已更新：{path.relative_to(ROOT)}")
    if not changed:
        print("生成的文件内容均未变化。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
