"""Platform families and Hubei registry rules, in process: the Hanweb list parser, Hanweb article URLs,
the county layout, NBS codes, registry files read together, politeness groups."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.columns import walks
from crawler.parsers.hanweb import parse_hanweb
from crawler.parsers.urls import doc_id, is_article, url_date
from crawler.registry import DEFAULT_PATH, EXTRA_PATHS, RegistryError, load_registry

HUBEI = load_registry(EXTRA_PATHS[0])
COLUMN = "https://www.jingshan.gov.cn/col/col27360/index.html"
PAGE = """<html><body><div id="27360"><script type="text/xml"><datastore>
<totalrecord>50</totalrecord>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;webid=3&amp;path=/&amp;columnid=27360&amp;unitid=71396&amp;permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/1/25/art_27360_1056206.html" title="京山市钱场镇2023年政府信息公开工作年度报告">京山市钱场镇2023年政府…</a><span>2024-01-25</span></li>]]></record>
<record><![CDATA[<li><a href="/col/col27361/index.html">政务公开</a></li>]]></record>
<record><![CDATA[<li><a href="/col/col27360/art/2026/art_6008c994616a47b8b6366e28cf329b7d.html">钱场镇2026年部门预算公开</a><span>2026-02-03</span></li>]]></record>
</recordset></datastore></script></div></body></html>"""  # noqa: E501


def test_hanweb_rows_hide_in_cdata_and_the_page_names_its_dataproxy() -> None:
    listing = parse_hanweb(PAGE, COLUMN)
    assert [(r.url, r.title, r.list_date.isoformat() if r.list_date else None) for r in listing.rows] == [
        ("https://www.jingshan.gov.cn/art/2024/1/25/art_27360_1056206.html",
         "京山市钱场镇2023年政府信息公开工作年度报告", "2024-01-25"),
        ("https://www.jingshan.gov.cn/col/col27360/art/2026/art_6008c994616a47b8b6366e28cf329b7d.html",
         "钱场镇2026年部门预算公开", "2026-02-03"),
    ]  # fmt: skip
    assert (listing.records, listing.total_records, listing.problems) == (3, 50, ())
    assert listing.next_url(COLUMN, 4) == (
        "https://www.jingshan.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=50&perpage=20"
        "&page=1&webid=3&path=%2F&columnid=27360&unitid=71396&permissiontype=0"
    )
    assert listing.next_url(COLUMN, 51) is None


def test_a_hanweb_page_without_its_list_is_not_an_empty_column() -> None:
    assert parse_hanweb("<html><body>首页</body></html>", COLUMN).problems == ("no <datastore> list on the page",)
    no_total = PAGE.replace("<totalrecord>50</totalrecord>", "")
    assert parse_hanweb(no_total, COLUMN).problems == (
        "no <totalrecord> in the list: the number of records is unknown",
    )


def test_hanweb_article_urls_carry_date_and_id() -> None:
    url = "https://www.jingshan.gov.cn/art/2024/1/25/art_27360_1056206.html"
    assert (is_article(url), doc_id(url), str(url_date(url))) == (True, 1056206, "2024-01-25")
    new = "https://fzggw.zj.gov.cn/col/col1229629046/art/2026/art_6008c994616a47b8b6366e28cf329b7d.html"
    assert (is_article(new), doc_id(new), url_date(new)) == (True, None, None)
    assert not is_article("https://www.jingshan.gov.cn/col/col27360/index.html")


def test_hubei_units_carry_their_nbs_codes_and_groups_share_a_slot() -> None:
    assert len(HUBEI.portals) == 12
    daye = HUBEI.portal("hbdaye")
    assert [(u.name, u.nbs) for u in daye.streets[:2]] == [
        ("东岳路街道", "420281001000"),
        ("东风路街道", "420281002000"),
    ]
    assert all(u.nbs and len(u.nbs) == 12 for _p, u in HUBEI.iter_streets())
    assert (daye.slot, HUBEI.portal("guangshui").slot) == ("trs-huangshi", "www.guangshui.gov.cn")
    assert {p.id for p in HUBEI.portals.values() if p.slot == "trs-xianning"} == {"zgtc", "chongyang", "xianan"}


def test_a_county_column_is_one_walk_shared_by_every_unit() -> None:
    zgtc = HUBEI.portal("zgtc")
    [walk] = walks(zgtc, "c1", zgtc.crawlable_streets(), (2024, 2025))
    assert (walk.unit, walk.year, walk.base) == (None, None, "http://zgtc.gov.cn/xxgk/xxgknb/")
    assert len(zgtc.crawlable_streets()) == 11  # every NBS unit: known by the titles of its reports


def test_a_per_year_portal_walks_the_folders_next_to_the_years_asked_too() -> None:
    """A report may be filed in the folder of the year it was published, or of the year before (黄石): the
    folders next to the years asked are walked as well (marked ``neighbour``), never a folder of a year not
    begun."""
    kfq = load_registry().portal("whkfq")

    def folders(years: tuple[int, ...], this_year: int) -> list[tuple[int | None, bool]]:
        return [(w.year, w.item.neighbour) for w in walks(kfq, "c1", kfq.crawlable_streets(), years, this_year)]

    assert folders((2023, 2024), 2025) == [(2023, False), (2024, False), (2022, True), (2025, True)]
    assert folders((2024,), 2024) == [(2024, False), (2023, True)]
    assert folders((2022,), 2026) == [(2022, False), (2021, True), (2023, True)]


def test_registry_rules_for_nbs_county_and_several_files(tmp_path: Path) -> None:
    base = EXTRA_PATHS[0].read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(base.replace('nbs: "420281001000"', 'nbs: "4202810010"'), encoding="utf-8")
    with pytest.raises(RegistryError, match="12-digit NBS code"):
        load_registry(bad)
    county = 'column: "http://zgtc.gov.cn/xxgk/xxgknb/"'
    assert county in base
    bad.write_text(base.replace(county, 'column: "http://zgtc.gov.cn/{year}/"'), encoding="utf-8")
    with pytest.raises(RegistryError, match="a county column is one URL"):
        load_registry(bad)
    both = load_registry(os.pathsep.join([str(DEFAULT_PATH), str(EXTRA_PATHS[0])]))
    assert len(both.portals) == 27 and both.portal("wuchang").host == "www.wuchang.gov.cn"
    with pytest.raises(RegistryError, match="'hbdaye' is already defined"):
        load_registry(os.pathsep.join([str(EXTRA_PATHS[0]), str(EXTRA_PATHS[0])]))


def test_a_dataproxy_answer_keeps_the_page_size_and_query_it_was_asked_with() -> None:
    first = parse_hanweb(PAGE.replace("<totalrecord>50</totalrecord>", "<totalrecord>120</totalrecord>"), COLUMN)
    url = first.next_url(COLUMN, 4)
    assert url is not None and "startrecord=4&endrecord=63&perpage=20" in url
    answer = "<datastore><totalrecord>120</totalrecord><recordset></recordset></datastore>"
    asked = url.replace("perpage=20", "perpage=15")
    follow = parse_hanweb(answer, asked).next_url(asked, 64)
    assert follow is not None and "startrecord=64&endrecord=108&perpage=15" in follow and "columnid=27360" in follow
