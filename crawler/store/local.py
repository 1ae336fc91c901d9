"""The local archive: content-addressed blobs plus an append-only, hash-chained JSON-lines ledger.

Layout under the root::

    blobs/sha256/ab/abcdef…   immutable object bytes (written to a temp file, fsynced, renamed)
    tmp/                      temp files of blobs being written; a writer killed mid-blob leaves one
                              here, and the next writer sweeps it (writes hold the ledger lock, so a
                              temp file seen under the lock belongs to a dead writer)
    ledger.jsonl              one line per new version; each line carries ``chain``, the sha256 of
                              the previous line's chain and this entry, so any edit or deletion of
                              history is detectable by ``verify``

    locks/{name}.lock         flock files: one crawl of a portal into this archive at a time
    ledger.torn.jsonl         the torn last lines a crash mid-append left in the ledger, one JSON note
                              each (where it was, when it was found, its bytes in base64)

A blob is written before its ledger line, so a crash leaves at worst an unreferenced blob, never a
ledger entry without bytes. A torn last ledger line (a power cut mid-append: bytes without their
newline) is not a committed entry: it is ignored on read, and recovered when the store is opened and
before every append, under the ledger lock (so never while a live writer is mid-line): its bytes are
kept as a note in ``ledger.torn.jsonl`` and the ledger is cut back to its last complete line. Fencing
it off with a newline instead would leave a line that is not JSON, and ``verify`` would fail on every
later run although the archive is consistent. No blank line is ever written.

Nothing is created until the first put: opening an archive to read it (``status``, or a spider that is
not a portal crawl) never makes a folder or a ledger.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from crawler.store.base import PutResult, Store, StoreError, Version, sha256_hex, utcnow, write_atomic
from crawler.store.catalog import BATCH, catalog_url, open_index

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def chain_hash(previous: str, entry: Mapping[str, Any]) -> str:
    body = json.dumps({k: v for k, v in entry.items() if k != "chain"}, sort_keys=True, ensure_ascii=False)
    return sha256_hex((previous + body).encode())


class LocalStore(Store):
    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.uri = str(self.root)
        self.ledger_path = self.root / "ledger.jsonl"
        self.torn_path = self.root / "ledger.torn.jsonl"
        self.tmp_dir = self.root / "tmp"
        self._swept = False
        # The catalog (crawler/catalog.py), caught up incrementally with the ledger's tail so that
        # several processes (a crawl and an `extract`) can share one archive; kept in the archive's
        # folder as catalog.sqlite unless NIANBAO_CATALOG_URL names a shared database.
        self.index = open_index(str(self.root.resolve()) if catalog_url() else ".", self.root / "catalog.sqlite")
        self._chain = GENESIS
        # Pipelines call the store from worker threads (asyncio.to_thread): the index and the ledger
        # offset are shared state. flock orders processes; this orders threads of one process.
        self._lock = threading.RLock()
        if self.ledger_path.exists():
            try:
                with self._lock, self.ledger_path.open("r+b") as fh:
                    fcntl.flock(fh, fcntl.LOCK_EX)  # waits for a live writer to finish its line
                    self._recover_torn_tail(fh)
            except OSError as exc:  # a read-only archive can still be read (the torn line stays ignored)
                logger.warning("archive %s: cannot recover the ledger's torn last line: %s", self.uri, exc)
        self._refresh()

    # ---- reading ---------------------------------------------------------------------------
    def _refresh(self) -> None:
        """Record in the catalog the ledger lines written since its cursor (by anyone), a batch at a time."""
        if not self.ledger_path.exists():
            return  # nothing archived yet
        with self._lock:
            while True:
                cursor = self.index.cursor()
                start = int(cursor.position or 0)
                offset, chain, batch, more = start, cursor.chain, [], False
                with self.ledger_path.open("rb") as fh:
                    if not self._cursor_fits(fh, start):
                        continue
                    fh.seek(start)
                    for raw in fh:
                        if not raw.endswith(b"\n"):
                            break  # torn tail from a crash: not a committed entry
                        offset += len(raw)
                        line = raw.strip()
                        if not line:
                            continue
                        try:
                            data = json.loads(line)
                            version = Version.from_json(data)
                        except (ValueError, TypeError) as exc:
                            logger.error("archive ledger %s: unreadable line skipped: %s", self.ledger_path, exc)
                            continue
                        chain = data.get("chain", chain)
                        batch.append(version)
                        if len(batch) >= BATCH:
                            more = True
                            break
                if offset == start:
                    self._chain = cursor.chain
                    return
                if self.index.advance(cursor, str(offset), chain, batch):
                    self._chain = chain
                    if not more:
                        return
                # else another process recorded this tail first: read on from where it stopped

    def _cursor_fits(self, fh: BinaryIO, offset: int) -> bool:
        """Whether the catalog's cursor falls on a line boundary of this ledger. If not, the ledger is not
        the one the catalog was built from (restored from a backup, replaced, or cut by hand): the ledger
        is the record, so the catalog is dropped (and read again from the start); ``verify`` judges the
        ledger itself by its hash chain."""
        if offset == 0:
            return True
        size = os.fstat(fh.fileno()).st_size
        fh.seek(offset - 1)
        if offset <= size and fh.read(1) == b"\n":
            return True
        logger.error(
            "archive %s: the catalog has read %d bytes of a ledger of %d that does not end a line there (the "
            "ledger was replaced or cut); rebuilding the catalog from the ledger. Run `scrapy verify`.",
            self.uri,
            offset,
            size,
        )
        self.index.reset()
        return False

    def refresh(self) -> None:
        """Catch the catalog up with the ledger now."""
        self._refresh()

    def ledger(self) -> Iterator[Version]:
        with self._lock:
            self._refresh()
            return self.index.entries()

    def history(self, key: str) -> list[Version]:
        with self._lock:
            self._refresh()
            return self.index.versions(key)

    def latest(self, key: str) -> Version | None:
        with self._lock:
            self._refresh()
            return self.index.latest(key)

    def keys(self, prefix: str = "") -> list[str]:
        with self._lock:
            self._refresh()
            return self.index.keys(prefix)

    def lock_path(self, name: str) -> Path:
        # Inside the archive: every process that writes this folder sees the lock, whatever its cwd.
        return self.root / "locks" / f"{name}.lock"

    def blob_path(self, sha256: str) -> Path:
        return self.root / "blobs" / "sha256" / sha256[:2] / sha256

    def get(self, key: str, version: int | None = None) -> bytes:
        history = self.history(key)
        if not history:
            raise StoreError(f"no object {key!r} in {self.uri}")
        chosen = history[-1] if version is None else next((v for v in history if v.version == version), None)
        if chosen is None:
            raise StoreError(f"{key!r} has no version {version} (latest is {history[-1].version})")
        try:
            return self.blob_path(chosen.sha256).read_bytes()
        except FileNotFoundError:
            raise StoreError(f"{key!r} v{chosen.version}: blob {chosen.sha256} is missing") from None

    # ---- writing ---------------------------------------------------------------------------
    def _recover_torn_tail(self, fh: BinaryIO) -> None:
        """Move a torn last line (bytes after the last newline) into ``ledger.torn.jsonl`` and cut the
        ledger back to its last complete line. Call with the ledger lock held: then no live writer is
        mid-line, and what follows the last newline was left by a writer that died."""
        size = fh.seek(0, os.SEEK_END)
        cut = size
        while cut > 0:  # back to the byte after the last newline, a block at a time
            start = max(0, cut - 65536)
            fh.seek(start)
            block = fh.read(cut - start)
            newline = block.rfind(b"\n")
            if newline >= 0:
                cut = start + newline + 1
                break
            cut = start
        if cut == size:
            return
        fh.seek(cut)
        torn = fh.read(size - cut)
        note = {
            "found_at": utcnow(),
            "ledger_offset": cut,
            "size": len(torn),
            "sha256": sha256_hex(torn),
            "base64": base64.b64encode(torn).decode("ascii"),
            "why": "torn last ledger line (a crash mid-append): not a committed entry",
        }
        # The note is durable before the ledger is cut: a crash in between only notes the line twice.
        with self.torn_path.open("ab") as notes:
            notes.write(json.dumps(note, sort_keys=True).encode() + b"\n")
            notes.flush()
            os.fsync(notes.fileno())
        fh.truncate(cut)
        fh.flush()
        os.fsync(fh.fileno())
        logger.warning(
            "archive %s: the ledger's last line was torn by a crash (%d bytes at offset %d); moved to %s",
            self.uri,
            len(torn),
            cut,
            self.torn_path.name,
        )

    def _write_blob(self, sha256: str, data: bytes) -> None:
        path = self.blob_path(sha256)
        if path.exists() and path.stat().st_size == len(data):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, self.tmp_dir)

    def _sweep_temp(self) -> None:
        """Delete temp files left by writers killed mid-blob. Called with the ledger lock held, once
        per store: every writer holds that lock while it writes, so nothing here is still being written."""
        if self._swept:
            return
        self._swept = True
        stale = [p for p in self.tmp_dir.iterdir() if p.name.startswith(".tmp-")]
        for path in stale:
            path.unlink(missing_ok=True)
        if stale:
            logger.warning("archive %s: removed %d temp file(s) left by an interrupted write", self.uri, len(stale))

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
        sha256 = sha256_hex(data)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)  # the archive is made by its first put
        (self.root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        with self._lock, self.ledger_path.open("a+b") as fh:  # a+: the torn-tail check reads
            fcntl.flock(fh, fcntl.LOCK_EX)  # one writer at a time across processes
            try:
                self._sweep_temp()
                self._recover_torn_tail(fh)  # a writer that died since we opened
                self._refresh()
                latest = self.index.latest(key)
                if latest is not None and latest.sha256 == sha256:
                    return PutResult(latest, created=False)
                self._write_blob(sha256, data)
                version = Version(
                    key=key,
                    version=(latest.version + 1) if latest else 1,
                    sha256=sha256,
                    size=len(data),
                    stored_at=utcnow(),
                    content_type=content_type,
                    source_url=source_url,
                    fetched_at=fetched_at,
                    meta=dict(meta or {}),
                )
                entry = version.to_json()
                entry["chain"] = chain_hash(self._chain, entry)
                line = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode() + b"\n"
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
                self._refresh()
                made = self.index.latest(key)
                assert made is not None  # just appended and read back
                return PutResult(made, created=True)
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def read_ledger(self) -> list[Version]:
        """Every committed ledger entry, read from the ledger itself (not the catalog): ``verify``."""
        found: list[Version] = []
        if not self.ledger_path.exists():
            return found
        with self.ledger_path.open("rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n") or not raw.strip():
                    continue
                try:
                    found.append(Version.from_json(json.loads(raw)))
                except (ValueError, TypeError):
                    continue  # verify_chain reports the line
        return found

    def verify_chain(self) -> list[str]:
        """Problems with the ledger's hash chain (empty when intact)."""
        problems: list[str] = []
        chain = GENESIS
        if not self.ledger_path.exists():
            return problems
        with self.ledger_path.open("rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip() or not raw.endswith(b"\n"):
                    continue
                try:
                    entry = json.loads(raw)
                except ValueError:
                    problems.append(f"ledger line {n}: not JSON")
                    continue
                expected = chain_hash(chain, entry)
                if entry.get("chain") != expected:
                    problems.append(f"ledger line {n} ({entry.get('key')} v{entry.get('version')}): chain broken")
                chain = entry.get("chain", expected)
        return problems
