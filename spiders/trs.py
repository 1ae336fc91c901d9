"""The Wuhan municipal TRS WCM platform (武汉市集约化智能门户平台), shared by every district portal.

A portal spider subclasses :class:`TrsPortalSpider` and names its registry entry; everything else comes
from ``config/portals.yaml``. The spider only walks each column page by page and fetches the report pages;
what a page means is decided by pure modules (``crawler.parsers``, ``.selection``, ``.discovery``,
``.report_page``, ``.one_source``); challenges are passed in ``crawler.challenge``; pipelines archive.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from crawler import revalidation
from crawler.arguments import crawl_id, parse_years, streets
from crawler.columns import ColumnWalk, capture, finish_column, lost_column, new_walk, note_listing, page_failed, walks
from crawler.crawllog import crawl_logs
from crawler.crawlstore import for_crawler
from crawler.discovery import Follow, Found, Lost, UnitPage, read_navigation, read_unit_page, unusable
from crawler.items import CarriedReport, FetchFailure, OpenedPage, PageCapture
from crawler.one_source import OneSource, as_version
from crawler.parsers.challenge import challenge_reason
from crawler.parsers.detail import parse_detail
from crawler.parsers.listing import ListRow, parse_listing
from crawler.parsers.titles import report_year
from crawler.registry import Portal, Registry, Unit, default_registry
from crawler.report_page import fetch_failure, read_report_page, report_item
from crawler.selection import select_reports
from crawler.store.base import sha256_hex

# Statuses the spider wants to see itself rather than have HttpErrorMiddleware drop silently:
# a 404 column, a challenge (412/521) or a server error must become evidence, not nothing.
EVIDENCE_STATUSES = [400, 401, 403, 404, 410, 412, 429, 500, 502, 503, 504, 521]


class TrsPortalSpider(scrapy.Spider):
    """Base spider for one portal of the TRS t-date family. The spider loader (crawler/spiderloader.py)
    makes one subclass per portal, ``name`` = registry id."""

    # The registry id of the portal; defaults to the spider name.
    portal_id: ClassVar[str | None] = None

    def __init_subclass__(cls, *, family: bool = False, **kwargs: Any) -> None:
        # Contract checked when the class is defined: a portal spider names itself and never
        # defines start_requests (Scrapy >= 2.16 silently ignores it). A platform family
        # (``class HanwebPortalSpider(TrsPortalSpider, family=True)``) is a base, named by its portals.
        super().__init_subclass__(**kwargs)
        if "start_requests" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: define async def start(), not start_requests()")
        if not family and not getattr(cls, "name", None):
            raise TypeError(f"{cls.__name__}: a portal spider needs a name")

    def __init__(self, *args: Any, streets: str | None = None, years: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.street_filter = streets
        self.years_arg = years

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._configure(crawler)
        crawler.signals.connect(spider._release_at_idle, signal=signals.spider_idle)
        return spider

    def _configure(self, crawler: Crawler) -> None:
        """Arguments and registry, validated once with typed errors (crawler/arguments.py)."""
        settings = crawler.settings
        self.registry: Registry = default_registry(settings.get("REGISTRY_PATH") or None)
        self.portal: Portal = self.registry.portal(self.portal_id or self.name)
        self.crawl_id: str = settings.get("CRAWL_ID") or crawl_id(settings.get("JOBDIR"))
        self.allowed_domains = [self.portal.host, *self.portal.attachment_hosts]
        self.units, self.to_discover = streets(self.street_filter, self.portal)
        self.years = parse_years(self.years_arg, self.registry.first_report_year, settings.getint("TODAY_YEAR"))
        self.this_year: int = settings.getint("TODAY_YEAR") or dt.date.today().year  # the year in progress
        self.requested_reports: set[str] = set()  # report pages requested in this crawl (see _fetch_report)
        self.sources = OneSource(self.portal.id, self.crawl_id)
        # Tiered revalidation (crawler/revalidation.py): the crawl's day (REVALIDATE_TODAY steps days in
        # tests and benchmarks) and the window, per portal if the registry says so.
        today = settings.get("REVALIDATE_TODAY")
        self.today: dt.date = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
        days = self.portal.revalidate_days
        self.revalidate_days: int = days if days is not None else settings.getint("REVALIDATE_DAYS", 7)
        self.checked: dict[str, revalidation.Checked] | None = None  # read from the archive at start()
        self.list_pages: dict[str, revalidation.ListChecked] | None = None  # idem: later list pages carried
        self.opened: dict[str, revalidation.Opened] = {}  # idem: pages opened and found not to be reports
        # The archived copies of the later list pages not due today, read at start() with the crawl logs
        # (url → (body, why it is carried)): a callback never waits on the archive (S3 GETs).
        self.list_copies: dict[str, tuple[bytes, str]] = {}

    async def start(self) -> AsyncIterator[Any]:
        if self.portal.column is None and self.portal.discovery is None:
            self.logger.error("%s: no report column nor discovery in the registry: nothing to crawl", self.portal.id)
            return
        if self.revalidate_days > 0:
            # The one read of the archive this needs: the portal's crawl logs (each fetched report, its day
            # and listing row). With window 0 every page is fetched anyway: nothing to read.
            self.store = for_crawler(self.crawler)
            # Off the reactor's thread: on S3 these reads are GETs, and requests wait for nothing else.
            self.checked, self.list_pages, self.opened = await asyncio.to_thread(self._read_history)
        for walk in walks(self.portal, self.crawl_id, self.units, self.years, self.this_year):
            yield self._page_request(walk, 0)
        if self.to_discover and self.portal.discovery is not None:
            yield self._request(self.portal.discovery.start, self.parse_navigation, step=0)

    def _read_history(self) -> revalidation.History:
        """The portal's crawl logs read (crawler/revalidation.py), and the archive's copies of the later list
        pages not due today kept in ``list_copies`` (a copy that cannot be read or does not match its hash
        is not kept: that page is asked of the portal, as if due)."""
        history = revalidation.scan(crawl_logs(self.store, self.portal.id))
        d1 = self.portal.deadline or self.registry.deadline
        deadline = revalidation.last_deadline(self.today, (d1.month, d1.day))
        for last in history.lists.values():
            url = last.url
            decision = revalidation.list_page_due(last, self.today, self.revalidate_days, deadline)
            if decision.due:
                continue
            try:
                body = self.store.get(last.store_key, last.version)
            except Exception as exc:  # the archive's copy cannot be read: ask the portal, as if due
                self.logger.warning("%s: archived list page %s unreadable (%s)", self.portal.id, url, exc)
                continue
            if sha256_hex(body) == last.sha256:
                self.list_copies[url] = (body, decision.reason)
        return history

    def _request(self, url: str, callback: Any, errback: Any = None, **cb_kwargs: Any) -> scrapy.Request:
        """A request whose non-2xx answers reach the callback as evidence. Never skipped by the dupefilter:
        list pages change between visits, and report pages are deduplicated by _fetch_report."""
        # The portal's politeness group is its download slot: portals sharing a server share one budget.
        meta = {"handle_httpstatus_list": EVIDENCE_STATUSES, "download_slot": self.portal.slot}
        errback = errback or self.navigation_failed
        return scrapy.Request(url, callback, errback=errback, cb_kwargs=cb_kwargs, meta=meta, dont_filter=True)

    def parse_navigation(self, response: Response, step: int) -> Iterable[Any]:
        """Follow the discovery chain to the page listing the streets, then find each street."""
        if reason := unusable(response.status, response.body):
            yield from self._discovery_failed(self.to_discover, f"{reason} at {response.url}")
            return
        for found in read_navigation(response.text, response.url, self.portal, step, self.to_discover):
            if isinstance(found, Follow):
                yield self._request(found.url, self.parse_navigation, step=found.step)
            elif isinstance(found, UnitPage):
                yield self._request(found.url, self.parse_unit_page, unit=found.unit, index=response.url)
            else:
                yield from self._discovered(found)

    def parse_unit_page(self, response: Response, unit: Unit, index: str) -> Iterable[Any]:
        """A street's own page: its link to the annual-report column."""
        if reason := unusable(response.status, response.body):
            yield from self._discovery_failed((unit,), f"{reason} at {response.url}")
            return
        yield from self._discovered(read_unit_page(response.text, response.url, self.portal, unit, index))

    def _discovered(self, found: Found | Lost) -> Iterable[Any]:
        if isinstance(found, Lost):
            yield from self._discovery_failed(found.units, found.error)
            return
        message = "%s: discovered the column of %s: %s (record it in config/portals.yaml: code: %s)"
        self.logger.info(message, self.portal.id, found.unit.name, found.base, found.code)
        walk = new_walk(self.portal, self.crawl_id, found.unit, found.base, None)
        walk.item.discovered = True
        yield self._page_request(walk, 0)

    def _discovery_failed(self, units: Iterable[Unit], error: str) -> Iterable[Any]:
        self.logger.error("%s: discovery failed: %s", self.portal.id, error)
        for unit in units:
            self.sources.own_done.add(unit.key)  # no own column will come: cross-listed rows need not wait
            yield lost_column(self.portal, self.crawl_id, unit, error)
        yield from self._release()

    def navigation_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        unit = request.cb_kwargs.get("unit")
        units = (unit,) if unit is not None else self.to_discover
        yield from self._discovery_failed(units, f"fetch of {request.url} failed: {failure.value!r}")

    def _page_url(self, walk: ColumnWalk, page: int) -> str:
        name = walk.page_name if page == 0 else f"{walk.page_name}_{page}"
        return f"{walk.base}{name}.{walk.ext or self.portal.ext}"

    def _page_request(self, walk: ColumnWalk, page: int, url: str | None = None) -> scrapy.Request:
        url = url or self._page_url(walk, page)
        walk.visited.add(url)
        return self._request(url, self.parse_column, self.column_failed, walk=walk, page=page)

    def parse_column(self, response: Response, walk: ColumnWalk, page: int) -> Iterable[Any]:
        page_capture = capture(walk, response)
        page_capture.checked_on, page_capture.encoding = self.today, getattr(response, "encoding", None)
        last = self.list_pages.get(response.url) if self.list_pages is not None else None
        walk.changed = walk.changed or last is None or last.sha256 != page_capture.sha256
        while True:
            error, next_url = self._read_list_page(walk, page, response, page_capture)
            if next_url is None:
                yield from self._column_done(walk, error=error)
                return
            page += 1
            carried = self._carried_page(walk, next_url)
            if carried is None:
                yield self._page_request(walk, page, next_url)
                return
            response, page_capture = carried  # read from the archive's copy, here, and walk on

    def _read_list_page(
        self, walk: ColumnWalk, page: int, response: Response, page_capture: PageCapture
    ) -> tuple[str | None, str | None]:
        """(the column's error, None) or (None, the next list page to read, or None at the column's end)."""
        if error := self._unreadable_column_page(walk, response):
            return error, None
        try:
            listing = parse_listing(response.text, response.url, self.portal.ext)
        except (ValueError, AttributeError) as exc:  # undecodable page: evidence of a broken column
            return f"unreadable list page {response.url}: {exc}", None
        if listing.error_page is not None:  # 页面不存在 served with HTTP 200: not the list, whatever it links
            return f"an error page, not the list: {response.url} says {listing.error_page[:80]!r}", None
        page_capture.rows = len(listing.rows)
        walk.rows.extend(listing.rows)
        note_listing(walk, listing, page, response.url, self.portal)  # issue 18: what was not understood
        if page > 0 and not listing.rows and listing.pager == "none" and not listing.empty_marker:
            # A later page the pager declared, without rows and without the pager a list page of the column
            # carries: not the list (a block page, a bare template). A deep TRS stub keeps the pager call
            # (or says 暂无信息): that one ends the walk without doubt.
            walk.problems.append(f"page {page + 1} of the column, {response.url}, has no rows and is no list page")
        if listing.pager == "next-link":
            # The pager is only a 下一页 link: follow it (never twice to the same page, never past 500).
            if listing.next_url and listing.rows and listing.next_url not in walk.visited and page < 500:
                return None, listing.next_url
        # Follow the pager, but stop at an empty page: deep pages of some TRS columns are stubs.
        elif page + 1 < listing.total_pages and listing.rows:
            return None, self._page_url(walk, page + 1)
        return None, None

    def _carried_page(self, walk: ColumnWalk, url: str) -> tuple[Response, PageCapture] | None:
        """A later list page not due today (crawler/revalidation.py), of a column whose first page did not
        change: the archive's copy of it (read at start), else None."""
        last = self.list_pages.get(url) if self.list_pages is not None else None
        copy = self.list_copies.get(url) if last is not None and not walk.changed else None
        if last is not None and copy is not None:
            body, reason = copy
            self.crawler.stats.inc_value("revalidation/list_carried")
            walk.visited.add(url)
            page_capture = PageCapture(url, 200, last.fetched_at, last.rows, last.sha256, last.store_key,
                                       last.version, checked_on=last.checked_on, encoding=last.encoding,
                                       carried=reason)  # fmt: skip
            walk.item.pages.append(page_capture)
            return HtmlResponse(url, status=200, body=body, encoding=last.encoding), page_capture
        self.crawler.stats.inc_value("revalidation/list_due")
        return None

    def _unreadable_column_page(self, walk: ColumnWalk, response: Response) -> str | None:
        """Why a fetched column page cannot be read as a list (a challenge, an HTTP error); None if it can."""
        if reason := challenge_reason(response.status, response.body):
            walk.item.challenge = True
            return reason
        if response.status != 200:
            return f"HTTP {response.status} for {response.url}"
        if moved := _redirected(response):
            return moved
        return None

    def column_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        walk: ColumnWalk = request.cb_kwargs["walk"]
        page_failed(walk, request.url, failure.value)
        yield from self._column_done(walk, error=f"fetch failed: {failure.value!r}")

    def _column_done(self, walk: ColumnWalk, error: str | None) -> Iterable[Any]:
        selection = select_reports(walk.rows, self.portal, walk.unit)
        finish_column(walk, error, selection)
        for opened in selection.to_open:
            yield from self._fetch_report(walk, opened.row, opened.unit)
        fresh = (chosen for chosen in selection.chosen if chosen.row.url not in self.requested_reports)
        for chosen in self.sources.admit(walk, fresh):  # one key, one source
            yield from self._fetch_report(walk, chosen.row, chosen.unit)
        if walk.unit is not None:
            self.sources.own_done.add(walk.unit.key)
        yield walk.item
        yield from self._release()

    def _fetch_report(self, walk: ColumnWalk, row: ListRow, unit: Unit | None) -> Iterable[Any]:
        # Once per crawl, deduplicated here rather than by Scrapy's dupefilter: the dupefilter would also
        # drop a redirect hop back to this URL (a redirect loop A -> A or A -> B -> A) silently, with no
        # errback, leaving no evidence. Unfiltered, a loop ends at REDIRECT_MAX_TIMES with an
        # IgnoreRequest that report_failed records as a FetchFailure (fault matrix, issue 7).
        if row.url not in self.requested_reports:
            self.requested_reports.add(row.url)
            if self._seen_not_a_report(row):
                return
            if carried := self._carried(walk, row):
                yield carried
            else:
                yield self._request(row.url, self.parse_report, self.report_failed, walk=walk, row=row, unit=unit)

    def _seen_not_a_report(self, row: ListRow) -> bool:
        """Whether ``row`` leads to a page found not to be a report at a check that is not due again today (its
        row unchanged): not asked for. Its column still records the row (a near miss keeps its street-year
        unknown, crawler/compliance.py), as on the day the page was read."""
        opened = self.opened.get(row.url)
        if opened is None:
            return False
        changed = revalidation.row_changed(row.title, row.list_date, opened)
        last, window = opened.checked_on, self.revalidate_days
        decision = revalidation.due(row.url, last, self.today, window, changed, opened.failed)
        if decision.due:
            return False
        self.crawler.stats.inc_value("revalidation/not_a_report_carried")
        self.logger.debug("%s: %s not asked again: %s (%s)", self.portal.id, row.url, opened.verdict, decision.reason)
        return True

    def _carried(self, walk: ColumnWalk, row: ListRow) -> CarriedReport | None:
        """The archived report at ``row.url`` if it is not due for revalidation today, else None."""
        checked = self.checked.get(row.url) if self.checked is not None else None
        changed = checked is not None and revalidation.row_changed(row.title, row.list_date, checked)
        last = checked.checked_on if checked is not None else None
        failed = checked is not None and checked.failed
        decision = revalidation.due(row.url, last, self.today, self.revalidate_days, changed, failed)
        self.crawler.stats.inc_value(f"revalidation/{'due' if decision.due else 'carried'}")
        if decision.due or checked is None:
            return None
        self.sources.reported.setdefault((checked.street_key, checked.year), row.url)  # one key, one source
        return CarriedReport(
            portal=self.portal.id,
            street=checked.street,
            street_key=checked.street_key,
            legal_district=checked.legal_district,
            year=checked.year,
            title=checked.title,
            url=row.url,
            column_url=walk.base,
            crawl_id=self.crawl_id,
            checked_on=checked.checked_on,
            checked_in=checked.checked_in,
            reason=decision.reason,
            list_title=row.title,
            list_date=row.list_date,
            files=[dict(f) for f in checked.files],
        )

    def parse_report(self, response: Response, walk: ColumnWalk, row: ListRow, unit: Unit | None) -> Iterable[Any]:
        if reason := challenge_reason(response.status, response.body):
            yield self._failure(unit, report_year(row.title), response.url, reason, challenge=True)
            return
        if response.status != 200:
            yield self._failure(unit, report_year(row.title), response.url, f"HTTP {response.status}")
            return
        detail = parse_detail(response.text, response.url)
        page = read_report_page(detail, row, unit, walk.year, self.portal)
        if page.failure:
            yield self._failure(page.unit, page.year, response.url, page.failure)
        elif page.not_report or page.unit is None:
            self.logger.info("%s: %s is %s", self.portal.id, response.url, page.not_report)
            verdict = page.not_report or f"the report of no registered street ({page.title})"
            yield OpenedPage(self.portal.id, row.url, self.crawl_id, self.today, verdict, row.title, row.list_date)
        elif self.sources.must_wait(walk, page.unit, response.url):
            self.sources.waiting.append((walk, row, page.unit))  # the page names another street
        elif conflict := self.sources.conflict(walk, row, page.unit, page.year, response.url):
            yield conflict
        else:
            item = report_item(self.portal, page, detail, response, walk.base, self.crawl_id)
            item.list_title, item.list_date, item.checked_on = row.title, row.list_date, self.today
            # Another publication of the street-year (an earlier original, a re-post): archived beside the
            # source under its own names, never in its place.
            kept = self.sources.keep(page.unit, page.year, row.url, response.url)
            yield as_version(item, kept) if kept is not None else item

    def report_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        row: ListRow = request.cb_kwargs["row"]
        year = report_year(row.title) or request.cb_kwargs["walk"].year
        yield self._failure(request.cb_kwargs["unit"], year, request.url, f"fetch failed: {failure.value!r}")

    def _failure(self, unit: Unit | None, year: int | None, url: str, error: str, **kw: bool) -> FetchFailure:
        return fetch_failure(self.portal, self.crawl_id, unit, year, url, error, **kw)

    def _release(self, *, everything: bool = False) -> Iterable[Any]:
        for released in self.sources.release(everything=everything):
            if isinstance(released, tuple):
                walk, row, unit = released
                self.requested_reports.add(row.url)
                yield self._request(row.url, self.parse_report, self.report_failed, walk=walk, row=row, unit=unit)
            else:
                yield released

    def _release_at_idle(self) -> None:
        """Nothing else to do: a row still waiting (its street's column never came) is fetched now."""
        assert self.crawler.engine is not None
        released = False
        for result in self._release(everything=True):
            if isinstance(result, scrapy.Request):
                self.crawler.engine.crawl(result)
                released = True
            else:
                self.logger.warning("%s: %s", self.portal.id, result.reason)
        if released:
            raise DontCloseSpider


def _redirected(response: Response) -> str | None:
    """Why a list page answered from another URL than the one asked is not that list, or None.

    A column URL redirected elsewhere (the CMS moved the channel, the portal sends unknown paths to its home
    page) answers with a page that is not the column: its links are not the column's rows. Accepted, as the
    same page: http → https (or back) and ``folder/`` ↔ ``folder/index.<ext>``, redirects servers make to the
    very page asked."""
    try:
        request = response.request
    except AttributeError:  # an archived copy (a carried page) has no request: it was not redirected
        return None
    hops = request.meta.get("redirect_urls") if request is not None else None
    if not hops:
        return None
    asked = hops[0]
    if _same_page(asked, response.url):
        return None
    return f"list page {asked} redirected to {response.url}: not the list asked for"


def _same_page(a: str, b: str) -> bool:
    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        path = re.sub(r"/index\.[a-z]+$", "/", parts.path or "/")
        return parts.netloc.lower(), path, parts.query

    return key(a) == key(b)
