"""List pages as real CMS templates write them, beyond the replica's forms: a row whose link says only
查看, image and numbered pagers, a pager left in a comment or a sidebar's beside the list's, rows written
by document.writeln with escaped quotes or held as JSON, a hidden "暂无信息" template, invisible characters
and the older 工作报告 name in a title. Each of these once read as a complete column without the report:
a false "missing". What the parser cannot read must say so (``problems`` / ``empty_problem``)."""

from __future__ import annotations

import datetime as dt

from crawler.parsers.listing import Listing, parse_listing
from crawler.parsers.titles import is_annual_report, report_year
from crawler.registry import default_registry
from crawler.selection import select_reports

YYJ = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"
REPORT = "杨园街道2025年政府信息公开工作年度报告"
ROW = f'<li><a href="./202601/t20260114_2711184.html">{REPORT}</a><span>2026-01-14</span></li>'
PAGER = '<script>createPageHTML(1, 0, "index", "html");</script>'


def page(body: str) -> Listing:
    html = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><a href="/">首页</a>{body}</body></html>'
    return parse_listing(html, YYJ + "index.html")


def chosen(listing: Listing) -> list[tuple[str, int | None, str]]:
    portal = default_registry().portal("wuchang")
    own = next(u for u in portal.streets if u.name == "杨园街道")
    return [
        (c.unit.name, c.year, c.row.url.rsplit("/", 1)[1]) for c in select_reports(listing.rows, portal, own).chosen
    ]


def test_a_row_whose_link_says_only_view_takes_its_title_from_the_row() -> None:
    listing = page(
        "<table><tr><td>737546075/2026-00012</td>"
        f'<td>{REPORT}</td><td>2026-01-14</td><td><a href="./202601/t20260114_2711184.html">查看</a></td></tr>'
        "<tr><td>737546075/2025-00031</td><td>杨园街道2024年度部门决算公开</td><td>2025-09-01</td>"
        '<td><a href="./202509/t20250901_2600001.html">查看</a></td></tr></table>' + PAGER
    )
    assert chosen(listing) == [("杨园街道", 2025, "t20260114_2711184.html")]
    first = listing.rows[0]
    assert (first.title, first.truncated, first.list_date) == (f"737546075/2026-00012 {REPORT}", False,
                                                               dt.date(2026, 1, 14))  # fmt: skip
    # Nothing but 查看 and a date: only the page can tell what it is, so it is opened.
    bare = page('<ul><li><a href="./202601/t20260114_2711184.html">查看</a> 2026-01-14</li></ul>' + PAGER)
    assert (bare.rows[0].title, bare.rows[0].truncated) == ("查看", True)


def test_an_icon_link_keeps_its_rows_date() -> None:
    listing = page('<ul><li><a href="./202601/t20260114_2711184.html"><img src="i.png"></a>'
                   "<span>2026-01-14</span></li></ul>" + PAGER)  # fmt: skip
    assert listing.rows[0].list_date == dt.date(2026, 1, 14)


def test_pagers_a_reader_sees_but_the_parser_did_not_read() -> None:
    # 共3页 with a 下一页 that only calls a script: not the last page.
    scripted = page(
        f'<ul>{ROW}</ul><div class="page">共3页 当前第1页 <a href="javascript:void(0)" onclick="goPage(2)">下一页</a>'
        '<a href="javascript:void(0)" onclick="goPage(3)">尾页</a></div>'
    )
    assert scripted.problems == ("the page says 共3页 but its 下一页 link leads to no page",)
    # Image buttons: the 下一页 is in the alt text, and is followed.
    images = page(f'<ul>{ROW}</ul><div><a href="index_1.html"><img src="next.gif" alt="下一页"></a></div>')
    assert (images.pager, images.next_url, images.total_pages, images.problems) == (
        "next-link", YYJ + "index_1.html", 2, ())  # fmt: skip
    # Numbered links only (2 3 »): not understood, said.
    numbered = page(f'<ul>{ROW}</ul><div><a href="index_1.html">2</a><a href="index_2.html">3</a></div>')
    assert numbered.problems == ("unrecognised pager (links index_1.html)",)


