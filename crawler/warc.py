"""Every HTTP exchange of a crawl, as WARC/1.1 evidence (ISO 28500:2017), stored in the archive.

:class:`WarcRecorder` is a downloader middleware placed closest to the download handler (see the
priority note in ``crawler/settings.py``), so it sees exactly what went over the wire: the request with
every header the middlewares added (User-Agent, cookies, If-None-Match…), and the response before
decompression, before redirects are followed and before the HTTP cache substitutes a stored copy for a
304. Per exchange it writes:

* ``request`` + ``response`` records (any status: a 404 or a 500 page is evidence too), the response
  body byte for byte as received (still gzip-encoded when the server sent it so);
* ``request`` + ``revisit`` (profile *identical-payload-digest*) when a 200 response's payload equals an
  earlier capture of the same URL — in this crawl or any earlier crawl of the portal (the digests of
  original captures live in the archive, ``_warc/{portal}/digests.json``). A revisit always refers to
  the *original* capture's URI, date and record id, never to another revisit;
* ``request`` + ``revisit`` (profile *server-not-modified*) for a 304 answer to a revalidation, pointing
  at the original capture of the cached body; a 304 whose original is unknown is kept as a response;
* a ``metadata`` record (``application/warc-fields``) for an exchange that failed (DNS, refused, timeout,
  reset…): what was asked, when, and the error.

Every file starts with a ``warcinfo`` record: software and versions, operator contact, robots policy,
User-Agent, the portal and crawl, and the mirror the requests were really sent to (WARC-Target-URI is
always the canonical ``https://HOST/PATH``). Block and payload digests are SHA-256 (base32, as warcio
writes and ``warcio check`` verifies).

Files rotate at ``WARC_MAX_BYTES``. A finished file is indexed (CDXJ, by cdxj-indexer, the same index
pywb builds) and both are stored in the archive under ``_warc/{portal}/{crawl_id}/``. A crawl killed
mid-way leaves its open file in ``WARC_DIR``; the next crawl of the portal truncates it after its last
complete record, indexes it and stores it, so no capture is lost.

Browser-rendered responses (scrapy-playwright) are the DOM after scripts ran, not wire bytes: their
response records carry ``WARC-Nianbao-Capture: browser-dom``.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import socket
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from cdxj_indexer import CDXJIndexer
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.project import data_path
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.extensions import archive_portal
from crawler.store import Store, StoreError, open_store
from crawler.store.base import safe_key

logger = logging.getLogger(__name__)

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
_ATTEMPT = "_warc_attempt"  # request.meta marker: this attempt passed our process_request (went to the wire)
# Hop-by-hop framing the body no longer has: Scrapy hands over the de-chunked body.
_FRAMING = (b"Transfer-Encoding",)


def installed_version(name: str) -> str:
    try:
        return package_version(name)
    except PackageNotFoundError:
        return "unknown"


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body``: ``sha256:`` + base32, the form warcio writes and checks."""
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode()


class Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests (its default is SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass(frozen=True)
class Original:
    """Where the original (non-revisit) capture of a payload is: what a revisit refers to."""

    uri: str
    date: str  # its WARC-Date, exactly
    record_id: str
    filename: str

    def to_json(self) -> dict[str, str]:
        return {"uri": self.uri, "date": self.date, "id": self.record_id, "filename": self.filename}


class Digests:
    """Original captures by (URL, payload digest): the revisit index, kept in the archive per portal."""

    def __init__(self, data: dict[str, dict[str, dict[str, str]]] | None = None):
        self.data = data or {}
        self.changed = False

    @classmethod
    def key(cls, portal: str) -> str:
        return safe_key("_warc", portal, "digests.json")

    @classmethod
    def load(cls, store: Store, portal: str) -> Digests:
        try:
            return cls(store.get_json(cls.key(portal)))
        except StoreError:
            return cls()  # first crawl, or the store is unreachable: only in-crawl dedup

    def find(self, uri: str, digest: str) -> Original | None:
        hit = self.data.get(uri, {}).get(digest)
        return Original(hit["uri"], hit["date"], hit["id"], hit["filename"]) if hit else None

    def add(self, uri: str, digest: str, original: Original) -> None:
        if digest not in self.data.setdefault(uri, {}):  # the first capture stays the original
            self.data[uri][digest] = original.to_json()
            self.changed = True


def http_request_headers(request: Request) -> StatusAndHeaders:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)]
    for name, values in request.headers.items():
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def http_response_headers(response: Response) -> StatusAndHeaders:
    # Scrapy keeps neither the raw status line nor header order: both are rebuilt (reason phrase from
    # the status code), and framing headers that no longer describe the stored body are dropped.
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    headers = []
    for name, values in response.headers.items():
        if name in _FRAMING:
            continue
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return StatusAndHeaders(f"{response.status} {reason}", headers, protocol="HTTP/1.1")


