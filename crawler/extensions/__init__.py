"""Crawl extensions (the crawl log) and what they share with the WARC recorder."""

from __future__ import annotations

from typing import Any


def archive_portal(spider: Any) -> str | None:
    """The portal a spider archives, or None when it is not a portal crawl.

    Only portal spiders stamp a crawl id on what they produce; a spider without one (``scrapy fetch``,
    ``scrapy shell``, ``scrapy bench``, a ``runspider`` script) must never write into an archive: no crawl
    log, no WARC, no lock, no folder.
    """
    if spider is None or not getattr(spider, "crawl_id", None):
        return None
    portal = getattr(spider, "portal", None)
    return str(portal.id) if portal is not None else str(spider.name)
