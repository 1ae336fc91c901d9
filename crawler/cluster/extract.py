"""Extract one archived report file for the queue's ``nianbao.extract`` task (crawler/cluster/tasks.py).

The file is named by its store key and the sha256 of the version to read (what ``scrapy enqueue
--extract`` saw as the latest). It is read in the bounded worker pool of the crawl
(:mod:`crawler.extract.workers`: EXTRACT_MEMORY_MB, EXTRACT_TIMEOUT, EXTRACT_OCR_MEMORY_MB) and its record
is made and stored exactly as the crawl's extraction makes it (pipelines/extract.py: the same
:func:`crawler.records.read_archived`, :func:`~crawler.records.finish_archived` and
:func:`~crawler.records.save_record`), so the same file gives the same bytes and an unchanged record makes
no new version. Cross-report findings are not the record's: `scrapy derive` (or the next crawl's close)
brings them up to date.

Outcomes, as `scrapy jobs` shows them:

* ``succeeded``: ``record stored`` (new or changed) or ``record unchanged``;
* ``failed``: the file could not be read (its record, with a P00 finding, is stored as the crawl would
  store it, and the reason is the outcome: ``failed: render_limit: …``); the key is not a report file of
  the archive; the archive could not be read or written;
* ``skipped``: the archive holds a newer version of the file than the one queued (the crawl that stored
  it extracts it; queue it again to re-read it).

A file whose current record says a limit refused it is not read again until the extractor version
changes (as `scrapy extract` does): its job fails with the stored reason at once.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from multiprocessing.process import AuthenticationString  # type: ignore[attr-defined]
from typing import Any

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from crawler import keys, records
from crawler.extract.deadline import Policy
from crawler.extract.record import Record
from crawler.extract.workers import ExtractPool, WorkerLimits
from crawler.registry import default_registry
from crawler.store import Store, StoreError


@dataclass(frozen=True)
class FileOutcome:
    state: str  # succeeded, failed or skipped (crawler/cluster/jobs.py)
    outcome: str
    changed: bool = False  # a new version of the record was stored


def project_settings(overrides: list[str]) -> Settings:
    """The project's settings with the task's NAME=VALUE overrides, as ``scrapy … -s NAME=VALUE`` sets them."""
    settings = get_project_settings()
    for item in overrides:
        name, _, value = item.partition("=")
        settings.set(name, value, priority="cmdline")
    return settings


@functools.cache
def policies_of(registry_path: str | None) -> dict[str, Policy]:
    return records.deadline_policies(default_registry(registry_path))


_pools: dict[WorkerLimits, ExtractPool] = {}
_pools_lock = threading.Lock()


def pool_for(limits: WorkerLimits) -> ExtractPool:
    """One extraction worker per queue process, kept between tasks (its forkserver has imported the
    readers once): a task reads one file at a time, so ``scrapy worker --concurrency N`` is the number of
    files read at once."""
    limits = dataclasses.replace(limits, workers=1)
    with _pools_lock:
        if limits not in _pools:
            _allow_children()
            _pools[limits] = ExtractPool(limits)
        return _pools[limits]


def _allow_children() -> None:
    """Let this Celery pool process start the extraction pool's workers.

    Celery's pool processes are daemonic, and multiprocessing refuses children to a daemon (it would
    orphan them when killed). Ours cannot be orphaned: the workers are forked by the pool's forkserver,
    which exits when this process does, and each dies with its parent (PR_SET_PDEATHSIG). Their process
    objects also inherit this process's authentication key, which billiard keeps in a type of its own
    that only billiard may pickle: the forkserver gets it as multiprocessing's type."""
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    config["daemon"] = False
    config["authkey"] = AuthenticationString(bytes(config["authkey"]))


@atexit.register
def _close_pools() -> None:
    for pool in _pools.values():
        pool.close()


def report_file(store: Store, key: str) -> tuple[dict[str, Any], dict[str, Any]] | str:
    """The catalogue entry (report.json) of the report ``key`` belongs to and the file's entry in it; or
    why ``key`` is not an archived report file."""
    if not keys.is_report_file(key):
        return f"{key} is not a report file's key ({{portal}}/{{street}}/{{year}}/{{file}})"
    prefix = key.rsplit("/", 1)[0]
    try:
        report = records.report_meta(store, prefix)
    except StoreError:
        return f"{key}: no catalogue entry {keys.report_json(prefix)}"
    for file in records.report_files(report):
        if file["store_key"] == key:
            return report, dict(file)
    return f"{key} is not a file of the report {prefix}"


def _p00(record: Record) -> str | None:
    for finding in record.findings:
        if finding.rule == "P00":
            evidence = finding.evidence
            return f"{evidence.get('reason')}: {evidence.get('detail')}" if evidence.get("detail") else finding.message
    return None


def extract_one(
    store: Store,
    key: str,
    sha256: str,
    read: Callable[..., Record],
    saving: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext,
) -> FileOutcome:
    """Read the archived file ``key`` (version ``sha256``) with ``read`` (``extract``'s signature, e.g.
    ``ExtractPool.extract(...).result``) and store its record; ``saving()`` is a context manager held
    while the record is stored (the archive's lease). Store failures raise :class:`StoreError`/OSError."""
    found = report_file(store, key)
    if isinstance(found, str):
        return FileOutcome("failed", f"failed: {found}")
    report, file = found
    latest = store.latest(key)
    if latest is None:
        return FileOutcome("failed", f"failed: {key} was never archived")
    if latest.sha256 != sha256:
        return FileOutcome("skipped", f"skipped: {key} has a newer version ({latest.sha256[:12]}) than {sha256[:12]}")
    if records.is_current(store, key) and records.refused_by_limit(store, key):
        stored = records.load_record(store, key, with_text=False, derived=False)
        reason = _p00(stored) if stored is not None else None
        return FileOutcome("failed", f"failed: {reason} (stored record; not read again by this extractor version)")
    archived = records.read_archived(store, report, file)
    if archived is None:  # deleted between the two look-ups
        return FileOutcome("failed", f"failed: {key} was never archived")
    raw = read(archived.data, **archived.kwargs)
    record = records.finish_archived(archived, raw)
    with saving():
        changed = records.save_record(store, key, record)
    what = "record stored" if changed else "record unchanged"
    if reason := _p00(record):
        return FileOutcome("failed", f"failed: {reason} ({what}, P00)", changed)
    return FileOutcome("succeeded", f"succeeded: {what}", changed)


@dataclass(frozen=True)
class QueuedFile:
    key: str
    sha256: str

    @property
    def portal(self) -> str:
        return self.key.split("/", 1)[0]


def archived_files(store: Store, portal: str | None) -> Iterator[QueuedFile]:
    """Every archived report file of ``portal`` (None: of every portal) with its latest version's sha256,
    in key order."""
    for prefix in records.report_prefixes(store, portal):
        try:
            report = records.report_meta(store, prefix)
        except StoreError:
            continue
        for file in records.report_files(report):
            latest = store.latest(file["store_key"])
            if latest is not None:
                yield QueuedFile(file["store_key"], latest.sha256)
