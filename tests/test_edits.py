"""Silent edits: a report file that changes after it was archived leaves an edit event with the evidence."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

from crawler.edits import json_diff, note_edit, refresh_events
from crawler.store import LocalStore, open_store
from crawler.store.base import sha256_hex
from replica.server import ReplicaServer
from replica.site import Site
from tests.support import crawl, scrapy

KEY = "wuchang/zyj/2024/page.html"
URL = "https://www.wuchang.gov.cn/xxgk/zyj/zfxxgknb/202501/t20250113_2517108.html"


def cell(value: Any, raw: str | None = None) -> dict[str, Any]:
    return {"value": value, "raw": raw if raw is not None else str(value), "status": "ok", "line": 40}


def record(file_bytes: bytes, natural: int, *, line: int = 40) -> dict[str, Any]:
    return {"file_sha256": sha256_hex(file_bytes), "title": "2024年紫阳街道政府信息公开工作年度报告",
            "t3_new_natural": {**cell(natural), "line": line}, "t3_new_total": cell(natural),
            "t2_fees_amount": cell("0"), "findings": []}  # fmt: skip


def test_json_diff_reports_changed_cells_by_value() -> None:
    old = record(b"a", 3)
    new = {**record(b"b", 4, line=41), "t4_review_total": cell(0)}
    new.pop("t2_fees_amount")
    changes = json_diff(old, new)
    assert changes["cells"] == [
        {"path": "t2_fees_amount", "before": "0", "after": None, "raw_before": "0", "raw_after": None},
        {"path": "t3_new_natural", "before": 3, "after": 4, "raw_before": "3", "raw_after": "4"},
        {"path": "t3_new_total", "before": 3, "after": 4, "raw_before": "3", "raw_after": "4"},
        {"path": "t4_review_total", "before": None, "after": 0, "raw_before": None, "raw_after": "0"},
    ]  # a cell moving to another line is not a change of the report
    assert changes["fields"] == [{"path": "file_sha256", "before": sha256_hex(b"a"), "after": sha256_hex(b"b")}]


def test_a_new_version_of_a_report_file_is_an_edit_event(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    meta = {"crawl_id": "c2", "etag": '"e2"', "last_modified": None}
    assert note_edit(store, store.put(KEY, b"v1", source_url=URL, fetched_at="2025-01-13T01:00:00Z")) is None
    assert note_edit(store, store.put(KEY, b"v1", source_url=URL)) is None  # unchanged: nothing
    result = store.put(KEY, b"v2", source_url=URL, fetched_at="2025-03-02T01:00:00Z", meta=meta)
    assert note_edit(store, result) == "_events/edits/wuchang/zyj/2024/page.html-v2.json"
    event = store.get_json("_events/edits/wuchang/zyj/2024/page.html-v2.json")
    assert {k: event[k] for k in ("type", "kind", "key", "portal", "street", "year", "file", "crawl_id")} == {
        "type": "edit", "kind": "silent_edit", "key": KEY, "portal": "wuchang", "street": "zyj", "year": 2024,
        "file": "page.html", "crawl_id": "c2",
    }  # fmt: skip
    assert (event["previous"]["sha256"], event["previous"]["fetched_at"], event["previous"]["source_url"]) == (
        sha256_hex(b"v1"), "2025-01-13T01:00:00Z", URL,
    )  # fmt: skip
    assert (event["current"]["version"], event["current"]["sha256"], event["current"]["http_etag"]) == (
        2, sha256_hex(b"v2"), '"e2"',
    )  # fmt: skip
    assert event["cells"] is None  # not extracted yet

    # Extraction runs later; refreshing the events adds the cell diff as a new version of the event.
    store.put_json(f"{KEY}.record.json", record(b"v1", 3))
    store.put_json(f"{KEY}.record.json", record(b"v2", 5))
    assert refresh_events(store) == ["_events/edits/wuchang/zyj/2024/page.html-v2.json"]
    event = store.get_json("_events/edits/wuchang/zyj/2024/page.html-v2.json")
    assert [(c["path"], c["before"], c["after"]) for c in event["cells"]] == [
        ("t3_new_natural", 3, 5), ("t3_new_total", 3, 5),
    ]  # fmt: skip
    assert event["cells_from"] == {"previous": 1, "current": 2}
    assert refresh_events(store) == []


def test_other_keys_never_make_edit_events(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for key in ("_crawls/wuchang/c1.jsonl", "wuchang/zyj/_column/index.html", "wuchang/zyj/2024/report.json",
                f"{KEY}.record.json", "_events/edits/x/y/2024/z.json"):  # fmt: skip
        store.put(key, b"1")
        assert note_edit(store, store.put(key, b"2")) is None
    store.put("wuchang/zyj/2024/附件.pdf", b"1", source_url="https://x/old.pdf")
    result = store.put("wuchang/zyj/2024/附件.pdf", b"2", source_url="https://x/new.pdf")
    assert note_edit(store, result) == "_events/edits/wuchang/zyj/2024/附件.pdf-v2.json"
    assert store.get_json("_events/edits/wuchang/zyj/2024/附件.pdf-v2.json")["kind"] == "replaced"
    assert store.keys("_events/edits/wuchang/") == ["_events/edits/wuchang/zyj/2024/附件.pdf-v2.json"]


def test_a_republished_report_is_caught_by_the_crawl_and_shown_by_the_commands(
    replica: ReplicaServer, replica_site: Site, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    crawl("wuchang", replica.url, archive, "-a", "streets=zyj", settings={"WARC_DIR": str(tmp_path / "warc")})
    store = open_store(str(archive))
    assert store.keys("_events/") == []
    urllib.request.urlopen(urllib.request.Request(replica.url + "/_replica/republish", data=b"on"))
    crawl("wuchang", replica.url, archive, "-a", "streets=zyj", settings={"WARC_DIR": str(tmp_path / "warc")})
    assert store.keys("_events/") == [f"_events/edits/{KEY}-v2.json"]
    event = store.get_json(f"_events/edits/{KEY}-v2.json")
    assert (event["kind"], event["previous"]["source_url"], event["current"]["source_url"]) == ("silent_edit", URL, URL)
    assert event["previous"]["sha256"] != event["current"]["sha256"]

    setting = ("-s", f"STORE_URI={archive}")
    history = scrapy("history", "wuchang", "zyj", "2024", *setting).stdout
    assert history.startswith(f"{KEY}\n  v1  fetched 20") and "  v2  fetched " in history
    assert f"sha256 {event['current']['sha256']}" in history and URL in history
    diff = scrapy("diff", KEY, "1", "2", *setting).stdout
    assert diff.startswith(f"--- {KEY} v1\n+++ {KEY} v2\n@@ ")
    assert scrapy("verify", *setting).stdout.endswith("problem(s)\n")
