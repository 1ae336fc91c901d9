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

With ``EXTRACT_HANDOFF = "queue"`` the crawl reads no file: each new archived report file (one without a
current record) is handed to the cluster's extract queue (``nianbao.extract``, crawler/cluster/tasks.py;
what ``scrapy enqueue --extract`` queues), once its report's catalogue entry is stored (the task reads it),
and the crawl ends with its fetches. The crawl then queues one ``nianbao.derive_reports`` task per portal
behind its extractions: the cross-report findings its close would have derived, derived once they are
done, so the archive ends as a ``pool`` crawl leaves it. A broker that cannot be reached is logged once
and nothing more is queued; the files are in the archive for `scrapy extract` or `scrapy enqueue --extract`.

Extraction never raises on a bad file (it gives a record with a P00 finding); anything else that goes
wrong here is logged and the item goes on: the capture is already safe in the archive.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import keys
from crawler.crawlstore import for_crawler
from crawler.exceptions import SettingError
from crawler.items import ReportItem, to_json
from crawler.registry import default_registry
from crawler.store import Store, StoreError

# The extraction's modules (records, derive, the readers: ~0.2 s) are imported where they are used, so a
# crawl with EXTRACT_ENABLED off, or handing its files to the queue, never loads most of them.
if TYPE_CHECKING:
    from crawler import records
    from crawler.extract.workers import ExtractPool, WorkerLimits

logger = logging.getLogger(__name__)

HANDOFFS = ("pool", "queue")  # EXTRACT_HANDOFF: this crawl's worker pool, or the cluster's extract queue
# The crawl's settings an extract task reads (crawler/cluster/extract.py), passed with the crawl's values so
# the queue makes the records this crawl's own pool would have made.
TASK_SETTINGS = (
    "REGISTRY_PATH",
    "EXTRACT_MEMORY_MB",
    "EXTRACT_OCR_MEMORY_MB",
    "EXTRACT_TIMEOUT",
    "EXTRACT_OCR_PAGE_TIME",
)


class ExtractPipeline:
    def __init__(
        self, store: Store, policies: dict[str, Any], limits: WorkerLimits | None = None, max_pending: int = 8
    ):
        from crawler.extract.workers import WorkerLimits  # noqa: PLC0415

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
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline | QueueHandoff:
        if not crawler.settings.getbool("EXTRACT_ENABLED"):
            raise NotConfigured("EXTRACT_ENABLED is off")
        handoff = crawler.settings.get("EXTRACT_HANDOFF") or "pool"
        if handoff not in HANDOFFS:
            raise SettingError(f"EXTRACT_HANDOFF must be one of {', '.join(HANDOFFS)}, not {handoff!r}")
        if handoff == "queue":
            return QueueHandoff.from_crawler(crawler)
        from crawler import records  # noqa: PLC0415
        from crawler.extract.workers import WorkerLimits  # noqa: PLC0415

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
        from crawler import records  # noqa: PLC0415

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
        from crawler import records  # noqa: PLC0415
        from crawler.extract.workers import ExtractPool, limit_reason  # noqa: PLC0415

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
        from crawler import derive, records  # noqa: PLC0415

        changed = 0
        for key, record in sorted(self.pending.items()):
            changed += records.save_record(self.store, key, record)
            self.saved.add(key)
        for portal in derive.portals_of(self.touched):
            changed += derive.derive_portal(self.store, portal, self.touched, self.pending)
        return changed

    async def close_spider(self) -> None:
        from crawler.edits import refresh_events  # noqa: PLC0415

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