def test_a_commented_pager_pages_nothing_and_two_pagers_that_disagree_are_said() -> None:
    commented = page(f'<!-- <script>createPageHTML(1, 0, "index", "html");</script> --><ul>{ROW}</ul>'
                     "<script>var countPage = 3;</script>")  # fmt: skip
    assert (commented.pager, commented.total_pages, commented.problems) == ("countPage", 3, ())
    two = page(f'<div class="side"><script>createPageHTML(1, 0, "index", "html");</script></div><ul>{ROW}</ul>'
               '<script>createPageHTML(3, 0, "index", "html");</script>')  # fmt: skip
    assert two.problems == ("pagers that disagree: createPageHTML of 1 pages, createPageHTML of 3 pages",)


def test_rows_written_by_document_writeln_with_escaped_quotes() -> None:
    listing = page(
        '<ul class="list"><script>\n'
        'document.writeln("<li><a href=\\"./202601/t20260114_2711184.html\\" target=\\"_blank\\">'
        f'{REPORT}</a><span>2026-01-14</span></li>");\n'
        "document.writeln('<li><a href=\\'./202501/t20250113_2516900.html\\'>"
        "\\u6768\\u56ed\\u8857\\u90532024\\u5e74\\u653f\\u5e9c\\u4fe1\\u606f\\u516c\\u5f00\\u5de5\\u4f5c"
        "\\u5e74\\u5ea6\\u62a5\\u544a</a></li>');\n"
        '</script></ul><div class="no-data" style="display: none">暂无信息</div>' + PAGER
    )
    assert chosen(listing) == [
        ("杨园街道", 2025, "t20260114_2711184.html"),
        ("杨园街道", 2024, "t20250113_2516900.html"),
    ]
    assert listing.rows[0].list_date == dt.date(2026, 1, 14)
    assert listing.empty_marker is False  # the hidden template is not what a reader sees


def test_rows_held_as_json_keep_their_own_titles() -> None:
    listing = page(
        '<ul id="list"></ul><script>var docs = ['
        f'{{"title":"{REPORT}","url":"./202601/t20260114_2711184.html","date":"2026-01-14"}},'
        '{"title":"杨园街道2024年政府信息公开工作年度报告","url":"./202501/t20250113_2516900.html"}];'
        "</script>" + PAGER
    )
    assert chosen(listing) == [
        ("杨园街道", 2025, "t20260114_2711184.html"),
        ("杨园街道", 2024, "t20250113_2516900.html"),
    ]


def test_a_hidden_no_content_template_is_no_sign_of_an_empty_column() -> None:
    # Rows the parser cannot read (built by a loop from an array of ids) and a hidden 暂无信息.
    listing = page(
        '<ul id="list"></ul><div id="empty" style="display:none">暂无信息</div><script>'
        'var ids = ["t20260114_2711184.html"]; for (var i = 0; i < ids.length; i++) { show("./202601/" + ids[i]); }'
        "</script>" + PAGER
    )
    assert (listing.rows, listing.empty_marker) == ((), False)
    assert listing.empty_problem == "a script names article pages this parser did not read as rows"
    shown = page('<ul></ul><div class="no-data">暂无信息</div>' + PAGER)
    assert (shown.empty_marker, shown.empty_problem) == (True, None)


def test_titles_with_invisible_characters_and_the_older_name() -> None:
    titles = (
        ("杨园街道2025年政府信息\u200b公开工作年度报告", 2025),
        ("杨园街道2019年度政府信息公开工作报告", 2019),
        ("杨园街道\ufeff2023年政府信息公开\u00ad工作年报", 2023),
    )
    for title, year in titles:
        assert is_annual_report(title) and report_year(title) == year, title
    assert not is_annual_report("关于做好政府信息公开工作报告编制的通知")


def test_links_resolve_against_the_pages_base_href_as_in_a_browser() -> None:
    # <base href> one folder up: ./zfxxgknb/2026… is the column's own article, not …/zfxxgknb/zfxxgknb/….
    html = (
        '<html><head><base href="https://www.wuchang.gov.cn/xxgk/yyj/"></head><body><ul><li>'
        f'<a href="./zfxxgknb/202601/t20260114_2711184.html">{REPORT}</a></li></ul>{PAGER}</body></html>'
    )
    listing = parse_listing(html, YYJ + "index.html")
    assert [r.url for r in listing.rows] == [YYJ + "202601/t20260114_2711184.html"]
    # A base on another host links off the portal: the row is refused, never fetched as the street's.
    away = parse_listing(html.replace("https://www.wuchang.gov.cn/xxgk/yyj/", "https://www.wuhan.gov.cn/"), YYJ)
    assert [r.url for r in away.rows] == ["https://www.wuhan.gov.cn/zfxxgknb/202601/t20260114_2711184.html"]
    assert chosen(away) == []


