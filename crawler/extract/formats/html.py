"""HTML report pages: the body of a TRS detail page (``div.TRS_Editor`` / ``div.trs_editor_view``, else
``<body>``), prose as lines and tables read from the DOM with their row and column spans."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from parsel import Selector

from crawler.extract.formats.encoding import as_utf8, declared_charset, decode
from crawler.extract.formats.errors import UNREAD, ReadError
from crawler.extract.formats.grid import MAX_GRID_CELLS, Span, layout
from crawler.extract.formats.sniff import cut_short
from crawler.extract.text import SUBSCRIPT, SUPERSCRIPT, tsv_text

BODY_SELECTORS = ("div.TRS_Editor", "div.trs_editor_view", "div.TRS_UEDITOR")
_SKIP = {"script", "style", "noscript", "head", "title", "template", "iframe", "object", "select", "button"}
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "center",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "hr",
    "form",
    "address",
    "caption",
    "tr",
    "td",  # only walked inside a layout table (_is_layout): each of its cells is a block of its own
    "th",
}
_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")
_ERROR_WORDS = re.compile(
    r"404|403|500|not\s*found|forbidden|页面不存在|无法访问|出错|错误|访问受限|已删除|找不到", re.I
)
_REPORT_WORDS = ("政府信息公开", "年度报告", "主动公开")


_CELL_TAG = re.compile(rb"<t[dh][\s>/]", re.I)


def read_html(
    data: bytes,
    *,
    content_type: str | None = None,
    max_cells: int = MAX_GRID_CELLS,
    warnings: list[str] | None = None,
) -> str:
    """The page's text; what the page leaves unread is added to ``warnings`` (``not read: …``)."""
    # A page saved as UTF-16 ("Unicode") as UTF-8: its cells can be counted in bytes, and decode() then reads
    # it as UTF-8 whatever it declares (charset=unicode, or the charset it had before Notepad saved it).
    if (cut := cut_short(data)) and warnings is not None:
        warnings.append(f"{UNREAD}what followed the cut ({cut})")
    data = as_utf8(data)
    # Counted in the raw bytes before any parsing: the DOM of a 45 MB table alone outgrows the worker's
    # memory limit (issue 12). A real report page has a few hundred cells.
    cells = sum(1 for _ in _CELL_TAG.finditer(data))
    if cells > max_cells:
        raise ReadError("grid_limit", f"{cells} table cells in the page, limit {max_cells}")
    html = decode(data, declared_charset(data, content_type))
    selector, stopped = _parse(html)
    if stopped is not None and warnings is not None:
        warnings.append(stopped)
    body = next((found[0] for css in BODY_SELECTORS if (found := selector.css(css))), None)
    root = body if body is not None else (selector.css("body") or [selector])[0]
    lines = _Lines()
    _walk(root.root, lines)
    text_lines = lines.done()
    text_lines = _with_title(selector, text_lines) if body is not None else _from_title(selector, text_lines)
    text = "\n".join(text_lines)
    if said := error_page(" ".join(selector.css("title::text").getall()), text):
        raise ReadError("html_error_page", f"an error page, not a report: {said!r}")
    return text


def error_page(title: str, text: str) -> str | None:
    """What an HTML page says of itself when it is an error page (a soft 404 "页面不存在" served with HTTP 200,
    a 403/500 template), else None. The one rule, shared by report pages and list pages
    (crawler/parsers/listing.py): a page that speaks of reports or disclosure is never one."""
    if any(word in text for word in _REPORT_WORDS):
        return None
    if _ERROR_WORDS.search(title) or _ERROR_WORDS.search(text[:500]):
        return title.strip() or text[:80].strip() or "an error page"
    return None


# libxml2's message when its depth limit halts it (huge_tree lifts its other limits on HTML).
_DEPTH_LIMIT = re.compile(r"Excessive depth in document: (\d+)")


