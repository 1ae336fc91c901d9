"""`scrapy wacz`: a portal's captures as a WACZ package that replays on its own — every file hashed in
datapackage.json, an index whose offsets point at the right records inside the package, and the
originals that a later crawl's revisits refer to."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from crawler.store import open_store
from replica.server import ReplicaServer
from tests.support import crawl, crawl_log, scrapy


def test_wacz_of_two_crawls_is_complete_and_replays_from_its_own_index(replica: ReplicaServer, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    settings = {"WARC_DIR": str(tmp_path / "warc"), "HTTPCACHE_ENABLED": "False"}  # 2nd crawl: revisits
    for crawl_id in ("c1", "c2"):
        crawl("wuchang", replica.url, archive, "-a", "streets=yyj", settings={**settings, "CRAWL_ID": crawl_id})
    where = ("-s", f"STORE_URI={archive}")
    out = scrapy("wacz", "wuchang", "-O", str(tmp_path / "all.wacz"), *where).stdout
    assert out.startswith(f"{tmp_path / 'all.wacz'}: 2 WARC file(s) of 2 crawl(s), ")

    package = zipfile.ZipFile(tmp_path / "all.wacz")
    datapackage = package.read("datapackage.json")
    digest = json.loads(package.read("datapackage-digest.json"))
    assert digest["hash"] == "sha256:" + hashlib.sha256(datapackage).hexdigest()
    resources = json.loads(datapackage)["resources"]
    assert {r["path"] for r in resources} == set(package.namelist()) - {"datapackage.json", "datapackage-digest.json"}
    for resource in resources:
        data = package.read(resource["path"])
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and resource["bytes"] == len(data)
    assert all(package.getinfo(n).compress_type == zipfile.ZIP_STORED for n in package.namelist() if ".warc" in n)

    index = package.read("indexes/index.cdxj").decode().splitlines()
    assert index == sorted(index)
    store = open_store(str(archive))
    reports = [i for i in crawl_log(store, "wuchang") if i["type"] == "ReportItem"]
    pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert {p["url"] for p in pages[1:]} == {r["url"] for r in reports} and len(reports) == 5
    for line in index:
        fields = json.loads(line.split(" ", 2)[2])
        warc = package.read(f"archive/{fields['filename']}")
        start, length = int(fields["offset"]), int(fields["length"])
        record = next(iter(ArchiveIterator(io.BytesIO(warc[start : start + length]))))
        assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        if record.rec_type == "revisit":  # its original is in the package too
            original = record.rec_headers.get_header("WARC-Refers-To-Target-URI")
            assert any(json.loads(o.split(" ", 2)[2]).get("url") == original and '"status": "200"' in o for o in index)

    # Up to the first crawl only: one WARC; an unknown crawl is a clear error and leaves no file.
    scrapy("wacz", "wuchang", "-O", str(tmp_path / "c1.wacz"), "--crawl", "c1", *where)
    first = {"archive/" + k.rsplit("/", 1)[1] for k in store.keys("_warc/wuchang/c1/") if k.endswith(".warc.gz")}
    in_c1 = {n for n in zipfile.ZipFile(tmp_path / "c1.wacz").namelist() if n.startswith("archive/")}
    assert in_c1 == first and len(first) == 1
    bad = scrapy("wacz", "wuchang", "-O", str(tmp_path / "x.wacz"), "--crawl", "c9", *where, check=False)
    assert bad.returncode == 1 and "no WARC files of crawl 'c9' of wuchang" in bad.stdout
    assert not (tmp_path / "x.wacz").exists() and not (tmp_path / "x.wacz.part").exists()