def test_an_icon_link_beside_a_cut_title_is_not_taken_for_the_rows_title() -> None:
    # The replica's 中南路 form: an icon link, then the cut title, then the date in brackets.
    href = "./202501/t20250113_2516900.html"
    cut = "武汉市武昌区人民政府杨园街道办事处2024年政…"
    listing = page(f'<ul><li><a href="{href}"><img src="/images/dot.png" alt=""></a>'
                   f'<a href="{href}">{cut}</a><span>[2025-01-13]</span></li></ul>' + PAGER)  # fmt: skip
    row = listing.rows[0]
    assert (row.title, row.truncated, row.list_date) == ("武汉市武昌区人民政府杨园街道办事处2024年政", True,
                                                         dt.date(2025, 1, 13))  # fmt: skip
    # A 查看 link in a row whose date is in brackets: the title has no bracket left over.
    view = page(f'<ul><li><span>{REPORT}</span><span>[2026-01-14]</span><a href="{href}">查看</a></li></ul>' + PAGER)
    assert (view.rows[0].title, view.rows[0].truncated) == (REPORT, False)


def test_a_script_naming_newer_hanweb_articles_is_no_empty_column() -> None:
    # Newer Hanweb article names (art_{uuid32}.html) built by a loop the parser cannot read.
    listing = page(
        '<ul id="list"></ul><script>var ids = ["art_0f1e2d3c4b5a69788796a5b4c3d2e1f0.html"];'
        ' for (var i = 0; i < ids.length; i++) { show("/art/2026/" + ids[i]); }</script>' + PAGER
    )
    assert listing.empty_problem == "a script names article pages this parser did not read as rows"


def test_a_next_link_that_runs_a_script_is_a_pager_not_read() -> None:
    """Audit f_js_next: 下一页 with href="javascript:;" and onclick="goPage(2)" leads somewhere; only an inert
    one (javascript:void(0), no onclick: the last page's disabled button) says this is the last page."""
    onclick = page(f'<ul>{ROW}</ul><div><a href="javascript:;" onclick="goPage(2)">下一页</a></div>')
    assert (onclick.pager, onclick.next_url, onclick.total_pages) == ("next-link", None, 1)
    assert onclick.problems == ("unrecognised pager (下一页 runs a script: javascript: goPage(2))",)
    in_href = page(f'<ul>{ROW}</ul><div><a href="javascript:goPage(2)">下一页</a></div>')
    assert in_href.problems == ("unrecognised pager (下一页 runs a script: javascript:goPage(2))",)
    inert = page(f'<ul>{ROW}</ul><div><a href="javascript:void(0)">下一页</a></div>')
    assert (inert.pager, inert.total_pages, inert.problems) == ("next-link", 1, ())


def test_a_laypage_pager_is_read_only_when_it_says_one_page() -> None:
    """Audit f_laypage: layui's laypage.render makes its pages' URLs in a script this parser does not run."""
    two = page(f'<ul>{ROW}</ul><div id="p"></div><script>laypage.render({{elem: "p", count: 21, limit: 20,'
               " jump: function(obj){ location.href = 'index_' + obj.curr + '.html'; }});</script>")  # fmt: skip
    assert two.problems == ('unrecognised pager laypage.render(elem: "p", count: 21, limit: 20, jump: function)',)
    one = page(f'<ul>{ROW}</ul><script>layui.laypage.render({{elem: "p", count: 7, limit: 20}});</script>')
    assert (one.total_pages, one.problems) == (1, ())
    default_limit = page(f'<ul>{ROW}</ul><script>laypage.render({{elem: "p", count: 11}});</script>')
    assert default_limit.problems == ('unrecognised pager laypage.render(elem: "p", count: 11)',)


