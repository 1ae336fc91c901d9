"""Incremental crawls: an unchanged portal answers 304s and costs almost nothing, a change is always
found, and a dead portal is never hidden behind cached pages."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from crawler.replica.server import ReplicaServer
from crawler.store import open_store
from tests.support import crawl, crawl_log


def stat(stderr: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(match[1]) if match else 0


def test_recrawl_revalidates_everything_and_stores_nothing(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    first = crawl("wuchang", replica.url, archive, "-a", "streets=yyj,laj,sdj")
    fetched = stat(first.stderr, "downloader/response_status_count/200")
    assert stat(first.stderr, "downloader/response_status_count/304") == 0 and fetched > 20
    before = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_crawls/")]
    reports = [i["url"] for i in crawl_log(open_store(str(archive)), "wuchang") if i["type"] == "ReportItem"]

    second = crawl("wuchang", replica.url, archive, "-a", "streets=yyj,laj,sdj")
    # Every page and file was asked for again with its validators and came back 304 (the cache middleware
    # then hands the cached copy on, so it counts as "revalidate"): nothing was downloaded again…
    assert stat(second.stderr, "httpcache/revalidate") == fetched
    assert stat(second.stderr, "httpcache/invalidate") == 0 and stat(second.stderr, "httpcache/miss") == 0
    # …yet every page was judged again and the archive gained nothing.
    after = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_crawls/")]
    assert after == before
    items = crawl_log(open_store(str(archive)), "wuchang")
    assert sorted(i["url"] for i in items if i["type"] == "ReportItem") == sorted(reports) and len(reports) == 18
    assert all(c["ok"] for c in items if c["type"] == "ColumnItem")


def test_a_dead_portal_is_not_hidden_by_the_cache(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    crawl("wuchang", replica.url, archive, "-a", "streets=yyj")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    proc = crawl("wuchang", dead, archive, "-a", "streets=yyj", settings={"RETRY_TIMES": "0"})
    assert stat(proc.stderr, "httpcache/errorrecovery") == 0
    columns = [i for i in crawl_log(open_store(str(archive)), "wuchang") if i["type"] == "ColumnItem"]
    assert [(c["ok"], c["error"].startswith("fetch failed")) for c in columns] == [(False, True)]
