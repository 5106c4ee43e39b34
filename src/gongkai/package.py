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

A kind of package may bound its XML further (:class:`XmlLimits`: a workbook's parts are a few
KB, so tens of MB of XML is an attack on memory, not a report): one part and all parts, on the
sizes the central directory declares before anything is inflated, then on what really
inflates; such a package also drops its members that are not XML once checked. A large part
is parsed as a stream (:meth:`Package.items`), never as a whole tree.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
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
# A part up to this size is parsed whole (a tree of it is at most a few MB, and building one is
# faster than streaming); a larger one is streamed (Package.items).
STREAM_ABOVE = 256 * 1024
# While streaming, one item (a worksheet row, a shared string) may hold at most this many
# elements: an item is kept whole until it ends, so this bounds the tree that is ever built.
MAX_ITEM_ELEMENTS = 100_000

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


@dataclass(frozen=True)
class XmlLimits:
    """How much XML one kind of package may hold (see :data:`gongkai.workbook.xlsx.WORKBOOK_XML`).

    Checked on the sizes the central directory declares, before anything is inflated (a
    member inflating past its declared size is refused by the guard anyway), and on what
    really inflates, for a member that is XML by its content only.
    """

    part: int  # one XML part, inflated
    total: int  # all XML parts, inflated
    normal: str  # what a real file of this kind holds, said in the refusal
    advice: str  # what the user can do, the refusal's last sentence (re-saving does not shrink it)
    # Names a part for the user ("工作表“…”的"), from the members that passed; None: unknown.
    label: Callable[[Package, str], str | None] | None = None
    keep_other: bool = True  # hold members that are not XML (False: checked, then dropped)


@dataclass
class Package:
    """The members of a package that passed the guard, inflated, by name."""

    name: str  # the file's display name, used in every message
    members: dict[str, bytes] = field(default_factory=dict)
    resave: str = "请确认文件来源，用 Excel 或 WPS 打开后另存为 .xlsx 再试。"
    # Members that passed the guard but are not held (not XML, and the reader reads none).
    dropped: set[str] = field(default_factory=set)

    def __contains__(self, member: str) -> bool:
        return member in self.members or member in self.dropped

    def read(self, member: str) -> bytes:
        try:
            return self.members[member]
        except KeyError:
            if member in self.dropped:
                raise UnreadableInputError(
                    f"文件 {self.name} 的部件 {member} 不是 XML，文件已损坏。{self.resave}"
                ) from None
            raise UnreadableInputError(
                f"文件 {self.name} 缺少部件 {member}，文件已损坏。{self.resave}"
            ) from None

    def items(self, member: str, depth: int = 1) -> Iterator[tuple[int, etree._Element]]:
        """The elements of an XML part down to ``depth`` levels below the root, each as
        (level, element) when it ends, children before their parent, in document order: one
        at ``depth`` with its subtree complete, one above it after its children (emptied of
        them when streamed); an element's ancestors are there, with their attributes.

        A small part is parsed whole; a large one (above :data:`STREAM_ABOVE`) is streamed
        and each element is cleared once the caller has had it, with everything between, so
        no tree of the part is built: the caller must take what it needs from an element
        before asking for the next. Either way the same elements arrive in the same order.
        """
        data = self.read(member)
        if len(data) <= STREAM_ABOVE:
            yield from _walk(self.xml(member), depth, 1)
            return
        context = etree.iterparse(io.BytesIO(data), events=("start", "end"), **_SAFE)
        level = 0  # the depth of the element that ends, or of the next one that starts
        inside = 0  # elements ended within the current item
        try:
            for event, element in context:
                if event == "start":
                    level += 1
                    continue
                level -= 1
                if level > depth:  # part of an item, kept until the item ends
                    inside += 1
                    if inside > MAX_ITEM_ELEMENTS:
                        raise UnreadableInputError(
                            f"文件 {self.name} 的部件 {member} 中一项内容含有超过 {MAX_ITEM_ELEMENTS} 个 XML 元素，"
                            f"正常的 Office 文件不会这样，程序已拒绝处理，以免耗尽内存。{self.resave}"
                        )
                    continue
                inside = 0
                if level > 0:
                    yield level, element
                element.clear(keep_tail=True)
                while element.getprevious() is not None:  # what was cleared before
                    del element.getparent()[0]
        except etree.XMLSyntaxError as exc:
            raise _not_xml(self, member, exc) from exc
        if context.root.getroottree().docinfo.internalDTD is not None:
            raise _dtd_refusal(self, member)

    def xml(self, member: str) -> etree._Element:
        """Parse one XML part with the safe C parser; a part that is not well-formed XML is a
        damaged file, named with the part."""
        try:
            root = etree.fromstring(self.read(member), _parser())
        except etree.XMLSyntaxError as exc:
            raise _not_xml(self, member, exc) from exc
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


