"""Real `scrapy crawl` runs against a loopback mirror whose list pages are not the list they claim to be (audit
f_redirect_home, f_soft404_column, f_page2_error, f_js_next, f_laypage, f_charset): a column redirected to the
home page, a 页面不存在 served with HTTP 200, page 2 of 2 an error page, a pager run by a script, a GBK page
labelled UTF-8, a placeholder 暂无数据 beside a script that loads the rows, a page cut short (f_ajax_placeholder,
f_truncated_list). None was read, so the street-year is `unknown`, never `missing`. Rows a script writes from an
array beside a static sidebar (f_script_array_sidebar) are read, and so are rows a script opens (window.open)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.compliance.test_audit_e2e import crawl_at, detail, listing, status_of
from tests.static_mirror import Mirror, serve

WUCHANG = "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"
JIANGAN = "https://www.jiangan.gov.cn/jaxxw/zfxxgk/zfxxgknb/zfxxgknb_2024/"
YANGYUAN = "杨园街道2024年政府信息公开工作年度报告"
ERQI = "二七街道2024年政府信息公开工作年度报告"
AFTER = "2025-02-10"
ERROR_PAGE = (
    '<html><head><meta charset="utf-8"><title>页面不存在</title></head><body><div class="header"><ul>'
    '<li><a href="https://www.wuchang.gov.cn/xwzx/wcyw/202502/t20250201_2530010.html">武昌区召开工作会议</a></li>'
    '</ul></div><div class="err"><h2>抱歉，您访问的页面不存在或已删除</h2><a href="/">返回首页</a></div></body></html>'
)


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    yield from serve(tmp_path / "mirror")


def _wuchang(mirror: Mirror, tmp_path: Path) -> dict[str, Any]:
    store = tmp_path / "archive"
    crawl_at(f"{AFTER}T02:00:00Z", "wuchang", mirror, store, "-a", "streets=杨园街道", "-a", "years=2024")
    return status_of(store, "wuchang", "杨园街道", AFTER)


def _jiangan(mirror: Mirror, tmp_path: Path, first: str, second: str | None) -> dict[str, Any]:
    """江岸's 2024 folder: 20 department reports on page 1, 二七's on page 2 (``first``/``second`` format the
    pages with {rows}: ``second`` None leaves page 2 to the caller)."""
    rows = []
    for day in range(28, 8, -1):
        href = f"./202501/t202501{day:02d}_25{day:02d}000.shtml"
        rows.append((href, f"江岸区第{day}局2024年政府信息公开工作年度报告", f"2025-01-{day:02d}"))
        mirror.put(JIANGAN + href[2:], detail(rows[-1][1], f"2025年01月{day:02d}日", f"江岸区第{day}局"))
    erqi = "./202501/t20250106_2515000.shtml"
    mirror.put(JIANGAN + erqi[2:], detail(ERQI, "2025年01月06日", "二七街道"))
    mirror.put(JIANGAN + "index.shtml", first.format(rows=_items(rows)))
    if second is not None:
        mirror.put(JIANGAN + "index_1.shtml", second.format(rows=_items([(erqi, ERQI, "2025-01-06")])))
    empty = '<html><head><meta charset="utf-8"></head><body><ul class="list"></ul><p>暂无信息</p></body></html>'
    mirror.put(JIANGAN.replace("_2024/", "_2025/") + "index.shtml", empty)
    store = tmp_path / "archive"
    crawl_at(f"{AFTER}T02:00:00Z", "jiangan", mirror, store, "-a", "streets=二七街道", "-a", "years=2024")
    return status_of(store, "jiangan", "二七街道", AFTER)


def _items(rows: list[tuple[str, str, str]]) -> str:
    return "".join(f'<li><a href="{href}" title="{t}">{t}</a><span>{d}</span></li>' for href, t, d in rows)


def _page(pager: str) -> str:
    return '<html><head><meta charset="utf-8"></head><body><ul class="list">{rows}</ul>' + pager + "</body></html>"


def test_a_column_redirected_to_the_home_page_is_not_read_as_the_column(mirror: Mirror, tmp_path: Path) -> None:
    home = "https://www.wuchang.gov.cn/index.html"
    news = "https://www.wuchang.gov.cn/xwzx/wcyw/202502/t20250201_2530010.html"
    mirror.put(home, listing([(news, "武昌区召开工作会议", "2025-02-01")]))
    mirror.redirect(WUCHANG + "index.html", home)
    row = _wuchang(mirror, tmp_path)
    assert row["status"] == "unknown"
    assert row["reason"].endswith(f"list page {WUCHANG}index.html redirected to {home}: not the list asked for")


def test_a_redirect_to_the_same_list_is_followed(mirror: Mirror, tmp_path: Path) -> None:
    """index.html → the folder itself (and http → https) is the page asked: read, the report found on time."""
    href = "./202501/t20250120_2518000.html"
    mirror.put(WUCHANG, listing([(href, YANGYUAN, "2025-01-20")]))  # served as the folder's index.html
    mirror.put(WUCHANG + href[2:], detail(YANGYUAN, "2025年01月20日", "杨园街道"))
    mirror.redirect(WUCHANG + "index.html", WUCHANG)
    row = _wuchang(mirror, tmp_path)
    assert (row["status"], row["date_used"]) == ("on_time", "2025-01-20")


def test_a_soft_404_column_page_is_not_read_as_the_column(mirror: Mirror, tmp_path: Path) -> None:
    mirror.answer(WUCHANG + "index.html", 200, ERROR_PAGE.encode())
    row = _wuchang(mirror, tmp_path)
    assert row["status"] == "unknown"
    assert row["reason"].endswith(f"an error page, not the list: {WUCHANG}index.html says '页面不存在'")


def test_page_2_of_2_an_error_page_leaves_the_column_unread(mirror: Mirror, tmp_path: Path) -> None:
    pager = '<script>createPageHTML(2, {n}, "index", "shtml");</script>'
    mirror.answer(JIANGAN + "index_1.shtml", 200, ERROR_PAGE.encode())
    row = _jiangan(mirror, tmp_path, _page(pager.replace("{n}", "0")), None)
    assert row["status"] == "unknown"
    assert row["reason"].endswith(f"an error page, not the list: {JIANGAN}index_1.shtml says '页面不存在'")


def test_page_2_of_2_without_rows_nor_pager_leaves_the_column_incomplete(mirror: Mirror, tmp_path: Path) -> None:
    """A bare page (a block page, a template without the list) where the pager declared page 2."""
    pager = '<script>createPageHTML(2, 0, "index", "shtml");</script>'
    bare = '<html><head><meta charset="utf-8"><title>江岸区</title></head><body><p>请稍后再试</p></body></html>'
    row = _jiangan(mirror, tmp_path, _page(pager), bare)
    assert row["status"] == "unknown"
    assert f"page 2 of the column, {JIANGAN}index_1.shtml, has no rows and is no list page" in row["reason"]


def test_an_empty_deep_page_with_its_pager_call_is_a_stub_and_ends_the_walk(mirror: Mirror, tmp_path: Path) -> None:
    """A deep TRS stub (no rows, the pager call still there) ends the column: read completely, 二七 missing."""
    row = _jiangan(mirror, tmp_path, _page('<script>createPageHTML(3, 0, "index", "shtml");</script>'),
                   '<html><head><meta charset="utf-8"></head><body><ul class="list"></ul>'
                   '<script>createPageHTML(3, 1, "index", "shtml");</script></body></html>')  # fmt: skip
    assert row["status"] == "missing"


@pytest.mark.parametrize(
    ("pager", "problem"),
    [
        (
            '<div class="page"><a href="javascript:;" onclick="goPage(2)">下一页</a></div>',
            "unrecognised pager (下一页 runs a script: javascript: goPage(2))",
        ),
        (
            '<div id="page"></div><script>layui.use("laypage", function(){{ layui.laypage.render({{elem: "page",'
            " count: 21, limit: 20, curr: 1}}); }});</script>",
            'unrecognised pager laypage.render(elem: "page", count: 21, limit: 20, curr: 1)',
        ),
    ],
    ids=["javascript-next", "laypage"],
)
def test_a_pager_run_by_a_script_leaves_the_column_incomplete(
    mirror: Mirror, tmp_path: Path, pager: str, problem: str
) -> None:
    row = _jiangan(mirror, tmp_path, _page(pager), _page(pager))
    assert row["status"] == "unknown"
    assert row["reason"].endswith(f"{problem} on {JIANGAN}index.shtml")


def test_a_gbk_page_labelled_utf8_is_not_understood(mirror: Mirror, tmp_path: Path) -> None:
    page = listing([("./202501/t20250120_2518000.html", YANGYUAN, "2025-01-20")]).replace("utf-8", "gbk")
    mirror.answer(WUCHANG + "index.html", 200, page.encode("gbk"), **{"Content-Type": "text/html; charset=utf-8"})
    row = _wuchang(mirror, tmp_path)
    assert row["status"] == "unknown"
    assert "undecodable characters (U+FFFD): the page's charset was not read right on" in row["reason"]


def test_rows_written_from_a_script_array_beside_a_sidebar_are_read(mirror: Mirror, tmp_path: Path) -> None:
    news = "https://www.wuchang.gov.cn/xwzx/wcyw/202502/t20250201_2530010.html"
    href = "./202501/t20250120_2518000.html"
    mirror.put(WUCHANG + href[2:], detail(YANGYUAN, "2025年01月20日", "杨园街道"))
    script = (f'<ul id="docs"></ul><script>var list = [["{href}", "{YANGYUAN}", "2025-01-20"]];'
              ' for (var i = 0; i < list.length; i++) { document.getElementById("docs").innerHTML +='
              ' "<li><a href=\\"" + list[i][0] + "\\">" + list[i][1] + "</a></li>"; }</script>')  # fmt: skip
    sidebar = f'<div class="side"><h3>热点信息</h3><ul><li><a href="{news}">武昌区召开工作会议</a></li></ul></div>'
    mirror.put(WUCHANG, f'<html><head><meta charset="utf-8"></head><body>{sidebar}{script}</body></html>')
    row = _wuchang(mirror, tmp_path)
    assert (row["status"], row["date_used"]) == ("on_time", "2025-01-20")


def test_a_placeholder_beside_a_script_that_loads_the_rows_is_no_empty_column(mirror: Mirror, tmp_path: Path) -> None:
    mirror.put(WUCHANG, '<html><head><meta charset="utf-8"></head><body><ul id="docs"></ul><div class="nodata">'
               '暂无数据</div><script>$.getJSON("/api/channel/yyj_zfxxgknb.json", function (data) {'
               ' $(".nodata").hide(); });</script></body></html>')  # fmt: skip
    row = _wuchang(mirror, tmp_path)
    assert row["status"] == "unknown"
    assert row["reason"].endswith(
        f"the page says it has no content but a script loads content ($.getJSON(…) on {WUCHANG}index.html"
    )


def test_a_list_page_cut_short_is_not_read_as_whole(mirror: Mirror, tmp_path: Path) -> None:
    """The connection closed in the middle of page 1: the rows after the cut and the pager were never read."""
    whole = _page('<script>createPageHTML(1, 0, "index", "shtml");</script>')
    rows = [(f"./202501/t202501{d:02d}_25{d:02d}000.shtml", f"江岸区第{d}局2024年政府信息公开工作年度报告",
             f"2025-01-{d:02d}") for d in range(28, 8, -1)]  # fmt: skip
    cut = whole.format(rows=_items(rows))
    mirror.answer(JIANGAN + "index.shtml", 200, cut[: cut.index("第10局") - 30].encode())
    row = _jiangan(mirror, tmp_path, whole, None)
    assert row["status"] == "unknown"
    assert row["reason"].endswith(
        f"the page ends before </html>: it was cut short, rows and pager after the cut unread on {JIANGAN}index.shtml"
    )


def test_a_row_a_script_opens_is_read(mirror: Mirror, tmp_path: Path) -> None:
    """<a href="javascript:void(0)" onclick="window.open('…')">: the page the script opens is the row's link."""
    href = "./202501/t20250120_2518000.html"
    mirror.put(WUCHANG + href[2:], detail(YANGYUAN, "2025年01月20日", "杨园街道"))
    row = (
        f'<li><a href="javascript:void(0)" onclick="window.open(\'{href}\')">{YANGYUAN}</a><span>2025-01-20</span></li>'
    )
    mirror.put(WUCHANG, f'<html><head><meta charset="utf-8"></head><body><ul class="list">{row}</ul></body></html>')
    row_status = _wuchang(mirror, tmp_path)
    assert (row_status["status"], row_status["date_used"]) == ("on_time", "2025-01-20")
    assert row_status["report_url"] == WUCHANG + href[2:]
