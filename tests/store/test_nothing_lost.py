"""Nothing is lost: a crawl killed with SIGKILL, and an S3 server that goes away in the middle of a crawl.

Both run the real `scrapy crawl` against the replica, slowed down so that the accident happens while
pages are being archived. Ground truth is the replica's manifest: the sha256 of every file it serves.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.edits import is_report_file
from crawler.store import LocalStore, Store
from crawler.store.s3 import S3Store
from replica.server import ReplicaServer
from replica.site import Site
from tests.s3server import WeedServer
from tests.support import FAST, ROOT, scrapy

STREETS = ("yyj", "laj", "sdj")
SLOW = {"CONCURRENT_REQUESTS_PER_DOMAIN": "1", "CONCURRENT_REQUESTS": "1"}


def start_crawl(
    mirror: str,
    uri: str,
    tmp_path: Path,
    env: dict[str, str],
    crawl_id: str,
    *,
    delay: float | None = 0.25,
    extra: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    slow = {**SLOW, "DOWNLOAD_DELAY": str(delay)} if delay else {}
    settings = {**FAST, **slow, **(extra or {}), "PORTAL_MIRROR": mirror, "STORE_URI": uri, "CRAWL_ID": crawl_id,
                "HTTPCACHE_DIR": str(tmp_path / "httpcache"), "WARC_DIR": str(tmp_path / "warc"),
                # The crawl-log spool is shared by every archive unless set: keep this test's dead crawl to itself.
                "CRAWLLOG_SPOOL": str(tmp_path / "crawllog")}  # fmt: skip
    args = [sys.executable, "-m", "scrapy", "crawl", "wuchang", "-a", "streets=" + ",".join(STREETS)]
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    log = (tmp_path / f"{crawl_id}.log").open("wb")
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env}, stdout=log, stderr=log)
    log.close()
    return proc


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def report_versions(store: Store) -> list[Any]:
    return [v for v in store.ledger() if is_report_file(v.key)]


def manifest_files(site: Site) -> list[dict[str, Any]]:
    return [f for e in site.manifest()["reports"] if e["portal"] == "wuchang" and e["street_key"] in STREETS
            for f in e.get("files", [])]  # fmt: skip


def assert_everything_archived_once(store: Store, site: Site) -> None:
    files = manifest_files(site)
    assert len(files) == 22
    archived = {(v.source_url, v.sha256) for v in report_versions(store)}
    assert [f["url"] for f in files if (f["url"], f["sha256"]) not in archived] == []
    # No duplicated versions: the replica never changed, so every report file has exactly one version.
    versions: dict[str, int] = {}
    for v in report_versions(store):
        versions[v.key] = versions.get(v.key, 0) + 1
    assert {k: n for k, n in versions.items() if n != 1} == {}


def assert_warcs_valid(store: Store, crawl_ids: set[str], tmp_path: Path) -> None:
    warcs = [k for k in store.keys("_warc/wuchang/") if k.endswith(".warc.gz")]
    assert {k.split("/")[2] for k in warcs} == crawl_ids
    for key in warcs:
        path = tmp_path / "check.warc.gz"
        path.write_bytes(store.get(key))
        check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(path)],
                               capture_output=True, text=True, check=False)  # fmt: skip
        assert (key, check.returncode, check.stdout) == (key, 0, "")
        assert next(iter(ArchiveIterator(io.BytesIO(store.get(key))))).rec_type == "warcinfo"


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_kill_9_mid_crawl_then_rerun(
    kind: str, replica: ReplicaServer, replica_site: Site, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "local":
        uri, env = str(tmp_path / "archive"), {}

        def open_() -> Store:
            return LocalStore(tmp_path / "archive")
    else:
        weed: WeedServer = request.getfixturevalue("weed")
        uri, env = f"s3://archive/kill-{tmp_path.name}"[:60], {**weed.env, "NIANBAO_SPOOL": str(tmp_path / "spool")}

        def open_() -> Store:
            return S3Store("archive", uri.split("/", 3)[3], client=weed.client(), spool_root=tmp_path / "spool")

    proc = start_crawl(replica.url, uri, tmp_path, env, "killed")
    try:
        wait_for(lambda: len(report_versions(open_())) >= 5, 120, "five report files archived")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    killed = open_()
    assert 5 <= len(report_versions(killed)) < 22  # it really died mid-way
    assert killed.verify_chain() == []  # type: ignore[attr-defined]
    if kind == "local":  # no partial object: every blob holds exactly the bytes its name hashes
        blobs = [p for p in (tmp_path / "archive" / "blobs").rglob("*") if p.is_file()]
        assert [p.name for p in blobs if hashlib.sha256(p.read_bytes()).hexdigest() != p.name] == []
    assert scrapy("verify", "-s", f"STORE_URI={uri}", env=env).returncode == 0
    (workdir,) = (tmp_path / "warc").glob("*/wuchang")  # {WARC_DIR}/{archive hash}/{portal}
    assert [p.suffix for p in workdir.iterdir()].count(".open") == 1  # the killed crawl's torn WARC

    rerun = start_crawl(replica.url, uri, tmp_path, env, "rerun", delay=None)
    assert rerun.wait(300) == 0, (tmp_path / "rerun.log").read_text()[-3000:]
    store = open_()
    verify = scrapy("verify", "-s", f"STORE_URI={uri}", env=env)
    assert verify.returncode == 0 and verify.stdout.endswith(" 0 problem(s)\n")
    assert_everything_archived_once(store, replica_site)
    # The killed crawl's open WARC was salvaged by the rerun and stored under its own crawl id.
    assert_warcs_valid(store, {"killed", "rerun"}, tmp_path)
    assert list(workdir.iterdir()) == []
    if kind == "local":  # a temp file the kill may have left mid-blob was swept by the rerun
        assert list((tmp_path / "archive" / "tmp").iterdir()) == []
    # And its crawl log (without a summary line: incomplete) was archived by the rerun too.
    assert store.keys("_crawls/wuchang/") == ["_crawls/wuchang/killed.jsonl", "_crawls/wuchang/rerun.jsonl"]


def test_s3_goes_away_mid_crawl_and_comes_back(replica: ReplicaServer, replica_site: Site, tmp_path: Path) -> None:
    server = WeedServer(tmp_path / "weed")
    server.start()
    try:
        env = {**server.env, "NIANBAO_SPOOL": str(tmp_path / "spool"), "NIANBAO_S3_RETRY_SECS": "1"}
        uri = "s3://archive/down"

        def open_() -> S3Store:
            return S3Store("archive", "down", client=server.client(), spool_root=tmp_path / "spool")

        # About 40 requests 0.6 s apart: the server is down for several seconds in the middle.
        proc = start_crawl(replica.url, uri, tmp_path, env, "c1", delay=0.6)
        try:
            wait_for(lambda: len(report_versions(open_())) >= 3, 120, "three report files archived")
            # An abrupt outage, mid-crawl (SIGKILL by PID; weed can take 20 s to exit on SIGTERM under load).
            server.stop(signal.SIGKILL)
            wait_for(lambda: open_().pending() >= 3, 60, "puts spooled while S3 is down")
            assert proc.poll() is None  # the crawl carries on without its archive server
            server.start()  # same data directory and ports
            # The crawl's next puts find the server back and replay the spool themselves.
            wait_for(lambda: open_().pending() == 0 or proc.poll() is not None, 120, "the spool replayed")
            proc.wait(180)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(30)
        assert proc.returncode == 0, (tmp_path / "c1.log").read_text()[-3000:]
        log = (tmp_path / "c1.log").read_text()
        assert "object store unreachable" in log and "spooled to" in log and "flushed spooled" in log

        flush = scrapy("flush", "-s", f"STORE_URI={uri}", env=env)
        assert flush.returncode == 0 and flush.stdout.endswith(" 0 left\n")
        verify = scrapy("verify", "-s", f"STORE_URI={uri}", env=env)
        assert verify.returncode == 0 and verify.stdout.endswith(" 0 problem(s)\n")
        store = open_()
        assert_everything_archived_once(store, replica_site)
        assert store.keys("_crawls/wuchang/") == ["_crawls/wuchang/c1.jsonl"]
        assert_warcs_valid(store, {"c1"}, tmp_path)
        assert list((tmp_path / "spool").rglob("*.bin")) == []
    finally:
        server.stop()


def test_s3_unreachable_at_the_end_of_a_crawl_exits_non_zero_and_keeps_everything(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    server = WeedServer(tmp_path / "weed")
    server.start()
    try:
        env = {**server.env, "NIANBAO_SPOOL": str(tmp_path / "spool"), "NIANBAO_S3_RETRY_SECS": "1"}
        uri = "s3://archive/gone"

        def open_() -> S3Store:
            return S3Store("archive", "gone", client=server.client(), spool_root=tmp_path / "spool")

        # Extraction on: the crawl's records are made as reports arrive and stored when the crawl closes.
        extra = {"EXTRACT_ENABLED": "True", "LOG_LEVEL": "DEBUG"}  # DEBUG: the log says when a record is made
        proc = start_crawl(replica.url, uri, tmp_path, env, "c1", delay=0.6, extra=extra)
        try:
            # Once a report's record is made (extraction runs beside the pipelines, reading the archived
            # file back), S3 goes away for good: that record waits for the close, which cannot reach S3.
            made = "record made for"
            wait_for(lambda: made in (tmp_path / "c1.log").read_text(errors="replace"), 180, "a record made")
            server.stop(signal.SIGKILL)
            assert proc.wait(300) == 1, (tmp_path / "c1.log").read_text()[-3000:]
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(30)
        log = (tmp_path / "c1.log").read_text()
        spooled = len(list((tmp_path / "spool").glob("*/*.json")))
        assert spooled > 0 and f"crawl not durable: {spooled} writes spooled; run scrapy flush" in log
        assert "stored without cross-report findings; run `scrapy flush`, then `scrapy extract`" in log

        server.start()  # S3 is back: nothing of the crawl was lost
        flush = scrapy("flush", "-s", f"STORE_URI={uri}", env=env)
        assert flush.returncode == 0 and flush.stdout.endswith(f"flushed {spooled} spooled put(s); 0 left\n")
        verify = scrapy("verify", "-s", f"STORE_URI={uri}", env=env)
        assert verify.returncode == 0 and verify.stdout.endswith(" 0 problem(s)\n")
        store = open_()
        (summary,) = [json.loads(line) for line in store.get("_crawls/wuchang/c1.jsonl").splitlines()][-1:]
        assert (summary["type"], summary["finish_reason"]) == ("CrawlSummary", "finished")
        # The records made before S3 went away were spooled with the rest, not dropped.
        logged = [json.loads(line) for line in store.get("_crawls/wuchang/c1.jsonl").splitlines()]
        first = next(i for i in logged if i["type"] == "ReportItem")
        assert [k for k in store.keys() if k.endswith(".record.json")] != []
        assert store.latest(first["files"][0]["store_key"] + ".record.json") is not None
    finally:
        server.stop()
