"""A cached copy is never evidence of another site or archive (crawler/httpcache.py, docs/security.md).

One checkout (one HTTPCACHE_DIR), two mirrors with different worlds (replica seeds 1 and 0), a third
mirror of the same world as the second, and fresh archives: each crawl into a fresh archive fetches
everything unconditionally and archives every report of *its* mirror; only a re-crawl of the same
mirror into the same archive is answered with 304s; and an archive that lost what the cache holds is
fetched in full again.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.store import open_store
from replica.server import ReplicaServer, start_in_thread
from replica.site import Site
from tests.support import crawl, crawl_log

STREETS = ("-a", "streets=yyj")


def stat(stderr: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(match[1]) if match else 0


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    servers: list[ReplicaServer] = []

    def start(site: Site) -> ReplicaServer:
        servers.append(start_in_thread(site))
        return servers[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def archived_reports(archive: Path) -> set[tuple[str, int, str]]:
    """(street, year, URL) of every report whose every file was archived by the newest crawl."""
    items = crawl_log(open_store(str(archive)), "wuchang")
    return {(r["street_key"], r["year"], r["url"]) for r in items
            if r["type"] == "ReportItem" and all(f["store_key"] and not f["error"] for f in r["files"])}  # fmt: skip


def expected(site: Site) -> set[tuple[str, int, str]]:
    return {(r["street_key"], r["year"], r["url"]) for r in site.manifest()["reports"]
            if r["portal"] == "wuchang" and r["published"] and r["street_key"] == "yyj"}  # fmt: skip


def test_two_mirrors_two_archives_one_checkout(serve: Any, replica_site: Site, tmp_path: Path) -> None:
    cache = str(tmp_path / "checkout-httpcache")  # the checkout's one cache folder, shared by every crawl

    def run(server: ReplicaServer, archive: Path) -> str:
        own = {"HTTPCACHE_DIR": cache, "CRAWLLOG_SPOOL": str(tmp_path / "spool"), "WARC_DIR": str(tmp_path / "warc")}
        return crawl("wuchang", server.url, archive, *STREETS, settings=own).stderr

    other_world = Site(seed=1)
    first, second, third = serve(other_world), serve(replica_site), serve(replica_site)
    assert expected(other_world) != expected(replica_site)

    run(first, tmp_path / "a")  # the other world, into archive a
    assert archived_reports(tmp_path / "a") == expected(other_world)

    # The bundled world through another mirror into a fresh archive: nothing from the cache.
    log = run(second, tmp_path / "b")
    assert stat(log, "httpcache/revalidate") == 0 and stat(log, "httpcache/miss") > 5
    assert archived_reports(tmp_path / "b") == expected(replica_site)

    # The same world again, through a third mirror, into another fresh archive: the cache holds byte-equal
    # pages of this very world (same validators), yet they are not this (archive, mirror)'s: no 304.
    log = run(third, tmp_path / "c")
    # (A 304 is counted as "httpcache/revalidate": the cache hands the cached 200 on in its place.)
    assert stat(log, "httpcache/revalidate") == 0 and stat(log, "httpcache/miss") > 5
    assert archived_reports(tmp_path / "c") == expected(replica_site)

    # Each (archive, mirror) pair has its own folder, which says what it is for.
    from crawler.httpcache import cache_scope  # here: the behaviour above needs no new API

    scopes = {cache_scope(str(tmp_path / a), s.url) for a, s in (("a", first), ("b", second), ("c", third))}
    assert {p.name for p in Path(cache).iterdir()} == scopes
    assert (Path(cache) / cache_scope(str(tmp_path / "b"), second.url) / "scope.json").exists()

    # A re-crawl of the same mirror into the same archive still costs almost nothing (304s)…
    log = run(second, tmp_path / "b")
    revalidated = stat(log, "httpcache/revalidate")
    assert revalidated > 5 and revalidated == stat(log, "downloader/response_status_count/200")
    assert stat(log, "httpcache/invalidate") == 0

    # …but once the archive no longer holds what the cache holds, no validator is sent for it.
    shutil.rmtree(tmp_path / "b")
    log = run(second, tmp_path / "b")
    assert stat(log, "httpcache/revalidate") <= 1  # robots.txt (never archived, no evidence) may revalidate
    assert archived_reports(tmp_path / "b") == expected(replica_site)
