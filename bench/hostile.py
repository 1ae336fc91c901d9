"""Peak memory and time of the worst hostile file per format, against a normal file of the same format in
the same run (issue 12). Every file is read as the crawl reads it: in a bounded extraction worker with the
default limits (EXTRACT_MEMORY_MB=1024 of address space, 2048 while OCR runs, EXTRACT_TIMEOUT=120 s).
Prints figures; asserts nothing.

    .venv/bin/python bench/hostile.py [--quick]

Columns: the worker's peak RSS while reading the file (its own and that of the converters it started,
e.g. LibreOffice), the wall-clock seconds, and what became of the file (the record's P00 reason, or "read"
with the number of table cells found). A worker killed by a limit cannot report its peak: "≤ limit".
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import os
import resource
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.extract import Limits, extract
from crawler.extract.workers import ExtractPool, WorkerLimits
from replica import documents
from replica.reports import ReportSpec, make_report
from tests.extract import hostile

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def spec() -> ReportSpec:
    return make_report(
        seed=1000,
        street="杨园街道",
        district="武昌区",
        year=2024,
        publisher="武汉市武昌区人民政府杨园街道办事处",
        signed_date=dt.date(2025, 1, 15),
    )


# ---- the worst files we could construct (each just under every cap, or refused by one) -------------
def pages_just_under_the_render_cap(pages: int) -> bytes:
    """Blank pages of 1 430 × 1 430 pt: 15.8 M pixels each at 200 dpi, just under the 16 M cap (OCR reads
    up to 30 such pages)."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1430 1430] /Resources << >> /Contents %d 0 R >>" % (3 + pages)
        for _ in range(pages)
    ]
    objects.append(b"<< /Length 0 >>\nstream\n\nendstream")
    return hostile.raw_pdf(objects)


def table_just_under_the_grid_cap() -> bytes:
    """199 990 cells (19 999 rows of 10), the most the cell cap lets through: ~2.7 MB."""
    row = "<tr>" + "".join(f"<td>{c}</td>" for c in range(10)) + "</tr>"
    head = "<html><body><p>某街道2024年政府信息公开工作年度报告</p>"
    return f"{head}<table>{row * 19_999}</table></body></html>".encode()


