"""Incremental crawls: an unchanged portal answers 304s and costs almost nothing, a change is always
found, and a dead portal is never hidden behind cached pages."""

from __future__ import annotations

import re
import socket
import urllib.request
from pathlib import Path

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from crawler.httpcache import RevalidatePolicy
from crawler.store import open_store
from replica.server import ReplicaServer
from tests.support import crawl, crawl_log


def own(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This test's own crawl-log spool and WARC folder: the project-wide defaults under .scrapy/ are
    shared with every other crawl run from this checkout, and a crawl archives the spools it finds there."""
    return {"CRAWLLOG_SPOOL": str(tmp_path / "spool"), "WARC_DIR": str(tmp_path / "warc"), **settings}


def stat(stderr: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(match[1]) if match else 0


def test_recrawl_revalidates_everything_and_stores_nothing(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    first = crawl("wuchang", replica.url, archive, "-a", "streets=yyj,laj,sdj", settings=own(tmp_path))
    fetched = stat(first.stderr, "downloader/response_status_count/200")
    assert stat(first.stderr, "downloader/response_status_count/304") == 0 and fetched > 20
    # Internal keys (_crawls/ logs, _warc/ captures) grow with every crawl by design: compare the rest.
    before = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_")]
    reports = [i["url"] for i in crawl_log(open_store(str(archive)), "wuchang") if i["type"] == "ReportItem"]

    second = crawl("wuchang", replica.url, archive, "-a", "streets=yyj,laj,sdj", settings=own(tmp_path))
    # Every page and file was asked for again with its validators and came back 304 (the cache middleware
    # then hands the cached copy on, so it counts as "revalidate"): nothing was downloaded again…
    assert stat(second.stderr, "httpcache/revalidate") == fetched
    assert stat(second.stderr, "httpcache/invalidate") == 0 and stat(second.stderr, "httpcache/miss") == 0
    # …yet every page was judged again and the archive gained nothing.
    after = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_")]
    assert after == before
    items = crawl_log(open_store(str(archive)), "wuchang")
    assert sorted(i["url"] for i in items if i["type"] == "ReportItem") == sorted(reports)
    assert len(reports) == 18
    assert all(c["ok"] for c in items if c["type"] == "ColumnItem")


def test_a_dead_portal_is_not_hidden_by_the_cache(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    crawl("wuchang", replica.url, archive, "-a", "streets=yyj", settings=own(tmp_path))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    proc = crawl("wuchang", dead, archive, "-a", "streets=yyj", settings=own(tmp_path, RETRY_TIMES="0"))
    assert stat(proc.stderr, "httpcache/errorrecovery") == 0
    columns = [i for i in crawl_log(open_store(str(archive)), "wuchang") if i["type"] == "ColumnItem"]
    assert [(c["ok"], c["error"].startswith("fetch failed")) for c in columns] == [(False, True)]


def test_a_republished_report_is_the_one_new_version(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    streets = ("-a", "streets=zyj,yyj")  # zyj's 2024 report is the one the replica re-publishes
    first = crawl("wuchang", replica.url, archive, *streets, settings=own(tmp_path))
    fetched = stat(first.stderr, "downloader/response_status_count/200")
    before = {v.key: v.version for v in open_store(str(archive)).ledger() if not v.key.startswith("_")}

    request = urllib.request.Request(f"{replica.url}/_replica/republish", data=b"on", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback only
        assert answer.read() == b"ok\n"
    second = crawl("wuchang", replica.url, archive, *streets, settings=own(tmp_path))
    # Same URL, new bytes: only that report's requests were answered in full, the rest revalidated.
    changed = stat(second.stderr, "httpcache/invalidate")
    assert 1 <= changed <= 3 and stat(second.stderr, "httpcache/revalidate") == fetched - changed
    new = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_")][len(before) :]
    assert new and all(v.key.startswith("wuchang/zyj/2024/") for v in new)
    assert all(v.version == before[v.key] + 1 for v in new)  # a second version of known keys, nothing else
    report = next(i for i in crawl_log(open_store(str(archive)), "wuchang")
                  if i["type"] == "ReportItem" and (i["street_key"], i["year"]) == ("zyj", 2024))  # fmt: skip
    assert {f["store_key"] for f in report["files"] if f["new_version"]} == {v.key for v in new} - {
        "wuchang/zyj/2024/report.json"
    }


def test_no_store_pages_are_still_revalidated_next_time(tmp_path: Path) -> None:
    # Portals that send "Cache-Control: no-store, no-cache" must still get conditional requests next crawl.
    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.set("STORE_URI", str(tmp_path / "archive"))
    request = Request("https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/index.html")
    archive = open_store(str(tmp_path / "archive"))
    archive.put("wuchang/yyj/_column/index.html", b"<html>list</html>", source_url=request.url)
    policy = RevalidatePolicy(settings)
    headers = {"Cache-Control": "no-store, no-cache, max-age=0", "ETag": '"abc"'}
    cached = Response(request.url, status=200, headers=headers, body=b"<html>list</html>", request=request)
    assert policy.should_cache_response(cached, request)
    assert policy.is_cached_response_fresh(cached, request) is False  # never served without asking…
    assert request.headers[b"If-None-Match"] == b'"abc"'  # …and asked conditionally
    not_modified = Response(request.url, status=304, request=request)
    assert policy.is_cached_response_valid(cached, not_modified, request)
    assert not policy.is_cached_response_valid(cached, Response(request.url, status=503), request)
