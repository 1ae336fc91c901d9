"""List and detail forms seen on real portals that once gave false verdicts: a Hanweb row whose
title is cut or hidden behind a tooltip (dropped: a false "missing"), and an empty 发文日期 cell
that took its date from the report body (a false "premature")."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.parsers.detail import parse_detail
from crawler.parsers.hanweb import parse_hanweb
from crawler.parsers.row_title import row_title
from crawler.registry import default_registry
from crawler.selection import select_reports

JINGSHAN = default_registry().portal("jingshan")
QIANCHANG = next(u for u in JINGSHAN.streets if u.name == "钱场镇")
COLUMN = "https://www.jingshan.gov.cn/col/col27360/index.html"
ART = "https://www.jingshan.gov.cn/art/"


def hanweb_page(*records: str) -> str:
    body = "".join(f"<record><![CDATA[{record}]]></record>" for record in records)
    return (
        '<html><body><div id="27360"><script type="text/xml"><datastore><recordset>'
        f"{body}</recordset><totalrecord>{len(records)}</totalrecord></datastore></script></div></body></html>"
    )


@pytest.mark.parametrize("cut", ["...", "…", "..", "⋯"])
def test_a_hanweb_row_cut_in_the_list_is_opened_to_decide(cut: str) -> None:
    page = hanweb_page(
        f'<li><a href="/art/2025/1/20/art_27360_1100001.html">钱场镇2024年政府信息公开工作年度{cut}</a>'
        "<span>2025-01-20</span></li>"
    )
    listing = parse_hanweb(page, COLUMN)
    [row] = listing.rows
    assert (row.title, row.truncated, row.list_date) == ("钱场镇2024年政府信息公开工作年度", True, dt.date(2025, 1, 20))
    selection = select_reports(listing.rows, JINGSHAN, None)
    assert [(o.row.url, o.unit) for o in selection.to_open] == [(ART + "2025/1/20/art_27360_1100001.html", QIANCHANG)]
    assert selection.skipped == ()


@pytest.mark.parametrize("tooltip", ["打开新窗口", "在新窗口打开", "点击查看", "查看详情", "Open in new window"])
def test_a_hanweb_tooltip_title_attribute_does_not_replace_the_link_text(tooltip: str) -> None:
    page = hanweb_page(
        f'<li><a href="/art/2024/1/25/art_27360_1056206.html" title="{tooltip}">'
        "钱场镇2023年政府信息公开工作年度报告</a><span>2024-01-25</span></li>",
        f'<li><a href="/art/2025/1/20/art_27360_1100001.html" title="{tooltip}">钱场镇2024年政府信息公开…</a></li>',
    )
    listing = parse_hanweb(page, COLUMN)
    assert [(r.title, r.truncated) for r in listing.rows] == [
        ("钱场镇2023年政府信息公开工作年度报告", False),
        ("钱场镇2024年政府信息公开", True),
    ]
    selection = select_reports(listing.rows, JINGSHAN, None)
    assert [(c.row.url, c.unit, c.year) for c in selection.chosen] == [
        (ART + "2024/1/25/art_27360_1056206.html", QIANCHANG, 2023)
    ]
    assert [o.row.url for o in selection.to_open] == [ART + "2025/1/20/art_27360_1100001.html"]


def test_a_hanweb_title_attribute_that_completes_a_cut_link_text_wins() -> None:
    page = hanweb_page(
        '<li><a href="/art/2025/1/20/art_27360_1100001.html" title="京山市钱场镇2024年政府信息公开工作年度报告">'
        "钱场镇2024年政府信息公开...</a></li>",
        '<li><a href="/art/2025/2/3/art_27360_1100002.html" title="钱场镇">钱场镇2025年部门预算公开说...</a></li>',
    )
    assert [(r.title, r.truncated) for r in parse_hanweb(page, COLUMN).rows] == [
        ("京山市钱场镇2024年政府信息公开工作年度报告", False),
        # A whole but shorter attribute says less than the cut text: the page must tell.
        ("钱场镇2025年部门预算公开说", True),
    ]


REPORT = "杨园街道2025年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("attr", "text", "expected"),
    [
        (None, REPORT, (REPORT, False)),
        ("  ", "杨园街道2025年政府信息公开 …", ("杨园街道2025年政府信息公开", True)),
        ("点击查看详细信息", REPORT, (REPORT, False)),
        (REPORT, "杨园街道2025年政府..", (REPORT, False)),
        (REPORT, "2025年年度报告", (REPORT, False)),
        ("杨园街道办事处", REPORT, (REPORT, False)),
        ("杨园街道2025年政府信息公开工作年度...", "", ("杨园街道2025年政府信息公开工作年度", True)),
        ("在新窗口打开", "", ("", False)),
    ],
)
def test_row_title_reads_link_text_and_title_attribute(attr: str | None, text: str, expected: tuple[str, bool]) -> None:
    assert row_title(attr, text) == expected


JIANGHAN = "https://www.jianghan.gov.cn/qzfpcjg/cqj/zfxxgkgznb/202601/t20260126_2718000.shtml"
BODY = (
    '<div class="TRS_Editor"><p>本报告中所列数据的统计期限自2025年1月1日起至2025年12月31日止。</p>'
    + "<p>2025年，常青街道深入贯彻落实党中央、国务院关于政务公开工作的决策部署。</p>" * 6
    + "</div>"
)
FOOTER = '<div class="foot">字号 : | 更新时间:2026-01-26 17:04 发布时间: | 来源:武汉市江汉区人民政府</div>'


@pytest.mark.parametrize(
    "last_row",
    [
        "<tr><td>文 号</td><td></td><td>发文日期</td><td></td></tr>",
        "<tr><td>文 号</td><td> </td><td><span>发文日期</span></td><td><span></span></td></tr>",
        "<tr><th>发文日期</th><td>&nbsp;</td></tr>",
    ],
)
def test_an_empty_value_cell_is_an_empty_value_not_the_body_text_after_it(last_row: str) -> None:
    page = (
        '<html><body><table class="xxgk"><tr><td>索 引 号</td><td>733569413/2026-00211</td>'
        "<td>发布机构</td><td>常青街道办事处</td></tr>"
        '<tr><td>标 题</td><td colspan="3">江汉区常青街道办事处2025年政府信息公开工作年度报告</td></tr>'
        f"{last_row}</table>{BODY}{FOOTER}</body></html>"
    )
    detail = parse_detail(page, JIANGHAN)
    assert (detail.page_date, detail.page_date_label) == (dt.date(2026, 1, 26), "更新时间")
    assert (detail.title, detail.publisher, detail.index_no) == (
        "江汉区常青街道办事处2025年政府信息公开工作年度报告", "常青街道办事处", "733569413/2026-00211",
    )  # fmt: skip


def test_a_label_cell_still_reads_its_filled_neighbour_and_an_empty_dd() -> None:
    page = (
        "<html><body><table><tr><td>文 号</td><td></td><td>发文日期</td><td>2026年01月20日</td></tr></table>"
        "<dl><dt>发布机构</dt><dd>常青街道办事处</dd><dt>公开日期</dt><dd></dd></dl>"
        f"{BODY}{FOOTER}</body></html>"
    )
    detail = parse_detail(page, JIANGHAN)
    # The filled 发文日期 cell is read, but as what it is: the document's issue date, a proxy like a signing
    # date (docs/report-format.md §5.4), not the page's publication date. 江汉's publication date is its
    # 更新时间 (docs/portals.md §2), here the same day as the URL date.
    assert (detail.doc_date, detail.doc_date_label) == (dt.date(2026, 1, 20), "发文日期")
    assert (detail.page_date, detail.page_date_label, detail.publisher) == (
        dt.date(2026, 1, 26), "更新时间", "常青街道办事处",
    )  # fmt: skip


def test_an_attachment_resolves_against_the_pages_base_href() -> None:
    html = (
        '<html><head><base href="https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"></head><body>'
        '<div class="trs_editor_view"><p>见附件</p><a href="./202601/P020260114512345678901.pdf">年报.pdf</a></div>'
        "</body></html>"
    )
    detail = parse_detail(html, "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202601/t20260114_2711184.html")
    assert [(a.url, a.kind) for a in detail.attachments] == [
        ("https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202601/P020260114512345678901.pdf", "pdf")
    ]


# 江汉's block: 发文日期 in the table, 更新时间 with an empty 发布时间 below (docs/portals.md §2).
def jianghan_page(issued: str = "", updated: str = "2025-02-15 09:12") -> str:
    return (
        f"<html><body><table><tr><td>文 号</td><td></td><td>发文日期</td><td>{issued}</td></tr>"
        "<tr><td>发布机构</td><td>常青街道</td></tr></table>"
        f'<div class="info">字号 : | 更新时间:{updated} 发布时间: | 来源:武汉市江汉区人民政府</div>{BODY}</body></html>'
    )


def test_an_update_time_after_the_url_date_is_an_edit_not_the_publication_date() -> None:
    """A report made on 2025-01-26 (its URL date) and edited on 2025-02-15 was judged late from the edit."""
    url = "https://www.jianghan.gov.cn/qzfpcjg/qfzhggj_46071/zfxxgkgznb/202501/t20250126_2521000.shtml"
    detail = parse_detail(jianghan_page(), url)
    assert (detail.page_date, detail.page_date_label) == (None, None)
    assert (detail.url_date, detail.updated_date) == (dt.date(2025, 1, 26), dt.date(2025, 2, 15))
    # The same day as the URL date (or earlier) it is the page's date, as 江汉 and 东湖风景区 publish it.
    same_day = parse_detail(jianghan_page(updated="2025-01-26 17:04"), url)
    assert (same_day.page_date, same_day.page_date_label) == (dt.date(2025, 1, 26), "更新时间")


def test_an_issue_date_is_a_document_date_not_the_page_date() -> None:
    """发文日期 01-20 outranked 更新时间 02-14: a report put online on 02-14 was judged on time."""
    url = "https://www.jianghan.gov.cn/qzfpcjg/qfzhggj_46071/zfxxgkgznb/202502/t20250214_2540000.shtml"
    detail = parse_detail(jianghan_page(issued="2025-01-20", updated="2025-02-14 10:00"), url)
    assert (detail.page_date, detail.page_date_label) == (dt.date(2025, 2, 14), "更新时间")
    assert (detail.doc_date, detail.doc_date_label) == (dt.date(2025, 1, 20), "发文日期")


WUHAN_GOV = "https://www.wuhan.gov.cn/zwgk/xxgk/202503/t20250310_2560000.shtml"


def wuhan_block(published: str) -> str:
    return (
        '<html><body><div class="sub"><ul><li>索引号：011043/2025-00001</li><li>发文机构：某某街道办事处</li>'
        f"<li>发文字号：</li><li>成文日期：2025-01-10</li><li>发布日期：{published}</li><li>有效性：有效</li></ul>"
        f"</div><h1>某某街道2024年政府信息公开工作年度报告</h1>{BODY}</body></html>"
    )


@pytest.mark.parametrize(
    ("published", "page_date", "label"),
    [("", None, None), ("2025-03-10", dt.date(2025, 3, 10), "发布日期")],
)
def test_a_signing_date_is_not_read_as_the_generic_label_date(
    published: str, page_date: dt.date | None, label: str | None
) -> None:
    """成文日期 was read as 日期 (a page date) when 发布日期 was empty: judged on time by the signing date."""
    detail = parse_detail(wuhan_block(published), WUHAN_GOV)
    assert (detail.page_date, detail.page_date_label) == (page_date, label)
    assert (detail.doc_date, detail.doc_date_label, detail.publisher) == (
        dt.date(2025, 1, 10), "成文日期", "某某街道办事处",
    )  # fmt: skip


def test_date_is_a_label_only_where_it_is_not_the_end_of_a_longer_one() -> None:
    page = f"<html><body><p>印发日期：2025-01-10</p><p>日期：2025-03-10 来源：某某街道</p>{BODY}</body></html>"
    detail = parse_detail(page, WUHAN_GOV)
    assert (detail.page_date, detail.page_date_label, detail.publisher) == (dt.date(2025, 3, 10), "日期", "某某街道")
