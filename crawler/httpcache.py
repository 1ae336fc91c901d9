"""Incremental crawls: revalidate every cached page, never serve a stale one.

Scrapy's HTTP cache with the RFC 2616 policy makes a re-crawl cheap (If-None-Match /
If-Modified-Since; an unchanged page answers 304 and the cached body is used). Two of its defaults
are wrong for evidence about publication, and are changed here:

* a page without Cache-Control gets a heuristic freshness (10 % of its age), during which it is not
  asked for at all — a report published meanwhile would be missed. Here every cached page is
  revalidated on every crawl;
* on a server error (5xx) or a download failure the cached copy is returned as if just fetched — a
  dead portal would look alive, with old content and a new capture time. Here only a 304 reuses the
  cache; errors stay errors, and the crawl records them.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Response


class RevalidatePolicy(RFC2616Policy):
    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        return response.status == 304


class NoStaleCacheMiddleware(HttpCacheMiddleware):
    def process_exception(self, request: Request, exception: Exception, spider: object = None) -> None:
        request.meta.pop("cached_response", None)
