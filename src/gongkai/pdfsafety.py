"""Safety check for the stamped scan (盖章件) a body attaches to its submission.

The county downloads these PDFs and opens them in whatever reader is on its desk, so a
盖章件 must be a plain document: pages of scanned images (or of text, if printed to PDF),
nothing that runs or carries other files. ``stamped_pdf_problem`` refuses:

* anything that is not a PDF (no ``%PDF-`` within the first 1024 bytes, as readers accept),
  a PDF that cannot be parsed or has no page, and an encrypted PDF (its objects cannot be
  inspected, and a county reader may not open it);
* active content: JavaScript (``/JS``, ``/JavaScript`` actions and the document-level
  ``/Names /JavaScript`` tree, wherever they hang: ``/OpenAction``, ``/AA`` of the
  document, pages, annotations and form fields; also ``javascript:`` links), ``/Launch``
  (runs a program), ``/SubmitForm`` and ``/ImportData`` (send or load data), ``/RichMedia``
  (Flash, video), embedded files (``/EmbeddedFile(s)``, ``/EF``, file-attachment
  annotations) and XFA forms (``/XFA``). Links and navigation (``/URI`` other than
  ``javascript:``, ``/GoTo``, ``/GoToR``, named actions) are allowed: they run nothing;
* files whose structure is too big to check within fixed bounds (objects, decompressed
  bytes, parser steps), so a hostile upload cannot make the portal loop or exhaust memory.

Hostile files hide names, so the check does not grep for ``/JavaScript``: the object graph
is parsed with pdfminer.six (which decodes ``#xx`` escapes in names and unpacks compressed
object streams) and every object is walked: the objects the cross-reference tables list,
every member of every object stream (listed or not), and any ``N G obj`` in the file the
tables leave out (what a reader that repairs a damaged file would find). As a second,
independent net, the raw bytes outside stream data are searched with a pattern that
matches each refused name in any mix of plain and ``#xx``-escaped characters.

Only cross-reference and object streams are ever decompressed; image and page content
streams are never decoded, so a several-megabyte scan is checked in milliseconds.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFXRef, PDFXRefStream
from pdfminer.pdfexceptions import PDFObjectNotFound
from pdfminer.pdfparser import PDFParser, PDFStreamParser
from pdfminer.pdftypes import PDFObjRef, PDFStream
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import PSLiteral, literal_name
from pdfminer.utils import apply_png_predictor, apply_tiff_predictor, nunpack

__all__ = ["MAX_BYTES", "MAX_OBJECTS", "stamped_pdf_problem"]

MAX_BYTES = 64 * 1024 * 1024  # above the portal's upload cap (20 MB by default, configurable)
MAX_OBJECTS = 100_000  # LibreOffice writes ~11 a page of text; a scan has a few a page
# Bounds on the work a hostile file can cause: the bytes decompressed from cross-reference
# and object streams (a normal PDF: well under 1 MB), and tokens plus lines read by the
# parser, which takes some 7 µs each (a scan needs a few hundred, a text PDF about 300 a
# page; the limit is some 4 seconds of parsing).
MAX_DECODED_BYTES = 16 * 1024 * 1024
MAX_PARSE_STEPS = 500_000
MAX_XREF_SECTIONS = 1_000  # a revision adds one or two
MAX_ENTRIES = 1_000_000  # cross-reference entries over all sections
MAX_REF_CHAIN = 32  # an object that is only a reference to another, and so on

_ADVICE = "请用扫描仪或打印为 PDF 重新生成后上传。"

# What the user is told, in the order it is listed when a file has several.
_CONTENT = {
    "script": "脚本（JavaScript）",
    "launch": "启动外部程序的动作（Launch）",
    "submit": "向外发送表单数据的动作（SubmitForm）",
    "import": "导入外部数据的动作（ImportData）",
    "media": "富媒体内容（RichMedia）",
    "attachment": "嵌入的附件（EmbeddedFile）",
    "xfa": "动态表单（XFA）",
}

# PDF names that mark refused content, whether used as a dictionary key (/JS, /EF, /XFA,
# /EmbeddedFiles in the names tree) or as a value (/S /JavaScript, /Subtype /RichMedia).
_NAMES = {
    "JS": "script",
    "JavaScript": "script",
    "Launch": "launch",
    "SubmitForm": "submit",
    "ImportData": "import",
    "RichMedia": "media",
    "RichMediaContent": "media",
    "RichMediaSettings": "media",
    "EmbeddedFile": "attachment",
    "EmbeddedFiles": "attachment",
    "EF": "attachment",  # a file specification's embedded-file dictionary; /Type is optional on the stream
    "FileAttachment": "attachment",
    "XFA": "xfa",
}

_SCRIPT_SCHEMES = (b"javascript:", b"vbscript:")


class _Refused(Exception):
    """The file is refused for a reason found while parsing; ``template`` has ``{name}``."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


