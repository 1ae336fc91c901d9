"""TRS detail (article) pages: title, publisher, index number, on-page date and attachments.

One parser serves every host: the metadata blocks differ (名称/发布机构/索引号/公开日期 on 武昌,
发布时间/更新时间 on 硚口, 日期 on 洪山, a bare ``• date • 来源:`` line on 东湖高新…) but they are all
"label: value" pairs among the page's text nodes, so the parser reads labels, not positions.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from lxml import etree
from parsel import Selector

from crawler.extract.deadline import DOC_DATE_LABELS, UPDATE_LABEL
from crawler.parsers.listing import PAGER_CALL_RE, _read_pager, parse_date
from crawler.parsers.urls import ARTICLE_RE, DOCUMENT_EXTENSIONS, document_base, document_kind, url_date

# On-page publication date labels, most authoritative first (docs/portals.md §2): 公开日期 is what the
# office declares; 更新时间 (UPDATE_LABEL) moves when a page is edited, so it is the last resort, and an
# update time later than the URL date is an edit, never the publication date (see parse_detail).
DATE_LABELS = ("公开日期", "发布日期", "发布时间", "日期", UPDATE_LABEL)
# The document's own dates (DOC_DATE_LABELS: 发文日期 in 江汉's table, 成文日期 in the wuhan.gov.cn block) say
# when the document was made, not when the page went online: a proxy like a signing date
# (docs/report-format.md §5.4), kept as ``Detail.doc_date``, never the page date. The deadline rule
# (crawler/extract/deadline.py) owns what each label means.
# 字号 (font size control) and 有效性 are not metadata we keep, but they end the value before them.
LABELS = (
    "名称", "标题", "发布机构", "发文机构", "来源", "发布单位", "索引号", "文号", "字号", "有效性",
    *DATE_LABELS, *DOC_DATE_LABELS,
)  # fmt: skip
# The bare label 日期 is the end of many longer labels (成文日期, 印发日期, 生效日期…): it is a label only
# where no other Chinese character comes right before it.
_ANCHORED = {"日期": r"(?<![\u3400-\u9fff])"}
_LABEL_ALT = "|".join(_ANCHORED.get(label, "") + r"\s*".join(label) for label in sorted(LABELS, key=len, reverse=True))
# "label:" anywhere in a text node (several may share one node: "更新时间:… 发布时间: | 来源:…").
_LABEL_COLON_RE = re.compile(rf"({_LABEL_ALT})\s*[:：]")
# A node that is only a label (table cells without colons, as on 江汉's 政府信息公开 table).
_LABEL_ONLY_RE = re.compile(rf"^({_LABEL_ALT})$")
_SEPARATORS = " |•·\t"
_BULLET_DATE_RE = re.compile(r"^[•·]\s*(\d{4}-\d{1,2}-\d{1,2})")
# div#zoom: the body of Hanweb (大汉) article pages.
BODY_SELECTORS = (
    "div.TRS_Editor", "div.trs_editor_view", "div.TRS_UEDITOR", "div.article-content", "div.view", "div#zoom",
)  # fmt: skip
# A label cell whose value sits in the next cell (武昌's 政府信息公开 table: <td>公开日期:</td><td>…</td>).
_CELLS = ("td", "th", "dt", "dd", "label", "span", "b", "strong", "em", "font", "i")
# Cells whose next sibling is a whole value: a label alone in one of them reads that cell, even empty.
_VALUE_CELLS = ("td", "th", "dt", "dd")
# Download servlets name the file in a query parameter (DownloadServlet?filePath=/…/x.pdf) or only in the
# link text (/down?id=123 → "报告.pdf"): their path says "download" in some form.
_SERVLET_RE = re.compile(r"down|servlet|getfile|attach|fujian|\.do$|\.jsp$|\.action$", re.IGNORECASE)
_NON_PAGE_SCHEMES = ("javascript:", "mailto:", "tel:", "vbscript:", "data:")


@dataclass(frozen=True)
class Attachment:
    url: str
    kind: str
    label: str


@dataclass(frozen=True)
class SkippedAttachment:
    """An attachment link that cannot be followed; the report's other attachments are kept."""

    href: str
    label: str
    reason: str


