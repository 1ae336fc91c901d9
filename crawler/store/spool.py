"""A local spool for puts the object store could not take (S3 unreachable mid-crawl).

A crawl must not lose a capture because the archive server went away for a minute: the bytes and the
put's arguments are written here, durably, and replayed in order once the store answers again (at the
next put, at close, or by ``scrapy flush``). :class:`SpooledStore` wraps any store this way: a put the
wrapped store refuses with :class:`~crawler.store.base.StoreOfflineError` is spooled. A flush returns
what it stored; what those writes mean (a silent edit of a report…) is for the caller to record.

Layout: ``{root}/{sha256(uri)[:16]}/`` per store URI (``uri`` holds the URI for humans), and per put
``{ns_time}-{pid}-{n}.bin`` (the bytes) plus ``….json`` (key, sha256, put arguments). The ``.json`` is
written last (temp file, fsync, rename) and is the commit marker: a crash mid-spool leaves at worst an
orphan ``.bin`` or a temp file under ``tmp/{pid}/``, never an entry without bytes; ``sweep`` deletes
those once the process that wrote them is gone (the pid is in their names). Entries are replayed in
name (= time) order, so the versions of one key keep their order; an entry is deleted only after its
put succeeded, and replaying it again after a crash is harmless because the store dedupes equal bytes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import json
import logging
import os
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.store.base import (
    PutResult,
    Store,
    StoreError,
    StoreOfflineError,
    Version,
    sha256_hex,
    utcnow,
    write_atomic,
)

logger = logging.getLogger(__name__)

_counter = itertools.count()


def default_spool_root() -> Path:
    return Path(os.environ.get("NIANBAO_SPOOL") or "spool")


@dataclass(frozen=True)
class SpoolEntry:
    path: Path  # the .json marker
    key: str
    sha256: str
    size: int
    spooled_at: str
    kwargs: dict[str, Any]  # content_type, source_url, fetched_at, meta

    @property
    def blob(self) -> Path:
        return self.path.with_suffix(".bin")


class Spool:
    def __init__(self, uri: str, root: str | os.PathLike[str] | None = None):
        self.uri = uri
        base = Path(root) if root is not None else default_spool_root()
        self.dir = base / hashlib.sha256(uri.encode()).hexdigest()[:16]

    def add(self, key: str, data: bytes, kwargs: dict[str, Any]) -> SpoolEntry:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "uri").write_text(self.uri + "\n")
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_counter):06d}"
        marker = self.dir / f"{name}.json"
        entry = SpoolEntry(marker, key, sha256_hex(data), len(data), utcnow(), kwargs)
        tmp = self.dir / "tmp" / str(os.getpid())
        tmp.mkdir(parents=True, exist_ok=True)
        write_atomic(entry.blob, data, tmp)
        doc = {"key": key, "sha256": entry.sha256, "size": entry.size, "spooled_at": entry.spooled_at, "kwargs": kwargs}
        write_atomic(marker, json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str).encode(), tmp)
        return entry

    def sweep(self) -> int:
        """Delete what writers that died mid-``add`` left behind: a ``.bin`` without its marker, a temp
        folder. Only a dead process's files go (a live one may be between its ``.bin`` and its marker),
        so this is safe beside other crawls. Returns how many were removed."""
        if not self.dir.is_dir():
            return 0
        removed = 0
        for blob in self.dir.glob("*.bin"):
            pid = blob.stem.split("-")[1] if blob.stem.count("-") == 2 else ""
            if not blob.with_suffix(".json").exists() and pid.isdigit() and not _alive(int(pid)):
                blob.unlink(missing_ok=True)
                removed += 1
        tmp = self.dir / "tmp"
        for folder in tmp.iterdir() if tmp.is_dir() else ():
            if folder.name.isdigit() and not _alive(int(folder.name)):
                removed += sum(1 for p in folder.iterdir())
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    def entries(self) -> list[SpoolEntry]:
        if not self.dir.is_dir():
            return []
        found = []
        for marker in sorted(self.dir.glob("*.json")):
            try:
                doc = json.loads(marker.read_bytes())
            except (OSError, ValueError):
                continue  # removed by a concurrent flush, or not ours
            found.append(SpoolEntry(marker, doc["key"], doc["sha256"], doc["size"], doc["spooled_at"], doc["kwargs"]))
        return found

    def pending(self) -> bool:
        return self.dir.is_dir() and any(self.dir.glob("*.json"))

    def read(self, entry: SpoolEntry) -> bytes:
        data = entry.blob.read_bytes()
        if sha256_hex(data) != entry.sha256:
            raise StoreError(f"spooled bytes of {entry.key!r} ({entry.blob}) do not match their sha256")
        return data

    def remove(self, entry: SpoolEntry) -> None:
        entry.path.unlink(missing_ok=True)  # the marker first: a half-removed entry is then just an orphan .bin
        entry.blob.unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self, blocking: bool = True) -> Iterator[bool]:
        """Hold the spool's flush lock (one flusher across processes); yields False if busy."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / ".lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Flushed:
    """What a flush did: the writes it stored, in order, and whether the spool is empty afterwards
    (the truth value, so ``if store.flush():`` reads as "everything is in the archive")."""

    stored: tuple[PutResult, ...]
    done: bool

    def __bool__(self) -> bool:
        return self.done


