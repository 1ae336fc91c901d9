"""Every portal end to end against the replica: found set and hashes equal the ground truth.

One `scrapy crawlall` over all 15 portals is shared by the per-portal tests (a crawl of everything
takes about half a minute); the challenge portal is crawled again without a browser. Discovery failing
loudly when the navigation does not lead where the registry says is shown in process, on saved pages
(tests/spiders/test_portal_fixtures.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.compliance import not_created
from crawler.registry import DEFAULT_PATH, default_registry, load_registry
from crawler.store import open_store
from replica.reality import CHALLENGE_PORTAL
from replica.server import start_in_thread
from replica.site import Site
from tests.support import FAST, crawl, crawl_log, scrapy

PORTALS = sorted(load_registry(DEFAULT_PATH).portals)  # Wuhan's: the replica world these tests crawl


@pytest.fixture(scope="module")
def everything(replica_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    server = start_in_thread(replica_site, port=0)
    archive = tmp_path_factory.mktemp("all") / "archive"
    try:
        settings = {**FAST, "PORTAL_MIRROR": server.url, "STORE_URI": str(archive), "HTTPCACHE_DIR": f"{archive}-cache"}
        # Never the checkout's shared .scrapy/ spools (see tests/conftest.py).
        settings |= {"CRAWLLOG_SPOOL": f"{archive}-spool", "WARC_DIR": f"{archive}-warc"}
        opts = [x for name, value in settings.items() for x in ("-s", f"{name}={value}")]
        # The Wuhan portals (Hubei's have their own end-to-end tests: tests/test_hubei_e2e.py).
        scrapy("crawlall", "--portals", ",".join(PORTALS), *opts, timeout=600)
        yield open_store(str(archive)), replica_site.manifest()
    finally:
        server.shutdown()
        server.server_close()


def test_scrapy_list_shows_every_portal() -> None:
    listed = scrapy("list").stdout.split()
    assert listed == sorted(default_registry().portals)  # config/portals.yaml and config/hubei.yaml
    assert len(PORTALS) == 15 and set(PORTALS) <= set(listed)


@pytest.mark.parametrize("portal", PORTALS)
def test_portal_found_set_and_hashes_equal_the_manifest(portal: str, everything: tuple[Any, dict[str, Any]]) -> None:
    store, manifest = everything
    expected = [r for r in manifest["reports"] if r["portal"] == portal and r["published"]]
    items = crawl_log(store, portal)
    reports = [i for i in items if i["type"] == "ReportItem"]
    assert {(r["street"], r["year"], r["url"], r["page_date"]) for r in reports} == {
        (r["street"], r["year"], r["url"], r["page_date"]) for r in expected
    }
    assert expected, f"the replica publishes nothing for {portal}"
    by_url = {f["url"]: f for r in reports for f in r["files"]}
    for report in expected:
        for file in report["files"]:
            assert by_url[file["url"]]["sha256"] == file["sha256"], file["url"]
    # A per-year portal's folders next to the years asked (crawler/columns.py): 2018 and the year in progress are
    # not in the replica.
    columns = [i for i in items if i["type"] == "ColumnItem" and not (i["neighbour"] and not_created(i))]
    assert columns and all(c["ok"] for c in columns), [c["error"] for c in columns if not c["ok"]]
    assert not [i for i in items if i["type"] == "FetchFailure"]
    # Streets are keyed by the portal that publishes them; the legal district is kept.
    if portal == "wehdz":
        assert {r["legal_district"] for r in reports} == {"江夏区", "洪山区"}
    if portal == "whkfq":
        assert {r["legal_district"] for r in reports} == {"蔡甸区", "汉南区"}


def test_every_markup_variant_of_the_replica_was_walked_and_read(
    replica_site: Site, everything: tuple[Any, dict[str, Any]]
) -> None:
    """Issue 18: pagers (pageControl, three-number createPageHTML naming pages list_N, a bare 下一页 link),
    script rows, cut titles, embedded viewers and split articles are all in the replica, and the crawl
    walked every list page of every column and archived every part of every report."""
    store, manifest = everything
    pagers = {v.pager for v in replica_site._variants.values()}
    rows = {v.rows for v in replica_site._variants.values()}
    assert pagers == {"plain", "pageControl", "records", "next"} and rows == {"plain", "script", "truncated"}
    walked = {}
    opened = 0
    for portal in PORTALS:
        for item in crawl_log(store, portal):
            if item["type"] == "ColumnItem" and item["ok"]:
                walked[item["column_url"]] = [p["url"].rsplit("/", 1)[1] for p in item["pages"]]
                opened += len(item["opened"])
    for column, variant in replica_site._variants.items():
        if column not in walked:
            continue  # a column the replica has no rows for (a year before the portal existed)
        listed = replica_site.world.columns[column]
        pages = -(-len(listed) // 15)
        names = ["index"] + [f"{variant.page_name}_{n}" for n in range(1, pages)]
        assert [n.rsplit(".", 1)[0] for n in walked[column]] == names, column
    assert opened > 20  # cut titles were opened, not skipped
    parts = [f for r in manifest["reports"] if r["published"] for f in r["files"] if f["url"].endswith("_1.shtml")]
    viewers = [r for r in manifest["reports"] if r["published"] and "viewer.html" in
               replica_site.get(r["url"]).body.decode()]  # fmt: skip
    assert len(parts) > 10 and len(viewers) > 5  # and test_portal_found_set… found every one of their files


def test_columns_the_research_never_saw_are_discovered(everything: tuple[Any, dict[str, Any]]) -> None:
    store, _ = everything
    for portal in ("hanyang", "qiaokou", "wehdz"):
        columns = [i for i in crawl_log(store, portal) if i["type"] == "ColumnItem"]
        discovered = {c["street"]: c["column_url"] for c in columns if c["discovered"]}
        registry = default_registry().portal(portal)
        assert set(discovered) == {u.name for u in registry.discoverable_streets()}
    hanyang = {c["street"]: c for c in crawl_log(store, "hanyang") if c["type"] == "ColumnItem"}
    assert hanyang["晴川街道"]["column_url"].startswith("https://www.hanyang.gov.cn/zwgk_38/jdxxgk/jd01_")
    assert hanyang["晴川街道"]["street_key"].startswith("jd01_")  # the discovered code keys the archive


def test_challenge_portal_without_a_browser_is_recorded_as_a_challenge(replica: Any, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    crawl(CHALLENGE_PORTAL, replica.url, archive, settings={"BROWSER_ENABLED": "False"})
    store = open_store(str(archive))
    items = crawl_log(store, CHALLENGE_PORTAL)
    columns = [i for i in items if i["type"] == "ColumnItem"]
    assert [(c["ok"], c["challenge"], c["error"]) for c in columns] == [(False, True, "HTTP 521 challenge page")]
    assert not [i for i in items if i["type"] == "ReportItem"]
    # The challenge page is kept as evidence of what the portal answered, never as a report.
    assert [v.key for v in store.ledger() if not v.key.startswith("_")] == [  # not crawl logs, WARCs
        "whdonghu/cxgzbsc_72651/_column/index.shtml"
    ]


def test_challenge_portal_through_chromium(replica: Any, replica_site: Site, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    proc = crawl(CHALLENGE_PORTAL, replica.url, archive)
    assert "retrying in a browser" in proc.stderr
    reports = [i for i in crawl_log(open_store(str(archive)), CHALLENGE_PORTAL) if i["type"] == "ReportItem"]
    expected = [r for r in replica_site.manifest()["reports"] if r["portal"] == CHALLENGE_PORTAL and r["published"]]
    assert sorted(r["url"] for r in reports) == sorted(r["url"] for r in expected) and len(expected) == 7
