"""An extraction worker keeps the OCR models it loaded for its next scans (issue 13 item 4): loading them
for every scanned file cost a second and a gigabyte of page faults per file. The worker's memory limit
still binds every file read after them: it is counted above the models, within EXTRACT_OCR_MEMORY_MB."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from crawler.extract import Limits
from crawler.extract.workers import ExtractPool, WorkerLimits, limit_reason
from replica import documents
from replica.reports import ReportSpec, make_report
from tests.extract import hostile, worker_tasks
from tests.extract.test_bounded import _p00

MiB = 1 << 20


def _report(seed: int, street: str, year: int) -> ReportSpec:
    import datetime as dt

    return make_report(
        seed=seed,
        street=street,
        district="武昌区",
        year=year,
        publisher=f"武汉市武昌区人民政府{street}办事处",
        signed_date=dt.date(year + 1, 1, 15),
    )


def _scanned_title(spec: ReportSpec) -> bytes:
    """The top of the first page of the replica's scanned PDF (reportlab, rasterised by PDFium) as a PNG:
    the report's title, read by OCR."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(documents.render_scan_pdf(spec))
    try:
        image = pdf[0].render(scale=150 / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()
    top = image.crop((0, 0, image.width, image.height // 5))
    buffer = io.BytesIO()
    top.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def pool() -> Iterator[ExtractPool]:
    with ExtractPool(WorkerLimits(workers=1, memory=512 * MiB, timeout=600)) as running:
        yield running


def test_a_second_scan_in_the_same_worker_does_not_reload_the_models(pool: ExtractPool) -> None:
    assert pool.submit(worker_tasks.ocr_state).result()[1] == 0  # a fresh worker has no models
    first = pool.extract(_scanned_title(_report(1, "杨园街道", 2023)), filename="a.png").result()
    pid, loads, resident, space, soft = pool.submit(worker_tasks.ocr_state).result()
    assert "杨园街道" in first.text and "2023" in first.text
    assert loads == 1 and resident > 0
    second = pool.extract(_scanned_title(_report(2, "水果湖街道", 2021)), filename="b.png").result()
    assert "水果湖街道" in second.text and "2021" in second.text
    again = pool.submit(worker_tasks.ocr_state).result()
    assert again[:3] == (pid, 1, resident)  # the same worker, the models loaded once
    # Its limit for the next file: the same 512 MiB as a fresh worker's, above what the models keep (their
    # weights and the buffers of their first page), and never beyond the 2 GiB OCR allowance.
    kept = soft - 512 * MiB
    assert resident <= kept < space and soft <= 2048 * MiB
    assert space - kept < 0.75 * 512 * MiB


def test_a_worker_holding_the_models_still_refuses_a_hostile_file(pool: ExtractPool) -> None:
    pool.extract(_scanned_title(_report(1, "杨园街道", 2023)), filename="a.png").result()
    pid = pool.submit(worker_tasks.ocr_state).result()[0]
    uncapped = Limits(max_render_pixels=10**12)  # no render cap: PDFium asks for a 1.6 G pixel bitmap
    record = pool.extract(hostile.huge_page_pdf(), filename="huge.pdf", limits=uncapped).result()
    assert _p00(record) == ("memory_limit", "the reader needed more than the 512 MiB limit")
    assert limit_reason(record) == "memory_limit"
    after = pool.submit(worker_tasks.ocr_state).result()
    assert after[0] != pid and after[1] == 0  # retired after the MemoryError: a fresh worker, no models
