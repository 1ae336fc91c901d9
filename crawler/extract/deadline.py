"""The publication deadline of a report and its status (docs/report-format.md §5, rules V07–V10).

The one deadline rule of the project: extraction's findings (V07–V10) and the compliance status of
``scrapy status`` (crawler/compliance.py) both judge a report's dates with :func:`judge_dates`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

ON_TIME = "on_time"
PROXY_ON_TIME = "proxy_on_time"
LATE_WARNING = "late_warning"
LATE_ERROR = "late_error"
PREMATURE = "premature"
UNKNOWN = "unknown"


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


def judge(
    report_year: int | None,
    *,
    page_date: dt.date | None,
    url_date: dt.date | None,
    doc_date: dt.date | None,
    district: str | None = None,
    policies: Mapping[str, Policy] | None = None,
) -> Deadline:
    """:func:`judge_dates` with the policy of ``district`` (the default one if it has none)."""
    if report_year is None:
        return Deadline(None, UNKNOWN, None, None, None)
    policy = (policies or {}).get(district or "", DEFAULT_POLICY)
    return judge_dates(report_year, page_date=page_date, url_date=url_date, doc_date=doc_date, policy=policy)


def judge_dates(
    report_year: int,
    *,
    page_date: dt.date | None,
    url_date: dt.date | None,
    doc_date: dt.date | None,
    policy: Policy = DEFAULT_POLICY,
) -> Deadline:
    """The deadline status of a report of ``report_year`` from the dates known about it (§5).

    The page date is used if known, else the URL date, else the document date as a proxy: publication
    cannot precede signing, so a late proxy proves lateness but an early one does not prove punctuality
    (``proxy_on_time``). A date before the report year ended is ``premature`` whatever its basis."""
    d1, d2 = policy.due(report_year)
    if page_date is not None:
        date, basis = page_date, "page_date"
    elif url_date is not None:
        date, basis = url_date, "url_date"
    elif doc_date is not None:
        date, basis = doc_date, "doc_date"
    else:
        return Deadline(d1, UNKNOWN, None, None, None)
    if date < dt.date(report_year + 1, 1, 1):
        return Deadline(d1, PREMATURE, date, basis, None)
    if date <= d1:
        # A signing date only proves lateness; an early one proves nothing about publication.
        return Deadline(d1, PROXY_ON_TIME if basis == "doc_date" else ON_TIME, date, basis, None)
    if d2 is not None and date <= d2:
        return Deadline(d1, LATE_WARNING, date, basis, "warning")
    return Deadline(d1, LATE_ERROR, date, basis, "error")
