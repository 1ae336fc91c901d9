"""One log per crawl in the archive: ``_crawls/{portal}/{crawl_id}.jsonl``.

Every item the crawl produced — reports, column evidence, fetch failures — one JSON line each, then a
summary line with the finish reason and error counts. Status, alerts and audits read these logs; a
crawl that died leaves no summary line, which is itself evidence that its results are incomplete.
"""

from __future__ import annotations

import json
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.items import to_json
from crawler.store import Store, open_store
from crawler.store.base import safe_key, utcnow


class CrawlLog:
    def __init__(self, crawler: Crawler, store: Store):
        self.crawler = crawler
        self.store = store
        self.lines: list[str] = []
        self.item_errors = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlLog:
        ext = cls(crawler, open_store(crawler.settings["STORE_URI"]))
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        self.lines.append(json.dumps(to_json(item), ensure_ascii=False, sort_keys=True))

    def item_error(self, item: Any, failure: Any) -> None:
        # A pipeline failed on this item: keep it in the log, marked, so nothing is silently lost.
        self.item_errors += 1
        data = to_json(item)
        data["pipeline_error"] = str(getattr(failure, "value", failure))
        self.lines.append(json.dumps(data, ensure_ascii=False, sort_keys=True))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        portal = getattr(spider, "portal", None)
        summary = {
            "type": "CrawlSummary",
            "portal": portal.id if portal else spider.name,
            "crawl_id": getattr(spider, "crawl_id", None),
            "finish_reason": reason,
            "finished_at": utcnow(),
            "items": len(self.lines),
            "item_errors": self.item_errors,
            "log_errors": stats.get("log_count/ERROR", 0),
            "downloader_exceptions": stats.get("downloader/exception_count", 0),
        }
        body = "\n".join([*self.lines, json.dumps(summary, ensure_ascii=False, sort_keys=True)]) + "\n"
        key = safe_key("_crawls", summary["portal"], f"{summary['crawl_id']}.jsonl")
        self.store.put(key, body.encode(), content_type="application/x-ndjson")
        self.store.close()
