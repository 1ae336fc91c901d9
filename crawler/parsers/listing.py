"""TRS column (list) pages: the rows they link to, how many pages the column has, and whether the
parser understood the page at all.

A list page the parser does not understand must never pass for an empty column: that would turn
into a public "missing" accusation. So besides rows and pager, a :class:`Listing` says how the
page count was read (``pager``), whether the page declares itself empty (``empty_marker``), and
every reason it was not understood (``problems``). The spider makes a column ``incomplete`` on any.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.extract.formats.html import error_page
from crawler.extract.formats.sniff import html_ends
from crawler.parsers.row_title import rank, row_title, split_title
from crawler.parsers.titles import is_annual_report, near_report, normalise, report_year
from crawler.parsers.urls import SCRIPT_ARTICLE_RE, document_base, is_article, make_date

# The pager calls of the TRS platform, with their arguments read generically (see _read_pager):
#   createPageHTML(25, 0, "index", "shtml")                   (Wuhan: total pages, current 0-based, name, ext)
#   createPageHTML(89, 1,"index", "shtml", "black2",621)      (Hubei provincial TRS sites)
#   createPageHTML('page_div',5, 1,'fg','shtml',89)           (container id first)
#   createPageHTML(240, 16, 0, "index", "shtml", …)           (records, pages, current)
#   pageControl(4, 2, "index", "shtml", 10, 'pages-nav')      (Hubei: total pages, current, name, ext, …)
PAGER_CALL_RE = re.compile(r"\b(createPageHTML|pageControl)\s*\(([^()]*)\)")
_ARG_RE = re.compile(r"\s*(?:'([^']*)'|\"([^\"]*)\"|([^,]*?))\s*(?:,|$)")
COUNT_PAGE_RE = re.compile(r"\bcountPage\s*=\s*(\d+)")
CURRENT_PAGE_RE = re.compile(r"\bcurrentPage\s*=\s*(\d+)")
# "共 5 页" written by a server-side pager.
PAGES_TEXT_RE = re.compile(r"共\s*(\d+)\s*页")
NEXT_TEXTS = ("下一页", "下页", "后一页")
# Anything that looks like a pager we did not read: a script call whose name mentions a page, or
# the words of a pager. Seen without a recognised pager, the page count is unknown.
_PAGERISH_CALL_RE = re.compile(r"\b([A-Za-z_$][\w$]*[Pp]age[\w$]*)\s*\(")
_PAGERISH_TEXTS = ("下一页", "上一页", "尾页", "末页", "下页")
_NOT_PAGERS = {"trackPageview", "_trackPageview", "setPageTitle", "addPageView"}
# A page that says it lists nothing: the one positive sign an empty column is really empty.
EMPTY_MARKERS = (
    "暂无信息",
    "暂无数据",
    "暂无内容",
    "暂无记录",
    "暂无相关信息",
    "没有记录",
    "无相关信息",
    "没有找到相关",
)
# Rows written by inline script instead of <li><a>: var url = "./2026/…"; var title = "…"; — the
# ";" may be missing and the title may be set later, inside a {…} block.
JS_URL_RE = re.compile(r"\b(?:var\s+)?(?:url|href|docUrl|linkUrl)\s*=\s*(['\"])([^'\"]*)\1")
JS_TITLE_RE = re.compile(r"\b(?:var\s+)?(?:title|docTitle|sTitle)\s*=\s*(['\"])([^'\"]*)\1")
# Rows as JSON objects in a script ({"title":"…","url":"./2026…","date":"…"}): read object by object,
# so that a row never takes the title of its neighbour.
_JSON_OBJECT_RE = re.compile(r"\{[^{}]*\}")
_JSON_URL_RE = re.compile(r"[\"'](?:url|href|docUrl|linkUrl)[\"']\s*:\s*([\"'])([^'\"]*)\1")
_JSON_TITLE_RE = re.compile(r"[\"'](?:title|docTitle|sTitle)[\"']\s*:\s*([\"'])([^'\"]*)\1")
# Rows written as HTML in the string literals of document.write(ln) (href=\"…\" escaped inside them).
_JS_STRING_RE = re.compile(r"'((?:[^'\\\n]|\\.)*)'|\"((?:[^\"\\\n]|\\.)*)\"")
_JS_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
_JS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
# A flat array of string literals (["./202501/t….html", "title", "2025-01-20"]): a row a script writes out.
_JS_ARRAY_RE = re.compile(r"\[\s*(?:(?:'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|[\d.]+|null)\s*,?\s*){2,}\]")
# A script that fetches content after the page loads (jQuery, fetch, XHR, axios): what it fetches is not in
# the page, and the page's "暂无数据" may be a placeholder it hides once rows arrive.
_LOADS_RE = re.compile(
    r"\$\s*\.\s*(?:getJSON|ajax|get|post)\s*\(|\.\s*load\s*\(\s*['\"]|\bfetch\s*\(|XMLHttpRequest|\baxios\s*[.(]"
)
# A list page's markup ends with </html> (or at least </body>): without either, the page was cut short (a
# connection closed mid-page, without a Content-Length to tell) and rows and pager after the cut were never read.
_SIBLING_PAGE_RE = re.compile(r"[\w-]+_\d+\.(?:s?html?|jsp|php|aspx?)")
# Text a reader does not see (a hidden "暂无信息" template shown only when a script finds no rows).
_VISIBLE_TEXT = (
    "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::template)"
    " and not(ancestor::*[contains(translate(@style, ' ', ''), 'display:none')"
    " or contains(translate(@style, ' ', ''), 'visibility:hidden') or @hidden])]"
)
DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATED_RE = re.compile(r"[\[【(（]?\s*" + DATE_RE.pattern + r"\s*日?\s*[\]】)）]?")  # a row's date, brackets and all
# Links of an href that names no page (evidence they exist, never requested).
_NON_PAGE_SCHEMES = ("javascript:", "mailto:", "tel:", "vbscript:", "data:")
# layui's pager (laypage.render({elem: "page", count: 21, limit: 20, curr: 1, jump: …})): the page count is
# count / limit, but the pages' URLs are made by its jump script, which this parser does not run.
_LAYPAGE_RE = re.compile(r"\blaypage\s*\.\s*render\s*\(\s*\{([^()]*)")
_LAYPAGE_COUNT_RE = re.compile(r"\bcount\s*:\s*(\d+)")
_LAYPAGE_LIMIT_RE = re.compile(r"\blimit\s*:\s*(\d+)")
# A 下一页 whose href is a script that does nothing by itself (javascript:; / javascript:void(0)): the last
# page's disabled button, unless an onclick runs the pager (goPage(2)).
_INERT_SCRIPT_RE = re.compile(r"javascript:\s*(?:void\s*\(\s*0?\s*\)|undefined|false)?\s*;?\s*$", re.I)
_INERT_CLICK_RE = re.compile(r"^\s*(?:return\s+false|void\s*\(\s*0?\s*\))?\s*;?\s*$", re.I)
# U+FFFD in the decoded text: bytes the page's charset could not decode (a GBK page served as UTF-8 gives
# one or two per Chinese character, hundreds on a list page). A handful can be a CMS's own broken title;
# from this many on, the titles themselves cannot be trusted to be read.
MOJIBAKE_LIMIT = 10
# A year sub-folder of the column (./2024/ or 2024/index.shtml): some columns only link those.
_YEAR_FOLDER_RE = re.compile(r"^((?:19|20)\d{2})/(?:index(?:_\d+)?\.s?html?)?$")


@dataclass(frozen=True)
class ListRow:
    url: str  # absolute canonical URL
    title: str
    list_date: dt.date | None
    truncated: bool = False  # the best title the list gives is cut ("…"): the page must tell


@dataclass(frozen=True)
class SkippedLink:
    """A row the list shows whose link cannot be followed (javascript:, mailto:, empty, unparsable)."""

    href: str
    title: str
    reason: str


@dataclass(frozen=True)
class Listing:
    rows: tuple[ListRow, ...]
    total_pages: int  # 1 when the page has no pager; for a next-link pager, current + 2 when there is a next
    current_page: int  # 0-based
    page_name: str  # "index", or what the pager call names
    ext: str  # "html" / "shtml"
    pager: str = "none"  # createPageHTML | pageControl | countPage | pages-text | next-link | none
    next_url: str | None = None  # the 下一页 link, when that is the only pager
    empty_marker: bool = False  # the page says it has no content (暂无信息)
    problems: tuple[str, ...] = ()  # why the page was not understood; empty when it was
    skipped: tuple[SkippedLink, ...] = ()
    # Why a page without rows is not a positive sign of an empty column (the spider weighs it for the
    # first page only: a deep page without rows ends the walk, as on TRS stubs).
    empty_problem: str | None = None
    # What the page says of itself when it is an error page (页面不存在 served with HTTP 200), not a list.
    error_page: str | None = None

    def page_url(self, base: str, n: int) -> str:
        """URL of 0-based page ``n`` of the column whose folder URL is ``base``."""
        name = self.page_name if n == 0 else f"{self.page_name}_{n}"
        return base.rstrip("/") + f"/{name}.{self.ext}"


def parse_date(text: str) -> dt.date | None:
    """The first date in ``text``: 2024-01-09, [2024-01-09], 2024年01月09日, 2024/1/9, 2020 年 01 月 18 日."""
    match = DATE_RE.search(text)
    return make_date(match[1], match[2], match[3]) if match else None


def _looks_like_a_row(title: str) -> bool:
    """A link text worth recording when its href is unusable: a document title, not a menu word."""
    return is_annual_report(title) or report_year(title) is not None


def _args(text: str) -> list[str | int | None]:
    """Arguments of a JS call: quoted strings as str, integers as int, anything else as None."""
    values: list[str | int | None] = []
    for match in _ARG_RE.finditer(text):
        if match.end() == match.start():
            break
        single, double, bare = match.groups()
        if single is not None or double is not None:
            values.append(single if single is not None else double)
        else:
            values.append(int(bare) if bare and bare.isdigit() else None)
        if match.end() >= len(text):
            break
    return values


def _read_pager(call: str, raw: str) -> tuple[int, int, str, str] | None:
    """(total pages, current 0-based, page name, ext) of a pager call, or None when its form is unknown."""
    args = _args(raw)
    while args and isinstance(args[0], str):  # container id first
        args = args[1:]
    numbers: list[int] = []
    while args and isinstance(args[0], int):
        numbers.append(args.pop(0))  # type: ignore[arg-type]
    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        return None
    name, ext = args[0], args[1]
    if not re.fullmatch(r"[\w-]+", name) or not re.fullmatch(r"s?html?|jsp|php|aspx?", ext):
        return None
    if len(numbers) == 2:
        total, current = numbers
    elif len(numbers) == 3 and call == "createPageHTML" and numbers[1] <= numbers[0]:
        _records, total, current = numbers
    else:
        return None
    return max(total, 1), current, name, ext


def _script_rows(script: str) -> list[tuple[str, str]]:
    """(href, title) of rows written by script: each URL assignment with the title set after it
    (up to the next URL), else the one set just before it."""
    urls = list(JS_URL_RE.finditer(script))
    rows = []
    for i, match in enumerate(urls):
        end = urls[i + 1].start() if i + 1 < len(urls) else len(script)
        start = urls[i - 1].end() if i else 0
        # An empty first assignment (var title = "";) is often filled in a {…} block below.
        after = [m[2] for m in JS_TITLE_RE.finditer(script, match.end(), end) if m[2].strip()]
        before = [m[2] for m in JS_TITLE_RE.finditer(script, start, match.start()) if m[2].strip()]
        title = after[0] if after else (before[-1] if before else "")
        rows.append((match[2], title))
    return rows


def _json_rows(script: str) -> list[tuple[str, str]]:
    """(href, title) of each JSON object in a script that has a URL key, its title from the same object."""
    rows = []
    for obj in _JSON_OBJECT_RE.finditer(script):
        if href := _JSON_URL_RE.search(obj[0]):
            title = _JSON_TITLE_RE.search(obj[0])
            rows.append((href[2], title[2] if title else ""))
    return rows


def _array_rows(script: str) -> list[tuple[str, str]]:
    """(href, title) of each flat array of strings in a script that names an article page: its title is the
    array's longest other string that is no URL and no date."""
    rows = []
    for array in _JS_ARRAY_RE.finditer(script):
        strings = list(_js_strings(array[0]))
        hrefs = [v for v in strings if SCRIPT_ARTICLE_RE.search(v)]
        if len(hrefs) != 1:
            continue
        texts = [v for v in strings if v != hrefs[0] and "/" not in v and not DATE_RE.fullmatch(v.strip())]
        rows.append((hrefs[0], max(texts, key=len, default="")))
    return rows