def _walk(node: etree._Element, depth: int, level: int) -> Iterator[tuple[int, etree._Element]]:
    """As Package.items streams, from a parsed tree: elements only, as iterparse ends them."""
    if level == 1 and depth == 2:  # the common case (a sheet's rows) without a generator per parent
        for child in node.iterchildren(tag=etree.Element):
            for grandchild in child.iterchildren(tag=etree.Element):
                yield 2, grandchild
            yield 1, child
        return
    for child in node.iterchildren(tag=etree.Element):
        if level < depth:
            yield from _walk(child, depth, level + 1)
        yield level, child


def _not_xml(package: Package, member: str, exc: etree.XMLSyntaxError) -> UnreadableInputError:
    return UnreadableInputError(
        f"文件 {package.name} 的部件 {member} 不是有效的 XML（{exc.msg}），文件已损坏。{package.resave}"
    )


_local = threading.local()
# The safe parser's settings, for the streaming parser too.
_SAFE = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "remove_comments": True,
}


def _parser() -> etree.XMLParser:
    """The safe parser, one per thread (an lxml parser must not be shared between threads;
    making one per part cost a tenth of a read)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(**_SAFE)
    return parser


def open_package(
    source: str | Path | bytes,
    name: str | None = None,
    *,
    resave: str | None = None,
    xml_limits: XmlLimits | None = None,
) -> Package:
    """Check an Office package and return its members inflated.

    ``source`` is a path or the file's bytes (an upload); ``name`` is what messages call the
    file (default: the path's file name). ``resave`` is the last sentence of a refusal: what
    the user can do about it. ``xml_limits`` bounds the XML further, for a kind of package
    whose parts are known to be small (a workbook).
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
    over = _declared_xml_over(infos, xml_limits) if xml_limits is not None else None
    total = xml_total = 0
    for info in infos:
        if over is not None:
            # Refused already: only the XML parts that fit are inflated (and checked), so that
            # the refusal can name the part as the user knows it (a sheet by its name).
            assert xml_limits is not None
            if not _xml_named(info.filename) or info.file_size > xml_limits.part:
                continue
            if xml_total + info.file_size > xml_limits.total:
                continue
        xml_room = xml_limits.total - xml_total if xml_limits is not None else MAX_TOTAL
        member, is_xml, size = _inflate(data, info, package, MAX_TOTAL - total, xml_limits, xml_room)
        total += size
        if is_xml:
            xml_total += size
            assert member is not None
            _check_xml(member, info.filename, package)
        if member is None:
            package.dropped.add(info.filename)
        else:
            package.members[info.filename] = member
    if over is not None:
        assert xml_limits is not None
        raise _xml_refusal(package, xml_limits, *over)
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


def _inflate(
    data: bytes, info: zipfile.ZipInfo, package: Package, room: int, limits: XmlLimits | None, xml_room: int
) -> tuple[bytes | None, bool, int]:
    """Inflate one member from the raw bytes, never producing more than its header declared,
    the member limit, the room left under the total limit, or for an XML part the XML
    limits. Returns the bytes (None: checked, then dropped as ``limits`` asks), whether the
    member is XML, and its size."""
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
    pieces: Iterator[bytes]
    if info.compress_type == zipfile.ZIP_STORED:
        pieces = iter((raw,))
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _inflate_deflate(raw, info, package, limit, damaged)
    else:
        raise UnreadableInputError(
            f"文件 {package.name} 的部件 {member} 使用了 Excel、WPS 和 Word 都不用的压缩方式（{info.compress_type}），"
            f"程序无法读取。{package.resave}"
        )
    # Whether it is XML is known by the name, or else by the first bytes: until then it is held.
    xml: bool | None = True if _xml_named(member) else None
    kept: list[bytes] = []
    size = crc = 0
    for piece in pieces:
        size += len(piece)
        crc = zlib.crc32(piece, crc)
        if xml is None and size >= 8:
            xml = _is_xml(member, b"".join(kept + [piece])[:8])
        if xml and limits is not None and size > min(limits.part, xml_room):
            if size > limits.part:
                raise _xml_refusal(package, limits, member, size, True)
            raise _xml_refusal(package, limits, member, limits.total - xml_room + size, False)
        if xml is not False or limits is None or limits.keep_other:
            kept.append(piece)
        elif kept:  # held while undecided: not XML after all
            kept = []
    if xml is None:
        xml = _is_xml(member, b"".join(kept))
    if size != info.file_size:
        raise _liar(package, member, info.file_size, f"实际为 {size} 字节")
    if crc != info.CRC:
        raise damaged
    out = b"".join(kept) if xml or limits is None or limits.keep_other else None
    return out, xml, size


def _inflate_deflate(
    raw: bytes, info: zipfile.ZipInfo, package: Package, limit: int, damaged: UnreadableInputError
) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    pending = raw
    try:
        while not inflater.eof:
            chunk = inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            size += len(chunk)
            if size > limit:
                if size > info.file_size:
                    raise _liar(package, info.filename, info.file_size, f"实际解压出 {size} 字节以上")
                raise _bomb(package, info.filename, f"解压后超过 {_mb(limit)} 的上限")
            consumed = len(raw) - len(pending)
            if size > RATIO_FLOOR and size > MAX_RATIO * max(consumed, 1):
                raise _bomb(package, info.filename, _ratio_text(size, consumed))
            yield chunk
            if not chunk and not pending:
                break
    except zlib.error as exc:
        raise damaged from exc
    if not inflater.eof:
        raise damaged


def _xml_named(member: str) -> bool:
    return member.lower().endswith(_XML_SUFFIXES)


def _declared_xml_over(infos: list[zipfile.ZipInfo], limits: XmlLimits) -> tuple[str, int, bool] | None:
    """The XML part over the limits by what the central directory declares, before anything
    is inflated: (member, size, whether one part is over its own limit), the largest part
    naming an excess of the total."""
    xml = [info for info in infos if _xml_named(info.filename)]
    if not xml:
        return None
    largest = max(xml, key=lambda info: info.file_size)
    if largest.file_size > limits.part:
        return largest.filename, largest.file_size, True
    total = sum(info.file_size for info in xml)
    if total > limits.total:
        return largest.filename, total, False
    return None


def _xml_refusal(
    package: Package, limits: XmlLimits, member: str, size: int, one_part: bool
) -> UnreadableInputError:
    label = None
    if limits.label is not None:
        try:
            label = limits.label(package, member)
        except Exception:  # naming is a courtesy: whatever fails, the part is still named
            label = None
    what = f"{label}（部件 {member}）" if label else f"部件 {member}"
    if one_part:
        excess = f"{what}解压后有 {_mb(size)} 以上的 XML，超过单个部件 {_mb(limits.part)} 的上限"
    else:
        excess = f"XML 部件解压后合计 {_mb(size)} 以上，超过合计 {_mb(limits.total)} 的上限（涉及{what}）"
    return UnreadableInputError(
        f"文件 {package.name} 的{excess}。{limits.normal}，这样多的内容不是正常填写或另存能产生的，"
        f"读取它会耗尽内存，程序已拒绝处理。{limits.advice}"
    )


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
