"""Resource limits for reading one file: bounded memory and time whatever the input."""

from __future__ import annotations

import contextlib
import resource
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024  # refuse bigger files before any parser sees them
    max_unzipped: int = 200 * 1024 * 1024  # DOCX: total declared uncompressed size
    max_zip_member: int = 100 * 1024 * 1024  # DOCX: one member (document.xml)
    max_zip_ratio: int = 200  # DOCX: uncompressed / compressed, per member (zip bombs run to 1000s)
    max_pages: int = 200  # PDF pages read
    max_ocr_pages: int = 30  # scanned pages sent to OCR
    ocr_dpi: int = 200
    # Pages of one scan read at once, a thread each. A worker reads one file, and scans are few among a
    # portal's files: most of the time the machine's other core is idle while a scan is read page by page
    # (8.5 CPU s per A4 page; bench/RESULTS.md). Each model run keeps one thread, so when both workers read
    # scans their four threads share the two cores at the same CPU cost, not more.
    ocr_threads: int = 2
    # A page bitmap for OCR, checked from the page size before rendering: A3 at 200 dpi is 7.8 M pixels; a
    # 14 400 pt page (the PDF maximum, 554 bytes on disk) would be 1.6 G pixels, 4.7 GB rendered (issue 12).
    # OCR of a 40 M pixel page outgrew the 2 GiB OCR allowance (bench/hostile.py): 16 M is A2 at 200 dpi.
    max_render_pixels: int = 16_000_000
    subprocess_timeout: float = 120.0  # LibreOffice / antiword / catdoc, then the process group is killed
    max_text_chars: int = 5_000_000  # extracted text kept


DEFAULT_LIMITS = Limits()


@contextlib.contextmanager
def ocr_address_space() -> Iterator[None]:
    """Let OCR use the address space up to the hard limit, then go back to the soft one.

    An extraction worker runs with a soft RLIMIT_AS of EXTRACT_MEMORY_MB and a hard one of
    EXTRACT_OCR_MEMORY_MB (crawler/extract/workers.py): the ONNX models of RapidOCR need ~1.1 GB of address
    space for one A4 page, more than any other reader, while the page bitmap they read is already capped
    (``max_render_pixels``, ``MAX_IMAGE_PIXELS``). Outside a worker (no limits) this does nothing."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft in (resource.RLIM_INFINITY, hard):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
