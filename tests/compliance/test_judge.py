"""The compliance engine on hand-made crawl logs, with the clock frozen on both sides of the deadline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from crawler.compliance import Status, judge
from crawler.registry import default_registry
from crawler.store import LocalStore

REGISTRY = default_registry()
DEADLINE_2024 = dt.date(2025, 1, 31)


def column(street: str, ok: bool = True, fetched: str = "2025-02-10T02:00:00Z", **extra: Any) -> dict[str, Any]:
    return {
        "type": "ColumnItem", "portal": "wuchang", "street": street, "street_key": "x", "year": None,
        "column_url": "https://www.wuchang.gov.cn/xxgk/x/zfxxgknb/", "ok": ok, "challenge": False,
        "error": None if ok else "HTTP 404 for …", "discovered": False, "reports": [], "skipped": [],
        "pages": [{"url": "https://www.wuchang.gov.cn/xxgk/x/zfxxgknb/index.html", "status": 200,
                   "fetched_at": fetched, "sha256": "ab" * 32, "store_key": "wuchang/x/_column/index.html",
                   "version": 1, "error": None}],
        **extra,
    }  # fmt: skip


def report(street: str, year: int, page_date: str | None, url_date: str) -> dict[str, Any]:
    return {
        "type": "ReportItem", "portal": "wuchang", "street": street, "street_key": "x", "year": year,
        "url": f"https://www.wuchang.gov.cn/xxgk/x/zfxxgknb/{url_date[:7].replace('-', '')}/t1_1.html",
        "title": f"{street}{year}年政府信息公开工作年度报告", "page_date": page_date, "url_date": url_date,
        "files": [],
    }  # fmt: skip


def store_with(tmp_path: Path, *crawls: list[dict[str, Any]]) -> LocalStore:
    store = LocalStore(tmp_path)
    for n, items in enumerate(crawls):
        body = "\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n"
        store.put(f"_crawls/wuchang/2025020{n + 1}T000000Z.jsonl", body.encode())
    return store


def status_of(statuses: list[Status], street: str, year: int = 2024) -> Status:
    return next(s for s in statuses if s.street == street and s.year == year)


def run(store: LocalStore, today: dt.date) -> list[Status]:
    return judge(REGISTRY, store, today, years=[2024], portals=["wuchang"])


def test_published_reports_on_time_late_premature(tmp_path: Path) -> None:
    store = store_with(tmp_path, [
        column("杨园街道"), report("杨园街道", 2024, "2025-01-31", "2025-02-03"),  # on the deadline day: on time
        column("中南路街道"), report("中南路街道", 2024, "2025-02-01", "2025-02-01"),
        column("粮道街道"), report("粮道街道", 2024, "2025-04-01", "2025-04-01"),
        column("石洞街道"), report("石洞街道", 2024, "2024-12-18", "2025-01-05"),
        column("南湖街道"), report("南湖街道", 2024, None, "2025-02-05"),  # no page date: URL date
    ])  # fmt: skip
    statuses = run(store, dt.date(2025, 11, 1))
    yy = status_of(statuses, "杨园街道")
    assert (yy.status, yy.date_used, yy.date_basis) == ("on_time", dt.date(2025, 1, 31), "page_date")
    late = status_of(statuses, "中南路街道")
    assert (late.status, late.days_late, late.severity) == ("late", 1, "warning")
    very = status_of(statuses, "粮道街道")
    assert (very.status, very.days_late, very.severity) == ("late", 60, "error")
    assert status_of(statuses, "石洞街道").status == "premature"
    by_url = status_of(statuses, "南湖街道")
    assert (by_url.status, by_url.date_basis, by_url.days_late) == ("late", "url_date", 5)
    assert yy.evidence["pages"][0]["sha256"] == "ab" * 32 and (yy.report_url or "").endswith("t1_1.html")


def test_both_sides_of_the_deadline(tmp_path: Path) -> None:
    store = store_with(tmp_path, [column("杨园街道", fetched="2025-01-20T02:00:00Z")],
                       [column("杨园街道", fetched="2025-02-02T02:00:00Z")])  # fmt: skip
    before = status_of(run(store, DEADLINE_2024), "杨园街道")
    assert before.status == "pending" and before.deadline == DEADLINE_2024
    after = status_of(run(store, DEADLINE_2024 + dt.timedelta(days=1)), "杨园街道")
    assert after.status == "missing"
    assert after.evidence["captured_at"] == "2025-02-02T02:00:00Z"
    assert after.evidence["pages"][0]["store_key"] == "wuchang/x/_column/index.html"


def test_absence_is_proven_only_by_a_complete_crawl_after_the_deadline(tmp_path: Path) -> None:
    store = store_with(tmp_path, [column("杨园街道", fetched="2025-01-20T02:00:00Z")])
    stale = status_of(run(store, dt.date(2025, 3, 1)), "杨园街道")
    assert (stale.status, stale.reason) == ("unknown", "not crawled since the deadline passed")


@pytest.mark.parametrize(
    ("items", "reason"),
    [
        ([column("杨园街道", ok=False)], "the column could not be crawled: HTTP 404 for …"),
        ([column("杨园街道", ok=False, challenge=True)], "the column could not be crawled: a challenge page"),
        ([], "the street's column was never crawled"),
        (
            [column("杨园街道"), {"type": "FetchFailure", "portal": "wuchang", "street": "杨园街道",
                                  "street_key": "yyj", "year": 2024, "url": "https://…", "crawl_id": "c",
                                  "error": "HTTP 500"}],
            "a report page was listed but could not be fetched: HTTP 500",
        ),
        (
            [column("杨园街道", reports=[{"street": "杨园街道", "year": 2024, "url": "https://…/t.html"}])],
            "the column lists a report for this year but it was not archived",
        ),
    ],
)  # fmt: skip
def test_a_failed_crawl_is_never_missing(tmp_path: Path, items: list[dict[str, Any]], reason: str) -> None:
    status = status_of(run(store_with(tmp_path, items), dt.date(2025, 6, 1)), "杨园街道")
    assert (status.status, status.reason) == ("unknown", reason)


def test_a_failure_in_an_older_crawl_does_not_outlive_a_newer_complete_crawl(tmp_path: Path) -> None:
    failure = {"type": "FetchFailure", "portal": "wuchang", "street": "杨园街道", "street_key": "yyj", "year": 2024,
               "url": "https://…", "crawl_id": "c", "error": "HTTP 500"}  # fmt: skip
    store = store_with(tmp_path, [column("杨园街道"), failure], [column("杨园街道", fetched="2025-03-01T00:00:00Z")])
    assert status_of(run(store, dt.date(2025, 6, 1)), "杨园街道").status == "missing"


STORE_ERROR = "[Errno 28] No space left on device"


def test_what_was_read_but_not_archived_proves_nothing(tmp_path: Path) -> None:
    refused_column = column("杨园街道", fetched="2025-03-01T00:00:00Z", pipeline_error=STORE_ERROR)
    refused_report = {**report("中南路街道", 2024, "2025-01-10", "2025-01-10"), "pipeline_error": STORE_ERROR}
    listing = [{"street": "中南路街道", "year": 2024, "url": refused_report["url"]}]
    store = store_with(tmp_path, [refused_column, column("中南路街道", reports=listing), refused_report])
    statuses = run(store, dt.date(2025, 6, 1))
    yy = status_of(statuses, "杨园街道")  # without the store's error this column would prove it missing
    assert (yy.status, yy.reason) == (
        "unknown",
        f"the column was read on 2025-03-01 but could not be archived: {STORE_ERROR}",
    )
    assert yy.evidence["unarchived"]["captured_at"] == "2025-03-01T00:00:00Z" and "pages" not in yy.evidence
    zn = status_of(statuses, "中南路街道")  # published on time, but no archived page shows it
    assert (zn.status, zn.reason) == ("unknown", f"a report page was read but could not be archived: {STORE_ERROR}")
    assert zn.evidence["unarchived"]["url"] == refused_report["url"] and zn.report_url is None


def test_archived_evidence_stands_beside_a_later_reading_that_was_not_archived(tmp_path: Path) -> None:
    late_refusal = column("杨园街道", fetched="2025-04-01T00:00:00Z", pipeline_error=STORE_ERROR)
    early_refusal = column("珞珈山街道", fetched="2025-02-05T00:00:00Z", pipeline_error=STORE_ERROR)
    store = store_with(
        tmp_path,
        [column("杨园街道"), early_refusal, {**report("中南路街道", 2024, None, "2025-01-10"), "pipeline_error": "x"}],
        [late_refusal, column("珞珈山街道", fetched="2025-03-01T00:00:00Z"), column("中南路街道"),
         report("中南路街道", 2024, "2025-01-10", "2025-01-10")],
    )  # fmt: skip
    statuses = run(store, dt.date(2025, 6, 1))
    yy = status_of(statuses, "杨园街道")  # the archived capture of 10 February still proves the absence
    assert (yy.status, yy.evidence["captured_at"]) == ("missing", "2025-02-10T02:00:00Z")
    assert status_of(statuses, "珞珈山街道").status == "missing"  # archived again after the refusal
    assert status_of(statuses, "中南路街道").status == "on_time"  # archived on the second crawl


def test_a_report_whose_page_was_archived_before_a_later_pipeline_failed_counts(tmp_path: Path) -> None:
    page = {"url": "https://…/t1_1.html", "role": "page", "store_key": "wuchang/x/2024/page.html", "version": 1}
    catalogue_refused = {**report("杨园街道", 2024, "2025-01-10", "2025-01-10"), "files": [page],
                         "pipeline_error": f"wuchang/x/2024/report.json: {STORE_ERROR}"}  # fmt: skip
    status = status_of(
        run(store_with(tmp_path, [column("杨园街道"), catalogue_refused]), dt.date(2025, 6, 1)), "杨园街道"
    )
    assert (status.status, status.evidence["files"][0]["store_key"]) == ("on_time", "wuchang/x/2024/page.html")


def test_reports_do_not_unpublish_and_unverified_streets_are_unknown(tmp_path: Path) -> None:
    store = store_with(tmp_path, [column("杨园街道"), report("杨园街道", 2024, "2025-01-10", "2025-01-10")],
                       [column("杨园街道", fetched="2025-05-01T00:00:00Z")])  # fmt: skip
    assert status_of(run(store, dt.date(2025, 6, 1)), "杨园街道").status == "on_time"
    statuses = judge(REGISTRY, store, dt.date(2025, 6, 1), years=[2024], portals=["qiaokou"])
    gutian = status_of(statuses, "古田街道")
    assert gutian.status == "unknown" and "never crawled" in gutian.reason


def _with_record(store: LocalStore, key: str, text: str) -> None:
    """Archive ``text`` as a report file and store the record extraction makes of it beside it."""
    from crawler import records
    from crawler.extract import extract

    store.put(key, text.encode("utf-8"))
    records.save_record(store, key, extract(text.encode("utf-8"), filename=key.rsplit("/", 1)[-1]))


def test_the_document_date_is_evidence_and_a_late_one_proves_lateness(tmp_path: Path) -> None:
    """docs/report-format.md §5.4: without a publication date the document date (here 填表时间) is a proxy;
    a late proxy proves lateness, an early one proves nothing."""
    seed = (Path(__file__).parents[1] / "fixtures/seeds/000_5dc0f6ddf6e173eb.txt").read_text(encoding="utf-8")
    late_seed = seed.replace("填表时间: 2022.01.10", "填表时间: 2022.02.14")
    store = LocalStore(tmp_path)
    _with_record(store, "wuchang/sdj/2021/a.txt", seed)
    _with_record(store, "wuchang/yyj/2021/a.txt", late_seed)
    _with_record(store, "wuchang/zyj/2021/a.txt", seed)

    def dated(street: str, key: str, page_date: str | None, url_date: str | None) -> dict[str, Any]:
        item = report(street, 2021, page_date, url_date or "2022-01-01")
        return {**item, "url_date": url_date, "files": [{"url": item["url"], "kind": "page", "store_key": key}]}

    store = store_with(tmp_path, [
        column("石洞街道"), dated("石洞街道", "wuchang/sdj/2021/a.txt", None, None),
        column("杨园街道"), dated("杨园街道", "wuchang/yyj/2021/a.txt", None, None),
        column("中南路街道"), dated("中南路街道", "wuchang/zyj/2021/a.txt", "2022-01-20", "2022-01-20"),
    ])  # fmt: skip
    statuses = judge(REGISTRY, store, dt.date(2022, 11, 1), years=[2021], portals=["wuchang"])
    early = status_of(statuses, "石洞街道", 2021)
    assert (early.status, early.doc_date, early.date_basis) == ("unknown", dt.date(2022, 1, 10), "doc_date")
    assert "does not prove" in early.reason
    late = status_of(statuses, "杨园街道", 2021)
    assert (late.status, late.days_late, late.date_basis) == ("late", 14, "doc_date")
    dated_page = status_of(statuses, "中南路街道", 2021)
    assert (dated_page.status, dated_page.date_basis, dated_page.doc_date) == (
        "on_time",
        "page_date",
        dt.date(2022, 1, 10),
    )


def _listing(rows: int, fetched: str) -> list[dict[str, Any]]:
    page = column("杨园街道")["pages"][0]
    return [{**page, "rows": rows, "fetched_at": fetched}]


def test_a_column_emptied_since_it_listed_rows_proves_no_absence(tmp_path: Path) -> None:
    """Reports never un-publish: a column that listed rows and now lists none was purged, moved or is written by a
    script now. Read whole after the deadline, it still cannot show the report absent: unknown, never missing."""
    before = column("杨园街道", fetched="2024-06-01T02:00:00Z", pages=_listing(12, "2024-06-01T02:00:00Z"))
    emptied = column("杨园街道", pages=_listing(0, "2025-02-10T02:00:00Z"))
    status = status_of(run(store_with(tmp_path, [before], [emptied]), dt.date(2025, 3, 1)), "杨园街道")
    assert (status.status, status.reason) == (
        "unknown",
        "the column listed 12 rows on 2024-06-01 and lists none since 2025-02-10: an emptied column proves no absence",
    )
    # A column that lists fewer rows, or that never listed any, is read as it is.
    fewer = column("杨园街道", pages=_listing(3, "2025-02-10T02:00:00Z"))
    assert status_of(run(store_with(tmp_path / "a", [before], [fewer]), dt.date(2025, 3, 1)), "杨园街道").status == (
        "missing"
    )
    never = column("杨园街道", fetched="2024-06-01T02:00:00Z", pages=_listing(0, "2024-06-01T02:00:00Z"))
    assert status_of(run(store_with(tmp_path / "b", [never], [emptied]), dt.date(2025, 3, 1)), "杨园街道").status == (
        "missing"
    )


def test_a_column_emptied_since_an_incomplete_capture_listed_rows_proves_no_absence(tmp_path: Path) -> None:
    """An earlier capture whose second page failed still read rows on its first: the column had rows."""
    failed_page = {**_listing(0, "2024-06-01T02:00:00Z")[0], "rows": None, "status": 503, "error": "HTTP 503"}
    before = column("杨园街道", ok=False, fetched="2024-06-01T02:00:00Z",
                    pages=[*_listing(10, "2024-06-01T02:00:00Z"), failed_page], incomplete="page 2 failed")  # fmt: skip
    emptied = column("杨园街道", pages=_listing(0, "2025-02-10T02:00:00Z"))
    status = status_of(run(store_with(tmp_path, [before], [emptied]), dt.date(2025, 3, 1)), "杨园街道")
    assert (status.status, status.reason) == (
        "unknown",
        "the column listed 10 rows on 2024-06-01 and lists none since 2025-02-10: an emptied column proves no absence",
    )


def test_a_row_once_listed_for_the_year_and_gone_since_is_never_missing(tmp_path: Path) -> None:
    """A row that claimed the street-year without being read as its report (titled near the statutory name, or
    linked off the portal) in an earlier capture keeps it unknown after the portal dropped it."""
    near = {"url": "https://www.wuchang.gov.cn/xxgk/x/zfxxgknb/202501/t20250120_1.html", "street": "杨园街道",
            "year": 2024, "title": "杨园街道2024年政务公开工作年度报告",
            "reason": "titled unlike the annual report"}  # fmt: skip
    before = column(
        "杨园街道", fetched="2025-01-25T02:00:00Z", skipped=[near], pages=_listing(5, "2025-01-25T02:00:00Z")
    )
    after = column("杨园街道", pages=_listing(4, "2025-02-10T02:00:00Z"))
    status = status_of(run(store_with(tmp_path, [before], [after]), dt.date(2025, 3, 1)), "杨园街道")
    assert status.status == "unknown"
    assert status.reason == (
        "the column lists 「杨园街道2024年政务公开工作年度报告」 for this year, titled unlike the annual report: "
        "to be checked by hand"
    )


def test_an_earlier_capture_that_counted_no_rows_but_listed_reports_had_rows(tmp_path: Path) -> None:
    before = column("杨园街道", fetched="2024-06-01T02:00:00Z",
                    reports=[{"street": "杨园街道", "year": 2023, "url": "https://…/t.html"}])  # fmt: skip
    emptied = column("杨园街道", pages=_listing(0, "2025-02-10T02:00:00Z"))
    status = status_of(run(store_with(tmp_path, [before], [emptied]), dt.date(2025, 3, 1)), "杨园街道")
    assert status.status == "unknown" and "an emptied column proves no absence" in str(status.reason)
