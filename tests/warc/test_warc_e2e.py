"""Real crawls of the replica: the WARCs they leave in the archive are valid, indexed and deduplicated."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from crawler.store import Store, open_store
from crawler.warc import PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED, captures, read_record
from replica.server import ReplicaServer
from tests.support import crawl, crawl_log

STREETS = ("-a", "streets=yyj,laj")


def warc_records(store: Store, crawl_id: str) -> list[Any]:
    """(type, WARC headers) of every record of one crawl's WARCs, in file order."""
    out = []
    for key in store.keys(f"_warc/wuchang/{crawl_id}/"):
        if key.endswith(".warc.gz"):
            out += [(r.rec_type, dict(r.rec_headers.headers)) for r in ArchiveIterator(io.BytesIO(store.get(key)))]
    return out


def crawl_ids(store: Store) -> list[str]:
    return sorted({k.split("/")[2] for k in store.keys("_warc/wuchang/") if k.count("/") == 3})


def test_a_crawl_leaves_valid_indexed_warcs_holding_the_archived_bytes(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    crawl("wuchang", replica.url, archive, *STREETS, settings={"WARC_DIR": str(tmp_path / "warc")})
    store = open_store(str(archive))
    (crawl_id,) = crawl_ids(store)
    warcs = [k for k in store.keys("_warc/wuchang/") if k.endswith(".warc.gz")]
    assert len(warcs) == 1
    (tmp_path / "crawl.warc.gz").write_bytes(store.get(warcs[0]))
    check = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", str(tmp_path / "crawl.warc.gz")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (check.returncode, check.stdout) == (0, "")

    records = warc_records(store, crawl_id)
    types = [t for t, _ in records]
    assert types[0] == "warcinfo" and types.count("request") == types.count("response") > 15
    # Every URI is the canonical portal URL, never the mirror the requests really went to.
    assert {h["WARC-Target-URI"].split("/")[2] for t, h in records if t != "warcinfo"} == {"www.wuchang.gov.cn"}

    # Every archived report file (page and attachments) is found through the CDXJ index, byte for byte.
    reports = [i for i in crawl_log(store, "wuchang") if i["type"] == "ReportItem"]
    files = [f for r in reports for f in r["files"] if f["store_key"]]
    assert len(reports) == 11 and {f["kind"] for f in files} >= {"html", "pdf"}
    for record in files:
        (capture,) = captures(store, "wuchang", record["url"])
        assert (capture.fields["status"], capture.fields["filename"]) == ("200", warcs[0].rsplit("/", 1)[1])
        warc_record, payload = read_record(store, capture)
        assert warc_record.rec_headers.get_header("WARC-Date").startswith(record["fetched_at"][:10])
        assert payload == store.get(record["store_key"], record["version"])


def test_unchanged_pages_of_a_later_crawl_are_revisits_of_the_first(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    # No HTTP cache: the portal answers 200 with the same bytes, so the payload digests decide.
    settings = {"WARC_DIR": str(tmp_path / "warc"), "HTTPCACHE_ENABLED": "False"}
    for crawl_id in ("c1", "c2", "c3"):
        crawl("wuchang", replica.url, archive, *STREETS, settings={**settings, "CRAWL_ID": crawl_id})
    store = open_store(str(archive))
    first = {h["WARC-Target-URI"]: h for t, h in warc_records(store, "c1") if t == "response"}
    # A report of crawl c3 is a revisit; reading it through the index still gives the archived bytes.
    report = next(i for i in crawl_log(store, "wuchang") if i["type"] == "ReportItem")
    c3 = [c for c in captures(store, "wuchang", report["url"]) if "/c3/" in c.warc_key]
    assert [c.fields["mime"] for c in c3] == ["warc/revisit"]
    record, payload = read_record(store, c3[0])
    assert record.rec_type == "revisit" and payload == store.get(report["files"][0]["store_key"])
    for crawl_id in ("c2", "c3"):
        revisits = [h for t, h in warc_records(store, crawl_id) if t == "revisit"]
        responses = [h for t, h in warc_records(store, crawl_id) if t == "response"]
        # Every 200 page is unchanged; every revisit names the original of crawl c1 (never a c2 revisit).
        assert len(revisits) == len([h for h in first.values() if h["WARC-Payload-Digest"]]) - len(responses)
        assert len(revisits) > 15
        for revisit in revisits:
            original = first[revisit["WARC-Target-URI"]]
            assert revisit["WARC-Profile"] == PROFILE_IDENTICAL
            assert (revisit["WARC-Refers-To"], revisit["WARC-Refers-To-Date"], revisit["WARC-Payload-Digest"]) == (
                original["WARC-Record-ID"],
                original["WARC-Date"],
                original["WARC-Payload-Digest"],
            )


def test_revalidated_pages_are_not_modified_revisits(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    settings = {"WARC_DIR": str(tmp_path / "warc")}  # the project's default: HTTP cache with revalidation
    crawl("wuchang", replica.url, archive, *STREETS, settings={**settings, "CRAWL_ID": "c1"})
    crawl("wuchang", replica.url, archive, *STREETS, settings={**settings, "CRAWL_ID": "c2"})
    store = open_store(str(archive))
    first = {h["WARC-Target-URI"]: h for t, h in warc_records(store, "c1") if t == "response"}
    second = warc_records(store, "c2")
    revisits = [h for t, h in second if t == "revisit"]
    assert len(revisits) == len(first) and [t for t, _ in second].count("response") == 0
    for revisit in revisits:
        assert revisit["WARC-Profile"] == PROFILE_NOT_MODIFIED
        assert revisit["WARC-Refers-To"] == first[revisit["WARC-Target-URI"]]["WARC-Record-ID"]