def paragraphs_html(megabytes: int) -> bytes:
    """Nothing but paragraphs (no cells to count): the DOM is what grows."""
    line = "<p>本街道2024年主动公开政府信息情况如下。</p>\n"
    return ("<html><body>" + line * (megabytes * 1_000_000 // len(line.encode())) + "</body></html>").encode()


def honest_docx(megabytes: int) -> bytes:
    """A DOCX whose document.xml honestly declares its ~``megabytes`` MB of paragraphs (under the 100 MiB
    member cap and the 200:1 ratio): python-docx builds the whole tree."""
    paragraph = "<w:p><w:r><w:t>第{}段：本街道2024年主动公开政府信息情况。</w:t></w:r></w:p>"
    body = "".join(paragraph.format(i) for i in range(megabytes * 1_000_000 // 110))
    xml = f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", hostile._CONTENT_TYPES)
        archive.writestr("_rels/.rels", hostile._RELS)
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def big_doc(rows: int) -> bytes:
    """A Word 97 file with one table of ``rows`` rows (LibreOffice converts it to DOCX first)."""
    import docx  # noqa: PLC0415

    document = docx.Document()
    document.add_paragraph("某街道2024年政府信息公开工作年度报告")
    table = document.add_table(rows=rows, cols=8)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = str(r * 8 + c)
    buffer = io.BytesIO()
    document.save(buffer)
    return documents.convert(buffer.getvalue(), "docx", "doc:MS Word 97", "doc", 600)


def png(width: int, height: int, noise: bool) -> bytes:
    from PIL import Image  # noqa: PLC0415

    if noise:
        image = Image.frombytes("L", (width, height), os.urandom(width * height))
    else:
        image = Image.new("L", (width, height), 255)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def png_bomb() -> bytes:
    """A PNG whose header says 100 000 × 100 000 pixels (10 G): refused from the header."""
    return png(1, 1, False).replace(b"\x00\x00\x00\x01\x00\x00\x00\x01", (100_000).to_bytes(4, "big") * 2, 1)


# ---- measuring, inside the worker ------------------------------------------------------------------
def measured(data: bytes, filename: str) -> tuple[str, float, int]:
    """Extract in this worker: (outcome, seconds, peak RSS in KiB of this process and its converters)."""
    started = time.perf_counter()
    try:
        record = extract(data, filename=filename, limits=Limits())
    except MemoryError:
        return "memory_limit (MemoryError)", time.perf_counter() - started, _peak()
    elapsed = time.perf_counter() - started
    failure = [f.evidence.get("reason") for f in record.findings if f.rule == "P00"]
    cells = sum(cell.status in ("ok", "ocr_fixed") for cell in record.cells.values())
    return (f"P00 {failure[0]}" if failure else f"read, {cells} cells, {len(record.text)} chars"), elapsed, _peak()


def _peak() -> int:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def run(name: str, data: bytes, filename: str, limits: WorkerLimits) -> None:
    started = time.perf_counter()
    with ExtractPool(dataclasses.replace(limits, workers=1)) as pool:  # a fresh worker: its peak is this file's
        try:
            outcome, _inner, peak_kib = pool.submit(measured, data, filename).result()
            peak = f"{peak_kib / 1024:.0f}"
        except Exception as failure:  # the worker was killed by a limit: no figure from it
            outcome, peak = f"P00 {failure}", f"≤ {limits.memory >> 20}"
    elapsed = time.perf_counter() - started
    print(f"{name:52}{len(data) / 1e6:>9.3f}{peak:>10}{elapsed:>9.1f}  {outcome}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow cases (OCR pages, LibreOffice)")
    args = parser.parse_args()
    limits = WorkerLimits()
    report = spec()
    cases: list[tuple[str, Callable[[], bytes], str]] = [
        ("pdf   normal: replica report", lambda: documents.render_pdf(report), "r.pdf"),
        ("pdf   huge page 14 400 pt (435 B)", hostile.huge_page_pdf, "h.pdf"),
        ("pdf   3 pages just under the render cap", lambda: pages_just_under_the_render_cap(3), "h.pdf"),
        ("html  normal: replica report", lambda: documents.render_html(report).encode(), "r.html"),
        ("html  span bomb rowspan/colspan 1000 (10 KB)", hostile.span_bomb_html, "h.html"),
        ("html  45 MB table", lambda: hostile.huge_table_html(45), "h.html"),
        ("html  table just under the cell cap", table_just_under_the_grid_cap, "h.html"),
        ("html  45 MB of paragraphs", lambda: paragraphs_html(45), "h.html"),
        ("docx  normal: replica report", lambda: documents.render_docx(report), "r.docx"),
        ("docx  zip directory lies (2 GB inflated)", lambda: hostile.lying_docx(2048), "h.docx"),
        ("docx  honest 90 MB document.xml", lambda: honest_docx(90), "h.docx"),
        ("image normal: scanned report page", lambda: _scan_page(report), "r.png"),
        ("image header claims 100 000² pixels", png_bomb, "h.png"),
        ("image 7 700² pixels, just under the pixel cap", lambda: png(7700, 7700, False), "h.png"),
        ("image 2 500² noise (6 MB)", lambda: png(2500, 2500, True), "h.png"),
        ("doc   normal: replica report", lambda: documents.render_doc(report), "r.doc"),
        ("doc   3 000-row table", lambda: big_doc(3000), "h.doc"),
    ]
    if args.quick:
        cases = [c for c in cases if not c[0].startswith(("doc ", "image 7", "image 2", "pdf   3", "image normal"))]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"limits: {limits.memory >> 20} MiB address space ({limits.ocr_memory >> 20} MiB during OCR), "
        f"{limits.timeout:g} s per file; machine load {load} on {os.cpu_count()} cores"
    )
    print(f"{'file':52}{'MB':>9}{'peak MB':>10}{'s':>9}  outcome")
    for name, build, filename in cases:
        run(name, build(), filename, limits)


def _scan_page(report: ReportSpec) -> bytes:
    """The first page of the replica's scanned PDF as a PNG (what a portal publishing images serves)."""
    import pypdfium2  # noqa: PLC0415

    pdf = pypdfium2.PdfDocument(documents.render_scan_pdf(report))
    try:
        image = pdf[0].render(scale=150 / 72, grayscale=True).to_pil()
    finally:
        pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


if __name__ == "__main__":
    main()
