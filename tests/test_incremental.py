"""Incremental crawls: an unchanged portal answers 304s and costs almost nothing, a change is always
found, and a dead portal is never hidden behind cached pages."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import urllib.request
from pathlib import Path

import yaml
from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from crawler.httpcache import RevalidatePolicy
from crawler.registry import DEFAULT_PATH
from crawler.revalidation import slot
from crawler.store import open_store
from replica.server import ReplicaServer
from replica.site import Site
from tests.support import crawl, crawl_log, scrapy


def own(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This test's own crawl-log spool and WARC folder: the project-wide defaults under .scrapy/ are
    shared with every other crawl run from this checkout, and a crawl archives the spools it finds there."""
    return {"CRAWLLOG_SPOOL": str(tmp_path / "spool"), "WARC_DIR": str(tmp_path / "warc"), **settings}


def stat(stderr: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(match[1]) if match else 0


def test_recrawl_revalidates_everything_and_stores_nothing(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    every = own(tmp_path, REVALIDATE_DAYS="0")  # every page every crawl: the HTTP cache alone is tested here
    first = crawl("wuchang", replica.url, archive, "-a", "streets=yyj,laj,sdj", settings=every)
    fetched = stat(first.stderr, "downloader/response_status_count/200")
    assert stat(first.stderr, "downloader/response_status_count/304") == 0 and fetched > 20
    # Internal keys (_crawls/ logs, _warc/ captures) grow with every crawl by design: compare the rest.
    before = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_")]
    reports = [i["url"] for i in crawl_log(open_store(str(archive)), "wuchang") if i["type"] == "ReportItem"]

    second = crawl("wuchang", replica.url, archive, "-a", "streets=yyj,laj,sdj", settings=every)
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
    first = crawl("wuchang", replica.url, archive, *streets, settings=own(tmp_path, REVALIDATE_DAYS="0"))
    fetched = stat(first.stderr, "downloader/response_status_count/200")
    before = {v.key: v.version for v in open_store(str(archive)).ledger() if not v.key.startswith("_")}

    request = urllib.request.Request(f"{replica.url}/_replica/republish", data=b"on", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback only
        assert answer.read() == b"ok\n"
    second = crawl("wuchang", replica.url, archive, *streets, settings=own(tmp_path, REVALIDATE_DAYS="0"))
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


# ---- tiered revalidation (issue 16 part 1; the policy itself: tests/test_revalidation.py) -----------------
DAY = dt.date(2026, 12, 3)


def on(tmp_path: Path, day: dt.date) -> dict[str, str]:
    return own(tmp_path, REVALIDATE_DAYS="7", REVALIDATE_TODAY=day.isoformat())  # the default window


def judged(archive: Path) -> list[tuple[str, int, str, str, str | None, str | None]]:
    """What `scrapy status` says of each street-year (the column's crawl id and capture time aside: list
    pages are fetched again by every crawl, so those name the newest crawl by design)."""
    proc = scrapy("status", "--portal", "wuchang", "--format", "json", "--today", "2026-12-31",
                  "-s", f"STORE_URI={archive}", check=False)  # fmt: skip
    return [
        (s["street"], s["year"], s["status"], s["reason"], s["report_url"], s["date_used"])
        for s in json.loads(proc.stdout)
    ]


def test_a_next_day_recrawl_asks_only_for_lists_and_the_reports_due(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    streets = ("-a", "streets=yyj,laj,sdj")
    first = crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    assert stat(first.stderr, "revalidation/due") == 18 and stat(first.stderr, "revalidation/carried") == 0
    requests = stat(first.stderr, "downloader/request_count")
    items = crawl_log(open_store(str(archive)), "wuchang")
    reports = {i["url"]: i for i in items if i["type"] == "ReportItem"}
    pages = sum(len(c["pages"]) for c in items if c["type"] == "ColumnItem")
    status = judged(archive)
    before = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_")]

    columns = [c for c in items if c["type"] == "ColumnItem"]
    later = {p["url"]: p for c in columns for p in c["pages"][1:]}

    tomorrow = DAY + dt.timedelta(days=1)
    due = [u for u in reports if slot(u, 7) == tomorrow.toordinal() % 7]
    assert 0 < len(due) < 6  # this day's share of the week (a stable hash: the same on every run)
    # A column's later pages only repeat what its first page pushed down: unchanged first pages, so only
    # the later pages on their day of the window are asked for again.
    due_later = [u for u in later if slot(u, 7) == tomorrow.toordinal() % 7]
    assert len(later) == 3 and len(due_later) == 1 and pages == 6
    second = crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, tomorrow))
    assert stat(second.stderr, "revalidation/due") == len(due)
    assert stat(second.stderr, "revalidation/carried") == 18 - len(due)
    assert stat(second.stderr, "revalidation/list_carried") == 2 and stat(second.stderr, "revalidation/list_due") == 1
    # Requests: robots.txt, every first list page, the later list pages due, and the due reports' pages with
    # their attachments; nothing else.
    files = sum(len(reports[u]["files"]) for u in due)
    assert stat(second.stderr, "downloader/request_count") == 1 + len(columns) + len(due_later) + files
    assert 1 + len(columns) + len(due_later) + files < requests / 4
    log = crawl_log(open_store(str(archive)), "wuchang")
    # The columns are complete; a carried page names the archive's capture it was read from, as it was.
    again = [c for c in log if c["type"] == "ColumnItem"]
    assert len(again) == 3 and all(c["ok"] for c in again)
    carried_pages = [p for c in again for p in c["pages"] if p["carried"]]
    assert sorted(p["url"] for p in carried_pages) == sorted(set(later) - set(due_later))
    for page in carried_pages:
        first_capture = later[page["url"]]
        assert {k: page[k] for k in ("store_key", "version", "sha256", "fetched_at", "rows", "checked_on")} == {
            k: first_capture[k] for k in ("store_key", "version", "sha256", "fetched_at", "rows", "checked_on")
        }
        assert page["rows"] > 0 and page["carried"] == "checked on 2026-12-03, within 7 days"
    assert sorted(i["url"] for i in log if i["type"] == "ReportItem") == sorted(due)
    carried = {i["url"]: i for i in log if i["type"] == "CarriedReport"}
    assert sorted(carried) == sorted(set(reports) - set(due))
    some = next(iter(carried.values()))
    assert some["checked_on"] == DAY.isoformat() and some["checked_in"] == first_crawl_id(archive)
    assert some["files"] == [
        {k: f[k] for k in ("url", "role", "store_key", "version", "sha256")} for f in reports[some["url"]]["files"]
    ]
    # Nothing new stored as evidence, and the compliance matrix is the same street-year by street-year.
    assert [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_")] == before
    assert judged(archive) == status and len(status) > 20


def first_crawl_id(archive: Path) -> str:
    return sorted(open_store(str(archive)).keys("_crawls/wuchang/"))[0].rsplit("/", 1)[-1].removesuffix(".jsonl")


def test_a_silent_edit_is_caught_on_the_day_its_report_falls_due(
    replica: ReplicaServer, replica_site: Site, tmp_path: Path
) -> None:
    plan = next(p for p in replica_site.world.reports if p.republishable)
    assert plan.publication is not None and (plan.street.key, plan.year) == ("zyj", 2024)
    url = plan.publication.url
    # The first crawl three days before the report's day in the window: the crawl two days later (its
    # day not come) does not see the edit, the next one does.
    first_day = DAY + dt.timedelta(days=(slot(url, 7) - (DAY + dt.timedelta(days=3)).toordinal()) % 7)
    archive = tmp_path / "archive"
    streets = ("-a", "streets=zyj,yyj")
    crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, first_day))
    assert url in {i["url"] for i in crawl_log(open_store(str(archive)), "wuchang") if i["type"] == "ReportItem"}
    before = {v.key: v.version for v in open_store(str(archive)).ledger() if not v.key.startswith("_")}
    status = judged(archive)

    request = urllib.request.Request(f"{replica.url}/_replica/republish", data=b"on", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:  # loopback only
        assert answer.read() == b"ok\n"
    crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, first_day + dt.timedelta(days=2)))
    log = crawl_log(open_store(str(archive)), "wuchang")
    assert url in {i["url"] for i in log if i["type"] == "CarriedReport"}
    assert {v.key: v.version for v in open_store(str(archive)).ledger() if not v.key.startswith("_")} == before
    assert judged(archive) == status

    crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, first_day + dt.timedelta(days=3)))
    log = crawl_log(open_store(str(archive)), "wuchang")
    assert url in {i["url"] for i in log if i["type"] == "ReportItem"}
    new = [v for v in open_store(str(archive)).ledger() if not v.key.startswith("_")][len(before) :]
    assert new and all(v.key.startswith("wuchang/zyj/2024/") and v.version == before[v.key] + 1 for v in new)


