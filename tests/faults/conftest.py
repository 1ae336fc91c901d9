"""The fault matrix's shared setup: an archive already holding one clean crawl, and a faulty replica.

Each test starts from a copy of the same clean crawl of four 武昌 streets (so "nothing already fetched
is lost" has something to lose), switches faults on in the replica, crawls, checks the outcome,
clears the faults and crawls again to see the work completed.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from crawler.compliance import Status, judge
from crawler.registry import default_registry
from crawler.store import Store, open_store
from replica.server import ReplicaServer, start_in_thread
from replica.site import Site
from tests.support import crawl, crawl_log

STREETS = ("yyj", "laj", "sdj", "xjpj")  # inline pages, PDFs (laj, sdj, xjpj) and a DOCX (xjpj 2022)
HOST = "https://www.wuchang.gov.cn"
# A day after every deadline of the years crawled (up to last year), so "missing" is possible for each.
TODAY = dt.date(dt.date.today().year, 6, 1)


def column(street: str) -> str:
    return f"{HOST}/xxgk/{street}/zfxxgknb/"


@dataclass(frozen=True)
class Baseline:
    archive: Path
    cache: Path
    keys: dict[str, int]  # archived key → its number of versions after the clean crawl


@pytest.fixture(scope="session")
def baseline(replica_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    root = tmp_path_factory.mktemp("fault-baseline")
    archive = root / "archive"
    server = start_in_thread(replica_site)
    try:
        own = {"CRAWLLOG_SPOOL": str(root / "spool"), "WARC_DIR": str(root / "warc")}
        crawl("wuchang", server.url, archive, "-a", f"streets={','.join(STREETS)}", settings=own)
    finally:
        server.shutdown()
        server.server_close()
    store = open_store(str(archive))
    keys: dict[str, int] = {}
    for version in store.ledger():
        if not version.key.startswith("_"):
            keys[version.key] = version.version
    return Baseline(archive, Path(f"{archive}-httpcache"), keys)


class Faulty:
    """One test's archive (a copy of the baseline) and the replica it crawls, with faults switchable."""

    def __init__(self, server: ReplicaServer, base: Baseline, tmp: Path, site: Site):
        self.server, self.base, self.site = server, base, site
        self.archive = tmp / "archive"
        shutil.copytree(base.archive, self.archive)
        shutil.copytree(base.cache, f"{self.archive}-httpcache")
        self.spool = tmp / "spool"  # this test's own crawl-log spool: killed crawls never leak between tests

    # ---- the replica -------------------------------------------------------------------------
    def _control(self, method: str, body: bytes | None = None) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.server.url}/_replica/faults", data=body, method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:  # loopback only
            return cast(dict[str, Any], json.loads(answer.read()))

    def faults(self, *rules: dict[str, Any]) -> None:
        """Switch the replica's fault plan over its control API, as an operator would."""
        self._control("POST", json.dumps(list(rules)).encode())

    def applied(self) -> list[dict[str, str]]:
        return cast(list[dict[str, str]], self._control("GET")["applied"])

    def clear(self) -> None:
        self._control("DELETE")

    # ---- crawling ----------------------------------------------------------------------------
    def crawl(self, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        merged = {"CRAWLLOG_SPOOL": str(self.spool), "WARC_DIR": str(self.spool.parent / "warc"), **(settings or {})}
        streets = f"streets={','.join(STREETS)}"
        return crawl("wuchang", self.server.url, self.archive, "-a", streets, settings=merged)

    def store(self) -> Store:
        return open_store(str(self.archive))

    def items(self, kind: str) -> list[dict[str, Any]]:
        return [i for i in crawl_log(self.store(), "wuchang") if i["type"] == kind]

    def columns(self) -> dict[str, dict[str, Any]]:
        return {c["street_key"]: c for c in self.items("ColumnItem")}

    def reports(self) -> dict[tuple[str, int], dict[str, Any]]:
        return {(r["street_key"], r["year"]): r for r in self.items("ReportItem")}

    def published(self) -> set[tuple[str, int]]:
        """(street key, year) of every report the replica publishes for the crawled streets."""
        return {
            (p.street.key, p.year)
            for p in self.site.world.reports
            if p.portal == "wuchang" and p.published and p.street.key in STREETS
        }

    def url_of(self, street: str, year: int, attachment: bool = False) -> str:
        for plan in self.site.world.reports:
            if plan.portal == "wuchang" and plan.street.key == street and plan.year == year:
                assert plan.publication is not None
                if not attachment:
                    return plan.publication.url
                return next(u for u, _k, _l in self.site._attachments(plan))
        raise AssertionError(f"no report of {street} {year} in the replica")

    # ---- the checks every fault test makes -----------------------------------------------------
    def assert_nothing_lost(self) -> None:
        """The ledger's chain is intact and every version the clean crawl archived still reads back."""
        store = self.store()
        assert store.verify_chain() == []  # type: ignore[attr-defined]
        for key, versions in self.base.keys.items():
            history = store.history(key)
            assert len(history) >= versions, key
            for version in history[:versions]:
                assert store.get(key, version.version)  # readable, and the store re-hashes it

    def assert_complete(self) -> None:
        """Every report of the crawled streets was found and every column walked completely."""
        assert all(c["ok"] for c in self.columns().values()) and set(self.columns()) == set(STREETS)
        assert set(self.reports()) == self.published()
        assert self.items("FetchFailure") == []
        assert all(f["error"] is None for r in self.reports().values() for f in r["files"])
        assert crawl_log(self.store(), "wuchang")[-1]["finish_reason"] == "finished"

    def statuses(self) -> list[Status]:
        """Statuses judged on the newest crawl's evidence alone, as if it were the first one."""
        newest = cast(Store, _NewestCrawl(self.store()))
        statuses = judge(default_registry(), newest, TODAY, portals=["wuchang"])
        return [s for s in statuses if s.street_key in STREETS]

    def assert_none_missing_by_fault(self) -> None:
        """The fault made no published report "missing": at worst "unknown", with the reason."""
        wrongly = [(s.street_key, s.year, s.reason) for s in self.statuses()
                   if s.status == "missing" and (s.street_key, s.year) in self.published()]  # fmt: skip
        assert wrongly == []


class _NewestCrawl:
    """A view of a store that shows compliance only the newest crawl log (earlier evidence hidden)."""

    def __init__(self, store: Store):
        self.store = store

    def keys(self, prefix: str = "") -> list[str]:
        keys = self.store.keys(prefix)
        logs = sorted(k for k in keys if k.startswith("_crawls/"))
        return [k for k in keys if not k.startswith("_crawls/")] + logs[-1:]

    def get(self, key: str, version: int | None = None) -> bytes:
        return self.store.get(key, version)

    def __getattr__(self, name: str) -> Any:  # everything else (records, latest…) as the store has it
        return getattr(self.store, name)


@pytest.fixture
def faulty(replica: ReplicaServer, replica_site: Site, baseline: Baseline, tmp_path: Path) -> Iterator[Faulty]:
    env = Faulty(replica, baseline, tmp_path, replica_site)
    try:
        yield env
    finally:
        env.clear()  # also releases any request a "hang" fault still holds
