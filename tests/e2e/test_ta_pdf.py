"""TA's documents are real PDFs: the file reads back by its own cross-reference table (no server needed).

Rules checked, with their source (ISO 32000-1, the PDF 1.4 subset `oke.roles.toetsafname.pdf` writes):
- §7.5.2 header `%PDF-1.n`; §7.5.4 the xref table has one 20-byte entry per object, whose offset is
  where `n 0 obj` begins, and entry 0 is free; §7.5.5 `startxref` gives the table's offset, then `%%EOF`.
- §7.3.8 a stream's `/Length` is its number of bytes; §7.3.4.2 literal strings escape `\\`, `(` and `)`.
- §9.6.2.2 Helvetica is a standard Type 1 font; WinAnsiEncoding covers the Dutch accented letters.
"""

from __future__ import annotations

from oke.roles.toetsafname.pdf import MAX_LINES, MORE, one_page_pdf
from tests.ta_client import parse_pdf


def test_the_xref_offsets_lengths_and_trailer_are_right() -> None:
    data = one_page_pdf("Procesverbaal", ["Zitting rekenen 2F", "Geen bijzonderheden."])

    parsed = parse_pdf(data)  # checks every offset, the /Length and the trailer's /Size

    assert sorted(parsed.objects) == [1, 2, 3, 4, 5, 6]
    assert b"/Root 1 0 R" in parsed.trailer
    assert parsed.objects[1].startswith(b"<< /Type /Catalog /Pages 2 0 R")
    assert b"/Count 1" in parsed.objects[2]
    assert b"/BaseFont /Helvetica" in parsed.objects[5]


def test_the_text_reads_back_with_escapes_and_accents() -> None:
    lines = ["(haakjes) en \\ backslash", "Cursist: Zoë Brouwer, één poging", ""]

    parsed = parse_pdf(one_page_pdf("Beoordeling (praktijk)", lines))

    assert parsed.texts == ["Beoordeling (praktijk)", *lines]


def test_long_lines_wrap_and_a_full_page_ends_in_a_marker() -> None:
    parsed = parse_pdf(one_page_pdf("Lang", ["woord " * 40] + [f"regel {i}" for i in range(200)]))

    assert len(parsed.texts) == 1 + MAX_LINES
    assert parsed.texts[-1] == MORE
    assert all(len(text) <= 95 for text in parsed.texts)


def test_the_same_input_gives_the_same_bytes() -> None:
    assert one_page_pdf("x", ["y"]) == one_page_pdf("x", ["y"])
    assert one_page_pdf("x", ["y"]) != one_page_pdf("x", ["z"])
