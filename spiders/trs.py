"""The Wuhan municipal TRS WCM platform (武汉市集约化智能门户平台), shared by every district portal.

A portal spider subclasses :class:`TrsPortalSpider` and names its registry entry; everything else
(columns, codes, extension, layout) comes from ``config/portals.yaml``. The spider only fetches and
orchestrates: it walks each column through every page, classifies rows with the pure parsers in
:mod:`crawler.parsers`, fetches each annual report's page, and yields items. Archiving happens in
pipelines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.exceptions import SpiderArgumentError
from crawler.items import ColumnItem, FetchFailure, FileRecord, PageCapture, ReportItem
from crawler.parsers.challenge import challenge_reason
from crawler.parsers.detail import parse_detail
from crawler.parsers.listing import ListRow, parse_listing
from crawler.parsers.titles import is_annual_report, match_unit, report_year
from crawler.parsers.urls import doc_id, file_name
from crawler.registry import Portal, Registry, Unit, default_registry, load_registry
from crawler.store.base import safe_name, sha256_hex, utcnow

# Statuses the spider wants to see itself rather than have HttpErrorMiddleware drop silently:
# a 404 column, a challenge (412/521) or a server error must become evidence, not nothing.
EVIDENCE_STATUSES = [400, 401, 403, 404, 410, 412, 429, 500, 502, 503, 504, 521]


@dataclass
class ColumnWalk:
    """State of one column walk, carried from page to page (pages are fetched in order)."""

    unit: Unit | None  # None for a per-year column shared by all streets
    base: str  # column folder URL, ending with /
    year: int | None
    item: ColumnItem
    rows: list[ListRow] = field(default_factory=list)


class TrsPortalSpider(scrapy.Spider):
    """Base spider for one portal of the TRS platform. Subclasses set ``name`` (= registry id)."""

    # The registry id of the portal; defaults to the spider name.
    portal_id: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Contract checked when the class is defined: a portal spider names itself and never
        # defines start_requests (Scrapy >= 2.16 silently ignores it).
        super().__init_subclass__(**kwargs)
        if "start_requests" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: define async def start(), not start_requests()")
        if not getattr(cls, "name", None):
            raise TypeError(f"{cls.__name__}: a portal spider needs a name")

    def __init__(self, *args: Any, streets: str | None = None, years: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.street_filter = streets
        self.years_arg = years

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
        return spider

    # ---- configuration (validated once, with typed errors) ------------------------------------
    def _configure(self, crawler: Crawler) -> None:
        settings = crawler.settings
        path = settings.get("REGISTRY_PATH")
        self.registry: Registry = load_registry(path) if path else default_registry()
        self.portal: Portal = self.registry.portal(self.portal_id or self.name)
        self.crawl_id: str = settings.get("CRAWL_ID") or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.allowed_domains = [self.portal.host]
        self.units: tuple[Unit, ...] = self._select_units(self.street_filter)
        self.years: tuple[int, ...] = self._parse_years(self.years_arg, settings.getint("TODAY_YEAR") or None)

    def _select_units(self, streets: str | None) -> tuple[Unit, ...]:
        crawlable = self.portal.crawlable_streets()
        if not streets:
            return crawlable
        wanted = [s.strip() for s in streets.split(",") if s.strip()]
        chosen = []
        for key in wanted:
            unit = next((u for u in crawlable if key in (u.key, u.name)), None)
            if unit is None:
                raise SpiderArgumentError(
                    f"streets: {key!r} is not a crawlable street of {self.portal.id} "
                    f"(crawlable: {', '.join(u.key for u in crawlable) or 'none'})"
                )
            chosen.append(unit)
        return tuple(chosen)

    def _parse_years(self, years: str | None, today_year: int | None) -> tuple[int, ...]:
        last = (today_year or dt.date.today().year) - 1  # year Y is published in Y+1
        first = self.registry.first_report_year
        if not years:
            return tuple(range(first, last + 1))
        try:
            if "-" in years:
                lo, hi = (int(p) for p in years.split("-", 1))
                result = tuple(range(lo, hi + 1))
            else:
                result = tuple(int(p) for p in years.split(","))
        except ValueError:
            raise SpiderArgumentError(f"years: expected YYYY, YYYY,YYYY or YYYY-YYYY, got {years!r}") from None
        if not result or any(y < 2000 or y > last + 1 for y in result):
            raise SpiderArgumentError(f"years: {years!r} is outside 2000–{last + 1}")
        return result

    # ---- start -----------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        if self.portal.column is None:
            self.logger.error(
                "%s: the registry has no annual-report column for this portal; nothing to crawl",
                self.portal.id,
            )
            return
        for walk in self._walks():
            yield self._page_request(walk, 0)

    def _walks(self) -> Iterable[ColumnWalk]:
        if self.portal.layout == "per_year":
            for year in self.years:
                base = self.portal.year_column(year)
                yield ColumnWalk(None, base, year, self._column_item(None, base, year))
        else:
            for unit in self.units:
                base = self.portal.street_column(unit)
                yield ColumnWalk(unit, base, None, self._column_item(unit, base, None))

    def _column_item(self, unit: Unit | None, base: str, year: int | None) -> ColumnItem:
        return ColumnItem(
            portal=self.portal.id,
            street=unit.name if unit else None,
            street_key=unit.key if unit else None,
            column_url=base,
            year=year,
            crawl_id=self.crawl_id,
            ok=False,
        )

    def _page_request(self, walk: ColumnWalk, page: int) -> scrapy.Request:
        name = "index" if page == 0 else f"index_{page}"
        return scrapy.Request(
            f"{walk.base}{name}.{self.portal.ext}",
            callback=self.parse_column,
            errback=self.column_failed,
            cb_kwargs={"walk": walk, "page": page},
            meta={"handle_httpstatus_list": EVIDENCE_STATUSES},
            # List pages change whenever a report appears: never let a dupefilter skip one.
            dont_filter=True,
        )

    # ---- columns ---------------------------------------------------------------------------
    def parse_column(self, response: Response, walk: ColumnWalk, page: int) -> Iterable[Any]:
        capture = PageCapture(
            url=response.url, status=response.status, fetched_at=utcnow(), rows=0, _body=response.body
        )
        capture.sha256 = sha256_hex(response.body)
        walk.item.pages.append(capture)
        if reason := challenge_reason(response.status, response.body):
            walk.item.challenge = True
            yield from self._column_done(walk, error=reason)
            return
        if response.status != 200:
            yield from self._column_done(walk, error=f"HTTP {response.status} for {response.url}")
            return
        try:
            listing = parse_listing(response.text, response.url, self.portal.ext)
        except (ValueError, AttributeError) as exc:  # undecodable page: evidence of a broken column
            yield from self._column_done(walk, error=f"unreadable list page {response.url}: {exc}")
            return
        capture.rows = len(listing.rows)
        walk.rows.extend(listing.rows)
        # Follow the pager, but stop at an empty page: deep pages of some TRS columns are stubs.
        if page + 1 < listing.total_pages and listing.rows:
            yield self._page_request(walk, page + 1)
            return
        yield from self._column_done(walk, error=None)

    def column_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        walk: ColumnWalk = request.cb_kwargs["walk"]
        walk.item.pages.append(
            PageCapture(url=request.url, status=None, fetched_at=utcnow(), rows=0, error=repr(failure.value))
        )
        self.logger.warning("%s: column page %s failed: %r", self.portal.id, request.url, failure.value)
        yield from self._column_done(walk, error=f"fetch failed: {failure.value!r}")

    def _column_done(self, walk: ColumnWalk, error: str | None) -> Iterable[Any]:
        item = walk.item
        item.ok = error is None
        item.error = error
        if error:
            self.logger.warning("%s: column %s not fully crawled: %s", self.portal.id, walk.base, error)
        chosen: dict[tuple[str, int | None], tuple[ListRow, Unit]] = {}
        for row in walk.rows:
            if not is_annual_report(row.title):
                item.skipped.append({"url": row.url, "title": row.title, "reason": "not an annual report"})
                continue
            unit = match_unit([row.title], self.portal.streets) or walk.unit
            if unit is None:
                item.skipped.append({"url": row.url, "title": row.title, "reason": "no registered street named"})
                continue
            slot = (unit.key, report_year(row.title))
            previous = chosen.get(slot)
            if previous is None or (doc_id(row.url) or 0) > (doc_id(previous[0].url) or 0):
                if previous is not None:
                    item.skipped.append(
                        {"url": previous[0].url, "title": previous[0].title, "reason": f"superseded by {row.url}"}
                    )
                chosen[slot] = (row, unit)
            else:
                item.skipped.append({"url": row.url, "title": row.title, "reason": f"superseded by {previous[0].url}"})
        for (key, year), (row, unit) in chosen.items():
            item.reports.append(
                {
                    "street_key": key,
                    "year": year,
                    "url": row.url,
                    "title": row.title,
                    "list_date": row.list_date.isoformat() if row.list_date else None,
                }
            )
            yield scrapy.Request(
                row.url,
                callback=self.parse_report,
                errback=self.report_failed,
                cb_kwargs={"walk": walk, "row": row, "unit": unit},
                meta={"handle_httpstatus_list": EVIDENCE_STATUSES},
            )
        yield item

    # ---- reports ---------------------------------------------------------------------------
    def parse_report(self, response: Response, walk: ColumnWalk, row: ListRow, unit: Unit) -> Iterable[Any]:
        year = report_year(row.title)
        if reason := challenge_reason(response.status, response.body):
            yield self._failure(unit, year, response.url, reason, challenge=True)
            return
        if response.status != 200:
            yield self._failure(unit, year, response.url, f"HTTP {response.status}")
            return
        detail = parse_detail(response.text, response.url)
        title = detail.title or row.title
        if not is_annual_report(title):
            self.logger.info("%s: %s is not an annual report after all (%s)", self.portal.id, response.url, title)
            return
        # The page's own title and publisher are the authority; the list title only located it.
        unit = match_unit([detail.title, row.title, detail.publisher], self.portal.streets) or unit
        year = report_year(title) or year
        if year is None:
            yield self._failure(unit, None, response.url, f"no report year in title {title!r}")
            return
        files = [FileRecord(url=response.url, role="page", kind="html", name="page.html")]
        names = {"page.html"}
        for attachment in detail.attachments:
            name = safe_name(file_name(attachment.url))
            if name in names:
                name = f"{len(files)}-{name}"
            names.add(name)
            files.append(
                FileRecord(
                    url=attachment.url, role="attachment", kind=attachment.kind, name=name, label=attachment.label
                )
            )
        yield ReportItem(
            portal=self.portal.id,
            portal_name=self.portal.name,
            street=unit.name,
            street_key=unit.key,
            legal_district=self.portal.legal_district_of(unit),
            year=year,
            title=title,
            url=response.url,
            column_url=walk.base,
            page_date=detail.page_date,
            page_date_label=detail.page_date_label,
            url_date=detail.url_date,
            doc_id=doc_id(response.url),
            index_no=detail.index_no,
            publisher=detail.publisher,
            crawl_id=self.crawl_id,
            has_body=detail.has_body,
            files=files,
            _body=response.body,
            _body_meta={
                "fetched_at": utcnow(),
                "http_status": response.status,
                "content_type": _header(response, b"Content-Type"),
                "last_modified": _header(response, b"Last-Modified"),
                "etag": _header(response, b"ETag"),
            },
        )

    def report_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        unit: Unit = request.cb_kwargs["unit"]
        row: ListRow = request.cb_kwargs["row"]
        yield self._failure(unit, report_year(row.title), request.url, f"fetch failed: {failure.value!r}")

    def _failure(self, unit: Unit, year: int | None, url: str, error: str, challenge: bool = False) -> FetchFailure:
        self.logger.warning("%s: report %s not archived: %s", self.portal.id, url, error)
        return FetchFailure(self.portal.id, unit.name, unit.key, year, url, self.crawl_id, error, challenge)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
