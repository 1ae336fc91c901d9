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
    assert (detail.page_date, detail.page_date_label, detail.publisher) == (
        dt.date(2026, 1, 20), "发文日期", "常青街道办事处",
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
