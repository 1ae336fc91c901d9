"""What is spooled is not durable yet: `scrapy status` says ``unknown`` for it until `scrapy flush`."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from crawler.compliance import judge
from crawler.registry import default_registry
from crawler.store.s3 import S3Store
from tests.compliance.test_judge import column, report, status_of
from tests.s3server import ACCESS_KEY, SECRET_KEY, WeedServer

TODAY = dt.date(2025, 11, 1)


def unreachable_client() -> object:
    """An S3 client of an endpoint nobody listens on (the server is gone): every call is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=1)
    return boto3.client("s3", endpoint_url=dead, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        region_name="us-east-1", config=config)  # fmt: skip


def log(*items: dict[str, Any]) -> bytes:
    return ("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n").encode()


def test_status_is_unknown_for_what_is_spooled_until_it_is_flushed(weed: WeedServer, tmp_path: Path) -> None:
    prefix = f"durable-{tmp_path.name}"[:60]
    spool = tmp_path / "spool"
    archive = S3Store("archive", prefix, client=weed.client(), spool_root=spool)
    # Crawl 1, durable: 杨园's column crawled completely after the deadline lists no 2024 report.
    archive.put("_crawls/wuchang/20250210T000000Z-00000001.jsonl", log(column("杨园街道"), column("中南路街道")))
    # Crawl 2 finds the report, but S3 is gone when it ends: its log waits in the spool.
    offline = S3Store("archive", prefix, client=unreachable_client(), spool_root=spool)
    found = log(
        column("杨园街道", fetched="2025-03-01T02:00:00Z"), report("杨园街道", 2024, "2025-01-20", "2025-01-20")
    )
    assert offline.put("_crawls/wuchang/20250301T000000Z-00000002.jsonl", found).version.meta["spooled"] is True

    registry = default_registry()
    statuses = judge(registry, archive, TODAY, years=[2024], portals=["wuchang"])
    yy = status_of(statuses, "杨园街道")  # the archive alone says missing; the spool says otherwise
    assert (yy.status, yy.reason) == (
        "unknown", "1 write(s) about this report are still spooled, not in the archive yet; run scrapy flush"
    )  # fmt: skip
    assert yy.evidence["spooled"] == ["_crawls/wuchang/20250301T000000Z-00000002.jsonl"]
    assert status_of(statuses, "中南路街道").status == "missing"  # the spooled crawl did not touch it

    assert archive.flush() and archive.spooled() == []
    yy = status_of(judge(registry, archive, TODAY, years=[2024], portals=["wuchang"]), "杨园街道")
    assert (yy.status, yy.date_used) == ("on_time", dt.date(2025, 1, 20))
