"""The state of one column walk and the evidence it leaves (:class:`~crawler.items.ColumnItem`).

The spider walks a column page by page; what each list page showed, left unclear or skipped is
recorded here, so a column fetched but not understood is incomplete (its streets and years unknown),
never a column without reports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Response

from crawler.items import ColumnItem, PageCapture
from crawler.parsers.listing import Listing, ListRow
from crawler.parsers.titles import is_annual_report, report_year
from crawler.registry import Portal, Unit
from crawler.selection import Chosen, Selection, whose_report
from crawler.store.base import sha256_hex, utcnow

logger = logging.getLogger(__name__)


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
    # A page of this walk differs from the archive's last capture of it (or has none): every later page is
    # fetched, none carried (crawler/revalidation.py).
    changed: bool = False
    seen_records: int = 0  # Hanweb: records listed so far (the next dataproxy call starts after them)


def column_item(portal: Portal, crawl_id: str, unit: Unit | None, base: str, year: int | None) -> ColumnItem:
    return ColumnItem(
        portal=portal.id,
        street=unit.name if unit else None,
        street_key=unit.key if unit else None,
        column_url=base,
        year=year,
        crawl_id=crawl_id,
        ok=False,
    )


def new_walk(portal: Portal, crawl_id: str, unit: Unit | None, base: str, year: int | None) -> ColumnWalk:
    return ColumnWalk(unit, base, year, column_item(portal, crawl_id, unit, base, year))


def walks(
    portal: Portal, crawl_id: str, units: tuple[Unit, ...], years: tuple[int, ...], this_year: int | None = None
) -> Iterator[ColumnWalk]:
    """The columns the registry names: one per year (``per_year`` layout), the county's one (``county``)
    or one per street.

    A per-year portal's folders are labelled loosely (黄石 files a 2025 report in its ``2024_nd``
    folder; others file a report in the folder of the year it was published): every report of a walked
    folder is classified by its title, never by the folder it sits in (crawler/selection.py), and the folders
    next to the years asked are walked too (the year before the first; the year after the last, up to
    ``this_year``, the year in progress), so a crawl finds a report wherever it is filed (a year's absence is
    proven only when both its neighbours were read: crawler/compliance.py)."""
    if portal.layout == "per_year":
        for year in years:
            yield new_walk(portal, crawl_id, None, portal.year_column(year), year)
        if not years:
            return
        before, after = min(years) - 1, max(years) + 1
        for year in (before, after):
            if year not in years and (year == before or (this_year is not None and year <= this_year)):
                walk = new_walk(portal, crawl_id, None, portal.year_column(year), year)
                walk.item.neighbour = True
                yield walk
    elif portal.layout == "county":
        assert portal.column is not None
        yield new_walk(portal, crawl_id, None, portal.column, None)
    else:
        for unit in units:
            yield new_walk(portal, crawl_id, unit, portal.street_column(unit), None)


def lost_column(portal: Portal, crawl_id: str, unit: Unit, error: str) -> ColumnItem:
    """The column of a street whose discovery failed: not crawled, so its reports are unknown."""
    item = column_item(portal, crawl_id, unit, portal.discovery.start if portal.discovery else "", None)
    item.error = f"discovery failed: {error}"
    item.discovered = True
    return item


def capture(walk: ColumnWalk, response: Response) -> PageCapture:
    """Record a list page as fetched (evidence for "no report was there")."""
    page = PageCapture(response.url, response.status, utcnow(), 0, sha256_hex(response.body), _body=response.body)
    walk.item.pages.append(page)
    return page


def note_listing(walk: ColumnWalk, listing: Listing, page: int, url: str, portal: Portal) -> None:
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
            unit = whose_report(link.title, portal, walk.unit).unit
            entry.update(street=unit.name if unit else None, year=report_year(link.title) or walk.year)
        walk.item.skipped.append(entry)


def page_failed(walk: ColumnWalk, url: str, error: object) -> None:
    """Record a list page whose fetch failed: the column is not fully crawled."""
    walk.item.pages.append(PageCapture(url, None, utcnow(), 0, error=repr(error)))
    logger.warning("%s: column page %s failed: %r", walk.item.portal, url, error)


def finish_column(walk: ColumnWalk, error: str | None, selection: Selection) -> None:
    """Complete the column's item: whether it was fetched and understood, and what each row was."""
    item = walk.item
    item.ok = error is None
    item.error = error
    if error:
        logger.warning("%s: column %s not fully crawled: %s", item.portal, walk.base, error)
    elif walk.problems:  # issue 18: fetched but not understood
        item.ok = False
        item.incomplete = "; ".join(dict.fromkeys(walk.problems))[:2000]
        logger.warning("%s: column %s incomplete: %s", item.portal, walk.base, item.incomplete)
    for skipped in selection.skipped:
        entry: dict[str, Any] = {"url": skipped.url, "title": skipped.title, "reason": skipped.reason}
        if skipped.street is not None:
            # A report the portal lists but off its hosts: its street-year is unknown, never missing.
            entry.update(street=skipped.street, year=skipped.year or walk.year)
        item.skipped.append(entry)
        if skipped.reason.startswith("refused: "):
            logger.warning("%s: listed link %s %s", item.portal, skipped.url, skipped.reason)
    item.opened += [{"url": o.row.url, "title": o.row.title, "reason": o.why} for o in selection.to_open]
    item.reports += [report_entry(chosen) for chosen in selection.chosen]


def report_entry(chosen: Chosen) -> dict[str, Any]:
    row = chosen.row
    return {
        "street": chosen.unit.name,
        "street_key": chosen.unit.key,
        "year": chosen.year,
        "url": row.url,
        "title": row.title,
        "list_date": row.list_date.isoformat() if row.list_date else None,
    }