_DAMAGED = "盖章件{name}已损坏或无法识别，不能作为 PDF 打开。请重新扫描或重新导出为 PDF 后上传。"
_ENCRYPTED = "盖章件{name}设置了密码或加密保护，无法检查其内容。请取消密码保护（或重新扫描）后上传。"
_NO_PAGES = "盖章件{name}不含任何页面，可能已损坏。请重新扫描或重新导出为 PDF 后上传。"
_TOO_COMPLEX = "盖章件{name}结构异常复杂，无法完成安全检查，出于安全考虑已拒绝。" + _ADVICE
_BOMB = "盖章件{name}含有解压后异常庞大的数据，出于安全考虑已拒绝。" + _ADVICE
_UNSUPPORTED = "盖章件{name}使用了不常见的内部压缩方式，无法完成安全检查，出于安全考虑已拒绝。" + _ADVICE


def stamped_pdf_problem(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> str | None:
    """Why the uploaded 盖章件 ``data`` cannot be accepted, or None if it is a plain PDF.

    The answer is one Chinese sentence for the user that names ``filename`` (its last path
    component) and says what is wrong and what to do, e.g. "盖章件 X.pdf 含有脚本
    （JavaScript），出于安全考虑已拒绝。请用扫描仪或打印为 PDF 重新生成后上传。". See the
    module docstring for what is refused. Never raises for any input, and its work is
    bounded by the file's size and the limits above, whatever the file contains.
    """
    shown = _shown(filename)
    name = f" {shown} " if shown else ""
    if not data:
        return f"盖章件{name}是空文件。请扫描后保存为 PDF 再上传。"
    if len(data) > max_bytes:
        return f"盖章件{name}超过 {max_bytes // (1024 * 1024)} MB，请降低扫描分辨率（如 200–300 dpi）后重新生成。"
    if b"%PDF-" not in data[:1024]:
        return f"盖章件{name}不是 PDF 文件。请扫描后保存为 PDF（或打印为 PDF）再上传。"
    try:
        found = _refused_content(bytes(data))
    except _Refused as refused:
        return refused.template.format(name=name)
    except Exception:  # whatever a malformed file makes the parser raise, refuse it
        return _DAMAGED.format(name=name)
    if found:
        listed = "、".join(text for kind, text in _CONTENT.items() if kind in found)
        return f"盖章件{name}含有{listed}，出于安全考虑已拒绝。" + _ADVICE
    return None


def _shown(filename: str) -> str:
    """The file's own name, safe to put in a sentence: browsers may send a full path."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base if len(base) <= 80 else base[:77] + "…"


# --- bounded parsing -----------------------------------------------------------------


class _Budget:
    """Work left for one check; shared by every parser and stream of that check."""

    def __init__(self) -> None:
        self.steps = MAX_PARSE_STEPS
        self.decoded = MAX_DECODED_BYTES

    def step(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise _Refused(_TOO_COMPLEX)

    def inflate(self, data: bytes) -> bytes:
        d = zlib.decompressobj()
        out = bytearray()
        try:
            # Fed in pieces so that a stream damaged near its end (a bad checksum, common in
            # the wild) still yields what precedes the damage, as pdfminer's own decoder does.
            for i in range(0, len(data), 65536):
                out += d.decompress(data[i : i + 65536], self.decoded - len(out) + 1)
                if len(out) > self.decoded:
                    raise _Refused(_BOMB)
                if d.eof:
                    break
        except zlib.error:
            pass
        self.decoded -= len(out)
        return bytes(out)


class _BoundedStream(PDFStream):
    """A stream that decodes within the check's budget, and only with filters a cross-
    reference or object stream really uses (pdfminer's decoder has no size limit and a
    quadratic fallback for damaged Flate data)."""

    budget: _Budget
    _members: list[object] | None = None

    def decode(self) -> None:
        if self.decipher is not None:
            raise _Refused(_ENCRYPTED)
        assert self.rawdata is not None
        data = self.rawdata
        for f, params in self.get_filters():
            kind = literal_name(f)
            if kind in ("FlateDecode", "Fl"):
                data = self.budget.inflate(data)
            elif kind in ("ASCIIHexDecode", "AHx"):
                data = asciihexdecode(data)
            elif kind in ("ASCII85Decode", "A85"):
                data = ascii85decode(data)
            else:
                raise _Refused(_UNSUPPORTED)
            data = _unpredict(data, params)
        self.data = data
        self.rawdata = None

    def members(self, doc: PDFDocument) -> list[object]:
        """Everything in this object stream, parsed once (pdfminer's lookups reuse it)."""
        if self._members is None:
            parser = _StreamParser(self.get_data(), self.budget)
            parser.set_document(doc)
            objs: list[object] = []
            try:
                while True:
                    objs.append(parser.nextobject()[1])
            except PSEOF:
                pass
            self._members = objs
        return self._members


def _unpredict(data: bytes, params: object) -> bytes:
    if not isinstance(params, dict) or "Predictor" not in params:
        return data
    pred, colors, columns, bits = (
        params.get("Predictor"),
        params.get("Colors", 1),
        params.get("Columns", 1),
        params.get("BitsPerComponent", 8),
    )
    if not all(isinstance(v, int) for v in (pred, colors, columns, bits)):
        raise _Refused(_UNSUPPORTED)
    # pdfminer allocates a row of ``columns`` up front: keep a hostile value from sizing it.
    if not (1 <= colors <= 32 and 1 <= columns <= 65536 and bits in (1, 2, 4, 8, 16)):
        raise _Refused(_UNSUPPORTED)
    if pred == 1:
        return data
    if pred == 2:
        return apply_tiff_predictor(colors, columns, bits, data)
    if pred >= 10:
        return apply_png_predictor(pred, colors, columns, bits, data)
    raise _Refused(_UNSUPPORTED)


class _Counting:
    """Charge every token and line a parser reads to the budget: pdfminer re-parses from
    any offset a cross-reference table names, so a hostile table can otherwise make it
    read the file once per entry."""

    budget: _Budget

    def nexttoken(self) -> Any:
        self.budget.step()
        return super().nexttoken()  # type: ignore[misc]

    def nextline(self) -> Any:
        self.budget.step()
        return super().nextline()  # type: ignore[misc]


class _Parser(_Counting, PDFParser):
    def __init__(self, fp: io.BytesIO, budget: _Budget) -> None:
        self.budget = budget
        super().__init__(fp)

    def do_keyword(self, pos: int, token: Any) -> None:
        super().do_keyword(pos, token)
        if token is self.KEYWORD_STREAM and self.curstack:
            at, obj = self.curstack[-1]
            if isinstance(obj, PDFStream) and not isinstance(obj, _BoundedStream):
                stream = _BoundedStream(obj.attrs, obj.rawdata or b"", obj.decipher)
                stream.budget = self.budget
                self.curstack[-1] = (at, stream)


class _StreamParser(_Counting, PDFStreamParser):
    def __init__(self, data: bytes, budget: _Budget) -> None:
        self.budget = budget
        super().__init__(data)


class _Document(PDFDocument):
    """pdfminer's document, made safe against files built to make it loop."""

    def __init__(self, parser: _Parser) -> None:
        self._pending: set[int] = set()
        self._xref_starts: set[int] = set()
        super().__init__(parser)

    def read_xref_from(self, parser: PDFParser, start: int, xrefs: list[Any]) -> None:
        # A /Prev or /XRefStm pointing back at a section already read would recurse forever.
        if start in self._xref_starts:
            return
        if len(self._xref_starts) >= MAX_XREF_SECTIONS:
            raise _Refused(_TOO_COMPLEX)
        self._xref_starts.add(start)
        super().read_xref_from(parser, start, xrefs)

    def getobj(self, objid: int) -> object:
        # pdfminer's resolve1 loops for as long as an object is a bare reference, so
        # "1 0 obj 1 0 R endobj" would hang it: follow such chains here, a bounded way.
        obj = self._getobj_once(objid)
        seen = {objid}
        while isinstance(obj, PDFObjRef):
            if obj.objid in seen or len(seen) > MAX_REF_CHAIN:
                return None
            seen.add(obj.objid)
            obj = self._getobj_once(obj.objid)
        return obj

    def _getobj_once(self, objid: int) -> object:
        # An object stream that claims to sit inside itself would recurse forever.
        if objid in self._pending:
            raise PDFObjectNotFound(objid)
        self._pending.add(objid)
        try:
            return super().getobj(objid)
        finally:
            self._pending.discard(objid)

    def _get_objects(self, stream: PDFStream) -> tuple[list[object], int]:
        # Parse each object stream once, within the budget, for lookups and our walk alike.
        if not isinstance(stream, _BoundedStream):
            return super()._get_objects(stream)
        n = stream.get("N", 0)
        return stream.members(self), n if isinstance(n, int) else 0


# --- the check -----------------------------------------------------------------------


def _refused_content(data: bytes) -> set[str]:
    """The kinds of refused content in ``data`` (keys of ``_CONTENT``); raises ``_Refused``
    for a file that cannot be checked."""
    budget = _Budget()
    parser = _Parser(io.BytesIO(data), budget)
    try:
        doc = _Document(parser)
    except PDFEncryptionError:
        raise _Refused(_ENCRYPTED) from None
    trailers = [x.get_trailer() for x in doc.xrefs]
    if doc.encryption is not None or any("Encrypt" in t for t in trailers):
        raise _Refused(_ENCRYPTED)
    # pdfminer looks an object up section by section, an exception per miss; with one
    # merged table (the newest entry of each object, which is what it would find) a
    # lookup is one dictionary access however many sections a hostile file has.
    merged = PDFXRef()
    merged.offsets = _merged_entries(doc)
    doc.xrefs = [merged]
    if not _has_page(doc):
        raise _Refused(_NO_PAGES)

    found: set[str] = set()
    expanded: set[int] = set()

    def walk(obj: object, *, container: bool = False) -> None:
        _scan(obj, found)
        if (
            isinstance(obj, _BoundedStream)
            and (container or _is_object_stream(obj))
            and id(obj) not in expanded
        ):
            expanded.add(id(obj))
            for member in obj.members(doc):
                _scan(member, found)

    for trailer in trailers:
        _scan(trailer, found)

    # The view of a conforming reader: each object as the newest table lists it.
    parsed_at: set[int] = set()
    containers: set[int] = set()
    for objid, (container, where, _) in merged.offsets.items():
        if container is not None:
            containers.add(container)  # walked whole below, members the table omits included
            continue
        try:
            obj = doc.getobj(objid)
        except PDFObjectNotFound:
            continue
        parsed_at.add(where)
        walk(obj)
    for container in containers:
        try:
            walk(doc.getobj(container), container=True)
        except PDFObjectNotFound:
            continue

    # The view of a reader that repairs a damaged file: every object the tables leave out.
    spans = _outside_streams(data)
    starts = [m.start() for begin, end in spans for m in _OBJ_START.finditer(data, begin, end)]
    if len(starts) > MAX_OBJECTS:
        raise _Refused(_TOO_COMPLEX)
    for i, start in enumerate(starts):
        if start in parsed_at:
            continue
        # Parse only up to the next object, so overlapping garbage cannot make each
        # unlisted object re-read the rest of the file.
        end = starts[i + 1] if i + 1 < len(starts) else len(data)
        obj = _parse_object(data[start:end], doc, budget)
        if obj is not None:
            walk(obj)

    found |= _raw_names(data, spans)
    return found


def _merged_entries(doc: PDFDocument) -> dict[int, tuple[int | None, int, int]]:
    """Object number → (containing object stream or None, index there or file offset,
    generation), the first entry in use in the document's sections, newest first."""
    merged: dict[int, tuple[int | None, int, int]] = {}
    read = 0
    for xref in doc.xrefs:
        for objid, *entry in _entries(xref):
            read += 1
            if read > MAX_ENTRIES:
                raise _Refused(_TOO_COMPLEX)
            merged.setdefault(objid, tuple(entry))  # type: ignore[arg-type]
            if len(merged) > MAX_OBJECTS:
                raise _Refused(_TOO_COMPLEX)
    return merged


def _has_page(doc: PDFDocument) -> bool:
    stack: list[object] = [doc.catalog.get("Pages")]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, PDFObjRef):
            if node.objid in seen or len(seen) > MAX_OBJECTS:
                continue
            seen.add(node.objid)
            try:
                node = doc.getobj(node.objid)
            except PDFObjectNotFound:
                continue
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            kind = node.get("Type")
            if isinstance(kind, PSLiteral) and literal_name(kind) == "Page":
                return True
            if "Kids" in node:
                stack.append(node["Kids"])
    return False


def _entries(xref: object) -> Iterator[tuple[int, int | None, int, int]]:
    """(object number, containing object stream or None, index there or file offset,
    generation) of each entry of one section that is in use."""
    if isinstance(xref, PDFXRefStream):
        data, size = xref.data or b"", xref.entlen or 0
        fl1, fl2 = xref.fl1 or 0, xref.fl2 or 0
        if size <= 0:
            return
        index = 0
        for start, count in xref.ranges:
            if not (isinstance(start, int) and isinstance(count, int)):
                raise _Refused(_DAMAGED)
            # The ranges may claim far more entries than the data holds: stop at its end.
            for objid in range(start, start + min(count, len(data) // size - index)):
                entry = data[index * size : (index + 1) * size]
                index += 1
                kind = nunpack(entry[:fl1], 1)
                second, third = nunpack(entry[fl1 : fl1 + fl2]), nunpack(entry[fl1 + fl2 :])
                if kind == 1:
                    yield objid, None, second, third
                elif kind == 2:
                    yield objid, second, third, 0
    elif isinstance(xref, PDFXRef):  # also pdfminer's fallback, which scans the file
        for objid, (container, where, generation) in xref.offsets.items():
            yield objid, container, where, generation


def _is_object_stream(stream: PDFStream) -> bool:
    kind = stream.get("Type")
    if isinstance(kind, PSLiteral) and literal_name(kind) == "ObjStm":
        return True
    # pdfminer (and lenient readers) use a stream as one without the /Type, given /N and /First.
    return "N" in stream.attrs and "First" in stream.attrs


def _parse_object(chunk: bytes, doc: PDFDocument, budget: _Budget) -> object:
    """The object defined at the start of ``chunk`` ("N G obj ..."), or None if it does not
    parse: this view is a best effort on top of the tables, so junk is not an error."""
    parser = _Parser(io.BytesIO(chunk), budget)
    parser.set_document(doc)
    try:
        for _ in range(3):
            parser.nexttoken()
        return parser.nextobject()[1]
    except _Refused:
        raise
    except Exception:  # junk: see the docstring
        return None


def _scan(obj: object, found: set[str]) -> None:
    """Add to ``found`` the refused names (as keys or values) and script links anywhere in
    ``obj``'s direct structure. References are not followed: every indirect object is
    walked on its own, so nothing is missed and a reference cycle cannot loop."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, PDFStream):
            item = item.attrs
        if isinstance(item, dict):
            for key, value in item.items():
                if key in _NAMES:
                    found.add(_NAMES[key])
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, PSLiteral):
            name = literal_name(item)
            if name in _NAMES:
                found.add(_NAMES[name])
        elif isinstance(item, bytes) and _is_script_link(item):
            found.add("script")


def _is_script_link(text: bytes) -> bool:
    head = text[:200]
    if b":" not in head:
        return False
    if head[:2] in (b"\xfe\xff", b"\xff\xfe"):  # a UTF-16 text string
        head = head.decode("utf-16", "ignore").encode("ascii", "ignore")
    # Browsers and readers ignore whitespace and control characters inside a scheme.
    squeezed = bytes(c for c in head if c > 0x20).lower()
    return squeezed.startswith(_SCRIPT_SCHEMES)


# --- raw bytes -----------------------------------------------------------------------

_WS = rb"\x00\t\n\x0c\r "
_DELIMS = _WS + rb"()<>\[\]{}/%"
_STREAM_BEGIN = re.compile(rb">>[" + _WS + rb"]*stream(?:\r\n|\n|\r)")
_OBJ_START = re.compile(rb"(?<![0-9])[0-9]{1,10}[" + _WS + rb"]+[0-9]{1,5}[" + _WS + rb"]+obj(?![A-Za-z0-9])")


def _name_pattern(names: Iterable[str]) -> re.Pattern[bytes]:
    """A name token equal to one of ``names`` once ``#xx`` escapes are decoded, with each
    character written plainly or escaped (hex digits in either case)."""
    alternatives = []
    for name in sorted(names, key=len, reverse=True):
        chars = []
        for ch in name:
            code = "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in f"{ord(ch):02x}")
            chars.append(f"(?:{re.escape(ch)}|#{code})")
        alternatives.append("".join(chars))
    return re.compile(b"/(" + "|".join(alternatives).encode() + b")(?=[" + _DELIMS + rb"]|\Z)")


_REFUSED_NAME = _name_pattern(_NAMES)
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _outside_streams(data: bytes) -> list[tuple[int, int]]:
    """The spans of ``data`` that are not stream data: image bytes would match a short
    name like /JS now and then by chance."""
    spans = []
    pos = 0
    while True:
        m = _STREAM_BEGIN.search(data, pos)
        if m is None:
            spans.append((pos, len(data)))
            return spans
        spans.append((pos, m.end()))
        end = data.find(b"endstream", m.end())
        if end < 0:
            return spans
        pos = end


def _raw_names(data: bytes, spans: list[tuple[int, int]]) -> set[str]:
    found = set()
    for begin, end in spans:
        for m in _REFUSED_NAME.finditer(data, begin, end):
            name = _ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), m.group(1)).decode("latin-1")
            found.add(_NAMES[name])
    return found
