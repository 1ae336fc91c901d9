"""A failure inside the extraction stage never costs the item: the catalog pipeline after it still
gets it, and the log says what went wrong."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from crawler import records
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
