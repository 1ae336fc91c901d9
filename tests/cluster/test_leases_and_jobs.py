"""Leases, job records and the client commands against a real Redis (no worker: what is queued stays queued)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from crawler.cluster.jobs import Job, JobBook
from crawler.cluster.lease import Lease, Renewer
from crawler.cluster.tasks import Run, archive_identity, run_crawl
from tests.redisserver import RedisServer
from tests.support import ROOT, scrapy


def test_a_lease_is_held_renewed_and_released_only_by_its_owner(redis_server: RedisServer) -> None:
    client = redis_server.client()
    mine = Lease(client, "portal:wuchang", "task-1 on w1@a pid 10", ttl_ms=1500)
    theirs = Lease(client, "portal:wuchang", "task-2 on w2@b pid 20", ttl_ms=1500)
    assert mine.acquire() and not theirs.acquire()
    assert theirs.holder() == "task-1 on w1@a pid 10"
    assert not theirs.renew() and not theirs.release()  # a non-holder can neither extend nor delete it
    assert mine.holder() == "task-1 on w1@a pid 10"
    with Renewer(0.3, [mine]):
        time.sleep(2.5)  # longer than the time to live: only the renewals keep it
        assert mine.holder() == "task-1 on w1@a pid 10"
    assert mine.release() and mine.holder() is None
    assert theirs.acquire()


def test_a_lease_lapses_when_its_holder_stops_renewing(redis_server: RedisServer) -> None:
    client = redis_server.client()
    dead = Lease(client, "portal:qiaokou", "task-1 on w1@a pid 10", ttl_ms=300)
    assert dead.acquire()
    other = Lease(client, "portal:qiaokou", "task-2 on w2@b pid 20", ttl_ms=300)
    deadline = time.monotonic() + 5
    while not other.acquire():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert other.holder() == "task-2 on w2@b pid 20"
    assert not dead.renew()  # the late holder cannot take it back


def test_a_crawl_task_whose_portal_is_leased_by_another_is_skipped_and_says_so(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIANBAO_BROKER_URL", redis_server.url)
    client = redis_server.client()
    Lease(client, "portal:wuchang", "other-task on w9@x pid 99").acquire()
    job = run_crawl(Run(client, "dup-task", "w1@here"), "wuchang", ["STORE_URI=s3://b/a"])
    assert (job.state, job.outcome) == ("skipped", "skipped: portal:wuchang held by other-task on w9@x pid 99")
    assert (job.crawl_id, job.exit_status, job.worker) == ("", None, "w1@here")


def test_a_finished_task_delivered_again_is_not_run_again(redis_server: RedisServer) -> None:
    client = redis_server.client()
    book = JobBook(client)
    book.add(Job("t1", "crawl", "wuchang", "succeeded", "succeeded", 0, "20260101T000000Z-00000000"))
    job = run_crawl(Run(client, "t1", "w2@here"), "wuchang", [])
    assert (job.state, job.worker, job.attempts) == ("succeeded", "", 0)  # untouched: no second crawl
    assert Lease(client, "portal:wuchang", "x").holder() is None


def test_archives_are_named_for_the_whole_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8333")
    assert archive_identity(["STORE_URI=s3://bucket/archive"]) == "s3://bucket/archive@http://127.0.0.1:8333"
    monkeypatch.delenv("NIANBAO_STORE_URI", raising=False)
    local = archive_identity([])
    assert local.endswith(f":{ROOT / 'data'}") and not local.startswith(":")  # host-qualified


def test_enqueue_records_queued_jobs_that_jobs_lists(redis_server: RedisServer) -> None:
    env = {"NIANBAO_BROKER_URL": redis_server.url}
    out = scrapy("enqueue", "wuchang", "qiaokou", "-a", "years=2024", "-s", "PORTAL_MIRROR=http://127.0.0.1:9", env=env)
    ids = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert [line.split("\t")[1:] for line in out.stdout.splitlines()] == [["wuchang", "queued"], ["qiaokou", "queued"]]
    client = redis_server.client()
    assert client.llen("crawl") == 2  # two messages wait in the crawl queue
    message = json.loads(client.lindex("crawl", -1))  # type: ignore[arg-type]
    assert message["headers"]["id"] == ids[0] and message["headers"]["task"] == "nianbao.crawl"
    rows = json.loads(scrapy("jobs", "--format", "json", env=env).stdout)
    assert [(r["id"], r["portal"], r["state"], r["settings"]) for r in rows] == [
        (ids[0], "wuchang", "queued", ["PORTAL_MIRROR=http://127.0.0.1:9"]),
        (ids[1], "qiaokou", "queued", ["PORTAL_MIRROR=http://127.0.0.1:9"]),
    ]
    waited = scrapy("jobs", "--wait", "--timeout", "1", env=env, check=False)
    assert waited.returncode == 2  # nothing runs them: --wait gives up after its timeout
    bad = scrapy("enqueue", "nowhere", env=env, check=False)
    assert bad.returncode != 0 and "no spider named nowhere" in bad.stderr + bad.stdout


def test_jobs_exits_1_and_shows_the_exit_status_of_a_failed_crawl(redis_server: RedisServer) -> None:
    book = JobBook(redis_server.client())
    book.add(Job("t-ok", "crawl", "wuchang", "succeeded", "succeeded", 0, "c1", worker="w1@a"))
    book.add(Job("t-bad", "crawl", "qiaokou", "failed", "failed: killed by signal 9", -9, "c2", worker="w2@b"))
    proc = scrapy("jobs", env={"NIANBAO_BROKER_URL": redis_server.url}, check=False)
    assert proc.returncode == 1
    line = next(x for x in proc.stdout.splitlines() if x.startswith("t-bad"))
    assert line.split()[:4] == ["t-bad", "crawl", "qiaokou", "failed"]
    assert "failed: killed by signal 9" in line and "c2" in line and "w2@b" in line


def test_schedule_enqueue_queues_due_crawls_instead_of_running_them(redis_server: RedisServer, tmp_path: Path) -> None:
    config = tmp_path / "schedule.yaml"
    config.write_text('timezone: UTC\ndefault: ["0 0 1 1 *"]\nafter_crawl: []\n')
    env = {"NIANBAO_BROKER_URL": redis_server.url}
    state = tmp_path / "state"
    args = ["schedule", "--once", "--enqueue", "--config", str(config), "--state", str(state)]
    out = scrapy(*args, "--portals", "wuchang,qiaokou", "-s", "STORE_URI=s3://b/a", env=env)
    assert "ran: wuchang, qiaokou" in out.stdout
    jobs = JobBook(redis_server.client()).all()
    assert [(j.portal, j.state, j.settings) for j in jobs] == [
        ("wuchang", "queued", ("STORE_URI=s3://b/a",)),
        ("qiaokou", "queued", ("STORE_URI=s3://b/a",)),
    ]
    assert not (state / "jobs").exists()  # nothing crawled here
    again = scrapy(*args, "--portals", "wuchang,qiaokou", env=env)
    assert "ran: nothing due" in again.stdout


def test_derive_runs_the_after_crawl_steps_and_fails_on_a_broken_one(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.cluster.tasks import run_derive

    monkeypatch.setenv("NIANBAO_BROKER_URL", redis_server.url)
    schedule = tmp_path / "schedule.yaml"
    monkeypatch.setenv("NIANBAO_SCHEDULE", str(schedule))
    client = redis_server.client()
    archive = ["STORE_URI=" + str(tmp_path / "archive")]
    # `status` of an empty archive: exit 0 or 1 ("found problems") both count as done.
    schedule.write_text('default: ["0 0 1 1 *"]\nafter_crawl: [["status", "--portal", "{portal}"], ["no-such"]]\n')
    job = run_derive(Run(client, "d1", "w1@here"), "wuchang", archive)
    assert (job.kind, job.state, job.exit_status, job.attempts) == ("derive", "succeeded", 0, 1)
    schedule.write_text('default: ["0 0 1 1 *"]\nafter_crawl: [["diff", "{portal}"]]\n')  # a usage error: exit 2
    job = run_derive(Run(client, "d2", "w1@here"), "wuchang", archive)
    assert (job.state, job.outcome, job.exit_status) == ("failed", "failed: exit status 2", 2)
    assert client.keys("nianbao:lease:*") == []  # the per-archive derive lease was released


def test_a_crawl_that_cannot_start_is_a_failed_job_with_its_leases_released(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIANBAO_BROKER_URL", redis_server.url)
    monkeypatch.setenv("PATH", str(tmp_path))  # no setpriv (util-linux) on the PATH
    client = redis_server.client()
    with pytest.raises(FileNotFoundError):
        run_crawl(Run(client, "t-nostart", "w1@here"), "wuchang", ["STORE_URI=s3://b/a"])
    job = JobBook(client).get("t-nostart")
    assert job is not None and job.state == "failed" and "setpriv" in job.outcome
    assert client.keys("nianbao:lease:*") == []


def test_a_crawl_waits_while_another_portal_of_its_politeness_group_is_crawled(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """通城 and 崇阳 sit on one 咸宁 server (config/hubei.yaml group trs-xianning): a crawl of one waits for
    the other's group lease instead of doubling the load (and is not skipped: it is another portal)."""
    import threading

    from crawler.cluster.tasks import portal_group

    assert (portal_group("zgtc", []), portal_group("chongyang", []), portal_group("wuchang", [])) == (
        "trs-xianning", "trs-xianning", None
    )  # fmt: skip
    monkeypatch.setenv("NIANBAO_BROKER_URL", redis_server.url)
    monkeypatch.setenv("PATH", str(tmp_path))  # no setpriv: once it has its leases, the crawl fails to start
    client = redis_server.client()
    other = Lease(client, "group:trs-xianning", "chongyang-task on w9@x pid 99")
    assert other.acquire()
    errors: list[BaseException] = []

    def crawl() -> None:
        try:
            run_crawl(Run(client, "t-zgtc", "w1@here", poll=0.05), "zgtc", ["STORE_URI=s3://b/a"])
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=crawl)
    thread.start()
    book = JobBook(client)
    deadline = time.monotonic() + 30
    while (job := book.get("t-zgtc")) is None or job.state != "waiting":
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.05)
    assert job.outcome == "waiting: group:trs-xianning held by chongyang-task on w9@x pid 99"
    assert other.release()
    thread.join(30)
    assert [type(e) for e in errors] == [FileNotFoundError]
    assert client.keys("nianbao:lease:*") == []  # group and portal leases released
