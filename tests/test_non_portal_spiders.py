"""A spider that is not a portal crawl (`scrapy fetch`, `scrapy shell`, `scrapy bench`) never writes into
an archive: no crawl log, no WARC, no ledger — not even an empty archive folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from replica.server import ReplicaServer
from replica.site import Site
from tests.support import ROOT


def test_scrapy_fetch_writes_nothing_into_the_archive(
    replica: ReplicaServer, replica_site: Site, tmp_path: Path
) -> None:
    # `scrapy shell` and `scrapy bench` run the same kind of spider (no crawl id) through the same
    # extensions; fetch is the one that exits on its own.
    report = next(r for r in replica_site.manifest()["reports"] if r.get("url") and r["portal"] == "wuchang")
    # A project folder of its own: the default archive (./data) and .scrapy/ are under tmp_path.
    shutil.copy(ROOT / "scrapy.cfg", tmp_path / "scrapy.cfg")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    args = [
        "--nolog",
        "-s",
        f"PORTAL_MIRROR={replica.url}",
        "-s",
        "ROBOTSTXT_OBEY=False",
        "-s",
        "HTTPCACHE_ENABLED=False",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "fetch", *args, report["url"]],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert report["title"] in proc.stdout  # it really fetched the page
    assert not (tmp_path / "data").exists()  # the default archive was not even created
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert [p for p in written if p != "scrapy.cfg" and not p.startswith(".scrapy")] == []
    assert [p for p in written if "warc" in p or "crawllog" in p or "_crawls" in p] == []
