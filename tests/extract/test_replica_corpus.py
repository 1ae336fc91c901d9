"""Every report of the replica (all 15 portals), in every format it is served in, reads back to the
manifest's values: every cell, the template, the metadata the spider cannot supply, and exactly the
single-report rules the replica broke on purpose.

The bytes are the replica's own responses (``Site.get``, what the server sends for the canonical URL);
the crawl path through the HTTP server and the pipeline is covered by test_pipeline_e2e.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from crawler import template as tpl
from crawler.extract import extract
from tests.extract.test_html import RULES_BY_CONSTRUCTION

if TYPE_CHECKING:
    from replica.site import Site

# A served file carries the tables when its kind is one of the report's formats ("inline" = the page).
_FORMAT_OF_KIND = {"html": "inline", "pdf": "pdf", "docx": "docx", "doc": "doc", "wps": "wps"}


def expected_values(values: dict[str, Any]) -> dict[str, Any]:
    """Manifest values as extraction gives them: 万元 amounts are exact decimal strings."""
    return {k: (str(v) if k in tpl.DECIMAL_KEYS and v is not None else v) for k, v in values.items()}


def read_back(job: tuple[str, str, bytes, dict[str, Any]]) -> dict[str, Any]:
    """Extract one served file (in a worker process) and reduce the record to what is compared."""
    kind, url, body, meta = job
    record = extract(body, filename=url.rsplit("/", 1)[-1], url=url, crawl_meta=meta)
    return {
        "url": url,
        "kind": kind,
        "template": record.template_version,
        "street": record.street,
        "year": record.report_year,
        "keys": sorted(record.cells),
        "values": {key: record.value(key) for key in record.cells},
        "rules": sorted({f.rule for f in record.findings} & RULES_BY_CONSTRUCTION),
        "p00": [f.message for f in record.findings if f.rule == "P00"],
    }


def _jobs(site: Site, reports: list[dict[str, Any]]) -> Iterator[tuple[str, str, bytes, dict[str, Any]]]:
    for report in reports:
        for file in report["files"]:
            if _FORMAT_OF_KIND.get(file["kind"]) not in report["formats"]:
                continue  # a page that only links the attachments
            if file["role"] == "page" and file["url"] != report["url"]:
                continue  # the second page of an article split in two: its closing note, no tables
            resource = site.get(file["url"])
            assert resource.status == 200, file["url"]
            meta = {"page_date": report["page_date"], "url_date": report["url_date"]}
            meta["district"] = report["legal_district"]
            yield file["kind"], file["url"], resource.body, meta


@pytest.fixture(scope="module")
def corpus(replica_site: Site) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    reports = [r for r in replica_site.manifest()["reports"] if r["published"]]
    workers = min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(read_back, _jobs(replica_site, reports), chunksize=8))
    return reports, {r["url"]: r for r in results}


def test_every_report_in_every_format_reads_back(corpus: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    reports, results = corpus
    checked: collections.Counter[str] = collections.Counter()
    wrong: list[str] = []
    for report in reports:
        want = expected_values(report["values"])
        for file in report["files"]:
            got = results.get(file["url"])
            if got is None:
                continue
            checked[got["kind"]] += 1
            where = f"{report['portal']}/{report['street_key']}/{report['year']} {got['kind']}"
            if got["p00"]:
                wrong.append(f"{where}: unreadable: {got['p00']}")
                continue
            if got["template"] != report["template"]:
                wrong.append(f"{where}: template {got['template']} != {report['template']}")
            if got["keys"] != sorted(tpl.table_keys(report["template"])):
                wrong.append(f"{where}: keys differ from the template's")
            bad = {k: (got["values"].get(k), v) for k, v in want.items() if got["values"].get(k) != v}
            if bad:
                wrong.append(f"{where}: {len(bad)} cell(s) wrong, e.g. {dict(list(bad.items())[:3])}")
            # §2: ``street`` is the title's …街道 name; a unit not named 街道 (城乡工作办事处) has none.
            street = report["street"] if report["street"].endswith("街道") else None
            if (got["street"], got["year"]) != (street, report["year"]):
                wrong.append(f"{where}: read as {got['street']} {got['year']}")
            if got["rules"] != sorted(set(report["broken_rules"])):
                wrong.append(f"{where}: rules {got['rules']} != broken {sorted(report['broken_rules'])}")
    assert not wrong, f"{len(wrong)} problem(s):\n" + "\n".join(wrong[:40])
    # The corpus really has every format the replica serves (a silently empty corpus would pass above).
    assert checked["html"] >= 900 and checked["pdf"] >= 70 and checked["doc"] >= 5 and checked["docx"] >= 3, checked
