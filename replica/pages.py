"""HTML of the replica's pages, modelled on the real TRS templates (docs/portals.md §2–§3).

Pure string rendering: list pages with ``createPageHTML(total, current, "index", ext)`` and relative
``./YYYYMM/t…`` rows whose full title sits in the ``title`` attribute, detail pages with each host's
metadata block, and the platform's 404 page.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from urllib.parse import quote

from crawler.registry import Portal
from replica.reality import DETAIL_BLOCKS
from replica.variants import ListVariant
from replica.world import Publication


def _page(title: str, body: str, *, meta: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n{meta}"
        '<link rel="stylesheet" href="/images/common.css">\n</head>\n<body>\n'
        '<div class="header"><div class="tools">Ai政务问答 | 无障碍浏览 | 长者专区</div></div>\n'
        f'{body}\n<div class="footer">主办单位：武汉市人民政府办公厅 技术支持：武汉市集约化智能门户平台</div>\n'
        "</body>\n</html>\n"
    )


def _pager(portal: Portal, variant: ListVariant, page: int, total_pages: int, records: int) -> str:
    """The pager in the variant's form (createPageHTML by default)."""
    ext = portal.ext
    if variant.pager == "pageControl":
        call = f'pageControl({total_pages}, {page}, "index", "{ext}", 15, \'pages-nav\');'
    elif variant.pager == "records":
        call = f'createPageHTML({records}, {total_pages}, {page}, "list", "{ext}", "page_div");'
    elif variant.pager == "next":
        # No script: only links, the last page shows 下一页 as plain text.
        links = '<a href="./index.' + ext + '">首页</a> '
        if page:
            previous = "index" if page == 1 else f"index_{page - 1}"
            links += f'<a href="./{previous}.{ext}">上一页</a> '
        links += f'<a href="./index_{page + 1}.{ext}">下一页</a>' if page + 1 < total_pages else "<span>下一页</span>"
        return f'<div class="page">{links}</div>'
    else:
        call = f'createPageHTML({total_pages}, {page}, "index", "{ext}");'
    return f'<div class="page" id="page_div"><script type="text/javascript">{call}</script></div>'


def _row(pub: Publication, variant: ListVariant) -> str:
    href = f"./{pub.url_date:%Y%m}/t{pub.url_date:%Y%m%d}_{pub.doc_id}.{pub.ext}"
    title = html.escape(pub.title)
    if variant.rows == "script":
        # Written by script: the URL line has no ";", the title is set inside a block.
        return (
            f'<script type="text/javascript">\nvar url = "{href}"\nvar title = "";\n'
            f'if (url.length > 0) {{ title = "{title}"; }}\n'
            'document.writeln("<li><a href=\'" + url + "\' target=\'_blank\'>" + title + "</a>'
            f"<span class='date'>{pub.url_date:%Y-%m-%d}</span></li>\");\n</script>"
        )
    if variant.rows == "truncated":
        # An icon link first, then the text cut with "…" and no title attribute.
        text = pub.title if len(pub.title) <= 24 else pub.title[:24] + "…"
        return (
            f'<li><a href="{href}" target="_blank"><img src="/images/dot.png" alt=""></a>'
            f'<a href="{href}" target="_blank">{html.escape(text)}</a>'
            f'<span class="date">[{pub.url_date:%Y-%m-%d}]</span></li>'
        )
    # Link text is cut like the real lists do; the full title is in the title attribute.
    text = pub.title if len(pub.title) <= 24 else pub.title[:24] + "..."
    return (
        f'<li><a href="{href}" target="_blank" title="{title}">{html.escape(text)}</a>'
        f'<span class="date">{pub.url_date:%Y-%m-%d}</span></li>'
    )


