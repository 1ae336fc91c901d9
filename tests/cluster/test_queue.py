"""The work queue for real: Redis, SeaweedFS, `scrapy worker` processes and the portal replica on loopback.

Two workers crawl replica portals into one S3 archive through the queue; the archive holds what a single
`scrapy crawlall` stores (same keys, same bytes) and `scrapy verify` passes. A worker killed mid-crawl
(its whole process group, kill -9) has its task redelivered to the other, with the same result. A second
task for a portal being crawled is skipped by the portal's lease and says who holds it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cluster.jobs import Job, JobBook
from crawler.store import open_store
from replica.server import ReplicaServer
from tests.cluster.conftest import Cluster, crawl_settings, setting_opts, wait_until
from tests.support import scrapy

pytestmark = pytest.mark.timeout(400)

YEARS = "years=2024"  # one report year per street keeps each crawl to a few seconds


def _enqueue(cluster: Cluster, settings: dict[str, str], *portals: str) -> list[str]:
    out = scrapy("enqueue", *portals, "-a", YEARS, *setting_opts(settings), env=cluster.env).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line.endswith("\tqueued")]


def _jobs(cluster: Cluster, ids: list[str]) -> list[Job]:
    return JobBook(cluster.redis.client()).all(ids)


def _wait_final(cluster: Cluster, ids: list[str], timeout: float = 300) -> list[Job]:
    wait_until(lambda: all(j.final for j in _jobs(cluster, ids)), timeout, f"jobs {ids} to finish")
    return _jobs(cluster, ids)


def _contents(uri: str) -> dict[str, str]:
    """Every key's latest sha256, except the per-crawl ones (crawl logs and WARCs are named by crawl id)."""
    store = open_store(uri)
    contents = {}
    for key in store.keys(""):
        if key.startswith(("_crawls/", "_warc/")):
            continue
        latest = store.latest(key)
        assert latest is not None
        contents[key] = latest.sha256
    return contents


def _reference(cluster: Cluster, mirror: str, portals: list[str], **overrides: str) -> dict[str, str]:
    """What one `scrapy crawlall` process stores for these portals."""
    uri = f"s3://ref-{cluster.tmp.name[-20:].lower().replace('_', '-')}/archive"
    settings = crawl_settings(cluster, mirror, uri, "reference") | overrides
    env = {**cluster.env, "NIANBAO_SPOOL": str(cluster.tmp / "spool-ref")}
    scrapy("crawlall", "--portals", ",".join(portals), "-a", YEARS, *setting_opts(settings), env=env)
    return _contents(uri)


