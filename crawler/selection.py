"""Which rows of a walked column are a street's annual report for a year: one pure rule.

A column lists rows (:class:`~crawler.parsers.listing.ListRow`); :func:`select_reports` decides, for
every row, whether it is refused by the fetch policy (:mod:`crawler.guard`), has a title too cut to
decide (its page is opened to read it), is not an annual report, names no registered street, is
superseded by a later publication of the same street-year (the higher TRS document id wins), or is the
street-year's report. Nothing is fetched here; the spider fetches what the selection names.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.guard import refusal
from crawler.parsers.listing import ListRow
from crawler.parsers.titles import is_annual_report, match_unit, might_be_annual_report, report_year
from crawler.parsers.urls import doc_id
from crawler.registry import Portal, Unit


@dataclass(frozen=True)
class Chosen:
    """The row that is ``unit``'s report for ``year`` in this column."""

    row: ListRow
    unit: Unit
    year: int | None


@dataclass(frozen=True)
class ToOpen:
    """A row whose list title is cut or missing and may be a report: its page must tell."""

    row: ListRow
    unit: Unit | None  # the street the cut title names, else the column's own


@dataclass(frozen=True)
class Skipped:
    """A listed row that is not a report candidate, and why (``refused: …`` for the fetch policy)."""

    url: str
    title: str
    reason: str


@dataclass(frozen=True)
class Selection:
    chosen: tuple[Chosen, ...]  # in the order the column first listed each street-year
    to_open: tuple[ToOpen, ...]
    skipped: tuple[Skipped, ...]  # in list order, a superseded row where it lost


def same_or(matched: Unit | None, current: Unit | None) -> Unit | None:
    """The street a title names; the walk's own unit when it is the same street (it may carry a
    discovered code the registry lacks)."""
    if matched is None or (current is not None and matched.name == current.name):
        return current
    return matched


def select_reports(rows: tuple[ListRow, ...] | list[ListRow], portal: Portal, own: Unit | None) -> Selection:
    """The report of each street-year among ``rows`` of a column of ``portal`` (``own``: the street whose
    column it is; None for a per-year column shared by all streets)."""
    chosen: dict[tuple[str, int | None], Chosen] = {}
    to_open: list[ToOpen] = []
    skipped: list[Skipped] = []
    for row in rows:
        # A row the portal lists but that is not the portal's is evidence of the listing only.
        if reason := refusal(row.url, portal):
            skipped.append(Skipped(row.url, row.title, f"refused: {reason}"))
            continue
        if not is_annual_report(row.title):
            if (row.truncated or not row.title) and might_be_annual_report(row.title):
                to_open.append(ToOpen(row, same_or(match_unit([row.title], portal.streets), own)))
            elif all(o.row.url != row.url for o in to_open):  # a row listed twice is opened once
                skipped.append(Skipped(row.url, row.title, "not an annual report"))
            continue
        unit = same_or(match_unit([row.title], portal.streets), own)
        if unit is None:
            skipped.append(Skipped(row.url, row.title, "no registered street named"))
            continue
        slot = (unit.key, report_year(row.title))
        previous = chosen.get(slot)
        if previous is None or (doc_id(row.url) or 0) > (doc_id(previous.row.url) or 0):
            if previous is not None:
                skipped.append(Skipped(previous.row.url, previous.row.title, f"superseded by {row.url}"))
            chosen[slot] = Chosen(row, unit, slot[1])
        else:
            skipped.append(Skipped(row.url, row.title, f"superseded by {previous.row.url}"))
    return Selection(tuple(chosen.values()), tuple(to_open), tuple(skipped))
