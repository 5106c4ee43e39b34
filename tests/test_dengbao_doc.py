"""docs/dengbao.md names the tests that show each 等保 control: every one it names must exist,
so the assessors' document cannot quietly point at a test that was renamed or removed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_the_dengbao_document_names_exists() -> None:
    doc = (ROOT / "docs" / "dengbao.md").read_text(encoding="utf-8")
    files = set(re.findall(r"tests/(test_\w+)\.py", doc))
    assert files, "the document names no test file"
    defined = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")}
    assert files <= defined.keys(), files - defined.keys()
    named = set(re.findall(r"\b(test_\w+)\b", doc)) - files - set(defined)
    missing = {t for t in named if not any(re.search(rf"^def {t}\(", text, re.M) for text in defined.values())}
    assert not missing, missing
    for heading in ("身份鉴别", "访问控制", "安全审计", "入侵防范", "数据完整性", "数据备份恢复", "个人信息保护"):
        assert f"## {heading}" in doc, heading
