"""The catalog database (crawler/store/catalog.py) with real archives, SeaweedFS and PostgreSQL.

Each test runs with the default SQLite catalog and with PostgreSQL (``catalog_db``), on a local archive
and on S3 (``backend``) where it applies.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler.cluster.tasks import archive_lease_enabled
from crawler.commands.verify import verify
from crawler.httpcache import RevalidatePolicy
from crawler.store import LocalStore, open_store
from crawler.store.base import sha256_hex
from crawler.store.s3 import S3Store
from tests.s3server import WeedServer
from tests.store.conftest import Backend
from tests.support import scrapy


def test_an_archive_is_answered_from_its_catalog_not_its_ledger(backend: Backend, catalog_db: str) -> None:
    store = backend.open()
    for n in range(3):
        store.put(f"w/s/2024/k{n}.pdf", f"v{n}".encode(), source_url=f"http://portal.test/{n}.pdf")
    store.put("w/s/2024/k1.pdf", b"v1 again")
    # Someone rewrites history behind the archive's back (same length: the ledger still reads).
    backend.tamper(1, {"sha256": "0" * 64})
    reopened = backend.open()
    # A new store instance (another process) reads the catalog and only the ledger's tail, so the
    # rewritten entry is not taken in: before the catalog, each instance re-read the whole ledger.
    assert [v.sha256 for v in reopened.history("w/s/2024/k1.pdf")] == [sha256_hex(b"v1"), sha256_hex(b"v1 again")]
    assert [(v.key, v.version) for v in reopened.ledger()][-1] == ("w/s/2024/k1.pdf", 2)
    assert reopened.index.sources("http://portal.test/2.pdf") == {sha256_hex(b"v2")}
    checked, problems = verify(reopened)
    assert checked == 4
    assert (
        f"catalog entry 1 (w/s/2024/k1.pdf v1) differs from the ledger: sha256 {sha256_hex(b'v1')!r} "
        f"!= ledger {'0' * 64!r}"
    ) in problems


def test_scrapy_catalog_rebuild_restores_what_verify_finds_missing(tmp_path: Path, catalog_db: str) -> None:
    root = tmp_path / "archive"
    store = LocalStore(root)
    store.put("w/s/2024/a.pdf", b"a1")
    store.put("w/s/2024/a.pdf", b"a2")
    store.put("w/s/2024/b.pdf", b"b1")
    # The catalog loses its last entry (a restored backup of the database, say).
    index = store.index
    with index.catalog.engine.begin() as conn:
        from crawler.store.catalog import entries

        conn.execute(entries.delete().where(entries.c.archive == index.archive, entries.c.seq == 2))
    setting = ("-s", f"STORE_URI={root}")
    bad = scrapy("verify", *setting, check=False)
    assert bad.returncode == 1
    assert "PROBLEM ledger entry 2 (w/s/2024/b.pdf v1) is missing from the catalog" in bad.stdout.splitlines()
    done = scrapy("catalog", "rebuild", *setting)
    assert "3 entries dropped" not in done.stdout and ": 2 entries dropped, 3 read in" in done.stdout
    assert scrapy("verify", *setting).stdout == f"{root}: 3 version(s) checked, 0 problem(s)\n"
    status = scrapy("catalog", "status", *setting).stdout
    assert f"{root}: catalog " in status and ": 3 entries, 2 keys, ledger read up to " in status
    if catalog_db == "sqlite":
        with sqlite3.connect(root / "catalog.sqlite") as db:  # kept with the archive, in WAL mode
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert db.execute("SELECT key, version FROM entries ORDER BY seq").fetchall() == [
                ("w/s/2024/a.pdf", 1),
                ("w/s/2024/a.pdf", 2),
                ("w/s/2024/b.pdf", 1),
            ]


def test_verify_finds_an_orphan_s3_version(
    weed: WeedServer, s3_env: dict[str, str], tmp_path: Path, catalog_db: str
) -> None:
    client: Any = weed.client()
    prefix = f"orphan-{tmp_path.name}"[:60]
    store = S3Store("archive", prefix, client=client, spool_root=tmp_path / "spool")
    store.put("w/s/2024/a.pdf", b"a1")
    # A version no ledger entry names: uploaded behind the archive's back (or by a writer that lost a race).
    stray = client.put_object(Bucket="archive", Key=f"{prefix}/w/s/2024/a.pdf", Body=b"stray")["VersionId"]
    # What a writer killed between its upload and its ledger entry leaves: its own metadata, no entry.
    dead = client.put_object(
        Bucket="archive", Key=f"{prefix}/w/s/2024/b.pdf", Body=b"b1", Metadata={"sha256": sha256_hex(b"b1")}
    )["VersionId"]
    out = scrapy("verify", "-s", f"STORE_URI=s3://archive/{prefix}", env=s3_env, check=False)
    assert out.returncode == 1
    note, problem, summary = out.stdout.splitlines()
    assert note.startswith(f"NOTE w/s/2024/b.pdf: orphan S3 version {dead} (2 B, ")
    assert note.endswith("): an upload whose ledger entry was never written (a writer died); harmless")
    assert problem.startswith(f"PROBLEM w/s/2024/a.pdf: orphan S3 version {stray} (5 B, ")
    assert problem.endswith("): no ledger entry names it")
    assert summary == f"s3://archive/{prefix}: 1 version(s) checked, 1 problem(s)"


def _racer(uri: str, spool: str, key: str, env: dict[str, str], start: Any, out: Any) -> None:
    import os

    os.environ.update(env)
    store = open_store(uri) if not uri.startswith("s3://") else S3Store(*uri[5:].split("/", 1), spool_root=spool)
    start.wait()
    made = [store.put(key, f"content {n % 4}".encode()).created for n in range(24)]
    store.close()
    out.put(made)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_two_processes_racing_on_one_key_lose_and_duplicate_nothing(
    where: str, tmp_path: Path, catalog_db: str, request: pytest.FixtureRequest
) -> None:
    """Two writers put the same cycle of contents on one key at once: every version number is taken
    once, no two successive versions are equal, and (S3) every object version is named by an entry."""
    env = {"NIANBAO_CATALOG_URL": catalog_db} if catalog_db != "sqlite" else {}
    if where == "s3":
        weed = request.getfixturevalue("weed")
        env.update(weed.env)
        uri = f"s3://archive/race-{tmp_path.name}"[:70]
    else:
        uri = str(tmp_path / "archive")
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_racer, args=(uri, str(tmp_path / "spool"), "w/s/2024/x.pdf", env, start, out))
        for _ in range(2)
    ]
    for proc in procs:
        proc.start()
    start.set()
    made = [out.get(timeout=240) for _ in procs]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    if where == "s3":
        for name, value in env.items():
            request.getfixturevalue("monkeypatch").setenv(name, value)
        store: Any = S3Store(*uri[5:].split("/", 1), spool_root=tmp_path / "spool")
    else:
        store = LocalStore(uri)
    history = store.history("w/s/2024/x.pdf")
    assert [v.version for v in history] == list(range(1, len(history) + 1))
    assert sum(sum(m) for m in made) == len(history) >= 24  # each process stored at least its own cycle
    assert all(a.sha256 != b.sha256 for a, b in itertools.pairwise(history))
    ledger = store.read_ledger()
    assert [(v.key, v.version) for v in ledger] == [(v.key, v.version) for v in history]
    notes: list[str] = []
    checked, problems = verify(store, notes=notes)
    assert (checked, problems, notes) == (len(history), [], [])
    if where == "s3":
        client = weed.client()
        listed = client.list_object_versions(Bucket="archive", Prefix=uri[len("s3://archive/") :] + "/w/")
        assert sorted(v["VersionId"] for v in listed["Versions"]) == sorted(v.backend_id for v in history)


def test_the_http_cache_asks_the_catalog_for_what_a_url_holds(tmp_path: Path, catalog_db: str) -> None:
    root = tmp_path / "archive"
    LocalStore(root).put("w/s/2024/page.html", b"<p>v1</p>", source_url="http://portal.test/p.html")
    policy = RevalidatePolicy(Settings({"STORE_URI": str(root)}))
    request = Request("http://portal.test/p.html")
    cached = [HtmlResponse(request.url, body=body, request=request) for body in (b"<p>v1</p>", b"<p>v2</p>")]
    assert [policy.held(c, request) for c in cached] == [True, False]
    # Archived after the cache's first question (by this crawl or another process): held from then on.
    # (The cache used to read the whole ledger once into its own map, and never saw it.)
    LocalStore(root).put("w/s/2024/page.html", b"<p>v2</p>", source_url="http://portal.test/p.html")
    assert [policy.held(c, request) for c in cached] == [True, True]
    assert not policy.held(cached[0], Request("http://portal.test/other.html"))


def test_the_archive_lease_is_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Version numbers are taken in the catalog (the racing test above), so crawls of several portals
    may write one archive at once: the archive lease is off unless NIANBAO_ARCHIVE_LEASE=1."""
    monkeypatch.delenv("NIANBAO_ARCHIVE_LEASE", raising=False)
    assert not archive_lease_enabled()
    monkeypatch.setenv("NIANBAO_ARCHIVE_LEASE", "1")
    assert archive_lease_enabled()


def test_nothing_is_created_by_reading_a_missing_archive(tmp_path: Path, catalog_db: str) -> None:
    store = LocalStore(tmp_path / "none")
    assert store.latest("k") is None and store.keys() == [] and list(store.ledger()) == []
    assert not (tmp_path / "none").exists()
    assert store.index.sources("http://x.test/") == set()
