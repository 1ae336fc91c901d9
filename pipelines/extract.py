"""Extract every archived report file into its record (docs/report-format.md §2), stored beside the file.

Runs after the archive pipeline: the file's bytes are read back from the store (what is extracted is
exactly what is archived). A file whose latest version was already extracted by the same extractor is
not read again, so an incremental crawl costs nothing here; ``scrapy extract`` re-reads everything after
a parser upgrade. When the crawl closes, the new records are stored, each once, and the cross-report
rules (V32–V35) are computed for the reports it touched (:func:`crawler.derive.derive_portal`), apart from
the records and only for the crawled portal (other portals' findings: `scrapy derive`).

Files are read in the bounded worker pool (:mod:`crawler.extract.workers`: a memory and a time limit per
file), and the crawl does not wait for them: an item is handed to the pool and passed on at once, its
records are collected as the workers answer, and the crawl's close waits for the last ones. At most
``EXTRACT_MAX_PENDING`` reports have their files' bytes read and handed to the pool; the others wait in a
queue as their crawl-log entries (a few kB each, no bytes: the files are read back from the archive when
their turn comes), so the crawl never waits for a worker (issue 16 item 2). A file a limit refused (P00
memory_limit, time_limit, …) is stored at once, so that even a crawl killed later does not read it again.

Extraction never raises on a bad file (it gives a record with a P00 finding); anything else that goes
wrong here is logged and the item goes on: the capture is already safe in the archive.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import derive, records
from crawler.crawlstore import for_crawler
from crawler.edits import refresh_events
from crawler.extract.workers import ExtractPool, WorkerLimits, limit_reason
from crawler.items import ReportItem, to_json
from crawler.registry import default_registry
from crawler.store import Store, StoreError

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(
        self, store: Store, policies: dict[str, Any], limits: WorkerLimits | None = None, max_pending: int = 8
    ):
        self.store = store
        self.policies = policies
        self.limits = limits or WorkerLimits()
        self.max_pending = max(1, max_pending)
        self.pool: ExtractPool | None = None  # started with the first item: a crawl that finds nothing forks nothing
        self.running: set[asyncio.Future[None]] = set()
        self.queued: collections.deque[tuple[str, str, str, dict[str, Any]]] = collections.deque()
        self.touched: set[str] = set()
        # Records wait here until the crawl closes and are stored once (their cross-report findings apart).
        # A crawl killed before that loses only them: the next crawl extracts those files again, since
        # they have no current record.
        self.pending: dict[str, records.Record] = {}
        self.saved: set[str] = set()  # pending records stored at the close (before their cross findings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        if not crawler.settings.getbool("EXTRACT_ENABLED"):
            raise NotConfigured("EXTRACT_ENABLED is off")
        registry = default_registry(crawler.settings.get("REGISTRY_PATH") or None)
        return cls(
            for_crawler(crawler),
            records.deadline_policies(registry),
            WorkerLimits.from_settings(crawler.settings),
            crawler.settings.getint("EXTRACT_MAX_PENDING", 8),
        )

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ReportItem):
            # Never waits: the item goes on at once, its files wait for a free place in the queue.
            self.queued.append((item.portal, item.url, item.key_prefix, to_json(item)))
            self._hand_off()
        return item

    def _hand_off(self, done: asyncio.Future[None] | None = None) -> None:
        """Start reading queued reports while fewer than ``max_pending`` are in the workers' hands."""
        if done is not None:
            self.running.discard(done)
        while self.queued and len(self.running) < self.max_pending:
            task = asyncio.ensure_future(self._extract(*self.queued.popleft()))
            self.running.add(task)
            task.add_done_callback(self._hand_off)

    def _keep_pending(self) -> None:
        """The archive could not be read for the cross-report checks (S3 unreachable at the end of the
        crawl): store the crawl's records without them rather than drop them -- an S3 store spools the
        puts -- and let `scrapy extract` add the cross-report findings once the spool is flushed."""
        kept = 0
        for key, record in self.pending.items():
            if key in self.saved:
                kept += 1
                continue
            try:
                records.save_record(self.store, key, record)
                kept += 1
            except (StoreError, OSError) as exc:
                logger.error("record of %s lost: %s (run `scrapy extract` later)", key, exc)
        if kept:
            logger.warning(
                "records: %d stored without cross-report findings; run `scrapy flush`, then `scrapy extract`", kept
            )

    async def _extract(self, portal: str, url: str, key_prefix: str, report: dict[str, Any]) -> None:
        try:
            for file in records.report_files(report):
                key = file["store_key"]
                if await asyncio.to_thread(records.is_current, self.store, key):
                    continue
                archived = await asyncio.to_thread(records.read_archived, self.store, report, file)
                if archived is None:
                    continue
                if self.pool is None:
                    self.pool = ExtractPool(self.limits)
                future = self.pool.extract(archived.data, **archived.kwargs, policies=self.policies)
                archived = dataclasses.replace(archived, data=b"")  # the pool holds the bytes now
                record = records.finish_archived(archived, await asyncio.wrap_future(future))
                self.touched.add(key_prefix)
                if reason := limit_reason(record):
                    logger.warning("%s: %s refused by the %s: stored as P00", portal, key, reason)
                    await asyncio.to_thread(records.save_record, self.store, key, record)
                    continue
                self.pending[key] = record
                logger.debug("%s: record made for %s (stored when the crawl closes)", portal, key)
                if problems := [f.rule for f in record.findings if f.severity == "error"]:
                    logger.info("%s: %s: errors %s", portal, key, ", ".join(problems))
        except Exception:  # a bug or a store failure here must not drop the item (catalog comes next)
            logger.exception("%s: extraction failed for %s (run `scrapy extract` later)", portal, url)

    def _store_and_derive(self) -> int:
        """Store the crawl's records, then its portal's cross-report findings (crawler/derive.py): only
        the keys of the portals it crawled; other portals' findings wait for `scrapy derive`."""
        changed = 0
        for key, record in sorted(self.pending.items()):
            changed += records.save_record(self.store, key, record)
            self.saved.add(key)
        for portal in derive.portals_of(self.touched):
            changed += derive.derive_portal(self.store, portal, self.touched, self.pending)
        return changed

    async def close_spider(self) -> None:
        try:
            while self.running or self.queued:
                self._hand_off()
                await asyncio.wait(set(self.running))
            if self.pool is not None:
                await asyncio.to_thread(self.pool.close)
            if self.touched:
                changed = await asyncio.to_thread(self._store_and_derive)
                logger.info("records: %d extracted, %d stored new or changed", len(self.pending), changed)
                await asyncio.to_thread(refresh_events, self.store)  # edit events gain the cell changes
        except (StoreError, OSError) as exc:
            logger.error("cross-report checks failed (run `scrapy extract` later): %s", exc)
            self._keep_pending()
        # The store is the crawler's: closed when the engine stops (crawler/crawlstore.py).
