"""Hash and archive every file of every item: report pages, attachments and column list pages.

Built on Scrapy's MediaPipeline (the machinery FilesPipeline uses: attachment requests go through the
same downloader, middlewares and mirror as pages, and are fetched once per crawl), but not on
FilesPipeline itself: its URL-keyed paths and its 90-day ``FILES_EXPIRES`` shortcut would skip a
report silently replaced at the same URL. Here every file is fetched each crawl and becomes a new
*version* of its logical key only when its sha256 changed.
"""

from __future__ import annotations

import asyncio
import io
import logging
import zipfile
from typing import Any, cast

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.media import FileException, FileInfo, FileInfoOrError, MediaPipeline
from twisted.python.failure import Failure

from crawler.crawlstore import for_crawler, record_flushed
from crawler.edits import note_edit
from crawler.extract.formats.sniff import HTML, MAX_ZIP_MEMBERS, cut_short, office_export, sniff, zip_members
from crawler.items import ColumnItem, FileRecord, ReportItem
from crawler.keys import column_page, report_file
from crawler.parsers.challenge import challenge_reason
from crawler.responses import capture_meta
from crawler.store import Store

logger = logging.getLogger(__name__)


def html_instead_of(kind: str, body: bytes) -> bool:
    """A soft-404 or error page served where a document (pdf/doc/…) was expected, told by its bytes as every
    reader tells HTML (after a BOM, a comment, in UTF-16: crawler/extract/formats/sniff.py). A document an
    office suite saved as HTML (Word's "Save as Web Page" published as .doc) is the document, not an error page."""
    return kind not in ("html", "image") and sniff(body) == HTML and not office_export(body)


# A DOCX/XLSX whose members would inflate beyond this (or more than 200:1) is a zip bomb to whoever opens it.
_MAX_INFLATED = 100 * 1024 * 1024
_OOXML = ("docx", "xlsx")


def document_problem(kind: str, body: bytes) -> str | None:
    """Why a downloaded file is not a usable document of ``kind`` (cheap checks, nothing decompressed).

    Such a file is still archived -- it is what the portal served, and evidence of it -- but its
    FileRecord carries the problem, so it is never taken for a readable report (fault matrix, issue 7).
    """
    if kind == "pdf" and b"%PDF-" not in body[:1024]:  # the header may follow up to 1 KiB of junk
        return "not a PDF (no %PDF- header)"
    if cut := cut_short(body):
        return cut
    if kind == "pdf":
        if b"/Encrypt" in body and needs_password(body):
            return "encrypted PDF (its text cannot be read without the password)"
    elif kind in _OOXML:
        if (members := zip_members(body)) is not None and members > MAX_ZIP_MEMBERS:
            return f"not a {kind}: a zip of {members} members (a Word document holds a few dozen)"
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                inflated = sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, ValueError) as exc:
            return f"corrupt {kind} (not a readable zip: {exc})"
        if inflated > _MAX_INFLATED or inflated > 200 * len(body):
            return f"zip bomb: a {len(body)}-byte {kind} that inflates to {inflated} bytes"
    return None


def needs_password(pdf: bytes) -> bool:
    """Whether an encrypted PDF needs a password to be opened. Many portals publish PDFs encrypted with an
    empty user password and an owner password (permissions only: no copying, no editing): anyone opens
    and reads those, and so does extraction. PDFium only opens the document here (trailer, cross-reference
    and encryption dictionary); nothing is rendered or decompressed page by page."""
    import pypdfium2  # noqa: PLC0415  (a pdfplumber dependency)

    try:
        pypdfium2.PdfDocument(pdf).close()
    except pypdfium2.PdfiumError as exc:
        return "password" in str(exc).lower()
    return False


