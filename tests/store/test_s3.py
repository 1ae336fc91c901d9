"""What only the S3 backend does: versioned buckets, object metadata, VersionIds, orphans, the spool."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from crawler.edits import note_edits
from crawler.store import StoreError, open_store
from crawler.store.base import sha256_hex
from crawler.store.s3 import S3Store, meta_value
from tests.s3server import WeedServer, free_ports


def test_open_store_creates_a_versioned_bucket_and_records_version_ids(
    weed: WeedServer, s3_env: dict[str, str]
) -> None:
    client: Any = weed.client()
    store = open_store("s3://fresh-bucket/arch/ive")
    assert isinstance(store, S3Store) and (store.bucket, store.prefix) == ("fresh-bucket", "arch/ive")
    assert store.history("x") == []  # reading before the bucket exists is an empty archive
    url = "https://www.wuchang.gov.cn/杨园/报告.pdf"
    first = store.put(
        "wuchang/yyj/2024/报告.pdf",
        b"%PDF-1",
        content_type="application/pdf",
        source_url=url,
        fetched_at="2025-01-31T08:00:00Z",
        meta={"last_modified": "Fri, 31 Jan 2025 08:00:00 GMT", "etag": '"abc"'},
    )
    second = store.put("wuchang/yyj/2024/报告.pdf", b"%PDF-2", source_url=url)
    assert client.get_bucket_versioning(Bucket="fresh-bucket")["Status"] == "Enabled"
    versions = client.list_object_versions(Bucket="fresh-bucket", Prefix="arch/ive/wuchang/")["Versions"]
    assert {v["VersionId"] for v in versions} == {first.version.backend_id, second.version.backend_id}
    assert first.version.backend_id != second.version.backend_id
    old = client.get_object(
        Bucket="fresh-bucket", Key="arch/ive/wuchang/yyj/2024/报告.pdf", VersionId=first.version.backend_id
    )
    assert old["Body"].read() == b"%PDF-1" and old["ContentType"] == "application/pdf"
    assert old["Metadata"] == {
        "sha256": hashlib.sha256(b"%PDF-1").hexdigest(),
        "source-url": "https://www.wuchang.gov.cn/%E6%9D%A8%E5%9B%AD/%E6%8A%A5%E5%91%8A.pdf",
        "fetched-at": "2025-01-31T08:00:00Z",
        "last-modified": "Fri, 31 Jan 2025 08:00:00 GMT",
        "etag": '"abc"',
    }
    # The ledger is plain JSON objects, one per entry, readable with any S3 tool.
    entry = json.loads(
        client.get_object(Bucket="fresh-bucket", Key="arch/ive/_ledger/000000000001.json")["Body"].read()
    )
    assert (entry["key"], entry["version"], entry["seq"], entry["backend_id"]) == (
        "wuchang/yyj/2024/报告.pdf",
        2,
        1,
        second.version.backend_id,
    )
    assert store.get("wuchang/yyj/2024/报告.pdf", 1) == b"%PDF-1"


def test_metadata_values_are_ascii_safe() -> None:
    assert meta_value("https://x/杨园?a=1 b") == "https://x/%E6%9D%A8%E5%9B%AD?a=1 b"
    assert meta_value("evil\r\nX-Injected: 1") == "evil%0D%0AX-Injected: 1"


def test_a_bucket_another_writer_is_creating_is_waited_for(weed: WeedServer, s3_env: dict[str, str]) -> None:
    # Two workers start on a fresh archive: one has created the bucket and not yet enabled versioning when
    # the other looks at it. The second must write, versioned, not refuse the bucket as never versioned.
    client: Any = weed.client()
    client.create_bucket(Bucket="racing-bucket")
    enable = {"Bucket": "racing-bucket", "VersioningConfiguration": {"Status": "Enabled"}}
    creator = threading.Timer(1.0, client.put_bucket_versioning, kwargs=enable)
    creator.start()
    try:
        result = open_store("s3://racing-bucket/a").put("k", b"x")
    finally:
        creator.join()
    assert result.created and result.version.backend_id not in ("", "null")
    assert client.get_bucket_versioning(Bucket="racing-bucket")["Status"] == "Enabled"


def test_refuses_an_unversioned_bucket_unless_allowed(
    weed: WeedServer, s3_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client: Any = weed.client()
    client.create_bucket(Bucket="plain-bucket")
    with pytest.raises(StoreError, match=r"bucket 'plain-bucket' has versioning never enabled.*allow_unversioned=1"):
        open_store("s3://plain-bucket/a").put("k", b"x")
    client.put_bucket_versioning(Bucket="plain-bucket", VersioningConfiguration={"Status": "Suspended"})
    with pytest.raises(StoreError, match="has versioning Suspended"):
        open_store("s3://plain-bucket/b").put("k", b"x")
    assert open_store("s3://plain-bucket/c?allow_unversioned=1").put("k", b"x").created
    monkeypatch.setenv("NIANBAO_S3_ALLOW_UNVERSIONED", "1")
    assert open_store("s3://plain-bucket/d").put("k", b"x").created


def test_an_object_uploaded_before_a_crash_is_adopted_not_duplicated(weed: WeedServer, tmp_path: Path) -> None:
    client: Any = weed.client()
    store = S3Store("archive", "orphan", client=client, spool_root=tmp_path)
    store.put("other", b"first")  # creates the bucket
    # The process died after uploading the object and before writing its ledger entry.
    orphan = client.put_object(
        Bucket="archive", Key="orphan/k.pdf", Body=b"bytes", Metadata={"sha256": sha256_hex(b"bytes")}
    )["VersionId"]
    result = S3Store("archive", "orphan", client=client, spool_root=tmp_path).put("k.pdf", b"bytes")
    assert (result.created, result.version.backend_id) == (True, orphan)
    assert len(client.list_object_versions(Bucket="archive", Prefix="orphan/k.pdf")["Versions"]) == 1


def test_puts_spool_while_s3_is_unreachable_and_flush_in_order(weed: WeedServer, tmp_path: Path) -> None:
    (dead_port,) = free_ports(1)
    down = S3Store("archive", "spooled", client=_client_at(weed, dead_port), spool_root=tmp_path, retry_after=60)
    first = down.put("r/page.html", b"v1", source_url="https://x/p.html")
    assert (first.created, first.version.version, first.version.meta) == (True, 1, {"spooled": True})
    assert not down.put("r/page.html", b"v1").created  # deduped against the spool
    assert down.put("r/page.html", b"v2").version.version == 2
    assert down.put("r/other.pdf", b"pdf").created
    assert down.pending() == 3 and not down.flush(blocking=False)  # backing off: no new attempt yet
    with pytest.raises(StoreError, match="unreachable"):
        down.flush()

    up = S3Store("archive", "spooled", client=weed.client(), spool_root=tmp_path)
    assert up.flush() and up.pending() == 0
    assert [(v.key, v.version) for v in up.ledger()] == [("r/page.html", 1), ("r/page.html", 2), ("r/other.pdf", 1)]
    assert [up.get("r/page.html", 1), up.get("r/page.html", 2)] == [b"v1", b"v2"]
    v1 = up.history("r/page.html")[0]
    # The ledger says when the put was really made (spooled_at), and stored_at says when it reached S3.
    assert (
        v1.source_url == "https://x/p.html" and list(v1.meta) == ["spooled_at"] and v1.meta["spooled_at"] < v1.stored_at
    )
    assert up.verify_chain() == [] and list(tmp_path.rglob("*.bin")) == []


def test_what_a_killed_writer_left_in_the_spool_is_swept(weed: WeedServer, tmp_path: Path) -> None:
    dead = _dead_pid()
    down = S3Store("archive", "swept", client=_client_at(weed, free_ports(1)[0]), spool_root=tmp_path, retry_after=60)
    down.put("r/page.html", b"v1")
    spool = down.spool.dir
    # A writer killed between its .bin and its marker, and one killed inside write_atomic.
    (spool / f"{1:020d}-{dead}-000000.bin").write_bytes(b"half")
    (spool / "tmp" / str(dead)).mkdir()
    (spool / "tmp" / str(dead) / ".tmp-x").write_bytes(b"hal")
    # This process, alive, may be between its .bin and its marker: its files stay.
    live = spool / f"{2:020d}-{os.getpid()}-000000.bin"
    live.write_bytes(b"mine")
    up = S3Store("archive", "swept", client=weed.client(), spool_root=tmp_path)
    assert up.flush() and up.get("r/page.html") == b"v1"
    assert sorted(p.relative_to(spool).as_posix() for p in spool.rglob("*") if p.name not in ("uri", ".lock")) == [
        live.name, "tmp", f"tmp/{os.getpid()}",
    ]  # fmt: skip


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _client_at(weed: WeedServer, port: int) -> Any:
    import boto3
    from botocore.config import Config

    from tests.s3server import ACCESS_KEY, SECRET_KEY

    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
    )


def test_a_deleted_ledger_entry_is_reported(weed: WeedServer, tmp_path: Path) -> None:
    client: Any = weed.client()
    store = S3Store("archive", "gap", client=client, spool_root=tmp_path)
    for n in range(3):
        store.put(f"k{n}", b"x")
    client.delete_object(Bucket="archive", Key="gap/_ledger/000000000001.json")
    assert S3Store("archive", "gap", client=client, spool_root=tmp_path).verify_chain() == [
        "ledger entry gap/_ledger/000000000002.json: expected sequence number 1 (an entry is missing)",
        "ledger entry gap/_ledger/000000000002.json (k2 v1): chain broken",
        "ledger entry gap/_ledger/000000000001.json was overwritten or deleted (2 S3 versions)",
    ]


def test_large_objects_go_up_in_parts(weed: WeedServer, tmp_path: Path) -> None:
    client: Any = weed.client()
    store = S3Store("archive", "big", client=client, spool_root=tmp_path)
    data = b"\x00" * (12 * 1024 * 1024)
    version = store.put("scan.pdf", data).version
    head = client.head_object(Bucket="archive", Key="big/scan.pdf", VersionId=version.backend_id)
    assert head["ETag"].endswith('-2"') and head["ContentLength"] == len(data)
    assert store.check_metadata(version) is None


def test_an_edit_that_waited_in_the_spool_is_still_recorded(weed: WeedServer, tmp_path: Path) -> None:
    key = "wuchang/zyj/2024/page.html"
    up = S3Store("archive", "spooled-edit", client=weed.client(), spool_root=tmp_path)
    up.put(key, b"v1", source_url="https://x/p.html")
    down = S3Store("archive", "spooled-edit", client=_client_at(weed, free_ports(1)[0]), spool_root=tmp_path)
    assert down.put(key, b"v2", source_url="https://x/p.html").version.meta == {"spooled": True}
    flushed = up.flush()  # the store returns what it stored; recording edits is the caller's job
    assert flushed and [r.version.version for r in flushed.stored] == [2] and up.keys("_events/") == []
    assert note_edits(up, flushed.stored) == [f"_events/edits/{key}-v2.json"]
    assert up.keys("_events/") == [f"_events/edits/{key}-v2.json"]
    event = up.get_json(f"_events/edits/{key}-v2.json")
    assert (event["kind"], event["previous"]["version"], event["current"]["version"]) == ("silent_edit", 1, 2)