def test_a_page_decoded_with_the_wrong_charset_is_not_understood() -> None:
    """Audit f_charset: a GBK page decoded as UTF-8 shows U+FFFD for each Chinese character."""
    gbk = page(f"<ul>{ROW}</ul>{PAGER}").rows[0].title.encode("gbk").decode("utf-8", "replace")
    garbled = page(f'<ul><li><a href="./202601/t20260114_2711184.html">{gbk}</a></li></ul>{PAGER}')
    assert garbled.problems == (
        f"{gbk.count(chr(0xFFFD))} undecodable characters (U+FFFD): the page's charset was not read right",
    )
    assert gbk.count(chr(0xFFFD)) >= 10
    # A few in one title (a CMS's own broken character) leave the page read.
    few = page(f'<ul><li><a href="./202601/t20260114_2711184.html">{REPORT}\ufffd\ufffd</a></li></ul>{PAGER}')
    assert few.problems == ()


def test_an_error_page_is_not_a_list_but_a_list_that_names_errors_is() -> None:
    """Audit f_soft404_column: a 页面不存在 page (HTTP 200) is said to be an error page, by the rule that reads
    report pages (crawler/extract/formats/html.py error_page); a list of reports never is."""
    soft404 = parse_listing(
        "<html><head><title>页面不存在 - 武昌区人民政府</title></head><body><ul><li>"
        '<a href="/xwzx/wcyw/202502/t20250201_2530010.html">武昌区召开工作会议</a></li></ul>'
        "<h2>抱歉，您访问的页面不存在或已删除</h2></body></html>",
        YYJ + "index.html",
    )
    assert soft404.error_page == "页面不存在 - 武昌区人民政府"
    assert page(f"<p>纠错 404</p><ul>{ROW}</ul>{PAGER}").error_page is None
    assert page(f"<p>错误</p><ul></ul><p>暂无信息</p>{PAGER}").error_page is None


SIDEBAR = (
    '<div class="side"><h3>热点信息</h3><ul>'
    '<li><a href="/xwzx/wcyw/202502/t20250201_2530010.html">武昌区召开工作会议</a></li></ul></div>'
)


def test_rows_a_script_writes_from_an_array_are_read_beside_a_sidebar() -> None:
    """Audit f_script_array_sidebar: var list = [["./…html", "title", "date"], …] written by a loop."""
    listing = page(
        SIDEBAR + '<ul id="docs"></ul><script>var list = [["./202601/t20260114_2711184.html", "' + REPORT + '",'
        ' "2026-01-14"], ["./202501/t20250118_2500001.html", "杨园街道2024年政府信息公开工作年度报告", "2025-01-18"]];'
        " for (var i = 0; i < list.length; i++) { show(list[i]); }</script>" + PAGER
    )
    assert [(r.url.rsplit("/", 1)[1], r.title) for r in listing.rows[1:]] == [
        ("t20260114_2711184.html", REPORT),
        ("t20250118_2500001.html", "杨园街道2024年政府信息公开工作年度报告"),
    ]
    assert listing.problems == ()
    assert chosen(listing) == [
        ("杨园街道", 2025, "t20260114_2711184.html"),
        ("杨园街道", 2024, "t20250118_2500001.html"),
    ]


def test_a_script_naming_report_articles_it_did_not_read_beside_rows_is_a_problem() -> None:
    """A form the parser does not read (names built from ids) beside a sidebar it did: the list is the script's."""
    listing = page(
        SIDEBAR + '<ul id="docs"></ul><script>var ids = {a: "t20260114_2711184", b: "t20250118_2500001"};'
        ' var titles = "杨园街道2025年政府信息公开工作年度报告|杨园街道2024年政府信息公开工作年度报告";'
        " render(ids, titles, '.html');</script>" + PAGER
    )
    assert [r.title for r in listing.rows] == ["武昌区召开工作会议"]
    assert listing.problems == ()  # the names are t20260114_2711184 without .html: nothing the rule can see
    named = page(
        SIDEBAR + '<ul id="docs"></ul><script>var pages = "t20260114_2711184.html t20250118_2500001.html '
        't20240116_2300001.html t20230112_2100001.html"; var kind = "年度报告"; render(pages.split(" "));</script>'
        + PAGER
    )
    assert named.problems == (
        "a script names article pages this parser did not read as rows (t20260114_2711184.html, "
        "t20250118_2500001.html, t20240116_2300001.html and 1 more)",
    )
    # A news carousel beside the list (no report in its script) is not the column.
    carousel = page(f'<ul>{ROW}</ul><script>var slides = ["t20250201_2530010.html"]; play(slides);</script>{PAGER}')
    assert carousel.problems == ()


