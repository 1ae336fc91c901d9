"""The extraction stage in a real crawl: `scrapy crawl wuchang` through the replica stores a record beside
every archived report file; the records match the manifest; cross-year rules, re-extraction, edits and
exports work on that archive."""

from __future__ import annotations

import csv
import io
import json
import shutil
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from crawler import keys, records
from crawler.store import LocalStore
from replica.server import ReplicaServer
from replica.site import Site
from tests.extract.test_replica_corpus import expected_values
from tests.support import crawl, scrapy

ON = {"EXTRACT_ENABLED": "True"}
Manifest = dict[tuple[str, int], dict[str, Any]]  # (street key, year) -> the manifest's report


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, replica_site: Site) -> tuple[Path, Manifest]:
    """One crawl of the whole Wuchang portal with extraction on (module-scoped: it takes a minute)."""
    from replica.server import start_in_thread

    server = start_in_thread(replica_site, port=0)
    try:
        path = tmp_path_factory.mktemp("pipeline") / "archive"
        crawl("wuchang", server.url, path, settings=ON)
    finally:
        server.shutdown()
        server.server_close()
    manifest = replica_site.manifest()
    wuchang = {(r["street_key"], r["year"]): r for r in manifest["reports"] if r["portal"] == "wuchang"}
    return path, wuchang


def test_every_archived_report_has_records_equal_to_the_manifest(archive: tuple[Path, Manifest]) -> None:
    path, manifest = archive
    store = LocalStore(path)
    reports = list(records.archived_reports(store, "wuchang"))
    # Each record is stored once (its cross-report findings V32–V35 apart, crawler/derive.py).
    record_keys = [k for k in store.keys("wuchang/") if k.endswith(keys.RECORD_SUFFIX)]
    assert len(record_keys) > 95 and {len(store.history(k)) for k in record_keys} == {1}
    published = {k for k, r in manifest.items() if r["published"]}
    assert {(r.meta["street_key"], r.meta["year"]) for r in reports} == published
    for report in reports:
        truth = manifest[(report.meta["street_key"], report.meta["year"])]
        assert set(report.records) == {f["store_key"] for f in records.report_files(report.meta)}
        assert report.primary is not None
        key, record = report.primary
        kind = next(f["kind"] for f in report.meta["files"] if f["store_key"] == key)
        assert {"html": "inline"}.get(kind, kind) in truth["formats"], (report.prefix, kind, truth["formats"])
        assert record.template_version == truth["template"], report.prefix
        assert {k: record.value(k) for k in truth["values"]} == expected_values(truth["values"]), report.prefix
        assert record.source_url == next(f["url"] for f in report.meta["files"] if f["store_key"] == key)
        assert str(record.page_date) == truth["page_date"] and record.doc_id == key


def test_cross_year_rules_follow_the_manifest(archive: tuple[Path, Manifest]) -> None:
    """V32 wherever a street's 上年结转 differs from its previous report's 结转下年度 (computed here from the
    manifest's values), and nowhere else."""
    path, manifest = archive
    expected, got = set(), set()
    for (street, year), truth in manifest.items():
        before = manifest.get((street, year - 1))
        if truth["published"] and before and before["published"]:
            now, then = truth["values"], before["values"]
            if any(now[f"t3_carried_in_{c}"] != then[f"t3_carried_out_{c}"] for c in ("natural", "total")):
                expected.add((street, year))
    for report in records.archived_reports(LocalStore(path), "wuchang"):
        assert report.primary is not None
        if any(f.rule == "V32" for f in report.primary[1].findings):
            got.add((report.meta["street_key"], report.meta["year"]))
    assert got == expected and expected, (sorted(got ^ expected), len(expected))


def test_reextraction_and_recrawl_make_no_new_record_versions(
    archive: tuple[Path, Manifest], replica: ReplicaServer
) -> None:
    path, _ = archive
    before = len(list(LocalStore(path).ledger()))
    out = scrapy("extract", "--no-progress", "-s", f"STORE_URI={path}").stdout
    assert "records new or changed 0" in out and "updated 0 record(s)" in out and "P00): 0" in out, out
    crawl("wuchang", replica.url, path, "-a", "streets=zyj,yyj", settings=ON)
    new = [v.key for v in list(LocalStore(path).ledger())[before:]]
    assert not [k for k in new if k.endswith((keys.RECORD_SUFFIX, keys.TEXT_SUFFIX))], new
    assert not [k for k in new if k.startswith(keys.DERIVE + "/")], new  # nor derived findings, signatures


