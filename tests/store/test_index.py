"""The catalog both backends keep (crawler/store/catalog.py), and the spool wrapping any store."""

from __future__ import annotations

from pathlib import Path

from crawler.store import LocalStore
from crawler.store.base import Version
from crawler.store.catalog import Catalog, Cursor
from crawler.store.spool import Spool, SpooledStore


def entry(key: str, version: int, sha: str) -> Version:
    return Version(key=key, version=version, sha256=sha * 64, size=1, stored_at="2025-01-01T00:00:00Z")


def test_latest_versions_and_keys_in_ledger_order(tmp_path: Path) -> None:
    index = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}").index("a1")
    batch = [entry("w/a/2024/x.pdf", 1, "a"), entry("_crawls/w/c1.jsonl", 1, "b"), entry("w/a/2024/x.pdf", 2, "c")]
    assert index.advance(index.cursor(), "300", "f" * 64, batch)
    assert index.cursor() == Cursor("300", "f" * 64, 3)
    assert len(index) == 3 and index[1].key == "_crawls/w/c1.jsonl"
    assert index.latest("w/a/2024/x.pdf") == entry("w/a/2024/x.pdf", 2, "c")
    assert index.latest("nothing") is None and index.versions("nothing") == []
    assert [v.version for v in index.versions("w/a/2024/x.pdf")] == [1, 2]
    assert index.keys() == ["w/a/2024/x.pdf", "_crawls/w/c1.jsonl"] and index.keys("_") == ["_crawls/w/c1.jsonl"]
    assert index.keys("w/a/2024/x") == ["w/a/2024/x.pdf"] and index.keys("w%") == []  # LIKE wildcards escaped


def test_a_local_store_answers_from_its_index(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("w/a/2024/x.pdf", b"v1")
    store.put("w/a/2024/x.pdf", b"v2")
    assert [v.version for v in store.index.versions("w/a/2024/x.pdf")] == [1, 2]
    assert LocalStore(tmp_path).keys("w/") == ["w/a/2024/x.pdf"]  # another instance reads the same ledger


def test_the_spool_wraps_any_store(tmp_path: Path) -> None:
    inner = LocalStore(tmp_path / "archive")
    store = SpooledStore(inner, Spool(inner.uri, tmp_path / "spool"))
    assert store.put("w/a/2024/x.pdf", b"v1").created and inner.get("w/a/2024/x.pdf") == b"v1"
    assert store.index is inner.index and store.root == inner.root  # the rest is the inner store's
    flushed = store.flush()
    assert flushed and flushed.stored == () and store.pending() == 0 and store.close() == []
