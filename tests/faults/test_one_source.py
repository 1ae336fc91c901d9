"""One key, one source: a page listed in another street's column never becomes a second source of a
street's report, and an attachment two reports share is archived for both."""

from __future__ import annotations

from tests.faults.conftest import HOST, Faulty, column


def test_a_cross_listed_page_is_a_finding_not_a_second_source(faulty: Faulty) -> None:
    real = faulty.url_of("yyj", 2024)
    # 粮道街's column lists a page whose title names 杨园街道's 2024 report (a newer doc id than the real one).
    other = f"{column('laj')}202501/t20250113_2599001.html"
    row = (f'<ul class="info-list"><li><a href="{other}" title="杨园街道2024年政府信息公开工作年度报告">'
           '杨园街道2024年政府信息公开工作年度报告</a><span class="date">2025-01-13</span></li></ul>')  # fmt: skip
    page = faulty.site.get(real).body.replace(b"</body>", b"<p>another source</p></body>").decode()
    faulty.faults(
        {"match": f"{column('laj')}index.html", "kind": "inject", "html": row},
        {"match": other, "kind": "serve", "body": page, "content_type": "text/html; charset=utf-8"},
    )
    key = "wuchang/yyj/2024/page.html"
    for n in range(3):
        faulty.crawl(settings={"CRAWL_ID": f"cross{n}"})
        store = faulty.store()
        # The key keeps its one source: no new version, hence no silent-edit event, crawl after crawl.
        assert [(v.version, v.source_url) for v in store.history(key)] == [(1, real)]
        assert store.keys("_events/edits/wuchang/yyj/") == []
        assert faulty.reports()[("yyj", 2024)]["url"] == real
        # The other page is a recorded finding, and was never even fetched (the own column lists 2024).
        [conflict] = faulty.items("SourceConflict")
        assert (conflict["street_key"], conflict["year"], conflict["url"], conflict["kept"]) == (
            "yyj", 2024, other, real)  # fmt: skip
        assert conflict["listed_in"] == column("laj") and "粮道街" in conflict["reason"]
        assert [a for a in faulty.applied() if a["url"] == other] == []
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()


def test_an_attachment_two_reports_link_is_archived_for_both(faulty: Faulty) -> None:
    shared = f"{HOST}/xxgk/gkml/files/shared-annex-2024.pdf"
    link = f'<div class="fjxz"><p>附件：</p><ul><li><a href="{shared}">共同附件</a></li></ul></div>'
    faulty.faults(
        {"match": faulty.url_of("yyj", 2024), "kind": "inject", "html": link},
        {"match": faulty.url_of("laj", 2024), "kind": "inject", "html": link},
        {"match": shared, "kind": "serve", "body_kind": "pdf"},
    )
    faulty.crawl()
    store = faulty.store()
    reports = faulty.reports()
    records = {}
    for street in ("yyj", "laj"):
        [record] = [f for f in reports[(street, 2024)]["files"] if f["url"] == shared]
        assert record["error"] is None
        assert record["store_key"] == f"wuchang/{street}/2024/shared-annex-2024.pdf"
        assert record["version"] == 1 and record["size"] > 500
        records[street] = record
    assert records["yyj"]["sha256"] == records["laj"]["sha256"]
    assert store.get(records["yyj"]["store_key"]) == store.get(records["laj"]["store_key"])
    assert store.latest(records["laj"]["store_key"]).source_url == shared  # type: ignore[union-attr]
    faulty.assert_nothing_lost()