def test_exports_have_one_row_per_report_with_every_value(archive: tuple[Path, Manifest], tmp_path: Path) -> None:
    path, manifest = archive
    setting = ("-s", f"STORE_URI={path}")
    published = {k: r for k, r in manifest.items() if r["published"]}
    text = scrapy("export", "--format", "csv", *setting).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(published)
    row = next(r for r in rows if (r["street_key"], r["year"]) == ("zyj", "2023"))
    truth = published[("zyj", 2023)]
    assert row["t3_new_natural"] == str(truth["values"]["t3_new_natural"]) and row["url"] == truth["url"]
    assert row["template_version"] == "gb2021" and row["page_date"] == truth["page_date"]
    assert (row["street"], row["nbs"]) == ("紫阳街道", "420106008000")  # keyed by NBS code, name kept

    lines = scrapy("export", "--format", "jsonl", "--year", "2020", *setting).stdout.splitlines()
    assert len(lines) == sum(1 for (_, year) in published if year == 2020)
    first = json.loads(lines[0])
    assert first["year"] == 2020 and first["template_version"] == "gb2019"

    import pyarrow.parquet as pq

    out = tmp_path / "reports.parquet"
    scrapy("export", "--format", "parquet", "--output", str(out), *setting)
    table = pq.read_table(out)
    assert table.num_rows == len(published)
    assert str(table.schema.field("t3_new_total").type) == "int64"
    assert str(table.schema.field("t2_fees_amount").type) == "string"  # exact decimals, not floats


def test_a_republished_report_gets_a_new_record_version_with_v36_and_cell_changes(
    replica: ReplicaServer, replica_site: Site, tmp_path: Path
) -> None:
    path = tmp_path / "archive"
    crawl("wuchang", replica.url, path, "-a", "streets=zyj", settings=ON)
    store = LocalStore(path)
    before = {key: len(store.history(key)) for key in store.keys("wuchang/") if key.endswith(".record.json")}
    urllib.request.urlopen(urllib.request.Request(replica.url + "/_replica/republish", data=b"on"))
    crawl("wuchang", replica.url, path, "-a", "streets=zyj", settings=ON)
    store = LocalStore(path)
    [event_key] = store.keys("_events/edits/wuchang/")
    event = store.get_json(event_key)
    changed_file = event["key"]
    key = records.record_key(changed_file)
    # One record version per crawl that changed the file; the older one stays readable.
    assert before[key] == 1 and [v.version for v in store.history(key)] == [1, 2]
    old = json.loads(store.get(key, version=1))
    assert "V36" not in {f["rule"] for f in old["findings"]}
    record = records.load_record(store, changed_file)
    assert record is not None and [f.rule for f in record.findings if f.rule == "V36"] == ["V36"]
    truth = next(r for r in replica_site.manifest()["reports"] if r.get("url") == record.source_url)
    assert truth["edition"] == 2
    assert {k: record.value(k) for k in truth["values"]} == expected_values(truth["values"])
    assert event["cells"], "the edit event carries the changed cells"


def test_a_crawl_of_another_portal_writes_only_its_own_keys(
    archive: tuple[Path, Manifest], replica: ReplicaServer, tmp_path: Path
) -> None:
    """Into the Wuchang archive, a crawl of two Qiaokou streets stores no key of Wuchang's (nor any shared
    key): its cross-report findings are its own (crawler/derive.py); `scrapy derive` then refreshes the
    others' copy findings, and a second `derive` writes nothing."""
    path = tmp_path / "archive"
    shutil.copytree(archive[0], path)
    before = len(list(LocalStore(path).ledger()))
    crawl("qiaokou", replica.url, path, "-a", "streets=rhj,zgj", settings=ON)
    store = LocalStore(path)
    new = [v.key for v in list(store.ledger())[before:]]
    assert [k for k in new if k.endswith(keys.RECORD_SUFFIX)], "the crawl extracted its reports"
    assert keys.signatures("qiaokou") in new
    assert {keys.portal_of(k) for k in new} == {"qiaokou"}, sorted(k for k in new if keys.portal_of(k) != "qiaokou")
    derived = [k for k in new if k.startswith(keys.DERIVED_FINDINGS + "/")]
    assert derived and all(k.startswith(keys.DERIVED_FINDINGS + "/qiaokou/") for k in derived)
    scrapy("derive", "-s", f"STORE_URI={path}")
    middle = len(list(LocalStore(path).ledger()))
    out = scrapy("derive", "-s", f"STORE_URI={path}").stdout
    assert "derived findings of 0 report file(s) changed" in out and len(list(LocalStore(path).ledger())) == middle
