"""TRS column (list) pages: the rows they link to and how many pages the column has."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector

from crawler.parsers.urls import is_article, make_date

# createPageHTML(total, current, "index", "html") and its variants:
#   createPageHTML(89, 1,"index", "shtml", "black2",621)   (Hubei provincial TRS sites)
#   createPageHTML('page_div',5, 1,'fg','shtml',89)         (container id first)
PAGER_RE = re.compile(
    r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]"
)
COUNT_PAGE_RE = re.compile(r"var\s+countPage\s*=\s*(\d+)")
# Rows written by inline script instead of <li><a>: var url = "./2026/…"; var title = "…";
JS_ROW_RE = re.compile(r"var\s+url\s*=\s*['\"]([^'\"]+)['\"]\s*;\s*var\s+title\s*=\s*['\"]([^'\"]*)['\"]")
DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


@dataclass(frozen=True)
class ListRow:
    url: str  # absolute canonical URL
    title: str
    list_date: dt.date | None


@dataclass(frozen=True)
class Listing:
    rows: tuple[ListRow, ...]
    total_pages: int  # 1 when the page has no pager
    current_page: int  # 0-based
    page_name: str  # "index"
    ext: str  # "html" / "shtml"

    def page_url(self, base: str, n: int) -> str:
        """URL of 0-based page ``n`` of the column whose folder URL is ``base``."""
        name = self.page_name if n == 0 else f"{self.page_name}_{n}"
        return base.rstrip("/") + f"/{name}.{self.ext}"


def parse_date(text: str) -> dt.date | None:
    match = DATE_RE.search(text)
    return make_date(match[1], match[2], match[3]) if match else None


def parse_listing(html: str, url: str, default_ext: str = "html") -> Listing:
    """Every article row of a column page, in page order, and the pager state."""
    sel = Selector(text=html, base_url=url)
    rows: list[ListRow] = []
    seen: set[str] = set()

    def add(href: str, title: str, context: str) -> None:
        absolute = urljoin(url, href.strip())
        if not is_article(absolute) or absolute in seen:
            return
        seen.add(absolute)
        rows.append(ListRow(absolute, " ".join(title.split()), parse_date(context)))

    for a in sel.css("a[href]"):
        href = a.attrib["href"]
        # Titles are often cut with "…" in the link text; the title attribute keeps them whole.
        title = a.attrib.get("title") or " ".join(a.css("::text").getall())
        parent_text = " ".join(a.xpath("./parent::*//text()").getall())
        add(href, title, parent_text)
    for href, title in JS_ROW_RE.findall(html):
        add(href, title, "")

    total, current, name, ext = 1, 0, "index", default_ext
    if match := PAGER_RE.search(html):
        total, current, name, ext = int(match[1]), int(match[2]), match[3], match[4]
    elif match := COUNT_PAGE_RE.search(html):
        total = int(match[1])
    return Listing(tuple(rows), max(total, 1), current, name, ext)
