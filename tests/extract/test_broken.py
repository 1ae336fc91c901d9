"""Hostile and broken input: always a record with one P00 finding and a log line, never an exception,
never a silently empty table; bounded memory and time."""

from __future__ import annotations

import io
import logging
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from crawler.extract import Limits, Record, extract, extract_file
from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.legacy import _run
from tests.extract.conftest import seed_text
from tests.extract.render import render_docx


def _assert_failed(record: Record, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    assert [(f.rule, f.severity) for f in record.findings] == [("P00", "error")]
    finding = record.findings[0]
    assert finding.evidence["reason"] == reason, finding.evidence
    assert finding.evidence["detail"]
    assert record.cells == {} and record.tables_present == {"t2": False, "t3": False, "t4": False}
    assert any(reason in message and "parse failure" in message for message in caplog.messages)


@pytest.fixture(scope="module")
def small_pdf() -> bytes:
    """A one-page text PDF (reportlab, built-in CID font)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer)
    sheet.setFont("STSong-Light", 12)
    sheet.drawString(72, 760, "测试街道2021年政府信息公开工作年度报告")
    sheet.drawString(72, 730, "一、总体情况")
    sheet.save()
    return buffer.getvalue()


def test_small_pdf_is_fine(small_pdf: bytes) -> None:
    record = extract(small_pdf, filename="ok.pdf")
    assert record.title == "测试街道2021年政府信息公开工作年度报告"
    assert not [f for f in record.findings if f.rule == "P00"]


def test_truncated_pdf(small_pdf: bytes, caplog: pytest.LogCaptureFixture) -> None:
    record = extract(small_pdf[: len(small_pdf) * 2 // 3], filename="cut.pdf")
    _assert_failed(record, "truncated", caplog)
    assert record.file_sha256 is not None  # the bytes are still identified


def test_encrypted_pdf(caplog: pytest.LogCaptureFixture) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, encrypt=StandardEncryption("user-secret", "owner-secret"))
    sheet.drawString(72, 760, "locked")
    sheet.save()
    _assert_failed(extract(buffer.getvalue(), filename="locked.pdf"), "encrypted", caplog)


def test_zip_bomb_docx(caplog: pytest.LogCaptureFixture) -> None:
    """64 MB of zeros deflate to ~64 KB (ratio ~1000): refused from the zip directory, never inflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(64):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1 << 20
    tracemalloc.start()
    try:
        record = extract(data, filename="bomb.docx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _assert_failed(record, "zip_bomb", caplog)
    assert peak < 16 << 20


def test_empty_file(caplog: pytest.LogCaptureFixture) -> None:
    _assert_failed(extract(b"", filename="empty.pdf"), "empty", caplog)
    _assert_failed(extract(b"  \r\n\t ", filename="blank.docx"), "empty", caplog)


def test_html_error_page_saved_as_pdf(caplog: pytest.LogCaptureFixture) -> None:
    page = "<!DOCTYPE html><html><head><title>404 页面不存在</title></head><body>您访问的页面不存在</body></html>"
    record = extract(page.encode(), filename="report.pdf", content_type="application/pdf")
    _assert_failed(record, "html_error_page", caplog)
    # The same page fetched as a page (no document expected) is still recognised as an error page.
    _assert_failed(extract(page.encode(), filename="index.html"), "html_error_page", caplog)


def test_200_mb_file_is_refused_without_loading(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:  # sparse: no disk blocks, 200 MB of zeros when read
        handle.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    try:
        record = extract_file(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _assert_failed(record, "too_large", caplog)
    assert peak < 8 << 20  # hashed in 1 MiB chunks, never read whole
    assert record.file_sha256 is not None and len(record.file_sha256) == 64


def test_size_cap_is_configurable_for_bytes(caplog: pytest.LogCaptureFixture) -> None:
    data = render_docx(seed_text("004_38957af2b50007e7"))
    _assert_failed(extract(data, filename="a.docx", limits=Limits(max_bytes=len(data) - 1)), "too_large", caplog)
    assert not [f for f in extract(data, filename="a.docx").findings if f.rule == "P00"]


def test_truncated_docx_and_garbage(caplog: pytest.LogCaptureFixture) -> None:
    data = render_docx(seed_text("004_38957af2b50007e7"))
    _assert_failed(extract(data[: len(data) // 2], filename="cut.docx"), "truncated", caplog)
    _assert_failed(extract(os.urandom(4096), filename="noise.bin"), "unsupported", caplog)


def test_subprocess_timeout_kills_the_process_group() -> None:
    started = time.monotonic()
    with pytest.raises(ReadError) as failure:
        _run(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.3)
    assert failure.value.reason == "timeout"
    assert time.monotonic() - started < 10


def test_libreoffice_timeout_gives_p00(caplog: pytest.LogCaptureFixture) -> None:
    """An OLE2 file whose conversion does not finish in time: P00 timeout, not a hang."""
    from tests.extract.render import libreoffice_convert

    doc = libreoffice_convert({"a.docx": render_docx(seed_text("002_6a637049fe5fc2b5"))}, "doc:MS Word 97")["a.docx"]
    with caplog.at_level(logging.INFO):
        record = extract(doc, filename="slow.doc", limits=Limits(subprocess_timeout=0.05))
    _assert_failed(record, "timeout", caplog)
