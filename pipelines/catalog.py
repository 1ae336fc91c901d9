"""The catalogue: each report's metadata beside its files.

``{portal}/{street}/{year}/report.json`` holds the report's stable metadata (no capture times), so it
gets a new version only when something about the report itself changed. The per-crawl log is written
by :mod:`crawler.extensions.crawllog`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler

from crawler.crawlstore import for_crawler
from crawler.items import ReportItem, to_json
from crawler.keys import report_json
from crawler.store import Store

# Facts of one capture or one version: they live in the ledger and the crawl log, not here, so that a
# new version of a file (or a re-crawl) does not make a new version of the report's metadata.
PER_CAPTURE = ("crawl_id", "fetched_at", "new_version", "http_status", "etag", "last_modified",
               "sha256", "size", "version", "error")  # fmt: skip
# What tiered revalidation reads back from the crawl log (the day checked, the listing row): per crawl too.
PER_CRAWL = ("checked_on", "list_title", "list_date")
# Fields added after reports were first catalogued: left out while empty, so that an archive's report.json
# files do not all get a new version the first crawl after an upgrade.
LATER_FIELDS = ("version_of", "issued_date", "issued_date_label")


def stable_report(item: ReportItem) -> dict[str, Any]:
    """The report's identity, dates and file pointers (keys), without per-capture facts."""
    data = to_json(item)
    for key in (*PER_CAPTURE, *PER_CRAWL):
        data.pop(key, None)
    for key in LATER_FIELDS:
        if data.get(key) is None:
            data.pop(key, None)
    for record in data["files"]:
        for key in PER_CAPTURE:
            record.pop(key, None)
    return data


class CatalogPipeline:
    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CatalogPipeline:
        return cls(for_crawler(crawler))

    async def process_item(self, item: Any) -> Any:
        # Another publication of the street-year (ReportItem.version_of) has its own files, not its own
        # report.json: writing it would make the key's report.json alternate between two pages every crawl.
        if isinstance(item, ReportItem) and item.version_of is None:
            key = report_json(item.key_prefix)
            await asyncio.to_thread(self.store.put_json, key, stable_report(item), source_url=item.url)
        return item