def _parse(html: str) -> tuple[Selector, str | None]:
    """The page's DOM as parsel builds it from text (lxml's HTML parser, recovering, ``huge_tree``), and
    the ``not read`` warning when the parser stopped before the end of the page.

    libxml2 stops at elements nested 2048 deep (the limit with huge_tree; 1000 tables nested in each
    other's cells are 3000 levels) and drops the rest of the page without an exception: only its error
    log says so. Parsed here rather than by ``Selector(text=…)`` to read that log.

    As HTML even when it opens with <?xml …?> (LibreOffice's XHTML export): parsel would parse that as
    namespaced XML, in which no CSS or XPath finds a body or a row."""
    parser = lxml.html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(html.strip().replace("\x00", "").encode("utf-8") or b"<html/>", parser=parser)
    if root is None:  # nothing but a comment or a doctype
        root = etree.fromstring(b"<html/>", parser=parser)
    halt = next((error for error in parser.error_log if error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT), None)
    stopped = None
    if halt is not None:
        depth = _DEPTH_LIMIT.search(halt.message)
        where = f"elements nested {depth[1]} deep" if depth else "where the HTML parser stopped"
        stopped = f"{UNREAD}the page after {where} (the HTML parser's limit: {halt.message.split(',')[0]})"
    return Selector(root=root, type="html"), stopped


class _Lines:
    """Accumulates inline text into lines; block boundaries end the current line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self.current.append(text)

    def end(self) -> None:
        line = _SPACES.sub(" ", "".join(self.current).replace("\n", " ")).strip()
        if line:
            self.lines.append(line)
        self.current = []

    def done(self) -> list[str]:
        self.end()
        return self.lines


def _walk(root: etree._Element, out: _Lines) -> None:
    """The page's lines from ``root`` down, in document order. Iterative: elements nested two thousand
    deep (hostile pages, unclosed tags) would pass Python's recursion limit."""
    counts = _cell_counts(root)
    pending: list[tuple[etree._Element, bool]] = [(root, False)]  # (element, its children already walked)
    while pending:
        element, walked = pending.pop()
        if walked:
            if _name(element) in _BLOCK:
                out.end()
            out.add(element.tail)
            continue
        if not isinstance(element.tag, str):  # a comment or processing instruction: only its tail is text
            out.add(element.tail)
            continue
        tag = _name(element)
        if tag in _SKIP:
            out.add(element.tail)
            continue
        if tag == "table" and not _is_layout(element, counts):
            out.end()
            out.lines.extend(line for line in tsv_text(_table_rows(element)) if line.strip("\t"))
            out.add(element.tail)
            continue
        if tag in _BLOCK:
            out.end()
        out.add(element.text)
        pending.append((element, True))
        pending.extend((child, False) for child in reversed(element))


def _name(element: etree._Element) -> str:
    """The tag's local name in lower case (XHTML's are namespaced); "" for a comment or instruction."""
    return element.tag.split("}")[-1].lower() if isinstance(element.tag, str) else ""


_OWN_ROWS = "./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"  # a table's rows, not those of a table in a cell
_OWN_CELLS = " | ".join(f"{rows}/{cell}" for rows in _OWN_ROWS.split(" | ") for cell in ("td", "th"))
# A statutory section heading in a cell's text (its key words, docs/report-format.md §3.5): 一、总体情况, 四、…行政复议…
_SECTION_HEADING = re.compile(
    r"[一二三四五六]、\s*[^、\s]{0,16}?"
    r"(总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况|行政复议|存在的主要问题|其他需要报告的事项)"
)


def _cell_counts(root: etree._Element) -> dict[etree._Element, tuple[int, int]]:
    """Each table under ``root``: its own cells, and the most own cells of a table nested in it (0: none).

    One pass from the innermost tables out, each table's cells counted once: asked of each wrapper in
    turn, a page of wrappers nested hundreds deep (the HTML parser keeps up to 682 tables inside each
    other) would count every table inside each wrapper again, a quadratic cost."""
    counts: dict[etree._Element, tuple[int, int]] = {}
    for table in reversed(list(root.iter("table"))):  # the tables inside a table come after it
        own, nested = len(table.xpath(_OWN_CELLS)), counts.get(table, (0, 0))[1]
        counts[table] = (own, nested)
        outer = next(table.iterancestors("table"), None)
        if outer is not None:
            counts[outer] = (0, max(counts.get(outer, (0, 0))[1], own, nested))
    return counts


def _is_layout(table: etree._Element, counts: dict[etree._Element, tuple[int, int]]) -> bool:
    """Whether ``table`` lays out a page (its cells are blocks of prose and tables), not data.

    Old CMS templates and Word pages pasted into old editors wrap the whole article in a table, often
    several deep and with a side column; read as data, the whole report would become a few tab-joined
    lines. Two kinds of evidence, both absent from a statutory table:

    * it holds a table with more cells than it has itself: a wrapper of one to a few cells around the
      report's tables. A data table whose cell holds a small table of its own (a split header) keeps
      that table inside the cell;
    * one of its cells holds two or more statutory section headings (一、总体情况 … 六、其他需要报告的事项):
      the report's prose. A data cell holds a label or a number; a table may carry one section heading
      as a caption row, never two in one cell.
    """
    own, nested = counts[table]  # (:func:`_cell_counts`)
    if nested > own:
        return True
    return any(len(set(_SECTION_HEADING.findall(_text_head(cell)))) >= 2 for cell in table.xpath(_OWN_CELLS))


