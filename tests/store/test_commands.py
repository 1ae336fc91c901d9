"""`scrapy verify`, `scrapy diff` and `scrapy flush` on real archives, as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.store import LocalStore
from crawler.store.base import sha256_hex
from crawler.store.s3 import S3Store
from tests.s3server import WeedServer
from tests.store.test_s3 import _client_at
from tests.support import scrapy


def test_verify_local_archive_finds_missing_and_corrupt_bytes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "a")
    for key, body in [("p/s/2024/page.html", b"v1"), ("p/s/2024/page.html", b"v2"), ("p/s/2024/x.pdf", b"%PDF")]:
        store.put(key, body)
    setting = ("-s", f"STORE_URI={tmp_path / 'a'}")
    ok = scrapy("verify", *setting)
    assert ok.stdout == f"{tmp_path / 'a'}: 3 version(s) checked, 0 problem(s)\n"

    store.blob_path(sha256_hex(b"v1")).unlink()
    store.blob_path(sha256_hex(b"%PDF")).write_bytes(b"%PDF-tampered")
    bad = scrapy("verify", *setting, check=False)
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [
        f"PROBLEM p/s/2024/page.html v1: 'p/s/2024/page.html' v1: blob {sha256_hex(b'v1')} is missing",
        f"PROBLEM p/s/2024/x.pdf v1: bytes re-hash to {sha256_hex(b'%PDF-tampered')} (13 B), "
        f"ledger says {sha256_hex(b'%PDF')} (4 B)",
        f"{tmp_path / 'a'}: 3 version(s) checked, 2 problem(s)",
    ]


def test_verify_s3_archive_checks_chain_versions_and_metadata(
    weed: WeedServer, s3_env: dict[str, str], tmp_path: Path
) -> None:
    client: Any = weed.client()
    store = S3Store("archive", "verify", client=client, spool_root=tmp_path / "spool")
    v1 = store.put("p/s/2024/page.html", b"v1").version
    store.put("p/s/2024/page.html", b"v2")
    setting = ("-s", "STORE_URI=s3://archive/verify")
    assert scrapy("verify", *setting, env=s3_env).stdout == "s3://archive/verify: 2 version(s) checked, 0 problem(s)\n"

    # Someone with bucket access deletes the first version and rewrites a ledger entry.
    client.delete_object(Bucket="archive", Key="verify/p/s/2024/page.html", VersionId=v1.backend_id)
    entry = json.loads(client.get_object(Bucket="archive", Key="verify/_ledger/000000000001.json")["Body"].read())
    client.put_object(
        Bucket="archive", Key="verify/_ledger/000000000001.json", Body=json.dumps({**entry, "size": 3}).encode()
    )
    bad = scrapy("verify", *setting, env=s3_env, check=False)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert lines[:2] == [
        "PROBLEM ledger entry verify/_ledger/000000000001.json (p/s/2024/page.html v2): chain broken",
        "PROBLEM ledger entry verify/_ledger/000000000001.json was overwritten or deleted (2 S3 versions)",
    ]
    assert lines[2].startswith(f"PROBLEM p/s/2024/page.html v1: 'p/s/2024/page.html' v1 ({v1.backend_id}): ")
    assert lines[3:] == [
        "PROBLEM p/s/2024/page.html v2: bytes re-hash to "
        + f"{sha256_hex(b'v2')} (2 B), ledger says {sha256_hex(b'v2')} (3 B)",
        "PROBLEM p/s/2024/page.html v2: size 2 != ledger 3",
        # The catalog recorded the entry before it was rewritten.
        "PROBLEM catalog entry 1 (p/s/2024/page.html v2) differs from the ledger: size 2 != ledger 3",
        "The catalog disagrees with the ledger: `scrapy catalog rebuild` rebuilds it from the ledger.",
        "s3://archive/verify: 2 version(s) checked, 6 problem(s)",
    ]


def test_diff_shows_cells_text_or_bytes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "a")
    cell = {"raw": "3", "status": "ok", "line": 40, "value": 3}
    store.put_json("p/s/2024/page.html.record.json", {"t3_new_natural": cell, "title": "报告"})
    store.put_json("p/s/2024/page.html.record.json", {"t3_new_natural": {**cell, "value": 5}, "title": "报告（更正）"})
    store.put("p/s/2024/page.html", "<p>申请3件</p>\n<p>不变</p>\n".encode())
    store.put("p/s/2024/page.html", "<p>申请5件</p>\n<p>不变</p>\n".encode())
    pdf1, pdf2 = b"%PDF-\x00\x01", b"%PDF-\x00\x02\x03"
    store.put("p/s/2024/a.pdf", pdf1)
    store.put("p/s/2024/a.pdf", pdf2)
    setting = ("-s", f"STORE_URI={tmp_path / 'a'}")
    assert scrapy("diff", "p/s/2024/page.html.record.json", "1", "2", *setting).stdout.splitlines() == [
        "p/s/2024/page.html.record.json: v1 → v2: 1 cell(s), 1 other field(s)",
        "  cell  t3_new_natural: 3 → 5",
        '  field title: "报告" → "报告（更正）"',
    ]
    assert scrapy("diff", "p/s/2024/page.html", "1", "2", *setting).stdout.splitlines() == [
        "--- p/s/2024/page.html v1",
        "+++ p/s/2024/page.html v2",
        "@@ -1,2 +1,2 @@",
        "-<p>申请3件</p>",
        "+<p>申请5件</p>",
        " <p>不变</p>",
    ]
    assert scrapy("diff", "p/s/2024/a.pdf", "1", "2", *setting).stdout == (
        f"p/s/2024/a.pdf: binary differs: v1 7 B sha256 {sha256_hex(pdf1)}; v2 8 B sha256 {sha256_hex(pdf2)}\n"
    )
    missing = scrapy("diff", "p/s/2024/a.pdf", "1", "9", *setting, check=False)
    assert (missing.returncode, missing.stdout) == (2, "'p/s/2024/a.pdf' has no version 9 (latest is 2)\n")


def test_flush_sends_what_was_spooled(weed: WeedServer, s3_env: dict[str, str], tmp_path: Path) -> None:
    down = S3Store("archive", "flushcmd", client=_client_at(weed, 9), spool_root=s3_env["NIANBAO_SPOOL"])
    down.put("p/s/2024/page.html", b"v1")
    down.put("p/s/2024/x.pdf", b"%PDF")
    setting = ("-s", "STORE_URI=s3://archive/flushcmd")
    pending = scrapy("verify", *setting, env=s3_env, check=False)
    assert (pending.returncode, pending.stdout.splitlines()[0]) == (
        1,
        "PROBLEM 2 put(s) are still spooled locally (run `scrapy flush`)",
    )
    assert scrapy("flush", *setting, env=s3_env).stdout == "s3://archive/flushcmd: flushed 2 spooled put(s); 0 left\n"
    assert scrapy("verify", *setting, env=s3_env).stdout.endswith(": 2 version(s) checked, 0 problem(s)\n")
