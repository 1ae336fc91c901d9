"""The tiered revalidation policy (crawler/revalidation.py): pure, so checked on its own here; the crawls
that use it are in tests/test_incremental.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler import revalidation
from crawler.alerts import crawl_health
from crawler.crawllog import encode_line
from crawler.registry import DEFAULT_PATH, RegistryError, default_registry, load_registry
from crawler.revalidation import Checked, due, index, row_changed, scan, slot
from crawler.store import open_store

DAY = dt.date(2026, 3, 2)
URL = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202501/t20250120_1.shtml"


def checked(**kw: Any) -> Checked:
    base: dict[str, Any] = {
        "url": URL,
        "street": "杨园街道",
        "street_key": "yyj",
        "legal_district": None,
        "year": 2024,
        "title": "杨园街道2024年政府信息公开工作年度报告",
        "checked_on": DAY,
        "checked_in": "20260302T060000Z-00000000",
        "list_title": "杨园街道2024年政府信息公开工作年度报告",
        "list_date": dt.date(2025, 1, 20),
        "files": (),
    }
    return Checked(**{**base, **kw})


def test_a_page_never_checked_or_whose_row_changed_is_due_at_once() -> None:
    assert due(URL, None, DAY, 7, row_changed=False).reason == "never checked"
    decision = due(URL, DAY, DAY, 7, row_changed=True)
    assert (decision.due, decision.reason) == (True, "listing row changed")


def test_a_page_whose_last_fetch_failed_is_due_at_the_next_crawl() -> None:
    decision = due(URL, DAY, DAY, 7, row_changed=False, failed=True)
    assert (decision.due, decision.reason) == (True, "the last check failed")
    failure = {"type": "FetchFailure", "url": URL, "street": "杨园街道", "year": 2024, "error": "fetch failed"}
    fetched = {"type": "ReportItem", "url": URL, "street": "杨园街道", "street_key": "yyj", "year": 2024}
    assert index([("20260302T050000Z-aa", [fetched]), ("20260303T050000Z-bb", [failure])])[URL].failed
    assert not index([("20260302T050000Z-aa", [failure, fetched])])[URL].failed


def test_window_zero_revalidates_every_crawl() -> None:
    assert due(URL, DAY, DAY, 0, row_changed=False).due


def test_each_page_is_due_on_exactly_one_day_of_the_window_and_never_later_than_the_window() -> None:
    urls = [f"https://www.wuchang.gov.cn/xxgk/s{i}/t2025_{i}.shtml" for i in range(700)]
    # Checked on DAY: the next seven days each take a share, and every page falls due once.
    days = [DAY + dt.timedelta(days=d) for d in range(1, 8)]
    shares = [sum(due(u, DAY, d, 7, row_changed=False).due for u in urls) for d in days]
    assert shares[6] == 700  # 7 days after the check: all of them, whatever their slot
    firsts = [next(d for d in days if due(u, DAY, d, 7, False).due) for u in urls]
    per_day = [firsts.count(d) for d in days]
    assert sum(per_day) == 700 and all(60 <= n <= 140 for n in per_day), per_day  # spread: ~100 a day
    # Same day as the check: nothing (a second crawl that day asks nothing again).
    assert not any(due(u, DAY, DAY, 7, False).due for u in urls)


def test_the_slot_is_stable_and_within_the_window() -> None:
    assert slot(URL, 7) == slot(URL, 7)
    assert {slot(f"u{i}", 7) for i in range(200)} == set(range(7))
    not_due = due(URL, DAY, DAY + dt.timedelta(days=1), 7, False)
    if (DAY + dt.timedelta(days=1)).toordinal() % 7 != slot(URL, 7):
        assert not not_due.due and not_due.reason == "checked on 2026-03-02, within 7 days"


def test_a_row_changes_with_its_title_or_its_date_and_unknown_rows_never_change() -> None:
    row = checked()
    assert not row_changed("杨园街道2024年政府信息公开工作年度报告", dt.date(2025, 1, 20), row)
    assert row_changed("杨园街道2024年政府信息公开工作年度报告（更正）", dt.date(2025, 1, 20), row)
    assert row_changed("杨园街道2024年政府信息公开工作年度报告", dt.date(2025, 2, 3), row)
    assert not row_changed("anything", None, checked(list_title=None, list_date=None))


def test_the_index_takes_the_last_fetch_and_carries_it_forward() -> None:
    fetched: dict[str, Any] = {
        "type": "ReportItem",
        "url": URL,
        "street": "杨园街道",
        "street_key": "yyj",
        "year": 2024,
        "title": "t",
        "checked_on": "2026-03-02",
        "list_title": "t",
        "list_date": "2025-01-20",
        "files": [{"url": URL, "role": "page", "store_key": "wuchang/yyj/2024/page.html", "version": 1}],
    }
    old = {**fetched, "checked_on": None}  # an older log: the crawl id's day
    carried: dict[str, Any] = {"type": "CarriedReport", "url": URL, "list_title": "t2", "list_date": None}
    logs: list[tuple[str, list[dict[str, Any]]]] = [
        ("20260301T050000Z-aa", [old]),
        ("20260302T050000Z-bb", [fetched]),
        ("20260303T050000Z-cc", [carried]),
    ]
    result = index(logs)[URL]
    assert (result.checked_on, result.checked_in) == (DAY, "20260302T050000Z-bb")  # a carried item is no check
    assert (result.list_title, result.list_date) == ("t2", None)  # …but it carries the row it saw
    assert result.files[0]["store_key"] == "wuchang/yyj/2024/page.html"
    assert index(logs[:1])[URL].checked_on == dt.date(2026, 3, 1)


def test_a_crawl_whose_reports_were_all_carried_is_no_health_problem(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "archive"))
    column = {"type": "ColumnItem", "ok": True, "street": "杨园街道", "column_url": "https://x/"}
    summary = {"type": "CrawlSummary", "finish_reason": "finished"}
    carried = {"type": "CarriedReport", "url": URL, "street": "杨园街道", "year": 2024}
    store.put("_crawls/wuchang/20261203T000000Z-aa.jsonl", encode(column, carried, summary))
    assert crawl_health(store, default_registry(), ["wuchang"]) == []
    store.put("_crawls/wuchang/20261204T000000Z-bb.jsonl", encode(column, summary))  # no report at all: a problem
    [message] = crawl_health(store, default_registry(), ["wuchang"])
    assert "本次抓取未发现任何年报" in message.body  # (zh by default)


def encode(*items: dict[str, Any]) -> bytes:
    return "".join(encode_line(i) for i in items).encode()


def test_a_portals_window_is_a_whole_number_of_days_not_negative(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["portals"]["wuchang"]["revalidate_days"] = -1
    path = tmp_path / "portals.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="revalidate_days"):
        load_registry(path)
    raw["portals"]["wuchang"]["revalidate_days"] = 3
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_registry(path).portal("wuchang").revalidate_days == 3
    assert default_registry().portal("wuchang").revalidate_days is None  # the setting decides


def test_a_list_pages_last_capture_is_kept_and_a_failed_or_error_page_is_never_carried() -> None:
    page = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/index_1.html"
    good = {"url": page, "status": 200, "fetched_at": "2026-03-02T06:00:01Z", "rows": 20, "sha256": "ab" * 32,
            "store_key": "wuchang/yyj/_column/index_1.html", "version": 3, "encoding": "utf-8",
            "checked_on": "2026-03-02"}  # fmt: skip
    column = {"type": "ColumnItem", "pages": [good]}
    carried = {**good, "carried": "checked on 2026-03-02, within 7 days"}  # a later crawl read the same copy
    pages = scan([("20260302T060000Z-aa", [column]), ("20260303T060000Z-bb", [{**column, "pages": [carried]}])]).lists
    last = pages[page]
    assert (last.checked_on, last.version, last.rows, last.encoding, last.failed) == (DAY, 3, 20, "utf-8", False)
    # The next fetch failed (no status): fetched again at the next crawl, never carried meanwhile.
    failed = {"url": page, "status": None, "fetched_at": "2026-03-04T06:00:01Z", "rows": 0, "error": "timeout"}
    pages = scan([("20260302T060000Z-aa", [column]), ("20260304T060000Z-cc", [{**column, "pages": [failed]}])]).lists
    assert pages[page].failed
    assert due(page, pages[page].checked_on, DAY + dt.timedelta(days=3), 7, False, pages[page].failed).due
    # An error page (the column ended in a 503), or a capture that was not decoded as text: nothing to carry.
    for bad in ({**good, "status": 503}, {**good, "encoding": None}, {**good, "store_key": None}):
        history = scan([("20260302T060000Z-aa", [column]), ("20260304T060000Z-cc", [{**column, "pages": [bad]}])])
        assert page not in history.lists


def test_a_list_page_read_before_a_deadline_that_has_passed_is_due_at_once() -> None:
    """A later list page's copy from 26 January cannot show a report absent after the 31 January deadline:
    the first crawl after the deadline reads it again, whatever its day in the window."""
    assert revalidation.last_deadline(dt.date(2025, 2, 1), (1, 31)) == dt.date(2025, 1, 31)
    assert revalidation.last_deadline(dt.date(2025, 1, 31), (1, 31)) == dt.date(2024, 1, 31)
    last = revalidation.ListChecked(
        url="https://www.jiangan.gov.cn/zwgk/ndbg/2024/index_1.shtml", sha256="ab" * 32, store_key="k",
        version=1, fetched_at="2025-01-26T02:00:00Z", checked_on=dt.date(2025, 1, 26), rows=20, encoding="utf-8",
    )  # fmt: skip
    deadline = dt.date(2025, 1, 31)
    before = revalidation.list_page_due(last, dt.date(2025, 1, 30), 7, dt.date(2024, 1, 31))
    assert "deadline" not in before.reason  # read after the last deadline: the window decides
    after = revalidation.list_page_due(last, dt.date(2025, 2, 1), 7, deadline)
    assert after == revalidation.Decision(True, "last read on 2025-01-26, before the deadline 2025-01-31")
    read_after = dataclasses.replace(last, checked_on=dt.date(2025, 2, 1))
    assert "deadline" not in revalidation.list_page_due(read_after, dt.date(2025, 2, 2), 7, deadline).reason
