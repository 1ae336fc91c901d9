"""Incremental crawls: revalidate every cached page, never serve a stale one, never another site's.

Scrapy's HTTP cache with the RFC 2616 policy makes a re-crawl cheap (If-None-Match /
If-Modified-Since; an unchanged page answers 304 and the cached body is used). Its defaults are wrong
for evidence about publication, and are changed here:

* a page without Cache-Control gets a heuristic freshness (10 % of its age), during which it is not
  asked for at all — a report published meanwhile would be missed. Here every cached page is
  revalidated on every crawl;
* on a server error (5xx) or a download failure the cached copy is returned as if just fetched — a
  dead portal would look alive, with old content and a new capture time. Here only a 304 reuses the
  cache; errors stay errors, and the crawl records them;
* the cache is keyed by canonical URL only, so a crawl of one mirror (or the replica) would send the
  other site's validators to the real portal, which answers 304, and the other site's page would be
  archived as the portal's. Here the cache is scoped to (archive ``STORE_URI``, ``PORTAL_MIRROR``): each
  pair has its own folder under ``HTTPCACHE_DIR`` (:func:`cache_scope`), and a cached copy is used (its
  validators sent) only when the archive already holds those very bytes for that URL
  (:meth:`RevalidatePolicy.held`); otherwise the page is fetched unconditionally;
* a copy whose bytes end before their file does (a connection closed early on a response without
  Content-Length: no PDF trailer, no ``</html>``…; :func:`crawler.extract.formats.sniff.cut_short`) carries
  the whole file's validators, and a 304 would keep the cut copy for good: it is fetched unconditionally.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Response
from scrapy.settings import BaseSettings, Settings
from scrapy.statscollectors import StatsCollector

from crawler.extract.formats.sniff import cut_short
from crawler.store.base import Store, sha256_hex

logger = logging.getLogger(__name__)


def _archive_identity(store_uri: str) -> str:
    """One spelling per archive: an absolute path for a local store, the URI for S3."""
    if store_uri.startswith("s3://"):
        return store_uri.rstrip("/")
    return str(Path(store_uri.removeprefix("file://")).expanduser().resolve())


def cache_scope(store_uri: str, mirror: str) -> str:
    """The cache folder of one (archive, mirror) pair: 16 hex digits of sha256 over both."""
    identity = f"{_archive_identity(store_uri)}\n{(mirror or '').rstrip('/')}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def scoped_cache_dir(settings: BaseSettings) -> str:
    """``HTTPCACHE_DIR/<scope>`` (relative paths stay under ``.scrapy/``, as Scrapy resolves them)."""
    scope = cache_scope(settings.get("STORE_URI") or "./data", settings.get("PORTAL_MIRROR") or "")
    return os.path.join(settings.get("HTTPCACHE_DIR") or "httpcache", scope)


def decoded_body(response: Response) -> bytes | None:
    """The body as the archive stores it (after HTTP content decoding); None if it cannot be decoded here.

    The cache sits below HttpCompressionMiddleware, so it keeps bodies as they came over the wire."""
    encodings = [e.strip().lower() for e in b",".join(response.headers.getlist(b"Content-Encoding")).split(b",")]
    body = response.body
    try:
        for encoding in reversed([e for e in encodings if e and e != b"identity"]):
            if encoding in (b"gzip", b"x-gzip"):
                body = gzip.decompress(body)
            elif encoding == b"deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
            else:
                return None  # br, zstd…: judged not held, so the page is simply fetched again
    except (OSError, EOFError, zlib.error):
        return None
    return body


class RevalidatePolicy(RFC2616Policy):
    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.store_uri: str = settings.get("STORE_URI") or "./data"
        self.crawler: Crawler | None = None  # set by NoStaleCacheMiddleware: then the crawl's one store is used
        self._store: Store | None = None

    def archive_sources(self, url: str) -> set[str]:
        """sha256 of every version the archive holds from ``url``, asked of the archive's catalog (never
        the whole ledger). The store is opened at the first ask; an unreadable archive holds nothing."""
        if self._store is None:
            local = not self.store_uri.startswith("s3://")
            if local and not (Path(self.store_uri.removeprefix("file://")) / "ledger.jsonl").exists():
                return set()  # no archive yet (and none is created here)
            from crawler.crawlstore import for_crawler  # noqa: PLC0415 - only when a cached copy exists
            from crawler.store import open_store  # noqa: PLC0415

            try:
                self._store = for_crawler(self.crawler) if self.crawler is not None else open_store(self.store_uri)
            except Exception as exc:
                logger.warning("HTTP cache: cannot open the archive (%s); fetching unconditionally", exc)
                return set()
        try:
            return self._store.index.sources(url)
        except Exception as exc:  # an unreadable catalog: nothing counts as held, the page is fetched again
            logger.warning("HTTP cache: cannot ask the archive's catalog (%s); fetching unconditionally", exc)
            return set()

    def held(self, cachedresponse: Response, request: Request) -> bool:
        """Whether the archive holds the cached copy's bytes for this URL (so its validators may be sent).

        robots.txt is never archived and is no evidence: it is always revalidated."""
        if urlsplit(request.url).path == "/robots.txt":
            return True
        body = decoded_body(cachedresponse)
        if body is None:
            return False
        if cut := cut_short(body):
            # Its validators are the whole file's: a 304 would keep the cut copy for good. Asked for whole.
            logger.info("HTTP cache: the cached copy of %s is cut short (%s): fetched again whole", request.url, cut)
            return False
        return sha256_hex(body) in self.archive_sources(request.url)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        if self.held(cachedresponse, request):
            self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        # A 304 stands for the cached copy only if this crawl asked conditionally (see held()).
        conditional = b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers
        return response.status == 304 and conditional


class NoStaleCacheMiddleware(HttpCacheMiddleware):
    def __init__(self, settings: Settings, stats: StatsCollector):
        scoped = settings.copy()
        scoped.frozen = False  # a private copy: the crawler's own settings stay frozen
        scoped.set("HTTPCACHE_DIR", scoped_cache_dir(settings), priority=50)  # above -s (cmdline, 40)
        super().__init__(scoped, stats)
        self.scope = {"store_uri": _archive_identity(settings.get("STORE_URI") or "./data"),
                      "mirror": (settings.get("PORTAL_MIRROR") or "").rstrip("/")}  # fmt: skip

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NoStaleCacheMiddleware:
        mw = super().from_crawler(crawler)
        if isinstance(mw.policy, RevalidatePolicy):
            mw.policy.crawler = crawler  # Scrapy builds the policy from settings alone
        return mw

    def spider_opened(self, spider: Any) -> None:
        super().spider_opened(spider)
        # Say, for an operator looking at .scrapy/httpcache/, which archive and mirror the folder serves.
        cachedir = getattr(self.storage, "cachedir", None)
        if cachedir:
            Path(cachedir).mkdir(parents=True, exist_ok=True)
            (Path(cachedir) / "scope.json").write_text(json.dumps(self.scope, indent=1) + "\n", encoding="utf-8")

    def process_exception(self, request: Request, exception: Exception, spider: object = None) -> None:
        request.meta.pop("cached_response", None)
