"""A crawl killed with kill -9 loses no evidence: its log is recovered (or, with JOBDIR, continued)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from crawler.store import open_store
from replica.server import ReplicaServer
from tests.support import ROOT, crawl, crawl_log


def _start(mirror: str, archive: Path, *settings: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "scrapy", "crawl", "wuchang", "-s", f"PORTAL_MIRROR={mirror}",
            "-s", f"STORE_URI={archive}", "-s", f"HTTPCACHE_DIR={archive}-cache", "-s", "DOWNLOAD_DELAY=0.05",
            "-s", f"WARC_DIR={archive}-warc",  # never the checkout's shared .scrapy/warc
            "-s", "AUTOTHROTTLE_ENABLED=False", *settings]  # fmt: skip
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip


def _lines(spool_dir: Path) -> int:
    """Crawl-log lines written so far. The folder is the live crawl's (a JOBDIR's queue folders come and go while
    it is walked): a file or folder that vanished meanwhile is counted at the next look."""
    try:
        return sum(len(p.read_text().splitlines()) for p in spool_dir.rglob("*.jsonl")) if spool_dir.exists() else 0
    except FileNotFoundError:
        return 0


def _kill_after_items(proc: subprocess.Popen[bytes], spool_dir: Path, items: int = 20) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _lines(spool_dir) >= items:
            break
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_crawl_log_is_archived_by_the_next_crawl(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    spool = tmp_path / "spool"
    proc = _start(replica.url, archive, "-s", f"CRAWLLOG_SPOOL={spool}")
    _kill_after_items(proc, spool)
    store = open_store(str(archive))
    assert store.keys("_crawls/") == []  # the dead crawl wrote no log itself
    crawl("wuchang", replica.url, archive, settings={"CRAWLLOG_SPOOL": str(spool)})
    logs = sorted(open_store(str(archive)).keys("_crawls/wuchang/"))
    assert len(logs) == 2
    dead = [json.loads(line) for line in open_store(str(archive)).get(logs[0]).decode().splitlines()]
    assert len(dead) >= 20 and all(i["type"] != "CrawlSummary" for i in dead)  # incomplete, and says so
    assert crawl_log(open_store(str(archive)), "wuchang")[-1]["type"] == "CrawlSummary"
    assert list(spool.rglob("*.jsonl")) == []


def test_a_dead_crawls_log_goes_only_to_its_own_archive(replica: ReplicaServer, tmp_path: Path) -> None:
    """One spool folder, two archives: the log of a crawl killed while writing archive B is never archived
    into archive A by A's next crawl of the same portal (it waits for B's next crawl)."""
    spool = tmp_path / "spool"
    a, b = tmp_path / "a", tmp_path / "b"
    proc = _start(replica.url, b, "-s", f"CRAWLLOG_SPOOL={spool}")
    _kill_after_items(proc, spool)
    crawl("wuchang", replica.url, a, settings={"CRAWLLOG_SPOOL": str(spool)})
    assert len(open_store(str(a)).keys("_crawls/wuchang/")) == 1  # A's own crawl only
    assert len(list(spool.rglob("wuchang-*.jsonl"))) == 1  # B's dead log still waits
    crawl("wuchang", replica.url, b, settings={"CRAWLLOG_SPOOL": str(spool)})
    logs = sorted(open_store(str(b)).keys("_crawls/wuchang/"))
    assert len(logs) == 2 and list(spool.rglob("*.jsonl")) == []


def test_jobdir_resume_continues_the_same_log_without_duplicate_versions(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    proc = _start(replica.url, archive, "-s", f"JOBDIR={jobdir}")
    _kill_after_items(proc, jobdir)
    crawl_id = (jobdir / "nianbao-crawl-id").read_text()
    crawl("wuchang", replica.url, archive, settings={"JOBDIR": str(jobdir)})
    store = open_store(str(archive))
    assert store.keys("_crawls/wuchang/") == [f"_crawls/wuchang/{crawl_id}.jsonl"]
    items = crawl_log(store, "wuchang")
    assert items[-1]["type"] == "CrawlSummary" and items[-1]["finish_reason"] == "finished"
    reports = {i["url"] for i in items if i["type"] == "ReportItem"}
    assert len(reports) == 95  # every report of the replica's 武昌, across the kill
    keys = [v.key for v in store.ledger() if not v.key.startswith("_")]
    assert len(keys) == len(set(keys))  # no duplicated versions
    assert store.verify_chain() == []  # type: ignore[attr-defined]
