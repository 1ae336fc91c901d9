"""The Celery app of a nianbao cluster and its tasks: crawl one portal; derive (status, alerts…) after it;
extract one archived file (crawler/cluster/extract.py), on a queue of its own so it can run on spare CPUs;
derive a portal's cross-report findings once the extractions a crawl queued (``EXTRACT_HANDOFF=queue``)
are done, on the same queue.

Delivery: tasks are acknowledged late (``acks_late``) and put back when the process running them dies
(``task_reject_on_worker_lost``); a worker takes one task at a time per pool process (prefetch 1). If a
whole worker dies (kill -9 of its process group, a node lost), its unacknowledged task returns to the
queue once its visibility timeout passes (``NIANBAO_QUEUE_VISIBILITY``, default 120 s). That timeout
would also redeliver a task that is merely slow, so while a crawl runs its worker keeps the task's entry in
the broker's unacked index fresh (and its leases alive) every ``lease_ttl/3`` seconds: only a task whose
worker stopped renewing is redelivered.

A crawl task is idempotent: a task whose record is final is not run again; running one twice stores no
new versions of unchanged files (the archive is content-addressed), and a dead run's crawl log is
archived by the next crawl of the portal. Every run gets its own crawl id (UTC second + random suffix),
passed to ``scrapy crawl`` with ``-s CRAWL_ID``.

Leases (:mod:`crawler.cluster.lease`), both in the cluster's Redis:

* ``portal:{portal}`` — one crawl of a portal in the cluster at a time. A second crawl task for a portal
  whose lease another task holds is ``skipped: portal:wuchang held by <task> on <node> pid <pid>``. (A
  second delivery of the *same* task waits for the lease instead: it is that task's redelivery.)
* ``group:{group}`` — one crawl at a time of the portals of one politeness group (a registry ``group``
  shared by several portals, e.g. the county sites of one prefecture's server): the others wait.
* ``archive:{archive}`` — one crawl per archive at a time, opt-in (``NIANBAO_ARCHIVE_LEASE=1``). Off by
  default since the catalog database (crawler/store/catalog.py) takes version numbers for every writer and
  each crawl writes only its own portal's keys (cross-report findings are derived apart). With it on,
  other portals' tasks wait for it (``waiting``) instead of failing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery

from crawler import keys
from crawler.arguments import crawl_id as new_crawl_id
from crawler.cluster import broker_url
from crawler.cluster.jobs import Job, JobBook, now
from crawler.cluster.lease import Lease, Renewer
from crawler.registry import RegistryError, default_registry
from crawler.scheduler import ROOT, command_available, load_schedule, run_scrapy

logger = logging.getLogger(__name__)

CRAWL_QUEUE = "crawl"
DERIVE_QUEUE = "derive"
EXTRACT_QUEUE = "extract"
QUEUES = (CRAWL_QUEUE, DERIVE_QUEUE, EXTRACT_QUEUE)


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def lease_ttl() -> float:
    """Seconds a lease outlives its holder's last renewal (``NIANBAO_LEASE_TTL``, default 30)."""
    return _seconds("NIANBAO_LEASE_TTL", 30)


def visibility_timeout() -> float:
    """Seconds before an unacknowledged task of a silent worker is redelivered (``NIANBAO_QUEUE_VISIBILITY``)."""
    return _seconds("NIANBAO_QUEUE_VISIBILITY", 120)


def archive_lease_enabled() -> bool:
    """Whether a crawl takes the archive lease (``NIANBAO_ARCHIVE_LEASE=1``; off by default: version numbers
    are taken in the catalog database, so crawls of several portals can write one archive at once)."""
    return os.environ.get("NIANBAO_ARCHIVE_LEASE", "0") == "1"


