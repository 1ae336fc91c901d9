"""One key, one source: a street-year of the archive has one report page, never two alternating.

A page listed in another street's column, or whose own title names another street, may claim a
street-year. Such a page waits until that street's own column has been walked, and is fetched as the
street's report only if the own column does not list that year; otherwise it is a
:class:`~crawler.items.SourceConflict` (a finding in the crawl log). This module keeps that book for
one crawl; the spider asks it and fetches what it releases.

Two publications of one street-year that the street's own column (or a per-year column) lists -- the
original and a later 更正版 re-post -- are no conflict: both are the street's, both are evidence (reports
never un-publish), and both are opened and archived. Only one of them may use the key's own file names
(``page.html``…), or the key would alternate between two pages and every alternation would look like a
silent edit: the street-year's latest listing (crawler/selection.py), else the first archived in the
crawl. Every other version's files are named with a tag of its own (:func:`as_version`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator

from crawler.columns import ColumnWalk
from crawler.items import ReportItem, SourceConflict
from crawler.parsers.listing import ListRow
from crawler.parsers.titles import report_year
from crawler.parsers.urls import doc_id
from crawler.registry import Unit
from crawler.selection import Chosen

logger = logging.getLogger(__name__)

Claim = tuple[ColumnWalk, ListRow, Unit]  # a row of a column that claims ``unit``'s report


class OneSource:
    def __init__(self, portal_id: str, crawl_id: str) -> None:
        self.portal_id, self.crawl_id = portal_id, crawl_id
        # slot (street key, year) → URL the street's own column lists / URL archived as the slot's report
        self.own_listed: dict[tuple[str, int | None], str] = {}
        self.reported: dict[tuple[str, int | None], str] = {}
        self.own_done: set[str] = set()  # streets whose own column is done (or will never come)
        self.waiting: list[Claim] = []  # cross-listed rows waiting for their street's own column
        self.released: set[str] = set()  # report URLs already released once

    @staticmethod
    def is_cross(walk: ColumnWalk, unit: Unit) -> bool:
        """The row or page names another street than the column's own."""
        return walk.unit is not None and unit.key != walk.unit.key

    def admit(self, walk: ColumnWalk, chosen: Iterable[Chosen]) -> Iterator[Chosen]:
        """The reports a column chose that may be fetched now; a row naming another street than the
        column's own waits for that street's own column."""
        for report in chosen:
            if self.is_cross(walk, report.unit):
                self.waiting.append((walk, report.row, report.unit))
                continue
            # The source a cross-listed page conflicts with, and whose files keep the key's own names: the
            # street-year's latest own listing.
            self.own_listed.setdefault((report.unit.key, report.year), report.later or report.row.url)
            yield report

    def must_wait(self, walk: ColumnWalk, unit: Unit, url: str) -> bool:
        """A page that names another street waits for that street's own column (once)."""
        return self.is_cross(walk, unit) and unit.key not in self.own_done and url not in self.released

    def conflict(self, walk: ColumnWalk, row: ListRow, unit: Unit, year: int | None, url: str) -> SourceConflict | None:
        """A page listed in another street's column (or naming another street) that claims a street-year
        whose source is already known; None for a page of the street's own listing (a version, never a
        conflict: :meth:`keep`)."""
        if not self.is_cross(walk, unit):
            return None
        slot = (unit.key, year)
        kept = self.own_listed.get(slot)
        kept = kept if kept not in (None, url) else self.reported.get(slot)
        if kept in (None, url):
            return None
        assert kept is not None
        where = walk.unit.name if walk.unit else f"the {walk.year} column"
        reason = (
            f"{url} (listed in {where}'s column as {row.title!r}) claims {unit.name} {year}, whose source is {kept}"
        )
        logger.warning("%s: one key, one source: %s", self.portal_id, reason)
        return SourceConflict(self.portal_id, unit.name, unit.key, year, url, kept, walk.base, self.crawl_id, reason)

    def keep(self, unit: Unit, year: int | None, listed: str, url: str) -> str | None:
        """Record the page listed at ``listed`` (served at ``url``) as archived for ``unit``'s ``year``: None
        when it is the street-year's source (its files keep the key's own names), else the source's URL:
        the page is another version of the street-year, archived beside it under its own names
        (:func:`as_version`)."""
        slot = (unit.key, year)
        kept = self.own_listed.get(slot) or self.reported.get(slot)
        if kept is None or kept in (listed, url):
            self.reported[slot] = url
            return None
        return kept

    def release(self, *, everything: bool = False) -> Iterator[Claim | SourceConflict]:
        """Cross-listed rows whose street's own column is done (``everything``: all, the crawl is idle),
        each to fetch now, or the conflict it makes."""
        waiting, self.waiting = self.waiting, []
        for walk, row, unit in waiting:
            if not everything and unit.key not in self.own_done:
                self.waiting.append((walk, row, unit))
            elif conflict := self.conflict(walk, row, unit, report_year(row.title), row.url):
                yield conflict
            elif row.url not in self.released:
                self.released.add(row.url)
                yield walk, row, unit


def version_tag(url: str) -> str:
    """A name for one publication of a street-year, stable across crawls: its document id, else a hash of
    its URL."""
    number = doc_id(url)
    return f"v{number}" if number is not None else "v" + hashlib.sha256(url.encode()).hexdigest()[:12]


def as_version(item: ReportItem, kept: str) -> ReportItem:
    """``item``, another publication of a street-year whose source is ``kept``: each of its files named
    with its own tag (``v2518000-page.html``), so the key's own files never alternate between two pages."""
    tag = version_tag(item.url)
    item.version_of = kept
    for record in item.files:
        record.name = f"{tag}-{record.name}"
    item.findings.append(f"another publication of {item.street} {item.year}, archived beside {kept} as {tag}-*")
    return item
