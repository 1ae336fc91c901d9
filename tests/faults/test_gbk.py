"""GBK-encoded pages (charset in the header and the meta tag) are read correctly and archived as served."""

from __future__ import annotations

from tests.faults.conftest import Faulty, column


def test_gbk_encoded_pages(faulty: Faulty) -> None:
    faulty.faults({"match": rf"re:{column('laj')}.*\.html", "kind": "gbk"})
    faulty.crawl()
    served = faulty.applied()
    assert len(served) >= 7 and all(f["kind"] == "gbk" for f in served)  # the list page and six reports
    columns = faulty.columns()
    assert columns["laj"]["ok"] is True and len(columns["laj"]["reports"]) == 6
    titles = {p.year: p.publication.title for p in faulty.site.world.reports
              if p.street.key == "laj" and p.publication is not None and p.portal == "wuchang"}  # fmt: skip
    reports = {y: r for (s, y), r in faulty.reports().items() if s == "laj"}
    assert {y: r["title"] for y, r in reports.items()} == titles  # decoded right, not mojibake
    assert reports[2024]["publisher"] and "街道" in reports[2024]["publisher"]
    page = reports[2024]["files"][0]
    assert page["content_type"] == "text/html; charset=gbk" and page["error"] is None
    body = faulty.store().get(page["store_key"])
    assert titles[2024].encode("gbk") in body  # archived byte for byte as served
    assert set(faulty.reports()) == faulty.published() and faulty.items("FetchFailure") == []
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()

    faulty.clear()
    faulty.crawl()
    faulty.assert_complete()
