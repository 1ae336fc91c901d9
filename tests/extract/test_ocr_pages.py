"""A scan's pages are read two at a time (issue 13 item 4: OCR costs ~7 CPU s per A4 page, and a worker
reading a scan page by page left the machine's other core idle), in page order, and never more pixels at
once than one page at the render cap (the OCR memory allowance is sized for that).

The scheduling is what is tested here: ``page_items`` is wrapped to record when each page is read (the real
OCR of these blank pages would only add time; tests/extract/test_scans.py reads real scans exactly with the
default two threads)."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pypdfium2
import pytest

from crawler.extract.formats import ocr
from crawler.extract.formats.errors import UNREAD
from crawler.extract.formats.limits import Limits

WIDTHS = (595, 600, 605, 610, 615)  # points: each page its own width, to tell the pages apart when read


def _blank_pdf() -> bytes:
    pdf = pypdfium2.PdfDocument.new()
    for width in WIDTHS:
        pdf.new_page(width, 842)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float, float]]:
    """(page number, start, end) of every page read, the page told by its rendered width."""
    seen: list[tuple[int, float, float]] = []
    lock = threading.Lock()

    def page_items(image: Any, threads: int = 1) -> list[ocr.Item]:
        start = time.monotonic()
        time.sleep(0.3)
        number = min(range(len(WIDTHS)), key=lambda n: abs(WIDTHS[n] * 100 / 72 - image.width))
        with lock:
            seen.append((number, start, time.monotonic()))
        return [ocr.Item(top=0.0, text=f"第{number + 1}页正文")]

    monkeypatch.setattr(ocr, "page_items", page_items)
    return seen


def _most_at_once(reads: list[tuple[int, float, float]]) -> int:
    return max(sum(1 for _n, s, e in reads if s <= start < e) for _number, start, _end in reads)


def test_two_pages_are_read_at_once_and_come_back_in_order(reads: list[tuple[int, float, float]]) -> None:
    text = ocr.read_scanned_pdf(_blank_pdf(), Limits(ocr_dpi=100, ocr_threads=2), [])
    assert text.splitlines() == ["第1页正文", "第2页正文", "第3页正文", "第4页正文", "第5页正文"]
    assert sorted(n for n, _s, _e in reads) == [0, 1, 2, 3, 4]
    assert _most_at_once(reads) == 2


def test_one_thread_reads_one_page_at_a_time(reads: list[tuple[int, float, float]]) -> None:
    text = ocr.read_scanned_pdf(_blank_pdf(), Limits(ocr_dpi=100, ocr_threads=1), [])
    assert len(text.splitlines()) == 5
    assert _most_at_once(reads) == 1


def test_pages_too_large_to_read_together_are_read_one_by_one(reads: list[tuple[int, float, float]]) -> None:
    # 100 dpi: an A4-high page is ~830 × 1170 pixels (~0.97 M); a cap of 1.5 M fits one page, not two.
    text = ocr.read_scanned_pdf(_blank_pdf(), Limits(ocr_dpi=100, ocr_threads=2, max_render_pixels=1_500_000), [])
    assert len(text.splitlines()) == 5
    assert _most_at_once(reads) == 1


@pytest.mark.parametrize(
    ("cap", "unread"), [(3, "pages 4–5 (OCR stops at page 3)"), (4, "page 5 (OCR stops at page 4)")]
)
def test_pages_past_the_ocr_limit_are_named_not_read(
    reads: list[tuple[int, float, float]], cap: int, unread: str
) -> None:
    """The pages past ``max_ocr_pages`` are not rendered or read, and the warning says so with the prefix
    that makes V01 call a table on them "not read" rather than absent (tests/extract/test_read_limits.py)."""
    warnings: list[str] = []
    text = ocr.read_scanned_pdf(_blank_pdf(), Limits(ocr_dpi=100, max_ocr_pages=cap), warnings)
    assert len(text.splitlines()) == cap and sorted(n for n, _s, _e in reads) == list(range(cap))
    assert warnings == [f"{UNREAD}{unread}"]


def test_a_scan_within_the_ocr_limit_has_no_warning(reads: list[tuple[int, float, float]]) -> None:
    warnings: list[str] = []
    ocr.read_scanned_pdf(_blank_pdf(), Limits(ocr_dpi=100, max_ocr_pages=len(WIDTHS)), warnings)
    assert warnings == []
