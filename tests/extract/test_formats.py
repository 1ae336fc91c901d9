"""The same seed as DOCX, PDF, DOC, WPS and a scanned PDF reads back to the same values and findings."""

from __future__ import annotations

import io
from typing import Any

import pytest

from crawler.extract import Limits, Record, extract, extract_text_file
from crawler.extract.formats.sniff import sniff
from tests.extract.conftest import SEED_IDS, seed_path, seed_text
from tests.extract.expected import VALUES
from tests.extract.render import libreoffice_convert, render_docx

# A .wps from WPS Office is an OLE2 compound file with a Word 97 WordDocument stream, so the Word 97
# rendering stands in for it under its own name (the extractor must not depend on the extension).
KINDS = ("docx", "pdf", "doc", "wps")
_SAME_METADATA = (
    "title",
    "report_year",
    "street",
    "street_short",
    "district",
    "publisher",
    "signed_date",
    "fill_date",
    "doc_date",
    "template_version",
    "tables_present",
    "t3_header_has_total",
    "t3_alignment",
    "prose_new_applications",
    "prose_no_review_litigation",
    "deadline_status",
)


@pytest.fixture(scope="session")
def rendered() -> dict[str, dict[str, bytes]]:
    """kind → seed id → bytes; rendered once per session (two LibreOffice runs for all five seeds)."""
    docx = {f"{doc_id}.docx": render_docx(seed_text(doc_id)) for doc_id in SEED_IDS}
    pdf = libreoffice_convert(docx, "pdf")
    doc = libreoffice_convert(docx, "doc:MS Word 97")
    return {
        kind: {name.removesuffix(".docx"): data for name, data in files.items()}
        for kind, files in (("docx", docx), ("pdf", pdf), ("doc", doc))
    }


def _comparable(record: Record) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """Metadata that must not depend on the format, and findings without line numbers (lines are those
    of each format's own text)."""
    metadata = {key: getattr(record, key) for key in _SAME_METADATA}
    findings = sorted((f.rule, f.severity, f.table, tuple(sorted(f.keys))) for f in record.findings)
    return metadata, findings


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("doc_id", SEED_IDS)
def test_rendered_seed_reads_back(rendered: dict[str, dict[str, bytes]], doc_id: str, kind: str) -> None:
    data = rendered["doc" if kind == "wps" else kind][doc_id]
    assert sniff(data) == {"docx": "docx", "pdf": "pdf", "doc": "doc", "wps": "doc"}[kind]
    record = extract(data, filename=f"{doc_id}.{kind}")
    assert {key: cell.value for key, cell in record.cells.items()} == VALUES[doc_id]
    assert record.text_layout == ("no_tables" if doc_id.startswith("002") else "tsv_rows")
    assert record.file_sha256 is not None and len(record.file_sha256) == 64
    assert _comparable(record) == _comparable(extract_text_file(seed_path(doc_id)))


def _scan(pdf: bytes, dpi: int = 150) -> bytes:
    """An image-only PDF of ``pdf``'s pages, as a scanner would make it."""
    import pypdfium2
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    document = pypdfium2.PdfDocument(pdf)
    images = [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document]
    document.close()
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    for image in images:
        sheet.drawImage(ImageReader(image), 0, 0, *A4)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def test_scanned_pdf_goes_through_ocr(rendered: dict[str, dict[str, bytes]]) -> None:
    """No text layer: rapidocr boxes rebuilt into ruled table rows give every value of seed 004."""
    doc_id = "004_38957af2b50007e7"
    record = extract(_scan(rendered["pdf"][doc_id]), filename=f"{doc_id}.pdf", limits=Limits(ocr_dpi=150))
    assert {key: cell.value for key, cell in record.cells.items()} == VALUES[doc_id]
    assert _comparable(record) == _comparable(extract_text_file(seed_path(doc_id)))
