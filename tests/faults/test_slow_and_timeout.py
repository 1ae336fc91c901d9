"""Slow answers are waited for; a server that never answers times out, is recorded, and the crawl goes on."""

from __future__ import annotations

from tests.faults.conftest import Faulty


def test_slow_responses_and_timeouts(faulty: Faulty) -> None:
    slow, hung = faulty.url_of("laj", 2024), faulty.url_of("sdj", 2020)
    faulty.faults(
        {"match": slow, "kind": "slow", "seconds": 0.5},  # under DOWNLOAD_TIMEOUT: just slow
        {"match": hung, "kind": "hang", "seconds": 60},  # never answers (released when the test clears)
    )
    faulty.crawl({"DOWNLOAD_TIMEOUT": "1.5"})
    assert [f["kind"] for f in faulty.applied()].count("hang") == 2  # first attempt and its retry
    reports = faulty.reports()
    assert ("laj", 2024) in reports  # the slow page was waited for
    assert ("sdj", 2020) not in reports
    [failure] = faulty.items("FetchFailure")
    assert (failure["street_key"], failure["year"], failure["url"]) == ("sdj", 2020, hung)
    assert failure["error"].startswith("fetch failed: DownloadTimeoutError")
    assert "took longer than 1.5 seconds" in failure["error"]
    assert set(reports) == faulty.published() - {("sdj", 2020)}  # everything else was archived
    faulty.assert_nothing_lost()
    [sdj_2020] = [s for s in faulty.statuses() if (s.street_key, s.year) == ("sdj", 2020)]
    assert sdj_2020.status == "unknown" and "could not be fetched" in sdj_2020.reason
    faulty.assert_none_missing_by_fault()

    faulty.clear()
    faulty.crawl({"DOWNLOAD_TIMEOUT": "1.5"})
    faulty.assert_complete()
