"""One storage contract, two backends: every test runs on LocalStore and on S3Store over SeaweedFS."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from crawler.store import LocalStore, safe_key, safe_name
from crawler.store.base import sha256_hex
from tests.store.conftest import Backend

KEY = "wuchang/yyj/2024/page.html"


def test_same_bytes_twice_is_one_version(backend: Backend) -> None:
    store = backend.open()
    first = store.put(KEY, b"<html>v1</html>", source_url="https://www.wuchang.gov.cn/a.html")
    again = store.put(KEY, b"<html>v1</html>", source_url="https://www.wuchang.gov.cn/a.html")
    assert (first.created, again.created) == (True, False)
    assert again.version == first.version
    assert [(v.key, v.version, v.sha256) for v in backend.open().ledger()] == [(KEY, 1, sha256_hex(b"<html>v1</html>"))]


def test_changed_bytes_are_new_versions_and_old_ones_stay_readable(backend: Backend) -> None:
    store = backend.open()
    for body in (b"one", b"two", b"one"):  # back to earlier bytes is a new version too: history is a timeline
        store.put(
            KEY,
            body,
            source_url="https://x/1.html",
            fetched_at="2025-03-01T00:00:00Z",
            meta={"etag": '"e1"', "crawl_id": "c1"},
        )
    reopened = backend.open()
    assert [(v.version, v.sha256) for v in reopened.history(KEY)] == [
        (1, sha256_hex(b"one")),
        (2, sha256_hex(b"two")),
        (3, sha256_hex(b"one")),
    ]
    assert [reopened.get(KEY, n) for n in (1, 2, 3)] == [b"one", b"two", b"one"]
    assert reopened.get(KEY) == b"one"
    latest = reopened.latest(KEY)
    assert latest is not None and (latest.version, latest.source_url, latest.fetched_at) == (
        3,
        "https://x/1.html",
        "2025-03-01T00:00:00Z",
    )
    assert latest.meta == {"etag": '"e1"', "crawl_id": "c1"}


def test_history_and_ledger_keep_capture_order_across_keys(backend: Backend) -> None:
    store = backend.open()
    for key, body in [("a/1", b"1"), ("b/1", b"1"), ("a/1", b"2"), ("c/1", b"1"), ("b/1", b"2")]:
        store.put(key, body)
    ledger = list(backend.open().ledger())
    assert [(v.key, v.version) for v in ledger] == [("a/1", 1), ("b/1", 1), ("a/1", 2), ("c/1", 1), ("b/1", 2)]
    assert [v.stored_at for v in ledger] == sorted(v.stored_at for v in ledger)
    assert backend.open().keys() == ["a/1", "b/1", "c/1"] and backend.open().keys("b/") == ["b/1"]


def test_ledger_chain_detects_rewritten_history(backend: Backend) -> None:
    store = backend.open()
    for n in range(3):
        store.put(f"k{n}", str(n).encode())
    assert store.verify_chain() == []  # type: ignore[attr-defined]
    backend.tamper(1, {"sha256": "0" * 64})
    problems = backend.open().verify_chain()  # type: ignore[attr-defined]
    if backend.name == "local":
        assert problems == ["ledger line 2 (k1 v1): chain broken"]
    else:
        name = backend.uri.split("/", 3)[3] + "/_ledger/000000000001.json"
        assert problems == [
            f"ledger entry {name} (k1 v1): chain broken",
            f"ledger entry {name} was overwritten or deleted (2 S3 versions)",  # the versioned bucket kept the original
        ]


def test_chinese_keys_round_trip(backend: Backend) -> None:
    store = backend.open()
    key = safe_key("wuchang", "杨园街道", "2024", safe_name("附件1：2024年政府信息公开工作年度报告.pdf"))
    assert key == "wuchang/杨园街道/2024/附件1：2024年政府信息公开工作年度报告.pdf"
    store.put(key, "正文".encode(), source_url="https://www.wuchang.gov.cn/杨园/报告.html?x=年度")
    reopened = backend.open()
    assert reopened.keys() == [key] and reopened.get(key) == "正文".encode()
    version = reopened.latest(key)
    assert version is not None and version.source_url == "https://www.wuchang.gov.cn/杨园/报告.html?x=年度"


def test_hostile_names_stay_inside_the_archive(backend: Backend, tmp_path: Path) -> None:
    store = backend.open()
    hostile = ["../../etc/passwd\x00.pdf", "/abs/path.doc", "..", "a\\b:c*?.pdf", "\x1b[31mred.txt"]
    keys = [safe_key("p", "s", "2024", safe_name(name)) for name in hostile]
    assert keys == [
        "p/s/2024/_.._etc_passwd_.pdf",
        "p/s/2024/_abs_path.doc",
        "p/s/2024/file",
        "p/s/2024/a_b_c__.pdf",
        "p/s/2024/_[31mred.txt",
    ]
    for n, key in enumerate(keys):
        store.put(key, str(n).encode())
    reopened = backend.open()
    assert reopened.keys() == keys and [reopened.get(k) for k in keys] == [b"0", b"1", b"2", b"3", b"4"]
    if isinstance(store, LocalStore):
        assert sorted(p.name for p in tmp_path.iterdir()) == ["archive"]  # nothing written beside the root


def test_concurrent_writers_keep_one_linear_history(backend: Backend) -> None:
    """Eight writers (separate store instances, as separate processes would be) at once."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            store = backend.open()
            for i in range(5):
                store.put(f"own/{n}", f"{n}-{i}".encode())  # a key only this writer writes: 5 versions
                store.put("shared", f"{n}-{i}".encode())  # a key every writer writes
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = backend.open()
    assert store.verify_chain() == []  # type: ignore[attr-defined]
    for n in range(8):
        assert [(v.version, store.get(v.key, v.version)) for v in store.history(f"own/{n}")] == [
            (i + 1, f"{n}-{i}".encode()) for i in range(5)
        ]
    shared = store.history("shared")
    assert [v.version for v in shared] == list(range(1, len(shared) + 1))
    # Consecutive versions always differ (a writer putting the current bytes again adds nothing).
    assert all(a.sha256 != b.sha256 for a, b in itertools.pairwise(shared))
    assert 8 <= len(shared) <= 40 and len(list(store.ledger())) == 40 + len(shared)


def test_large_object(backend: Backend) -> None:
    store = backend.open()
    data = bytes(range(256)) * (12 * 1024 * 1024 // 256) + b"tail"  # 12 MiB + 4: two multipart parts on S3
    result = store.put("big/scan.pdf", data, content_type="application/pdf")
    assert result.version.size == 12 * 1024 * 1024 + 4
    assert backend.open().get("big/scan.pdf") == data
    assert not store.put("big/scan.pdf", data).created
