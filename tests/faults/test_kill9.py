"""kill -9 mid-crawl: the archive stays consistent and a resumed crawl (same JOBDIR) finishes the work."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler

from crawler.columns import ColumnWalk
from crawler.items import ColumnItem, PageCapture
from crawler.parsers.listing import ListRow
from crawler.registry import default_registry
from crawler.spiderloader import load_spider
from tests.faults.conftest import STREETS, Faulty
from tests.support import FAST, ROOT

WuchangSpider = load_spider("wuchang")


def test_kill_9_mid_crawl_then_resume(faulty: Faulty, tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    settings = {**FAST, "PORTAL_MIRROR": faulty.server.url, "STORE_URI": str(faulty.archive),
                "HTTPCACHE_DIR": f"{faulty.archive}-httpcache", "JOBDIR": str(jobdir),
                "WARC_DIR": str(tmp_path / "warc")}  # fmt: skip
    args = [sys.executable, "-m", "scrapy", "crawl", "wuchang", "-a", f"streets={','.join(STREETS)}"]
    args += [x for k, v in settings.items() for x in ("-s", f"{k}={v}")]
    # A report page that never answers pins the crawl mid-way: the kill lands while work is outstanding.
    hung = faulty.url_of("xjpj", 2024)
    faulty.faults({"match": hung, "kind": "hang", "seconds": 100})
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not faulty.applied() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert faulty.applied() == [{"url": hung, "kind": "hang"}]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    crawl_id = (jobdir / "nianbao-crawl-id").read_text()
    assert not faulty.store().keys(f"_crawls/wuchang/{crawl_id}")  # it died before writing its log
    faulty.assert_nothing_lost()  # chain intact, every earlier version readable

    faulty.clear()
    faulty.crawl({"JOBDIR": str(jobdir)})
    assert sorted(faulty.store().keys("_crawls/wuchang/"))[-1] == f"_crawls/wuchang/{crawl_id}.jsonl"
    faulty.assert_complete()  # the resumed crawl found everything, under the crawl id it started with
    faulty.assert_nothing_lost()
    # Nothing changed on the portal, so the kill and the resume stored no version twice.
    store = faulty.store()
    versions = {}
    for v in store.ledger():
        if not v.key.startswith("_"):
            versions[v.key] = v.version
    assert versions == faulty.base.keys


def test_column_walk_state_survives_the_jobdir_queue() -> None:
    """What a JOBDIR writes to disk for a pending list-page request: its cb_kwargs, pickled."""
    unit = default_registry().portal("wuchang").streets[0]
    item = ColumnItem("wuchang", unit.name, unit.key, "https://h/c/", None, "c1", ok=False)
    item.pages.append(PageCapture("https://h/c/index.html", 200, "2026-01-05T00:00:00Z", 1, _body=b"<html>"))
    walk = ColumnWalk(unit, "https://h/c/", None, item, [ListRow("https://h/c/t.html", "年报", dt.date(2026, 1, 5))])
    spider = WuchangSpider.from_crawler(get_crawler(WuchangSpider, {"BROWSER_ENABLED": False}))
    request = spider._request("https://h/c/index_1.html", spider.parse_column, spider.column_failed, walk=walk, page=1)
    # Scrapy's disk queues pickle request_to_dict(); callbacks travel by name, cb_kwargs as objects.
    restored = request_from_dict(pickle.loads(pickle.dumps(request.to_dict(spider=spider), protocol=4)), spider=spider)
    assert restored.callback == spider.parse_column and restored.errback == spider.column_failed
    assert restored.cb_kwargs == {"walk": walk, "page": 1} and restored.dont_filter is True
    assert restored.cb_kwargs["walk"].item.pages[0]._body == b"<html>"  # list pages seen so far ride along
