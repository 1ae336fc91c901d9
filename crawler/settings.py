"""Scrapy settings for nianbao. Every value that differs from Scrapy's default says why.

Users change behaviour with ``-s NAME=value`` or environment-specific overrides; the settings a user
is expected to touch are documented in README.md (STORE_URI, PORTAL_MIRROR, CONTACT, …).
"""

from __future__ import annotations

import os

BOT_NAME = "nianbao"

SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# One spider per portal of the registry, made from its platform family (spiders/trs.py, spiders/hanweb.py):
# a portal is a registry entry, not a spider file (crawler/spiderloader.py).
SPIDER_LOADER_CLASS = "crawler.spiderloader.RegistrySpiderLoader"
# Project commands (`scrapy replica`, `scrapy demo`, …) so that `scrapy` is the one entry point.
COMMANDS_MODULE = "crawler.commands"

# ---- nianbao's own settings ---------------------------------------------------------------------
# Where the archive lives: a path (local store) or s3://bucket/prefix.
STORE_URI = os.environ.get("NIANBAO_STORE_URI", "./data")
# A mirror of the real portals (mirror convention: https://HOST/PATH is served at {MIRROR}/HOST/PATH).
# Empty: crawl the real hosts.
PORTAL_MIRROR = os.environ.get("PORTAL_MIRROR", "")
# The registry file(s), separated by os.pathsep, for the spiders and every command (status, units, dashboard,
# alert, export, extract); empty means $NIANBAO_REGISTRY, else config/portals.yaml plus config/hubei.yaml.
REGISTRY_PATH = ""
# Crawl identifier stamped on every item and log; empty means the UTC start time.
CRAWL_ID = ""
# The year crawls treat as the current one (reports up to the previous year are expected);
# 0 means today's. Tests set it to freeze the clock.
TODAY_YEAR = 0
# Where the crawl log is spooled while a crawl runs (under .scrapy/), so a killed crawl loses nothing.
CRAWLLOG_SPOOL = "crawllog"
# Who runs this crawler: portal operators must be able to reach a person.
CONTACT = os.environ.get("NIANBAO_CONTACT", "https://github.com/nianbao/nianbao (set NIANBAO_CONTACT)")

# ---- politeness (defaults are for the real government sites) ------------------------------------
# An honest User-Agent naming the project and a contact.
USER_AGENT = f"nianbao/0.1 (+archival crawler of statutory annual reports; contact: {CONTACT})"
ROBOTSTXT_OBEY = True
# One request at a time per host, at least a second apart, slowed further by AutoThrottle when the
# server is slow: these are small public-service sites.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Government servers are slow and flaky: wait longer than the default 180 s? No — fail faster and
# retry, so one dead page does not stall a whole column.
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 3
# Reports are small; anything larger than this is refused rather than filling memory.
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 30 * 1024 * 1024

# ---- downloading --------------------------------------------------------------------------------
# The mirror handler wraps the real handler, below every middleware (see crawler/downloadhandlers.py).
# No other scheme has a handler at all: a file:// (or ftp:, s3:, data:) link on a portal page must never
# read the local disk or anything else into the archive (crawler/guard.py also refuses them earlier).
DOWNLOAD_HANDLERS = {
    "http": "crawler.downloadhandlers.MirrorDownloadHandler",
    "https": "crawler.downloadhandlers.MirrorDownloadHandler",
    "file": None,
    "data": None,
    "ftp": None,
    "s3": None,
}
MIRROR_INNER_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"
# A page answered with a JavaScript challenge (HTTP 412/521 + cookie script) is retried once in a real
# browser, and the clearance cookie it earns is reused (crawler/challenge.py). False: record the challenge
# (status unknown).
BROWSER_ENABLED = os.environ.get("NIANBAO_BROWSER", "1") != "0"
# Used only for requests with meta["playwright"]: portals behind a JavaScript challenge.
MIRROR_BROWSER_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# The browser only has to pass the challenge: skip images, fonts, styles and media.
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.skip_non_documents"
# Debian's Chromium: nothing is downloaded at run time.
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
    "headless": True,
    "args": ["--disable-background-networking", "--disable-component-update", "--no-first-run"],
}

