"""What a reader's limits leave out is "not read", never "absent": a report whose tables lie past the
extraction size cap, or on scanned pages past the OCR page cap, gets V01 *warnings* that name the limit
(the office is not blamed for our reading), while a report read whole without tables keeps its V01
errors (seed 002, tests/extract/test_rotated_pdf.py).

The files are real producers' output: LibreOffice's HTML export of seed 004 (tests/fixtures/html/) and
LibreOffice's PDF of seed 001 (tests/fixtures/pdf/) turned into a scan as a scanner makes one."""

from __future__ import annotations

import io

import pytest

from crawler.extract import Limits, Record, extract
from crawler.extract.formats import read_text
from crawler.extract.formats.errors import UNREAD
from tests.extract.html_exports import FIXTURES as HTML_FIXTURES
from tests.extract.rotated_pdfs import FIXTURES as PDF_FIXTURES

LO_HTML = HTML_FIXTURES / "libreoffice.html"  # seed 004, LibreOffice's "HTML (StarWriter)" export
T2_HEADING = "二、主动公开政府信息情况"  # the section heading table 2 follows


def _v01(record: Record) -> list[tuple[str, str | None, str]]:
    return [(f.severity, f.table, f.message) for f in record.findings if f.rule == "V01"]


def _not_read(reason: str) -> list[tuple[str, str | None, str]]:
    return [("warning", table, f"table {table} not read: {reason}") for table in ("t2", "t3", "t4")]


# ---- the extraction size cap (Limits.max_text_chars) -------------------------------------------------


def test_tables_past_the_text_cut_are_not_read_not_absent() -> None:
    data = LO_HTML.read_bytes()
    full = read_text(data, filename="report.html").text
    assert len(full) < Limits().max_text_chars  # read whole by default: all three tables, no V01
    assert not _v01(extract(data, filename="report.html"))
    cap = full.index(T2_HEADING)  # the cap falls at the start of the line heading table 2
    limits = Limits(max_text_chars=cap)
    kept = full[:cap].count("\n")  # the lines before that heading
    reason = f"the text after line {kept} (the text is cut at {cap} characters)"
    extracted = read_text(data, filename="report.html", limits=limits)
    assert extracted.warnings == (f"{UNREAD}{reason}",)
    assert extracted.unread == (reason,)
    assert extracted.text == full[: cap - 1]  # whole lines only, the heading's line break not kept
    record = extract(data, filename="report.html", limits=limits)
    assert _v01(record) == _not_read(reason)
    assert record.findings[0].evidence == {"unread": reason}
    assert (record.report_year, record.street) == (2022, "汉水桥街道")  # what was read is read as before


def test_a_cut_inside_a_table_row_keeps_no_number_cut_short() -> None:
    """Seed 004's 行政处罚 row says 149: a cap falling between its digits drops the row, it never reads 1
    or 14 (the value of a row cut inside would be a smaller, wrong number, not a missing one)."""
    data = LO_HTML.read_bytes()
    whole = extract(data, filename="report.html")
    assert whole.value("t2_penalty_decisions") == 149
    full = read_text(data, filename="report.html").text
    row = full.index("行政处罚\t149")
    for cap in range(row, row + len("行政处罚\t149")):
        record = extract(data, filename="report.html", limits=Limits(max_text_chars=cap))
        assert record.value("t2_penalty_decisions") is None, cap
        assert record.text == full[: row - 1]
        read = {key: cell.value for key, cell in record.cells.items() if cell.value is not None}
        assert read and read == {key: whole.value(key) for key in read}  # what was read is the whole file's


def test_a_text_under_the_cap_is_not_cut() -> None:
    data = LO_HTML.read_bytes()
    full = read_text(data, filename="report.html").text
    extracted = read_text(data, filename="report.html", limits=Limits(max_text_chars=len(full)))
    assert (extracted.text, extracted.warnings) == (full, ())


# ---- the OCR page cap (Limits.max_ocr_pages) ---------------------------------------------------------


def _scan_with_small_first_page(pdf: bytes, dpi: int = 100) -> bytes:
    """An image-only PDF of ``pdf``'s pages as a scanner makes it, its first page only the top quarter of
    the first sheet (the title and section 一's opening, enough to know the report): one small page to
    OCR, the tables on the pages after it."""
    pdfium = pytest.importorskip("pypdfium2")
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    source = pdfium.PdfDocument(pdf)
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    for number, page in enumerate(source):
        width, height = page.get_size()
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if number == 0:
            image = image.crop((0, 0, image.width, image.height // 4))
            height /= 4
        sheet.setPageSize((width, height))
        sheet.drawImage(ImageReader(image), 0, 0, width, height)
        sheet.showPage()
    sheet.save()
    source.close()
    return buffer.getvalue()


def test_tables_on_scanned_pages_past_the_ocr_limit_are_not_read_not_absent() -> None:
    """Seed 001 (LibreOffice's PDF, 7 pages, table 2 from page 2 on) as a scan, OCR capped at one page:
    the first page is read (the report and its year are known), the tables are past the cap."""
    scan = _scan_with_small_first_page((PDF_FIXTURES / "seed001_landscape.pdf").read_bytes())
    record = extract(scan, filename="seed001-scan.pdf", limits=Limits(max_ocr_pages=1, ocr_dpi=100))
    assert record.report_year == 2021 and "二七街道" in (record.title or "")
    reason = "pages 2–7 (OCR stops at page 1)"
    assert _v01(record) == _not_read(reason)
    assert [f.evidence for f in record.findings if f.rule == "V01"] == [{"unread": reason}] * 3
