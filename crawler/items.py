"""What spiders hand to pipelines. Plain dataclasses: typed, exportable, and free of bodies in logs.

Bodies travel in fields whose names start with ``_`` (``_body``); the archive pipeline stores them and
drops them, the log formatter never prints them, and ``to_json`` leaves them out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crawler.keys import report_prefix


@dataclass
class FileRecord:
    """One archived file of a report: the detail page itself or an attachment."""

    url: str  # canonical URL
    role: str  # "page" | "attachment"
    kind: str  # "html" | "pdf" | "docx" | "doc" | "wps" | "image" | …
    name: str  # file name within the report's key
    label: str | None = None  # link text on the page
    sha256: str | None = None
    size: int | None = None
    content_type: str | None = None
    store_key: str | None = None
    version: int | None = None
    new_version: bool | None = None  # False: identical to the archived latest version
    fetched_at: str | None = None
    http_status: int | None = None
    last_modified: str | None = None
    etag: str | None = None
    error: str | None = None  # why the file was not archived, or (stored as served) why it is unusable


@dataclass
class ReportItem:
    """One street's annual report of one year, as found on a portal."""

    portal: str
    portal_name: str
    street: str  # registry name, e.g. 杨园街道
    street_key: str  # registry key (folder code, else name)
    legal_district: str | None
    year: int
    title: str
    url: str  # canonical URL of the detail page
    column_url: str
    page_date: dt.date | None
    page_date_label: str | None
    url_date: dt.date | None
    doc_id: int | None
    index_no: str | None
    publisher: str | None
    crawl_id: str
    has_body: bool
    files: list[FileRecord] = field(default_factory=list)
    # What the spider noticed about the page itself (an unreadable title, a malformed attachment link…).
    findings: list[str] = field(default_factory=list)
    # Tiered revalidation (crawler/revalidation.py): the listing row the page was found by, and the crawl's
    # day, so a later crawl knows when this page was last checked and whether its row changed.
    list_title: str | None = None
    list_date: dt.date | None = None
    checked_on: dt.date | None = None
    # The unit's 12-digit NBS code when the registry knows it (config/hubei.yaml).
    nbs: str | None = None
    # Another publication of the street-year (an earlier original beside a 更正版 re-post, crawler/one_source.py):
    # the URL of the street-year's source, whose files keep the key's own names and whose report.json it is.
    version_of: str | None = None
    # The document's own date as the page states it (发文日期, 成文日期: crawler/parsers/detail.py), never its
    # publication date: a proxy for status when the report's text gives no signed date (report_format §5.4).
    issued_date: dt.date | None = None
    issued_date_label: str | None = None
    _body: bytes | None = field(default=None, repr=False)  # the detail page as served
    _body_meta: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def key_prefix(self) -> str:
        return report_prefix(self.portal, self.street_key, self.year)


@dataclass
class CarriedReport:
    """An archived report not fetched again in this crawl (not due, crawler/revalidation.py): what the
    archive holds and when the portal last served it. Not evidence of its own; never archived again."""

    portal: str
    street: str
    street_key: str
    legal_district: str | None
    year: int
    title: str
    url: str
    column_url: str
    crawl_id: str
    checked_on: dt.date  # the day the page was last fetched
    checked_in: str  # the crawl id of that fetch
    reason: str  # why it was not due
    list_title: str | None = None  # the listing row of this crawl (the same as the archived one)
    list_date: dt.date | None = None
    files: list[dict[str, Any]] = field(default_factory=list)  # the archived files: url, role, store_key, version…


@dataclass
class OpenedPage:
    """A listed page opened and found not to be a street's report (a cut or near-miss list title, a page titled as
    the district's report): no evidence of a report, but a check of the page, so that a later crawl asks for it
    again on the rolling window (crawler/revalidation.py), not at every crawl. Never archived."""

    portal: str
    url: str
    crawl_id: str
    checked_on: dt.date  # the crawl's day of the fetch
    verdict: str  # why the page is not a report (crawler/report_page.py)
    list_title: str | None = None  # the listing row that led to it: a changed row makes the page due at once
    list_date: dt.date | None = None


@dataclass
class PageCapture:
    """One list page of a column as fetched (evidence for "no report was there")."""

    url: str
    status: int | None
    fetched_at: str
    rows: int
    sha256: str | None = None
    store_key: str | None = None
    version: int | None = None
    error: str | None = None
    checked_on: dt.date | None = None  # the crawl's day of the fetch (crawler/revalidation.py)
    encoding: str | None = None  # how the page was decoded: a carried copy is read the same way
    # Why the archived bytes are not the whole page (crawler/extract/formats/sniff.cut_short): such a copy is
    # never carried nor revalidated (a 304 would keep it), the next crawl fetches the page whole.
    cut_short: str | None = None
    # Not fetched in this crawl (a later page not due, crawler/revalidation.py): why. The capture named is then
    # the archive's (its store_key, version, sha256 and fetched_at), as the portal served it then.
    carried: str | None = None
    _body: bytes | None = field(default=None, repr=False)


@dataclass
class ColumnItem:
    """The outcome of walking one column: the evidence a compliance judgement rests on."""

    portal: str
    street: str | None  # None for a per-year column shared by all streets
    street_key: str | None
    column_url: str
    year: int | None  # for per-year columns
    crawl_id: str
    ok: bool  # every page of the column was fetched and understood
    error: str | None = None
    # Why the column was fetched but not understood (an unknown pager, a page without rows or a
    # "no content" marker…): its streets and years are unknown, never missing.
    incomplete: str | None = None
    challenge: bool = False
    discovered: bool = False  # the column was found through the portal's navigation
    # A per-year portal's folder next to the years asked (the year before the first, the year after the last, up
    # to the year in progress), walked because a report may be filed there (crawler/columns.py): a 404 of it (a
    # folder not created yet, or never) is no failure of the crawl.
    neighbour: bool = False
    pages: list[PageCapture] = field(default_factory=list)
    # (street_key, year, url, title) of every annual report row the column listed
    reports: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # rows that are not annual reports
    # Rows whose list title cannot decide (cut with "…", or none): their page is opened to read it.
    opened: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FetchFailure:
    """A report page found on a list but not fetched (so its street is unknown, never missing)."""

    portal: str
    street: str
    street_key: str
    year: int | None
    url: str
    crawl_id: str
    error: str
    challenge: bool = False


@dataclass
class SourceConflict:
    """A second source for one report key in one crawl: a finding, never a new version of the key.

    A page listed in another street's column (or whose own title names another street) claims a
    street-year that the street's own column already lists at ``kept``. One key has one source: the
    street's own listing is archived, the other page is recorded here and not fetched (or not stored).
    """

    portal: str
    street: str
    street_key: str
    year: int | None
    url: str  # the other source, not archived under the key
    kept: str  # the source the key keeps: the street's own listing
    listed_in: str  # the column that listed ``url``
    crawl_id: str
    reason: str


def to_json(item: Any) -> dict[str, Any]:
    """A JSON-ready dict of an item, without private (``_``) fields, dates as ISO strings."""

    def convert(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {
                f.name: convert(getattr(value, f.name)) for f in dataclasses.fields(value) if not f.name.startswith("_")
            }
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    result = convert(item)
    result["type"] = type(item).__name__
    return result