class WarcFile:
    """One WARC being written: ``{stem}.warc.gz.open`` until finished, then ``{stem}.warc.gz``."""

    def __init__(self, directory: Path, stem: str, info: dict[str, str]):
        self.name = f"{stem}.warc.gz"
        self.path = directory / f"{self.name}.open"
        self.fh: IO[bytes] = self.path.open("xb")
        self.writer = Sha256WARCWriter(self.fh, gzip=True, warc_version="1.1")
        self.writer.write_record(self.writer.create_warcinfo_record(self.name, info))
        self.fh.flush()

    def size(self) -> int:
        return self.fh.tell()

    def write(self, *records: ArcWarcRecord) -> None:
        if len(records) == 2:
            self.writer.write_request_response_pair(*records)
        else:
            for record in records:
                self.writer.write_record(record)
        self.fh.flush()  # a killed crawl loses at most the record being written

    def close(self) -> Path:
        self.fh.close()
        final = self.path.with_name(self.name)
        os.replace(self.path, final)
        return final


def salvage(path: Path) -> tuple[int, list[tuple[str, str, Original]]]:
    """Length of the valid prefix of a (possibly torn) WARC, and the originals it holds.

    Reads record by record, fully (so a truncated gzip member or body is noticed); the prefix ends
    after the last record that read completely.
    """
    good = 0
    originals: list[tuple[str, str, Original]] = []
    with path.open("rb") as fh:
        it = ArchiveIterator(fh, check_digests=True)
        try:
            for record in it:
                while record.content_stream().read(1 << 20):
                    pass
                if record.digest_checker.passed is False:
                    break
                headers = record.rec_headers
                if (
                    record.rec_type == "response"
                    and record.http_headers
                    and record.http_headers.get_statuscode() == "200"
                ):
                    uri, digest = headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Payload-Digest")
                    original = Original(
                        uri,
                        headers.get_header("WARC-Date"),
                        headers.get_header("WARC-Record-ID"),
                        path.name.removesuffix(".open"),
                    )
                    originals.append((uri, digest, original))
                it.read_to_end(record)
                good = it.get_record_offset() + it.get_record_length()
        except Exception as exc:
            logger.warning("%s: torn after byte %d (%s): keeping the complete records", path, good, exc)
    return good, originals