def _js_strings(script: str) -> Iterator[str]:
    """The values of a script's string literals ('…' or "…"), escapes resolved, in order."""
    for match in _JS_STRING_RE.finditer(script):
        yield _unescape_js(match[1] if match[1] is not None else match[2])


def _unescape_js(literal: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match[1]
        if code[0] in "ux" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _JS_ESCAPES.get(code, code)

    return _JS_ESCAPE_RE.sub(one, literal)


def _written_html(script: str) -> str:
    """The HTML a script writes with document.write(ln) or innerHTML, as far as its string literals say
    (concatenated variables are left out: their rows come from the URL/title assignments)."""
    if "document.write" not in script and "innerHTML" not in script:
        return ""
    return "".join(_js_strings(script))


# Elements a script opens as a row (<tr onclick>, <li onclick="openwin(this)" data-url="…">); anchors are read
# by their own loop. A row's text is short: an element holding more (a wrapper around the list) is no row.
_CLICKED_ROWS = "//*[(@onclick or @data-url or @data-href) and not(self::a) and not(self::script)]"
_ROW_TEXT = 200
_URL_ATTRIBUTES = ("data-url", "data-href", "data-link", "url", "href")


def _opens(element: Selector) -> str:
    """What may name the page an element opens: its onclick and its URL attributes, quoted like script strings."""
    attrib = element.attrib
    named = [f"'{attrib[name]}'" for name in _URL_ATTRIBUTES if attrib.get(name)]
    return " ".join([attrib.get("onclick", ""), *named])


def _resolve(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``; None when empty or unparsable (a bad port names nothing)."""
    try:
        return urljoin(base, href.strip()) if href.strip() else None
    except ValueError:
        return None


def _only(found: set[str]) -> str | None:
    return next(iter(found)) if len(found) == 1 else None


def _scripted_target(script: str, base: str) -> str | None:
    """The one article page a row's script opens (window.open('…'), location.href='…', openDetail("…")), else None."""
    return _only({url for value in _js_strings(script) if (url := _resolve(base, value)) and is_article(url)})


def _names_article(href: str, base: str) -> bool:
    return is_article(url) if (url := _resolve(base, href)) else False


def _text(element: Selector) -> str:
    return " ".join(element.xpath(".//text()[not(ancestor::script)]").getall())


def _row_text_title(element: Selector) -> str:
    """A clicked row's title: the cell (or the row's own text) that names a report, else its longest text. A
    row's other cells (an index number, a category such as 通知公告 or [公示公告], a 解读 badge, the date) are
    not part of its title."""
    chunks = [
        _DATED_RE.sub(" ", " ".join(part.xpath("./text()").getall())).strip()
        for part in element.xpath("descendant-or-self::*[not(self::script)]")
    ]
    chunks = [chunk for chunk in chunks if normalise(chunk)]
    named = [chunk for chunk in chunks if is_annual_report(chunk) or near_report(chunk)]
    return (named or sorted(chunks, key=lambda chunk: -len(normalise(chunk))) or [""])[0]


def _row_of(a: Selector) -> Selector | None:
    """The list row (li, tr, dd, p) a link stands in, when it is the row's only article link."""
    row = a.xpath("./ancestor::*[self::li or self::tr or self::dd or self::p][1]")
    if not row:
        return None
    hrefs = {h.strip().split("#", 1)[0] for h in row.css("a::attr(href)").getall()}
    return row[0] if len(hrefs) == 1 else None


def _says_little(text: str) -> bool:
    """A link text that names no document (查看, 详情, 下载, an icon): the row's other cells say what it is."""
    norm = normalise(text)
    return len(norm) <= 6 and report_year(norm) is None and not is_annual_report(norm)


def parse_listing(html: str, url: str, default_ext: str = "html") -> Listing:
    """Every article row of a column page, in page order, the pager state, and what was not understood."""
    sel = Selector(text=html, base_url=url)
    order: list[str] = []
    best: dict[str, tuple[str, bool, dt.date | None]] = {}
    skipped: list[SkippedLink] = []
    problems: list[str] = []
    year_folders: set[str] = set()
    folder = url.rsplit("/", 1)[0] + "/"
    base = document_base(sel.xpath("//base/@href").getall(), url)

    def add(href: str, title: str, truncated: bool, date: dt.date | None) -> None:
        href = href.strip()
        if not href or href == "#" or href.lower().startswith(_NON_PAGE_SCHEMES):
            if _looks_like_a_row(title):
                what = "empty href" if not href or href == "#" else f"href {href[:60]!r} names no page"
                skipped.append(SkippedLink(href, title, f"malformed link: {what}"))
            return
        try:
            absolute = urljoin(base, href)
            urlsplit(absolute).port  # noqa: B018 -- raises on a bad port
        except ValueError as exc:
            skipped.append(SkippedLink(href, title, f"malformed link: unparsable href ({exc})"))
            return
        absolute = absolute.split("#", 1)[0]
        if not is_article(absolute):
            rest = absolute[len(folder) :] if absolute.startswith(folder) else ""
            if _YEAR_FOLDER_RE.match(rest):
                year_folders.add(rest.split("/", 1)[0])
            elif is_annual_report(title) and report_year(title) is not None:
                problems.append(f"a report row links to {absolute}, which is not an article page")
            return
        if absolute not in best:
            order.append(absolute)
            best[absolute] = (title, truncated, date)
            return
        old_title, old_truncated, old_date = best[absolute]
        if rank(title, truncated) > rank(old_title, old_truncated):
            best[absolute] = (title, truncated, old_date or date)
        elif old_date is None and date is not None:
            best[absolute] = (old_title, old_truncated, date)

    def add_links(page: Selector) -> None:
        # A row opened by a script (<a href="javascript:;" onclick="window.open('…')">, <li onclick=…>) is read
        # by the article URL its script names; an anchor that names none stays a malformed link (add()).
        read_rows = set()  # the rows read by the page their script opens
        for clicked in page.xpath(_CLICKED_ROWS):
            row_text = _text(clicked)
            if len(normalise(row_text)) <= _ROW_TEXT and (target := _scripted_target(_opens(clicked), base)):
                add(target, *split_title(_row_text_title(clicked)), parse_date(row_text))
                read_rows.add(clicked.root)
        for a in page.css("a[href], a[onclick]"):
            href = a.attrib.get("href", "")
            if read_rows and not _names_article(href, base):
                if any(row.root in read_rows for row in a.xpath("ancestor::*[position() <= 3]")):
                    continue  # a download or 查看 link inside a row read by the page its script opens
            text = " ".join(a.css("::text").getall())
            # Titles are often cut with "…" in the link text; the title attribute keeps them whole.
            title, truncated = row_title(a.attrib.get("title"), text)
            row = _row_of(a)
            context = " ".join((row or a.xpath("./parent::*")).xpath(".//text()").getall())
            rest = context.replace(text, " ") if text.strip() else context  # the row besides the link
            if _says_little(title):
                # The rest of the row, unless another link in it has a text (an icon beside its title link).
                alone = row is not None and not normalise(" ".join(row.css("a ::text").getall()).replace(text, " "))
                if alone and normalise(others := _DATED_RE.sub(" ", rest)):
                    # <td>title</td><td>date</td><td><a>查看</a></td>: the title is the rest of the row.
                    title, truncated = split_title(others)
                else:
                    truncated = True  # a link that names nothing: its page must tell
            if href.strip() in ("", "#") or href.strip().lower().startswith("javascript:"):
                # The anchor's own script, else the row's around it (<li onclick="window.open('…')"><a href="#">).
                rows = a.xpath("ancestor::*[position() <= 3][@onclick or @data-url or @data-href]")
                href = _scripted_target(" ".join([href, _opens(a), *map(_opens, rows)]), base) or href
            add(href, title, truncated, parse_date(rest))

    add_links(sel)
    for script in sel.xpath("//script/text()").getall():
        if written := _written_html(script):
            add_links(Selector(text=written, base_url=url))
        for href, title in (*_script_rows(script), *_json_rows(script), *_array_rows(script)):
            add(href, *split_title(title), None)

    rows = tuple(ListRow(u, best[u][0], best[u][2], best[u][1]) for u in order)
    page_ext = urlsplit(url).path.rsplit(".", 1)[-1] if "." in urlsplit(url).path.rsplit("/", 1)[-1] else default_ext
    total, current, name, ext, pager, next_url = 1, 0, "index", page_ext, "none", None
    scripted: str | None = None  # a 下一页 that runs a script
    live = _COMMENT_RE.sub("", html)  # a pager call left in an HTML comment pages nothing
    visible = " ".join(sel.xpath(_VISIBLE_TEXT).getall())
    pages_text = PAGES_TEXT_RE.search(visible)
    calls = PAGER_CALL_RE.findall(live)
    readings = [(call, found) for call, raw in calls if (found := _read_pager(call, raw))]
    if readings:
        pager, (total, current, name, ext) = readings[0]
        if len({found[0] for _, found in readings}) > 1:  # a sidebar's pager beside the list's
            problems.append(f"pagers that disagree: {', '.join(f'{c} of {f[0]} pages' for c, f in readings)}")
    elif calls:
        problems.append(f"unrecognised pager {calls[0][0]}({calls[0][1][:60]})")
    elif match := COUNT_PAGE_RE.search(live):
        total, pager = max(int(match[1]), 1), "countPage"
        if cur := CURRENT_PAGE_RE.search(live):
            current = int(cur[1])
    elif (next_link := _next_link(sel, url, base)) is not None:
        scripted = next_link if next_link.startswith("javascript:") else None
        pager, next_url = "next-link", None if scripted else next_link or None
    elif pages_text:
        total, pager = max(int(pages_text[1]), 1), "pages-text"
    elif laypage := _laypage_problem(live):
        problems.append(laypage)
    elif hint := _pager_hint(sel, url):
        problems.append(f"unrecognised pager ({hint})")
    if pager == "next-link":
        current = _page_number(url)
        total = current + 2 if next_url else current + 1
        if pages_text and int(pages_text[1]) > total:  # 共3页 with a 下一页 that is a script call
            problems.append(f"the page says {pages_text[0]} but its 下一页 link leads to no page")
        elif scripted:  # 下一页 runs a script: it leads somewhere, this parser cannot tell where
            problems.append(f"unrecognised pager (下一页 runs a script: {scripted[:60]})")
    text = normalise(visible)
    empty_marker = any(marker in text for marker in EMPTY_MARKERS)
    if (undecoded := html.count("\ufffd")) >= MOJIBAKE_LIMIT:
        problems.append(f"{undecoded} undecodable characters (U+FFFD): the page's charset was not read right")
    title = " ".join(sel.xpath("//title/text()").getall())
    said = None if empty_marker else error_page(title, " ".join(visible.split()))
    scripts = sel.xpath("//script/text()").getall()
    if unread := _unread_script_articles(scripts, order):
        if rows:  # beside rows it did read (a sidebar, a first few): the list may be the script's
            problems.append(f"a script names article pages this parser did not read as rows ({unread})")
    if empty_marker and (loads := next((m[0] for js in scripts if (m := _LOADS_RE.search(js))), None)):
        problems.append(f"the page says it has no content but a script loads content ({loads.strip()}…)")
    if not html_ends(html):
        problems.append("the page ends before </html>: it was cut short, rows and pager after the cut unread")
    empty = None
    if not rows and year_folders:
        empty = f"the page links year sub-folders ({', '.join(sorted(year_folders))}) instead of rows"
    elif not rows and unread:
        empty = "a script names article pages this parser did not read as rows"
    elif not rows and not empty_marker and not skipped:
        empty = "no rows and no 'no content' marker"
    return Listing(rows, max(total, 1), current, name, ext, pager, next_url, empty_marker, tuple(problems),
                   tuple(skipped), empty, said)  # fmt: skip


def _unread_script_articles(scripts: list[str], read: list[str]) -> str:
    """The article pages scripts name that are not among the rows read, as a short list ("" when none). Only
    scripts that speak of reports count beside rows: a news carousel's articles are not the column's."""
    names = {url.rsplit("/", 1)[-1] for url in read}
    unread: dict[str, None] = {}
    for script in scripts:
        found = [m[0] for m in SCRIPT_ARTICLE_RE.finditer(script) if m[0] not in names]
        if found and (not read or "报告" in _unescape_js(script)):
            unread.update(dict.fromkeys(found))
    return ", ".join(list(unread)[:3]) + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")


def _page_number(url: str) -> int:
    match = re.search(r"_(\d+)\.\w+$", urlsplit(url).path)
    return int(match[1]) if match else 0


def _next_link(sel: Selector, url: str, base: str) -> str | None:
    """The 下一页 link of a page whose pager is only that link; "" when the link is there but leads
    nowhere (the last page), None when there is no such link."""
    for a in sel.css("a"):
        # An image button says 下一页 in its alt text.
        said = (
            " ".join(a.css("::text").getall())
            or a.attrib.get("title", "")
            or " ".join(a.css("img::attr(alt)").getall())
        )
        text = normalise(said)
        if text not in NEXT_TEXTS:
            continue
        href = (a.attrib.get("href") or "").strip()
        onclick = (a.attrib.get("onclick") or "").strip()
        onclick = "" if _INERT_CLICK_RE.match(onclick) else onclick
        if href.lower().startswith("javascript:") and (onclick or not _INERT_SCRIPT_RE.match(href)):
            return f"javascript: {onclick}" if onclick else href  # a script pager: see parse_listing
        if onclick and (not href or href == "#"):
            return f"javascript: {onclick}"
        if not href or href == "#" or href.lower().startswith(_NON_PAGE_SCHEMES):
            return ""
        try:
            target = urljoin(base, href)
        except ValueError:
            return ""
        return "" if target == url else target
    # A 下一页 that is no link: a button (<input type=button value=下一页>, <button>) or an element a script runs
    # (<span onclick="location.href='index_1.shtml'">). The page it names, when it names one, else a script pager.
    for element in sel.xpath(_CLICKABLE_NEXT):
        if normalise(element.attrib.get("value") or _text(element)) not in NEXT_TEXTS:
            continue
        onclick = (element.attrib.get("onclick") or "").strip()
        if not onclick or _INERT_CLICK_RE.match(onclick):
            return ""  # a disabled button on the last page
        return _scripted_page(onclick, base, url) or f"javascript: {onclick}"
    # 下一页 written as plain text: the pager's last page.
    if sel.xpath("//body//*[not(self::script)]/text()[normalize-space(.)='下一页' or normalize-space(.)='下页']"):
        return ""
    return None


_CLICKABLE_NEXT = "//body//*[self::input or self::button or (@onclick and not(self::a) and not(self::script))]"


def _scripted_page(script: str, base: str, url: str) -> str | None:
    """The one list page of the column a pager's script opens (location.href='index_1.shtml'), else None."""
    folder = url.rsplit("/", 1)[0] + "/"

    def sibling(target: str) -> bool:
        return target != url and target.startswith(folder) and bool(_SIBLING_PAGE_RE.fullmatch(target[len(folder) :]))

    return _only({target for value in _js_strings(script) if (target := _resolve(base, value)) and sibling(target)})


def _laypage_problem(script: str) -> str | None:
    """Why a layui laypage pager leaves the page count unread, or None without one (or when it says one page:
    count <= limit, nothing to page)."""
    if not (match := _LAYPAGE_RE.search(script)):
        return None
    count, limit = _LAYPAGE_COUNT_RE.search(match[1]), _LAYPAGE_LIMIT_RE.search(match[1])
    if count and int(count[1]) == 0:
        return None
    per_page = int(limit[1]) if limit else 10  # laypage's default limit
    if count and per_page > 0 and int(count[1]) <= per_page:
        return None
    return f"unrecognised pager laypage.render({match[1][:60].strip().rstrip('}').strip()})"


def _pager_hint(sel: Selector, url: str) -> str | None:
    """What looks like a pager on a page where none was recognised."""
    for script in sel.xpath("//script/text()").getall():
        for match in _PAGERISH_CALL_RE.finditer(script):
            if match[1] not in _NOT_PAGERS:
                return f"script calls {match[1]}()"
    text = normalise(" ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall()))
    text += normalise(" ".join(sel.css("img::attr(alt)").getall()))  # image buttons: 下一页, 尾页
    text += normalise(" ".join(sel.css("input::attr(value)").getall()))  # <input type=button value=下一页>
    for word in _PAGERISH_TEXTS:
        if word in text:
            return f"the page shows {word}"
    # Numbered page links (2 3 »): a sibling page of the column, index_1.html, is linked.
    folder = url.rsplit("/", 1)[0] + "/"
    for href in sel.css("a::attr(href)").getall():
        try:
            target = urljoin(url, href.strip())
        except ValueError:
            continue
        if target.startswith(folder) and _SIBLING_PAGE_RE.fullmatch(target[len(folder) :]) and target != url:
            return f"links {target[len(folder) :]}"
    return None
