"""Open an Office package (.xlsx, .docx) without trusting it.

Every input package passes :func:`open_package` before any of its XML is parsed. The guard
inflates every zip member itself, in bounded chunks, and refuses the file when

- the declared or the actual inflated size of a member, or of all members, passes a limit, or
  a large member inflates more than :data:`MAX_RATIO` times (a zip bomb); the headers are not
  trusted: a member that inflates to more than its header says is refused as it happens;
- any XML part (worksheets, sharedStrings, workbook.xml, rels, docProps, …) holds a DOCTYPE or
  ENTITY declaration (an entity bomb, or an external entity). Excel, WPS and Word never write
  one, so it is refused before parsing, in whatever encoding the part declares.

What passes is parsed with lxml's C parser set to resolve no entities, load no DTD, use no
network and keep libxml2's size limits (:meth:`Package.xml`), which also refuses a document
that somehow still carries a DTD. Refusals are :class:`UnreadableInputError` paragraphs in
Chinese naming the file and the part.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .errors import UnreadableInputError

MB = 1 << 20
MAX_FILE = 100 * MB  # the package as stored
MAX_TOTAL = 100 * MB  # all members inflated
MAX_MEMBER = 50 * MB  # one member inflated
MAX_RATIO = 200  # inflated : compressed, for members larger than RATIO_FLOOR
RATIO_FLOOR = 1 * MB
MAX_MEMBERS = 10_000
CHUNK = 256 * 1024  # inflate at most this much at a time

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_MAGIC = b"PK\x03\x04"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DECLARATION = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DECLARATION_BYTES = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# Encodings in which "<!DOCTYPE" is plain ASCII bytes: searching the bytes is enough.
_ASCII_SAFE = frozenset(
    {
        "utf-8",
        "utf8",
        "utf-8-sig",
        "us-ascii",
        "ascii",
        "iso-8859-1",
        "latin-1",
        "latin1",
        "windows-1252",
        "cp1252",
        "gbk",
        "gb2312",
        "gb18030",
    }
)
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# "<" as the first character without a byte order mark, in the wide encodings.
_WIDE_STARTS = (
    (b"<\0\0\0", "utf-32-le"),
    (b"\0\0\0<", "utf-32-be"),
    (b"<\0", "utf-16-le"),
    (b"\0<", "utf-16-be"),
)


@dataclass
class Package:
    """The members of a package that passed the guard, inflated, by name."""

    name: str  # the file's display name, used in every message
    members: dict[str, bytes] = field(default_factory=dict)
    resave: str = "请确认文件来源，用 Excel 或 WPS 打开后另存为 .xlsx 再试。"

    def __contains__(self, member: str) -> bool:
        return member in self.members

    def read(self, member: str) -> bytes:
        try:
            return self.members[member]
        except KeyError:
            raise UnreadableInputError(
                f"文件 {self.name} 缺少部件 {member}，文件已损坏。{self.resave}"
            ) from None

    def xml(self, member: str) -> etree._Element:
        """Parse one XML part with the safe C parser; a part that is not well-formed XML is a
        damaged file, named with the part."""
        try:
            root = etree.fromstring(self.read(member), _parser())
        except etree.XMLSyntaxError as exc:
            raise UnreadableInputError(
                f"文件 {self.name} 的部件 {member} 不是有效的 XML（{exc.msg}），文件已损坏。{self.resave}"
            ) from exc
        if root.getroottree().docinfo.internalDTD is not None:  # the up-front scan missed nothing so far
            raise _dtd_refusal(self, member)
        return root

    def read_stream(self) -> io.BytesIO:
        """The package rebuilt from the checked members, for libraries that want a file
        (python-docx): they then read only what was checked, never the original bytes."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            for member, data in self.members.items():
                archive.writestr(member, data)
        out.seek(0)
        return out


_local = threading.local()


