"""Tiered revalidation (issue 16): which archived report pages a crawl asks the portal about again.

Listing pages are fetched on every crawl (that is where new reports and changed rows appear). A report
page already archived — and with it its attachments, which the archive pipeline requests from the page —
is fetched again only when it is *due*:

* never checked (not in the archive's crawl logs as a fetched report): always;
* the listing row changed (its title or date differ from what the archive recorded for that report; a
  changed link is a new URL, hence never checked): at once;
* its last fetch failed (a ``FetchFailure`` after its last check), or a file of its last check (the page or
  an attachment) was not archived, or archived but not usable (cut short, an error page instead of the PDF,
  pipelines/archive.py): the next crawl tries again;
* the window is 0: every crawl (tiers off);
* last checked ``window`` days ago or more: a bound, whatever the crawl schedule;
* its day slot: a stable hash of the URL gives each report one day of the window, so a daily crawl
  revalidates about 1/window of the archived reports and every one at least once per window.

A report not due is not fetched; the spider yields a ``CarriedReport`` naming what the archive holds and
when it was last verified. A page opened and found not to be a report (``OpenedPage``: a near-miss or cut list
title, a page titled as the district's) is due by the same rules and, when not due, not asked for at all.

A listing's *first* page is fetched on every crawl: new reports appear at its top. Its later pages only
repeat what the first one pushed down, so each is fetched again only when the first page (or an earlier
later page) changed since the archive's copy, when its own last fetch failed or was never made, or on its
day of the same rolling window (a report removed silently from a deep page is still seen within the
window), and at once when a deadline passed since its copy was read (that copy cannot prove a report
absent after the deadline: crawler/compliance.py judges a column by its oldest page). A later page not
due is read from the archive's copy of it (:class:`ListChecked`), so its rows
are selected as if fetched — their reports stay found, never ``missing`` — and the column's evidence names
the capture it comes from.

Pure functions of their arguments: ``today`` is always injected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Decision:
    due: bool
    reason: str  # one line, for the log: why the page is (not) fetched again


@dataclass(frozen=True)
class Checked:
    """What the archive's crawl logs say about one report URL: its last check and its listing row."""

    url: str
    street: str
    street_key: str
    legal_district: str | None
    year: int
    title: str
    checked_on: dt.date  # the (crawl's) day the page was last fetched (200 or 304)
    checked_in: str  # the crawl id of that fetch
    list_title: str | None  # the listing row as last seen (None: not recorded, e.g. an older crawl log)
    list_date: dt.date | None
    files: tuple[dict[str, Any], ...]  # url, role, store_key, version, sha256 of each archived file
    failed: bool = False  # a later crawl due to check it could not fetch it: check again at the next crawl


@dataclass(frozen=True)
class Opened:
    """What the archive's crawl logs say about a page opened and found not to be a report: its last check."""

    url: str
    checked_on: dt.date
    verdict: str
    list_title: str | None
    list_date: dt.date | None
    failed: bool = False  # a later crawl could not fetch it: fetch it at the next crawl


@dataclass(frozen=True)
class ListChecked:
    """What the archive's crawl logs say about one list page: its last successful capture."""

    url: str
    sha256: str
    store_key: str
    version: int | None
    fetched_at: str  # when the portal served that capture (kept as it was by crawls that carried it)
    checked_on: dt.date  # the (crawl's) day of that capture
    rows: int
    encoding: str  # how the page was decoded when fetched: its copy is decoded the same way
    failed: bool = False  # a later crawl could not fetch it: fetch it at the next crawl


def slot(url: str, window: int) -> int:
    """The day of the window (0 … window-1) on which ``url`` is revalidated: stable across runs."""
    return int.from_bytes(hashlib.sha256(url.encode()).digest()[:8], "big") % window


def due(
    url: str, last_checked: dt.date | None, today: dt.date, window: int, row_changed: bool, failed: bool = False
) -> Decision:
    """Whether the report page at ``url`` must be fetched again on ``today``."""
    if last_checked is None:
        return Decision(True, "never checked")
    if row_changed:
        return Decision(True, "listing row changed")
    if failed:
        return Decision(True, "the last check failed")
    if window <= 0:
        return Decision(True, "revalidated every crawl")
    age = (today - last_checked).days
    if age >= window:
        return Decision(True, f"last checked {age} days ago")
    if age >= 1 and today.toordinal() % window == slot(url, window):
        return Decision(True, "its day in the window")
    return Decision(False, f"checked on {last_checked.isoformat()}, within {window} days")


def last_deadline(today: dt.date, month_day: tuple[int, int]) -> dt.date:
    """The latest deadline (``month_day`` of a year: 31 January) that has passed before ``today``."""
    this_year = dt.date(today.year, *month_day)
    return this_year if this_year < today else dt.date(today.year - 1, *month_day)


def list_page_due(last: ListChecked, today: dt.date, window: int, deadline: dt.date) -> Decision:
    """Whether a later list page must be fetched again on ``today``: as :func:`due`, and at once when its
    last capture is from on or before ``deadline`` (the latest deadline passed): a copy read before a
    deadline proves nothing about the reports due by it, and would leave the column "unknown"."""
    if last.checked_on <= deadline < today and not last.failed and window > 0:
        return Decision(True, f"last read on {last.checked_on.isoformat()}, before the deadline {deadline.isoformat()}")
    return due(last.url, last.checked_on, today, window, False, last.failed)


