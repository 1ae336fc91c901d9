"""One log per crawl in the archive: ``_crawls/{portal}/{crawl_id}.jsonl`` (format and reader:
crawler/crawllog.py).

Every item the crawl produced — reports, column evidence, fetch failures — one JSON line each, then a
summary line with the finish reason and error counts. Status, alerts and audits read these logs.

Lines are spooled to a local file as items arrive (flushed each time), so a crawl killed with
``kill -9`` loses nothing: with ``JOBDIR`` the resumed crawl continues the same log under the same
crawl id; otherwise the next crawl of the portal archives the dead crawl's spool as it is — without a
summary line, which marks it incomplete (and the health alert says so). A live crawl holds an exclusive
``flock`` on its spool for its whole run, so a concurrent crawl of the same portal never mistakes a live
spool for a dead one (the kernel drops the lock when a killed process goes away).

One crawl of a portal into an archive at a time: before anything is written, the crawl takes the
``flock`` of ``crawl-{portal}`` in the archive (a local archive: ``{archive}/locks/``; an S3 archive:
beside its local spool, which keeps apart only the crawls of one machine). A second crawl of the same
portal into the same archive is refused (:class:`CrawlRefusedError`: the crawl does not start and ``scrapy
crawl`` exits 1) instead of interleaving its pages, versions and log with the first one's.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
from pathlib import Path
from typing import IO, Any, TextIO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.project import data_path

from crawler import keys
from crawler.crawllog import encode_line
from crawler.crawlstore import for_crawler
from crawler.extensions import archive_portal
from crawler.items import to_json
from crawler.store import Store
from crawler.store.base import ArchiveBusyError, StoreError, hold_lock, utcnow

logger = logging.getLogger(__name__)


class CrawlLog:
    def __init__(self, crawler: Crawler, store: Store):
        self.crawler = crawler
        self.store = store
        self.item_errors = 0
        self.spool: Path | None = None
        self.handle: TextIO | None = None
        self.count = 0
        self.lock: IO[str] | None = None  # the (archive, portal) lock, held until the crawl closes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlLog:
        spider = getattr(crawler, "spider", None)
        portal = archive_portal(spider)
        if portal is None:
            raise NotConfigured("not a portal crawl: no crawl log")  # scrapy fetch, shell, bench
        ext = cls(crawler, for_crawler(crawler))  # before connecting engine_stopped: stored before unlocking
        # Extensions are built after the spider and before the engine opens it: refusing here means the
        # second crawl never fetches or stores anything.
        ext.lock = _lock_portal(ext.store, portal, str(getattr(spider, "crawl_id", "")))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def _spool_path(self, portal: str, crawl_id: str) -> Path:
        jobdir = self.crawler.settings.get("JOBDIR")
        if jobdir:
            return Path(jobdir) / "crawllog.jsonl"  # a resumed job continues its own log
        root = Path(data_path(self.crawler.settings.get("CRAWLLOG_SPOOL") or "crawllog", createdir=True))
        # Per archive (as the WARC work folder): a dead crawl's log is archived only into the archive it was
        # written for, never into another archive whose crawl of the same portal happens to run next.
        folder = root / hashlib.sha256(str(self.crawler.settings["STORE_URI"]).encode()).hexdigest()[:12]
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{portal}-{crawl_id}.jsonl"

    def spider_opened(self, spider: Spider) -> None:
        portal = _portal(spider)
        crawl_id = str(getattr(spider, "crawl_id", "unknown"))
        self.spool = self._spool_path(portal, crawl_id)
        self.count = sum(1 for _ in self.spool.open(encoding="utf-8")) if self.spool.exists() else 0
        self.handle = self.spool.open("a", encoding="utf-8")
        # Held until the handle closes: marks this spool as alive to every other crawl.
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        if self.crawler.settings.get("JOBDIR"):
            return
        try:  # after our own spool is open: whatever happens to the archive, this crawl has its log
            self._archive_leftovers(portal)
        except StoreError as exc:  # an archive that cannot be reached: they wait for the next crawl
            logger.warning("%s: logs of crawls that died stay in %s (%s)", portal, self.spool.parent, exc)

    def _archive_leftovers(self, portal: str) -> None:
        """Spools of crawls of this portal that died: archive them as incomplete logs."""
        assert self.spool is not None
        for leftover in sorted(self.spool.parent.glob(f"{portal}-*.jsonl")):
            if leftover == self.spool or _locked(leftover):
                continue  # our own, or a crawl of this portal still running in another process
            crawl_id = leftover.stem.removeprefix(f"{portal}-")
            key = keys.crawl_log(portal, crawl_id)
            if self.store.latest(key) is None:
                self.store.put(key, leftover.read_bytes(), content_type="application/x-ndjson")
                logger.warning("crawl %s of %s had died; its log is archived without a summary", crawl_id, portal)
            leftover.unlink()

    def _write(self, data: dict[str, Any]) -> None:
        assert self.handle is not None
        self.handle.write(encode_line(data))
        self.handle.flush()
        self.count += 1

    def item_scraped(self, item: Any) -> None:
        self._write(to_json(item))

    def item_error(self, item: Any, failure: Any) -> None:
        # A pipeline failed on this item: keep it in the log, marked, so nothing is silently lost.
        self.item_errors += 1
        if self.crawler.stats is not None:  # the crawl's exit status counts them (crawler/commands/outcome.py)
            self.crawler.stats.inc_value("item_error_count")
        self._write({**to_json(item), "pipeline_error": str(getattr(failure, "value", failure))})

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        portal = _portal(spider)
        summary = {
            "type": "CrawlSummary",
            "portal": portal,
            "crawl_id": getattr(spider, "crawl_id", None),
            "finish_reason": reason,
            "finished_at": utcnow(),
            "items": self.count,
            "item_errors": self.item_errors,
            "log_errors": stats.get("log_count/ERROR", 0),
            "downloader_exceptions": stats.get("downloader/exception_count", 0),
        }
        assert self.handle is not None and self.spool is not None
        if reason != "finished" and self.crawler.settings.get("JOBDIR"):
            # Paused (Ctrl-C) with a JOBDIR: the job will be resumed and will finish this log.
            self.handle.close()
            return
        self._write(summary)
        self.handle.close()
        key = keys.crawl_log(portal, str(summary["crawl_id"]))
        self.store.put(key, self.spool.read_bytes(), content_type="application/x-ndjson")
        self.spool.unlink()  # the store is the crawler's: closed when the engine stops (crawler/crawlstore.py)

    def engine_stopped(self) -> None:
        # Not at spider_closed: the WARC recorder stores its last file and digests after this extension's
        # spider_closed handler; the next crawl of the portal must not start before that is done.
        if self.lock is not None:
            self.lock.close()  # closing the file releases its flock
            self.lock = None


class CrawlRefusedError(RuntimeError):
    """Another crawl of the same portal into the same archive is running."""


def _lock_portal(store: Store, portal: str, crawl_id: str) -> IO[str]:
    holder = {"portal": portal, "crawl_id": crawl_id, "pid": os.getpid(), "host": socket.gethostname(),
              "started_at": utcnow()}  # fmt: skip
    try:
        return hold_lock(store.lock_path(keys.crawl_lock(portal)), holder)
    except ArchiveBusyError as exc:
        message = (
            f"another crawl of {portal} into {store.uri} is running ({exc}); not starting crawl {crawl_id}. "
            "Wait for it to finish, or crawl into another archive (STORE_URI)."
        )
        logger.error(message)
        raise CrawlRefusedError(message) from None


def _locked(path: Path) -> bool:
    """Whether a live crawl holds ``path`` (see module docstring)."""
    try:
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except FileNotFoundError:
        return True  # archived by another crawl meanwhile
    return False


def _portal(spider: Spider) -> str:
    portal = getattr(spider, "portal", None)
    return str(portal.id) if portal is not None else str(spider.name)
