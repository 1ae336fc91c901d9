"""The store contract shared by every backend, and the ledger entry it records.

Invariants every backend keeps (and ``tests/test_store.py`` checks on each):
* a key's history is append-only; versions are numbered 1, 2, … in capture order;
* putting the same bytes as the key's latest version creates nothing;
* a version, once listed, can always be read back byte for byte and re-hashes to its sha256;
* after a crash no partial object is visible, and a ledger entry torn by a crash is never an entry: it
  is set aside as a note (LocalStore: ``ledger.torn.jsonl``), so ``verify`` does not fail on it forever.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.store.catalog import CatalogIndex


class StoreError(RuntimeError):
    """The archive cannot do what was asked (bad key, missing object, corrupt ledger…)."""


class StoreOfflineError(StoreError):
    """The archive's server cannot be reached right now (a spooling wrapper keeps the put for later)."""


@dataclass(frozen=True)
class Version:
    """One ledger entry: the n-th distinct content stored under ``key``."""

    key: str
    version: int
    sha256: str
    size: int
    stored_at: str  # ISO 8601 UTC, when the archive recorded it
    content_type: str | None = None
    source_url: str | None = None
    fetched_at: str | None = None  # when the bytes were fetched from the portal
    meta: Mapping[str, Any] = field(default_factory=dict)  # HTTP Last-Modified, ETag, crawl id…
    backend_id: str | None = None  # e.g. the S3 VersionId

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["meta"] = dict(self.meta)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Version:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class PutResult:
    version: Version
    created: bool  # False when the bytes equal the latest version's


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|]")


def safe_key(*parts: str) -> str:
    """Join key segments, refusing anything that could escape the archive or confuse a filesystem.

    Hostile attachment names (``../``, absolute paths, NUL bytes, control characters) are neutralised
    here, once, for every backend: each segment is NFC-normalised, stripped of separators and control
    characters, and may not be ``.``/``..`` or empty.
    """
    clean: list[str] = []
    for part in parts:
        for raw in unicodedata.normalize("NFC", str(part)).split("/"):
            seg = _UNSAFE.sub("_", raw).strip().strip(".")
            if seg:
                clean.append(seg[:200])
    if not clean:
        raise StoreError(f"empty key from {parts!r}")
    return "/".join(clean)


def safe_name(name: str, default: str = "file") -> str:
    """One key segment from an untrusted file name (no separators survive)."""
    flat = unicodedata.normalize("NFC", name).replace("/", "_").replace("\\", "_")
    flat = _UNSAFE.sub("_", flat).strip().lstrip(".")
    return flat[:200] or default


class Store(ABC):
    """An archive of versioned objects plus the ledger that lists every version."""

    uri: str
    index: CatalogIndex  # the ledger as recorded in the catalog (see crawler/store/catalog.py)

    @abstractmethod
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
        """Store ``data`` as a new version of ``key`` unless it equals the latest version."""

    @abstractmethod
    def get(self, key: str, version: int | None = None) -> bytes:
        """The bytes of ``version`` (default: latest) of ``key``; :class:`StoreError` if absent."""

    @abstractmethod
    def ledger(self) -> Iterator[Version]:
        """Every version ever stored, in the order it was recorded."""

    def history(self, key: str) -> list[Version]:
        return [v for v in self.ledger() if v.key == key]

    def latest(self, key: str) -> Version | None:
        history = self.history(key)
        return history[-1] if history else None

    def keys(self, prefix: str = "") -> list[str]:
        seen: dict[str, None] = {}
        for v in self.ledger():
            if v.key.startswith(prefix):
                seen.setdefault(v.key, None)
        return list(seen)

    def put_json(self, key: str, obj: Any, **kwargs: Any) -> PutResult:
        """Store a JSON document canonically (sorted keys) so equal content dedupes."""
        data = json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode()
        return self.put(key, data, content_type="application/json", **kwargs)

    def get_json(self, key: str, version: int | None = None) -> Any:
        return json.loads(self.get(key, version))

    def check_key(self, key: str) -> str:
        """``key`` if this backend can store it, else :class:`StoreError`."""
        return key

    def close(self) -> list[PutResult]:
        """Flush and release resources. Returns the writes a last flush of spooled puts stored (their
        callers record what they mean, e.g. silent edits: the store does not know)."""
        return []

    def take_flushed(self) -> list[PutResult]:
        """Writes that a flush triggered by an earlier put stored since the last call (then forgotten).
        Always empty for a store that never spools."""
        return []

    def spooled(self) -> list[str]:
        """Keys of writes accepted but not durable in the archive yet (waiting in a local spool), in
        order; a key appears once per spooled write. Always empty for a store that never spools."""
        return []

    def spooled_bytes(self, key: str) -> bytes:
        """The bytes of the last spooled write of ``key`` (:class:`StoreError` if none)."""
        raise StoreError(f"no spooled write of {key!r} in {self.uri}")

    def lock_path(self, name: str) -> Path:
        """A local file whose ``flock`` stands for ``name`` in this archive (see :func:`hold_lock`)."""
        raise NotImplementedError(f"{type(self).__name__} has no local lock folder")


class ArchiveBusyError(StoreError):
    """Someone else holds the lock (another crawl of the same portal into the same archive)."""


def hold_lock(path: Path, holder: Mapping[str, Any]) -> IO[str]:
    """Take the exclusive ``flock`` on ``path`` without waiting and write ``holder`` into it (for the
    message the next comer gets); :class:`ArchiveBusyError` with the holder's description if it is taken.

    The kernel releases the lock when the holder's process ends, however it ends (kill -9 included), so
    a crashed crawl never leaves a stale lock. Keep the returned handle open for as long as the lock is
    needed; closing it releases the lock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        text = handle.read().strip()
        handle.close()
        try:
            held_by = ", ".join(f"{k} {v}" for k, v in json.loads(text).items())
        except (ValueError, AttributeError):
            held_by = text or "a process that has not written its name yet"
        raise ArchiveBusyError(f"lock {path} held by {held_by}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(dict(holder), sort_keys=True) + "\n")
    handle.flush()
    return handle


def write_atomic(path: Path, data: bytes, tmp_dir: Path | None = None) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the whole new one: a
    temporary file (in ``tmp_dir``, which must be on the same file system, else beside ``path``),
    fsync, rename."""
    fd, tmp = tempfile.mkstemp(dir=tmp_dir or path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