def make_app() -> Celery:
    app = Celery("nianbao")
    app.conf.update(
        broker_url=broker_url(),
        broker_connection_retry_on_startup=True,
        # Results live in our own job records (crawler/cluster/jobs.py), readable from any node.
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # acknowledged when the crawl ended, not when it started
        task_reject_on_worker_lost=True,  # a pool process killed mid-task puts its task back
        worker_prefetch_multiplier=1,  # never hold a second crawl while one runs
        task_default_queue=CRAWL_QUEUE,
        task_routes={
            "nianbao.crawl": {"queue": CRAWL_QUEUE},
            "nianbao.derive": {"queue": DERIVE_QUEUE},
            "nianbao.extract": {"queue": EXTRACT_QUEUE},
            "nianbao.derive_reports": {"queue": EXTRACT_QUEUE},
        },
        # Look for the unacked tasks of dead workers every 5 s (kombu's default: every 10th of 10 s ticks).
        broker_transport_options={
            "visibility_timeout": visibility_timeout(),
            "unacked_restore_interval": 5,
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    return app


app = make_app()


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(broker_url())


def archive_identity(settings: list[str]) -> str:
    """The archive a crawl writes, as one name for the whole cluster: an S3 URI with its endpoint; a
    local folder with the node it is on (the same path on two nodes is two archives)."""
    uri = os.environ.get("NIANBAO_STORE_URI") or "./data"
    for item in settings:
        name, _, value = item.partition("=")
        if name == "STORE_URI":
            uri = value
    if uri.startswith("s3://"):
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or "aws"
        return f"{uri}@{endpoint}"
    return f"{socket.gethostname()}:{(ROOT / uri).resolve()}"


def _exit_outcome(code: int) -> tuple[str, str]:
    if code == 0:
        return "succeeded", "succeeded"
    if code < 0:
        return "failed", f"failed: killed by signal {-code}"
    return "failed", f"failed: exit status {code}"


def _settings_args(settings: list[str]) -> list[str]:
    return [part for item in settings for part in ("-s", item)]


@dataclass
class Run:
    """One delivery of a task on this worker."""

    client: redis.Redis
    job_id: str
    node: str
    keepalive: Callable[[], None] | None = None  # bump the broker's unacked entry of this delivery
    poll: float = 1.0

    @property
    def owner(self) -> str:
        return f"{self.job_id} on {self.node} pid {os.getpid()}"

    def lease(self, name: str) -> Lease:
        return Lease(self.client, name, self.owner, int(lease_ttl() * 1000))

    def renewer(self, *leases: Lease) -> Renewer:
        return Renewer(lease_ttl() / 3, list(leases), [self.keepalive] if self.keepalive else [])

    def take_portal(self, lease: Lease, book: JobBook) -> str | None:
        """Take the portal's lease; None when taken, else why the task is skipped. A lease held by another
        delivery of this very task (redelivered while the first still renews it) is waited for."""
        while not lease.acquire():
            holder = lease.holder()
            if holder is None:
                continue  # released between the two calls
            if not holder.startswith(f"{self.job_id} "):
                return f"skipped: {lease.name} held by {holder}"
            with self.renewer():  # our own earlier delivery: keep this one from being redelivered too
                while lease.holder() == holder:
                    time.sleep(self.poll)
            job = book.get(self.job_id)
            if job is not None and job.final:
                return ""  # the earlier delivery finished it
        return None

    def wait_for(self, lease: Lease, book: JobBook, keep: Renewer) -> None:
        """Wait (renewing what we already hold) until ``lease`` is ours; the record says who we wait for."""
        shown = None
        while not lease.acquire():
            holder = lease.holder()
            if holder and holder != shown:
                book.update(self.job_id, state="waiting", outcome=f"waiting: {lease.name} held by {holder}")
                shown = holder
            time.sleep(self.poll)
        keep.leases.append(lease)


def portal_group(portal: str, settings: list[str]) -> str | None:
    """The politeness group ``portal`` shares with other portals of the registry the crawl will read
    (``REGISTRY_PATH`` among ``settings``, else the default one); None when it shares it with none."""
    path = next((item.split("=", 1)[1] for item in settings if item.startswith("REGISTRY_PATH=")), None)
    try:
        registry = default_registry(path or None)
        slot = registry.portal(portal).slot
    except (KeyError, RegistryError):
        return None  # the crawl itself will say what is wrong
    return slot if sum(1 for p in registry.portals.values() if p.slot == slot) > 1 else None


def run_crawl(
    run: Run, portal: str, settings: list[str], derive: bool = False, spider_args: list[str] | None = None
) -> Job:
    """Crawl ``portal`` once under the cluster's leases, recording the job; the final record."""
    book = JobBook(run.client)
    job = book.get(run.job_id)
    if job is None:  # queued by something other than `scrapy enqueue`: record it now
        job = Job(run.job_id, "crawl", portal, "queued", settings=tuple(settings), enqueued=now())
        book.add(job)
    if job.final:
        logger.info("job %s (%s) already %s; not run again", run.job_id, portal, job.state)
        return job
    portal_lease = run.lease(f"portal:{portal}")
    skipped = run.take_portal(portal_lease, book)
    if skipped is not None:
        if skipped:
            logger.warning("job %s: %s", run.job_id, skipped)
            book.update(run.job_id, state="skipped", outcome=skipped, worker=run.node, finished=now())
        return book.get(run.job_id) or job
    try:
        with run.renewer(portal_lease) as keep:
            book.update(run.job_id, state="running", outcome="", worker=run.node, attempts=job.attempts + 1,
                        started=now(), finished="", exit_status=None)  # fmt: skip
            # Portals of one politeness group (one server: crawler/registry.py Portal.group) are crawled one
            # after the other in the cluster, as one process crawls them through one download slot.
            group = portal_group(portal, settings)
            group_lease = run.lease(f"group:{group}") if group else None
            if group_lease is not None:
                run.wait_for(group_lease, book, keep)
            archive_lease = None
            if archive_lease_enabled():
                archive_lease = run.lease(f"archive:{archive_identity(settings)}")
                run.wait_for(archive_lease, book, keep)
            try:
                crawl_id = new_crawl_id(None)  # a fresh one per run: a redelivered crawl is a new crawl
                book.update(run.job_id, state="running", outcome="", crawl_id=crawl_id)
                code = run_scrapy(
                    ["crawl", portal, "-s", f"CRAWL_ID={crawl_id}", *_settings_args(settings)]
                    + [part for arg in spider_args or () for part in ("-a", arg)],
                    die_with_parent=True,
                )
            except Exception as exc:
                # The crawl could not even be started (no setpriv, no interpreter…): a failed job, not a
                # record left `running` for ever (Celery acknowledges a task that raised).
                book.update(run.job_id, state="failed", outcome=f"failed: {exc}", finished=now())
                raise
            finally:
                for held in (archive_lease, group_lease):
                    if held is not None:
                        keep.leases.remove(held)
                        held.release()
            state, outcome = _exit_outcome(code)
            if keep.lost:
                outcome += f" (leases lost while running: {', '.join(keep.lost)})"
            book.update(run.job_id, state=state, outcome=outcome, exit_status=code, finished=now())
    finally:
        portal_lease.release()
    if derive:
        enqueue_derive(portal, settings, run.client)
    return book.get(run.job_id) or job


def run_derive(run: Run, portal: str, settings: list[str]) -> Job:
    """The after-crawl steps of config/schedule.yaml (status, alert, dashboard) for ``portal``, one derive
    per archive at a time (alert state is last-writer-wins)."""
    book = JobBook(run.client)
    job = book.get(run.job_id) or Job(run.job_id, "derive", portal, "queued", settings=tuple(settings), enqueued=now())
    if book.get(run.job_id) is None:
        book.add(job)
    if job.final:
        return job
    lease = run.lease(f"derive:{archive_identity(settings)}")
    with run.renewer() as keep:
        run.wait_for(lease, book, keep)
        try:
            book.update(run.job_id, state="running", outcome="", worker=run.node, attempts=job.attempts + 1,
                        started=now())  # fmt: skip
            worst = 0
            for step in load_schedule([portal]).after_crawl:
                if not command_available(step[0]):
                    continue
                args = [part.replace("{portal}", portal) for part in step]
                code = run_scrapy([*args, *_settings_args(settings)], die_with_parent=True)
                if code not in (0, 1):  # status/alert use 1 for "found problems"
                    worst = worst or code
            state, outcome = _exit_outcome(worst)
            book.update(run.job_id, state=state, outcome=outcome, exit_status=worst, finished=now())
        finally:
            keep.leases.remove(lease)
            lease.release()
    return book.get(run.job_id) or job


def run_extract(run: Run, key: str, sha256: str, settings: list[str]) -> Job:
    """Extract the archived file ``key`` (version ``sha256``) in this process's bounded extraction worker
    and store its record as the crawl would (crawler/cluster/extract.py), recording the job; the final
    record. The record is stored under the archive's lease (when on), as a crawl writes the archive."""
    # The readers' imports only where files are read (not in `scrapy enqueue` or `scrapy jobs`).
    from crawler.cluster import extract  # noqa: PLC0415
    from crawler.extract.workers import WorkerLimits  # noqa: PLC0415
    from crawler.store import StoreError, open_store  # noqa: PLC0415

    book = JobBook(run.client)
    job = book.get(run.job_id)
    if job is None:
        job = Job(run.job_id, "extract", keys.portal_of(key) or "", "queued", settings=tuple(settings),
                  enqueued=now(), file=key)  # fmt: skip
        book.add(job)
    if job.final:
        logger.info("job %s (%s) already %s; not run again", run.job_id, key, job.state)
        return job
    scrapy_settings = extract.project_settings(settings)
    policies = extract.policies_of(scrapy_settings.get("REGISTRY_PATH") or None)
    pool = extract.pool_for(WorkerLimits.from_settings(scrapy_settings))

    def read(data: bytes, **kwargs: Any) -> Any:
        return pool.extract(data, **kwargs, policies=policies).result()

    with run.renewer() as keep:  # keeps the delivery from being redelivered while a long file is read

        @contextlib.contextmanager
        def archive_held() -> Iterator[None]:
            if not archive_lease_enabled():
                yield
                return
            lease = run.lease(f"archive:{archive_identity(settings)}")
            run.wait_for(lease, book, keep)
            book.update(run.job_id, state="running", outcome="")
            try:
                yield
            finally:
                keep.leases.remove(lease)
                lease.release()

        book.update(run.job_id, state="running", outcome="", worker=run.node, attempts=job.attempts + 1,
                    started=now(), finished="")  # fmt: skip
        uri = scrapy_settings["STORE_URI"]
        try:
            store = open_store(uri if "://" in uri else str(ROOT / uri))  # relative: to the project, as crawls
            try:
                result = extract.extract_one(store, key, sha256, read, archive_held)
            finally:
                store.close()
        except (StoreError, OSError) as exc:
            result = extract.FileOutcome("failed", f"failed: the archive: {type(exc).__name__}: {exc}")
        except Exception as exc:
            # A bug, or the broker gone while waiting for the lease: a failed job, not a record left
            # `running` for ever (Celery acknowledges a task that raised).
            book.update(run.job_id, state="failed", outcome=f"failed: {type(exc).__name__}: {exc}", finished=now())
            raise
        if result.state != "succeeded":
            logger.warning("job %s: %s", run.job_id, result.outcome)
        book.update(run.job_id, state=result.state, outcome=result.outcome, finished=now())
    return book.get(run.job_id) or job


def run_derive_reports(run: Run, portal: str, prefixes: list[str], after: list[str], settings: list[str]) -> Job | None:
    """The cross-report findings of ``portal``'s reports ``prefixes``, as a ``pool`` crawl derives them at its
    close (crawler/derive.py :func:`~crawler.derive.derive_portal`, then the edit events' cells), once the
    extract jobs ``after`` (the crawl's, queued before this one) are final; the final record, or None while
    one of them is not (the task is then retried: waiting here would hold a worker slot an extraction
    it waits for may need)."""
    from crawler import derive  # noqa: PLC0415
    from crawler.edits import refresh_events  # noqa: PLC0415
    from crawler.store import StoreError, open_store  # noqa: PLC0415

    book = JobBook(run.client)
    job = book.get(run.job_id)
    if job is None:
        job = Job(run.job_id, "derive", portal, "queued", settings=tuple(settings), enqueued=now())
        book.add(job)
    if job.final:
        return job
    # An expired or unknown job record is not waited for: nothing would ever make it final.
    if unfinished := [j for j in book.all(after) if not j.final]:
        book.update(run.job_id, state="waiting", outcome=f"waiting: {len(unfinished)} extraction(s) of its crawl")
        return None
    # One derive of a portal's findings at a time: each rewrites the portal's signature file.
    lease = run.lease(f"derive:{portal}@{archive_identity(settings)}")
    with run.renewer() as keep:
        run.wait_for(lease, book, keep)
        book.update(run.job_id, state="running", outcome="", worker=run.node, attempts=job.attempts + 1,
                    started=now())  # fmt: skip
        uri = dict(item.partition("=")[::2] for item in settings).get("STORE_URI") or "./data"
        try:
            store = open_store(uri if "://" in uri else str(ROOT / uri))
            try:
                changed = derive.derive_portal(store, portal, prefixes)
                refresh_events(store)  # edit events gain the cell changes, as at a pool crawl's close
            finally:
                store.close()
            state, outcome = "succeeded", f"succeeded: derived findings of {changed} object(s) changed"
        except (StoreError, OSError) as exc:
            state, outcome = "failed", f"failed: the archive: {type(exc).__name__}: {exc}"
        finally:
            keep.leases.remove(lease)
            lease.release()
        book.update(run.job_id, state=state, outcome=outcome, finished=now())
    return book.get(run.job_id) or job


# ---- Celery glue ------------------------------------------------------------------------------------
def _keepalive(task: Any) -> Callable[[], None] | None:
    """Refresh this delivery's entry in the Redis transport's unacked index, so the visibility timeout
    counts from the worker's last sign of life rather than from the delivery."""
    # Celery keeps kombu's delivery tag in the message properties (its delivery_info drops it).
    tag = (getattr(task.request, "properties", None) or {}).get("delivery_tag")
    if not tag:
        return None
    client = redis_client()
    index = "unacked_index"  # kombu's default unacked_index_key (no global_keyprefix configured)

    def bump() -> None:
        client.zadd(index, {tag: time.time()}, xx=True)

    return bump


def _node(task: Any) -> str:
    return str(task.request.hostname or socket.gethostname())


@app.task(name="nianbao.crawl", bind=True)
def crawl_task(
    self: Any, portal: str, settings: list[str], derive: bool = False, spider_args: list[str] | None = None
) -> str:
    run = Run(redis_client(), self.request.id, _node(self), _keepalive(self))
    job = run_crawl(run, portal, settings, derive, spider_args)
    return job.outcome


@app.task(name="nianbao.derive", bind=True)
def derive_task(self: Any, portal: str, settings: list[str]) -> str:
    job = run_derive(Run(redis_client(), self.request.id, _node(self), _keepalive(self)), portal, settings)
    return job.outcome


@app.task(name="nianbao.extract", bind=True)
def extract_task(self: Any, key: str, sha256: str, settings: list[str]) -> str:
    job = run_extract(Run(redis_client(), self.request.id, _node(self), _keepalive(self)), key, sha256, settings)
    return job.outcome


@app.task(name="nianbao.derive_reports", bind=True)
def derive_reports_task(self: Any, portal: str, prefixes: list[str], after: list[str], settings: list[str]) -> str:
    job = run_derive_reports(
        Run(redis_client(), self.request.id, _node(self), _keepalive(self)), portal, prefixes, after, settings
    )
    if job is None:  # the crawl's extractions are not all done: look again in a few seconds, for as long as it takes
        raise self.retry(countdown=2, max_retries=None)
    return job.outcome


def enqueue_crawl(
    portal: str,
    settings: list[str],
    client: redis.Redis | None = None,
    derive: bool = False,
    spider_args: list[str] | None = None,
) -> str:
    """Queue a crawl of ``portal`` and record it; the task id."""
    from celery.utils import uuid  # noqa: PLC0415

    job_id = uuid()
    JobBook(client or redis_client()).add(
        Job(job_id, "crawl", portal, "queued", settings=tuple(settings), enqueued=now())
    )
    args = [portal, list(settings), derive, list(spider_args or ())]
    crawl_task.apply_async(args=args, task_id=job_id, queue=CRAWL_QUEUE)
    return job_id


def enqueue_derive(portal: str, settings: list[str], client: redis.Redis | None = None) -> str:
    from celery.utils import uuid  # noqa: PLC0415

    job_id = uuid()
    JobBook(client or redis_client()).add(
        Job(job_id, "derive", portal, "queued", settings=tuple(settings), enqueued=now())
    )
    derive_task.apply_async(args=[portal, list(settings)], task_id=job_id, queue=DERIVE_QUEUE)
    return job_id


def enqueue_extract(key: str, sha256: str, settings: list[str], client: redis.Redis | None = None) -> str:
    """Queue the extraction of the archived file ``key`` (version ``sha256``) and record it; the task id."""
    from celery.utils import uuid  # noqa: PLC0415

    job_id = uuid()
    JobBook(client or redis_client()).add(
        Job(job_id, "extract", keys.portal_of(key) or "", "queued", settings=tuple(settings), enqueued=now(), file=key)
    )
    extract_task.apply_async(args=[key, sha256, list(settings)], task_id=job_id, queue=EXTRACT_QUEUE)
    return job_id


def enqueue_derive_reports(
    portal: str, prefixes: list[str], after: list[str], settings: list[str], client: redis.Redis | None = None
) -> str:
    """Queue the cross-report findings of ``portal``'s reports ``prefixes``, derived once the extract jobs
    ``after`` are final (on the extract queue, behind them); the task id."""
    from celery.utils import uuid  # noqa: PLC0415

    job_id = uuid()
    JobBook(client or redis_client()).add(
        Job(job_id, "derive", portal, "queued", settings=tuple(settings), enqueued=now())
    )
    args = [portal, list(prefixes), list(after), list(settings)]
    derive_reports_task.apply_async(args=args, task_id=job_id, queue=EXTRACT_QUEUE)
    return job_id


def worker_argv(queues: list[str], concurrency: int, name: str | None, loglevel: str = "INFO") -> list[str]:
    node = name or f"nianbao-{os.getpid()}@{socket.gethostname()}"
    return ["worker", "-Q", ",".join(queues), "-c", str(concurrency), "-n", node, "--loglevel", loglevel,
            "--without-gossip", "--without-mingle"]  # fmt: skip
