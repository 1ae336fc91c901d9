"""Every list and detail form the TRS platform emits (issue 18), on saved pages in tests/fixtures/portals/.

A page the parsers do not understand must say so (``problems``), never pass for an empty column.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crawler.parsers.detail import parse_detail
from crawler.parsers.listing import parse_date, parse_listing

FIXTURES = Path(__file__).parent / "fixtures" / "portals"
COL = "https://www.example.gov.cn/xxgk/jd01/nb/"
YYJ = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_dates_in_every_list_and_page_spelling() -> None:
    for text in ("[2024-01-09]", "2024年01月09日", "2024/1/9", "2024 年 1 月 9 日", "2024.01.09"):
        assert parse_date(text) == dt.date(2024, 1, 9), text


def test_hubei_page_control_and_rows_in_a_table() -> None:
    listing = parse_listing(read("hubei_pagecontrol_table.shtml"), COL + "index.shtml")
    assert (listing.pager, listing.total_pages, listing.current_page, listing.page_name, listing.ext) == (
        "pageControl", 4, 0, "index", "shtml",
    )  # fmt: skip
    assert [(r.url.rsplit("/", 1)[1], r.list_date) for r in listing.rows] == [
        ("t20240109_2345001.shtml", dt.date(2024, 1, 9)),
        ("t20231102_2290002.shtml", dt.date(2023, 11, 2)),
    ]
    assert listing.problems == () and listing.empty_problem is None
    assert listing.page_url(COL, 3) == COL + "index_3.shtml"


def test_three_number_pager_names_its_pages() -> None:
    listing = parse_listing(read("three_number_pager.html"), COL + "list.html")
    # createPageHTML(records, pages, current, name, ext, …): 48 records on 4 pages, pages named list_N.
    assert (listing.pager, listing.total_pages, listing.current_page) == ("createPageHTML", 4, 1)
    assert listing.page_url(COL, 2) == COL + "list_2.html"
    assert listing.rows[0].list_date == dt.date(2024, 1, 9)


def test_pager_that_is_only_a_next_link() -> None:
    listing = parse_listing(read("next_link_only.shtml"), COL + "index.shtml")
    assert (listing.pager, listing.next_url, listing.total_pages) == ("next-link", COL + "index_1.shtml", 2)
    assert listing.rows[0].list_date == dt.date(2024, 1, 9) and listing.problems == ()
    last = parse_listing(read("next_link_last.shtml"), COL + "index_3.shtml")
    assert (last.pager, last.next_url, last.current_page, last.total_pages, last.problems) == (
        "next-link", None, 3, 4, (),
    )  # fmt: skip


def test_script_rows_without_semicolons_or_with_the_title_in_a_block() -> None:
    listing = parse_listing(read("js_rows_variants.shtml"), COL + "index.shtml")
    assert [(r.url.rsplit("/", 1)[1], r.title) for r in listing.rows] == [
        ("t20240110_2345031.shtml", "某某街道2023年政府信息公开工作年度报告"),
        ("t20230112_2131031.shtml", "某某街道2022年政府信息公开工作年度报告"),
    ]
    assert listing.problems == ()


def test_best_title_per_url_truncation_and_malformed_hrefs() -> None:
    listing = parse_listing(read("truncated_titles.html"), YYJ + "index.html")
    rows = {r.url.rsplit("/", 1)[1]: r for r in listing.rows}
    assert list(rows) == ["t20240112_2345041.html", "t20250110_2515042.html", "t20231101_2290043.html"]
    # The sidebar "查看详情" and the icon link came first; the longest, cut, title is kept, marked cut.
    first = rows["t20240112_2345041.html"]
    assert (first.title, first.truncated, first.list_date) == (
        "武汉市武昌区人民政府杨园街道办事处2023年政府信息", True, dt.date(2024, 1, 12),
    )  # fmt: skip
    assert rows["t20231101_2290043.html"].truncated
    # Malformed hrefs with a document title are rows skipped with a reason; mailto: "联系我们" is no row.
    assert [(s.title, s.reason.split(":")[0]) for s in listing.skipped] == [
        ("杨园街道2022年政府信息公开工作年度报告", "malformed link"),
        ("杨园街道2021年政府信息公开工作年度报告", "malformed link"),
        ("杨园街道2019年政府信息公开工作年度报告", "malformed link"),
    ]
    assert "unparsable href" in listing.skipped[2].reason and "empty href" in listing.skipped[1].reason
    assert listing.problems == ()


def test_pages_that_are_not_understood_say_so() -> None:
    folders = parse_listing(read("year_folders.html"), YYJ + "index.html")
    assert folders.rows == () and folders.empty_problem == (
        "the page links year sub-folders (2023, 2024) instead of rows"
    )
    bare = parse_listing(read("empty_no_marker.html"), YYJ + "index.html")
    assert bare.empty_problem == "no rows and no 'no content' marker"
    marked = parse_listing(read("empty_marker.html"), YYJ + "index.html")
    assert (marked.empty_marker, marked.empty_problem, marked.problems) == (True, None, ())
    unknown = parse_listing(read("unknown_pager.html"), YYJ + "index.html")
    assert len(unknown.rows) == 1
    assert unknown.problems == ("unrecognised pager (script calls showPageList())",)
    template = parse_listing(
        read("wuchang_list_page0.html").replace('createPageHTML(3, 0, "index", "html")', "createPageHTML(${N}, 0)"),
        YYJ + "index.html",
    )
    assert template.problems == ("unrecognised pager createPageHTML(${N}, 0)",)


def test_detail_spaced_dates_and_an_empty_label_stays_empty() -> None:
    url = COL + "202001/t20200121_1190071.shtml"
    detail = parse_detail(read("detail_spaced_date_empty_label.shtml"), url)
    # 发布时间: is empty: it does not take the body's first text (which starts with "2019年…").
    assert (detail.page_date, detail.page_date_label) == (dt.date(2020, 1, 21), "更新时间")
    assert detail.has_body


def test_detail_title_that_is_the_site_name_is_marked_weak() -> None:
    detail = parse_detail(read("detail_sitename_title.html"), YYJ + "202401/t20240112_2345041.html")
    assert (detail.title, detail.title_source) == ("武汉市武昌区人民政府", "title")
    assert detail.page_date == dt.date(2024, 1, 12) and detail.has_body


def test_detail_embedded_viewer_servlet_and_archive_attachments() -> None:
    url = COL + "202401/t20240109_2345081.shtml"
    detail = parse_detail(read("detail_embeds.shtml"), url)
    host = "https://www.example.gov.cn"
    assert [(a.url, a.kind) for a in detail.attachments] == [
        (f"{host}/servlet/DownloadServlet?filePath=/upload/2024/nb2023.pdf&id=9", "pdf"),
        (f"{host}/common/down.jsp?id=123456", "docx"),
        (COL + "202401/P020240109555000000004.zip", "zip"),
        (COL + "202401/P020240109555000000005.rar", "rar"),
        (COL + "202401/P020240109555000000006.pdf", "pdf"),
        (f"{host}/xxgk/jd01/nb/202401/P020240109555000000001.pdf", "pdf"),  # the pdf.js viewer's file
        (COL + "202401/P020240109555000000002.pdf", "pdf"),
        (COL + "202401/P020240109555000000003.docx", "docx"),
    ]
    # Each malformed attachment link is skipped with its reason; the others are all kept.
    assert [(s.label, s.reason.split(":")[0]) for s in detail.skipped] == [
        ("某某街道2023年年报.pdf", "malformed attachment link"),
        ("损坏链接.pdf", "malformed attachment link"),
    ]


def test_detail_split_over_pages_lists_its_parts() -> None:
    url = COL + "202401/t20240109_2345061.shtml"
    detail = parse_detail(read("detail_multipage.shtml"), url)
    assert detail.more_pages == (
        COL + "202401/t20240109_2345061_1.shtml",
        COL + "202401/t20240109_2345061_2.shtml",
    )
    assert parse_detail(read("detail_sitename_title.html"), url).more_pages == ()


def test_a_report_row_that_links_no_article_page_is_not_understood() -> None:
    page = read("wuchang_list_page0.html").replace(
        "</ul>", '<li><a href="/files/nb2022.pdf">杨园街道2022年政府信息公开工作年度报告</a></li></ul>'
    )
    listing = parse_listing(page, YYJ + "index.html")
    assert listing.problems == (
        "a report row links to https://www.wuchang.gov.cn/files/nb2022.pdf, which is not an article page",
    )
    assert parse_listing(read("wuchang_list_page0.html"), YYJ + "index.html").problems == ()
