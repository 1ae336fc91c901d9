"""Extraction is bounded and cannot kill the crawl (issue 12): each hostile file is built here, and each is
refused by a cap before anything large is allocated, or by the worker's own memory and time limits; the
refusal is a record with a P00 finding naming the limit, stored once and not read again."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler import records
from crawler.commands.extract import extract_archive
from crawler.extract import Limits, Record, extract
from crawler.extract.workers import ExtractPool, WorkerLimits, limit_reason
from crawler.store import LocalStore
from tests.extract import hostile, worker_tasks
from tests.extract.expected import VALUES
from tests.extract.html_exports import FIXTURES as HTML_FIXTURES
from tests.extract.html_exports import LO_SEED

MiB = 1 << 20


def _p00(record: Record) -> tuple[str, str]:
    [finding] = [f for f in record.findings if f.rule == "P00"]
    assert finding.severity == "error"
    return finding.evidence["reason"], finding.evidence["detail"]


def _traced_peak(data: bytes, filename: str) -> tuple[Record, int]:
    tracemalloc.start()
    try:
        record = extract(data, filename=filename)
        return record, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---- caps checked before allocation --------------------------------------------------------------
def test_a_pdf_page_too_large_to_render_is_refused_from_its_size() -> None:
    data = hostile.huge_page_pdf()
    assert len(data) < 600
    record = extract(data, filename="huge-page.pdf")  # in this process: the cap must refuse before PDFium allocates
    assert _p00(record) == (
        "render_limit",
        "page 1 is 14400 × 14400 pt: 1600000000 pixels at 200 dpi, limit 16000000",
    )
    assert limit_reason(record) == "render_limit"


def test_an_html_table_of_huge_spans_is_refused_before_its_grid_is_built() -> None:
    data = hostile.span_bomb_html()
    assert len(data) < 16_000
    record, peak = _traced_peak(data, "spans.html")
    assert _p00(record) == ("grid_limit", "a table covering more than 200000 grid cells (row 1)")
    assert peak < 8 * MiB  # the grid of the old reader took 2.7 GB


def test_a_docx_whose_zip_directory_lies_is_refused_while_inflating() -> None:
    data = hostile.lying_docx(inflated_mb=300)
    assert len(data) < 1 * MiB
    record, peak = _traced_peak(data, "lying.docx")
    assert _p00(record) == ("zip_bomb", "word/document.xml inflates past 104857600 bytes (declared 1000)")
    assert peak < 4 * MiB  # counted in 64 KiB steps; python-docx would have inflated all 300 MB at once


def test_a_45_mb_html_table_is_refused_before_parsing() -> None:
    data = hostile.huge_table_html(45)
    record, peak = _traced_peak(data, "table.html")
    assert _p00(record) == ("grid_limit", "4090900 table cells in the page, limit 200000")
    assert peak < 4 * MiB  # counted in the bytes; the DOM alone would outgrow 1 GiB


def test_caps_leave_real_tables_alone() -> None:
    html = (
        "<html><body><p>某街道2024年政府信息公开工作年度报告</p><table>"
        '<tr><td rowspan="2">信息内容</td><td colspan="3">本年</td></tr><tr><td>1</td><td>2</td><td>3</td></tr>'
        "</table></body></html>"
    ).encode()
    record = extract(html, filename="ok.html")
    assert limit_reason(record) is None and "信息内容\t本年\t\t\n\t1\t2\t3" in record.text


# ---- elements nested thousands deep (HTML) ---------------------------------------------------------
# Seed 004 as LibreOffice exports it to HTML (tests/fixtures/html/), its body wrapped in nested elements.
_NESTED = {
    "div": ("<div>", "</div>"),
    "span": ("<span>", "</span>"),
    "font": ("<font>", "</font>"),
    "table": ("<table><tr><td>", "</td></tr></table>"),  # three levels each: <tbody> is not added
}
# libxml2 stops at elements nested 2048 deep (parsel's huge_tree) and drops the rest of the page.
_PARSER_STOPPED = (
    "the page after elements nested 2048 deep (the HTML parser's limit: Excessive depth in document: 2048)"
)


def _nest(tag: str, depth: int, inner: str) -> str:
    opening, closing = _NESTED[tag]
    return opening * depth + inner + closing * depth


def _report_page() -> tuple[str, int, int]:
    """LibreOffice's HTML of seed 004, and where its body's content starts and ends."""
    page = (HTML_FIXTURES / "libreoffice.html").read_text(encoding="utf-8")
    start = page.index(">", page.index("<body")) + 1
    return page, start, page.rindex("</body>")


@pytest.mark.parametrize("tag", ["div", "span", "font"])
def test_a_report_inside_1000_nested_elements_reads_as_the_report(tag: str) -> None:
    """Within the HTML parser's depth limit nesting changes nothing: the report reads exactly as without
    it. (The reader walked the page by recursion: RecursionError, a P00 reader_error.)"""
    page, start, end = _report_page()
    wrapped = page[:start] + _nest(tag, 1000, page[start:end]) + page[end:]
    record, expected = extract(wrapped.encode(), filename="report.html"), extract(page.encode(), filename="report.html")
    assert (record.text, record.cells, record.findings) == (expected.text, expected.cells, expected.findings)
    assert {key: cell.value for key, cell in record.cells.items()} == VALUES[LO_SEED]


@pytest.mark.parametrize(("tag", "depth"), [("table", 1000), ("table", 100_000), ("div", 100_000), ("span", 100_000)])
def test_tables_nested_past_the_parsers_limit_are_not_read_not_absent(tag: str, depth: int) -> None:
    """The report's tables inside elements nested past the HTML parser's limit (1000 tables in each other's
    cells are 3000 levels): the parser drops the page from there on, so what it kept is read, fast and in
    little memory, and the rest is "not read" (V01 warnings naming why), never a traceback or "absent"."""
    page, start, end = _report_page()
    cut = page.rindex("<p", start, page.index("二、主动公开政府信息情况"))  # the heading before table 2
    wrapped = page[:cut] + _nest(tag, depth, page[cut:end]) + page[end:]
    started = time.monotonic()
    record, peak = _traced_peak(wrapped.encode(), "report.html")
    assert time.monotonic() - started < 2 and peak < 64 * MiB
    expected = extract(page[:cut].encode(), filename="report.html")  # the page as if it ended there
    assert record.text == expected.text and record.report_year == 2022
    assert [(f.severity, f.table, f.message) for f in record.findings if f.rule == "V01"] == [
        ("warning", table, f"table {table} not read: {_PARSER_STOPPED}") for table in ("t2", "t3", "t4")
    ]


@pytest.mark.parametrize("tag", ["table", "div", "span"])
def test_nothing_but_nesting_is_a_clear_refusal(tag: str) -> None:
    """100 000 empty nested elements and a word inside them: no text before the parser's limit, a P00 that
    says why (not just "no text")."""
    started = time.monotonic()
    record = extract(f"<html><body>{_nest(tag, 100_000, '年度报告')}</body></html>".encode(), filename="x.html")
    assert time.monotonic() - started < 2
    assert _p00(record) == ("no_text", f"the html file contains no text; not read: {_PARSER_STOPPED}")


# ---- the worker's own limits ---------------------------------------------------------------------
@pytest.fixture
def pool() -> Iterator[ExtractPool]:
    with ExtractPool(WorkerLimits(workers=1, memory=512 * MiB, timeout=300)) as running:
        yield running


def test_the_memory_limit_refuses_what_no_cap_catches_and_the_worker_is_replaced(pool: ExtractPool) -> None:
    # Without the render cap, PDFium asks for the 1.6 G pixel bitmap: the address-space limit refuses it.
    uncapped = Limits(max_render_pixels=10**12)
    record = pool.extract(hostile.huge_page_pdf(), filename="huge.pdf", limits=uncapped).result()
    assert _p00(record) == ("memory_limit", "the reader needed more than the 512 MiB limit")
    assert record.file_sha256 is not None and record.doc_id == "huge"
    # The next file gets a fresh worker that reads it.
    fine = pool.extract("<html><body><p>某街道2024年政府信息公开工作年度报告</p></body></html>".encode()).result()
    assert fine.title == "某街道2024年政府信息公开工作年度报告" and limit_reason(fine) is None
    assert pool.submit(worker_tasks.peak_rss_mib).result() < 300  # a fresh worker, not the one that hit the limit


def test_a_worker_left_large_is_retired_after_answering_and_the_next_file_gets_a_fresh_one(
    pool: ExtractPool,
) -> None:
    first = pool.submit(worker_tasks.hold, 420).result()  # the worker keeps 420 of its 512 MiB
    second = pool.submit(worker_tasks.hold, 10).result()  # not a crash of the next file: a new worker
    assert second != first


def test_the_time_limit_kills_the_worker_and_the_pool_goes_on() -> None:
    with ExtractPool(WorkerLimits(workers=1, timeout=5)) as pool:
        with pytest.raises(Exception, match="time_limit: reading took longer than the 5 s limit"):
            pool.submit(worker_tasks.sleep, 600).result()
        assert pool.submit(worker_tasks.sleep, 0).result() == 0


def test_each_scanned_page_read_extends_the_time_limit_but_a_stuck_page_still_meets_it() -> None:
    with ExtractPool(WorkerLimits(workers=1, timeout=4, ocr_page_time=4)) as pool:
        assert pool.submit(worker_tasks.sleep, 0).result() == 0  # the worker is up: its start is not timed
        # 3 pages of 3 s: 9 s, more than the 4 s per file, read in full since each page read allows 4 s more.
        assert pool.submit(worker_tasks.scan_pages, 3, 3.0).result() == 3
        # One page read, then a page that never ends: killed at 4 + 4 s, not allowed to run on.
        started = time.monotonic()
        with pytest.raises(Exception, match="time_limit: reading took longer than the 4 s limit and 4 s per page read"):
            pool.submit(worker_tasks.scan_pages, 1, 0.5, stall=600).result()
        assert time.monotonic() - started < 60
        assert pool.submit(worker_tasks.sleep, 0).result() == 0  # a fresh worker


# ---- stored once, not retried --------------------------------------------------------------------
def _archive_report(store: LocalStore, name: str, data: bytes) -> str:
    prefix = "wuchang/yyj/2024"
    key = f"{prefix}/{name}"
    store.put(key, data, content_type="application/pdf", source_url=f"https://www.wuchang.gov.cn/{name}")
    meta = {
        "portal": "wuchang",
        "street_key": "yyj",
        "year": 2024,
        "url": "https://www.wuchang.gov.cn/xxgk/yyj/t20250111_1.html",
        "files": [{"url": f"https://www.wuchang.gov.cn/{name}", "name": name, "store_key": key, "role": "attachment"}],
    }
    store.put_json(f"{prefix}/report.json", meta)
    return key


def test_a_refused_file_is_stored_once_and_not_read_again(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "archive")
    key = _archive_report(store, "huge.pdf", hostile.huge_page_pdf())
    first = extract_archive(store, progress=False, limits=WorkerLimits(workers=1))
    assert (first.files, first.changed, first.unreadable, first.skipped) == (1, 1, 1, 0)
    stored = records.load_record(store, key)
    assert stored is not None and _p00(stored)[0] == "render_limit"
    assert len(store.history(records.record_key(key))) == 1
    # A full re-extraction (not --changed-only) still does not read it again: it would hit the same limit.
    second = extract_archive(store, progress=False, limits=WorkerLimits(workers=1))
    assert (second.files, second.changed, second.skipped) == (1, 0, 1)
    assert len(store.history(records.record_key(key))) == 1


def test_a_refused_file_is_read_again_by_a_new_extractor_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "archive")
    key = _archive_report(store, "huge.pdf", hostile.huge_page_pdf())
    extract_archive(store, progress=False, limits=WorkerLimits(workers=1))
    monkeypatch.setattr(records, "EXTRACTOR_VERSION", "next")
    again = extract_archive(store, progress=False, changed_only=True, limits=WorkerLimits(workers=1))
    assert (again.files, again.skipped) == (1, 0)
    assert records.load_record(store, key) is not None


def test_parse_reads_in_a_bounded_worker(tmp_path: Path) -> None:
    from crawler.commands.read import run_read

    path = tmp_path / "spans.html"
    path.write_bytes(hostile.span_bomb_html())
    out = io.StringIO()
    assert run_read(str(path), url=None, fmt="json", out=out, limits=WorkerLimits(memory=512 * MiB)) == 1
    assert '"reason": "grid_limit"' in out.getvalue()


# ---- the pool's own failure is not the file's ----------------------------------------------------
_NO_DESCRIPTORS_LEFT = """
import json, os, resource
from crawler.extract.workers import ExtractPool, PoolError, WorkerLimits
html = "<html><body><h1>武昌区杨园街道办事处2024年政府信息公开工作年度报告</h1></body></html>".encode()
out = {}
with ExtractPool(WorkerLimits(workers=1)) as pool:
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    held = []
    try:
        while True:
            held.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    failure = pool.extract(html, filename="a.html").exception(timeout=60)
    out["failure"] = [type(failure).__name__, isinstance(failure, PoolError), str(failure)]
    for fd in held:
        os.close(fd)
    record = pool.extract(html, filename="a.html").result(timeout=120)
    out["after"] = [record.report_year, sorted({f.rule for f in record.findings if f.rule == "P00"})]
print(json.dumps(out, ensure_ascii=False))
"""


def test_a_pool_that_cannot_start_a_worker_fails_the_call_instead_of_blaming_the_file() -> None:
    # Every file descriptor taken: no pipe, no worker. The call fails with PoolError (the crawl logs it and
    # stores nothing; `scrapy extract` reads the file later), never a P00 "worker_crashed" record that would
    # stand in the archive as if the file were unreadable; once descriptors are free the pool reads again.
    done = subprocess.run(
        [sys.executable, "-c", _NO_DESCRIPTORS_LEFT], capture_output=True, text=True, timeout=300, check=True
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    name, is_pool_error, message = out["failure"]
    assert (name, is_pool_error) == ("PoolError", True)
    assert message.startswith("no extraction worker could be started: ")
    assert "Too many open files" in message
    assert out["after"] == [2024, []]
