"""Truncated bodies (Content-Length larger than what arrives): never archived as if complete."""

from __future__ import annotations

from tests.faults.conftest import Faulty


def test_truncated_bodies(faulty: Faulty) -> None:
    pdf, page = faulty.url_of("laj", 2021, attachment=True), faulty.url_of("xjpj", 2019)
    pdf_versions = len(faulty.store().history("wuchang/laj/2021/" + pdf.rsplit("/", 1)[1]))
    faulty.faults({"match": pdf, "kind": "truncate"}, {"match": page, "kind": "truncate", "fraction": 0.3})
    faulty.crawl()
    record = faulty.reports()[("laj", 2021)]["files"][1]
    assert record["store_key"] is None and record["error"].startswith("ResponseDataLossError")
    [failure] = faulty.items("FetchFailure")
    assert (failure["street_key"], failure["year"]) == ("xjpj", 2019)
    assert "ResponseDataLossError" in failure["error"]
    # The partial bytes were not stored as a new version of the PDF.
    assert len(faulty.store().history("wuchang/laj/2021/" + pdf.rsplit("/", 1)[1])) == pdf_versions
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()

    faulty.clear()
    faulty.crawl()
    faulty.assert_complete()
