"""Which rows of a walked column are a street's annual report for a year: one pure rule.

A column lists rows (:class:`~crawler.parsers.listing.ListRow`); :func:`select_reports` decides, for
every row, whether it is refused by the fetch policy (:mod:`crawler.guard`), has a title too cut to
decide (its page is opened to read it), is not an annual report, names no registered street, names
another body (the district, a 局), or is a report of a street-year. Every listed report row is chosen, and
so opened and archived: a column listing two publications of one street-year (the original and a later
更正版 re-post) lists evidence of both, and reports never un-publish (the earliest usable publication is
the one judged, crawler/compliance.py). Only the same URL listed twice is chosen once; a row whose title
names no year is never merged with another (its page gives the year). Of two publications of one
street-year, the later (the higher TRS document id) is the street-year's ``latest``: the one archived
under the report key's own file names (crawler/one_source.py). Nothing is fetched here; the spider
fetches what the selection names. :func:`whose_report` is the one rule for which body a report's title names; the
report page's verdict (crawler/report_page.py) applies it too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from crawler.guard import refusal
from crawler.parsers.listing import ListRow
from crawler.parsers.titles import (
    ends_inside_report_name,
    is_annual_report,
    match_unit,
    might_be_annual_report,
    near_report,
    normalise,
    report_year,
)
from crawler.parsers.urls import doc_id
from crawler.registry import Portal, Unit
from crawler.template import DISTRICT_NAMES


@dataclass(frozen=True)
class Chosen:
    """A row that is ``unit``'s report for ``year`` in this column (year None: the title names none, the
    page will). ``later``: the URL of a later publication of the same street-year in this column (a higher
    document id), so this row is an earlier version of it; None when this row is the latest listed, or its
    title names no year."""

    row: ListRow
    unit: Unit
    year: int | None
    later: str | None = None


@dataclass(frozen=True)
class ToOpen:
    """A row whose list title is cut, missing or near the statutory name and may be a report: its page must tell."""

    row: ListRow
    unit: Unit | None  # the street the cut title names, else the column's own
    why: str = "title cut or missing in the list; page opened to read it"


@dataclass(frozen=True)
class Skipped:
    """A listed row that is not a report candidate, and why (``refused: …`` for the fetch policy)."""

    url: str
    title: str
    reason: str
    # A refused row whose title names a report: the portal lists that street-year's report, so it is
    # unknown, never missing (crawler/compliance.py). Year None: the column's year, if it has one.
    street: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Selection:
    chosen: tuple[Chosen, ...]  # every report row, in list order; a URL listed twice once (its first listing)
    to_open: tuple[ToOpen, ...]
    skipped: tuple[Skipped, ...]  # in list order


def same_or(matched: Unit | None, current: Unit | None) -> Unit | None:
    """The street a title names; the walk's own unit when it is the same street (it may carry a
    discovered code the registry lacks)."""
    if matched is None or (current is not None and matched.name == current.name):
        return current
    return matched


@dataclass(frozen=True)
class Named:
    """Whose report a title is: ``unit``'s, or (``unit`` None) ``other``'s, a body that is no registered
    street (the district, a 局), or nobody's that is known (both None: a per-year column's title naming
    no one)."""

    unit: Unit | None
    other: str | None = None


# Where a title names its body: before 政府信息公开, once the report year is taken out (the year comes
# first in "2025年武昌区政府信息公开…").
_YEAR = re.compile(r"(?:19|20)\d{2}年度?")
_PREFIXES = ("湖北省", "武汉市")
_GOVERNMENT = ("", "人民政府办公室", "人民政府", "政府办公室", "政府办", "政府")
# A department of the district. 办 alone is not enough: a street's own office (城乡工作办事处, 党政办) or a
# short name the registry lacks would otherwise lose its report and become "missing".
_DEPARTMENT = re.compile(r"(?:局|委员会|管委会|委|办公室|政府办)$")
# What names a street, town or community office (XX街道, XX镇党政办), not a department of the district; a
# department's own name may hold 乡 or 村 (城乡建设局, 农业农村局).
_STREET_OFFICE = re.compile(r"街道|办事处|社区|居民|村民|[街镇乡](?:人民政府|政府|党|办|综合)")


# What a disclosure report's title says it is about; the body named before it is the report's author. 政务公开 and
# a bare 信息公开 stand in titles near the statutory name (crawler/parsers/titles.near_report).
_OPENNESS = re.compile("政府信息公开|政务公开|信息公开")


def other_body(title: str, portal: Portal) -> str | None:
    """The body other than a street that ``title`` names as the report's author: the district (or its
    government, 武昌区人民政府办公室), the city, or a department of the district (武昌区教育局); None when
    it names no one, or when what it names could be a street (an unregistered 某某街道 is not decided here).

    Only a title that names such a body and nothing else counts: "武昌区杨园街道2025年…" is the street's
    (its street is found first by :func:`whose_report`), and so is "2025年政府信息公开工作年度报告"."""
    text = normalise(title)
    if not (named := _OPENNESS.search(text)):
        return None
    head = re.sub(r"\W", "", _YEAR.sub("", text[: named.start()])).removesuffix("关于")
    places = _places(portal.name, portal.legal_district)
    rest, named_place = head, False
    for prefix in _PREFIXES:
        if rest.startswith(prefix):
            rest, named_place = rest[len(prefix) :], True
    place = next((p for p in places if rest.startswith(p)), None)
    if place is not None:
        rest, named_place = rest[len(place) :], True
    elif rest.startswith("区"):  # 区教育局: the district's, unnamed
        rest, named_place = rest[1:], True
    if not head or _STREET_OFFICE.search(rest):
        return None
    if named_place and rest in _GOVERNMENT:
        return head
    # Without the district's name, only what no street office is called (a 局, a 管委会).
    if _DEPARTMENT.search(rest) and (named_place or rest.endswith(("局", "委员会", "管委会"))):
        return head
    return None


@functools.cache
def _places(name: str, legal_district: str | None) -> tuple[str, ...]:
    """The district names a title may open with, longest first (so 武昌区 wins over 武昌); once per portal."""
    return tuple(sorted({*DISTRICT_NAMES, name, *((legal_district,) if legal_district else ())}, key=len, reverse=True))


def whose_report(title: str, portal: Portal, own: Unit | None, also: Iterable[str | None] = ()) -> Named:
    """Whose report ``title`` is, in a column of ``own`` (None: a per-year column shared by all streets).

    A registered street named in ``title`` (else in ``also``: the list title, the page's publisher) wins;
    else a title naming another body (:func:`other_body`) is that body's, never the column's street;
    else the title names no one ("2025年政府信息公开工作年度报告") and is the column's own street's."""
    matched = match_unit([title, *also], portal.streets)
    if matched is not None:
        return Named(same_or(matched, own))
    if (other := other_body(title, portal)) is not None:
        return Named(None, other)
    return Named(own)


def not_own(named: Named, own: Unit | None) -> str:
    """Why a title naming no registered street is not the street's report of ``own``'s column."""
    if named.other is not None and own is not None:
        return f"names {named.other}, not {own.name}"
    return "no registered street named"


# A row titled near the statutory name (crawler/parsers/titles.near_report): opened, and its street-year claimed, so
# that a page not titled as the report leaves it unknown (crawler/compliance.py), never missing.
NEAR_MISS = "titled unlike the annual report"


def _claimed(row: ListRow, portal: Portal, own: Unit | None) -> tuple[str | None, int | None]:
    """The street and year a refused or near row's title claims a report of (None, None: not a street's report)."""
    if not (is_annual_report(row.title) or _undecided(row) or near_report(row.title)):
        return None, None
    unit = whose_report(row.title, portal, own).unit
    return (unit.name, report_year(row.title)) if unit is not None else (None, None)


def _undecided(row: ListRow) -> bool:
    """A cut or missing title that might be a report's: only its page can say (opened, never skipped)."""
    cut = row.truncated or not row.title or ends_inside_report_name(row.title)
    return cut and might_be_annual_report(row.title)


