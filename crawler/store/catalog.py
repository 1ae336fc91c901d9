"""The archive's catalog database: every ledger entry, indexed, behind one SQLAlchemy Core code path.

Every store used to read its whole ledger into memory when it opened the archive (after a year about
2.6 M entries: hours of S3 reads per process, gigabytes of memory per local store). The catalog keeps
what that in-memory index answered -- keys, versions, sha256, size, source URL, timestamps, the S3
VersionId -- in a database, with a *cursor* saying how far into the ledger it has read. Opening an
archive reads the cursor and only the ledger's tail after it, so it does not grow with the archive.

Which database (``NIANBAO_CATALOG_URL``, a SQLAlchemy URL):

* unset, local archive: ``{archive}/catalog.sqlite`` (SQLite in WAL mode), kept with the archive;
* unset, S3 archive: ``catalog.sqlite`` in the archive's spool folder (``$NIANBAO_SPOOL/<hash of the URI>/``,
  the node's state directory for that archive; see crawler/store/spool.py);
* ``postgresql+psycopg://user@host/db``: one PostgreSQL database shared by every node of a cluster
  (and any number of archives: rows are keyed by the archive's identity).

The ledger stays the audit log (hash chain, written first and fsynced); the catalog is derived from it
and can always be rebuilt (``scrapy catalog rebuild``). ``scrapy verify`` checks that both agree.

Concurrency: the cursor moves by compare-and-set inside the transaction that inserts the entries it
passes, so two processes catching up with the same ledger tail never insert it twice (the loser rolls
back and re-reads the cursor). The unique constraint on (archive, key, version) refuses a second
holder of a version number whatever the writers do. Writers of one key take :meth:`CatalogIndex.key_lock`
(PostgreSQL: an advisory lock; SQLite: an ``flock``) around "is this the latest? upload, number, record",
so two processes putting the same bytes store them once (no orphan S3 version).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from crawler.store.base import StoreError, Version, utcnow

logger = logging.getLogger(__name__)

ENV_URL = "NIANBAO_CATALOG_URL"
# Entries inserted per transaction while catching up with a long ledger tail (bounded memory).
BATCH = 5000

metadata = MetaData()

entries = Table(
    "entries",
    metadata,
    Column("archive", String(1024), nullable=False),  # the archive's identity (see open_index)
    Column("seq", BigInteger, nullable=False),  # 0-based position in the ledger as read
    Column("key", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("stored_at", String(40), nullable=False),
    Column("content_type", Text),
    Column("source_url", Text),
    Column("fetched_at", String(40)),
    Column("meta", Text, nullable=False),  # JSON object
    Column("backend_id", Text),  # the S3 VersionId
    PrimaryKeyConstraint("archive", "seq", name="entries_pk"),
    # Two writers can never hold the same number: the second insert fails and its transaction rolls back.
    UniqueConstraint("archive", "key", "version", name="entries_key_version"),
    Index("entries_source", "archive", "source_url"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("archive", String(1024), primary_key=True),
    Column("position", Text, nullable=False),  # local: bytes of ledger.jsonl read; S3: last ledger object name
    Column("chain", String(64), nullable=False),  # the chain hash of the last entry read
    Column("entries", BigInteger, nullable=False),
    Column("updated_at", String(40), nullable=False),
)


class CatalogError(StoreError):
    """The catalog cannot answer, or disagrees with the ledger it was built from."""


@dataclass(frozen=True)
class Cursor:
    """How far into an archive's ledger the catalog has read."""

    position: str
    chain: str
    entries: int


_GENESIS = "0" * 64
_EMPTY = Cursor("", _GENESIS, 0)


