"""One deadline rule (docs/report-format.md §5): extraction's V07–V10 and `scrapy status` judge dates alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crawler import records
from crawler.compliance import judge
from crawler.extract import deadline as dl
from tests.compliance.test_judge import REGISTRY, column, report, status_of, store_with

D = dt.date
WUHAN = dl.DEFAULT_POLICY


@pytest.mark.parametrize(
    ("year", "page", "url", "doc", "expected"),
    [
        (2024, D(2025, 1, 31), None, None, (dl.ON_TIME, D(2025, 1, 31), "page_date", None)),  # the day itself
        (2024, D(2025, 2, 1), D(2025, 1, 2), None, (dl.LATE_WARNING, D(2025, 1, 31), "page_date", "warning")),
        (2024, None, D(2025, 4, 1), None, (dl.LATE_ERROR, D(2025, 1, 31), "url_date", "error")),
        (2024, None, None, D(2025, 1, 10), (dl.PROXY_ON_TIME, D(2025, 1, 31), "doc_date", None)),
        (2024, None, None, D(2025, 3, 1), (dl.LATE_WARNING, D(2025, 1, 31), "doc_date", "warning")),
        (2024, None, None, D(2024, 12, 30), (dl.PREMATURE, D(2025, 1, 31), "doc_date", None)),
        (2024, None, None, None, (dl.UNKNOWN, D(2025, 1, 31), None, None)),
        # Report years ≤ 2018: the old regulation's one date, 31 March; after it late is an error at once.
        (2018, D(2019, 3, 31), None, None, (dl.ON_TIME, D(2019, 3, 31), "page_date", None)),
        (2018, D(2019, 4, 1), None, None, (dl.LATE_ERROR, D(2019, 3, 31), "page_date", "error")),
    ],
)
def test_judge_dates(
    year: int, page: D | None, url: D | None, doc: D | None, expected: tuple[str, D, str | None, str | None]
) -> None:
    verdict = dl.judge_dates(year, page_date=page, url_date=url, doc_date=doc, policy=WUHAN)
    assert (verdict.status, verdict.deadline, verdict.basis, verdict.late_severity) == expected
    assert verdict.date == (page or url or doc)


def test_a_district_policy_moves_both_dates() -> None:
    policy = dl.Policy(d1=(2, 20), d2=(4, 30))
    assert policy.due(2024) == (D(2025, 2, 20), D(2025, 4, 30))
    assert dl.judge_dates(2024, page_date=D(2025, 2, 20), url_date=None, doc_date=None, policy=policy).status == (
        dl.ON_TIME
    )
    late = dl.judge_dates(2024, page_date=D(2025, 4, 30), url_date=None, doc_date=None, policy=policy)
    assert (late.status, late.late_severity) == (dl.LATE_WARNING, "warning")
    assert dl.judge(2024, page_date=D(2025, 2, 1), url_date=None, doc_date=None, district="X", policies={"X": policy})


def test_the_registry_policy_of_a_portal_is_what_status_judges_by() -> None:
    assert records.portal_policy(REGISTRY, REGISTRY.portal("wuchang")).due(2024) == (D(2025, 1, 31), D(2025, 3, 31))


def test_status_judges_a_2018_report_by_the_old_regulations_31_march(tmp_path: Path) -> None:
    """Before, `scrapy status` put 31 January on every year while extraction used 31 March for ≤ 2018."""
    store = store_with(tmp_path, [
        column("杨园街道"), report("杨园街道", 2018, "2019-03-01", "2019-03-01"),
        column("中南路街道"), report("中南路街道", 2018, "2019-04-02", "2019-04-02"),
    ])  # fmt: skip
    statuses = judge(REGISTRY, store, D(2019, 11, 1), years=[2018], portals=["wuchang"])
    on_time = status_of(statuses, "杨园街道", 2018)
    assert (on_time.status, on_time.deadline, on_time.days_late) == ("on_time", D(2019, 3, 31), None)
    late = status_of(statuses, "中南路街道", 2018)
    assert (late.status, late.days_late, late.severity) == ("late", 2, "error")
