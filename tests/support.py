"""Helpers shared by the test suite: run the real `scrapy` command against a replica."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

ROOT = Path(__file__).resolve().parent.parent

# Settings for crawling the loopback replica: politeness off (it is our own server), no telnet.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_TIMES": "1",
    "LOG_LEVEL": "INFO",
    # Extraction is tested where it is the subject (tests/extract/test_pipeline_e2e.py): elsewhere it
    # would only slow every crawl down.
    "EXTRACT_ENABLED": "False",
    # Every page every crawl: tests re-crawl on the same day to see a republished report, which tiered
    # revalidation would (rightly) leave for the report's day; tests/test_incremental.py tests the tiers.
    "REVALIDATE_DAYS": "0",
}


def scrapy(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``scrapy ARGS`` in the project root with this interpreter's environment."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        check=False,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"scrapy {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def crawl(
    spider: str, mirror: str, store: str | Path, *extra: str, settings: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    opts: list[str] = []
    # Each archive gets its own HTTP cache, crawl-log spool and WARC work folder, so tests never see each
    # other's cached pages or half-written files.
    cache = {"HTTPCACHE_DIR": f"{store}-httpcache", "CRAWLLOG_SPOOL": f"{store}-spool", "WARC_DIR": f"{store}-warc"}
    for name, value in {**FAST, "PORTAL_MIRROR": mirror, "STORE_URI": str(store), **cache, **(settings or {})}.items():
        opts += ["-s", f"{name}={value}"]
    return scrapy("crawl", spider, *opts, *extra, check=check)


def crawl_log(store: Any, portal: str) -> list[dict[str, Any]]:
    """Items of the newest crawl log of ``portal`` in ``store``."""
    keys = sorted(k for k in store.keys(f"_crawls/{portal}/"))
    assert keys, f"no crawl log for {portal}"
    return [json.loads(line) for line in store.get(keys[-1]).decode().splitlines()]


class _Server(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


ServerT = TypeVar("ServerT", bound=_Server)


def serving(server: ServerT) -> Iterator[ServerT]:
    """A fixture's body for a test server (SeaweedFS, Redis): started, yielded, always stopped."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


def report_item(**changes: Any) -> Any:
    """A ReportItem of 杨园街道 2024 as the wuchang spider makes it (a crawler.items.ReportItem; ``changes``
    replace its fields)."""
    from crawler.items import ReportItem

    item = ReportItem(
        portal="wuchang", portal_name="武昌区", street="杨园街道", street_key="yyj", legal_district="武昌区",
        year=2024, title="杨园街道2024年政府信息公开工作年度报告",
        url="https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202501/t20250111_2515966.html",
        column_url="https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/", page_date=dt.date(2025, 1, 11),
        page_date_label="公开日期", url_date=dt.date(2025, 1, 11), doc_id=2515966, index_no=None, publisher=None,
        crawl_id="c", has_body=True,
    )  # fmt: skip
    return dataclasses.replace(item, **changes)
