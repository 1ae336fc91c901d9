"""The one archive store of a crawl, shared by every component of that crawler.

The crawl log, the WARC recorder, the HTTP cache policy and the item pipelines all read and write the
archive named by ``STORE_URI``. Each used to open its own store, and each store read the whole ledger
into its own index; :func:`for_crawler` opens it once per crawler and keeps it on the crawler object.

It is closed once, at ``engine_stopped``: after every pipeline's ``close_spider`` and every
``spider_closed`` handler (the crawl log and the last WARC file are stored there). A close flushes what
an unreachable S3 left in the spool; the report files among those writes are checked for silent edits
here (the store does not know what a report file is).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.edits import note_edits
from crawler.store import Store, StoreError, open_store

logger = logging.getLogger(__name__)

_ATTR = "nianbao_store"
# The store of the last crawl of each STORE_URI that closed in this process: `scrapy crawl` asks it,
# after the crawl, whether everything is durable, without reading the whole ledger once more.
_finished: dict[str, Store] = {}


def for_crawler(crawler: Crawler) -> Store:
    """The crawler's store, opened at the first ask and closed when its engine stops."""
    store: Store | None = getattr(crawler, _ATTR, None)
    if store is None:
        store = open_store(crawler.settings["STORE_URI"])
        setattr(crawler, _ATTR, store)
        crawler.signals.connect(_closer(crawler, store), signal=signals.engine_stopped, weak=False)
    return store


def record_flushed(store: Store) -> list[str]:
    """Edit events for report files that a flush, triggered by an earlier put, stored meanwhile."""
    return note_edits(store, store.take_flushed())


def not_durable(uri: str) -> str | None:
    """After a crawl: None when everything it wrote is in the archive, else what to tell the operator.

    One last flush is tried first (edits among what it stores are recorded). A crawl whose writes are
    still spooled (S3 unreachable at its end) has not archived its evidence yet: it must not exit 0 as if
    it had (``scrapy crawl`` and ``crawlall`` exit 1 with this message).
    """
    finished = _finished.pop(uri, None)
    store = finished if finished is not None else open_store(uri)
    try:
        note_edits(store, store.close())
    except StoreError:
        pass  # still unreachable: counted below
    n = len(store.spooled())
    return f"{n} writes spooled; run scrapy flush (the archive {store.uri} was unreachable)" if n else None


def _closer(crawler: Crawler, store: Store) -> Callable[[], None]:
    uri = crawler.settings["STORE_URI"]

    def close() -> None:
        try:
            note_edits(store, store.close())
        except StoreError as exc:  # the crawl is over: say so, do not mask how it ended
            logger.error("closing the archive %s failed: %s", store.uri, exc)
        _finished[uri] = store

    return close
