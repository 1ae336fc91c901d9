"""A failure inside the extraction stage never costs the item: the catalog pipeline after it still
gets it, and the log says what went wrong."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from crawler import records
from crawler.extract.workers import WorkerLimits
from crawler.store import LocalStore
from pipelines.extract import ExtractPipeline
from tests.test_logformatter import item


def test_an_extraction_bug_is_logged_and_the_item_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(records, "read_archived", broken)
    pipeline = ExtractPipeline(LocalStore(tmp_path), {})
    report = item()
    report.files[0].store_key = "wuchang/yyj/2024/page.html"

    async def crawl() -> object:
        passed_on = await pipeline.process_item(report)
        await pipeline.close_spider()  # waits for the extraction the item was handed to
        return passed_on

    with caplog.at_level(logging.ERROR, logger="pipelines.extract"):
        assert asyncio.run(crawl()) is report
    assert "extraction failed for https://www.wuchang.gov.cn/xxgk/yyj/" in caplog.text
    assert "parser bug" in caplog.text and not pipeline.touched


def test_the_crawl_hands_reports_off_without_waiting_for_a_worker(tmp_path: Path) -> None:
    """Issue 16 item 2: items go on at once even when more reports arrive than may be in the workers' hands;
    the ones beyond ``max_pending`` wait without their bytes, and the close reads every one of them."""
    store = LocalStore(tmp_path)
    pipeline = ExtractPipeline(store, {}, WorkerLimits(workers=1), max_pending=1)
    reports = []
    for year in (2021, 2022, 2023):
        report = item()
        report.year, report.title = year, f"杨园街道{year}年政府信息公开工作年度报告"
        key = f"wuchang/yyj/{year}/page.html"
        html = f"<html><body><h1>{report.title}</h1><p>武汉市武昌区杨园街道办事处</p></body></html>"
        store.put(key, html.encode(), content_type="text/html", source_url=report.url)
        report.files[0].store_key, report._body = key, None
        reports.append(report)

    async def crawl() -> tuple[bool, int, list[object]]:
        passed_on = [await pipeline.process_item(r) for r in reports]
        # Every item passed on before any was read: the first one waits for the loop, two wait in the queue
        # (the old pipeline made the second item wait until the first one's file had been read).
        state = (pipeline.pool is None, len(pipeline.queued))
        await pipeline.close_spider()
        return state[0], state[1], passed_on

    unread, queued, passed_on = asyncio.run(crawl())
    assert (unread, queued, passed_on) == (True, 2, reports)
    assert sorted(pipeline.pending) == [f"wuchang/yyj/{year}/page.html" for year in (2021, 2022, 2023)]
    assert all(records.is_current(store, key) for key in pipeline.pending)
