"""The publication deadline of a report and its status (docs/report-format.md §5, rules V07–V10).

The one deadline rule of the project: extraction's findings (V07–V10) and the compliance status of
``scrapy status`` (crawler/compliance.py) both judge a report's dates with :func:`judge_dates`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from crawler.i18n import Text

ON_TIME = "on_time"
PROXY_ON_TIME = "proxy_on_time"
LATE_WARNING = "late_warning"
LATE_ERROR = "late_error"
PREMATURE = "premature"
UNKNOWN = "unknown"

# Page-date labels (crawler/parsers/detail.py) whose date is not a publication date. Records archived before
# the parser told them apart carry them as ``page_date_label``; judge_dates reads them for what they are.
UPDATE_LABEL = "更新时间"  # an edit time: the page existed by then, so it bounds publication from above
DOC_DATE_LABELS = ("发文日期", "成文日期")  # the document's issue / signing date: a proxy (§5.4)
# The page date is judged, but the URL date is this far from it: the gap is flagged (docs/portals.md §1 item 6).
GAP_DAYS = 30


@dataclass(frozen=True)
class Policy:
    """The deadlines as (month, day) of the year after the report year. ``d1`` is art. 49's department
    date, applied to street offices (Wuhan practice); ``d2`` the outer statutory date; ``old`` the date of
    the 2008 regulation (report years ≤ 2018). Configurable per district: no Hubei or Wuhan instrument
    fixes a street-office date (§5.7)."""

    d1: tuple[int, int] = (1, 31)
    d2: tuple[int, int] = (3, 31)
    old: tuple[int, int] = (3, 31)

    def due(self, report_year: int) -> tuple[dt.date, dt.date | None]:
        """The deadline of a report of ``report_year`` and, for report years ≥ 2019, the outer date after
        which lateness is an error (report years ≤ 2018 have one date: late is an error at once)."""
        following = report_year + 1
        if report_year >= 2019:
            return dt.date(following, *self.d1), dt.date(following, *self.d2)
        return dt.date(following, *self.old), None


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Deadline:
    deadline: dt.date | None
    status: str
    date: dt.date | None  # the date judged
    basis: str | None  # page_date | url_date | doc_date
    late_severity: Literal["warning", "error"] | None  # V08
    # When the page date was judged and the URL date disagrees with it — more than GAP_DAYS apart, or on
    # the other side of the deadline — the URL date minus the page date, in days (negative: URL date
    # earlier). The verdict stays the page date's (the spec prefers it); the gap is for people to see.
    url_gap_days: int | None = None
    url_date: dt.date | None = None  # the URL date of a flagged gap
    # A page date not judged, and why: "update_after_url_date", "update_after_list_date",
    # "update_after_deadline" (an edit time proves lateness of nothing) or "document_date" (a 发文日期 /
    # 成文日期, judged as a proxy instead).
    page_date_set_aside: str | None = None


def judge(
    report_year: int | None,
    *,
    page_date: dt.date | None,
    url_date: dt.date | None,
    doc_date: dt.date | None,
    district: str | None = None,
    policies: Mapping[str, Policy] | None = None,
    page_date_label: str | None = None,
    list_date: dt.date | None = None,
) -> Deadline:
    """:func:`judge_dates` with the policy of ``district`` (the default one if it has none)."""
    if report_year is None:
        return Deadline(None, UNKNOWN, None, None, None)
    policy = (policies or {}).get(district or "", DEFAULT_POLICY)
    return judge_dates(
        report_year, page_date=page_date, url_date=url_date, doc_date=doc_date, policy=policy,
        page_date_label=page_date_label, list_date=list_date,
    )  # fmt: skip


def judge_dates(
    report_year: int,
    *,
    page_date: dt.date | None,
    url_date: dt.date | None,
    doc_date: dt.date | None,
    policy: Policy = DEFAULT_POLICY,
    page_date_label: str | None = None,
    list_date: dt.date | None = None,
) -> Deadline:
    """The deadline status of a report of ``report_year`` from the dates known about it (§5).

    The page date is used if known, else the URL date, else the document date as a proxy: publication
    cannot precede signing, so a late proxy proves lateness but an early one does not prove punctuality
    (``proxy_on_time``). A date before the report year ended is ``premature`` whatever its basis.

    ``page_date_label`` says what the page date is, when known. A 发文日期 / 成文日期 is a document date:
    judged as a proxy (the later of it and ``doc_date``), not as the page date. An 更新时间 is an edit
    time: the page existed by then, so it is not judged when it is later than the URL date (else the list
    date, ``list_date``), which it then cannot be the publication date of (docs/portals.md §1 item 6: the
    URL date is never earlier than the page date); with neither to check it against, it still proves a
    report on time or premature, but an update time after the deadline proves nothing (the page may have
    been edited after an earlier publication), so it is not judged either. A page date set aside is named
    in ``page_date_set_aside``; the URL date is then the basis (else the proxy, else ``unknown``).

    When the page date is judged and the URL date is far from it or on the other side of the deadline,
    the verdict is still the page date's, and the gap is in ``url_gap_days`` (see :func:`gap_reason`)."""
    d1, d2 = policy.due(report_year)
    set_aside: str | None = None
    if page_date is not None and page_date_label in DOC_DATE_LABELS:
        doc_date = max(doc_date, page_date) if doc_date is not None else page_date
        page_date, set_aside = None, "document_date"
    elif page_date is not None and page_date_label == UPDATE_LABEL:
        if url_date is not None and page_date > url_date:
            page_date, set_aside = None, "update_after_url_date"
        elif url_date is None and list_date is not None and page_date > list_date:
            page_date, set_aside = None, "update_after_list_date"
        elif url_date is None and list_date is None and page_date > d1:
            page_date, set_aside = None, "update_after_deadline"
    if page_date is not None:
        date, basis = page_date, "page_date"
    elif url_date is not None:
        date, basis = url_date, "url_date"
    elif doc_date is not None:
        date, basis = doc_date, "doc_date"
    else:
        return Deadline(d1, UNKNOWN, None, None, None, page_date_set_aside=set_aside)
    gap: int | None = None
    if basis == "page_date" and url_date is not None:
        days = (url_date - date).days
        if abs(days) > GAP_DAYS or (date <= d1) != (url_date <= d1):
            gap = days
    verdict = _verdict(report_year, d1, d2, date, basis)
    return replace(
        verdict, url_gap_days=gap, url_date=url_date if gap is not None else None, page_date_set_aside=set_aside
    )


