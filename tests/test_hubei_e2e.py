"""Hubei county portals end to end against the replica (issue 19): one county per placement layout and
the Hanweb one. Each `scrapy crawl <county>` finds exactly the unit-years the replica published (ground
truth: the manifest's ``hubei`` entries), each item with the unit's name, NBS code, year and canonical URL;
department reports, other documents and missing years are never reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.registry import EXTRA_PATHS, load_registry
from crawler.store import open_store
from replica.server import ReplicaServer
from replica.site import Site
from tests.support import crawl, crawl_log, scrapy

HUBEI = load_registry(EXTRA_PATHS[0])
# portal → (layout, family, what the replica puts in its way)
CASES = {
    "tianmen": ("per_street", "trs"),  # a column per unit; units without a known code are discovered
    "hbdaye": ("per_year", "trs"),  # a folder per year with a 乡镇(街道) sub-folder; a 2025 report in 2024's
    "yunyang": ("per_year", "trs"),  # a shared per-year folder, no unit split
    "zgtc": ("county", "trs"),  # one county column, pages named list_N by its createPageHTML call
    "jingshan": ("county", "hanweb"),  # Hanweb: embedded <recordset>, then dataproxy.jsp
}


def _reports(store: Any, portal: str) -> list[dict[str, Any]]:
    return [i for i in crawl_log(store, portal) if i["type"] == "ReportItem"]


@pytest.mark.parametrize("portal", sorted(CASES))
def test_county_crawl_finds_every_published_unit_year(
    portal: str, replica: ReplicaServer, replica_site: Site, tmp_path: Path
) -> None:
    entry = HUBEI.portal(portal)
    assert (entry.layout, entry.platform) == CASES[portal]
    crawl(portal, replica.url, tmp_path / "archive", "-a", "years=2023-2025")
    truth = [e for e in replica_site.manifest()["hubei"] if e["portal"] == portal]
    published = {(e["unit"], e["nbs"], e["year"], e["url"]) for e in truth if e["published"]}
    assert len(published) >= 20
    reports = _reports(open_store(str(tmp_path / "archive")), portal)
    assert {(r["street"], r["nbs"], r["year"], r["url"]) for r in reports} == published
    assert all(r["nbs"] and len(r["nbs"]) == 12 and r["legal_district"] == entry.name for r in reports)
    scheme_host = f"{entry.scheme}://{entry.host}/"
    assert all(r["url"].startswith(scheme_host) for r in reports)  # canonical, never the mirror's
    if portal == "hbdaye":
        # A report filed in the folder of the year before is classified by its title, not its folder.
        early = [e for e in truth if e["published"] and f"gb{e['year'] - 1}/" in e["column"]]
        assert [(e["unit"], e["year"]) for e in early] == [("东岳路街道", 2025)]
        [found] = [r for r in reports if r["url"] == early[0]["url"]]
        assert (found["street"], found["year"], found["column_url"]) == (
            "东岳路街道", 2025, "https://www.hbdaye.gov.cn/zfxxgk/zfxxgkndbg/gb2024/2024xzgb/"
        )  # fmt: skip
    if portal == "zgtc":
        # 通城's pages are named list_N by its createPageHTML call: every page was walked under that name.
        [column] = [i for i in crawl_log(open_store(str(tmp_path / "archive")), portal) if i["type"] == "ColumnItem"]
        names = [p["url"].rsplit("/", 1)[1] for p in column["pages"]]
        assert names == ["index.shtml", "list_1.shtml", "list_2.shtml", "list_3.shtml", "list_4.shtml"]  # 71 rows
        # The compliance matrix of a county column: missing exactly where the replica published nothing
        # (the default registry judges what the spiders crawl: config/hubei.yaml's portals too).
        status = scrapy(
            "status", "--portal", portal, "--year", "2025", "--today", "2026-07-01", "--format", "json",
            "-s", f"STORE_URI={tmp_path / 'archive'}", check=False,
        )  # fmt: skip
        rows = json.loads(status.stdout)
        unpublished = {e["unit"] for e in truth if not e["published"] and e["year"] == 2025}
        assert unpublished and {r["street"] for r in rows if r["status"] == "missing"} == unpublished
        assert {r["status"] for r in rows if r["street"] not in unpublished} == {"on_time"}
    if portal == "jingshan":
        # Hanweb: the column page's embedded records, then dataproxy.jsp groups from record 46 on.
        [column] = [i for i in crawl_log(open_store(str(tmp_path / "archive")), portal) if i["type"] == "ColumnItem"]
        names = [p["url"].split("?")[0].rsplit("/", 1)[1] for p in column["pages"]]
        assert names == ["index.html", "dataproxy.jsp", "dataproxy.jsp"]  # 97 records: 1-45, 46-90, 91-97
        assert "startrecord=46&endrecord=90&perpage=15" in column["pages"][1]["url"]
        assert "startrecord=91&endrecord=97&perpage=15" in column["pages"][2]["url"]


def test_crawlall_crawls_the_portals_of_one_politeness_group_one_after_the_other(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    """通城 and 崇阳 share the 咸宁 server (group trs-xianning): `scrapy crawlall` starts 崇阳's crawl only
    when 通城's has ended, so the server sees one request at a time; both finish."""
    from tests.support import FAST

    assert HUBEI.portal("zgtc").slot == HUBEI.portal("chongyang").slot == "trs-xianning"
    archive = tmp_path / "archive"
    settings = {**FAST, "PORTAL_MIRROR": replica.url, "STORE_URI": str(archive), "HTTPCACHE_ENABLED": "False"}
    settings |= {"CRAWLLOG_SPOOL": f"{archive}-spool", "WARC_DIR": f"{archive}-warc"}
    opts = [x for name, value in settings.items() for x in ("-s", f"{name}={value}")]
    scrapy("crawlall", "--portals", "zgtc,chongyang", "-a", "years=2025", *opts, timeout=600)
    store = open_store(str(archive))
    [first_end] = [i["finished_at"] for i in crawl_log(store, "zgtc") if i["type"] == "CrawlSummary"]
    starts = [p["fetched_at"] for i in crawl_log(store, "chongyang") if i["type"] == "ColumnItem" for p in i["pages"]]
    assert starts and min(starts) >= first_end
    assert _reports(store, "chongyang") and _reports(store, "zgtc")