@dataclass(frozen=True)
class Detail:
    url: str
    title: str | None
    publisher: str | None
    index_no: str | None
    page_date: dt.date | None
    page_date_label: str | None
    url_date: dt.date | None
    attachments: tuple[Attachment, ...]
    has_body: bool  # the report text is inline on the page
    # Where the title was read: a metadata label (名称/标题), ArticleTitle, or the weak fallbacks h1 /
    # <title> (often the site's name: such a title cannot decide that a page is not a report).
    title_source: str | None = None
    more_pages: tuple[str, ...] = ()  # the article's _1, _2… continuation pages, in order
    skipped: tuple[SkippedAttachment, ...] = ()
    # The document's 发文日期 / 成文日期 (DOC_DATE_LABELS): a proxy for the deadline, not the page date.
    doc_date: dt.date | None = None
    doc_date_label: str | None = None
    # The page's 更新时间 whether or not it was taken as the page date (an edit time, see parse_detail).
    updated_date: dt.date | None = None


def _norm(text: str) -> str:
    if text.isspace():  # most text nodes of a page are indentation: NFKC maps white space to white space
        return ""
    return unicodedata.normalize("NFKC", text).replace("\u00a0", " ").strip()


@dataclass(frozen=True)
class _Node:
    text: str
    owner: object  # the element whose .text (or, for a tail, whose parent) this is
    after: object | None  # for a tail: the element it follows


def _text_nodes(sel: Selector) -> list[_Node]:
    """The body's non-empty text nodes in document order, with the element each belongs to."""
    nodes: list[_Node] = []
    body = sel.root.find(".//body") if hasattr(sel.root, "find") else None
    if body is None:
        return nodes

    # Iterative (no recursion): a hostile page nested 100 000 deep must not raise RecursionError.
    hidden = 0  # depth inside <script>/<style>, whose text is not the page's
    for event, el in etree.iterwalk(body, events=("start", "end")):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if event == "end" and el.tail and hidden == 0 and (text := _norm(el.tail)):
                parent = el.getparent()
                nodes.append(_Node(text, parent, el))
            continue
        if event == "start":
            if el.tag in ("script", "style"):
                hidden += 1
            elif hidden == 0 and el.text and (text := _norm(el.text)):
                nodes.append(_Node(text, el, None))
            continue
        if el.tag in ("script", "style"):
            hidden -= 1
        if el is not body and hidden == 0 and el.tail and (text := _norm(el.tail)):
            nodes.append(_Node(text, el.getparent(), el))
    return nodes


def _adjacent(label: _Node, value: _Node) -> bool:
    """May ``value`` be the value of an empty ``label:``? Only when it sits right beside the label's
    own element (the next cell, or the text just after a <b>label:</b>); an empty 发布时间: followed by
    the body text keeps its empty value."""
    if label.after is None:  # the label is an element's own text
        element = label.owner
        if value.after is element:  # <b>发布时间:</b>2024-01-09
            return True
        nxt = element.getnext() if isinstance(element, etree._Element) else None
        if nxt is None or getattr(element, "tag", None) not in _CELLS:
            return False
        owner = value.owner
        while owner is not None:
            if owner is nxt:
                return value.after is None or owner is not value.owner
            owner = owner.getparent() if isinstance(owner, etree._Element) else None
        return False
    after = label.after
    nxt = after.getnext() if isinstance(after, etree._Element) else None
    return nxt is not None and value.owner is nxt and value.after is None


def _cell_value(label: _Node) -> str | None:
    """The value of a label that fills its own table cell: the whole next cell, "" when that cell is
    empty (江汉's 发文日期 cell is, and the node after it is the body); None when the label is not in a
    cell followed by another."""
    cell = label.owner
    wanted = re.sub(r"\s+", "", label.text)
    while isinstance(cell, etree._Element) and re.sub(r"\s+", "", _norm("".join(cell.itertext()))) == wanted:
        if cell.tag in _VALUE_CELLS:
            nxt = cell.getnext()
            if nxt is None or nxt.tag not in _VALUE_CELLS:
                return None
            value = " ".join(_norm(" ".join(nxt.itertext())).split())
            if _LABEL_ONLY_RE.match(value):  # the next cell is the next label: this one has no value
                return ""
            if more := _LABEL_COLON_RE.search(value):  # the value ends where a "label:" begins
                value = value[: more.start()]
            return value.strip(_SEPARATORS)
        cell = cell.getparent()
    return None


def _put(found: dict[str, str], label: str, value: str) -> None:
    """The first non-empty value of a label wins; an empty one only holds its place."""
    if not found.get(label):
        found[label] = value