def row_changed(title: str, date: dt.date | None, checked: Checked | Opened) -> bool:
    """The listing row differs from the archived one (unknown archived rows never count as changed)."""
    if checked.list_title is None and checked.list_date is None:
        return False
    return title != checked.list_title or date != checked.list_date


def _day(value: str | None, crawl_id: str) -> dt.date:
    if value:
        return dt.date.fromisoformat(value)
    return dt.datetime.strptime(crawl_id[:8], "%Y%m%d").date()  # older logs: the crawl's start day


def index(logs: Iterable[tuple[str, list[dict[str, Any]]]]) -> dict[str, Checked]:
    """URL → its last check, from crawl logs (oldest first, as :func:`crawler.crawllog.crawl_logs` gives)."""
    return scan(logs).reports


class History(NamedTuple):
    reports: dict[str, Checked]  # report page URL → its last check
    lists: dict[str, ListChecked]  # list page URL → its last capture
    opened: dict[str, Opened]  # URL of a page found not to be a report → its last check


def _list_date(item: dict[str, Any]) -> dt.date | None:
    return dt.date.fromisoformat(item["list_date"]) if item.get("list_date") else None


def scan(logs: Iterable[tuple[str, list[dict[str, Any]]]]) -> History:
    """The last check of every report page, opened page and list page, in one pass over the crawl logs (oldest
    first, as :func:`crawler.crawllog.crawl_logs` gives).

    A ``ReportItem`` is a fetch (a check); a ``CarriedReport`` is not one, but it carries the last check
    forward and the listing row it was matched against. Of a URL read once as a report and once as no report
    (``OpenedPage``), the later verdict is its check."""
    found: dict[str, Checked] = {}
    pages: dict[str, ListChecked] = {}
    opened: dict[str, Opened] = {}
    for crawl_id, items in logs:
        for item in items:
            kind = item.get("type")
            if kind == "ColumnItem":
                for page in item.get("pages", []):
                    _note_page(pages, page, crawl_id)
            elif kind == "ReportItem" and not item.get("pipeline_error"):
                files = tuple(
                    {k: f.get(k) for k in ("url", "role", "store_key", "version", "sha256")}
                    for f in item.get("files", [])
                )
                opened.pop(item["url"], None)
                found[item["url"]] = Checked(
                    url=item["url"],
                    street=item["street"],
                    street_key=item["street_key"],
                    legal_district=item.get("legal_district"),
                    year=item["year"],
                    title=item.get("title", ""),
                    checked_on=_day(item.get("checked_on"), crawl_id),
                    checked_in=crawl_id,
                    list_title=item.get("list_title"),
                    list_date=_list_date(item),
                    files=files,
                    failed=any(_unsettled(f) for f in item.get("files", [])),
                )
            elif kind == "CarriedReport" and item["url"] in found:
                previous = found[item["url"]]
                found[item["url"]] = replace(previous, list_title=item.get("list_title"), list_date=_list_date(item))
            elif kind == "OpenedPage":
                found.pop(item["url"], None)
                opened[item["url"]] = Opened(
                    url=item["url"],
                    checked_on=_day(item.get("checked_on"), crawl_id),
                    verdict=item.get("verdict", ""),
                    list_title=item.get("list_title"),
                    list_date=_list_date(item),
                )
            elif kind == "FetchFailure" and item.get("url") in found:
                found[item["url"]] = replace(found[item["url"]], failed=True)
            elif kind == "FetchFailure" and item.get("url") in opened:
                opened[item["url"]] = replace(opened[item["url"]], failed=True)
    return History(found, pages, opened)


def _unsettled(file: dict[str, Any]) -> bool:
    """A file of a report's check that the next crawl must fetch again: not archived, or archived as served
    but unusable. A link the fetch policy refused (crawler/guard.py) is settled: it is never asked for."""
    error = file.get("error")
    return bool(error) and not str(error).startswith("refused: ")


def _note_page(pages: dict[str, ListChecked], page: dict[str, Any], crawl_id: str) -> None:
    url = page.get("url")
    if not url:
        return
    if page.get("status") is None:  # the fetch failed: fetch it next time
        if url in pages:
            pages[url] = replace(pages[url], failed=True)
        return
    if page.get("status") != 200 or not (page.get("sha256") and page.get("store_key") and page.get("encoding")):
        pages.pop(url, None)  # an error page, a capture not archived or not decoded: nothing to carry
        return
    if page.get("cut_short"):
        pages.pop(url, None)  # a copy that ends before the page does: fetched whole at the next crawl
        return
    pages[url] = ListChecked(
        url=url,
        sha256=page["sha256"],
        store_key=page["store_key"],
        version=page.get("version"),
        fetched_at=page.get("fetched_at") or "",
        checked_on=_day(page.get("checked_on"), crawl_id),
        rows=page.get("rows") or 0,
        encoding=page["encoding"],
    )