def test_a_changed_listing_row_makes_its_report_due_at_once(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    streets = ("-a", "streets=yyj")
    crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    store = open_store(str(archive))
    key = sorted(store.keys("_crawls/wuchang/"))[-1]
    items = crawl_log(store, "wuchang")
    reports = [i["url"] for i in items if i["type"] == "ReportItem"]
    # The archive remembers the row of one report differently (as if the portal had retitled it since):
    # the portal's row now differs from it, so that report is due the same day, the others are not.
    changed = reports[0]
    lines = [{**i, "list_title": "旧标题"} if i.get("url") == changed else i for i in items]
    store.put(key, "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in lines).encode())
    again = crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    assert stat(again.stderr, "revalidation/due") == 1
    assert stat(again.stderr, "revalidation/carried") == len(reports) - 1
    log = crawl_log(open_store(str(archive)), "wuchang")
    assert [i["url"] for i in log if i["type"] == "ReportItem"] == [changed]


def test_a_portals_own_window_overrides_the_setting(replica: ReplicaServer, tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    raw["portals"]["wuchang"]["revalidate_days"] = 0  # this portal: every report every crawl
    registry = tmp_path / "portals.yaml"
    registry.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    archive = tmp_path / "archive"
    settings = {**on(tmp_path, DAY), "REGISTRY_PATH": str(registry)}
    crawl("wuchang", replica.url, archive, "-a", "streets=yyj", settings=settings)
    reports = [i for i in crawl_log(open_store(str(archive)), "wuchang") if i["type"] == "ReportItem"]
    again = crawl("wuchang", replica.url, archive, "-a", "streets=yyj", settings=settings)
    assert stat(again.stderr, "revalidation/due") == len(reports) > 0  # the same day, all of them again
    assert stat(again.stderr, "revalidation/carried") == 0


def set_faults(replica: ReplicaServer, rules: list[dict[str, object]]) -> None:
    request = urllib.request.Request(f"{replica.url}/_replica/faults", data=json.dumps(rules).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10):  # loopback only
        pass


def test_a_changed_first_list_page_has_every_later_page_fetched_the_same_day(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    streets = ("-a", "streets=yyj,laj,sdj")
    crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    columns = [c for c in crawl_log(open_store(str(archive)), "wuchang") if c["type"] == "ColumnItem"]
    later = sorted(p["url"] for c in columns for p in c["pages"][1:])
    assert len(later) == 3
    # yyj's first page changes (what a new report at its top does: every row below moves down a place).
    set_faults(replica, [{"match": "*/xxgk/yyj/zfxxgknb/index.html", "kind": "inject", "html": "<p>新</p>"}])
    again = crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    log = crawl_log(open_store(str(archive)), "wuchang")
    pages = {p["url"]: p for c in log if c["type"] == "ColumnItem" for p in c["pages"]}
    # The same day: yyj's later page is asked for again, the others' (unchanged first pages) are carried.
    assert [u for u in later if not pages[u]["carried"]] == [u for u in later if "/yyj/" in u]
    assert stat(again.stderr, "revalidation/list_carried") == 2 and stat(again.stderr, "revalidation/list_due") == 1
    assert all(c["ok"] for c in log if c["type"] == "ColumnItem")


def test_a_later_list_page_that_failed_is_fetched_at_the_next_crawl(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    streets = ("-a", "streets=laj")
    crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    # The next crawl (the same day: nothing due on the window) asks for the later page, as the first page
    # changed, and cannot fetch it.
    set_faults(replica, [{"match": "*/xxgk/laj/zfxxgknb/index.html", "kind": "inject", "html": "<p>新</p>"},
                         {"match": "*/xxgk/laj/zfxxgknb/index_1.html", "kind": "status", "status": 503}])  # fmt: skip
    crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY), check=False)
    column = next(c for c in crawl_log(open_store(str(archive)), "wuchang") if c["type"] == "ColumnItem")
    assert not column["ok"]
    # The portal is back with the first page as the archive now has it: the failed page is still fetched, not
    # carried from the older copy, and the column is complete again.
    set_faults(replica, [{"match": "*/xxgk/laj/zfxxgknb/index.html", "kind": "inject", "html": "<p>新</p>"}])
    third = crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    column = next(c for c in crawl_log(open_store(str(archive)), "wuchang") if c["type"] == "ColumnItem")
    assert column["ok"] and [p["carried"] for p in column["pages"]] == [None, None]
    assert stat(third.stderr, "revalidation/list_due") == 1


LAJ = "https://www.wuchang.gov.cn/xxgk/laj/zfxxgknb/"
CUT_PDF = f"{LAJ}202201/P020220123756809140355.pdf"  # the 2021 report's attachment
CUT_PAGE = f"{LAJ}202401/t20240121_2348039.html"  # the 2023 report's page


def served(replica: ReplicaServer, url: str) -> bytes:
    with urllib.request.urlopen(f"{replica.url}/{url.removeprefix('https://')}", timeout=10) as answer:  # loopback
        return bytes(answer.read())


def test_a_capture_cut_short_is_fetched_whole_at_the_next_crawl(replica: ReplicaServer, tmp_path: Path) -> None:
    """A response without Content-Length ends where the server closed the connection: a cut copy carries the
    whole file's ETag. It is archived as served and flagged; the next crawl fetches it again, unconditionally
    (a conditional request would get a 304 and keep the cut copy), within the window as much as on its day."""
    archive = tmp_path / "archive"
    streets = ("-a", "streets=laj")
    cut = [{"match": url, "kind": "cut", "fraction": 0.6, "times": 1} for url in (CUT_PDF, CUT_PAGE)]
    set_faults(replica, [*cut, {"match": f"{LAJ}index_1.html", "kind": "cut", "times": 1}])
    first = crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY), check=False)
    assert stat(first.stderr, "revalidation/due") > 4
    log = crawl_log(open_store(str(archive)), "wuchang")
    files = {f["url"]: f for i in log if i["type"] == "ReportItem" for f in i["files"]}
    beyond_the_cut = f"{LAJ}202002/t20200202_1211857.html"  # the 2019 report, listed after the later page's cut
    assert beyond_the_cut not in files
    assert files[CUT_PDF]["error"] == "no %%EOF trailer: the PDF is cut short; archived as served"
    assert files[CUT_PAGE]["error"] == "the page ends before </html>: it is cut short; archived as served"
    [column] = [c for c in log if c["type"] == "ColumnItem"]
    assert not column["ok"] and "it was cut short" in column["incomplete"]
    assert [p["cut_short"] for p in column["pages"]] == [None, "the page ends before </html>: it is cut short"]
    store = open_store(str(archive))
    for url in (CUT_PDF, CUT_PAGE):
        assert store.get(files[url]["store_key"]) == served(replica, url)[: int(len(served(replica, url)) * 0.6)]

    # The same day (no report falls due on the window): only the two reports with a cut file are asked for
    # again, with the later list page and the report its whole copy lists; the archive gains the whole files.
    set_faults(replica, [])
    again = crawl("wuchang", replica.url, archive, *streets, settings=on(tmp_path, DAY))
    log = crawl_log(open_store(str(archive)), "wuchang")
    reports = sorted(i["url"] for i in log if i["type"] == "ReportItem")
    assert reports == [beyond_the_cut, f"{LAJ}202201/t20220123_1911570.html", CUT_PAGE]
    assert stat(again.stderr, "revalidation/due") == 3 and stat(again.stderr, "revalidation/carried") == 3
    files = {f["url"]: f for i in log if i["type"] == "ReportItem" for f in i["files"]}
    store = open_store(str(archive))
    for url in (CUT_PDF, CUT_PAGE):
        assert files[url]["error"] is None and files[url]["version"] == 2
        assert store.get(files[url]["store_key"]) == served(replica, url)
    [column] = [c for c in log if c["type"] == "ColumnItem"]
    assert column["ok"] and [(p["carried"], p["cut_short"]) for p in column["pages"]] == [(None, None)] * 2
    assert column["pages"][1]["version"] == 2