def build_cdxj(warc: Path, name: str) -> bytes:
    """The CDXJ index of one WARC (SURT-sorted; fields url, mime, status, digest, length, offset, filename)."""
    out = warc.with_name(warc.name + ".cdxj.tmp")
    CDXJIndexer(output=str(out), inputs=[str(warc)], sort=True, filename=name).process_all()
    data = out.read_bytes()
    out.unlink()
    return data


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
        self.store = open_store(self.store_uri)
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
        logger.info("WARC: %d file(s) stored under _warc/%s/%s/", len(self.stored) // 2, self.portal, self.crawl_id)

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
        prefix = safe_key("_warc", self.portal, crawl_id)
        key = f"{prefix}/{name}"
        self.store.put(key, path.read_bytes(), content_type="application/warc", meta={"crawl_id": crawl_id})
        self.store.put(f"{key}.cdxj", cdxj, content_type="application/cdxj", meta={"crawl_id": crawl_id})
        self.stored += [key, f"{key}.cdxj"]
        path.unlink()  # only once both are in the archive: a failed put leaves the file for recovery

    def _save_digests(self) -> None:
        if self.store is not None and self.digests.changed:
            self.store.put_json(Digests.key(self.portal), self.digests.data)
            self.digests.changed = False

    def recover(self) -> None:
        """Store the WARCs of crawls of this portal that died (their lock is free), then forget them."""
        for lock in sorted(self.workdir.glob("*.lock")):
            if lock.name == f"{self.run}.lock":
                continue
            with lock.open("r+") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live crawl of the same portal
                try:
                    crawl_id = json.loads(fh.read() or "{}").get("crawl_id") or "unknown"
                except ValueError:
                    crawl_id = "unknown"
                run = lock.name.removesuffix(".lock")
                for path in sorted(self.workdir.glob(f"*-{run}-*.warc.gz*")):
                    self._recover_file(path, crawl_id)
                lock.unlink()

    def _recover_file(self, path: Path, crawl_id: str) -> None:
        good, originals = salvage(path)
        if good == 0:
            logger.warning("WARC recovery: %s holds no complete record; removed", path)
            path.unlink()
            return
        with path.open("r+b") as fh:
            fh.truncate(good)
        final = path.with_name(path.name.removesuffix(".open"))
        os.replace(path, final)
        for uri, digest, original in originals:
            self.digests.add(uri, digest, original)
        self._store_file(final, crawl_id)
        logger.warning("WARC recovery: stored %s of crashed crawl %s (%d bytes)", final.name, crawl_id, good)

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


# ---- reading the archive's WARCs back ------------------------------------------------------------
@dataclass(frozen=True)
class Capture:
    """One CDXJ line, resolved to its WARC in the archive."""

    urlkey: str
    timestamp: str
    fields: dict[str, Any]
    warc_key: str  # the archive key of the WARC file


def captures(store: Store, portal: str, url: str | None = None) -> list[Capture]:
    """Every indexed capture of ``portal`` (of ``url`` only, if given), oldest first."""
    found: list[Capture] = []
    for key in store.keys(safe_key("_warc", portal) + "/"):
        if not key.endswith(".cdxj"):
            continue
        for line in store.get(key).decode().splitlines():
            urlkey, timestamp, data = line.split(" ", 2)
            fields = json.loads(data)
            if url is None or fields.get("url") == url:
                found.append(Capture(urlkey, timestamp, fields, key.removesuffix(".cdxj")))
    return sorted(found, key=lambda c: (c.timestamp, c.warc_key, int(c.fields["offset"])))


def read_record(store: Store, capture: Capture) -> tuple[ArcWarcRecord, bytes]:
    """The WARC record of ``capture`` and its payload, decoded of any Content-Encoding (as a browser would).

    For a revisit the payload is the original capture's (found by the URI and payload digest the
    revisit names, as a replay tool does); the record returned is still the revisit.
    """
    record, payload = _record_at(store, capture)
    if record.rec_type == "revisit":
        headers = record.rec_headers
        uri, digest = headers.get_header("WARC-Refers-To-Target-URI"), headers.get_header("WARC-Payload-Digest")
        portal = capture.warc_key.split("/")[1]
        original = next(
            (c for c in captures(store, portal, uri) if c.fields.get("digest") == digest
             and c.fields.get("mime") != "warc/revisit"),
            None,
        )  # fmt: skip
        if original is None:
            raise StoreError(f"revisit of {uri} at {capture.timestamp}: its original capture is not in the archive")
        payload = _record_at(store, original)[1]
    return record, payload


def _record_at(store: Store, capture: Capture) -> tuple[ArcWarcRecord, bytes]:
    data = store.get(capture.warc_key)
    offset, length = int(capture.fields["offset"]), int(capture.fields["length"])
    record = next(iter(ArchiveIterator(BytesIO(data[offset : offset + length]))))
    with contextlib.closing(record.content_stream()) as stream:
        return record, stream.read()
