"""Extract every archived report file into its record (report_format.md §2), stored beside the file.

Runs after the archive pipeline: the file's bytes are read back from the store (what is extracted is
exactly what is archived). A file whose latest version was already extracted by the same extractor is
not read again, so an incremental crawl costs nothing here; ``scrapy extract`` re-reads everything after
a parser upgrade. When the crawl closes, the cross-report rules (V32–V35) are computed for the reports
it touched (:func:`crawler.records.cross_check`) and the new records are stored, each once.

Extraction never raises on a bad file (it gives a record with a P00 finding); anything else that goes
wrong here is logged and the item goes on: the capture is already safe in the archive.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import records
from crawler.edits import refresh_events
from crawler.items import ReportItem, to_json
from crawler.registry import load_registry
from crawler.store import Store, StoreError, open_store

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, store: Store, policies: dict[str, Any]):
        self.store = store
        self.policies = policies
        self.touched: set[str] = set()
        # Records wait here until the crawl closes and are stored once, with their cross-report findings.
        # A crawl killed before that loses only them: the next crawl extracts those files again, since
        # they have no current record.
        self.pending: dict[str, records.Record] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        if not crawler.settings.getbool("EXTRACT_ENABLED"):
            raise NotConfigured("EXTRACT_ENABLED is off")
        registry = load_registry(crawler.settings.get("REGISTRY_PATH") or None)
        return cls(open_store(crawler.settings["STORE_URI"]), records.deadline_policies(registry))

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ReportItem):
            try:
                await asyncio.to_thread(self._extract, item)
            except Exception:  # a bug or a store failure here must not drop the item (catalog comes next)
                logger.exception("%s: extraction failed for %s (run `scrapy extract` later)", item.portal, item.url)
        return item

    def _extract(self, item: ReportItem) -> None:
        outcomes = records.extract_report(self.store, to_json(item), self.policies, changed_only=True, save=False)
        for outcome in outcomes:
            if outcome.record is None:
                continue
            self.pending[outcome.key] = outcome.record
            self.touched.add(item.key_prefix)
            if problems := [f.rule for f in outcome.record.findings if f.severity == "error"]:
                logger.info("%s: %s: errors %s", item.portal, outcome.key, ", ".join(problems))

    def _keep_pending(self) -> None:
        """The archive could not be read for the cross-report checks (S3 unreachable at the end of the
        crawl): store the crawl's records without them rather than drop them -- an S3 store spools the
        puts -- and let `scrapy extract` add the cross-report findings once the spool is flushed."""
        kept = 0
        for key, record in self.pending.items():
            try:
                records.save_record(self.store, key, record)
                kept += 1
            except (StoreError, OSError) as exc:
                logger.error("record of %s lost: %s (run `scrapy extract` later)", key, exc)
        if kept:
            logger.warning(
                "records: %d stored without cross-report findings; run `scrapy flush`, then `scrapy extract`", kept
            )

    def close_spider(self) -> None:
        try:
            if self.touched:
                changed = records.cross_check(self.store, self.touched, self.pending)
                logger.info("records: %d extracted, %d stored new or changed", len(self.pending), changed)
                refresh_events(self.store)  # edit events gain the cell changes now that records exist
        except (StoreError, OSError) as exc:
            logger.error("cross-report checks failed (run `scrapy extract` later): %s", exc)
            self._keep_pending()
        finally:
            self.store.close()