def test_a_no_content_placeholder_beside_a_script_that_loads_content_is_no_empty_column() -> None:
    """Audit f_ajax_placeholder: the rows come from $.getJSON; "暂无数据" is shown until they arrive."""
    ajax = page(
        '<ul id="docs"></ul><div class="nodata">暂无数据</div><script>$.getJSON("/api/channel/yyj.json",'
        ' function (data) { if (data.docs.length) { $(".nodata").hide(); } });</script>'
    )
    assert (ajax.rows, ajax.empty_marker) == ((), True)
    assert ajax.problems == ("the page says it has no content but a script loads content ($.getJSON(…)",)
    fetched = page('<ul id="docs"></ul><p>暂无信息</p><script>fetch("/api/list").then(show);</script>')
    assert fetched.problems == ("the page says it has no content but a script loads content (fetch(…)",)
    # A visitor counter's $.ajax on a page with rows and no placeholder says nothing of the list.
    assert page(f'<ul>{ROW}</ul>{PAGER}<script>$.ajax({{url: "/count"}});</script>').problems == ()
    assert page(f"<ul></ul><p>暂无信息</p>{PAGER}").problems == ()


def test_a_list_page_cut_short_is_not_read_as_whole() -> None:
    """Audit f_truncated_list: the connection closed mid-page (no Content-Length): no </body>, no </html>."""
    whole = f'<html><head><meta charset="utf-8"></head><body><ul>{ROW}{ROW.replace("2711184", "2711185")}</ul>'
    cut = parse_listing(whole[: whole.rindex("<li>") + 20], YYJ + "index.html")
    assert len(cut.rows) == 1
    assert cut.problems == ("the page ends before </html>: it was cut short, rows and pager after the cut unread",)
    assert parse_listing(whole + f"</ul>{PAGER}</body>\n", YYJ + "index.html").problems == ()


ARTICLE = YYJ + "202601/t20260114_2711184.html"


def test_rows_a_script_opens_are_read_by_the_article_it_names() -> None:
    """window.open, location.href, a site's own openDetail(): the row's script names one article page, and
    that page is the row's link (before: a malformed link, the street-year unknown)."""
    rows = {
        "window.open": f'<li><a href="javascript:void(0)" onclick="window.open(\'./202601/t20260114_2711184.html\','
        f"'_blank')\">{REPORT}</a><span>2026-01-14</span></li>",
        "javascript: href": f'<li><a href="javascript:openDetail(&quot;202601/t20260114_2711184.html&quot;)">{REPORT}'
        "</a><span>2026-01-14</span></li>",
        "anchor without href": f"<li><a onclick=\"location.href='./202601/t20260114_2711184.html'\">{REPORT}</a>"
        "[2026-01-14]</li>",
        "table row": f"<table><tr onclick=\"window.location.href='./202601/t20260114_2711184.html'\"><td>{REPORT}</td>"
        "<td>2026-01-14</td></tr></table>",
    }
    for how, row in rows.items():
        listing = page(f'<ul class="list">{row}</ul>{PAGER}')
        assert [(r.url, r.title, r.list_date) for r in listing.rows] == [(ARTICLE, REPORT, dt.date(2026, 1, 14))], how
        assert listing.skipped == () and listing.problems == () and listing.empty_problem is None, how


def test_a_script_that_names_no_single_article_stays_a_malformed_link() -> None:
    for click in ("show(12)", "window.open('./202601/t20260114_2711184.html'); log('./202601/t20260115_2711190.html')"):
        listing = page(f'<ul class="list"><li><a href="#" onclick="{click}">{REPORT}</a></li></ul>{PAGER}')
        assert listing.rows == ()
        assert [(s.title, s.reason) for s in listing.skipped] == [(REPORT, "malformed link: empty href")]


FIRE = "/xxgk/yyj/zfxxgknb/202403/t20240301_2310000.html"
NEWS = f'<div class="side"><ul><li><a href="{FIRE}">杨园街道消防安全检查</a></li></ul></div>'