class Catalog:
    """One catalog database (an engine); :meth:`index` gives the view of one archive."""

    _shared: ClassVar[dict[str, Catalog]] = {}
    _shared_lock = threading.Lock()

    def __init__(self, url: str):
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self.path = Path(parsed.database) if self.dialect == "sqlite" and parsed.database else None
        self._engine: Engine | None = None
        self._reader: Engine | None = None
        self._engine_lock = threading.Lock()
        self._thread_locks: dict[str, threading.Lock] = {}

    @classmethod
    def shared(cls, url: str) -> Catalog:
        """One instance (one connection pool) per URL and process."""
        with cls._shared_lock:
            catalog = cls._shared.get(url)
            if catalog is None:
                catalog = cls._shared[url] = cls(url)
            return catalog

    def exists(self) -> bool:
        """False for a SQLite file not created yet (reads then answer "nothing", creating nothing)."""
        return self.path is None or self.path.exists()

    @property
    def engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                self._engine = self._create_engine()
            return self._engine

    @property
    def reader(self) -> Engine:
        """The engine of single-statement reads: PostgreSQL in autocommit (one round trip per look-up, no
        BEGIN/ROLLBACK around it); SQLite's reads are autocommit already (see _sqlite_begin)."""
        engine = self.engine
        if self.dialect == "sqlite":
            return engine
        with self._engine_lock:
            if self._reader is None:
                self._reader = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=8, max_overflow=24)
                reader = self._reader
                os.register_at_fork(after_in_child=lambda: reader.dispose(close=False))
            return self._reader

    def _create_engine(self) -> Engine:
        if self.dialect != "sqlite":
            engine = create_engine(self.url, pool_size=8, max_overflow=24)
        elif self.path is None:  # in memory: one connection shared by the threads of this process
            engine = create_engine(self.url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(self.url, connect_args={"timeout": 60, "check_same_thread": False})
        if self.dialect == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        # A pooled connection must never be used by two processes (extraction workers and crawl
        # subprocesses fork): the child drops the parent's pool without closing its sockets.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        for attempt in range(5):
            try:
                metadata.create_all(engine)
                break
            except SQLAlchemyError as exc:
                # Two processes opening a new catalog at once both see no table and both create it:
                # the loser fails ("already exists"), and finds the tables on its next look.
                if attempt == 4:
                    raise CatalogError(f"catalog {self.safe_url}: cannot open: {exc}") from exc
                time.sleep(0.1 * (attempt + 1))
        return engine

    @property
    def safe_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def index(self, archive: str) -> CatalogIndex:
        return CatalogIndex(self, archive)

    def thread_lock(self, name: str) -> threading.Lock:
        with self._engine_lock:
            return self._thread_locks.setdefault(name, threading.Lock())


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling off: transactions are begun explicitly (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    # NORMAL: a power cut may lose the last transactions, never corrupt the file; the ledger (fsynced)
    # is the record, and the cursor makes the catalog catch up with what it lost.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes SQLite's write lock at once (IMMEDIATE): two deferred transactions that
    # both read, then both try to write, would fail with "database is locked" instead of waiting. A read
    # is one statement, atomic by itself: no BEGIN (the driver runs it in autocommit).
    if conn.info.get("write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _row_version(row: Any) -> Version:
    return Version(
        key=row.key,
        version=row.version,
        sha256=row.sha256,
        size=row.size,
        stored_at=row.stored_at,
        content_type=row.content_type,
        source_url=row.source_url,
        fetched_at=row.fetched_at,
        meta=json.loads(row.meta) if row.meta else {},
        backend_id=row.backend_id,
    )


_COLUMNS = [c for c in entries.c if c.name not in ("archive", "seq")]
# The hot look-up, built once (a statement object per call costs more than the query itself).
_LATEST = (
    select(*_COLUMNS)
    .where(entries.c.archive == bindparam("a"), entries.c.key == bindparam("k"))
    .order_by(entries.c.version.desc())
    .limit(1)
)
_CURSOR = select(cursors).where(cursors.c.archive == bindparam("a"))


class CatalogIndex:
    """The catalog of one archive: what the ledger says, by key, without reading the ledger."""

    def __init__(self, catalog: Catalog, archive: str):
        self.catalog = catalog
        self.archive = archive

    # ---- the cursor and catching up --------------------------------------------------------------
    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.catalog.reader.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise CatalogError(f"catalog {self.catalog.safe_url}: {exc}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.catalog.engine.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)

    def cursor(self) -> Cursor:
        if not self.catalog.exists():
            return _EMPTY
        with self._read() as conn:
            row = conn.execute(_CURSOR, {"a": self.archive}).first()
        return Cursor(row.position, row.chain, row.entries) if row else _EMPTY

    def advance(self, old: Cursor, position: str, chain: str, batch: Sequence[Version]) -> bool:
        """Record ``batch`` (the ledger entries after ``old``, in order) and move the cursor to
        ``position``, in one transaction; False (nothing changed) if the cursor is no longer ``old``
        because another process recorded that tail first."""
        new = Cursor(position, chain, old.entries + len(batch))
        values = {"position": new.position, "chain": new.chain, "entries": new.entries, "updated_at": utcnow()}
        try:
            with self._write() as conn:
                if old == _EMPTY:
                    if conn.execute(select(cursors.c.archive).where(cursors.c.archive == self.archive)).first():
                        return False
                    conn.execute(insert(cursors).values(archive=self.archive, **values))
                else:
                    moved = conn.execute(
                        update(cursors)
                        .where(
                            cursors.c.archive == self.archive,
                            cursors.c.position == old.position,
                            cursors.c.entries == old.entries,
                        )
                        .values(**values)
                    )
                    if moved.rowcount != 1:
                        return False
                if batch:
                    conn.execute(
                        insert(entries),
                        [{"archive": self.archive, "seq": old.entries + n, **_values(v)} for n, v in enumerate(batch)],
                    )
        except IntegrityError as exc:
            if self.cursor() != old:
                return False  # someone else recorded this tail (and took the cursor row) first
            raise CatalogError(
                f"catalog {self.catalog.safe_url}: the ledger of {self.archive} numbers a version twice "
                f"(one of {sorted({(v.key, v.version) for v in batch})[:3]}…): {exc.orig}"
            ) from exc
        except SQLAlchemyError as exc:
            raise CatalogError(f"catalog {self.catalog.safe_url}: {exc}") from exc
        return True

    def reset(self) -> int:
        """Forget this archive (``scrapy catalog rebuild`` then reads its ledger from the start);
        returns how many entries were dropped."""
        if not self.catalog.exists():
            return 0
        with self._write() as conn:
            dropped = conn.execute(delete(entries).where(entries.c.archive == self.archive)).rowcount
            conn.execute(delete(cursors).where(cursors.c.archive == self.archive))
        return int(dropped or 0)

    @contextlib.contextmanager
    def key_lock(self, key: str) -> Iterator[None]:
        """Exclusive use of ``key`` of this archive among every writer sharing the catalog (threads,
        processes, and with PostgreSQL other nodes) until the block ends. A dead holder's lock goes
        with it (flock: the kernel; PostgreSQL: the session)."""
        digest = hashlib.sha256(f"{self.archive}\n{key}".encode()).hexdigest()
        with self.catalog.thread_lock(digest[:2]):
            if self.catalog.dialect == "postgresql":
                with self.catalog.engine.begin() as conn:
                    conn.execute(select(func.pg_advisory_xact_lock(int(digest[:15], 16))))
                    yield
            elif self.catalog.path is not None:
                # 256 lock files per catalog: two keys sharing one only wait for each other a little.
                lock = self.catalog.path.parent / "locks" / f"key-{digest[:2]}.lock"
                lock.parent.mkdir(parents=True, exist_ok=True)
                with lock.open("a") as fh:
                    fcntl.flock(fh, fcntl.LOCK_EX)
                    yield
            else:
                yield  # an in-memory catalog is this process's alone: the thread lock is enough

    # ---- what the stores ask ------------------------------------------------------------------
    def latest(self, key: str) -> Version | None:
        if not self.catalog.exists():
            return None
        with self._read() as conn:
            row = conn.execute(_LATEST, {"a": self.archive, "k": key}).first()
        return _row_version(row) if row else None

    def versions(self, key: str) -> list[Version]:
        """The versions of ``key`` in ledger order."""
        if not self.catalog.exists():
            return []
        query = select(*_COLUMNS).where(entries.c.archive == self.archive, entries.c.key == key).order_by(entries.c.seq)
        with self._read() as conn:
            return [_row_version(row) for row in conn.execute(query)]

    def keys(self, prefix: str = "") -> list[str]:
        """Keys starting with ``prefix``, in the order of their first version."""
        if not self.catalog.exists():
            return []
        first = func.min(entries.c.seq)
        query = select(entries.c.key, first).where(entries.c.archive == self.archive)
        if prefix:
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(entries.c.key.like(escaped + "%", escape="\\"))
        with self._read() as conn:
            return [row.key for row in conn.execute(query.group_by(entries.c.key).order_by(first))]

    def sources(self, url: str) -> set[str]:
        """sha256 of every version the archive holds from ``url`` (the HTTP cache's question)."""
        if not self.catalog.exists():
            return set()
        query = select(entries.c.sha256).where(entries.c.archive == self.archive, entries.c.source_url == url)
        with self._read() as conn:
            return {row.sha256 for row in conn.execute(query)}

    def backend_ids(self) -> set[tuple[str, str]]:
        """(key, backend id) of every entry that has one (``verify``'s orphan S3 versions)."""
        if not self.catalog.exists():
            return set()
        query = select(entries.c.key, entries.c.backend_id).where(
            entries.c.archive == self.archive, entries.c.backend_id.is_not(None)
        )
        with self._read() as conn:
            return {(row.key, row.backend_id) for row in conn.execute(query)}

    def entries(self, start: int = 0, chunk: int = 10_000) -> Iterator[Version]:
        """Every entry from position ``start`` in ledger order, read a chunk at a time."""
        if not self.catalog.exists():
            return
        seq = start
        while True:
            query = (
                select(entries.c.seq, *_COLUMNS)
                .where(entries.c.archive == self.archive, entries.c.seq >= seq)
                .order_by(entries.c.seq)
                .limit(chunk)
            )
            with self._read() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                yield _row_version(row)
            if len(rows) < chunk:
                return
            seq = rows[-1].seq + 1

    def __len__(self) -> int:
        return self.cursor().entries

    def __getitem__(self, n: int) -> Version:
        if not self.catalog.exists():
            raise IndexError(n)
        with self._read() as conn:
            row = conn.execute(select(*_COLUMNS).where(entries.c.archive == self.archive, entries.c.seq == n)).first()
        if row is None:
            raise IndexError(n)
        return _row_version(row)

    def __iter__(self) -> Iterator[Version]:
        return self.entries()


def _values(version: Version) -> dict[str, Any]:
    """The row of ``version``: its fields are the columns (meta as a JSON object)."""
    data = version.to_json()
    data["meta"] = json.dumps(data["meta"], ensure_ascii=False, sort_keys=True, default=str)
    return data


def catalog_url() -> str | None:
    return os.environ.get(ENV_URL) or None


def open_index(identity: str, default_file: Path | None) -> CatalogIndex:
    """The catalog of the archive ``identity``: in ``NIANBAO_CATALOG_URL`` when set, else in the SQLite
    file ``default_file`` (None, or a folder that cannot be written: an in-memory catalog, rebuilt from
    the ledger by each process, as every store did before the catalog existed)."""
    url = catalog_url()
    if url:
        return Catalog.shared(url).index(identity)
    if default_file is not None and _writable(default_file):
        return Catalog.shared(f"sqlite:///{default_file}").index(identity)
    logger.warning("archive %s: no writable catalog; keeping an in-memory one for this process", identity)
    return Catalog("sqlite://").index(identity)


def _writable(path: Path) -> bool:
    """Whether ``path`` (a file that may not exist yet) can be created or written."""
    if path.exists():
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    return os.access(parent, os.W_OK)
