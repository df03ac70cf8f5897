"""A tiny one-page PDF writer, so that TA's documents (assessment forms, session reports) are real PDFs.

Written by hand after ISO 32000-1 (PDF 1.4 subset): catalog, page tree, one A4 page, a content stream
of Helvetica text lines, the standard font in WinAnsiEncoding, a cross-reference table with each
object's byte offset, and the trailer. The output depends only on the input, so tests can compare it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

#: A4 in points, the left margin and the baseline of the title.
PAGE_WIDTH, PAGE_HEIGHT = 595, 842
LEFT, TOP = 56, 786
TITLE_SIZE, TEXT_SIZE, LEADING = 15, 10, 14
#: Helvetica 10 pt fits about this many average characters between the margins.
LINE_CHARACTERS = 95
#: Lines below the title that fit on the page; more end in a marker line.
MAX_LINES = 52
MORE = "[...]"


def one_page_pdf(title: str, lines: Sequence[str] = ()) -> bytes:
    """A valid PDF with `title` in larger type and `lines` below it, wrapped; one page."""
    wrapped = [part for line in lines for part in textwrap.wrap(line, LINE_CHARACTERS) or [""]]
    if len(wrapped) > MAX_LINES:
        wrapped = [*wrapped[: MAX_LINES - 1], MORE]
    content = _content(title, wrapped)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        % (PAGE_WIDTH, PAGE_HEIGHT),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title %s /Producer (oke reference Toetsafname) >>" % _string(title),
    ]
    return _file(objects, root=1, info=6)


def _content(title: str, lines: list[str]) -> bytes:
    """The page's text: the title, then one line per `T*` (next line at the leading)."""
    ops = [b"BT", b"/F1 %d Tf" % TITLE_SIZE, b"%d %d Td" % (LEFT, TOP), b"%d TL" % LEADING, _string(title) + b" Tj"]
    ops += [b"/F1 %d Tf" % TEXT_SIZE, b"T*"]
    ops += [b"T* " + _string(line) + b" Tj" for line in lines]
    ops.append(b"ET")
    return b"\n".join(ops)


def _string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding; `\\`, parentheses and non-printable bytes escaped."""
    out = bytearray(b"(")
    for byte in text.encode("cp1252", errors="replace"):
        if byte in b"\\()":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out + b")")


def _file(objects: list[bytes], *, root: int, info: int) -> bytes:
    """Header, numbered objects, the xref table of their offsets, trailer and startxref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # the binary comment marks the file as binary
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (len(objects) + 1, root, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
