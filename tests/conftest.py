"""Fixtures shared by every test: a real portal replica on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from replica.server import ReplicaServer
    from replica.site import Site


CHECKOUT = Path(__file__).resolve().parent.parent
# The checkout's default archive and Scrapy's shared work folders: a test writes into tmp_path, never here
# (a `_crawls/default/None.jsonl` once appeared in ./data after a test run).
SHARED = (CHECKOUT / "data", CHECKOUT / ".scrapy" / "crawllog", CHECKOUT / ".scrapy" / "warc")


def _snapshot() -> dict[str, int]:
    return {str(p): p.stat().st_size for root in SHARED if root.is_dir() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="session", autouse=True)
def _checkout_untouched() -> Iterator[None]:
    """Fails the session when a test wrote into the checkout's default archive or shared spools."""
    before = _snapshot()
    yield
    after = _snapshot()
    assert sorted(p for p, size in after.items() if before.get(p) != size) == []


@pytest.fixture(scope="session")
def replica_site() -> Site:
    """The default world (seed 0), built once per test session."""
    from replica.site import Site

    return Site(seed=0)


@pytest.fixture
def replica(replica_site: Site) -> Iterator[ReplicaServer]:
    """The replica serving on 127.0.0.1:<free port>; reset to its original state afterwards."""
    from replica.server import start_in_thread

    server = start_in_thread(replica_site, port=0)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        replica_site.set_republished(False)
