"""The Wuhan municipal TRS WCM platform (武汉市集约化智能门户平台), shared by every district portal.

A portal spider subclasses :class:`TrsPortalSpider` and names its registry entry; everything else
(columns, codes, extension, layout) comes from ``config/portals.yaml``. The spider only fetches and
orchestrates: it walks each column through every page, classifies rows with the pure parsers in
:mod:`crawler.parsers`, fetches each annual report's page, and yields items. Archiving happens in
pipelines.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler.exceptions import SpiderArgumentError
from crawler.guard import refusal
from crawler.items import ColumnItem, FetchFailure, FileRecord, PageCapture, ReportItem, SourceConflict
from crawler.parsers.challenge import challenge_reason
from crawler.parsers.detail import parse_detail
from crawler.parsers.listing import Listing, ListRow, parse_listing
from crawler.parsers.navigation import find_link, page_links, street_link
from crawler.parsers.titles import is_annual_report, match_unit, might_be_annual_report, report_year
from crawler.parsers.urls import doc_id, file_name
from crawler.registry import Portal, Registry, Unit, default_registry, load_registry
from crawler.responses import capture_meta
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
    # ---- issue 18: how the column's pages are named and what was not understood ----
    page_name: str = "index"  # read from the pager call of page 0, never assumed
    ext: str | None = None  # idem; None: the registry's extension
    visited: set[str] = field(default_factory=set)  # pages walked through 下一页 links (loop guard)
    problems: list[str] = field(default_factory=list)  # why the column is incomplete


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
        crawler.signals.connect(spider._release_at_idle, signal=signals.spider_idle)
        return spider

    # ---- configuration (validated once, with typed errors) ------------------------------------
    def _configure(self, crawler: Crawler) -> None:
        settings = crawler.settings
        path = settings.get("REGISTRY_PATH")
        self.registry: Registry = load_registry(path) if path else default_registry()
        self.portal: Portal = self.registry.portal(self.portal_id or self.name)
        self.crawl_id: str = settings.get("CRAWL_ID") or _crawl_id(settings.get("JOBDIR"))
        self.allowed_domains = [self.portal.host, *self.portal.attachment_hosts]
        self.units: tuple[Unit, ...] = self._select(self.portal.crawlable_streets(), self.street_filter)
        self.to_discover: tuple[Unit, ...] = self._select(self.portal.discoverable_streets(), self.street_filter)
        # Retry a challenged page in a real browser (scrapy-playwright + Debian Chromium), then reuse
        # the clearance cookie it earned for plain requests to that host.
        self.browser_enabled: bool = settings.getbool("BROWSER_ENABLED")
        self.clearance: dict[str, dict[str | bytes, str | bytes | bool | float | int]] = {}
        self.years: tuple[int, ...] = self._parse_years(self.years_arg, settings.getint("TODAY_YEAR") or None)
        self.requested_reports: set[str] = set()  # report pages requested in this crawl (see _column_done)
        # One key, one source (see _conflict): slot (street key, year) → URL the street's own column
        # lists / URL archived as the slot's report; streets whose own column is done; cross-listed rows
        # waiting for it; report URLs already released once.
        self.own_listed: dict[tuple[str, int | None], str] = {}
        self.reported: dict[tuple[str, int | None], str] = {}
        self.own_done: set[str] = set()
        self.cross_waiting: list[tuple[ColumnWalk, ListRow, Unit]] = []
        self.cross_released: set[str] = set()

    def _wanted(self, streets: str | None) -> list[str] | None:
        if not streets:
            return None
        wanted = [s.strip() for s in streets.split(",") if s.strip()]
        known = self.portal.crawlable_streets() + self.portal.discoverable_streets()
        for key in wanted:
            if not any(key in (u.key, u.name) for u in known):
                raise SpiderArgumentError(
                    f"streets: {key!r} is not a crawlable street of {self.portal.id} "
                    f"(crawlable: {', '.join(u.key for u in known) or 'none'})"
                )
        return wanted

    def _select(self, units: tuple[Unit, ...], streets: str | None) -> tuple[Unit, ...]:
        """``units`` limited to the streets asked for with ``-a streets=…`` (all when not given)."""
        wanted = self._wanted(streets)
        if wanted is None:
            return units
        return tuple(u for key in wanted for u in units if key in (u.key, u.name))

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
        if self.portal.column is None and self.portal.discovery is None:
            self.logger.error(
                "%s: the registry has neither an annual-report column nor a way to discover one; nothing to crawl",
                self.portal.id,
            )
            return
        for walk in self._walks():
            yield self._page_request(walk, 0)
        if self.to_discover and self.portal.discovery is not None:
            yield self._request(self.portal.discovery.start, self.parse_navigation, step=0)

    def _request(
        self, url: str, callback: Any, errback: Any = None, *, revisit: bool = True, **cb_kwargs: Any
    ) -> scrapy.Request:
        """A request whose non-2xx answers reach the callback as evidence, carrying any clearance
        cookie the browser earned for the host. ``revisit``: list and navigation pages change, so the
        dupefilter must never skip them; a report page is fetched once per crawl."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback or self.navigation_failed,
            cb_kwargs=cb_kwargs,
            meta={"handle_httpstatus_list": EVIDENCE_STATUSES},
            cookies=dict(self.clearance.get(urlsplit(url).netloc) or {}),
            dont_filter=revisit,
        )

    # ---- challenges --------------------------------------------------------------------------
    def _through_browser(self, response: Response) -> scrapy.Request | None:
        """The same request again, rendered by a real browser, unless that was already tried."""
        if not self.browser_enabled or response.meta.get("playwright"):
            return None
        request = response.request
        assert request is not None and request.callback is not None
        self.logger.info("%s: challenge page at %s; retrying in a browser", self.portal.id, response.url)
        # cb_kwargs stay as they are, so the original errback still understands a failure.
        return request.replace(
            callback=self.after_browser,
            dont_filter=True,
            meta={
                **request.meta,
                "browser_then": request.callback.__name__,
                "playwright": True,
                "playwright_include_page": True,
                # The challenge script sets a cookie and reloads; wait for a page with content.
                "playwright_page_methods": [
                    PageMethod(
                        "wait_for_function",
                        "document.body && document.body.innerText.trim().length > 0",
                        timeout=20_000,
                    ),
                ],
            },
        )

    async def after_browser(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        page = response.meta.pop("playwright_page", None)
        if page is not None:
            try:
                cookies = await page.context.cookies()
            finally:
                await page.close()
            host = urlsplit(response.url).netloc
            self.clearance[host] = {c["name"]: c["value"] for c in cookies}
        # The rendered page replaced the challenge: judge it by its content, not the first status.
        if response.status != 200 and challenge_reason(200, response.body) is None:
            response = response.replace(status=200)
        for result in getattr(self, response.meta["browser_then"])(response, **kwargs):
            yield result

    # ---- discovery ---------------------------------------------------------------------------
    def parse_navigation(self, response: Response, step: int) -> Iterable[Any]:
        """Follow the discovery chain to the page listing the streets, then find each street."""
        discovery = self.portal.discovery
        assert discovery is not None
        if reason := self._unusable(response):
            if reason == "challenge" and (retry := self._through_browser(response)):
                yield retry
                return
            yield from self._discovery_failed(self.to_discover, f"{reason} at {response.url}")
            return
        links = page_links(response.text, response.url)
        if step < len(discovery.follow):
            link = find_link(links, discovery.follow[step])
            if link is None:
                yield from self._discovery_failed(
                    self.to_discover, f"no link '{discovery.follow[step]}' on {response.url}: has the layout changed?"
                )
                return
            yield self._request(link.url, self.parse_navigation, step=step + 1)
            return
        pattern = self.portal.column_pattern()
        for unit in self.to_discover:
            link = street_link(links, unit)
            if link is None:
                yield from self._discovery_failed((unit,), f"{unit.name} is not listed on {response.url}")
            elif pattern is not None and (match := pattern.match(link.url)):
                yield from self._discovered(unit, link.url, match.groupdict())
            else:
                yield self._request(link.url, self.parse_unit_page, unit=unit, index=response.url)

    def parse_unit_page(self, response: Response, unit: Unit, index: str) -> Iterable[Any]:
        """A street's own page: its link to the annual-report column."""
        if reason := self._unusable(response):
            if reason == "challenge" and (retry := self._through_browser(response)):
                yield retry
                return
            yield from self._discovery_failed((unit,), f"{reason} at {response.url}")
            return
        discovery = self.portal.discovery
        assert discovery is not None
        link = find_link(page_links(response.text, response.url), discovery.column_link)
        if link is None:
            yield from self._discovery_failed((unit,), f"no annual-report column link on {response.url}")
            return
        pattern = self.portal.column_pattern()
        if pattern is not None and (match := pattern.match(link.url)):
            found = match.groupdict()
        else:
            # No template to read the code from: the street's folder under the index is its code.
            rest = response.url[len(index) :] if response.url.startswith(index) else ""
            found = {"code": rest.split("/", 1)[0] or None}
        yield from self._discovered(unit, link.url, found)

    def _discovered(self, unit: Unit, column: str, found: dict[str, str | None]) -> Iterable[Any]:
        code = found.get("code")
        if code and unit.code is None:
            unit = unit.model_copy(update={"code": code, "channel": found.get("channel")})
        base = column.split("index.", 1)[0]
        base = base if base.endswith("/") else base + "/"
        self.logger.info(
            "%s: discovered the column of %s: %s (record it in config/portals.yaml: code: %s)",
            self.portal.id,
            unit.name,
            base,
            code,
        )
        walk = ColumnWalk(unit, base, None, self._column_item(unit, base, None))
        walk.item.discovered = True
        yield self._page_request(walk, 0)

    def _discovery_failed(self, units: Iterable[Unit], error: str) -> Iterable[Any]:
        self.logger.error("%s: discovery failed: %s", self.portal.id, error)
        for unit in units:
            item = self._column_item(unit, self.portal.discovery.start if self.portal.discovery else "", None)
            item.error = f"discovery failed: {error}"
            item.discovered = True
            self.own_done.add(unit.key)  # no own column will come: cross-listed rows need not wait for it
            yield item
        yield from self._release_cross_listed()

    def navigation_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        unit = request.cb_kwargs.get("unit")
        units = (unit,) if unit is not None else self.to_discover
        yield from self._discovery_failed(units, f"fetch of {request.url} failed: {failure.value!r}")

    def _unusable(self, response: Response) -> str | None:
        if challenge_reason(response.status, response.body):
            return "challenge"
        if response.status != 200:
            return f"HTTP {response.status}"
        return None

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

    def _page_request(self, walk: ColumnWalk, page: int, url: str | None = None) -> scrapy.Request:
        name = walk.page_name if page == 0 else f"{walk.page_name}_{page}"
        url = url or f"{walk.base}{name}.{walk.ext or self.portal.ext}"
        walk.visited.add(url)
        return self._request(url, self.parse_column, self.column_failed, walk=walk, page=page)

    # ---- columns ---------------------------------------------------------------------------
    def parse_column(self, response: Response, walk: ColumnWalk, page: int) -> Iterable[Any]:
        if challenge_reason(response.status, response.body) and (retry := self._through_browser(response)):
            yield retry
            return
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
        # ---- issue 18: a page the parser did not understand makes the column incomplete ----
        self._note_listing(walk, listing, page, response.url)
        if listing.pager == "next-link":
            # The pager is only a 下一页 link: follow it (never twice to the same page, never past 500).
            if listing.next_url and listing.rows and listing.next_url not in walk.visited and page < 500:
                yield self._page_request(walk, page + 1, listing.next_url)
                return
            yield from self._column_done(walk, error=None)
            return
        # ---- end issue 18 ----
        # Follow the pager, but stop at an empty page: deep pages of some TRS columns are stubs.
        if page + 1 < listing.total_pages and listing.rows:
            yield self._page_request(walk, page + 1)
            return
        yield from self._column_done(walk, error=None)

    # ---- issue 18: completeness of a column --------------------------------------------------
    def _note_listing(self, walk: ColumnWalk, listing: Listing, page: int, url: str) -> None:
        """Record what a list page left unclear: unknown pager, empty first page, malformed rows."""
        if page == 0 and listing.pager != "none":
            walk.page_name, walk.ext = listing.page_name, listing.ext
        walk.problems += [f"{problem} on {url}" for problem in listing.problems]
        if page == 0 and listing.empty_problem:
            walk.problems.append(f"{listing.empty_problem} on {url}")
        for link in listing.skipped:
            entry: dict[str, Any] = {"url": link.href, "title": link.title, "reason": link.reason}
            if is_annual_report(link.title):
                # A report the portal lists but links badly: its street-year is unknown, never missing.
                unit = _same_or(match_unit([link.title], self.portal.streets), walk.unit)
                entry.update(street=unit.name if unit else None, year=report_year(link.title) or walk.year)
            walk.item.skipped.append(entry)

    def _open_to_classify(self, walk: ColumnWalk, row: ListRow) -> scrapy.Request | None:
        """A row whose list title is cut or missing and may be a report: open its page to decide."""
        if not (row.truncated or not row.title) or not might_be_annual_report(row.title):
            return None
        walk.item.opened.append(
            {"url": row.url, "title": row.title, "reason": "title cut or missing in the list; page opened to read it"}
        )
        if row.url in self.requested_reports:
            return None
        self.requested_reports.add(row.url)
        unit = _same_or(match_unit([row.title], self.portal.streets), walk.unit)
        return self._request(
            row.url, self.parse_report, self.report_failed, revisit=True, walk=walk, row=row, unit=unit
        )

    # ---- end issue 18 ----

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
        elif walk.problems:  # issue 18: fetched but not understood
            item.ok = False
            item.incomplete = "; ".join(dict.fromkeys(walk.problems))[:2000]
            self.logger.warning("%s: column %s incomplete: %s", self.portal.id, walk.base, item.incomplete)
        chosen: dict[tuple[str, int | None], tuple[ListRow, Unit]] = {}
        for row in walk.rows:
            # ---- guard (crawler/guard.py): a row the portal lists but that is not the portal's is
            # evidence of the listing only: recorded, never fetched, never a candidate for a report.
            if reason := refusal(row.url, self.portal):
                item.skipped.append({"url": row.url, "title": row.title, "reason": f"refused: {reason}"})
                self.logger.warning("%s: listed link %s refused: %s", self.portal.id, row.url, reason)
                continue
            # ---- end guard
            if not is_annual_report(row.title) and (opened := self._open_to_classify(walk, row)) is not None:
                yield opened
                continue
            if not is_annual_report(row.title) and any(o["url"] == row.url for o in item.opened):
                continue
            if not is_annual_report(row.title):
                item.skipped.append({"url": row.url, "title": row.title, "reason": "not an annual report"})
                continue
            unit = _same_or(match_unit([row.title], self.portal.streets), walk.unit)
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
                    "street": unit.name,
                    "street_key": key,
                    "year": year,
                    "url": row.url,
                    "title": row.title,
                    "list_date": row.list_date.isoformat() if row.list_date else None,
                }
            )
            # Once per crawl, deduplicated here rather than by Scrapy's dupefilter: the dupefilter would also
            # drop a redirect hop back to this URL (a redirect loop A -> A or A -> B -> A) silently, with no
            # errback, leaving no evidence. Unfiltered, a loop ends at REDIRECT_MAX_TIMES with an
            # IgnoreRequest that report_failed records as a FetchFailure (fault matrix, issue 7).
            if row.url in self.requested_reports:
                continue
            # ---- one key, one source: a row naming another street waits for that street's own column
            if self._is_cross(walk, unit):
                self.cross_waiting.append((walk, row, unit))
                continue
            self.own_listed.setdefault((key, year), row.url)
            # ---- end one key, one source
            self.requested_reports.add(row.url)
            yield self._request(
                row.url, self.parse_report, self.report_failed, revisit=True, walk=walk, row=row, unit=unit
            )
        if walk.unit is not None:
            self.own_done.add(walk.unit.key)
        yield item
        yield from self._release_cross_listed()

    # ---- reports ---------------------------------------------------------------------------
    def parse_report(self, response: Response, walk: ColumnWalk, row: ListRow, unit: Unit | None) -> Iterable[Any]:
        year = report_year(row.title)
        if challenge_reason(response.status, response.body) and (retry := self._through_browser(response)):
            yield retry
            return
        if reason := challenge_reason(response.status, response.body):
            yield self._failure(unit, year, response.url, reason, challenge=True)
            return
        if response.status != 200:
            yield self._failure(unit, year, response.url, f"HTTP {response.status}")
            return
        detail = parse_detail(response.text, response.url)
        # ---- issue 18: a weak page title (h1 / <title>, often the site's name) cannot overrule the list ----
        findings: list[str] = []
        title = detail.title or row.title
        # Weak: no title, or one from h1 / <title> that names no year (the site's name, a section name).
        weak = detail.title is None or (detail.title_source in ("h1", "title") and report_year(detail.title) is None)
        if not is_annual_report(title) and weak and is_annual_report(row.title) and not row.truncated:
            findings.append(
                f"the page's own title could not be read ({detail.title_source or 'none'}: {detail.title!r}); "
                "the list title was used"
            )
            title = row.title
        if not is_annual_report(title):
            if weak and (row.truncated or not row.title):
                # Neither the list nor the page says what this is: not understood, so never "missing".
                yield self._failure(
                    unit,
                    year or walk.year,
                    response.url,
                    f"title unreadable in the list ({row.title!r}) and on the page",
                )
                return
            self.logger.info("%s: %s is not an annual report after all (%s)", self.portal.id, response.url, title)
            return
        # The page's own title and publisher are the authority; the list title only located it.
        found = match_unit([detail.title, row.title, detail.publisher], self.portal.streets)
        unit = _same_or(found, unit) or unit
        year = report_year(title) or year
        if unit is None:  # an opened row of a per-year column: the report of another unit (区政府, a 局)
            self.logger.info("%s: %s is the report of no registered street (%s)", self.portal.id, response.url, title)
            return
        if year is None:
            yield self._failure(unit, None, response.url, f"no report year in title {title!r}")
            return
        # ---- one key, one source
        if self._is_cross(walk, unit) and unit.key not in self.own_done and response.url not in self.cross_released:
            self.cross_waiting.append((walk, row, unit))  # the page names another street: wait for its column
            return
        if conflict := self._conflict(walk, row, unit, year, response.url):
            yield conflict
            return
        self.reported[(unit.key, year)] = response.url
        # ---- end one key, one source
        files = [FileRecord(url=response.url, role="page", kind="html", name="page.html")]
        names = {"page.html"}
        # An article split over _1, _2… pages is archived whole: each part is a page of the report.
        for n, part in enumerate(detail.more_pages, 1):
            files.append(FileRecord(url=part, role="page", kind="html", name=f"page_{n}.html"))
            names.add(f"page_{n}.html")
        findings += [f"{skipped.reason} ({skipped.label or repr(skipped.href)})" for skipped in detail.skipped]
        for attachment in detail.attachments:
            name = safe_name(file_name(attachment.url))
            if not name.lower().endswith(f".{attachment.kind}") and attachment.kind != "image":
                name = f"{name or 'attachment'}.{attachment.kind}"  # a servlet URL names no file
            if name in names:
                name = f"{len(files)}-{name}"
            names.add(name)
            record = FileRecord(
                url=attachment.url, role="attachment", kind=attachment.kind, name=name, label=attachment.label
            )
            # ---- guard: an attachment off the portal's hosts is recorded with its reason, never fetched.
            if reason := refusal(attachment.url, self.portal):
                record.error = f"refused: {reason}"
            # ---- end guard
            files.append(record)
        # ---- end issue 18 ----
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
            findings=findings,
            _body=response.body,
            _body_meta=capture_meta(response),
        )

    # ---- one key, one source ---------------------------------------------------------------------
    # A street-year key has one source. A page listed in another street's column, or whose own title names
    # another street, may claim it: such a page waits until that street's own column has been walked, and
    # is fetched as the street's report only if the own column does not list that year; otherwise it is a
    # SourceConflict (a finding in the crawl log), never a second source alternating under the same key.
    def _is_cross(self, walk: ColumnWalk, unit: Unit) -> bool:
        return walk.unit is not None and unit.key != walk.unit.key

    def _conflict(
        self, walk: ColumnWalk, row: ListRow, unit: Unit, year: int | None, url: str
    ) -> SourceConflict | None:
        slot = (unit.key, year)
        kept = self.own_listed.get(slot) if self._is_cross(walk, unit) else None
        kept = kept if kept not in (None, url) else self.reported.get(slot)
        if kept in (None, url):
            return None
        assert kept is not None
        where = walk.unit.name if walk.unit else f"the {walk.year} column"
        reason = (
            f"{url} (listed in {where}'s column as {row.title!r}) claims {unit.name} {year}, whose source is {kept}"
        )
        self.logger.warning("%s: one key, one source: %s", self.portal.id, reason)
        return SourceConflict(self.portal.id, unit.name, unit.key, year, url, kept, walk.base, self.crawl_id, reason)

    def _release_cross_listed(self, *, everything: bool = False) -> Iterable[Any]:
        """Cross-listed rows whose street's own column is done (``everything``: all, the crawl is idle)."""
        waiting, self.cross_waiting = self.cross_waiting, []
        for walk, row, unit in waiting:
            if not everything and unit.key not in self.own_done:
                self.cross_waiting.append((walk, row, unit))
            elif conflict := self._conflict(walk, row, unit, report_year(row.title), row.url):
                yield conflict
            elif row.url not in self.cross_released:
                self.cross_released.add(row.url)
                self.requested_reports.add(row.url)
                yield self._request(
                    row.url, self.parse_report, self.report_failed, revisit=True, walk=walk, row=row, unit=unit
                )

    def _release_at_idle(self) -> None:
        """Nothing else to do: a row still waiting (its street's column never came) is fetched now."""
        assert self.crawler.engine is not None
        released = False
        for result in self._release_cross_listed(everything=True):
            if isinstance(result, scrapy.Request):
                self.crawler.engine.crawl(result)
                released = True
            else:
                self.logger.warning("%s: %s", self.portal.id, result.reason)
        if released:
            raise DontCloseSpider

    # ---- end one key, one source

    def report_failed(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        unit: Unit | None = request.cb_kwargs["unit"]
        row: ListRow = request.cb_kwargs["row"]
        walk: ColumnWalk = request.cb_kwargs["walk"]
        year = report_year(row.title) or walk.year
        yield self._failure(unit, year, request.url, f"fetch failed: {failure.value!r}")

    def _failure(
        self, unit: Unit | None, year: int | None, url: str, error: str, challenge: bool = False
    ) -> FetchFailure:
        """A listed page not read. Without a street (a cut title in a per-year column) it concerns every
        street of the column's year; without a year, every year of the street (compliance)."""
        self.logger.warning("%s: report %s not archived: %s", self.portal.id, url, error)
        name, key = (unit.name, unit.key) if unit is not None else ("", "")
        return FetchFailure(self.portal.id, name, key, year, url, self.crawl_id, error, challenge)


def _crawl_id(jobdir: str | None) -> str:
    """The UTC start time plus a random suffix (``20250203T080000Z-1a2b3c4d``): sortable by start time,
    and unique even for crawls started in the same second, which would otherwise share a crawl log.
    A job resumed from its JOBDIR keeps the id it started with."""
    fresh = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)
    if not jobdir:
        return fresh
    path = Path(jobdir) / "nianbao-crawl-id"
    if path.exists():
        return path.read_text().strip() or fresh
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fresh)
    return fresh


def _same_or(matched: Unit | None, current: Unit | None) -> Unit | None:
    """The street a title names; the walk's own unit when it is the same street (it may carry a
    discovered code the registry lacks)."""
    if matched is None or (current is not None and matched.name == current.name):
        return current
    return matched