def select_reports(rows: tuple[ListRow, ...] | list[ListRow], portal: Portal, own: Unit | None) -> Selection:
    """The report of each street-year among ``rows`` of a column of ``portal`` (``own``: the street whose
    column it is; None for a per-year column shared by all streets)."""
    chosen: dict[str, Chosen] = {}  # by URL: a row listed twice is one report, opened once
    to_open: list[ToOpen] = []
    skipped: list[Skipped] = []
    for row in rows:
        # A row the portal lists but that is not the portal's is evidence of the listing only.
        if reason := refusal(row.url, portal):
            skipped.append(Skipped(row.url, row.title, f"refused: {reason}", *_claimed(row, portal, own)))
            continue
        if not is_annual_report(row.title):
            if _undecided(row):
                to_open.append(ToOpen(row, same_or(match_unit([row.title], portal.streets), own)))
            elif near_report(row.title):
                why = f"{NEAR_MISS}; page opened to read its own title"
                to_open.append(ToOpen(row, same_or(match_unit([row.title], portal.streets), own), why))
                skipped.append(Skipped(row.url, row.title, NEAR_MISS, *_claimed(row, portal, own)))
            elif all(o.row.url != row.url for o in to_open):  # a row listed twice is opened once
                skipped.append(Skipped(row.url, row.title, "not an annual report"))
            continue
        named = whose_report(row.title, portal, own)
        unit = named.unit
        if unit is None:
            skipped.append(Skipped(row.url, row.title, not_own(named, own)))
            continue
        if row.url not in chosen:
            chosen[row.url] = Chosen(row, unit, report_year(row.title))
    return Selection(_with_later(tuple(chosen.values())), tuple(to_open), tuple(skipped))


def _with_later(chosen: tuple[Chosen, ...]) -> tuple[Chosen, ...]:
    """``chosen`` with each earlier publication of a street-year naming the latest (highest document id,
    the first listed of equals); rows without a year are each their own (never grouped)."""
    latest: dict[tuple[str, int], Chosen] = {}
    for report in chosen:
        if report.year is None:
            continue
        slot = (report.unit.key, report.year)
        kept = latest.get(slot)
        if kept is None or (doc_id(report.row.url) or 0) > (doc_id(kept.row.url) or 0):
            latest[slot] = report
    out = []
    for report in chosen:
        kept = latest.get((report.unit.key, report.year)) if report.year is not None else None
        out.append(report if kept is None or kept is report else replace(report, later=kept.row.url))
    return tuple(out)