class SpooledStore(Store):
    """``inner`` with a spool in front: puts it cannot take now (:class:`StoreOfflineError`) wait in
    ``spool`` and are replayed in order before the next put of any key, at ``close()``, or by ``flush()``.

    Reads go to ``inner`` unchanged; so do attributes this wrapper does not have (``bucket``,
    ``verify_chain``…).
    """

    def __init__(self, inner: Store, spool: Spool, *, retry_after: float | None = None):
        self.inner = inner
        self.uri = inner.uri
        self.index = inner.index  # the same object: the inner store extends it in place
        self.spool = spool
        self.retry_after = (
            retry_after if retry_after is not None else float(os.environ.get("NIANBAO_S3_RETRY_SECS", "10"))
        )
        self._offline_until = 0.0
        self._flushed: list[PutResult] = []  # stored by flushes that puts triggered, until taken
        self._state_lock = threading.RLock()  # the spool's order against the inner store's index
        self._key_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (during unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    # ---- reading: the inner store's ------------------------------------------------------------
    def get(self, key: str, version: int | None = None) -> bytes:
        return self.inner.get(key, version)

    def ledger(self) -> Iterator[Version]:
        return self.inner.ledger()

    def history(self, key: str) -> list[Version]:
        return self.inner.history(key)

    def latest(self, key: str) -> Version | None:
        return self.inner.latest(key)

    def keys(self, prefix: str = "") -> list[str]:
        return self.inner.keys(prefix)

    def check_key(self, key: str) -> str:
        return self.inner.check_key(key)

    # ---- writing -----------------------------------------------------------------------------
    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        source_url: str | None = None,
        fetched_at: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> PutResult:
        key = self.inner.check_key(key)
        kwargs = {"content_type": content_type, "source_url": source_url, "fetched_at": fetched_at}
        kwargs_meta: dict[str, Any] = {**kwargs, "meta": dict(meta or {})}
        with self._key_locks[key]:
            try:
                # Spooled puts go first, so that the versions of a key keep their order.
                if self.spool.pending():
                    flushed = self.flush(blocking=False)
                    self._flushed.extend(flushed.stored)
                    if not flushed:
                        return self._spool_put(key, data, kwargs_meta, f"{self.uri}: earlier puts are still spooled")
                return self.inner.put(key, data, meta=meta, **kwargs)
            except StoreOfflineError as exc:
                return self._spool_put(key, data, kwargs_meta, str(exc))

    def take_flushed(self) -> list[PutResult]:
        with self._state_lock:
            taken, self._flushed = self._flushed, []
            return taken

    def _spool_put(self, key: str, data: bytes, kwargs: dict[str, Any], why: str) -> PutResult:
        sha256 = sha256_hex(data)
        with self._state_lock:
            pending = [e for e in self.spool.entries() if e.key == key]
            latest = self.inner.index.latest(key)  # as last read: the server is not answering
            last_sha = pending[-1].sha256 if pending else (latest.sha256 if latest else None)
            base = latest.version if latest else 0
            if last_sha == sha256:
                if pending:
                    return PutResult(
                        self._provisional(key, base + len(pending), pending[-1].spooled_at, sha256, len(data), kwargs),
                        created=False,
                    )
                assert latest is not None
                return PutResult(latest, created=False)
            entry = self.spool.add(key, data, kwargs)
            # Loud once per outage; the puts queued behind it are routine.
            log = logger.warning if not pending and len(self.spool.entries()) == 1 else logger.info
            log("%s; %s spooled to %s", why, key, self.spool.dir)
            version = self._provisional(key, base + len(pending) + 1, entry.spooled_at, sha256, len(data), kwargs)
            return PutResult(version, created=True)

    @staticmethod
    def _provisional(key: str, number: int, spooled_at: str, sha256: str, size: int, kwargs: dict[str, Any]) -> Version:
        """The version a spooled put will most likely get (another writer may take the number first)."""
        return Version(
            key=key,
            version=number,
            sha256=sha256,
            size=size,
            stored_at=spooled_at,
            content_type=kwargs.get("content_type"),
            source_url=kwargs.get("source_url"),
            fetched_at=kwargs.get("fetched_at"),
            meta={**kwargs.get("meta", {}), "spooled": True},
        )

    def flush(self, blocking: bool = True) -> Flushed:
        """Replay spooled puts in order; what was stored, and whether the spool is empty afterwards.

        Non-blocking calls (from ``put``) give up while the store is known to be down, or while another
        process is flushing; ``scrapy flush`` blocks and raises if the store is still unreachable.
        """
        if blocking:  # `scrapy flush`: also clean up after killed writers, even when nothing is pending
            self._sweep_spool()
        if not self.spool.pending():
            return Flushed((), True)
        if not blocking and time.monotonic() < self._offline_until:
            return Flushed((), False)
        stored: list[PutResult] = []
        with self.spool.lock(blocking) as locked:
            if not locked:
                return Flushed((), False)
            for entry in self.spool.entries():
                data = self.spool.read(entry)
                kw = entry.kwargs
                meta = {**kw.get("meta", {}), "spooled_at": entry.spooled_at}
                try:
                    result = self.inner.put(
                        entry.key,
                        data,
                        content_type=kw.get("content_type"),
                        source_url=kw.get("source_url"),
                        fetched_at=kw.get("fetched_at"),
                        meta=meta,
                    )
                except StoreOfflineError:
                    self._offline_until = time.monotonic() + self.retry_after
                    if blocking:
                        with self._state_lock:  # stored before the failure: still the caller's to record
                            self._flushed.extend(stored)
                        raise
                    return Flushed(tuple(stored), False)
                stored.append(result)
                self.spool.remove(entry)
                logger.info("%s: flushed spooled %s", self.uri, entry.key)
        self._offline_until = 0.0
        return Flushed(tuple(stored), not self.spool.pending())

    def _sweep_spool(self) -> None:
        if swept := self.spool.sweep():
            logger.warning("%s: removed %d file(s) a killed process left in %s", self.uri, swept, self.spool.dir)

    def close(self) -> list[PutResult]:
        self._sweep_spool()
        stored = self.take_flushed()
        if not self.spool.pending():
            return stored
        self._offline_until = 0.0  # try once more now, whatever the back-off says
        try:
            flushed = self.flush(blocking=False)
            stored += flushed.stored
            if flushed:
                return stored
        except StoreError as exc:
            logger.error("%s: flushing the spool failed: %s", self.uri, exc)
        logger.warning(
            "%s: %d put(s) still spooled in %s; run `scrapy flush` when the store is back",
            self.uri,
            len(self.spool.entries()),
            self.spool.dir,
        )
        return stored

    def lock_path(self, name: str) -> Path:
        """A local lock beside this store's spool. S3 has no lock that the kernel releases when its holder
        dies, so this serialises only the processes of one machine that share ``NIANBAO_SPOOL``: two
        machines (or two spool folders) crawling one bucket are not kept apart."""
        return self.spool.dir / "locks" / f"{name}.lock"

    def pending(self) -> int:
        """How many puts wait in the spool."""
        return len(self.spool.entries())

    def spooled(self) -> list[str]:
        return [entry.key for entry in self.spool.entries()]

    def spooled_bytes(self, key: str) -> bytes:
        found = [entry for entry in self.spool.entries() if entry.key == key]
        if not found:
            raise StoreError(f"no spooled write of {key!r} in {self.spool.dir}")
        return self.spool.read(found[-1])


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False  # not a writer's pid (and kill(0) would signal our own group)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
