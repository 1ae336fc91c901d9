"""Report selection on rows seen on real portals (crawler/selection.py, crawler/report_page.py).

Two ways a street-year was misjudged: a row of the street's report on a host alias of the portal
(``wuchang.gov.cn`` for ``www.wuchang.gov.cn``) is refused, as it must be, but its street-year ended
``missing`` although the column lists the report; and the district's own report, listed in a street's
column, was credited to the street (a false "found").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crawler.columns import finish_column, new_walk, note_listing
from crawler.parsers.detail import parse_detail
from crawler.parsers.listing import Listing, ListRow, SkippedLink
from crawler.registry import default_registry
from crawler.report_page import read_report_page
from crawler.selection import Chosen, Named, Skipped, select_reports, whose_report
from tests.compliance.test_judge import column, run, status_of, store_with

REGISTRY = default_registry()
WUCHANG = REGISTRY.portal("wuchang")
JIANGAN = REGISTRY.portal("jiangan")  # one column per year, shared by every street
YANGYUAN = next(u for u in WUCHANG.streets if u.name == "杨园街道")
ZHONGNANLU = next(u for u in WUCHANG.streets if u.name == "中南路街道")
ERQI = next(u for u in JIANGAN.streets if u.name == "二七街道")
COLUMN = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"
ALIAS = "http://wuchang.gov.cn/xxgk/yyj/zfxxgknb/202601/t20260114_2711184.html"
OFF_HOST = "refused: off-site host wuchang.gov.cn (the portal's hosts: www.wuchang.gov.cn)"


def row(url: str, title: str, truncated: bool = False) -> ListRow:
    return ListRow(url if url.startswith("http") else f"{COLUMN}{url}", title, dt.date(2026, 1, 14), truncated)


# ---- defect A: a refused row of the street's report ------------------------------------------------


def test_a_refused_row_naming_a_report_carries_its_street_and_year() -> None:
    own = row(ALIAS, "杨园街道2025年政府信息公开工作年度报告")
    untitled = row(ALIAS.replace("2711184", "2711185"), "2024年政府信息公开工作年度报告")  # the column's street
    cut = row(ALIAS.replace("2711184", "2711186"), "杨园街道2023年政府信息…", truncated=True)
    other = row(ALIAS.replace("2711184", "2711187"), "中南路街道2022年政府信息公开工作年度报告")
    district = row(ALIAS.replace("2711184", "2711188"), "武昌区2021年政府信息公开工作年度报告")
    notice = row(ALIAS.replace("2711184", "2711189"), "杨园街道2020年消防检查的通知")
    selection = select_reports([own, untitled, cut, other, district, notice], WUCHANG, YANGYUAN)
    assert selection.chosen == () and selection.to_open == ()
    assert selection.skipped == (
        Skipped(own.url, own.title, OFF_HOST, "杨园街道", 2025),
        Skipped(untitled.url, untitled.title, OFF_HOST, "杨园街道", 2024),
        Skipped(cut.url, cut.title, OFF_HOST, "杨园街道", 2023),
        Skipped(other.url, other.title, OFF_HOST, "中南路街道", 2022),
        # Neither the district's report nor a notice is a report of a street: nothing is claimed.
        Skipped(district.url, district.title, OFF_HOST),
        Skipped(notice.url, notice.title, OFF_HOST),
    )


def test_the_column_records_the_refused_rows_street_year_and_a_per_year_column_its_year() -> None:
    walk = new_walk(WUCHANG, "c1", YANGYUAN, COLUMN, None)
    title = "杨园街道2025年政府信息公开工作年度报告"
    finish_column(walk, None, select_reports([row(ALIAS, title)], WUCHANG, YANGYUAN))
    assert walk.item.skipped == [{"url": ALIAS, "title": title, "reason": OFF_HOST, "street": "杨园街道", "year": 2025}]
    base = "https://www.jiangan.gov.cn/jaxxw/zfxxgk/zfxxgknb/zfxxgknb_2025/"
    year_walk = new_walk(JIANGAN, "c1", None, base, 2025)
    evil = "https://evil.example.net/zfxxgknb_2025/202601/t20260120_1.shtml"
    finish_column(year_walk, None, select_reports([row(evil, "二七街道政府信息公开工作年度报告")], JIANGAN, None))
    assert [(s["street"], s["year"]) for s in year_walk.item.skipped] == [("二七街道", 2025)]


def test_a_refused_row_of_the_streets_report_leaves_that_street_year_unknown_not_missing(tmp_path: Path) -> None:
    alias = ALIAS.replace("202601/t20260114", "202501/t20250114")
    walk = new_walk(WUCHANG, "c1", YANGYUAN, COLUMN, None)
    selection = select_reports([row(alias, "杨园街道2024年政府信息公开工作年度报告")], WUCHANG, YANGYUAN)
    finish_column(walk, None, selection)
    # The column was crawled completely after the deadline and lists nothing else.
    store = store_with(tmp_path, [column("杨园街道", skipped=walk.item.skipped), column("中南路街道")])
    statuses = run(store, dt.date(2025, 6, 1))
    status = status_of(statuses, "杨园街道", 2024)
    assert status.status == "unknown"
    assert status.reason == (
        f"the column lists a report for this year but links it to {alias}, which the crawler may not fetch: "
        "off-site host wuchang.gov.cn (the portal's hosts: www.wuchang.gov.cn)"
    )
    assert status.evidence["listed"][0]["url"] == alias
    # Another street's empty column is still "missing": the refused row is 杨园街道's only.
    assert status_of(statuses, "中南路街道", 2024).status == "missing"


# ---- defect B: another body's report in a street's column ------------------------------------------


def test_a_report_of_another_body_in_a_streets_column_is_not_the_streets() -> None:
    district = row(
        "https://www.wuchang.gov.cn/xxgk/zwgk_37/zfxxgknb/202602/t20260210_2730001.html",
        "武昌区2025年政府信息公开工作年度报告",
    )
    government = row("202602/t20260211_2730002.html", "武昌区人民政府2024年政府信息公开工作年度报告")
    office = row("202602/t20260212_2730003.html", "武昌区人民政府办公室2023年度政府信息公开工作年度报告")
    year_first = row("202602/t20260213_2730004.html", "2022年武昌区政府信息公开工作年度报告")
    bureau = row("202602/t20260214_2730005.html", "武昌区教育局2021年政府信息公开工作年度报告")
    # Still the street's: it names the street (under the district's name), or no one at all.
    named = row("202601/t20260110_2700001.html", "武昌区杨园街道2025年政府信息公开工作年度报告")
    full = row("202301/t20230110_2100001.html", "武汉市武昌区人民政府杨园街道办事处2022年度政府信息公开工作年度报告")
    bare = row("202401/t20240110_2300001.html", "2023年政府信息公开工作年度报告")
    rows = [district, government, office, year_first, bureau, named, full, bare]
    selection = select_reports(rows, WUCHANG, YANGYUAN)
    assert selection.chosen == (
        Chosen(named, YANGYUAN, 2025),
        Chosen(full, YANGYUAN, 2022),
        Chosen(bare, YANGYUAN, 2023),
    )
    assert [(s.title, s.reason, s.street, s.year) for s in selection.skipped] == [
        (district.title, "names 武昌区, not 杨园街道", None, None),
        (government.title, "names 武昌区人民政府, not 杨园街道", None, None),
        (office.title, "names 武昌区人民政府办公室, not 杨园街道", None, None),
        (year_first.title, "names 武昌区, not 杨园街道", None, None),
        (bureau.title, "names 武昌区教育局, not 杨园街道", None, None),
    ]


def test_which_body_a_title_names() -> None:
    titles = {
        "武昌区2025年政府信息公开工作年度报告": Named(None, "武昌区"),
        "武汉市武昌区人民政府2025年政府信息公开工作年度报告": Named(None, "武汉市武昌区人民政府"),
        "区政府办2025年政府信息公开工作年度报告": Named(None, "区政府办"),
        "武昌区农业农村局2025年政府信息公开工作年度报告": Named(None, "武昌区农业农村局"),
        "武昌区发展和改革委员会2025年政府信息公开工作年度报告": Named(None, "武昌区发展和改革委员会"),
        # A street (the column's or another registered one), or no one: never another body.
        "武昌区杨园街道2025年政府信息公开工作年度报告": Named(YANGYUAN),
        "武昌区中南路街道2025年政府信息公开工作年度报告": Named(ZHONGNANLU),
        "2025年政府信息公开工作年度报告": Named(YANGYUAN),
        # What could be the street's own office under a name the registry lacks stays the street's: losing
        # its report would make the street-year "missing".
        "党政综合办公室2025年政府信息公开工作年度报告": Named(YANGYUAN),
        "武昌区某某街道2025年政府信息公开工作年度报告": Named(YANGYUAN),
    }
    assert {title: whose_report(title, WUCHANG, YANGYUAN) for title in titles} == titles
    # In a per-year column no title falls back to a street: the district's report is nobody's of the registry.
    assert whose_report("武昌区2025年政府信息公开工作年度报告", WUCHANG, None) == Named(None, "武昌区")


def test_a_badly_linked_row_of_the_districts_report_does_not_make_the_streets_year_unknown() -> None:
    walk = new_walk(WUCHANG, "c1", YANGYUAN, COLUMN, None)
    links = (
        SkippedLink("javascript:void(0)", "武昌区2025年政府信息公开工作年度报告", "malformed link: javascript"),
        SkippedLink("javascript:void(1)", "2024年政府信息公开工作年度报告", "malformed link: javascript"),
    )
    note_listing(walk, Listing((), 1, 0, "index", "html", skipped=links), 0, f"{COLUMN}index.html", WUCHANG)
    assert [(s.get("street"), s.get("year")) for s in walk.item.skipped] == [(None, 2025), ("杨园街道", 2024)]


DISTRICT_PAGE = """<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="武昌区2025年政府信息公开工作年度报告"></head><body>
<div>名  称: 武昌区2025年政府信息公开工作年度报告 发布机构: 武昌区人民政府办公室</div>
<div>文  号: 索 引 号: 737546075/2026-00100</div><div>公开日期: 2026年01月20日 公开方式: 有效</div>
<div class="TRS_Editor"><p>本报告是根据《中华人民共和国政府信息公开条例》第五十条规定编制。</p>
<p>一、总体情况</p><p>2025年，武昌区深入贯彻落实党中央、国务院关于政务公开工作的决策部署。</p></div>
</body></html>"""


def test_a_page_titled_as_the_districts_report_is_not_the_streets() -> None:
    url = "https://www.wuchang.gov.cn/xxgk/zwgk_37/zfxxgknb/202602/t20260210_2730001.html"
    cut = ListRow(url, "武昌区2025年政府信息…", dt.date(2026, 2, 10), truncated=True)
    assert select_reports([cut], WUCHANG, YANGYUAN).to_open[0].unit == YANGYUAN  # only the page can tell
    page = read_report_page(parse_detail(DISTRICT_PAGE, url), cut, YANGYUAN, None, WUCHANG)
    assert (page.unit, page.year, page.failure) == (None, 2025, None)
    assert page.not_report == "names 武昌区, not 杨园街道 (武昌区2025年政府信息公开工作年度报告)"
    # The street's own page, published by the district's office and titled without a name, is the street's.
    own = DISTRICT_PAGE.replace("武昌区2025年政府信息公开工作年度报告", "2025年政府信息公开工作年度报告")
    page = read_report_page(parse_detail(own, url), cut, YANGYUAN, None, WUCHANG)
    assert (page.unit, page.year, page.not_report) == (YANGYUAN, 2025, None)
