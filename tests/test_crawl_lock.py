"""Crawl ids are unique, and one crawl of a portal into an archive at a time: a second one is refused
before it fetches or stores anything, with a clear message and a non-zero exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.arguments import crawl_id as _crawl_id
from crawler.store import LocalStore
from crawler.store.base import ArchiveBusyError, hold_lock
from crawler.store.s3 import S3Store
from replica.server import ReplicaServer
from tests.support import FAST, ROOT, crawl

CRAWL_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


def test_crawl_ids_started_in_the_same_second_differ_and_sort_by_time() -> None:
    before = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    ids = [_crawl_id(None) for _ in range(50)]
    after = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    assert len(set(ids)) == 50
    assert all(CRAWL_ID.match(i) for i in ids)
    assert all(before <= i[:16] <= after for i in ids)  # the start time leads: ids sort by it


def test_a_resumed_job_keeps_its_crawl_id(tmp_path: Path) -> None:
    first = _crawl_id(str(tmp_path / "job"))
    assert CRAWL_ID.match(first) and _crawl_id(str(tmp_path / "job")) == first


def test_a_second_crawl_of_the_same_portal_into_the_same_archive_is_refused(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    settings = {**FAST, "PORTAL_MIRROR": replica.url, "STORE_URI": str(archive), "HTTPCACHE_DIR": f"{archive}-cache",
                "CRAWLLOG_SPOOL": f"{archive}-spool", "WARC_DIR": f"{archive}-warc",
                "DOWNLOAD_DELAY": "0.3", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}  # fmt: skip
    args = [sys.executable, "-m", "scrapy", "crawl", "wuchang", "-a", "streets=yyj,laj"]
    args += [x for name, value in settings.items() for x in ("-s", f"{name}={value}")]
    log = (tmp_path / "first.log").open("wb")
    first = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=log)
    log.close()
    try:
        lock = archive / "locks" / "crawl-wuchang.lock"
        deadline = time.monotonic() + 120
        while not (lock.exists() and lock.read_text().strip()):
            assert first.poll() is None and time.monotonic() < deadline, (tmp_path / "first.log").read_text()[-3000:]
            time.sleep(0.1)
        second = crawl("wuchang", replica.url, archive, "-a", "streets=yyj,laj", check=False)
        assert first.poll() is None  # the first crawl was still running when the second was refused
        assert second.returncode == 1
        assert f"another crawl of wuchang into {archive} is running" in second.stderr
        assert "Wait for it to finish, or crawl into another archive (STORE_URI)." in second.stderr
        assert first.wait(300) == 0, (tmp_path / "first.log").read_text()[-3000:]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
    store = LocalStore(archive)
    (log_key,) = store.keys("_crawls/wuchang/")  # one crawl, one log: nothing of the refused one
    crawl_id = log_key.rsplit("/", 1)[-1].removesuffix(".jsonl")
    assert CRAWL_ID.match(crawl_id)
    assert {v.meta.get("crawl_id") for v in store.ledger() if v.meta.get("crawl_id")} == {crawl_id}
    # Once the first crawl is over, the portal can be crawled into the archive again.
    assert crawl("wuchang", replica.url, archive, "-a", "streets=yyj").returncode == 0
    assert len(store.keys("_crawls/wuchang/")) == 2


def test_an_s3_archive_is_locked_per_machine_beside_its_spool(tmp_path: Path) -> None:
    def open_() -> S3Store:  # no request is sent: the lock is local
        return S3Store("archive", "locked", client=object(), spool_root=tmp_path / "spool")

    held = hold_lock(open_().lock_path("crawl-wuchang"), {"pid": os.getpid()})
    try:
        with pytest.raises(ArchiveBusyError, match=f"held by pid {os.getpid()}$"):
            hold_lock(open_().lock_path("crawl-wuchang"), {"pid": 0})
        hold_lock(open_().lock_path("crawl-hongshan"), {"pid": 0}).close()  # another portal is free
        other = S3Store("archive", "other", client=object(), spool_root=tmp_path / "spool")
        hold_lock(other.lock_path("crawl-wuchang"), {"pid": 0}).close()  # and another archive
    finally:
        held.close()
    hold_lock(open_().lock_path("crawl-wuchang"), {"pid": 0}).close()  # released with its file
