"""`scrapy status` on a crawled replica equals what the replica's ground truth implies."""

from __future__ import annotations

import datetime as dt
import json
import socket
import urllib.request
from pathlib import Path
from typing import Any

from replica.server import ReplicaServer
from replica.site import Site
from tests.support import crawl, scrapy

TODAY = "2026-11-24"


def expected_status(entry: dict[str, Any]) -> tuple[str, int | None]:
    if not entry["published"]:
        return "missing", None
    deadline, date = dt.date.fromisoformat(entry["deadline"]), dt.date.fromisoformat(entry["page_date"])
    return ("on_time", None) if date <= deadline else ("late", (date - deadline).days)


def test_status_2024_equals_the_manifest_and_exit_status_signals_problems(
    replica: ReplicaServer, replica_site: Site, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    crawl("wuchang", replica.url, archive)
    proc = scrapy("status", "--year", "2024", "--portal", "wuchang", "--format", "json", "--today", TODAY,
                  "-s", f"STORE_URI={archive}", check=False)  # fmt: skip
    rows = json.loads(proc.stdout)
    got = {(r["street"], r["year"]): (r["status"], r["days_late"]) for r in rows}
    truth = {
        (e["street"], e["year"]): expected_status(e)
        for e in replica_site.manifest()["reports"]
        if e["portal"] == "wuchang" and e["year"] == 2024
    }
    assert got == truth and len(got) == 14
    assert proc.returncode == (1 if any(s in ("late", "missing") for s, _ in truth.values()) else 0)
    # Every judgement names the list page it rests on.
    assert all(r["evidence"]["pages"][0]["sha256"] for r in rows)

    # Every year of the replica: the same equality; the matrix shows late and missing, exit is 1.
    every = scrapy("status", "--portal", "wuchang", "--format", "json", "--today", TODAY,
                   "-s", f"STORE_URI={archive}", check=False)  # fmt: skip
    all_truth = {(e["street"], e["year"]): expected_status(e) for e in replica_site.manifest()["reports"]
                 if e["portal"] == "wuchang"}  # fmt: skip
    assert {(r["street"], r["year"]): (r["status"], r["days_late"]) for r in json.loads(every.stdout)} == all_truth
    assert {s for s, _ in all_truth.values()} == {"on_time", "late", "missing"}
    table = scrapy("status", "--portal", "wuchang", "--today", TODAY, "-s", f"STORE_URI={archive}", check=False)
    # Chinese by default
    assert table.returncode == 1 and "未公开   wuchang" in table.stdout and "已过；" in table.stdout
    english = scrapy("status", "--portal", "wuchang", "--today", TODAY, "--lang", "en", "-s", f"STORE_URI={archive}",
                     check=False)  # fmt: skip
    assert english.returncode == 1 and "MISSING" in english.stdout and "missing  wuchang" in english.stdout

    # The replica re-publishes one report with changed numbers: the next alert run reports the edit.
    urllib.request.urlopen(urllib.request.Request(replica.url + "/_replica/republish", data=b"on"))
    crawl("wuchang", replica.url, archive)
    edited = next(e for e in replica_site.manifest()["reports"] if e["portal"] == "wuchang" and e.get("republishable"))
    dry = scrapy("alert", "--portal", "wuchang", "--dry-run", "--today", TODAY, "-s", f"STORE_URI={archive}").stdout
    assert f"wuchang/{edited['street_key']}/{edited['year']}/page.html 在首次存档后内容发生变化，已保存为第2版" in dry


def test_an_unreachable_portal_is_unknown_never_missing(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    archive = tmp_path / "archive"
    crawl("wuchang", dead, archive, settings={"RETRY_TIMES": "0"})
    proc = scrapy("status", "--portal", "wuchang", "--format", "json", "--today", TODAY, "-s", f"STORE_URI={archive}")
    statuses = {r["status"] for r in json.loads(proc.stdout)}
    assert statuses == {"unknown"} and proc.returncode == 0
