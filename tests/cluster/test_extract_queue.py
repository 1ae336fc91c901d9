"""Re-extraction through the queue for real: Redis, SeaweedFS, a `scrapy worker --queues extract` process.

Two crawls of the same 武昌 streets from the replica, which serves a hostile attachment (a 435-byte PDF
with one 14 400 pt page): one crawl extracts its files itself, the other stores them without extracting.
`scrapy enqueue --extract wuchang` then queues one extract task per archived report file of the second
archive; the worker gives every file the record the crawl's own extraction stored (same keys, same
bytes), the hostile file's job ends `failed` with its limit while the others succeed, and queueing the
same files again stores nothing new. An extract task whose worker is killed (kill -9 of its process group)
is redelivered to another worker and stores the same record once.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from crawler import keys
from crawler.cluster.jobs import Job, JobBook
from crawler.cluster.lease import Lease
from crawler.cluster.tasks import archive_identity
from crawler.store import open_store
from replica.server import ReplicaServer
from replica.site import Site
from tests.cluster.conftest import Cluster, crawl_settings, setting_opts, wait_until
from tests.support import scrapy

pytestmark = pytest.mark.timeout(400)

STREETS, YEAR = "xjpj,laj", 2024  # PDFs (laj, xjpj) and an inline page: a few files, a few seconds each
HOSTILE_STREET = "xjpj"
LIMITS = {"EXTRACT_MEMORY_MB": "768"}  # the crawl's and the queue's extraction: the same caps


def _attachment(site: Site, street: str, year: int) -> str:
    for plan in site.world.reports:
        if plan.portal == "wuchang" and plan.street.key == street and plan.year == year:
            return next(u for u, _k, _l in site._attachments(plan))
    raise AssertionError(f"no report of {street} {year} in the replica")


def _faults(replica: ReplicaServer, method: str, rules: list[dict[str, str]] | None = None) -> None:
    body = None if rules is None else json.dumps(rules).encode()
    request = urllib.request.Request(f"{replica.url}/_replica/faults", data=body, method=method)
    with urllib.request.urlopen(request, timeout=10):  # loopback only
        pass


@pytest.fixture
def hostile(replica: ReplicaServer, replica_site: Site) -> Iterator[str]:
    """The replica serving the hostile PDF in place of one attachment; its archive key."""
    url = _attachment(replica_site, HOSTILE_STREET, YEAR)
    _faults(replica, "POST", [{"match": url, "kind": "huge_page_pdf"}])
    try:
        yield f"wuchang/{HOSTILE_STREET}/{YEAR}/{url.rsplit('/', 1)[1]}"
    finally:
        _faults(replica, "DELETE")


def _crawl(cluster: Cluster, replica: ReplicaServer, uri: str, extract: bool) -> None:
    settings = crawl_settings(cluster, replica.url, uri, uri.split("/")[2])
    opts = setting_opts(settings | {"EXTRACT_ENABLED": str(extract), **LIMITS})
    scrapy("crawl", "wuchang", "-a", f"streets={STREETS}", "-a", f"years={YEAR}", *opts, env=cluster.env)


def _records(uri: str) -> dict[str, tuple[str, int]]:
    """Every record and record text of the archive: its latest sha256 and its number of versions."""
    store = open_store(uri)
    out = {}
    for key in store.keys("wuchang/"):
        if key.endswith((keys.RECORD_SUFFIX, keys.TEXT_SUFFIX)):
            history = store.history(key)
            out[key] = (history[-1].sha256, len(history))
    return out


def _enqueue_extract(cluster: Cluster, uri: str) -> dict[str, str]:
    """`scrapy enqueue --extract wuchang` on ``uri``: archived file key → task id."""
    out = scrapy("enqueue", "--extract", "wuchang", *setting_opts({"STORE_URI": uri, **LIMITS}), env=cluster.env).stdout
    rows = [line.split("\t") for line in out.splitlines() if line.endswith("\tqueued")]
    return {key: job_id for job_id, key, _ in rows}


def _wait_final(cluster: Cluster, ids: list[str]) -> dict[str, Job]:
    book = JobBook(cluster.redis.client())
    wait_until(lambda: all(j.final for j in book.all(ids)), 300, "the extract jobs to finish")
    return {j.file: j for j in book.all(ids)}


def test_re_extraction_through_the_queue_stores_the_crawl_s_records(
    cluster: Cluster, replica: ReplicaServer, hostile: str
) -> None:
    crawled, queued = "s3://crawled/archive", "s3://queued/archive"
    _crawl(cluster, replica, crawled, extract=True)
    _crawl(cluster, replica, queued, extract=False)
    reference = _records(crawled)
    assert keys.record_key(hostile) in reference  # the crawl stored the hostile file's P00 record
    assert _records(queued) == {}
    cluster.start_worker("ocr", "--queues", "extract")

    ids = _enqueue_extract(cluster, queued)
    files = sorted(k.removesuffix(keys.RECORD_SUFFIX) for k in reference if k.endswith(keys.RECORD_SUFFIX))
    assert sorted(ids) == files and len(files) >= 3  # one task per archived report file
    jobs = _wait_final(cluster, list(ids.values()))
    assert {key: (j.kind, j.portal, j.worker, j.attempts) for key, j in jobs.items()} == {
        key: ("extract", "wuchang", "ocr@test", 1) for key in files
    }
    refused = jobs.pop(hostile)
    assert refused.state == "failed"
    assert refused.outcome.startswith("failed: render_limit: ")
    assert refused.outcome.endswith("(record stored, P00)")
    assert {(j.state, j.outcome) for j in jobs.values()} == {("succeeded", "succeeded: record stored")}
    # The same records, byte for byte, as the crawl's own extraction stored (each one version).
    assert _records(queued) == reference

    listing = scrapy("jobs", "--format", "json", env=cluster.env, check=False)
    assert listing.returncode == 1  # a job failed
    rows = {row["file"]: row for row in json.loads(listing.stdout)}
    assert rows[hostile]["state"] == "failed" and rows[hostile]["kind"] == "extract"

    # The same files queued again: nothing is rewritten, and the hostile file is not read again.
    again = _enqueue_extract(cluster, queued)
    assert sorted(again) == files
    jobs = _wait_final(cluster, list(again.values()))
    refused = jobs.pop(hostile)
    assert refused.state == "failed"
    assert refused.outcome.startswith("failed: render_limit: ")
    assert refused.outcome.endswith("(stored record; not read again by this extractor version)")
    assert {(j.state, j.outcome) for j in jobs.values()} == {("succeeded", "succeeded: record unchanged")}
    assert _records(queued) == reference


def test_a_killed_worker_s_extract_task_is_redelivered(cluster: Cluster, replica: ReplicaServer) -> None:
    uri = "s3://redelivered/archive"
    _crawl(cluster, replica, uri, extract=False)
    # The test holds the archive's lease, as a long crawl would: the first task reads its file, then waits
    # to store the record -- long enough to kill its worker at that point, every time.
    settings = [f"STORE_URI={uri}", *(f"{name}={value}" for name, value in LIMITS.items())]
    crawl = Lease(cluster.redis.client(), f"archive:{archive_identity(settings)}", "test crawl", 600_000)
    assert crawl.acquire()
    # The archive lease is opt-in since the catalog numbers versions for every writer: this worker takes it.
    cluster.start_worker("w1", "--queues", "extract", env={"NIANBAO_ARCHIVE_LEASE": "1"})
    ids = _enqueue_extract(cluster, uri)
    book = JobBook(cluster.redis.client())

    def waiting() -> bool:
        return any(j.state == "waiting" for j in book.all(list(ids.values())))

    wait_until(waiting, 120, "an extract task to wait for the archive lease")
    [first] = [j for j in book.all(list(ids.values())) if j.state == "waiting"]
    assert (first.worker, first.attempts, first.outcome) == ("w1@test", 1, f"waiting: {crawl.name} held by test crawl")
    cluster.kill_worker("w1")  # kill -9 of the worker and its extraction worker: nobody acknowledges the task
    cluster.start_worker("w2", "--queues", "extract")
    assert crawl.release()
    jobs = _wait_final(cluster, list(ids.values()))
    assert {(j.state, j.outcome) for j in jobs.values()} == {("succeeded", "succeeded: record stored")}
    assert (jobs[first.file].worker, jobs[first.file].attempts) == ("w2@test", 2)
    assert all(j.attempts == 1 for key, j in jobs.items() if key != first.file)
    stored = _records(uri)
    assert sorted(stored) == sorted(k for f in ids for k in (keys.record_key(f), keys.record_text_key(f)))
    assert {versions for _sha, versions in stored.values()} == {1}
