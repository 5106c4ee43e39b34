"""The one table of input formats: read_report chooses by suffix, detect_format by content."""

from __future__ import annotations

import pytest

from gongkai import reading
from gongkai.errors import UnreadableInputError
from gongkai.reading import HEAD_SIZE, INPUT_FORMATS, OLE_MAGIC, detect_format, format_for_suffix, read_report


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.xlsx", b"PK\x03\x04rest", "xlsx"),
        ("上传.bin", b"PK\x03\x04rest", "xlsx"),  # a zip of unknown name is taken for a workbook
        ("a.docx", b"PK\x03\x04rest", "docx"),
        ("a.xls", OLE_MAGIC + b"\0" * 8, "ole"),
        ("encrypted.xlsx", OLE_MAGIC + b"\0" * 8, "ole"),  # a password-protected .xlsx is OLE
        ("a.json", b"\xef\xbb\xbf\r\n  {\"body\": {}}", "json"),
        ("misnamed.xlsx", b"  {\"body\": {}}", "json"),
        ("a.pdf", b"%PDF-1.7\n", "pdf"),
        ("a.html", b"<p>text</p>", "html"),
        ("page", b"\n<!DOCTYPE html><html>", "html"),
        ("a.txt", "二〇二五年度报告".encode(), "txt"),
        ("garbage.xlsx", b"not a zip at all", None),
        ("a.csv", b"a,b,c", None),
    ],
)
def test_detect_format_by_content_then_name(name: str, head: bytes, expected: str | None) -> None:
    entry = detect_format(name, head[:HEAD_SIZE])
    assert (entry and entry.name) == expected


def test_the_table_gives_the_suffix_lists() -> None:
    assert reading.WORKBOOK_SUFFIXES == (".xlsx", ".xlsm", ".xls", ".et")
    assert reading.PUBLISHED_SUFFIXES == (".txt", ".docx", ".html", ".htm", ".pdf")
    suffixes = [s for f in INPUT_FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes)), "a suffix chooses one reader"
    assert format_for_suffix("年报.XLSX") is reading.WORKBOOK


def test_refusals_are_chinese() -> None:
    ole = detect_format("旧表.xls", OLE_MAGIC)
    assert ole is not None and not ole.readable and "旧版 Excel" in (ole.refusal("旧表.xls") or "")
    assert reading.WORKBOOK.refusal("a.xlsx") is None
    assert "不支持的文件类型：a.csv" in reading.unknown_format_message("a.csv")
    with pytest.raises(UnreadableInputError, match="不支持的文件类型"):
        read_report(b"a,b", name="a.csv")


def test_an_ole_upload_gets_the_workbook_readers_message() -> None:
    with pytest.raises(UnreadableInputError, match=r"旧版 Excel（\.xls）"):
        read_report(OLE_MAGIC + b"\0" * 512, name="旧表.xls")
    encrypted = OLE_MAGIC + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(UnreadableInputError, match="设置了打开密码"):
        read_report(encrypted, name="加密.xlsx")
