"""The publication deadline of a report and its status (docs/report-format.md §5, rules V07–V10)."""

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
    policy = (policies or {}).get(district or "", DEFAULT_POLICY)
    if report_year is None:
        return Deadline(None, UNKNOWN, None, None, None)
    following = report_year + 1
    if report_year >= 2019:
        d1 = dt.date(following, *policy.d1)
        d2: dt.date | None = dt.date(following, *policy.d2)
    else:
        d1, d2 = dt.date(following, *policy.old), None
    if page_date is not None:
        date, basis = page_date, "page_date"
    elif url_date is not None:
        date, basis = url_date, "url_date"
    elif doc_date is not None:
        date, basis = doc_date, "doc_date"
    else:
        return Deadline(d1, UNKNOWN, None, None, None)
    if date < dt.date(following, 1, 1):
        return Deadline(d1, PREMATURE, date, basis, None)
    if date <= d1:
        # A signing date only proves lateness; an early one proves nothing about publication.
        return Deadline(d1, PROXY_ON_TIME if basis == "doc_date" else ON_TIME, date, basis, None)
    if d2 is not None and date <= d2:
        return Deadline(d1, LATE_WARNING, date, basis, "warning")
    return Deadline(d1, LATE_ERROR, date, basis, "error")