def list_page(
    portal: Portal,
    column_title: str,
    rows: Sequence[Publication],
    page: int,
    total_pages: int,
    variant: ListVariant | None = None,
    records: int = 0,
) -> str:
    variant = variant or ListVariant()
    items = [_row(pub, variant) for pub in rows]
    body = (
        f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="../">政府信息公开</a> &gt; '
        f"{html.escape(column_title)}</div>\n"
        '<div class="list-box">\n<ul class="info-list">\n' + "\n".join(items) + "\n</ul>\n"
        f"{_pager(portal, variant, page, total_pages, records or len(rows))}\n</div>"
    )
    return _page(f"{column_title}-{portal.name}人民政府", body)


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def meta_block(portal: Portal, pub: Publication, index_no: str | None) -> str:
    """The host's metadata block above the article (docs/portals.md §2)."""
    title, org = html.escape(pub.title), html.escape(pub.publisher)
    template = DETAIL_BLOCKS.get(portal.id, "generic_trs")
    if template == "wuchang_meta":
        return (
            '<div class="xxgk-info"><table class="xxgk-table">\n'
            f'<tr><td class="lab">名&nbsp;&nbsp;称:</td><td colspan="3">{title}</td></tr>\n'
            f'<tr><td class="lab">发布机构:</td><td>{org}</td><td class="lab">文&nbsp;&nbsp;号:</td><td></td></tr>\n'
            f'<tr><td class="lab">索&nbsp;引&nbsp;号:</td><td>{index_no or ""}</td>'
            f'<td class="lab">公开日期:</td><td>{_cn_date(pub.page_date)}</td></tr>\n'
            '<tr><td class="lab">公开方式:</td><td>主动公开</td>'
            '<td class="lab">有&nbsp;效&nbsp;性:</td><td>有效</td></tr>\n'
            "</table></div>"
        )
    if template == "qiaokou_meta":
        stamp = f"{pub.page_date:%Y-%m-%d} 14:50"
        return (
            f'<div class="article-info"><span>更新时间:{pub.url_date:%Y-%m-%d} 14:53</span> '
            f"<span>发布时间:{stamp}</span> <span>来源:{org}</span></div>"
        )
    if template == "hongshan_meta":
        return f'<div class="article-info">日期:{pub.page_date:%Y-%m-%d} 09:00 来源:{org} 字号:</div>'
    if template == "jianghan_meta":
        return (
            f'<div class="article-info">字号 : | 更新时间:{pub.page_date:%Y-%m-%d} 17:04 发布时间: | 来源:{org}</div>'
        )
    if template == "qingshan_meta":
        return (
            f'<div class="xxgk-info">索 引 号 <span>{index_no or ""}</span> 发布日期 '
            f"<span>{pub.page_date:%Y-%m-%d}</span> 发布机构 <span>{org}</span> 有 效 性 有效</div>"
        )
    if template == "wehdz_meta":
        return f'<div class="article-info">• {pub.page_date:%Y-%m-%d} 15:42 • 来源: {org}</div>'
    return f'<div class="article-info">发布时间:{pub.page_date:%Y-%m-%d} 来源:{org}</div>'


def detail_page(
    portal: Portal,
    pub: Publication,
    body_html: str,
    attachments: Sequence[tuple[str, str]] = (),
    index_no: str | None = None,
    *,
    viewer: bool = False,
    part: int | None = None,
) -> str:
    """An article page: metadata block, title, the TRS_Editor body, then the attachment list.

    ``viewer``: the first PDF is shown in an embedded pdf.js viewer instead of linked. ``part``: the
    article is split over two pages and this is page 0 or 1 (TRS names the second ``t…_ID_1``)."""
    links = ""
    for name, label in attachments:
        if viewer and name.endswith(".pdf"):
            folder = pub.url.split("/", 3)[3].rsplit("/", 1)[0]  # the article's folder, without the host
            path = quote(f"/{folder}/{name}", safe="")
            body_html += f'<div class="pdf-view"><iframe src="/pdfjs/web/viewer.html?file={path}"></iframe></div>'
            viewer = False
            continue
        links += f'<li><a href="./{name}" target="_blank">{html.escape(label)}</a></li>'
    if part is not None:
        stem = pub.url.rsplit("/", 1)[1].rsplit(".", 1)[0]
        other = (
            f'<a href="./{stem}_1.{pub.ext}">下一页</a>' if part == 0 else f'<a href="./{stem}.{pub.ext}">上一页</a>'
        )
        pager = f'<div class="page"><script>createPageHTML(2, {part}, "{stem}", "{pub.ext}");</script>{other}</div>'
    else:
        pager = ""
    attach_html = f'<div class="fjxz"><p>附件：</p><ul>{links}</ul></div>' if links else ""
    meta = (
        f'<meta name="ArticleTitle" content="{html.escape(pub.title)}">\n'
        f'<meta name="PubDate" content="{pub.page_date:%Y-%m-%d} 09:30">\n'
        f'<meta name="ContentSource" content="{html.escape(pub.publisher)}">\n'
    )
    body = (
        f"{meta_block(portal, pub, index_no)}\n"
        f'<div class="article"><h1 class="title">{html.escape(pub.title)}</h1>\n'
        f'<div class="view TRS_UEDITOR trs_paper_default trs_web"><div class="TRS_Editor">{body_html}</div></div>\n'
        f"{pager}"
        f"{attach_html}</div>"
    )
    return _page(pub.title, body, meta=meta)


def not_found_page() -> str:
    return _page("404", '<div class="error"><h2>对不起，您访问的页面不存在或已被删除！</h2></div>')


def robots_txt() -> str:
    return "User-agent: *\nDisallow: /search/\nDisallow: /cms/\n"


def link_page(portal: Portal, title: str, links: Sequence[tuple[str, str]]) -> str:
    """A navigation page (home, 政府信息公开, the street index, a street's unit page)."""
    items = "\n".join(f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>' for text, href in links)
    body = f'<div class="nav-box"><h2>{html.escape(title)}</h2>\n<ul class="nav-list">\n{items}\n</ul></div>'
    return _page(f"{title}-{portal.name}人民政府", body)


def challenge_page(token: str) -> str:
    """A 加速乐-style challenge: a script computes the clearance cookie and reloads the page."""
    codes = ",".join(str(ord(c) ^ 23) for c in token)
    return (
        '<html><head><meta charset="utf-8"></head><body><script>'
        f"var _0x=[{codes}];var c='';for(var i=0;i<_0x.length;i++){{c+=String.fromCharCode(_0x[i]^23);}}"
        "document.cookie='__jsl_clearance='+c+';path=/';setTimeout(function(){location.reload();},50);"
        "</script></body></html>"
    )
