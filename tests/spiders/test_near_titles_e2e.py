"""Real `scrapy crawl` runs against a loopback mirror whose street column lists its year's report under a title
that is not the statutory one: 政务公开工作年度报告 for 政府信息公开工作年度报告, 关于…工作情况的报告, a
办事处信息公开年度报告 without 政府. Such a row is opened (its page may carry the statutory title, which decides);
when the page does not, the street-year is `unknown` (a person reads it), never `missing`: the office did
publish something for that year, and only a person can say whether it is the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.compliance.test_audit_e2e import crawl_at, detail, listing, status_of
from tests.static_mirror import Mirror, serve

WUCHANG = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"
STATUTORY = "杨园街道2024年政府信息公开工作年度报告"
HREF = "./202501/t20250120_2518000.html"
AFTER = "2025-02-10"


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    yield from serve(tmp_path / "mirror")


def _yangyuan(mirror: Mirror, tmp_path: Path, list_title: str, page_title: str) -> dict[str, Any]:
    mirror.put(WUCHANG, listing([(HREF, list_title, "2025-01-20")]))
    mirror.put(WUCHANG + HREF[2:], detail(page_title, "2025年01月20日", "杨园街道"))
    store = tmp_path / "archive"
    crawl_at(f"{AFTER}T02:00:00Z", "wuchang", mirror, store, "-a", "streets=杨园街道", "-a", "years=2024")
    return status_of(store, "wuchang", "杨园街道", AFTER)


@pytest.mark.parametrize(
    "title",
    [
        "杨园街道2024年政务公开工作年度报告",
        "杨园街道关于2024年度政府信息公开工作情况的报告",
        "2024年杨园街道办事处信息公开年度报告",
    ],
)
def test_a_report_titled_unlike_the_statute_is_unknown_not_missing(mirror: Mirror, tmp_path: Path, title: str) -> None:
    row = _yangyuan(mirror, tmp_path, title, title)
    assert row["status"] == "unknown"
    assert row["reason"] == (
        f"the column lists 「{title}」 for this year, titled unlike the annual report: to be checked by hand"
    )
    assert row["evidence"]["listed"][0]["url"] == WUCHANG + HREF[2:]


def test_a_sloppy_list_title_whose_page_is_the_report_is_the_report(mirror: Mirror, tmp_path: Path) -> None:
    row = _yangyuan(mirror, tmp_path, "杨园街道关于2024年度政府信息公开工作情况的报告", STATUTORY)
    assert (row["status"], row["date_used"], row["report_url"]) == ("on_time", "2025-01-20", WUCHANG + HREF[2:])


def test_another_document_of_the_year_is_no_report(mirror: Mirror, tmp_path: Path) -> None:
    """A work plan (要点) of the year is not a near miss: the column was read whole, the report is missing."""
    title = "杨园街道2024年政务公开工作要点"
    row = _yangyuan(mirror, tmp_path, title, title)
    assert row["status"] == "missing"


def test_a_page_found_no_report_is_asked_again_on_the_window_not_every_crawl(mirror: Mirror, tmp_path: Path) -> None:
    """A near-miss row whose page is not the report either: the next day's crawl does not ask for that page again
    (its street-year stays unknown), a changed row asks at once, and the window's end asks in any case."""
    title = "杨园街道2024年政务公开工作年度报告"
    row = _yangyuan(mirror, tmp_path, title, title)  # crawled on AFTER
    page = "/www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/" + HREF[2:]
    assert mirror.asked.count(page) == 1
    store = tmp_path / "archive"

    def crawl(day: str) -> None:
        crawl_at(f"{day}T02:00:00Z", "wuchang", mirror, store, "-a", "streets=杨园街道", "-a", "years=2024",
                 REVALIDATE_DAYS="7")  # fmt: skip

    crawl("2025-02-11")  # the next day (not the page's day of the window: asserted below)
    assert mirror.asked.count(page) == 1
    assert status_of(store, "wuchang", "杨园街道", "2025-02-11")["reason"] == row["reason"]  # still unknown
    crawl("2025-02-17")  # seven days after the check: due whatever its day
    assert mirror.asked.count(page) == 2
    mirror.put(WUCHANG, listing([(HREF, title + "（更新）", "2025-01-20")]))
    crawl("2025-02-18")  # the row changed: asked at once
    assert mirror.asked.count(page) == 3
