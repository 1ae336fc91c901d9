"""A crawl opens the archive once: every component shares the crawler's store and its one ledger index."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from replica.server import ReplicaServer
from tests.support import FAST, ROOT

# `scrapy crawl` in a child process whose LocalStore counts its instances and says how many at exit.
COUNTING = """
import atexit, sys
from crawler.store import local
opened = []
init = local.LocalStore.__init__
def counting(self, *args, **kwargs):
    opened.append(str(args[0] if args else kwargs.get("root")))
    init(self, *args, **kwargs)
local.LocalStore.__init__ = counting
atexit.register(lambda: print(f"LOCALSTORES_OPENED={len(opened)}", file=sys.stderr))
from scrapy.cmdline import execute
execute(["scrapy", *sys.argv[1:]])
"""


def counted_crawl(mirror: str, archive: Path) -> tuple[int, str]:
    settings = {**FAST, "EXTRACT_ENABLED": "True", "PORTAL_MIRROR": mirror, "STORE_URI": str(archive),
                "HTTPCACHE_DIR": f"{archive}-httpcache", "CRAWLLOG_SPOOL": f"{archive}-spool",
                "WARC_DIR": f"{archive}-warc"}  # fmt: skip
    opts = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    proc = subprocess.run(
        [sys.executable, "-c", COUNTING, "crawl", "wuchang", "-a", "streets=yyj", *opts],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    match = re.search(r"LOCALSTORES_OPENED=(\d+)", proc.stderr)
    assert match, proc.stderr[-2000:]
    return int(match[1]), proc.stderr


def test_a_replica_crawl_opens_exactly_one_store(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    # The crawl log, WARC recorder, archive, extract and catalogue pipelines, and the check that the
    # crawl is durable all use one store.
    opened, stderr = counted_crawl(replica.url, archive)
    assert opened == 1
    assert "'item_scraped_count':" in stderr and (archive / "ledger.jsonl").exists()
    # The second crawl revalidates from the HTTP cache: its policy reads the archive's ledger too.
    opened, stderr = counted_crawl(replica.url, archive)
    assert opened == 1
    assert re.search(r"'httpcache/hit': [1-9]", stderr) or "httpcache/revalidate" in stderr, stderr[-3000:]
