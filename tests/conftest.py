"""Fixtures shared by every test: a real portal replica on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from crawler.replica.server import ReplicaServer
    from crawler.replica.site import Site


@pytest.fixture(scope="session")
def replica_site() -> Site:
    """The default world (seed 0), built once per test session."""
    from crawler.replica.site import Site

    return Site(seed=0)


@pytest.fixture
def replica(replica_site: Site) -> Iterator[ReplicaServer]:
    """The replica serving on 127.0.0.1:<free port>; reset to its original state afterwards."""
    from crawler.replica.server import start_in_thread

    server = start_in_thread(replica_site, port=0)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        replica_site.set_republished(False)
