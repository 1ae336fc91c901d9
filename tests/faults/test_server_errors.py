"""5xx bursts: a short one is absorbed by retries; a longer one is recorded, never read as "no report"."""

from __future__ import annotations

import re

from tests.faults.conftest import Faulty, column


def stat(stderr: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(match[1]) if match else 0


def test_5xx_bursts(faulty: Faulty) -> None:
    report = faulty.url_of("sdj", 2021)
    faulty.faults(
        # Longer than the retries (RETRY_TIMES=1 in tests: two attempts): the column cannot be read.
        {"match": f"{column('laj')}index.html", "kind": "status", "status": 503, "times": 2},
        # One 502, then fine: the retry gets the page within the same crawl.
        {"match": report, "kind": "status", "status": 502, "times": 1},
    )
    proc = faulty.crawl()
    assert [f["kind"] for f in faulty.applied()] == ["status"] * 3
    assert stat(proc.stderr, "retry/count") == 2
    columns = faulty.columns()
    assert columns["laj"]["ok"] is False
    assert columns["laj"]["error"] == f"HTTP 503 for {column('laj')}index.html"
    assert columns["laj"]["pages"][0]["status"] == 503  # the 503 itself is kept as evidence
    assert all(columns[s]["ok"] for s in ("yyj", "sdj", "xjpj"))  # the crawl went on
    reports = faulty.reports()
    assert ("sdj", 2021) in reports and reports[("sdj", 2021)]["url"] == report
    assert {s for s, _y in reports} == {"yyj", "sdj", "xjpj"}
    faulty.assert_nothing_lost()
    laj = [s for s in faulty.statuses() if s.street_key == "laj"]
    assert {s.status for s in laj} == {"unknown"}
    assert all("HTTP 503" in s.reason for s in laj)
    faulty.assert_none_missing_by_fault()

    faulty.clear()
    faulty.crawl()
    faulty.assert_complete()
    faulty.assert_nothing_lost()