def _parser() -> etree.XMLParser:
    """The safe parser, one per thread (an lxml parser must not be shared between threads;
    making one per part cost a tenth of a read)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=True
        )
    return parser


def open_package(
    source: str | Path | bytes, name: str | None = None, *, resave: str | None = None
) -> Package:
    """Check an Office package and return its members inflated.

    ``source`` is a path or the file's bytes (an upload); ``name`` is what messages call the
    file (default: the path's file name). ``resave`` is the last sentence of a refusal: what
    the user can do about it.
    """
    name = name or (Path(source).name if not isinstance(source, bytes) else "上传的文件")
    package = Package(name, resave=resave or Package.resave)
    data = _file_bytes(source, package)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableInputError(
            f"文件 {name} 不是有效的 Office 文件（zip 结构已损坏：{exc}）。{package.resave}"
        ) from exc
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise UnreadableInputError(
            f"文件 {name} 含有 {len(infos)} 个部件（上限 {MAX_MEMBERS} 个），不像正常的 Office 文件，程序已拒绝处理。"
            f"{package.resave}"
        )
    _check_declared(infos, package)
    total = 0
    for info in infos:
        member = _inflate(data, info, package, MAX_TOTAL - total)
        total += len(member)
        if _is_xml(info.filename, member):
            _check_xml(member, info.filename, package)
        package.members[info.filename] = member
    return package


def package_bytes(path: str | Path, name: str | None = None) -> bytes:
    """A package file's bytes, refused unread when larger than :data:`MAX_FILE`; for a caller
    that looks at the bytes before the guard (an old .xls is named by its first bytes) and
    then passes them to :func:`open_package`, so the file is read once."""
    return _file_bytes(path, Package(name or Path(path).name))


def _file_bytes(source: str | Path | bytes, package: Package) -> bytes:
    """The package's bytes, refusing a file larger than :data:`MAX_FILE` before reading it."""
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_FILE:  # refused without reading it
                raise _too_large(package, size)
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableInputError(f"无法读取文件 {package.name}：{exc.strerror or exc}。") from exc
    if len(data) > MAX_FILE:
        raise _too_large(package, len(data))
    return data


def _too_large(package: Package, size: int) -> UnreadableInputError:
    return UnreadableInputError(
        f"文件 {package.name} 有 {_mb(size)}，超过 {_mb(MAX_FILE)} 的上限，不像正常的填报表或报告，"
        f"程序已拒绝处理。{package.resave}"
    )


def _bomb(package: Package, member: str, what: str) -> UnreadableInputError:
    return UnreadableInputError(
        f"文件 {package.name} 的部件 {member} {what}。这是“压缩炸弹”的特征（很小的文件解压后占满内存），"
        f"正常的 Excel、WPS 或 Word 文件不会这样，程序已拒绝处理。{package.resave}"
    )


def _check_declared(infos: list[zipfile.ZipInfo], package: Package) -> None:
    """Refuse on what the central directory declares, before inflating anything."""
    total = 0
    for info in infos:
        if info.file_size > MAX_MEMBER:
            raise _bomb(
                package,
                info.filename,
                f"声明解压后有 {_mb(info.file_size)}，超过单个部件 {_mb(MAX_MEMBER)} 的上限",
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bomb(package, info.filename, _ratio_text(info.file_size, info.compress_size))
        total += info.file_size
        if total > MAX_TOTAL:
            raise _bomb(package, info.filename, f"使全部部件声明的解压大小合计超过 {_mb(MAX_TOTAL)} 的上限")


def _mb(size: int) -> str:
    return f"{size / MB:.3g} MB"


def _ratio_text(inflated: int, compressed: int) -> str:
    return f"由 {compressed} 字节解压为 {inflated} 字节以上，压缩比超过 {MAX_RATIO}:1"


def _inflate(data: bytes, info: zipfile.ZipInfo, package: Package, room: int) -> bytes:
    """Inflate one member from the raw bytes, never producing more than its header declared,
    the member limit, or the room left under the total limit."""
    member = info.filename
    damaged = UnreadableInputError(f"文件 {package.name} 的部件 {member} 已损坏，无法解压。{package.resave}")
    if info.flag_bits & 0x1:
        raise UnreadableInputError(
            f"文件 {package.name} 的部件 {member} 已加密，程序无法读取。请取消密码保护后另存再试。"
        )
    header = data[info.header_offset : info.header_offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise damaged
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_MAGIC:
        raise damaged
    start = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
    raw = data[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise damaged
    limit = min(info.file_size, MAX_MEMBER, room)
    if info.compress_type == zipfile.ZIP_STORED:
        out = raw
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        out = _inflate_deflate(raw, info, package, limit, damaged)
    else:
        raise UnreadableInputError(
            f"文件 {package.name} 的部件 {member} 使用了 Excel、WPS 和 Word 都不用的压缩方式（{info.compress_type}），"
            f"程序无法读取。{package.resave}"
        )
    if len(out) != info.file_size:
        raise _liar(package, member, info.file_size, f"实际为 {len(out)} 字节")
    if zlib.crc32(out) != info.CRC:
        raise damaged
    return out


def _inflate_deflate(
    raw: bytes, info: zipfile.ZipInfo, package: Package, limit: int, damaged: UnreadableInputError
) -> bytes:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    chunks: list[bytes] = []
    size = 0
    pending = raw
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            size += len(chunk)
            chunks.append(chunk)
            if size > limit:
                if size > info.file_size:
                    raise _liar(package, info.filename, info.file_size, f"实际解压出 {size} 字节以上")
                raise _bomb(package, info.filename, f"解压后超过 {_mb(limit)} 的上限")
            consumed = len(raw) - len(pending)
            if size > RATIO_FLOOR and size > MAX_RATIO * max(consumed, 1):
                raise _bomb(package, info.filename, _ratio_text(size, consumed))
            if not chunk and not pending:
                break
    except zlib.error as exc:
        raise damaged from exc
    if not inflater.eof:
        raise damaged
    return b"".join(chunks)


def _liar(package: Package, member: str, declared: int, actual: str) -> UnreadableInputError:
    return UnreadableInputError(
        f"文件 {package.name} 的部件 {member} 在文件头中声明解压后为 {declared} 字节，{actual}。"
        f"文件已损坏或被人为篡改（压缩炸弹常用这种手法躲过检查），程序已拒绝处理。{package.resave}"
    )


def _is_xml(member: str, data: bytes) -> bool:
    if member.lower().endswith(_XML_SUFFIXES):
        return True
    head = data[:8].lstrip()
    return head.startswith((b"<", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\0<"))


def _check_xml(data: bytes, member: str, package: Package) -> None:
    """Refuse a DOCTYPE or ENTITY declaration anywhere in the part, whatever its encoding."""
    if not data.strip():
        return
    encoding = _encoding(data)
    if encoding is None:
        raise UnreadableInputError(
            f"文件 {package.name} 的部件 {member} 不是可识别编码的 XML，文件已损坏或被人为篡改，程序已拒绝处理。"
            f"{package.resave}"
        )
    # The bytes are searched whatever the part declares (a parser may trust the bytes over a
    # contradicting declaration); a wide or unusual encoding is decoded and searched too.
    found = _DECLARATION_BYTES.search(data) is not None
    if not found and encoding.lower() not in _ASCII_SAFE:
        try:
            found = _DECLARATION.search(data.decode(encoding, errors="replace")) is not None
        except LookupError:
            raise UnreadableInputError(
                f"文件 {package.name} 的部件 {member} 声明了 Office 文件不用的字符编码 {encoding}，程序已拒绝处理。"
                f"{package.resave}"
            ) from None
    if found:
        raise _dtd_refusal(package, member)


def _encoding(data: bytes) -> str | None:
    """The encoding an XML parser would read the part in; None when it starts with neither
    a byte order mark nor "<" in any encoding an Office file may use."""
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            return encoding
    for start, encoding in _WIDE_STARTS:
        if data.startswith(start):
            return encoding
    if not data.lstrip(b" \t\r\n").startswith(b"<"):
        return None
    declared = _XML_ENCODING.match(data[:200])
    return declared.group(1).decode("ascii") if declared else "utf-8"


def _dtd_refusal(package: Package, member: str) -> UnreadableInputError:
    return UnreadableInputError(
        f"文件 {package.name} 的部件 {member} 含有 XML 文档类型（DOCTYPE）或实体（ENTITY）声明。"
        "Excel、WPS 和 Word 保存的文件从不包含这类声明，它可能是“实体炸弹”等恶意构造，"
        f"读取时会耗尽内存或泄露本机文件，程序已拒绝处理。{package.resave}"
    )
