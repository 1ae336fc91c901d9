"""End to end: the real `wuchang` spider through the replica (a mirror on a free loopback port)."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path
from typing import Any

from crawler.store import open_store
from replica.server import ReplicaServer
from replica.site import Site
from tests.support import crawl, crawl_log, scrapy


def _published(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in manifest["reports"] if r["portal"] == "wuchang" and r["published"]]


def _content(store: Any) -> list[Any]:
    """Ledger entries of archived content (not the per-crawl logs, WARCs and events under ``_*/``)."""
    return [v for v in store.ledger() if not v.key.startswith("_")]


def test_crawl_matches_manifest_recrawl_stores_nothing_republish_adds_one_version(
    replica: ReplicaServer, replica_site: Site, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    crawl("wuchang", replica.url, archive)
    store = open_store(str(archive))
    manifest = replica_site.manifest()
    expected = _published(manifest)
    items = crawl_log(store, "wuchang")
    reports = [i for i in items if i["type"] == "ReportItem"]

    # The set of (street, year, canonical URL, page date) equals the ground truth exactly.
    found = {(r["street_key"], r["year"], r["url"], r["page_date"]) for r in reports}
    assert found == {(r["street_key"], r["year"], r["url"], r["page_date"]) for r in expected}
    assert len(found) == len(reports)  # one item per street-year

    # Every file of every report was stored, and its sha256 is the manifest's.
    stored = {(v.source_url, v.key.rsplit("/", 1)[-1] != "report.json"): v for v in _content(store)}
    for report in expected:
        for file in report["files"]:
            version = stored[(file["url"], True)]
            assert version.sha256 == file["sha256"], file["url"]
            assert store.get(version.key) == store.get(version.key, version.version)
    assert {f["kind"] for r in expected for f in r["files"]} == {"html", "pdf", "docx", "doc"}

    # Items carry identity, both dates, and per-file hash, size, type, key and version.
    moved = next(r for r in expected if r["moved_from"])
    item = next(r for r in reports if r["url"] == moved["url"])
    assert item["page_date"] < item["url_date"]  # 公开日期 precedes the re-post's URL date
    assert item["legal_district"] == "武昌区" and item["portal"] == "wuchang"
    page = item["files"][0]
    assert page["role"] == "page" and page["store_key"] == f"wuchang/{item['street_key']}/{item['year']}/page.html"
    assert page["version"] == 1 and page["size"] > 1000 and page["content_type"].startswith("text/html")
    # The non-street unit in its sibling column is never reported as a street.
    assert not any("bjswgwh" in r["url"] for r in reports)
    # Every column was walked through every page, and non-report rows were skipped, not lost.
    columns = [i for i in items if i["type"] == "ColumnItem"]
    assert len(columns) == 14 and all(c["ok"] for c in columns)
    assert all(len(c["pages"]) == 2 for c in columns)
    assert all(any(s["reason"] == "not an annual report" for s in c["skipped"]) for c in columns)

    # A second crawl of an unchanged portal stores nothing new (only its own crawl log).
    before = _content(store)
    crawl("wuchang", replica.url, archive)
    assert _content(open_store(str(archive))) == before

    # The replica re-publishes one report with changed numbers: exactly one new version.
    urllib.request.urlopen(urllib.request.Request(replica.url + "/_replica/republish", data=b"on"))
    target = next(r for r in expected if r["republishable"])
    crawl("wuchang", replica.url, archive)
    store = open_store(str(archive))
    added = _content(store)[len(before) :]
    key = f"wuchang/{target['street_key']}/{target['year']}/page.html"
    assert [(v.key, v.version) for v in added] == [(key, 2)]
    assert added[0].source_url == target["url"]
    assert store.get(key, 1) != store.get(key, 2)
    assert store.history(key)[0].sha256 == target["files"][0]["sha256"]  # the old version is kept


def test_mirror_redirect_of_a_moved_report_is_followed_to_the_canonical_url(
    replica: ReplicaServer, replica_site: Site
) -> None:
    moved = next(r for r in _published(replica_site.manifest()) if r["moved_from"])
    proc = scrapy("fetch", "--nolog", "-s", f"PORTAL_MIRROR={replica.url}", "-s", "ROBOTSTXT_OBEY=False",
                  "-s", "HTTPCACHE_ENABLED=False", moved["moved_from"])  # fmt: skip
    assert moved["title"] in proc.stdout


def test_unreachable_portal_gives_failed_columns_not_empty_ones(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    archive = tmp_path / "archive"
    crawl("wuchang", dead, archive, "-a", "streets=yyj,laj", settings={"RETRY_TIMES": "0"})
    items = crawl_log(open_store(str(archive)), "wuchang")
    columns = [i for i in items if i["type"] == "ColumnItem"]
    assert sorted((c["street_key"], c["ok"]) for c in columns) == [("laj", False), ("yyj", False)]
    assert all("fetch failed" in c["error"] and c["reports"] == [] for c in columns)
    assert not [i for i in items if i["type"] == "ReportItem"]
    assert items[-1]["type"] == "CrawlSummary" and items[-1]["finish_reason"] == "finished"
