"""The extract task's reading of one archived file (crawler/cluster/extract.py), in-process on a local
archive: what it stores, and what it refuses before reading anything; its job record in a real Redis."""

from __future__ import annotations

from pathlib import Path

from crawler import keys, records
from crawler.cluster.extract import archived_files, extract_one
from crawler.cluster.jobs import Job, JobBook
from crawler.cluster.lease import Lease
from crawler.cluster.tasks import Run, archive_identity, run_extract
from crawler.extract import extract
from crawler.store import Store, open_store
from tests.redisserver import RedisServer
from tests.support import scrapy

PREFIX = "wuchang/zyj/2024"
KEY = f"{PREFIX}/nb2024.html"
URL = "https://www.wuchang.gov.cn/xxgk/zyj/zfxxgknb/nb2024.html"
PAGE = (
    "<html><head><title>紫阳街道2024年政府信息公开工作年度报告</title></head><body>"
    "<h1>紫阳街道2024年政府信息公开工作年度报告</h1><p>本报告由紫阳街道办事处编制。</p></body></html>"
)


def _archive(tmp_path: Path) -> Store:
    store = open_store(str(tmp_path / "archive"))
    store.put(KEY, PAGE.encode(), content_type="text/html; charset=utf-8", source_url=URL)
    report = {"portal": "wuchang", "street_key": "zyj", "year": 2024, "files": [
        {"store_key": KEY, "name": "nb2024.html", "url": URL, "role": "page"},
    ]}  # fmt: skip
    store.put_json(keys.report_json(PREFIX), report)
    return store


def test_one_file_is_read_and_its_record_stored_once(tmp_path: Path) -> None:
    store = _archive(tmp_path)
    [queued] = list(archived_files(store, "wuchang"))
    assert (queued.key, queued.portal) == (KEY, "wuchang")
    latest = store.latest(KEY)
    assert latest is not None and queued.sha256 == latest.sha256

    first = extract_one(store, KEY, queued.sha256, extract)
    assert (first.state, first.outcome, first.changed) == ("succeeded", "succeeded: record stored", True)
    record = records.load_record(store, KEY)
    assert record is not None and (record.doc_id, record.file_sha256) == (KEY, queued.sha256)
    assert "紫阳街道" in record.text
    assert records.is_current(store, KEY)

    again = extract_one(store, KEY, queued.sha256, extract)
    assert (again.state, again.outcome, again.changed) == ("succeeded", "succeeded: record unchanged", False)
    assert len(store.history(keys.record_key(KEY))) == 1
    assert len(store.history(keys.record_text_key(KEY))) == 1


def test_a_file_queued_before_its_newer_version_is_skipped_unread(tmp_path: Path) -> None:
    store = _archive(tmp_path)
    [queued] = list(archived_files(store, None))
    store.put(KEY, PAGE.replace("编制", "发布").encode(), content_type="text/html; charset=utf-8", source_url=URL)

    def never(*_args: object, **_kwargs: object) -> records.Record:
        raise AssertionError("read although the queued version is not the latest")

    outcome = extract_one(store, KEY, queued.sha256, never)
    assert outcome.state == "skipped"
    assert outcome.outcome.startswith(f"skipped: {KEY} has a newer version (")
    assert store.latest(keys.record_key(KEY)) is None


def test_keys_that_are_not_archived_report_files_fail_unread(tmp_path: Path) -> None:
    store = _archive(tmp_path)
    sha = "0" * 64
    assert extract_one(store, "wuchang/zyj/2024/report.json", sha, extract).outcome == (
        "failed: wuchang/zyj/2024/report.json is not a report file's key ({portal}/{street}/{year}/{file})"
    )
    assert extract_one(store, "wuchang/zyj/2023/nb2023.html", sha, extract).outcome == (
        "failed: wuchang/zyj/2023/nb2023.html: no catalogue entry wuchang/zyj/2023/report.json"
    )
    assert extract_one(store, f"{PREFIX}/other.pdf", sha, extract).outcome == (
        f"failed: {PREFIX}/other.pdf is not a file of the report {PREFIX}"
    )
    assert list(archived_files(store, "qiaokou")) == []


def test_the_task_records_its_outcome_and_a_final_task_delivered_again_is_not_run(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    store = _archive(tmp_path)
    [queued] = list(archived_files(store, "wuchang"))
    client = redis_server.client()
    book = JobBook(client)
    book.add(Job("x1", "extract", "wuchang", "queued", file=KEY))
    settings = [f"STORE_URI={tmp_path / 'archive'}"]
    job = run_extract(Run(client, "x1", "w1@here"), KEY, queued.sha256, settings)
    assert (job.kind, job.state, job.outcome, job.worker, job.attempts, job.file) == (
        "extract", "succeeded", "succeeded: record stored", "w1@here", 1, KEY
    )  # fmt: skip
    assert Lease(client, f"archive:{archive_identity(settings)}", "x").holder() is None  # released
    again = run_extract(Run(client, "x1", "w2@here"), KEY, queued.sha256, settings)
    assert (again.state, again.worker, again.attempts) == ("succeeded", "w1@here", 1)  # untouched
    # Queued by something else than `scrapy enqueue`: recorded by the worker that runs it.
    other = run_extract(Run(client, "x2", "w1@here"), f"{PREFIX}/gone.pdf", queued.sha256, settings)
    assert (other.kind, other.portal, other.state, other.file) == ("extract", "wuchang", "failed", f"{PREFIX}/gone.pdf")
    assert other.outcome == f"failed: {PREFIX}/gone.pdf is not a file of the report {PREFIX}"


def test_enqueue_extract_refuses_what_it_cannot_queue(tmp_path: Path, redis_server: RedisServer) -> None:
    _archive(tmp_path)
    env = {"NIANBAO_BROKER_URL": redis_server.url}
    store = f"STORE_URI={tmp_path / 'archive'}"
    nothing = scrapy("enqueue", "--extract", "qiaokou", "-s", store, env=env, check=False)
    assert nothing.returncode == 2
    assert f"no archived report file of qiaokou in {tmp_path / 'archive'}" in nothing.stderr
    crawl_args = scrapy("enqueue", "--extract", "wuchang", "-a", "years=2024", "-s", store, env=env, check=False)
    assert crawl_args.returncode == 2 and "-a and --derive do not apply" in crawl_args.stderr
    assert JobBook(redis_server.client()).all() == []
