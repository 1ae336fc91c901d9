"""Job records in Redis: one hash per task, so ``scrapy jobs`` answers the same from every node.

A record is written when a task is queued and updated by the worker that runs it: ``queued`` →
``running`` (``waiting`` while another crawl holds the archive) → ``succeeded`` | ``failed`` | ``skipped``.
A crawl that exits non-zero, or is killed by a signal, is ``failed`` with its exit status. A record stays
``running`` when its worker died; the queue redelivers the task and the next worker runs it again
(``attempts`` counts the runs). Records expire after ``RETENTION`` (30 days) and leave the index then.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import redis

KEY = "nianbao:job:"
INDEX = "nianbao:jobs"  # sorted set: task id, scored by the time it was queued
RETENTION = 30 * 24 * 3600
FINAL = frozenset({"succeeded", "failed", "skipped"})


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str  # "crawl", "derive" or "extract"
    portal: str
    state: str  # queued, running, waiting, succeeded, failed, skipped
    outcome: str = ""  # what a person reads: "failed: exit status 1", "skipped: lease portal:… held by …"
    exit_status: int | None = None  # the crawl process's; negative: killed by that signal
    crawl_id: str = ""
    settings: tuple[str, ...] = ()  # NAME=VALUE passed to the crawl
    worker: str = ""
    attempts: int = 0
    enqueued: str = ""
    started: str = ""
    finished: str = ""
    file: str = ""  # an extract job's archived file (its store key)

    @property
    def final(self) -> bool:
        return self.state in FINAL

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "settings": list(self.settings)}


def _encode(values: dict[str, Any]) -> Mapping[Any, Any]:  # redis-py's Mapping type is invariant
    return {name: json.dumps(value) for name, value in values.items()}


def _decode(raw: dict[bytes, bytes]) -> Job | None:
    if not raw:
        return None
    known = {f.name for f in fields(Job)}
    values = {k.decode(): json.loads(v) for k, v in raw.items() if k.decode() in known}
    values["settings"] = tuple(values.get("settings") or ())
    return Job(**values)


class JobBook:
    """The job records of one cluster (its Redis)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def add(self, job: Job) -> None:
        pipe = self.client.pipeline()
        pipe.hset(KEY + job.id, mapping=_encode(asdict(job)))
        pipe.expire(KEY + job.id, RETENTION)
        pipe.zadd(INDEX, {job.id: time.time()})
        pipe.execute()

    def update(self, job_id: str, **values: Any) -> None:
        pipe = self.client.pipeline()
        pipe.hset(KEY + job_id, mapping=_encode(values))
        pipe.expire(KEY + job_id, RETENTION)
        pipe.execute()

    def get(self, job_id: str) -> Job | None:
        return _decode(self.client.hgetall(KEY + job_id))  # type: ignore[arg-type]

    def all(self, ids: Iterable[str] | None = None) -> list[Job]:
        """Jobs in the order they were queued (expired ones are dropped from the index)."""
        if ids is None:
            self.client.zremrangebyscore(INDEX, "-inf", time.time() - RETENTION)
            ids = [i.decode() for i in self.client.zrange(INDEX, 0, -1)]  # type: ignore[union-attr]
        jobs = []
        for job_id in ids:
            job = self.get(job_id)
            if job is not None:
                jobs.append(job)
        return jobs