def _pairs(nodes: list[_Node]) -> dict[str, str]:
    """label → value from the page's text nodes; the first occurrence of a label wins.

    A value is the text after "label:" up to the next label in the same node; a label with nothing
    after it takes the next node as its value when that node sits beside it (see _adjacent) and is
    not itself a label; otherwise its value is empty.
    """
    found: dict[str, str] = {}
    pending: str | None = None
    pending_node: _Node | None = None
    for item in nodes:
        node = item.text
        if pending is not None and pending_node is not None and not _LABEL_ONLY_RE.match(node):
            if not _LABEL_COLON_RE.search(node) and not _adjacent(pending_node, item):
                _put(found, pending, "")
                pending, pending_node = None, None
        matches = list(_LABEL_COLON_RE.finditer(node))
        if not matches:
            if only := _LABEL_ONLY_RE.match(node):
                label = re.sub(r"\s+", "", only[1])
                if (value := _cell_value(item)) is not None:
                    _put(found, label, value)
                    pending, pending_node = None, None
                else:
                    pending, pending_node = label, None
            elif pending is not None:
                _put(found, pending, node.strip(_SEPARATORS))
                pending, pending_node = None, None
            continue
        if pending is not None:
            _put(found, pending, "")
        pending, pending_node = None, None
        for i, match in enumerate(matches):
            label = re.sub(r"\s+", "", match[1])
            stop = matches[i + 1].start() if i + 1 < len(matches) else len(node)
            value = node[match.end() : stop].strip(_SEPARATORS)
            if value:
                _put(found, label, value)
            elif i + 1 == len(matches):
                pending, pending_node = label, item
            else:
                _put(found, label, "")
    return found


def _kind_of(url: str, label: str) -> str | None:
    """The document kind an attachment link names: by its path, by a query value naming a file
    (DownloadServlet?filePath=/…/x.pdf), or, for a download servlet, by the file name in its link text."""
    if kind := document_kind(url):
        return kind
    parts = urlsplit(url)
    for _name, value in parse_qsl(parts.query):
        suffix = PurePosixPath(unquote(value).split("?", 1)[0]).suffix.lower()
        if suffix in DOCUMENT_EXTENSIONS:
            return DOCUMENT_EXTENSIONS[suffix]
    if _SERVLET_RE.search(parts.path):
        suffix = PurePosixPath(label.strip()).suffix.lower()
        return DOCUMENT_EXTENSIONS.get(suffix)
    return None


def _viewer_file(url: str) -> str | None:
    """The document a pdf.js viewer shows: ``…/viewer.html?file=/upload/x.pdf`` → that file's URL."""
    parts = urlsplit(url)
    if not parts.path.lower().endswith(("viewer.html", "viewer.htm", "viewer.jsp")):
        return None
    for name, value in parse_qsl(parts.query):
        if name.lower() == "file" and value:
            return urljoin(url, unquote(value))
    return None


def _links(sel: Selector) -> list[tuple[str, str]]:
    """(href, label) of every place a document can be linked or embedded on a page."""
    found = [
        (a.attrib["href"], _norm(" ".join(a.css("::text").getall()) or a.attrib.get("title", "")))
        for a in sel.css("a[href]")
    ]
    for css, attr in (("iframe", "src"), ("embed", "src"), ("object", "data"), ("source", "src")):
        found += [(el.attrib[attr], _norm(el.attrib.get("title", ""))) for el in sel.css(f"{css}[{attr}]")]
    for param in sel.css("object param"):
        if param.attrib.get("name", "").lower() in ("src", "movie", "filename", "url") and param.attrib.get("value"):
            found.append((param.attrib["value"], ""))
    return found


def _attachments(sel: Selector, url: str) -> tuple[list[Attachment], list[SkippedAttachment]]:
    attachments: list[Attachment] = []
    skipped: list[SkippedAttachment] = []
    seen: set[str] = set()
    base = document_base(sel.xpath("//base/@href").getall(), url)
    for raw, label in _links(sel):
        href = raw.strip()
        if not href or href == "#" or href.lower().startswith(_NON_PAGE_SCHEMES):
            # Only a link that looks like a file is worth a word (menus are full of javascript: links).
            if PurePosixPath(label).suffix.lower() in DOCUMENT_EXTENSIONS:
                skipped.append(
                    SkippedAttachment(href, label, f"malformed attachment link: {href[:60]!r} names no file")
                )
            continue
        try:
            absolute = urljoin(base, href).split("#", 1)[0]
            urlsplit(absolute).port  # noqa: B018 -- raises on a bad port
        except ValueError as exc:
            skipped.append(SkippedAttachment(href, label, f"malformed attachment link: unparsable href ({exc})"))
            continue
        target = _viewer_file(absolute) or absolute
        kind = _kind_of(target, label)
        if kind and target not in seen:
            seen.add(target)
            attachments.append(Attachment(target, kind, label or target.rsplit("/", 1)[-1]))
    return attachments, skipped