class QueueHandoff:
    """``EXTRACT_HANDOFF = "queue"``: hand each new archived report file to the cluster's extract queue."""

    def __init__(self, store: Store, settings: list[str]):
        self.store = store
        self.settings = settings  # NAME=VALUE for the tasks (their STORE_URI: this crawl's archive)
        # One thread does every broker call, in order, off the reactor's thread: a Redis client is not
        # shared between threads, and a slow broker delays only the hand-off, never a fetch.
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract-handoff")
        self.running: set[asyncio.Future[None]] = set()
        self.client: Any = None  # the broker's Redis, connected at the first file to queue
        self.jobs: dict[str, str] = {}  # file key -> extract job id
        self.touched: dict[str, set[str]] = collections.defaultdict(set)  # portal -> report prefixes queued
        self.broken: str | None = None  # why the broker could not be used (logged once)
        self.not_queued = 0  # files left unqueued after the broker failed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QueueHandoff:
        uri = crawler.settings["STORE_URI"]
        # The worker may run elsewhere in the project (crawler/cluster/tasks.py resolves a relative folder
        # against the project root): a local archive goes by its absolute path.
        settings = [f"STORE_URI={uri if '://' in uri else Path(uri).resolve()}"]
        settings += [f"{name}={crawler.settings[name]}" for name in TASK_SETTINGS if crawler.settings.get(name)]
        handoff = cls(for_crawler(crawler), settings)
        # Queued once every pipeline is done with the item: the task reads the report's catalogue entry,
        # which the catalog pipeline (after this one) stores.
        crawler.signals.connect(handoff.item_scraped, signal=signals.item_scraped)
        return handoff

    def process_item(self, item: Any) -> Any:
        return item

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, ReportItem):
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(self.executor, self._queue_report, item.key_prefix, to_json(item))
            self.running.add(future)
            future.add_done_callback(self.running.discard)

    def _connect(self) -> Any:
        # The cluster's modules (Celery, redis) only in a crawl that queues: an ordinary crawl never imports them.
        import redis  # noqa: PLC0415

        from crawler.cluster import broker_url  # noqa: PLC0415

        if self.client is None:
            # Seconds, not the default no-limit: an unreachable broker is reported, not waited for.
            self.client = redis.Redis.from_url(broker_url(), socket_connect_timeout=5, socket_timeout=10)
        return self.client

    def _queue_report(self, key_prefix: str, report: dict[str, Any]) -> None:
        """(The hand-off thread.) Queue the report's files that have no current record."""
        from crawler import records  # noqa: PLC0415
        from crawler.cluster.tasks import enqueue_extract  # noqa: PLC0415

        for file in records.report_files(report):
            key = file["store_key"]
            try:
                if key in self.jobs or records.is_current(self.store, key):
                    continue
                latest = self.store.latest(key)
            except (StoreError, OSError) as exc:
                logger.error("%s not queued for extraction: the archive: %s (run `scrapy extract` later)", key, exc)
                continue
            if latest is None:
                continue  # not archived (a failed download): nothing to read
            if self.broken is not None:
                self.not_queued += 1
                continue
            try:
                self.jobs[key] = enqueue_extract(key, latest.sha256, self.settings, self._connect())
            except Exception as exc:  # redis, kombu: whatever the broker raises, the crawl goes on
                self.broken = f"{type(exc).__name__}: {exc}"
                self.not_queued += 1
                logger.error(
                    "extract queue unreachable (%s): no more files of this crawl are queued; they are archived, "
                    "run `scrapy enqueue --extract PORTAL` or `scrapy extract` to read them",
                    self.broken,
                )
                continue
            self.touched[keys.portal_of(key) or key_prefix.split("/", 1)[0]].add(key_prefix)

    def _queue_derive(self) -> None:
        """(The hand-off thread.) Behind the crawl's extractions, one task per portal deriving the
        cross-report findings of the reports they touched, as a pool crawl's close does."""
        from crawler.cluster.tasks import enqueue_derive_reports  # noqa: PLC0415

        if self.broken is not None:
            if self.touched:  # the files queued before the broker failed get records, not findings
                logger.warning(
                    "cross-report findings of %d report(s) not queued (the broker failed); run `scrapy extract` "
                    "once the queue has drained",
                    sum(len(p) for p in self.touched.values()),
                )
            return
        for portal, prefixes in sorted(self.touched.items()):
            after = [job for key, job in self.jobs.items() if keys.portal_of(key) == portal]
            try:
                enqueue_derive_reports(portal, sorted(prefixes), after, self.settings, self._connect())
            except Exception as exc:
                logger.error(
                    "extract queue unreachable (%s): the cross-report findings of %s are not queued; "
                    "run `scrapy extract` after the extractions",
                    exc,
                    portal,
                )
                return

    async def close_spider(self) -> None:
        while self.running:
            await asyncio.wait(set(self.running))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self._queue_derive)
        self.executor.shutdown()
        if self.client is not None:
            self.client.close()
        queued, left = len(self.jobs), self.not_queued
        logger.info("extraction: %d file(s) handed to the extract queue, %d not queued", queued, left)
