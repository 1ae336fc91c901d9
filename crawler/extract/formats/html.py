"""HTML report pages: the body of a TRS detail page (``div.TRS_Editor`` / ``div.trs_editor_view``, else
``<body>``), prose as lines and tables read from the DOM with their row and column spans."""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from crawler.extract.formats.encoding import declared_charset, decode
from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.grid import MAX_GRID_CELLS, Span, layout
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


def read_html(data: bytes, *, content_type: str | None = None, max_cells: int = MAX_GRID_CELLS) -> str:
    # Counted in the raw bytes before any parsing: the DOM of a 45 MB table alone outgrows the worker's
    # memory limit (issue 12). A real report page has a few hundred cells.
    cells = sum(1 for _ in _CELL_TAG.finditer(data))
    if cells > max_cells:
        raise ReadError("grid_limit", f"{cells} table cells in the page, limit {max_cells}")
    html = decode(data, declared_charset(data, content_type))
    # As HTML even when it opens with <?xml …?> (LibreOffice's XHTML export): parsel would parse that as
    # namespaced XML, in which no CSS or XPath below finds a body or a row.
    selector = Selector(text=html, type="html")
    body = next((found[0] for css in BODY_SELECTORS if (found := selector.css(css))), None)
    root = body if body is not None else (selector.css("body") or [selector])[0]
    lines = _Lines()
    _walk(root.root, lines)
    text_lines = lines.done()
    text_lines = _with_title(selector, text_lines) if body is not None else _from_title(selector, text_lines)
    text = "\n".join(text_lines)
    if not any(word in text for word in _REPORT_WORDS):
        title = " ".join(selector.css("title::text").getall())
        if _ERROR_WORDS.search(title) or _ERROR_WORDS.search(text[:500]):
            raise ReadError("html_error_page", f"an error page, not a report: {(title or text[:80]).strip()!r}")
    return text


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


def _walk(element: etree._Element, out: _Lines) -> None:
    if not isinstance(element.tag, str):  # a comment or processing instruction: only its tail is text
        out.add(element.tail)
        return
    tag = element.tag.split("}")[-1].lower()
    if tag in _SKIP:
        out.add(element.tail)
        return
    if tag == "table" and not _is_layout(element):
        out.end()
        out.lines.extend(line for line in tsv_text(_table_rows(element)) if line.strip("\t"))
        out.add(element.tail)
        return
    block = tag in _BLOCK
    if block:
        out.end()
    out.add(element.text)
    for child in element:
        _walk(child, out)
    if block:
        out.end()
    out.add(element.tail)


_OWN_ROWS = "./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"  # a table's rows, not those of a table in a cell
_OWN_CELLS = " | ".join(f"{rows}/{cell}" for rows in _OWN_ROWS.split(" | ") for cell in ("td", "th"))
# A statutory section heading in a cell's text (its key words, docs/report-format.md §3.5): 一、总体情况, 四、…行政复议…
_SECTION_HEADING = re.compile(
    r"[一二三四五六]、\s*[^、\s]{0,16}?"
    r"(总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况|行政复议|存在的主要问题|其他需要报告的事项)"
)


def _is_layout(table: etree._Element) -> bool:
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
    own = len(table.xpath(_OWN_CELLS))
    if any(len(nested.xpath(_OWN_CELLS)) > own for nested in table.iterdescendants("table")):
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
    parts = [text for text in _texts(cell, None) if text]
    return _SPACES.sub(" ", " ".join(part.strip("\r\n") for part in parts)).strip()


# <sup>1</sup> after a count: a footnote mark (crawler/extract/text.py SUPERSCRIPT), not a digit.
_RAISED = {"sup": SUPERSCRIPT, "sub": SUBSCRIPT}


def _texts(element: etree._Element, raised: dict[int, int] | None) -> list[str | None]:
    """``element.itertext()``, with the digits inside <sup> and <sub> made superscript or subscript."""
    if not isinstance(element.tag, str):
        return []
    raised = _RAISED.get(element.tag.split("}")[-1].lower(), raised)
    parts = [element.text.translate(raised) if raised and element.text else element.text]
    for child in element:
        parts += _texts(child, raised)
        parts.append(child.tail.translate(raised) if raised and child.tail else child.tail)
    return parts


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