# ---- incremental crawls ------------------------------------------------------------------------
# Conditional requests (If-None-Match / If-Modified-Since) make a re-crawl of an unchanged portal cost
# almost nothing; every page is still revalidated and errors are never papered over with a stale copy
# (crawler/httpcache.py). The archive's sha256 then decides whether anything new is stored.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawler.httpcache.RevalidatePolicy"
# Relative: under .scrapy/. Each (STORE_URI, PORTAL_MIRROR) pair gets its own folder inside (crawler/httpcache.py).
HTTPCACHE_DIR = os.environ.get("NIANBAO_HTTPCACHE", "httpcache")
HTTPCACHE_EXPIRATION_SECS = 0  # entries never expire; revalidation decides
# Government servers often send "Cache-Control: no-store" (or no-cache) on everything. Freshness
# directives are moot (every page is revalidated), but no-store would keep a page out of the cache,
# and with it the ETag / Last-Modified that make the next request conditional: ignore it. No
# HTTPCACHE_ALWAYS_STORE: a response without validators cannot be revalidated, storing it saves nothing.
HTTPCACHE_IGNORE_RESPONSE_CACHE_CONTROLS = ["no-store"]
# Tiered revalidation (crawler/revalidation.py, issue 16): a listing's first page is fetched every crawl, its
# later pages when the first page changed or on their day of the window (else the archive's copy is read); an
# archived report page (and with it its attachments) only when due: its listing row changed, or on its day of
# a rolling window of this many days, and at least once per window. A daily crawl of an unchanged portal
# then asks about 1/7 of its reports and later list pages. 0: every page every crawl. Per portal:
# `revalidate_days` in the registry.
REVALIDATE_DAYS = 7
# The crawl's day for that decision (ISO date); empty: today in UTC. Tests and bench/ step days with it.
REVALIDATE_TODAY = ""
DOWNLOADER_MIDDLEWARES = {
    # The fetch policy (crawler/guard.py): only the portal's own hosts, http(s), no private addresses. First
    # of all, so a refused URL reaches neither robots.txt, the cache nor WARC capture; dont_filter and
    # redirects included (docs/security.md).
    "crawler.offsite.GuardMiddleware": 10,
    # JavaScript challenges (crawler/challenge.py): right after the guard, so its browser retry is judged by
    # the guard again, its clearance cookie is on the request before CookiesMiddleware (700) writes the
    # Cookie header, and it sees the response last, after redirects and retries, as the spider would.
    "crawler.challenge.ChallengeMiddleware": 50,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
    "crawler.httpcache.NoStaleCacheMiddleware": 900,  # the default cache middleware's place
    # WARC capture (crawler/warc/middleware.py) sits closest to the download handler, below every other middleware:
    # it must see the raw body before HttpCompressionMiddleware (590) decompresses it, each redirect hop
    # before RedirectMiddleware (600) follows it, each retried attempt, and the real 304 before the cache
    # (900) swaps in its stored copy -- what went over the wire, not what the spider was handed.
    "crawler.warc.middleware.WarcRecorder": 950,
}
# WARC files rotate at this size; the open file is in WARC_DIR (default .scrapy/warc) until stored.
WARC_ENABLED = True
WARC_MAX_BYTES = 100 * 1024 * 1024
WARC_DIR = os.environ.get("NIANBAO_WARC_DIR", "")

# ---- items --------------------------------------------------------------------------------------
# Items processed in parallel per response. Scrapy starts this many asyncio tasks for every callback's output,
# whatever its size (100 by default: 12 000 tasks for a 147-page crawl, ~10 % of its CPU); a list page yields
# at most a few dozen requests and items, and pipelines hand their slow work to threads and workers anyway.
CONCURRENT_ITEMS = 16
ITEM_PIPELINES = {
    # Hash and store every page, attachment and list page as versions of logical keys.
    "pipelines.archive.ArchivePipeline": 100,
    # Read each archived report file into its record (metadata, three tables, findings), stored beside it.
    "pipelines.extract.ExtractPipeline": 500,
    # Each report's stable metadata beside its files.
    "pipelines.catalog.CatalogPipeline": 900,
}
# Extraction during the crawl (off: records are made later by `scrapy extract`).
EXTRACT_ENABLED = True
# Every file is read in a worker process (crawler/extract/workers.py), never in the crawl's own: a hostile
# 554-byte PDF or 10 KB table once grew a crawl past 6 GB (issue 12). Two workers: one per core here.
EXTRACT_WORKERS = 2
# Address space (RLIMIT_AS) of each worker, MiB: a file that needs more gets a P00 "memory_limit" record.
EXTRACT_MEMORY_MB = 1024
# ... except while the OCR models run: RapidOCR's ONNX models need ~1.1 GiB of address space for one A4
# page, on a page bitmap already capped at 16 M pixels. A worker keeps the models for its next scans; its
# later files get EXTRACT_MEMORY_MB above what the models keep, never more than this in all.
EXTRACT_OCR_MEMORY_MB = 2048
# Seconds one file may take before its worker (and any LibreOffice it started) is killed: P00 "time_limit".
EXTRACT_TIMEOUT = 120.0
# Seconds more for each scanned page OCR has read in that file (up to 30 pages): a long scan that makes
# progress is read in full; a page that never ends still meets EXTRACT_TIMEOUT.
EXTRACT_OCR_PAGE_TIME = 20.0
# Reports whose files' bytes are read and handed to the workers at a time (those bytes wait in memory); the others
# queue without their bytes (read back from the archive in turn), so the crawl never waits for extraction.
EXTRACT_MAX_PENDING = 8
# Where the crawl hands its new files: "pool" (the default: the workers above, the crawl's close waits for them
# and derives the cross-report findings) or "queue" (the cluster's extract queue, docs/scaling.md: the crawl
# ends with its fetches, `scrapy worker --queues extract` makes the records and then the findings).
EXTRACT_HANDOFF = os.environ.get("NIANBAO_EXTRACT_HANDOFF", "pool")
EXTENSIONS = {
    # One JSON-lines log per crawl in the archive (evidence for status and alerts).
    "crawler.extensions.crawllog.CrawlLog": 500,
    # No telnet or remote-control ports on an unattended archival machine.
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
# Item bodies (PDF bytes) never reach the log.
LOG_FORMATTER = "crawler.logformatter.QuietLogFormatter"
LOG_LEVEL = os.environ.get("NIANBAO_LOG_LEVEL", "INFO")

# Scrapy's default, kept explicit: scrapy-playwright needs the asyncio reactor.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
