"""Verdicts an audit found wrong, on hand-made crawl logs shaped as real crawls write them: a page carried from an
older capture, a report listed then withdrawn, an inferred column code, an outage after a complete crawl, ``--today``
in the past, several sightings of one street-year, failures of one crawl, a renamed street, a contested row."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from crawler.compliance import Status, judge
from crawler.registry import default_registry
from crawler.store import LocalStore
from tests.compliance.test_judge import column, report, status_of

REGISTRY = default_registry()
YY = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"


def store_of(tmp_path: Path, crawls: dict[str, list[dict[str, Any]]]) -> LocalStore:
    """A store whose crawl logs are named by their crawl ids (YYYYMMDDTHHMMSSZ: the crawl's day)."""
    store = LocalStore(tmp_path)
    for crawl_id, items in crawls.items():
        body = "\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n"
        store.put(f"_crawls/wuchang/{crawl_id}.jsonl", body.encode())
    return store


def run(store: LocalStore, today: str, year: int = 2024, portal: str = "wuchang") -> list[Status]:
    return judge(REGISTRY, store, dt.date.fromisoformat(today), years=[year], portals=[portal])


def page(url: str, fetched: str, **extra: Any) -> dict[str, Any]:
    return {"url": url, "status": 200, "fetched_at": fetched, "sha256": "cd" * 32, "store_key": None, "version": 1,
            "error": None, **extra}  # fmt: skip


def row(street: str, key: str, year: int | None, url: str, list_date: str = "2025-01-20") -> dict[str, Any]:
    return {"street": street, "street_key": key, "year": year, "url": url,
            "title": f"{street}{year or ''}年政府信息公开工作年度报告", "list_date": list_date}  # fmt: skip


# ---- #2: a column is captured after the deadline only if every page of it was --------------------------------


def test_a_page_carried_from_before_the_deadline_leaves_the_column_unproven(tmp_path: Path) -> None:
    """Tiered revalidation carries page 2 from the capture of 2025-01-26: the column is not crawled completely
    after the deadline, so no missing (audit f_carried)."""
    two_pages = column("杨园街道", pages=[
        page(YY + "index.html", "2025-02-01T02:00:00Z"),
        page(YY + "index_1.html", "2025-01-26T02:00:00Z", carried="checked on 2025-01-26, within 7 days"),
    ])  # fmt: skip
    store = store_of(tmp_path, {"20250201T020000Z": [two_pages]})
    status = status_of(run(store, "2025-02-01"), "杨园街道")
    assert status.status == "unknown"
    assert status.reason == (
        f"not crawled completely since the deadline passed: {YY}index_1.html was last read on 2025-01-26"
    )
    assert status.evidence["captured_at"] == "2025-01-26T02:00:00Z"
    # Once every page has been read after the deadline, the absence is proven.
    fresh = column("杨园街道", fetched="2025-02-02T02:00:00Z", pages=[
        page(YY + "index.html", "2025-02-02T02:00:00Z"), page(YY + "index_1.html", "2025-02-02T02:00:01Z"),
    ])  # fmt: skip
    store = store_of(tmp_path, {"20250202T020000Z": [fresh]})
    assert status_of(run(store, "2025-02-02"), "杨园街道").status == "missing"


# ---- #3: once listed, never missing ------------------------------------------------------------------------------


def test_a_report_listed_once_and_withdrawn_since_is_unknown_not_missing(tmp_path: Path) -> None:
    url = YY + "202501/t20250120_2518000.html"
    listed = column("杨园街道", fetched="2025-01-22T02:00:00Z", reports=[row("杨园街道", "yyj", 2024, url)])
    failure = {"type": "FetchFailure", "portal": "wuchang", "street": "杨园街道", "street_key": "yyj", "year": 2024,
               "url": url, "error": "HTTP 404"}  # fmt: skip
    store = store_of(tmp_path, {
        "20250122T020000Z": [listed, failure],
        "20250210T020000Z": [column("杨园街道", fetched="2025-02-10T02:00:00Z")],  # the portal dropped it
    })  # fmt: skip
    status = status_of(run(store, "2025-02-10"), "杨园街道")
    assert status.status == "unknown"
    assert status.reason == (
        "a report was listed in https://www.wuchang.gov.cn/xxgk/x/zfxxgknb/ on 2025-01-22 (list date 2025-01-20) "
        "but its page was never read"
    )
    assert [r["url"] for r in status.evidence["listed_before"]] == [url]


# ---- #5: an inferred column code proves nothing until its column has held the street's reports -------------------


def test_an_empty_column_at_an_inferred_code_is_not_evidence_of_absence(tmp_path: Path) -> None:
    sd = "https://www.wuchang.gov.cn/xxgk/sdj/zfxxgknb/"
    empty = {**column("石洞街道"), "street_key": "sdj", "column_url": sd}
    store = store_of(tmp_path, {"20250210T020000Z": [empty]})
    status = status_of(run(store, "2025-02-10"), "石洞街道")
    assert (status.status, status.reason) == (
        "unknown",
        "no report, but the street's column code is inferred in the registry and its column never listed the street",
    )
    # Once the column has held the street's own report (2023), its emptiness for 2024 is evidence.
    own = {**report("石洞街道", 2023, "2024-01-12", "2024-01-12"), "street_key": "sdj", "column_url": sd}
    store = store_of(tmp_path, {"20240201T020000Z": [{**empty, "pages": [page(sd, "2024-02-01T02:00:00Z")]}, own],
                                "20250210T020000Z": [empty]})  # fmt: skip
    assert status_of(run(store, "2025-02-10"), "石洞街道").status == "missing"


def test_an_empty_column_at_an_inferred_column_url_is_not_evidence_of_absence(tmp_path: Path) -> None:
    """积玉桥's folder code jyqj is seen, its report column xxgk/jyqj/zfxxgknb/ only follows the pattern
    (``column_status: inferred``): the same doubt as an inferred code, the same test."""
    jy = "https://www.wuchang.gov.cn/xxgk/jyqj/zfxxgknb/"
    empty = {**column("积玉桥街道"), "street_key": "jyqj", "column_url": jy}
    status = status_of(run(store_of(tmp_path, {"20250210T020000Z": [empty]}), "2025-02-10"), "积玉桥街道")
    assert (status.status, status.reason) == (
        "unknown", "no report, but the street's column URL is inferred in the registry and never listed the street"
    )  # fmt: skip
    own = {**report("积玉桥街道", 2023, "2024-01-12", "2024-01-12"), "street_key": "jyqj", "column_url": jy}
    store = store_of(tmp_path / "b", {"20240201T020000Z": [{**empty, "pages": [page(jy, "2024-02-01T02:00:00Z")]}, own],
                                      "20250210T020000Z": [empty]})  # fmt: skip
    assert status_of(run(store, "2025-02-10"), "积玉桥街道").status == "missing"


# ---- #16: an outage after a complete crawl; --today judges as of that day ---------------------------------------


def test_an_outage_after_a_complete_crawl_keeps_the_proven_absence(tmp_path: Path) -> None:
    down = column("杨园街道", ok=False, fetched="2025-03-01T02:00:00Z", error="fetch failed: TimeoutError()")
    store = store_of(tmp_path, {"20250210T020000Z": [column("杨园街道", fetched="2025-02-10T02:00:00Z")],
                                "20250301T020000Z": [down]})  # fmt: skip
    status = status_of(run(store, "2025-03-02"), "杨园街道")
    assert status.status == "missing"
    assert status.reason == (
        "deadline 2025-01-31 passed; the complete crawl of 2025-02-10 lists no report; "
        "that of 2025-03-01 failed: fetch failed: TimeoutError()"
    )
    assert status.evidence["captured_at"] == "2025-02-10T02:00:00Z"
    assert status.evidence["newest_crawl"]["error"] == "fetch failed: TimeoutError()"


def test_an_older_complete_crawl_never_outweighs_a_newer_one_that_lists_the_report(tmp_path: Path) -> None:
    url = YY + "202502/t20250215_2520000.html"
    partial = column("杨园街道", ok=False, fetched="2025-03-01T02:00:00Z", error="HTTP 500 for page 2",
                     reports=[row("杨园街道", "yyj", 2024, url, "2025-02-15")])  # fmt: skip
    store = store_of(tmp_path, {"20250210T020000Z": [column("杨园街道", fetched="2025-02-10T02:00:00Z")],
                                "20250301T020000Z": [partial]})  # fmt: skip
    status = status_of(run(store, "2025-03-02"), "杨园街道")
    assert status.status == "unknown" and "2025-02-15" in status.reason


def test_today_in_the_past_does_not_count_a_publication_read_and_dated_later(tmp_path: Path) -> None:
    store = store_of(tmp_path, {
        "20250110T020000Z": [column("杨园街道", fetched="2025-01-10T02:00:00Z")],
        "20250402T020000Z": [column("杨园街道", fetched="2025-04-02T02:00:00Z"),
                             report("杨园街道", 2024, "2025-04-01", "2025-04-01")],
    })  # fmt: skip
    before = status_of(run(store, "2025-01-15"), "杨园街道")
    assert (before.status, before.days_late, before.reason) == ("pending", None, "not published yet; due by 2025-01-31")
    after = status_of(run(store, "2025-03-01"), "杨园街道")
    assert after.status == "missing" and after.reason == (
        "deadline 2025-01-31 passed; as of 2025-03-01 no report was published (the one found was published 2025-04-01)"
    )
    now = status_of(run(store, "2025-06-01"), "杨园街道")
    assert (now.status, now.days_late) == ("late", 60)


# ---- #11: the earliest usable publication among every sighting still attributed to the year ------------------------


def sighting(doc: int, page_date: str, *, year: int = 2024, title_year: int | None = None, **extra: Any) -> dict:
    url_date = page_date
    return {"type": "ReportItem", "portal": "wuchang", "street": "杨园街道", "street_key": "yyj", "year": year,
            "url": f"{YY}{url_date[:7].replace('-', '')}/t{url_date.replace('-', '')}_{doc}.html",
            "title": f"杨园街道{title_year or year}年政府信息公开工作年度报告", "page_date": page_date,
            "url_date": url_date, "files": [], **extra}  # fmt: skip


def test_a_year_corrected_in_a_title_no_longer_pins_the_wrong_year(tmp_path: Path) -> None:
    """The 2024 report first titled 2025 (then corrected at the same URL) does not make 2025 premature; the real
    2025 report decides (audit f_pinned)."""
    first = sighting(2518000, "2025-01-20", year=2025)
    store = store_of(tmp_path, {
        "20250210T020000Z": [column("杨园街道", fetched="2025-02-10T02:00:00Z"), first],
        "20260210T020000Z": [column("杨园街道", fetched="2026-02-10T02:00:00Z"), {**first, "year": 2024},
                             sighting(2712000, "2026-01-15", year=2025)],
    })  # fmt: skip
    y2024, y2025 = (
        status_of(run(store, "2026-06-01", 2024), "杨园街道", 2024),
        status_of(run(store, "2026-06-01", 2025), "杨园街道", 2025),
    )
    assert (y2024.status, y2024.date_used) == ("on_time", dt.date(2025, 1, 20))
    assert (y2025.status, y2025.date_used) == ("on_time", dt.date(2026, 1, 15))
    assert (y2025.report_url or "").endswith("t20260115_2712000.html")


def test_a_withdrawn_premature_draft_does_not_outweigh_the_report_on_time(tmp_path: Path) -> None:
    store = store_of(tmp_path, {
        "20241228T020000Z": [column("杨园街道", fetched="2024-12-28T02:00:00Z"), sighting(2500000, "2024-12-25")],
        "20250205T020000Z": [column("杨园街道", fetched="2025-02-05T02:00:00Z"), sighting(2516000, "2025-01-10")],
    })  # fmt: skip
    status = status_of(run(store, "2025-06-01"), "杨园街道")
    assert (status.status, status.date_used) == ("on_time", dt.date(2025, 1, 10))
    assert [o["status"] for o in status.evidence["other_reports"]] == ["premature"]


def test_a_first_read_without_text_is_superseded_by_a_full_read(tmp_path: Path) -> None:
    store = store_of(tmp_path, {
        "20250120T020000Z": [column("杨园街道", fetched="2025-01-20T02:00:00Z"),
                             sighting(2518000, "2025-01-20", has_body=False)],
        "20250205T020000Z": [column("杨园街道", fetched="2025-02-05T02:00:00Z"), sighting(2518000, "2025-01-20")],
    })  # fmt: skip
    status = status_of(run(store, "2025-06-01"), "杨园街道")
    assert (status.status, status.reason) == ("on_time", "published 2025-01-20 (page_date)")


def test_an_original_and_its_corrected_repost_are_judged_by_the_earliest_publication(tmp_path: Path) -> None:
    """Audit #1: a 更正版 re-post listed beside the original: the original's publication decides."""
    store = store_of(tmp_path, {
        "20250420T020000Z": [column("杨园街道", fetched="2025-04-20T02:00:00Z"),
                             sighting(2600000, "2025-04-26"), sighting(2518000, "2025-01-20")],
    })  # fmt: skip
    status = status_of(run(store, "2025-06-01"), "杨园街道")
    assert (status.status, status.date_used) == ("on_time", dt.date(2025, 1, 20))
    # An undated original may have been on time: the late re-post alone does not decide.
    undated = {**sighting(2518000, "2025-01-20"), "page_date": None, "url_date": None}
    store = store_of(tmp_path / "b", {
        "20250420T020000Z": [column("杨园街道", fetched="2025-04-20T02:00:00Z"), sighting(2600000, "2025-04-26"),
                             undated],
    })  # fmt: skip
    assert status_of(run(store, "2025-06-01"), "杨园街道").status == "unknown"


# ---- #12: every failure of the evidence crawl counts ------------------------------------------------------------


def test_an_older_failure_does_not_hide_the_newest_crawls_failure(tmp_path: Path) -> None:
    url = YY + "202501/t20250120_2518000.html"

    def failure(year: int | None) -> dict[str, Any]:
        return {"type": "FetchFailure", "portal": "wuchang", "street": "杨园街道", "street_key": "yyj", "year": year,
                "url": url, "error": "HTTP 500" if year else "HTTP 502"}  # fmt: skip

    newest = column("杨园街道", fetched="2025-02-10T02:00:00Z", reports=[row("杨园街道", "yyj", None, url)])
    store = store_of(tmp_path, {
        "20250122T020000Z": [column("杨园街道", fetched="2025-01-22T02:00:00Z"), failure(2024)],
        "20250210T020000Z": [newest, failure(None)],
    })  # fmt: skip
    status = status_of(run(store, "2025-02-10"), "杨园街道")
    assert (status.status, status.reason) == ("unknown", "a report page was listed but could not be fetched: HTTP 502")


# ---- #9: a renamed street keeps what was archived under its former name -------------------------------------------


def test_a_report_archived_under_the_streets_former_name_still_counts(tmp_path: Path) -> None:
    """粮道街道 (code laj) was 粮道街街道 in the registry when its 2023 report was archived."""
    old_name = {**report("粮道街街道", 2023, "2024-01-12", "2024-01-12"), "street_key": "laj"}
    store = store_of(tmp_path, {
        "20240201T020000Z": [{**column("粮道街街道", fetched="2024-02-01T02:00:00Z"), "street_key": "laj"}, old_name],
        "20250301T020000Z": [{**column("粮道街道", fetched="2025-03-01T02:00:00Z"), "street_key": "laj"}],
    })  # fmt: skip
    status = status_of(run(store, "2025-06-01", 2023), "粮道街道", 2023)
    assert (status.status, status.date_used) == ("on_time", dt.date(2024, 1, 12))
    # By an alias alone (no code in the item): the same.
    by_alias = {**old_name, "street_key": "粮道街街道"}
    store = store_of(
        tmp_path / "b", {"20240201T020000Z": [column("粮道街街道", fetched="2024-02-01T02:00:00Z"), by_alias]}
    )
    assert status_of(run(store, "2025-06-01", 2023), "粮道街道", 2023).status == "on_time"


# ---- #4: a contested row in the street's own column -------------------------------------------------------------


def test_a_row_another_street_claims_in_the_streets_own_column_is_contested(tmp_path: Path) -> None:
    url, kept = YY + "202501/t20250120_2518000.html", "https://www.wuchang.gov.cn/xxgk/znlj/zfxxgknb/t2.html"
    own = {**column("杨园街道"), "street_key": "yyj", "column_url": YY,
           "reports": [row("中南路街道", "znlj", 2024, url)]}  # fmt: skip
    title = "中南路街道2024年政府信息公开工作年度报告"
    why = f"{url} (listed in 杨园街道's column as '{title}') claims 中南路街道 2024, whose source is {kept}"
    conflict = {"type": "SourceConflict", "portal": "wuchang", "street": "中南路街道", "street_key": "znlj",
                "year": 2024, "url": url, "kept": kept, "listed_in": YY, "reason": why}  # fmt: skip
    store = store_of(tmp_path, {"20250210T020000Z": [own, conflict]})
    status = status_of(run(store, "2025-02-10"), "杨园街道")
    assert (status.status, status.reason) == ("unknown", f"contested: {why}")
    assert status.evidence["contested"]["conflicts"][0]["kept"] == kept
    # Without the conflict item (a log that names none), the cross-claimed row alone makes it contested.
    store = store_of(tmp_path / "b", {"20250210T020000Z": [own]})
    status = status_of(run(store, "2025-02-10"), "杨园街道")
    assert status.status == "unknown" and status.reason.startswith(f"contested: the street's column lists {url}")


# ---- the page's dates: a far URL date is said, an issue date is a proxy, an edit time is no publication --------


def test_a_backdated_page_is_on_time_and_its_far_url_date_is_said(tmp_path: Path) -> None:
    store = store_of(tmp_path, {"20250601T020000Z": [
        column("杨园街道", fetched="2025-06-01T02:00:00Z"), report("杨园街道", 2024, "2025-01-20", "2025-05-26"),
    ]})  # fmt: skip
    status = status_of(run(store, "2025-06-01"), "杨园街道")
    assert status.status == "on_time" and status.evidence["url_gap_days"] == 126
    assert status.reason == (
        "published 2025-01-20 (page_date); URL date 2025-05-26, 126 days after the page date "
        "and 115 days after the deadline"
    )


def test_the_issue_date_a_page_states_is_a_proxy_when_the_text_gives_none(tmp_path: Path) -> None:
    # No page date and no date in the URL: the 发文日期 of the page is all there is, and it is late.
    late = {**report("杨园街道", 2024, None, "2025-01-26"), "url_date": None, "issued_date": "2025-03-03",
            "issued_date_label": "发文日期"}  # fmt: skip
    store = store_of(tmp_path, {"20250601T020000Z": [column("杨园街道", fetched="2025-06-01T02:00:00Z"), late]})
    status = status_of(run(store, "2025-06-01"), "杨园街道")
    assert (status.status, status.date_basis, status.date_used) == ("late", "doc_date", dt.date(2025, 3, 3))


def test_an_edit_time_after_the_url_date_is_not_the_publication_date(tmp_path: Path) -> None:
    edited = {**report("杨园街道", 2024, "2025-02-15", "2025-01-26"), "page_date_label": "更新时间"}
    store = store_of(tmp_path, {"20250601T020000Z": [column("杨园街道", fetched="2025-06-01T02:00:00Z"), edited]})
    status = status_of(run(store, "2025-06-01"), "杨园街道")
    assert (status.status, status.date_basis, status.date_used) == ("on_time", "url_date", dt.date(2025, 1, 26))


# ---- #7: a street created after 2019 ----------------------------------------------------------------------------


def _judge_years(store: LocalStore, today: str, years: list[int], registry: Any = REGISTRY) -> dict[int, Status]:
    statuses = judge(registry, store, dt.date.fromisoformat(today), years=years, portals=["wuchang"])
    return {s.year: s for s in statuses if s.street == "杨园街道"}


def test_a_street_is_not_missing_in_years_before_it_is_known_to_exist(tmp_path: Path) -> None:
    """塔子湖街道 was created after 2019 (docs/portals.md §9): its first report is for 2021, so nothing shows
    it owed one for 2019 or 2020 (audit f_new_street). After its first report, an absence is missing."""
    store = store_of(tmp_path, {"20250210T020000Z": [
        column("杨园街道"), report("杨园街道", 2021, "2022-01-21", "2022-01-21"),
    ]})  # fmt: skip
    got = _judge_years(store, "2025-02-10", [2019, 2020, 2021, 2022, 2024])
    assert got[2019].status == got[2020].status == "unknown"
    assert got[2019].reason == (
        "no report, and nothing shows the street existed in 2019: its first report seen is for 2021"
    )
    assert got[2021].status == "on_time"
    assert got[2022].status == got[2024].status == "missing"
    # A street never seen: the report year just ended is still owed (the street exists now), earlier ones unproven.
    empty = store_of(tmp_path / "empty", {"20250210T020000Z": [column("杨园街道")]})
    got = _judge_years(empty, "2025-02-10", [2022, 2023, 2024])
    assert [got[y].status for y in (2022, 2023, 2024)] == ["unknown", "unknown", "missing"]
    assert "no report of it was ever seen" in got[2022].reason


def test_the_registry_says_which_years_a_street_owes(tmp_path: Path) -> None:
    """``since``/``until`` in config/portals.yaml: a year before ``since`` is not judged at all (unless a report of
    it was seen anyway), and ``since`` proves the street existed from that year on."""
    portal = REGISTRY.portals["wuchang"]
    yyj = portal.unit("yyj").model_copy(update={"since": 2020, "until": 2023})
    streets = tuple(yyj if u.key == "yyj" else u for u in portal.streets)
    registry = REGISTRY.model_copy(update={"portals": {"wuchang": portal.model_copy(update={"streets": streets})}})
    store = store_of(tmp_path, {"20250210T020000Z": [column("杨园街道")]})
    got = _judge_years(store, "2025-02-10", [2019, 2020, 2023, 2024], registry)
    assert sorted(got) == [2020, 2023]
    assert got[2020].status == got[2023].status == "missing"
    seen_anyway = store_of(tmp_path / "b", {"20250210T020000Z": [
        column("杨园街道"), report("杨园街道", 2019, "2020-01-20", "2020-01-20"),
    ]})  # fmt: skip
    assert _judge_years(seen_anyway, "2025-02-10", [2019], registry)[2019].status == "on_time"


# ---- #8: a per-year portal may file a report in the folder of the year it was published ---------------------------

KFQ = "https://www.whkfq.gov.cn/xxgk/zfxxgkndbg/{}/jdbsc/"


def folder(year: int, fetched: str = "2025-02-10T02:00:00Z", status: int = 200, **extra: Any) -> dict[str, Any]:
    ok = status == 200
    return {
        "type": "ColumnItem", "portal": "whkfq", "street": None, "street_key": None, "year": year,
        "column_url": KFQ.format(year), "ok": ok, "challenge": False, "discovered": False, "reports": [],
        "skipped": [], "error": None if ok else f"HTTP {status} for {KFQ.format(year)}index.html",
        "pages": [page(KFQ.format(year) + "index.html", fetched, status=status)], **extra,
    }  # fmt: skip


def kfq_status(tmp_path: Path, *items: dict[str, Any]) -> Status:
    store = LocalStore(tmp_path)
    body = "\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n"
    store.put("_crawls/whkfq/20250210T020000Z.jsonl", body.encode())
    return status_of(run(store, "2025-02-10", portal="whkfq"), "沌口街道")


def test_a_per_year_absence_needs_the_next_years_folder_read_too(tmp_path: Path) -> None:
    """Folder 2024 read after the deadline and empty: 沌口's 2024 report may sit in folder 2025 (audit
    f_year_folder), so the absence is proven only once that folder was read too, or answered that it does not
    exist."""
    unread = kfq_status(tmp_path / "a", folder(2023), folder(2024))
    assert (unread.status, unread.reason) == (
        "unknown",
        "the 2025 folder, where a 2024 report may be filed, was not read completely since the deadline passed",
    )
    before = kfq_status(
        tmp_path / "b", folder(2023), folder(2024), folder(2025, "2025-01-20T02:00:00Z", neighbour=True)
    )
    assert before.status == "unknown"
    after = folder(2025, neighbour=True)
    assert kfq_status(tmp_path / "c", folder(2023), folder(2024), after).status == "missing"
    assert kfq_status(tmp_path / "d", folder(2023), folder(2024), folder(2025, status=404, neighbour=True)).status == (
        "missing"
    )
    assert kfq_status(tmp_path / "e", folder(2023), folder(2024), folder(2025, status=503, neighbour=True)).status == (
        "unknown"
    )
    # 黄石 files a report in the folder of the year before (audit2 f_prev_year_folder): that one is needed too.
    no_before = kfq_status(tmp_path / "f", folder(2024), after)
    assert (no_before.status, no_before.reason) == (
        "unknown",
        "the 2023 folder, where a 2024 report may be filed, was not read completely since the deadline passed",
    )
    failed_before = kfq_status(tmp_path / "g", folder(2023, status=500), folder(2024), after)
    assert failed_before.status == "unknown"


def test_the_folder_of_the_year_in_progress_not_created_yet_is_no_crawl_problem(tmp_path: Path) -> None:
    from crawler.alerts import crawl_health

    found = {"type": "ReportItem", "portal": "whkfq", "street": "沌口街道", "street_key": "沌口街道", "year": 2024,
             "url": KFQ.format(2024) + "202501/t20250117_2519642.html", "files": []}  # fmt: skip
    done = {"type": "CrawlSummary", "finish_reason": "finished"}

    def health(name: str, near: dict[str, Any]) -> list[str]:
        store = LocalStore(tmp_path / name)
        body = "\n".join(json.dumps(i, ensure_ascii=False) for i in (folder(2024), found, near, done)) + "\n"
        store.put("_crawls/whkfq/20250210T020000Z.jsonl", body.encode())
        return [m.body for m in crawl_health(store, REGISTRY, ["whkfq"])]

    assert health("404", folder(2025, status=404, neighbour=True)) == []
    [problem] = health("503", folder(2025, status=503, neighbour=True))
    assert f"HTTP 503 for {KFQ.format(2025)}index.html" in problem
    # A year asked for whose folder answers 404 is a problem: its URL may be wrong.
    assert len(health("asked", folder(2025, status=404))) == 1


def test_the_records_of_a_page_sighted_by_every_crawl_are_read_once(tmp_path: Path, monkeypatch: Any) -> None:
    """A daily crawl sights the same report page each day: its files' records (GETs on S3) are read once."""
    from crawler import records

    reads: list[str] = []
    real = records.load_record

    def counted(store: Any, key: str, **kw: Any) -> Any:
        reads.append(key)
        return real(store, key, **kw)

    monkeypatch.setattr(records, "load_record", counted)
    files = [{"url": YY + "p.html", "role": "page", "store_key": "wuchang/yyj/2024/page.html", "version": 1}]
    sighting = {**report("杨园街道", 2024, "2025-01-20", "2025-01-20"), "files": files}
    crawls = {f"202502{d:02d}T020000Z": [column("杨园街道", fetched=f"2025-02-{d:02d}T02:00:00Z"), sighting]
              for d in range(1, 11)}  # fmt: skip
    assert status_of(run(store_of(tmp_path, crawls), "2025-02-10"), "杨园街道").status == "on_time"
    assert reads == ["wuchang/yyj/2024/page.html"]


def test_a_report_that_is_only_an_attachment_never_archived_is_not_judged(tmp_path: Path) -> None:
    """The page is only a link to the report's PDF, which answered 404 (audit2 f_attachment_unread): the report
    was never read, so its page date proves nothing; once a crawl archives the PDF, it is judged."""
    page_file = {"url": YY + "202501/t20250120_2518000.html", "role": "page", "store_key": "wuchang/yyj/2024/page.html"}
    pdf = {"url": YY + "202501/P0202501201.pdf", "role": "attachment", "store_key": None,
           "error": "FileException: HTTP 404"}  # fmt: skip
    only_link = {**report("杨园街道", 2024, "2025-01-20", "2025-01-20"), "has_body": False, "files": [page_file, pdf]}
    store = store_of(tmp_path, {"20250210T020000Z": [column("杨园街道"), only_link]})
    status = status_of(run(store, "2025-02-10"), "杨园街道")
    assert (status.status, status.reason) == (
        "unknown",
        "a report page was found but its text is only in attachments that were not archived: FileException: HTTP 404",
    )
    archived = {**only_link, "files": [page_file, {**pdf, "store_key": "wuchang/yyj/2024/P0202501201.pdf"}]}
    store = store_of(tmp_path / "b", {"20250210T020000Z": [column("杨园街道"), only_link],
                                      "20250211T020000Z": [column("杨园街道"), archived]})  # fmt: skip
    assert status_of(run(store, "2025-02-11"), "杨园街道").status == "on_time"


def test_a_backdated_upload_after_a_proven_absence_is_late(tmp_path: Path) -> None:
    """A complete crawl on 10 February listed no 2024 report; on 28 February one appears dated 20 January
    (audit2 f_backdated_after_absence). Our own capture outweighs the date the page claims: late, by at least the
    days to that capture, never on time (and no withdrawal of the missing alert)."""
    url = YY + "202502/t20250228_2530000.html"
    backdated = {**report("杨园街道", 2024, "2025-01-20", "2025-02-28"), "url": url, "column_url": YY}
    absent = {**column("杨园街道"), "column_url": YY}
    later = {**column("杨园街道", fetched="2025-03-01T02:00:00Z"), "column_url": YY,
             "reports": [row("杨园街道", "yyj", 2024, url, "2025-01-20")]}  # fmt: skip
    store = store_of(tmp_path, {"20250210T020000Z": [absent], "20250301T020000Z": [later, backdated]})
    status = status_of(run(store, "2025-03-01"), "杨园街道")
    assert (status.status, status.days_late, status.severity, status.date_used, status.date_basis) == (
        "late", 10, "warning", dt.date(2025, 2, 10), "absence"
    )  # fmt: skip
    assert status.reason == (
        "dated 2025-01-20, but a complete crawl of the column on 2025-02-10 did not list it: published 10+ days late"
    )
    assert status.evidence["absent_in"]["captured_at"] == "2025-02-10T02:00:00Z"
    # Found in another column (a re-post elsewhere): its own column's absence proves nothing of the portal.
    elsewhere = {**backdated, "column_url": "https://www.wuchang.gov.cn/zwgk_37/zfxxgknb/gdlm/"}
    store = store_of(tmp_path / "b", {"20250210T020000Z": [absent], "20250301T020000Z": [later, elsewhere]})
    assert status_of(run(store, "2025-03-01"), "杨园街道").status == "on_time"
    # The capture of 10 February listed a row of the street without a year (a cut title): no proof of absence.
    cut = {**absent, "reports": [row("杨园街道", "yyj", None, YY + "202501/t20250120_1.html")]}
    store = store_of(tmp_path / "c", {"20250210T020000Z": [cut], "20250301T020000Z": [later, backdated]})
    assert status_of(run(store, "2025-03-01"), "杨园街道").status == "on_time"