def test_a_clicked_row_is_titled_by_its_report_cell_and_read_through_its_download_link() -> None:
    """A catalogue row's other cells (索引号, a 通知公告 category, a [公示公告] tag, a 解读 badge) are not its title
    (they would make the report "not an annual report" in a complete column: a false missing); a row opened
    through a data-url attribute, through the row around an inert link, or beside its PDF download link is read."""
    rows = {
        "catalogue": "<table><tr onclick=\"window.open('./202601/t20260114_2711184.html')\">"
        f"<td>MB1557212/2026-00012</td><td>{REPORT}</td><td>通知公告</td><td>2026-01-14</td></tr></table>",
        "tag": f"<ul><li onclick=\"location.href='./202601/t20260114_2711184.html'\"><em>[公示公告]</em> {REPORT} "
        "<i>2026-01-14</i></li></ul>",
        "data-url": f'<ul><li onclick="openwin(this)" data-url="./202601/t20260114_2711184.html">{REPORT}'
        "<span>2026-01-14</span></li></ul>",
        "inert link": f'<ul><li onclick="window.open(\'./202601/t20260114_2711184.html\')"><a href="javascript:;">'
        f"{REPORT}</a><span>2026-01-14</span></li></ul>",
        "download link": f"<table><tr onclick=\"window.open('./202601/t20260114_2711184.html')\"><td>{REPORT}</td>"
        '<td>2026-01-14</td><td><a href="./202601/P020260114123.pdf">下载</a></td></tr></table>',
    }
    for how, row in rows.items():
        listing = page(f"{NEWS}{row}{PAGER}")
        assert [(r.url, r.title, r.list_date) for r in listing.rows][:1] == [(ARTICLE, REPORT, dt.date(2026, 1, 14))], (
            how
        )
        assert listing.skipped == () and listing.problems == (), how
        assert chosen(listing) == [("杨园街道", 2025, "t20260114_2711184.html")], how
    badge = page(
        f"<ul><li onclick=\"window.open('./202601/t20260114_2711184.html')\">{REPORT} <span onclick="
        f"\"window.open('./202601/t20260115_2711190.html')\">解读</span> 2026-01-14</li></ul>{PAGER}"
    )
    assert [(r.url.rsplit("/", 1)[1], r.title) for r in badge.rows] == [
        ("t20260114_2711184.html", REPORT), ("t20260115_2711190.html", "解读")
    ]  # fmt: skip


def test_a_next_button_that_is_no_link_is_a_pager() -> None:
    """<span onclick="location.href='index_1.html'">下一页</span> leads to page 2; an <input type=button value=下一页>
    that runs a script is a pager not read; a disabled one is the last page (before: page 1 was taken for the whole
    column, a report on page 2 missing)."""
    rows = f'<ul class="list">{ROW}</ul>'
    span = page(rows + '<div class="page"><span onclick="location.href=\'index_1.html\'">下一页</span></div>')
    assert (span.pager, span.next_url, span.total_pages, span.problems) == ("next-link", YYJ + "index_1.html", 2, ())
    button = page(rows + '<div class="page"><input type="button" value="下一页" onclick="goPage(2)"></div>')
    assert button.problems == ("unrecognised pager (下一页 runs a script: javascript: goPage(2))",)
    last = page(rows + '<div class="page"><input type="button" value="下一页" disabled></div>')
    assert (last.pager, last.next_url, last.total_pages, last.problems) == ("next-link", None, 1, ())


def test_a_row_a_script_opens_on_another_host_is_refused_not_fetched() -> None:
    """A script's target passes the same host guard as a link (crawler/guard.py via select_reports): an onclick or
    data-url naming another site's article is a refused row that claims the street-year, never a page fetched."""
    evil = "https://evil.example/xxgk/yyj/zfxxgknb/202601/t20260114_2711184.html"
    for row in (f"<li onclick=\"window.open('{evil}')\">{REPORT}</li>", f'<li data-url="{evil}">{REPORT}</li>'):
        listing = page(f'<ul class="list">{row}</ul>{PAGER}')
        assert [r.url for r in listing.rows] == [evil]
        portal = default_registry().portal("wuchang")
        own = next(u for u in portal.streets if u.name == "杨园街道")
        selection = select_reports(listing.rows, portal, own)
        assert selection.chosen == () and selection.to_open == ()
        [refused] = selection.skipped
        assert refused.reason.startswith("refused: off-site host evil.example")
        assert (refused.street, refused.year) == ("杨园街道", 2025)
