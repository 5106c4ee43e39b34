"""A tiny PDF writer for the tests: text at given positions and ruling lines, nothing else.

Chinese text uses the standard CJK font STSong-Light (Adobe-GB1, UniGB-UCS2-H), which PDF
readers know without embedding it, so a fixture is a few hundred bytes of our own making and
pdfplumber reads its text layer as it reads a published report's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PAGE_WIDTH, PAGE_HEIGHT = 595, 842


@dataclass
class PdfPage:
    """Drawing commands of one page; ``top`` counts from the top edge, as pdfplumber does."""

    commands: list[str] = field(default_factory=list)

    def text(self, x: float, top: float, text: str, size: float = 10.5) -> None:
        hex_text = text.encode("utf-16-be").hex().upper()
        y = PAGE_HEIGHT - top - size
        self.commands.append(f"BT /F1 {size} Tf {x:.1f} {y:.1f} Td <{hex_text}> Tj ET")

    def line(self, x0: float, top0: float, x1: float, top1: float) -> None:
        self.commands.append(
            f"0.5 w {x0:.1f} {PAGE_HEIGHT - top0:.1f} m {x1:.1f} {PAGE_HEIGHT - top1:.1f} l S"
        )

    def box(self, x0: float, top: float, x1: float, bottom: float) -> None:
        for a, b, c, d in ((x0, top, x1, top), (x0, bottom, x1, bottom), (x0, top, x0, bottom), (x1, top, x1, bottom)):
            self.line(a, b, c, d)


def write_pdf(path: Path, pages: list[PdfPage]) -> Path:
    objects: list[bytes] = []

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    catalog = add("")  # filled in below, once the page tree's number is known
    pages_id = add("")
    font = add(
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        "/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        "/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        "/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 80 >> "
        "/DW 1000 /W [1 95 500] >>] >>"
    )
    kids = []
    for page in pages:
        stream = "\n".join(page.commands).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
                f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode("latin-1")
    objects[pages_id - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode("latin-1")
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    path.write_bytes(bytes(out))
    return path
