"""The local archive's crash-safety: no partial object is ever visible, history is tamper-evident."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from crawler.store import LocalStore, open_store, safe_key, safe_name
from tests.support import scrapy


def test_versions_dedupe_and_history(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    assert store.put("wuchang/yyj/2024/page.html", b"v1").created
    assert not store.put("wuchang/yyj/2024/page.html", b"v1").created  # same bytes: nothing new
    second = store.put("wuchang/yyj/2024/page.html", b"v2", source_url="https://x/1.html")
    assert (second.created, second.version.version) == (True, 2)
    assert store.get("wuchang/yyj/2024/page.html", 1) == b"v1"
    assert store.get("wuchang/yyj/2024/page.html") == b"v2"
    assert [v.version for v in store.history("wuchang/yyj/2024/page.html")] == [1, 2]


def test_torn_ledger_line_from_a_crash_is_ignored_and_fenced(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("a", b"one")
    with (tmp_path / "ledger.jsonl").open("ab") as fh:
        fh.write(b'{"key": "b", "version": 1, "sha2')  # a writer died mid-line
    reopened = LocalStore(tmp_path)
    assert reopened.keys() == ["a"]
    reopened.put("c", b"three")
    again = LocalStore(tmp_path)
    assert again.keys() == ["a", "c"] and again.get("c") == b"three"


TORN = b'{"key": "wuchang/yyj/2024/page.html", "version": 2, "sha2'


def test_torn_last_ledger_line_is_recovered_on_open_and_kept_as_a_note(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("a", b"one")
    store.put("b", b"two")
    complete = (tmp_path / "ledger.jsonl").read_bytes()
    with (tmp_path / "ledger.jsonl").open("ab") as fh:
        fh.write(TORN)  # a power cut mid-append
    reopened = LocalStore(tmp_path)  # opening recovers: the ledger is cut back to its last complete line
    assert (tmp_path / "ledger.jsonl").read_bytes() == complete
    (note,) = [json.loads(line) for line in (tmp_path / "ledger.torn.jsonl").read_text().splitlines()]
    assert base64.b64decode(note["base64"]) == TORN
    assert (note["ledger_offset"], note["size"]) == (len(complete), len(TORN))
    reopened.put("c", b"three")
    lines = (tmp_path / "ledger.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"" and b"" not in lines[:-1]  # no blank line, every line a JSON entry
    assert [json.loads(line)["key"] for line in lines[:-1]] == ["a", "b", "c"]
    assert LocalStore(tmp_path).verify_chain() == []
    # And `scrapy verify` passes, today and on every later run.
    for _ in range(2):
        proc = scrapy("verify", "-s", f"STORE_URI={tmp_path}", check=False)
        assert (proc.returncode, proc.stdout.splitlines()[-1]) == (0, f"{tmp_path}: 3 version(s) checked, 0 problem(s)")


def test_a_line_torn_after_the_store_was_opened_is_recovered_by_the_next_put(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("a", b"one")
    with (tmp_path / "ledger.jsonl").open("ab") as fh:
        fh.write(TORN)  # another process died mid-append while this store was open
    store.put("b", b"two")
    assert [json.loads(line)["key"] for line in (tmp_path / "ledger.jsonl").read_text().splitlines()] == ["a", "b"]
    assert store.verify_chain() == [] and store.keys() == ["a", "b"]
    assert base64.b64decode(json.loads((tmp_path / "ledger.torn.jsonl").read_text())["base64"]) == TORN


def test_opening_an_archive_to_read_it_creates_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "archive")
    assert (store.keys(), store.latest("a"), store.verify_chain()) == ([], None, [])
    assert not (tmp_path / "archive").exists()
    store.put("a", b"one")
    assert store.get("a") == b"one" and LocalStore(tmp_path / "archive").keys() == ["a"]


def test_no_partial_blob_is_visible(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    result = store.put("k", b"x" * 100_000)
    blob = store.blob_path(result.version.sha256)
    assert blob.read_bytes() == b"x" * 100_000
    leftovers = [p for p in (blob.parent, store.tmp_dir) for p in p.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []


def test_temp_file_of_a_killed_writer_is_swept_by_the_next_writer(tmp_path: Path) -> None:
    LocalStore(tmp_path).put("a", b"one")
    torn = tmp_path / "tmp" / ".tmp-dead"
    torn.write_bytes(b"half a bl")  # what kill -9 in the middle of a blob write leaves
    store = LocalStore(tmp_path)
    assert torn.exists() and store.keys() == ["a"]  # reading neither sees nor touches it
    store.put("b", b"two")
    assert list(store.tmp_dir.iterdir()) == [] and store.get("b") == b"two"


def test_ledger_chain_detects_edits_of_history(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for n in range(3):
        store.put(f"k{n}", str(n).encode())
    assert store.verify_chain() == []
    lines = (tmp_path / "ledger.jsonl").read_text().splitlines()
    entry = json.loads(lines[1])
    entry["sha256"] = "0" * 64
    lines[1] = json.dumps(entry, sort_keys=True)
    (tmp_path / "ledger.jsonl").write_text("\n".join(lines) + "\n")
    assert LocalStore(tmp_path).verify_chain() == ["ledger line 2 (k1 v1): chain broken"]
    # Deleting an entry breaks the link of the one after it.
    (tmp_path / "ledger.jsonl").write_text(lines[0] + "\n" + lines[2] + "\n")
    assert LocalStore(tmp_path).verify_chain() == ["ledger line 2 (k2 v1): chain broken"]


def test_two_processes_share_one_archive(tmp_path: Path) -> None:
    a, b = LocalStore(tmp_path), LocalStore(tmp_path)
    a.put("k", b"1")
    assert b.put("k", b"2").version.version == 2  # b sees a's entry before numbering
    assert [v.version for v in a.history("k")] == [1, 2]


def test_hostile_names_cannot_escape(tmp_path: Path) -> None:
    assert (
        safe_key("wuchang", "yyj", "2024", safe_name("../../etc/passwd\x00.pdf"))
        == "wuchang/yyj/2024/_.._etc_passwd_.pdf"
    )
    assert safe_name("/abs/报告.pdf") == "_abs_报告.pdf"
    assert safe_name("..") == "file"
    store = LocalStore(tmp_path / "archive")
    store.put(safe_key("p", safe_name("../../x")), b"data")
    assert sorted(os.listdir(tmp_path)) == ["archive"]
