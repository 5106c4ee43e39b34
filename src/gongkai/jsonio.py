"""JSON interchange: the report model as JSON under the spec's canonical keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .atomic import atomic_write
from .errors import UnreadableInputError
from .model import Provenance, Report


def report_to_json(report: Report) -> str:
    """The report as pretty UTF-8 JSON; declared totals are numbers, computed ones ``null``."""
    return report.model_dump_json(indent=2) + "\n"


def write_json(report: Report, path: str | Path) -> Path:
    path = Path(path)
    with atomic_write(path) as tmp:
        tmp.write_text(report_to_json(report), encoding="utf-8")
    return path


def read_json(source: str | Path | bytes, name: str | None = None) -> Report:
    """Read a report written by :func:`write_json` (or by any tool using the canonical keys),
    from a path or from the file's bytes (an upload) shown in messages as ``name``."""
    path = Path(name or "上传的文件.json") if isinstance(source, bytes) else Path(source)
    try:
        text = source.decode("utf-8-sig") if isinstance(source, bytes) else path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise UnreadableInputError(f"找不到文件 {path}，请检查文件名和路径。") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableInputError(f"无法读取 {path.name}：文件不是 UTF-8 编码的 JSON（{exc}）。") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableInputError(
            f"{path.name} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列有语法错误（{exc.msg}）。"
        ) from exc
    except RecursionError as exc:  # nested thousands of levels deep: no report is
        raise UnreadableInputError(f"{path.name} 的 JSON 嵌套层数过多，不是年度报告数据，程序已拒绝处理。") from exc
    except ValueError as exc:  # an integer of thousands of digits (Python refuses to convert it)
        raise UnreadableInputError(f"{path.name} 中有位数过多的数字（超过 4300 位），不是年度报告数据，程序已拒绝处理。") from exc
    return parse_report_data(data, path)


def parse_report_data(data: Any, path: Path) -> Report:
    try:
        report = Report.model_validate(data)
    except ValidationError as exc:
        problems = "；".join(_describe(e) for e in exc.errors()[:10])
        more = f"（另有 {exc.error_count() - 10} 处）" if exc.error_count() > 10 else ""
        raise UnreadableInputError(f"{path.name} 不符合年度报告数据格式：{problems}{more}。") from exc
    report._provenance = Provenance(str(path))
    return report


_REASONS = {
    "missing": "缺少该项",
    "extra_forbidden": "是未知的字段",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数，不能是小数",
    "greater_than_equal": "不能小于 0",
    "less_than_equal": "超出允许范围",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "literal_error": "取值不在允许范围内",
    "string_type": "应为文字",
    "string_too_short": "不能为空",
}


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "（根）"
    reason = _REASONS.get(error["type"], error["msg"])
    shown = error.get("input")
    value = "" if error["type"] == "missing" or isinstance(shown, dict | list) else f"（值为 {shown!r}）"
    return f"{where} {reason}{value}"
