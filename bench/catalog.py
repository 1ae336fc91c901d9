"""Catalog benchmark (crawler/store/catalog.py, issue 14 part 6): prints figures, asserts nothing.

    .venv/bin/python bench/catalog.py [--keys 2000000] [--small 10000] [--lookups 2000] [--no-postgres]

For the default SQLite catalog and for PostgreSQL (Debian's server, started here as in the tests:
tests/pgserver.py; skipped with a message when it cannot start), it builds a local archive of ``--keys``
ledger entries (one version per key) whose catalog has read the whole ledger (rows bulk-inserted:
``executemany`` for SQLite, ``COPY`` for PostgreSQL), and one of ``--small`` entries, then prints:

* the latest-version look-up of a random key, straight from the catalog (``index.latest``) and through the
  store (``store.latest``: also checks the ledger's tail), median and 99th percentile in µs (goal ≤ 100 µs);
* the time to open the archive and answer a first look-up, at both sizes (goal: flat);
* for reference, what opening cost before the catalog: reading and parsing the whole ledger.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.store import LocalStore  # noqa: E402
from crawler.store.catalog import Catalog, entries  # noqa: E402
from tests.pgserver import PostgresServer  # noqa: E402

SHA = "ab" * 32
COLUMNS = [c.name for c in entries.c]


def key(n: int) -> str:
    return f"p{n % 97}/s{n % 1013}/{2015 + n % 11}/file-{n}.pdf"


def write_ledger(root: Path, n: int) -> int:
    """A ledger of ``n`` entries (chain hashes are not checked when an archive opens); its size."""
    root.mkdir(parents=True)
    with (root / "ledger.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(n):
            entry = {"key": key(i), "version": 1, "sha256": SHA, "size": 1000 + i, "stored_at": "2026-01-01T00:00:00Z",
                     "source_url": f"http://portal.test/{i}.pdf", "meta": {}, "chain": SHA}  # fmt: skip
            fh.write(json.dumps(entry, sort_keys=True) + "\n")
    return (root / "ledger.jsonl").stat().st_size


def rows(archive: str, n: int) -> list[tuple[object, ...]]:
    stored = "2026-01-01T00:00:00Z"
    return [(archive, i, key(i), 1, SHA, 1000 + i, stored, None, f"http://portal.test/{i}.pdf", None, "{}", None)
            for i in range(n)]  # fmt: skip


def fill(url: str, archive: str, n: int, ledger_size: int) -> float:
    """Bulk-insert the catalog of an ``n``-entry ledger and its cursor; seconds taken."""
    catalog = Catalog(url)
    engine = catalog.engine  # creates the tables
    began = time.perf_counter()
    cursor_row = (archive, str(ledger_size), SHA, n, "2026-01-01T00:00:00Z")
    if catalog.dialect == "sqlite":
        assert catalog.path is not None
        engine.dispose()
        with sqlite3.connect(catalog.path) as db:
            marks = ",".join("?" * len(COLUMNS))  # the table's own column count, no outside input
            db.executemany(f"INSERT INTO entries VALUES ({marks})", rows(archive, n))  # noqa: S608
            db.execute("INSERT INTO cursors VALUES (?,?,?,?,?)", cursor_row)
    else:
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY entries ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(archive, n):
                    copy.write_row(row)
            cur.execute("INSERT INTO cursors VALUES (%s,%s,%s,%s,%s)", cursor_row)
            cur.execute("ANALYZE entries")
            raw.commit()
        finally:
            raw.close()
        engine.dispose()
    return time.perf_counter() - began


def micros(fn: Callable[[str], object], n_keys: int, lookups: int) -> tuple[float, float]:
    rng = random.Random(14)
    picks = [key(rng.randrange(n_keys)) for _ in range(lookups)]
    for k in picks[:100]:  # warm the connection pool and the page cache
        fn(k)
    times = []
    for k in picks:
        began = time.perf_counter()
        fn(k)
        times.append((time.perf_counter() - began) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def open_seconds(root: Path, n_keys: int, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        Catalog._shared.clear()  # a new process: no engine yet
        began = time.perf_counter()
        store = LocalStore(root)
        assert store.latest(key(n_keys // 2)) is not None
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def whole_ledger_seconds(root: Path) -> float:
    began = time.perf_counter()
    with (root / "ledger.jsonl").open("rb") as fh:
        for line in fh:
            json.loads(line)
    return time.perf_counter() - began


def run(db: str, url_for: Callable[[Path], str], work: Path, sizes: dict[str, int], lookups: int) -> None:
    for label, n in sizes.items():
        root = work / f"{db}-{label}"
        made = time.perf_counter()
        size = write_ledger(root, n)
        url = url_for(root)
        os.environ.pop("NIANBAO_CATALOG_URL", None)
        if db == "postgresql":
            os.environ["NIANBAO_CATALOG_URL"] = url
        archive = "." if db == "sqlite" else str(root.resolve())
        filled = fill(url, archive, n, size)
        print(f"{db:10} {n:>9} keys: ledger {size / 1e6:.0f} MB written and catalog filled in "
              f"{time.perf_counter() - made:.0f} s (bulk insert {filled:.0f} s)")  # fmt: skip
        opened = open_seconds(root, n)
        print(f"{db:10} {n:>9} keys: open + first look-up {opened * 1000:.1f} ms "
              f"(before the catalog: parse the whole ledger {whole_ledger_seconds(root):.2f} s)")  # fmt: skip
        if label == "large":
            store = LocalStore(root)
            med, p99 = micros(store.index.latest, n, lookups)
            print(f"{db:10} {n:>9} keys: latest version from the catalog: median {med:.0f} µs, p99 {p99:.0f} µs")
            med, p99 = micros(store.latest, n, lookups)
            print(f"{db:10} {n:>9} keys: store.latest (catalog + ledger tail check): median {med:.0f} µs, "
                  f"p99 {p99:.0f} µs")  # fmt: skip
        Catalog._shared.clear()
        shutil.rmtree(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=2_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    sizes = {"small": args.small, "large": args.keys}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-catalog-") as tmp:
        work = Path(tmp)
        run("sqlite", lambda root: f"sqlite:///{root / 'catalog.sqlite'}", work, sizes, args.lookups)
        if not args.no_postgres:
            server = PostgresServer()
            try:
                server.start()
            except (RuntimeError, OSError) as exc:
                print(f"postgresql: not measured ({exc})")
            else:
                try:
                    run("postgresql", lambda root: server.url, work, sizes, args.lookups)
                finally:
                    server.stop()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