def _more_pages(sel: Selector, html: str, url: str) -> tuple[str, ...]:
    """The continuation pages of a TRS article split in parts: t…_ID_1.shtml, t…_ID_2.shtml…, from the
    article's own pager call (its page name is the article's) or from links to them."""
    path = urlsplit(url).path
    if not ARTICLE_RE.search(path):
        return ()
    folder, leaf = url.rsplit("/", 1)
    stem, ext = leaf.rsplit(".", 1)
    numbers: set[int] = set()
    # The regex scan of a whole article costs ~4 ms; most articles have no pager call at all.
    calls = PAGER_CALL_RE.findall(html) if "createPageHTML" in html or "pageControl" in html else []
    for call, raw in calls:
        if (read := _read_pager(call, raw)) and read[2] == stem:
            numbers.update(range(1, min(read[0], 200)))
    part_re = re.compile(rf"{re.escape(stem)}_(\d+)\.{re.escape(ext)}$")
    for href in sel.css("a::attr(href)").getall():
        try:
            absolute = urljoin(url, href.strip())
        except ValueError:
            continue
        if absolute.rsplit("/", 1)[0] == folder and (match := part_re.search(absolute)):
            numbers.add(int(match[1]))
    return tuple(f"{folder}/{stem}_{n}.{ext}" for n in sorted(numbers) if n > 0)


def parse_detail(html: str, url: str) -> Detail:
    sel = Selector(text=html, base_url=url)
    found_nodes = _text_nodes(sel)
    nodes = [n.text for n in found_nodes]
    pairs = _pairs(found_nodes)

    title: str | None = None
    source: str | None = None
    for title_label in ("名称", "标题"):
        if pairs.get(title_label):
            title, source = pairs[title_label], title_label
            break
    if not title and (meta_title := sel.css('meta[name="ArticleTitle"]::attr(content)').get()):
        title, source = meta_title, "ArticleTitle"
    if not title:
        for css, name in (("h1::text", "h1"), (".title::text", "h1"), ("title::text", "title")):
            if (text := sel.css(css).get()) and text.strip():
                title, source = text, name
                break
    title = " ".join(_norm(title).split()) if title else None

    dates = {
        candidate: parsed
        for candidate in (*DATE_LABELS, *DOC_DATE_LABELS)
        if (value := pairs.get(candidate)) and (parsed := parse_date(value))
    }
    made = url_date(url)
    updated = dates.get(UPDATE_LABEL)
    if updated is not None and made is not None and updated > made:
        # The page existed on its URL date (the CMS's creation day, never before the publication date:
        # docs/portals.md §1 item 6), so a later update time is an edit: the page has no publication date
        # of its own, and the deadline is judged by the URL date.
        del dates[UPDATE_LABEL]
    page_date, label = None, None
    for candidate in DATE_LABELS:
        if candidate in dates:
            page_date, label = dates[candidate], candidate
            break
    doc_date, doc_label = next(((dates[c], c) for c in DOC_DATE_LABELS if c in dates), (None, None))
    if page_date is None:
        for node in nodes:
            if match := _BULLET_DATE_RE.match(node):
                page_date, label = parse_date(match[1]), "•"
                break
    if page_date is None and (meta := sel.css('meta[name="PubDate"]::attr(content)').get()):
        page_date, label = parse_date(meta), "PubDate"

    publisher = pairs.get("发布机构") or pairs.get("发文机构") or pairs.get("发布单位") or pairs.get("来源")
    if not publisher and (source_meta := sel.css('meta[name="ContentSource"]::attr(content)').get()):
        publisher = _norm(source_meta)

    attachments, skipped = _attachments(sel, url)
    has_body = any(
        len("".join(sel.css(f"{css} ::text").getall()).strip()) > 200 or sel.css(f"{css} table")
        for css in BODY_SELECTORS
    )
    return Detail(
        url=url,
        title=title or None,
        publisher=publisher or None,
        index_no=(pairs.get("索引号") or None),
        page_date=page_date,
        page_date_label=label,
        url_date=made,
        attachments=tuple(attachments),
        has_body=bool(has_body),
        title_source=source if title else None,
        more_pages=_more_pages(sel, html, url),
        skipped=tuple(skipped),
        doc_date=doc_date,
        doc_date_label=doc_label,
        updated_date=updated,
    )
