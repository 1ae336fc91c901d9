"""Every listed publication of a street-year is opened and archived (crawler/selection.py): an on-time
original listed beside its later re-post, and rows whose list titles name no year, are never dropped."""

from __future__ import annotations

from tests.faults.conftest import Faulty, column

SHORT = "杨园街道政府信息公开工作年度报告"  # a list title naming no year


def _row(url: str, title: str, date: str) -> str:
    return f'<li><a href="{url}" title="{title}">{title}</a><span class="date">{date}</span></li>'


def _page(faulty: Faulty, year: int, date: str) -> str:
    """The replica's yyj 2024 page, retitled for ``year`` and dated ``date`` (2025年01月05日)."""
    page = faulty.site.get(faulty.url_of("yyj", 2024)).body.decode()
    return page.replace("2024年政府信息", f"{year}年政府信息").replace("2025年01月11日", date)


def test_an_earlier_publication_of_a_street_year_is_opened_and_archived_beside_the_latest(faulty: Faulty) -> None:
    latest = faulty.url_of("yyj", 2024)  # t20250111_2516003
    earlier = f"{column('yyj')}202501/t20250105_2515000.html"
    title = "杨园街道2024年政府信息公开工作年度报告"
    faulty.faults(
        {"match": f"{column('yyj')}index.html", "kind": "inject",
         "html": f'<ul class="info-list">{_row(earlier, title, "2025-01-05")}</ul>'},
        {"match": earlier, "kind": "serve", "body": _page(faulty, 2024, "2025年01月05日"),
         "content_type": "text/html; charset=utf-8"},
    )  # fmt: skip
    for n in range(3):
        faulty.crawl(settings={"CRAWL_ID": f"versions{n}"})
        store = faulty.store()
        # Both publications were opened: two reports of yyj 2024 in the crawl log, no conflict.
        both = {r["url"]: r for r in faulty.items("ReportItem") if (r["street_key"], r["year"]) == ("yyj", 2024)}
        assert set(both) == {latest, earlier}
        assert str(both[earlier]["page_date"]) == "2025-01-05"
        assert faulty.items("SourceConflict") == []
        # The column lists both for 2024: "listed" evidence names each.
        listed = [r["url"] for r in faulty.columns()["yyj"]["reports"] if r["year"] == 2024]
        assert sorted(listed) == sorted([latest, earlier])
        # The latest keeps the key's own names; the earlier is archived beside it under its own tag. Neither
        # key alternates between two pages: one version each, crawl after crawl, and no silent-edit event.
        assert both[latest]["files"][0]["store_key"] == "wuchang/yyj/2024/page.html"
        assert both[earlier]["files"][0]["store_key"] == "wuchang/yyj/2024/v2515000-page.html"
        assert [(v.version, v.source_url) for v in store.history("wuchang/yyj/2024/page.html")] == [(1, latest)]
        assert [(v.version, v.source_url) for v in store.history("wuchang/yyj/2024/v2515000-page.html")] == [
            (1, earlier)
        ]
        assert store.keys("_events/edits/wuchang/yyj/") == []
        # The street-year's report.json is the latest's, written once: the earlier is no second source of it.
        assert both[earlier]["version_of"] == latest and both[latest]["version_of"] is None
        assert [v.source_url for v in store.history("wuchang/yyj/2024/report.json")] == [latest]
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()


def test_rows_without_a_year_are_each_opened_and_their_pages_give_the_year(faulty: Faulty) -> None:
    # yyj publishes nothing for 2022 and 2023 in the replica: two rows titled alike, with no year, list both.
    rows = [(f"{column('yyj')}202401/t20240119_2350000.html", 2023, "2024-01-19", "2024年01月19日"),
            (f"{column('yyj')}202301/t20230118_2150000.html", 2022, "2023-01-18", "2023年01月18日")]  # fmt: skip
    faulty.faults(
        {"match": f"{column('yyj')}index.html", "kind": "inject",
         "html": '<ul class="info-list">' + "".join(_row(u, SHORT, d) for u, _y, d, _p in rows) + "</ul>"},
        *({"match": u, "kind": "serve", "body": _page(faulty, y, p), "content_type": "text/html; charset=utf-8"}
          for u, y, _d, p in rows),
    )  # fmt: skip
    faulty.crawl()
    reports = faulty.reports()
    for url, year, _d, _p in rows:
        assert reports[("yyj", year)]["url"] == url
        assert reports[("yyj", year)]["files"][0]["store_key"] == f"wuchang/yyj/{year}/page.html"
    assert [a["url"] for a in faulty.applied() if a["url"] in {u for u, *_ in rows}] != []
    assert {(s.year, s.status) for s in faulty.statuses() if s.street_key == "yyj" and s.year in (2022, 2023)} == {
        (2022, "on_time"),
        (2023, "on_time"),
    }
    faulty.assert_nothing_lost()