def _verdict(report_year: int, d1: dt.date, d2: dt.date | None, date: dt.date, basis: str) -> Deadline:
    if date < dt.date(report_year + 1, 1, 1):
        return Deadline(d1, PREMATURE, date, basis, None)
    if date <= d1:
        # A signing date only proves lateness; an early one proves nothing about publication.
        return Deadline(d1, PROXY_ON_TIME if basis == "doc_date" else ON_TIME, date, basis, None)
    if d2 is not None and date <= d2:
        return Deadline(d1, LATE_WARNING, date, basis, "warning")
    return Deadline(d1, LATE_ERROR, date, basis, "error")


def gap_reason(reason: Text, verdict: Deadline) -> Text:
    """``reason`` (the status reason of ``verdict``) with the gap between the page date judged and the URL
    date appended when judge_dates flagged one; else ``reason`` itself."""
    gap, url = verdict.url_gap_days, verdict.url_date
    if gap is None or url is None or verdict.deadline is None:
        return reason
    if gap < 0:
        return Text("{reason}; URL date {url_date}, {days} days before the page date", reason=reason, url_date=url,
                    days=-gap)  # fmt: skip
    if url > verdict.deadline and verdict.date is not None and verdict.date <= verdict.deadline:
        return Text(
            "{reason}; URL date {url_date}, {days} days after the page date and {late} days after the deadline",
            reason=reason, url_date=url, days=gap, late=(url - verdict.deadline).days,
        )  # fmt: skip
    return Text("{reason}; URL date {url_date}, {days} days after the page date", reason=reason, url_date=url, days=gap)
