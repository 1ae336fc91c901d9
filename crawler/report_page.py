"""What a fetched report page is: the street-year report it says it is, and the files that make it.

:func:`read_report_page` decides from the parsed page (:func:`crawler.parsers.detail.parse_detail`) and
the list row that led to it; :func:`report_item` builds the item the archive pipeline stores. The
page's own title and publisher are the authority; the list title only located the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy.http import Response

from crawler.guard import refusal
from crawler.items import FetchFailure, FileRecord, ReportItem
from crawler.parsers.detail import Detail
from crawler.parsers.listing import ListRow
from crawler.parsers.titles import is_annual_report, report_year
from crawler.parsers.urls import doc_id, file_name
from crawler.registry import Portal, Unit
from crawler.responses import capture_meta
from crawler.selection import not_own, whose_report
from crawler.store.base import safe_name

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportPage:
    """The verdict on one page: a report of ``unit`` for ``year`` when neither ``not_report`` nor
    ``failure`` is set."""

    title: str
    unit: Unit | None
    year: int | None
    findings: tuple[str, ...] = ()
    not_report: str | None = None  # why the page is not a street's report (logged, not evidence)
    failure: str | None = None  # why the page could not be read: its street-year is unknown, never missing


def read_report_page(
    detail: Detail, row: ListRow, unit: Unit | None, column_year: int | None, portal: Portal
) -> ReportPage:
    """The verdict on ``detail``, reached from ``row`` of a column of ``unit`` (or of ``column_year``)."""
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
            failure = f"title unreadable in the list ({row.title!r}) and on the page"
            return ReportPage(title, unit, report_year(row.title) or column_year, failure=failure)
        return ReportPage(title, unit, None, not_report=f"not an annual report after all ({title})")
    # The same rule as the list's (crawler/selection.py): a page titled as the district's or a 局's is
    # not the report of the street whose column listed it, whoever published it.
    named = whose_report(title, portal, unit, also=(detail.title, row.title, detail.publisher))
    year = report_year(title) or report_year(row.title)
    if named.unit is None:
        if named.other is not None and unit is not None:
            return ReportPage(title, None, year, not_report=f"{not_own(named, unit)} ({title})")
        # An opened row of a per-year column: the report of another unit (区政府, a 局).
        return ReportPage(title, None, year, not_report=f"the report of no registered street ({title})")
    unit = named.unit
    if year is None:
        return ReportPage(title, unit, None, failure=f"no report year in title {title!r}")
    findings += [f"{skipped.reason} ({skipped.label or repr(skipped.href)})" for skipped in detail.skipped]
    return ReportPage(title, unit, year, tuple(findings))


def report_files(detail: Detail, url: str, portal: Portal) -> list[FileRecord]:
    """The page, its continuation pages and its attachments, each under a unique file name."""
    files = [FileRecord(url=url, role="page", kind="html", name="page.html")]
    names = {"page.html"}
    # An article split over _1, _2… pages is archived whole: each part is a page of the report.
    for n, part in enumerate(detail.more_pages, 1):
        files.append(FileRecord(url=part, role="page", kind="html", name=f"page_{n}.html"))
        names.add(f"page_{n}.html")
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
        # An attachment off the portal's hosts is recorded with its reason, never fetched (crawler/guard.py).
        if reason := refusal(attachment.url, portal):
            record.error = f"refused: {reason}"
        files.append(record)
    return files


def report_item(
    portal: Portal, page: ReportPage, detail: Detail, response: Response, column_url: str, crawl_id: str
) -> ReportItem:
    assert page.unit is not None and page.year is not None
    return ReportItem(
        portal=portal.id,
        portal_name=portal.name,
        street=page.unit.name,
        street_key=page.unit.key,
        legal_district=portal.legal_district_of(page.unit),
        year=page.year,
        title=page.title,
        url=response.url,
        column_url=column_url,
        page_date=detail.page_date,
        page_date_label=detail.page_date_label,
        url_date=detail.url_date,
        doc_id=doc_id(response.url),
        index_no=detail.index_no,
        publisher=detail.publisher,
        crawl_id=crawl_id,
        has_body=detail.has_body,
        files=report_files(detail, response.url, portal),
        findings=list(page.findings),
        nbs=page.unit.nbs,
        issued_date=detail.doc_date,
        issued_date_label=detail.doc_date_label,
        _body=response.body,
        _body_meta=capture_meta(response),
    )


def fetch_failure(
    portal: Portal, crawl_id: str, unit: Unit | None, year: int | None, url: str, error: str, challenge: bool = False
) -> FetchFailure:
    """A listed page not read. Without a street (a cut title in a per-year column) it concerns every
    street of the column's year; without a year, every year of the street (compliance)."""
    logger.warning("%s: report %s not archived: %s", portal.id, url, error)
    name, key = (unit.name, unit.key) if unit is not None else ("", "")
    return FetchFailure(portal.id, name, key, year, url, crawl_id, error, challenge)