def test_two_workers_crawl_three_portals_into_s3_like_one_process(cluster: Cluster, replica: ReplicaServer) -> None:
    portals = ["wuchang", "qiaokou", "jiangan"]
    cluster.start_worker("w1")
    cluster.start_worker("w2")
    uri = "s3://queue/archive"
    settings = crawl_settings(cluster, replica.url, uri, "queue")
    ids = _enqueue(cluster, settings, *portals)
    assert len(ids) == 3
    jobs = _wait_final(cluster, ids)
    assert [(j.portal, j.state, j.exit_status, j.attempts) for j in jobs] == [(p, "succeeded", 0, 1) for p in portals]
    assert {j.worker for j in jobs} == {"w1@test", "w2@test"}  # both workers took tasks
    crawl_ids = [j.crawl_id for j in jobs]
    assert len(set(crawl_ids)) == 3
    # The queue gave each run its crawl id, and each crawl's own log is in the archive, complete.
    store = open_store(uri)
    for job in jobs:
        log = store.get(f"_crawls/{job.portal}/{job.crawl_id}.jsonl").decode().splitlines()
        assert json.loads(log[-1])["type"] == "CrawlSummary"
        assert json.loads(log[-1])["crawl_id"] == job.crawl_id

    queued = _contents(uri)
    reference = _reference(cluster, replica.url, portals)
    assert len(queued) > 300
    assert sorted(queued) == sorted(reference)  # same keys
    assert queued == reference  # same bytes
    assert {k.split("/")[0] for k in queued} >= set(portals)
    verify = scrapy("verify", "-s", f"STORE_URI={uri}", env=cluster.env, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    table = scrapy("jobs", env=cluster.env).stdout  # what any node sees
    assert table.splitlines()[0].split()[:4] == ["id", "kind", "portal", "state"]
    assert [line.split()[:4] for line in table.splitlines()[1:]] == [
        [i, "crawl", p, "succeeded"] for i, p in zip(ids, portals, strict=True)
    ]


def test_a_duplicate_crawl_of_a_portal_is_skipped_by_its_lease(cluster: Cluster, replica: ReplicaServer) -> None:
    cluster.start_worker("w1")
    cluster.start_worker("w2")
    settings = crawl_settings(cluster, replica.url, "s3://dup/archive", "dup")
    first, second = _enqueue(cluster, settings, "wuchang", "wuchang")
    jobs = {j.id: j for j in _wait_final(cluster, [first, second])}
    states = sorted(j.state for j in jobs.values())
    assert states == ["skipped", "succeeded"]
    ran = next(j for j in jobs.values() if j.state == "succeeded")
    skipped = next(j for j in jobs.values() if j.state == "skipped")
    assert skipped.outcome.startswith(f"skipped: portal:wuchang held by {ran.id} on {ran.worker} pid ")
    assert skipped.crawl_id == "" and skipped.exit_status is None  # it never started a crawl
    listing = scrapy("jobs", env=cluster.env).stdout
    assert f"skipped: portal:wuchang held by {ran.id}" in listing


def test_a_killed_worker_s_crawl_is_redelivered_with_the_same_result(cluster: Cluster, replica: ReplicaServer) -> None:
    cluster.start_worker("w1")
    cluster.start_worker("w2")
    uri = "s3://killed/archive"
    settings = crawl_settings(cluster, replica.url, uri, "killed")
    # Some politeness back for this crawl, so it is still running when its worker dies.
    slower = {"DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    settings |= slower
    [job_id] = _enqueue(cluster, settings, "wuchang")
    spool = Path(f"{cluster.tmp / 'killed'}-crawllog")

    def crawling() -> bool:
        lines = sum(len(p.read_text().splitlines()) for p in spool.rglob("*.jsonl")) if spool.exists() else 0
        return lines >= 20

    wait_until(crawling, 120, "the crawl to log 20 items")
    [running] = _jobs(cluster, [job_id])
    assert (running.state, running.attempts) == ("running", 1)
    assert running.worker in ("w1@test", "w2@test")
    doomed, other = ("w1", "w2") if running.worker == "w1@test" else ("w2", "w1")
    cluster.kill_worker(doomed)  # kill -9 of the worker, its pool and its crawl: nobody acknowledges the task
    [job] = _wait_final(cluster, [job_id], timeout=300)
    assert (job.state, job.exit_status, job.worker, job.attempts) == ("succeeded", 0, f"{other}@test", 2)
    assert job.crawl_id != running.crawl_id  # the second run is a crawl of its own
    # Delivered to the survivor once: while it crawled (longer than the 10 s visibility timeout) its worker
    # kept the task's unacked entry fresh, so the broker did not hand the task out a third time.
    survivor_log = (cluster.tmp / f"worker-{other}.log").read_text()
    assert survivor_log.count(f"nianbao.crawl[{job_id}] received") == 1
    logs = sorted(open_store(uri).keys("_crawls/wuchang/"))
    # The dead run's log (archived by the second run, without a summary) and the second run's, apart.
    assert logs == sorted([f"_crawls/wuchang/{running.crawl_id}.jsonl", f"_crawls/wuchang/{job.crawl_id}.jsonl"])
    # The reference crawls in the same order (one request at a time): which column pages a crawl of
    # 武昌 stores depends on the order its columns are walked in (seen once with 8 requests at a time).
    assert _contents(uri) == _reference(cluster, replica.url, ["wuchang"], **slower)
    assert scrapy("verify", "-s", f"STORE_URI={uri}", env=cluster.env, check=False).returncode == 0