# How much of a cell's text is searched for section headings: a report's first two come within a few
# thousand characters. The bound keeps wrappers nested many deep around a huge page from each reading it all.
_HEADING_SCAN = 100_000


def _text_head(cell: etree._Element) -> str:
    parts, size = [], 0
    for part in cell.itertext():
        parts.append(part)
        size += len(part)
        if size >= _HEADING_SCAN:
            break
    return "".join(parts)


def _table_rows(table: etree._Element) -> list[list[str]]:
    rows = []
    for tr in table.xpath(_OWN_ROWS):
        spans = [
            Span(_cell_text(td), _int(td.get("rowspan")), _int(td.get("colspan"))) for td in tr.xpath("./td | ./th")
        ]
        rows.append(spans)
    return layout(rows)


def _cell_text(cell: etree._Element) -> str:
    # Paragraphs and line breaks inside a cell are soft: 「社会公益<br>组织」 is one label.
    parts = [text for text in _texts(cell) if text]
    return _SPACES.sub(" ", " ".join(part.strip("\r\n") for part in parts)).strip()


# <sup>1</sup> after a count: a footnote mark (crawler/extract/text.py SUPERSCRIPT), not a digit.
_RAISED = {"sup": SUPERSCRIPT, "sub": SUBSCRIPT}


def _texts(cell: etree._Element) -> list[str | None]:
    """``cell.itertext()``, with the digits inside <sup> and <sub> made superscript or subscript.
    Iterative, as :func:`_walk` is: a cell may hold elements nested two thousand deep."""
    parts: list[str | None] = []
    # (element, the raising of the element it is in, whether its tail is due rather than the element)
    pending: list[tuple[etree._Element, dict[int, int] | None, bool]] = [(cell, None, False)]
    while pending:
        element, raised, tail = pending.pop()
        if tail:
            parts.append(_raise(element.tail, raised))
            continue
        if not isinstance(element.tag, str):
            continue
        raised = _RAISED.get(_name(element), raised)
        parts.append(_raise(element.text, raised))
        for child in reversed(element):  # popped in order: each child, its descendants, then its tail
            pending.append((child, raised, True))
            pending.append((child, raised, False))
    return parts


def _raise(text: str | None, raised: dict[int, int] | None) -> str | None:
    return text.translate(raised) if raised and text else text


def _int(value: str | None) -> int:
    try:
        return int(str(value).strip()) if value else 1
    except ValueError:
        return 1


def _with_title(selector: Selector, lines: list[str]) -> list[str]:
    """A TRS body often starts below the page's own title: put the title first when the body lacks it."""
    if any("年度报告" in line for line in lines[:2]):
        return lines
    title = _page_title(selector)
    return [title, *lines] if title else lines


def _from_title(selector: Selector, lines: list[str]) -> list[str]:
    """A page without a known article body is read whole, its banner, menus and breadcrumbs first (an old
    CMS template laid out by tables): start at the page's own title when it stands as a line of its own
    ahead of the report's section headings, so that the title read is the report's, not the menu's."""
    title = _page_title(selector)
    if title is None:
        return lines
    squashed = title.replace(" ", "")
    for n, line in enumerate(lines):
        if line.replace(" ", "") == squashed:
            return lines[n:] if any(_SECTION_HEADING.search(after) for after in lines[n + 1 :]) else lines
    return lines


def _page_title(selector: Selector) -> str | None:
    """The report's title as the page names it (ArticleTitle meta, a heading, <title>), up to 年度报告."""
    candidates = [
        *selector.xpath("//meta[@name='ArticleTitle']/@content").getall(),
        *(" ".join(h.css("::text").getall()) for h in selector.css("h1, h2, .title, .article-title")),
        " ".join(selector.css("title::text").getall()),
    ]
    for found in candidates:
        candidate = _SPACES.sub(" ", found).strip()
        if "年度报告" in candidate and "\t" not in candidate:
            return candidate[: candidate.index("年度报告") + 4]
    return None
