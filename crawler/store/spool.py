"""A local spool for puts the object store could not take (S3 unreachable mid-crawl).

A crawl must not lose a capture because the archive server went away for a minute: the bytes and the
put's arguments are written here, durably, and replayed in order once the store answers again (at the
next put, at close, or by ``scrapy flush``).

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
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.store.base import StoreError, sha256_hex, utcnow, write_atomic

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