class ArchivePipeline(MediaPipeline):
    MEDIA_NAME = "file"

    def __init__(self, store: Store, *, crawler: Crawler):
        super().__init__(crawler=crawler)
        self.store = store
        # id(item) → attachment records whose URL was downloaded for another record (see _archive_shared).
        self._shared: dict[int, list[tuple[FileRecord, Any]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(for_crawler(crawler), crawler=crawler)

    def close_spider(self) -> None:
        # The store is the crawler's (closed when the engine stops); edits among spooled writes that
        # later puts flushed are recorded now.
        record_flushed(self.store)

    async def _put(self, key: str, body: bytes, record_meta: dict[str, Any], **kwargs: Any) -> Any:
        # Stores do blocking I/O (fsync, S3 calls): keep them off the reactor thread, in one hop per file.
        return await asyncio.to_thread(self._put_now, key, body, record_meta, **kwargs)

    def _put_now(self, key: str, body: bytes, record_meta: dict[str, Any], **kwargs: Any) -> Any:
        result = self.store.put(key, body, meta=record_meta, **kwargs)
        # A new version of a report file is a silent edit: record the event (crawler/edits.py).
        note_edit(self.store, result)
        # This put may have flushed earlier spooled writes first (S3 back): those may be edits too.
        record_flushed(self.store)
        return result

    # Scrapy >= 2.14 calls pipelines without the deprecated spider argument.
    async def process_item(self, item: Any) -> Any:  # type: ignore[override]
        if isinstance(item, ColumnItem):
            await self._archive_column(item)
            return item
        if not isinstance(item, ReportItem):
            return item
        await self._archive_page(item)
        item = await super().process_item(item)
        await self._archive_shared(item)
        return item

    async def _archive_column(self, item: ColumnItem) -> None:
        for page in item.pages:
            if page._body is None or page.status is None:
                continue
            key = column_page(item.portal, item.street_key, item.year, page.url.rsplit("/", 1)[-1] or "index.html")
            result = await self._put(
                key,
                page._body,
                {"crawl_id": item.crawl_id, "http_status": page.status},
                content_type="text/html",
                source_url=page.url,
                fetched_at=page.fetched_at,
            )
            page.cut_short = cut_short(page._body)
            page.store_key, page.version, page._body = key, result.version.version, None

    async def _archive_page(self, item: ReportItem) -> None:
        page = item.files[0]
        body, meta = item._body or b"", item._body_meta
        key = report_file(item.key_prefix, page.name)
        result = await self._put(
            key,
            body,
            {"crawl_id": item.crawl_id, "last_modified": meta.get("last_modified"), "etag": meta.get("etag")},
            content_type=meta.get("content_type"),
            source_url=item.url,
            fetched_at=meta.get("fetched_at"),
        )
        _fill(page, key, result, meta)
        if problem := await asyncio.to_thread(document_problem, page.kind, body):
            page.error = f"{problem}; archived as served"  # the next crawl fetches the page again
            logger.warning("%s: report page %s is unusable: %s", item.portal, item.url, problem)
        item._body = None  # the bytes are archived; do not carry them further

    # ---- attachments (MediaPipeline hooks) -----------------------------------------------------
    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        # An attachment the spider already refused (crawler/guard.py) keeps its reason and is never requested.
        return [
            Request(f.url, callback=NO_CALLBACK, meta={"file_record": f.name})
            for f in item.files[1:]
            if not (f.error or "").startswith("refused: ")
        ]

    def media_to_download(self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None) -> None:
        return None  # always fetch: unchanged files are cheap (HTTP cache) and deduped by sha256

    async def media_downloaded(
        self, response: Response, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> FileInfo:
        record = next(f for f in item.files if f.url == request.url)
        body = response.body
        if response.status != 200:
            raise FileException(f"HTTP {response.status}")
        if not body:
            raise FileException("empty file")
        if reason := challenge_reason(response.status, body):
            raise FileException(reason)
        if html_instead_of(record.kind, body):
            raise FileException(f"an HTML page was served instead of a {record.kind} file")
        meta = capture_meta(response)
        key = report_file(item.key_prefix, record.name)
        result = await self._put(
            key,
            body,
            {"crawl_id": item.crawl_id, "last_modified": meta["last_modified"], "etag": meta["etag"]},
            content_type=meta["content_type"],
            source_url=request.url,
            fetched_at=meta["fetched_at"],
        )
        _fill(record, key, result, meta)
        if problem := await asyncio.to_thread(document_problem, record.kind, body):
            # Archived as served (evidence), but flagged: extraction and readers must not trust it.
            record.error = f"{problem}; archived as served"
            logger.warning("%s: attachment %s is unusable: %s", item.portal, request.url, problem)
        return cast(
            FileInfo, {"url": request.url, "path": key, "checksum": result.version.sha256, "status": "downloaded"}
        )

    def media_failed(self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo) -> Failure:
        raise FileException(f"{type(failure.value).__name__}: {failure.value}")

    def item_completed(self, results: list[FileInfoOrError], item: Any, info: MediaPipeline.SpiderInfo) -> Any:
        fetched = [f for f in item.files[1:] if not (f.error or "").startswith("refused: ")]
        for (ok, value), record in zip(results, fetched, strict=True):
            if ok and record.store_key is None:
                # Downloaded once per crawl: another report (or another link of this one) fetched the same
                # URL, so media_downloaded never ran for this record. _archive_shared stores it here too.
                self._shared.setdefault(id(item), []).append((record, value))
            if not ok:
                record.error = str(getattr(value, "value", value)) or "download failed"
                logger.warning("%s: attachment %s not archived: %s", item.portal, record.url, record.error)
        return item

    async def _archive_shared(self, item: ReportItem) -> None:
        """Give every record of a file downloaded once for several records its own archived copy.

        Two reports may link the same attachment URL; Scrapy downloads it once per crawl, and only the
        first record was filled. Each report keeps every file under its own key (its evidence must stand
        alone), so the archived bytes are stored under this report's key too, with the capture facts of
        the download they came from."""
        for record, info in self._shared.pop(id(item), []):
            try:
                origin = await asyncio.to_thread(self.store.latest, info["path"])
                body = await asyncio.to_thread(self.store.get, info["path"]) if origin is not None else b""
            except Exception as exc:  # the store failed: say so on the record, never leave it blank
                record.error = f"shared download of {record.url} could not be read back: {exc}"
                continue
            if origin is None or origin.sha256 != info["checksum"]:
                record.error = f"shared download of {record.url} is no longer the archived {info['path']}"
                logger.warning("%s: attachment %s not archived: %s", item.portal, record.url, record.error)
                continue
            meta = {**origin.meta, "content_type": origin.content_type, "fetched_at": origin.fetched_at}
            meta.setdefault("http_status", 200)
            key = report_file(item.key_prefix, record.name)
            result = await self._put(
                key,
                body,
                {"crawl_id": item.crawl_id, "last_modified": meta.get("last_modified"), "etag": meta.get("etag")},
                content_type=origin.content_type,
                source_url=record.url,
                fetched_at=origin.fetched_at,
            )
            _fill(record, key, result, meta)
            if problem := document_problem(record.kind, body):
                record.error = f"{problem}; archived as served"

    def file_path(
        self, request: Request, response: Response | None = None, info: Any = None, *, item: Any = None
    ) -> str:
        record = request.meta.get("file_record", "file")
        return report_file(item.key_prefix, record) if item is not None else record


def _fill(record: FileRecord, key: str, result: Any, meta: dict[str, Any]) -> None:
    version = result.version
    record.store_key, record.version, record.new_version = key, version.version, result.created
    record.sha256, record.size = version.sha256, version.size
    record.content_type = meta.get("content_type")
    record.fetched_at, record.http_status = meta.get("fetched_at"), meta.get("http_status")
    record.last_modified, record.etag = meta.get("last_modified"), meta.get("etag")
