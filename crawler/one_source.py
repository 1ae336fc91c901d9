"""One key, one source: a street-year of the archive has one report page, never two alternating.

A page listed in another street's column, or whose own title names another street, may claim a
street-year. Such a page waits until that street's own column has been walked, and is fetched as the
street's report only if the own column does not list that year; otherwise it is a
:class:`~crawler.items.SourceConflict` (a finding in the crawl log). This module keeps that book for
one crawl; the spider asks it and fetches what it releases.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from crawler.columns import ColumnWalk
from crawler.items import SourceConflict
from crawler.parsers.listing import ListRow
from crawler.parsers.titles import report_year
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
            self.own_listed.setdefault((report.unit.key, report.year), report.row.url)
            yield report

    def must_wait(self, walk: ColumnWalk, unit: Unit, url: str) -> bool:
        """A page that names another street waits for that street's own column (once)."""
        return self.is_cross(walk, unit) and unit.key not in self.own_done and url not in self.released

    def conflict(self, walk: ColumnWalk, row: ListRow, unit: Unit, year: int | None, url: str) -> SourceConflict | None:
        slot = (unit.key, year)
        kept = self.own_listed.get(slot) if self.is_cross(walk, unit) else None
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
