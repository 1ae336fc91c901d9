"""The downloader middleware recording every HTTP exchange of a portal crawl as WARC (see :mod:`crawler.warc`)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import IO

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.project import data_path

from crawler.crawlstore import for_crawler
from crawler.extensions import archive_portal
from crawler.keys import warc_prefix
from crawler.store import Store
from crawler.store.base import safe_key
from crawler.warc.record import (
    CONFORMS_TO,
    PROFILE_IDENTICAL,
    PROFILE_NOT_MODIFIED,
    Digests,
    Original,
    WarcFile,
    build_cdxj,
    http_request_headers,
    http_response_headers,
    installed_version,
    payload_digest,
)
from crawler.warc.recover import recover_crashed

logger = logging.getLogger(__name__)

_ATTEMPT = "_warc_attempt"  # request.meta marker: this attempt passed our process_request (went to the wire)


class WarcRecorder:
    """The downloader middleware writing WARCs (settings: WARC_ENABLED, WARC_MAX_BYTES, WARC_DIR)."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.max_bytes = settings.getint("WARC_MAX_BYTES", 100 * 1024 * 1024)
        self.dir_setting = settings.get("WARC_DIR") or ""  # resolved when a portal crawl opens: fetch makes no folder
        self.dir = Path(self.dir_setting or ".scrapy/warc")
        self.store_uri = settings["STORE_URI"]
        self.mirror = settings.get("PORTAL_MIRROR") or ""
        self.store: Store | None = None
        self.portal = ""
        self.crawl_id = ""
        # Unique per run (a resumed JOBDIR crawl keeps its crawl id, so that is not enough for file names).
        self.run = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + f"-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.serial = 0
        self.current: WarcFile | None = None
        self.digests = Digests()
        self.stored: list[str] = []  # archive keys of the finished WARCs and indexes
        self._lock_fh: IO[str] | None = None
        self._uploads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc-store")
        self._pending: list[Future[None]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorder:
        spider = getattr(crawler, "spider", None)
        if spider is not None and archive_portal(spider) is None:
            raise NotConfigured("not a portal crawl: nothing is archived")  # scrapy fetch, shell, bench
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    # ---- crawl lifecycle -----------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        portal = archive_portal(spider)
        if portal is None:
            return  # not a portal crawl: stay inert (self.store stays None, nothing is recorded)
        self.portal = portal
        self.crawl_id = str(spider.crawl_id)  # type: ignore[attr-defined]
        self.dir = Path(self.dir_setting or data_path("warc", createdir=True))
        self.store = for_crawler(self.crawler)
        self.workdir.mkdir(parents=True, exist_ok=True)
        # Our lock, held while this process writes: a lock nobody holds marks a crashed crawl's files.
        self._lock_fh = (self.workdir / f"{self.run}.lock").open("w")
        fcntl.flock(self._lock_fh, fcntl.LOCK_EX)
        self._lock_fh.write(json.dumps({"portal": self.portal, "crawl_id": self.crawl_id}))
        self._lock_fh.flush()
        self.digests = Digests.load(self.store, self.portal)
        self.recover()

    @property
    def workdir(self) -> Path:
        # Per archive and portal: a crashed crawl's WARC is salvaged into the archive it was meant for.
        archive = hashlib.sha256(self.store_uri.encode()).hexdigest()[:12]
        return self.dir / archive / safe_key(self.portal or "_")

    def spider_closed(self, spider: Spider) -> None:
        if self.current is not None:
            self._finish(self.current, background=False)
            self.current = None
        for future in self._pending:
            future.result()
        self._uploads.shutdown()
        if self.store is None:
            return  # never opened: not a portal crawl
        self._save_digests()
        if self._lock_fh is not None:
            lock = Path(self._lock_fh.name)
            self._lock_fh.close()
            lock.unlink(missing_ok=True)
        logger.info("WARC: %d file(s) stored under %s", len(self.stored) // 2, warc_prefix(self.portal, self.crawl_id))

    def warcinfo(self) -> dict[str, str]:
        settings = self.crawler.settings
        mirror = (
            (
                f"{self.mirror} (requests for https://HOST/PATH were sent to {self.mirror}/HOST/PATH; "
                "WARC-Target-URI is the canonical URL)"
            )
            if self.mirror
            else "none (the real hosts)"
        )
        return {
            "software": f"nianbao/{installed_version('nianbao')} (Scrapy {installed_version('scrapy')}, "
            f"warcio {installed_version('warcio')})",
            "format": "WARC File Format 1.1",
            "conformsTo": CONFORMS_TO,
            "operator": settings.get("CONTACT", ""),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT", ""),
            "hostname": socket.gethostname(),
            "isPartOf": f"{self.portal}/{self.crawl_id}",
            "description": f"nianbao crawl {self.crawl_id} of portal {self.portal}",
            "mirror": mirror,
        }

    def _file(self) -> WarcFile:
        if self.current is None:
            self.serial += 1
            stem = f"{safe_key(self.portal or '_')}-{self.run}-{self.serial:05d}"
            self.current = WarcFile(self.workdir, stem, self.warcinfo())
        return self.current

    def _after_write(self) -> None:
        if self.current is not None and self.current.size() >= self.max_bytes:
            self._finish(self.current, background=True)
            self.current = None

    def _finish(self, warc: WarcFile, *, background: bool) -> None:
        path = warc.close()
        if background:  # S3 puts of a rotated file must not stall the crawl
            self._pending.append(self._uploads.submit(self._store_file, path, self.crawl_id))
        else:
            self._store_file(path, self.crawl_id)

    def _store_file(self, path: Path, crawl_id: str) -> None:
        assert self.store is not None
        name = path.name
        cdxj = build_cdxj(path, name)
        key = warc_prefix(self.portal, crawl_id) + name
        self.store.put(key, path.read_bytes(), content_type="application/warc", meta={"crawl_id": crawl_id})
        self.store.put(f"{key}.cdxj", cdxj, content_type="application/cdxj", meta={"crawl_id": crawl_id})
        self.stored += [key, f"{key}.cdxj"]
        path.unlink()  # only once both are in the archive: a failed put leaves the file for recovery

    def _save_digests(self) -> None:
        if self.store is not None and self.digests.changed:
            self.store.put_json(Digests.key(self.portal), self.digests.data)
            self.digests.changed = False

    def recover(self) -> None:
        """Store the WARCs of crawls of this portal that died (crawler/warc/recover.py)."""
        recover_crashed(self.workdir, self.run, self.digests, self._store_file)

    # ---- the middleware ------------------------------------------------------------------------
    def process_request(self, request: Request) -> None:
        request.meta[_ATTEMPT] = id(request)

    def _on_wire(self, request: Request) -> bool:
        # Set by this very request object's trip through process_request: a response made up above us
        # (a cache hit returned by process_request) or an exception raised above us never went out.
        return request.meta.get(_ATTEMPT) == id(request) and self.store is not None

    def process_response(self, request: Request, response: Response) -> Response:
        if self._on_wire(request):
            try:
                self._record_exchange(request, response)
            except Exception:  # an archival side channel must never break the crawl itself
                logger.exception("WARC: could not record %s", request.url)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if self._on_wire(request):
            try:
                self._record_failure(request, exception)
            except Exception:
                logger.exception("WARC: could not record the failure of %s", request.url)

    def _record_exchange(self, request: Request, response: Response) -> None:
        warc = self._file()
        w = warc.writer
        uri = request.url  # canonical: the mirror handler maps it back below us
        body = response.body
        req = w.create_warc_record(
            uri,
            "request",
            payload=BytesIO(request.body or b""),
            length=len(request.body or b""),
            http_headers=http_request_headers(request),
        )
        http = http_response_headers(response)
        digest = payload_digest(body)
        cached = request.meta.get("cached_response")
        if response.status == 200 and body and (original := self.digests.find(uri, digest)):
            resp = w.create_revisit_record(
                uri,
                digest,
                original.uri,
                original.date,
                http_headers=http,
                warc_headers_dict={"WARC-Refers-To": original.record_id},
            )
            resp.rec_headers.replace_header("WARC-Profile", PROFILE_IDENTICAL)
        elif (
            response.status == 304
            and isinstance(cached, Response)
            and cached.body
            and (original := self.digests.find(uri, payload_digest(cached.body)))
        ):
            resp = w.create_revisit_record(
                uri,
                payload_digest(cached.body),
                original.uri,
                original.date,
                http_headers=http,
                warc_headers_dict={"WARC-Refers-To": original.record_id},
            )
            resp.rec_headers.replace_header("WARC-Profile", PROFILE_NOT_MODIFIED)
        else:
            extra = {"WARC-Nianbao-Capture": "browser-dom"} if request.meta.get("playwright") else {}
            if response.ip_address is not None and not self.mirror:
                extra["WARC-IP-Address"] = str(response.ip_address)
            resp = w.create_warc_record(
                uri, "response", payload=BytesIO(body), length=len(body), http_headers=http, warc_headers_dict=extra
            )
            if response.status == 200 and body:
                self.digests.add(
                    uri,
                    digest,
                    Original(
                        uri,
                        resp.rec_headers.get_header("WARC-Date"),
                        resp.rec_headers.get_header("WARC-Record-ID"),
                        warc.name,
                    ),
                )
        warc.write(req, resp)
        self._after_write()

    def _record_failure(self, request: Request, exception: BaseException) -> None:
        warc = self._file()
        fields = {
            "fetch-error": f"{type(exception).__module__}.{type(exception).__name__}",
            "fetch-error-message": str(exception).replace("\r", " ").replace("\n", " ") or "-",
            "request-method": request.method,
            "retry-times": str(request.meta.get("retry_times", 0)),
        }
        if self.mirror:
            fields["mirror"] = self.mirror
        block = "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode()
        record = warc.writer.create_warc_record(
            request.url,
            "metadata",
            payload=BytesIO(block),
            length=len(block),
            warc_content_type="application/warc-fields",
        )
        warc.write(record)
        self._after_write()
