"""The catalogue: each report's metadata beside its files.

``{portal}/{street}/{year}/report.json`` holds the report's stable metadata (no capture times), so it
gets a new version only when something about the report itself changed. The per-crawl log is written
by :mod:`crawler.extensions.crawllog`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler

from crawler.items import ReportItem, to_json
from crawler.store import Store, open_store
from crawler.store.base import safe_key

VOLATILE = ("crawl_id", "fetched_at", "new_version", "http_status", "etag", "last_modified")


def stable_report(item: ReportItem) -> dict[str, Any]:
    """The report's identity and content pointers, without anything that changes per crawl."""
    data = to_json(item)
    for key in VOLATILE:
        data.pop(key, None)
    for record in data["files"]:
        for key in VOLATILE:
            record.pop(key, None)
    return data


class CatalogPipeline:
    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CatalogPipeline:
        return cls(open_store(crawler.settings["STORE_URI"]))

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ReportItem):
            key = safe_key(item.key_prefix, "report.json")
            await asyncio.to_thread(self.store.put_json, key, stable_report(item), source_url=item.url)
        return item
