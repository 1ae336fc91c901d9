"""One deadline rule (docs/report-format.md §5): extraction's V07–V10 and `scrapy status` judge dates alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from crawler import records
from crawler.compliance import judge
from crawler.extract import deadline as dl
from crawler.i18n import Text, Translator, _catalog
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


@pytest.mark.parametrize(
    ("page", "label", "url", "listed", "expected"),
    [
        # An update time after the URL date is an edit: the URL date is judged (records archived before
        # the parser set such times aside carry them as page dates).
        (D(2025, 2, 15), "更新时间", D(2025, 1, 26), None,
         (dl.ON_TIME, D(2025, 1, 26), "url_date", "update_after_url_date")),
        (D(2025, 1, 26), "更新时间", D(2025, 1, 26), None, (dl.ON_TIME, D(2025, 1, 26), "page_date", None)),
        (D(2025, 2, 15), "更新时间", None, D(2025, 1, 26), (dl.UNKNOWN, None, None, "update_after_list_date")),
        # Nothing to check it against: an update time proves a report on time, not late.
        (D(2025, 1, 20), "更新时间", None, None, (dl.ON_TIME, D(2025, 1, 20), "page_date", None)),
        (D(2025, 2, 15), "更新时间", None, None, (dl.UNKNOWN, None, None, "update_after_deadline")),
        # Another page date after the URL date is still the page's own date.
        (D(2025, 2, 15), "发布时间", D(2025, 1, 26), None, (dl.LATE_WARNING, D(2025, 2, 15), "page_date", None)),
        # 发文日期 / 成文日期 are document dates: an early one proves nothing, the URL date is preferred.
        (D(2025, 1, 20), "发文日期", None, None, (dl.PROXY_ON_TIME, D(2025, 1, 20), "doc_date", "document_date")),
        (D(2025, 1, 10), "成文日期", D(2025, 3, 10), None,
         (dl.LATE_WARNING, D(2025, 3, 10), "url_date", "document_date")),
    ],
)  # fmt: skip
def test_update_times_and_document_dates_are_not_publication_dates(
    page: D, label: str, url: D | None, listed: D | None, expected: tuple[str, D | None, str | None, str | None]
) -> None:
    verdict = dl.judge_dates(
        2024, page_date=page, url_date=url, doc_date=None, policy=WUHAN, page_date_label=label, list_date=listed
    )
    assert (verdict.status, verdict.date, verdict.basis, verdict.page_date_set_aside) == expected


def test_a_later_signing_date_is_the_stronger_proxy() -> None:
    verdict = dl.judge_dates(
        2024, page_date=D(2025, 2, 3), url_date=None, doc_date=D(2025, 1, 5), page_date_label="发文日期"
    )
    assert (verdict.status, verdict.date, verdict.basis) == (dl.LATE_WARNING, D(2025, 2, 3), "doc_date")


@pytest.mark.parametrize(
    ("page", "url", "status", "gap", "english"),
    [
        # docs/portals.md §1 item 6: the page date is preferred, but a large gap is flagged.
        (D(2025, 1, 20), D(2025, 5, 26), dl.ON_TIME, 126,
         "published 2025-01-20 (page_date); URL date 2025-05-26, 126 days after the page date and 115 days after "
         "the deadline"),
        # Close, but on the other side of the deadline: the verdict rests on the page date alone.
        (D(2025, 1, 30), D(2025, 2, 2), dl.ON_TIME, 3,
         "published 2025-01-30 (page_date); URL date 2025-02-02, 3 days after the page date and 2 days after the "
         "deadline"),
        (D(2025, 2, 10), D(2025, 6, 9), dl.LATE_WARNING, 119,
         "published 2025-02-10 (page_date); URL date 2025-06-09, 119 days after the page date"),
        (D(2025, 3, 20), D(2025, 1, 9), dl.LATE_WARNING, -70,
         "published 2025-03-20 (page_date); URL date 2025-01-09, 70 days before the page date"),
        # 杨园 2025: 公开日期 01-09, URL 01-14 — the usual few days, nothing to flag.
        (D(2025, 1, 9), D(2025, 1, 14), dl.ON_TIME, None, "published 2025-01-09 (page_date)"),
    ],
)  # fmt: skip
def test_a_large_gap_between_the_page_date_and_the_url_date_is_flagged(
    page: D, url: D, status: str, gap: int | None, english: str
) -> None:
    verdict = dl.judge_dates(2024, page_date=page, url_date=url, doc_date=None, policy=WUHAN)
    assert (verdict.status, verdict.date, verdict.basis, verdict.url_gap_days) == (status, page, "page_date", gap)
    reason = dl.gap_reason(Text("published {date} ({basis})", date=page, basis="page_date"), verdict)
    assert reason == english
    for lang in ("zh_CN", "en"):
        translate = Translator(lang, _catalog(lang))
        translate.text(reason)
        assert translate.missing == set(), lang


def test_no_gap_is_flagged_when_the_url_date_is_what_was_judged() -> None:
    verdict = dl.judge_dates(2024, page_date=None, url_date=D(2025, 5, 26), doc_date=D(2025, 1, 2))
    assert (verdict.basis, verdict.url_gap_days, verdict.url_date) == ("url_date", None, None)


def test_the_judge_knows_the_labels_the_parser_gives() -> None:
    from crawler.parsers import detail

    assert (dl.UPDATE_LABEL, dl.DOC_DATE_LABELS) == (detail.UPDATE_LABEL, detail.DOC_DATE_LABELS)
    assert detail.UPDATE_LABEL in detail.DATE_LABELS and set(detail.DOC_DATE_LABELS) <= set(detail.LABELS)
