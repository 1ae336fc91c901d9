"""Enforce the fetch policy of :mod:`crawler.guard` on every request, before anything else sees it.

The middleware runs first among the downloader middlewares (priority 10): before robots.txt (which
would fetch the off-site host's robots.txt), the HTTP cache and WARC capture (so a refused URL leaves
no record), and regardless of ``dont_filter`` (which Scrapy's own offsite middleware honours, and which
the portal spiders set on list and report requests). Redirects come back through it as new requests:
an off-site redirect is refused here, not followed, and the refusal names the hop it came from. The
refusal reaches the request's errback as :class:`~crawler.exceptions.RefusedRequestError`, so the spider
and the archive pipeline record it (a failed report fetch, an attachment's error).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest

from crawler.exceptions import RefusedRequestError
from crawler.guard import refusal
from crawler.registry import Portal

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RefusedDownloadError(RefusedRequestError, IgnoreRequest):
    """Raised in the downloader: an IgnoreRequest (no retry, no error log) that names its reason."""


def portal_of(crawler: Crawler) -> Portal | None:
    """The registry entry of the running portal spider; None for any other spider."""
    portal = getattr(crawler.spider, "portal", None)
    return portal if isinstance(portal, Portal) else None


def judge(request: Request, crawler: Crawler) -> str | None:
    """Why ``request`` may not be sent; a refused redirect hop names the URL it came from."""
    reason = refusal(request.url, portal_of(crawler))
    if reason is None:
        return None
    hops = request.meta.get("redirect_urls")
    if hops:
        return f"redirect from {hops[-1]} to {request.url} not followed: {reason}"
    return f"refused {request.url}: {reason}"


class GuardMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if reason := judge(request, self.crawler):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("guard/refused")
            if request.meta.get("redirect_urls"):
                self.crawler.stats.inc_value("guard/refused_redirect")
            logger.warning("guard: %s", reason)
            raise RefusedDownloadError(reason)
