"""A column the crawler fetched but did not understand is ``incomplete``: every street-year it covers is
``unknown`` with the reason, never ``missing`` (issue 18), and the reason reaches the status, the
dashboard and the crawl-health alert. Malformed hrefs are skipped one by one with a reason (issue 12).

The replica serves the broken pages through its fault plan (``serve`` / ``inject``), on 粮道街道 (laj).
"""

from __future__ import annotations

from crawler import alerts, dashboard
from crawler.registry import default_registry
from tests.faults.conftest import TODAY, Faulty, column

LAJ = column("laj")
HTML = "text/html; charset=utf-8"


def _laj(faulty: Faulty) -> list[tuple[int, str, str]]:
    return [(s.year, s.status, s.reason) for s in faulty.statuses() if s.street_key == "laj"]


def _serve(faulty: Faulty, body: str) -> None:
    faulty.faults({"match": LAJ + "index.html", "kind": "serve", "body": body, "content_type": HTML})


def test_an_unknown_pager_makes_the_column_incomplete_and_its_years_unknown(faulty: Faulty) -> None:
    page0 = faulty.site.get(LAJ + "index.html").body.decode()
    assert "createPageHTML(2, 0" in page0  # the column has two pages
    _serve(faulty, page0.replace("createPageHTML(2, 0", "showPageList(2, 0"))
    faulty.crawl()
    laj = faulty.columns()["laj"]
    reason = f"unrecognised pager (script calls showPageList()) on {LAJ}index.html"
    assert (laj["ok"], laj["error"], laj["incomplete"], len(laj["pages"])) == (False, None, reason, 1)
    statuses = _laj(faulty)
    assert not [s for s in statuses if s[1] == "missing"]
    # The years whose rows sat on the unread page 2 are unknown, with the reason an operator can act on.
    unknown = [s for s in statuses if s[1] == "unknown"]
    assert unknown and all(s[2] == f"the column is incomplete: {reason}" for s in unknown)
    # The other streets are unaffected.
    assert all(c["ok"] for key, c in faulty.columns().items() if key != "laj")
    # The dashboard and the crawl-health alert name the column and the reason.
    store, registry = faulty.store(), default_registry()
    page = dashboard.build(registry, store, faulty.statuses(), TODAY)
    assert "未能完整解析的栏目" in page and "unrecognised pager (script calls showPageList())" in page
    [health] = alerts.crawl_health(store, registry, ["wuchang"])
    assert f"粮道街道：栏目未能完整解析（{reason}）{LAJ}" in health.body


def test_an_empty_first_page_without_a_no_content_marker_is_not_an_empty_column(faulty: Faulty) -> None:
    _serve(faulty, '<html><body><ul class="info-list"></ul><script>createPageHTML(1, 0, "index", "html");</script>'
                   "</body></html>")  # fmt: skip
    faulty.crawl()
    laj = faulty.columns()["laj"]
    assert laj["incomplete"] == f"no rows and no 'no content' marker on {LAJ}index.html"
    assert {s[1] for s in _laj(faulty)} == {"unknown"}  # never "missing"


def test_a_page_that_only_links_year_folders_is_not_understood(faulty: Faulty) -> None:
    _serve(faulty, '<html><body><a href="./2024/">2024年</a> <a href="./2023/">2023年</a></body></html>')
    faulty.crawl()
    incomplete = faulty.columns()["laj"]["incomplete"]
    assert incomplete == f"the page links year sub-folders (2023, 2024) instead of rows on {LAJ}index.html"
    assert {s[1] for s in _laj(faulty)} == {"unknown"}


def test_an_explicit_no_content_marker_is_a_complete_empty_column(faulty: Faulty) -> None:
    _serve(faulty, '<html><body><p>暂无信息</p><script>createPageHTML(1, 0, "index", "html");</script></body></html>')
    faulty.crawl()
    laj = faulty.columns()["laj"]
    assert (laj["ok"], laj["incomplete"]) == (True, None)
    assert "missing" in {s[1] for s in _laj(faulty)}  # the portal itself says the column is empty


def test_a_malformed_row_is_skipped_with_a_reason_and_the_column_survives(faulty: Faulty) -> None:
    rows = (
        '<ul><li><a href="http://[::1/202001/t20200110_1190045.html">粮道街道2030年政府信息公开工作年度报告</a></li>'
        '<li><a href="javascript:void(0)">粮道街道2031年政府信息公开工作年度报告</a></li>'
        '<li><a href="mailto:x@example.org">联系我们</a></li></ul>'
    )
    faulty.faults({"match": LAJ + "index.html", "kind": "inject", "html": rows})
    faulty.crawl()
    laj = faulty.columns()["laj"]
    assert laj["ok"] and laj["error"] is None  # one bad row no longer loses the whole column
    bad = [s for s in laj["skipped"] if s["reason"].startswith("malformed link")]
    assert [(s["title"], s["year"], s["street"]) for s in bad] == [
        ("粮道街道2030年政府信息公开工作年度报告", 2030, "粮道街道"),
        ("粮道街道2031年政府信息公开工作年度报告", 2031, "粮道街道"),
    ]
    assert "unparsable href" in bad[0]["reason"] and "names no page" in bad[1]["reason"]
    assert {k for k in faulty.reports() if k[0] == "laj"} == {k for k in faulty.published() if k[0] == "laj"}


def test_a_malformed_attachment_link_drops_only_itself(faulty: Faulty) -> None:
    url = faulty.url_of("laj", 2021)  # a report with a PDF (tests/faults/conftest.py)
    bad = '<p><a href="http://[::1/x.pdf">附件2.pdf</a> <a href="javascript:void(0)">附件3.pdf</a></p>'
    faulty.faults({"match": url, "kind": "inject", "html": bad})
    faulty.crawl()
    report = faulty.reports()[("laj", 2021)]
    attachments = [f for f in report["files"] if f["role"] == "attachment"]
    assert attachments and all(f["store_key"] and f["error"] is None for f in attachments)
    assert report["findings"] == [
        "malformed attachment link: unparsable href (Invalid IPv6 URL) (附件2.pdf)",
        "malformed attachment link: 'javascript:void(0)' names no file (附件3.pdf)",
    ]
    [status] = [s for s in faulty.statuses() if (s.street_key, s.year) == ("laj", 2021)]
    assert status.status in ("on_time", "late") and status.evidence["findings"] == report["findings"]


def test_a_report_page_whose_title_is_the_site_name_is_archived_with_a_finding(faulty: Faulty) -> None:
    url = faulty.url_of("laj", 2021)
    pdf = faulty.url_of("laj", 2021, attachment=True).rsplit("/", 1)[1]
    page = (
        "<html><head><title>武汉市武昌区人民政府</title></head><body>"
        '<div class="article-info">公开日期:2022-01-20</div><div class="TRS_Editor"><p>详见附件。</p></div>'
        f'<p>附件：<a href="./{pdf}">{pdf}</a></p></body></html>'
    )
    faulty.faults({"match": url, "kind": "serve", "body": page, "content_type": HTML})
    faulty.crawl()
    report = faulty.reports()[("laj", 2021)]
    listed = next(r for r in faulty.columns()["laj"]["reports"] if r["year"] == 2021)
    assert report["title"] == listed["title"] and report["page_date"] == "2022-01-20"
    assert report["findings"] == [
        "the page's own title could not be read (title: '武汉市武昌区人民政府'); the list title was used"
    ]
    assert [f["role"] for f in report["files"]] == ["page", "attachment"] and report["files"][1]["store_key"]
