"""A crawl that hands its files to the cluster's extract queue (EXTRACT_HANDOFF=queue), for real: Redis,
SeaweedFS, a `scrapy worker --queues extract` process.

The crawl of two 武昌 streets queues one extract task per new archived report file and one derive task
behind them, and ends without reading a file; until a worker drains the queue, `scrapy status` judges
the found reports by their pages (never "missing"). Once the worker is done, the archive holds what a
crawl extracting in its own pool leaves: the same records, cross-report findings and signatures, byte
for byte. A second crawl queues nothing. With the broker down, the crawl still archives everything and
says once how to read the files later.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler import keys, records
from crawler.cluster.jobs import JobBook
from crawler.store import open_store
from replica.server import ReplicaServer
from tests.cluster.conftest import Cluster, crawl_settings, setting_opts, wait_until
from tests.s3server import free_ports
from tests.support import scrapy

pytestmark = pytest.mark.timeout(400)

STREETS, YEAR = "xjpj,laj", 2024  # as tests/cluster/test_extract_queue.py: 17 report files of 2019-2024


def _crawl(cluster: Cluster, replica: ReplicaServer, uri: str, handoff: str, env: dict[str, str] | None = None) -> str:
    """A crawl of the two streets into ``uri`` with EXTRACT_HANDOFF=``handoff``; its log (stderr)."""
    settings = crawl_settings(cluster, replica.url, uri, uri.split("/")[2])
    opts = setting_opts(settings | {"EXTRACT_ENABLED": "True", "EXTRACT_HANDOFF": handoff})
    out = scrapy("crawl", "wuchang", "-a", f"streets={STREETS}", "-a", f"years={YEAR}", *opts, env=env or cluster.env)
    return out.stderr


def _derived(uri: str) -> dict[str, str]:
    """Every record, record text, derived finding and signature file of the archive: its latest sha256."""
    store = open_store(uri)
    try:
        wanted = [k for k in store.keys("") if k.endswith((keys.RECORD_SUFFIX, keys.TEXT_SUFFIX)) or "_derive/" in k]
        return {k: store.latest(k).sha256 for k in wanted}  # type: ignore[union-attr]
    finally:
        store.close()


def _report_files(uri: str) -> list[str]:
    store = open_store(uri)
    try:
        return sorted(
            f["store_key"]
            for prefix in records.report_prefixes(store, "wuchang")
            for f in records.report_files(records.report_meta(store, prefix))
        )
    finally:
        store.close()


def test_a_crawl_hands_its_new_files_to_the_queue(cluster: Cluster, replica: ReplicaServer) -> None:
    pooled, queued = "s3://pooled/archive", "s3://handed/archive"
    _crawl(cluster, replica, pooled, "pool")
    reference = _derived(pooled)
    log = _crawl(cluster, replica, queued, "queue")
    files = _report_files(queued)
    assert len(files) == 17  # 2 streets × 2019–2024: report pages and their attachments
    assert "extraction: 17 file(s) handed to the extract queue, 0 not queued" in log
    assert _derived(queued) == {}  # the crawl read no file

    book = JobBook(cluster.redis.client())
    jobs = book.all()
    assert sorted((j.kind, j.file, j.state) for j in jobs) == [
        ("derive", "", "queued"),
        *(("extract", key, "queued") for key in files),
    ]
    [derive_job] = [j for j in jobs if j.kind == "derive"]
    assert derive_job.portal == "wuchang"
    assert all(j.settings[0] == f"STORE_URI={queued}" for j in jobs)

    # Found but not yet read: judged by the report pages, never "missing".
    status = scrapy("status", "--portal", "wuchang", "--year", str(YEAR), "--format", "json",
                    "-s", f"STORE_URI={queued}", env=cluster.env, check=False)  # fmt: skip
    rows = {r["street_key"]: r for r in json.loads(status.stdout)}
    assert {k: (rows[k]["status"], rows[k]["doc_date"]) for k in ("xjpj", "laj")} == {
        "xjpj": ("on_time", None),
        "laj": ("on_time", None),
    }

    cluster.start_worker("extract", "--queues", "extract")
    wait_until(lambda: all(j.final for j in book.all()), 300, "the queue to drain")
    assert sorted((j.kind, j.state) for j in book.all()) == [("derive", "succeeded")] + [("extract", "succeeded")] * 17
    # The archive as the pool crawl left it: records, texts, cross-report findings, signatures.
    assert _derived(queued) == reference
    store = open_store(queued)
    try:
        record = records.load_record(store, files[0], with_text=False)
    finally:
        store.close()
    assert record is not None
    assert (record.street, record.report_year, record.doc_id) == ("粮道街道", 2019, "wuchang/laj/2019/page.html")

    # Nothing new: nothing queued, no derive either.
    log = _crawl(cluster, replica, queued, "queue")
    assert "extraction: 0 file(s) handed to the extract queue, 0 not queued" in log
    assert len(book.all()) == 18


def test_a_broker_down_loses_nothing(cluster: Cluster, replica: ReplicaServer, tmp_path: Path) -> None:
    uri = "s3://nobroker/archive"
    [port] = free_ports(1)  # nothing listens there
    log = _crawl(
        cluster, replica, uri, "queue", env={**cluster.env, "NIANBAO_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    )
    errors = [line for line in log.splitlines() if "extract queue unreachable" in line]
    assert len(errors) == 1
    assert "ConnectionError" in errors[0]
    assert "run `scrapy enqueue --extract PORTAL` or `scrapy extract` to read them" in errors[0]
    assert "extraction: 0 file(s) handed to the extract queue, 17 not queued" in log
    files = _report_files(uri)
    assert len(files) == 17
    store = open_store(uri)
    try:
        assert all(store.latest(key) is not None for key in files)  # every file archived
    finally:
        store.close()
    assert _derived(uri) == {}
