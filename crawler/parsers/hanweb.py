"""Hanweb (大汉) JCMS column pages and their ``dataproxy.jsp`` pages: the rows of the embedded list.

A Hanweb column page (``/col/col{colid}/index.html``) carries its first records inside a
``<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li><a href=…>…]]></record>…`` block,
invisible to an HTML parser (CDATA), with ``<totalrecord>`` and the ``dataproxy.jsp`` query that
serves the next records (``startrecord``/``endrecord``/``perpage`` and the site's ``webid``,
``columnid``, ``unitid``…). ``dataproxy.jsp`` answers the same XML. Article URLs come in the classic
``/art/{Y}/{M}/{D}/art_{colid}_{docid}.html`` form and the newer ``…/art/{Y}/art_{uuid32}.html`` form.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector

from crawler.parsers.listing import ListRow, parse_date
from crawler.parsers.row_title import row_title
from crawler.parsers.urls import is_article

_DATASTORE_RE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_PROXY_RE = re.compile(r"dataproxy\.jsp\?([^\"'<>\s\]]+)", re.I)
_PERPAGE_RE = re.compile(r"\bperpage\s*[:=]\s*['\"]?(\d+)", re.I)
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
# Records asked per dataproxy call: the JPage script's group of three pages.
PAGES_PER_GROUP = 3


@dataclass(frozen=True)
class HanwebListing:
    rows: tuple[ListRow, ...]
    records: int  # records on this page (rows may be fewer: non-article links)
    total_records: int | None  # <totalrecord>, None when the page does not say
    per_page: int
    query: tuple[tuple[str, str], ...]  # the dataproxy parameters the page names (webid, columnid, …)
    problems: tuple[str, ...] = ()

    def next_url(self, page_url: str, start: int) -> str | None:
        """The dataproxy URL of the records from ``start`` (1-based), or None when none are left."""
        if self.total_records is None or start > self.total_records or not self.query:
            return None
        end = min(start + self.per_page * PAGES_PER_GROUP - 1, self.total_records)
        drop = {"startrecord", "endrecord", "perpage"}
        params = [("startrecord", str(start)), ("endrecord", str(end)), ("perpage", str(self.per_page))]
        params += [(k, v) for k, v in self.query if k not in drop]
        parts = urlsplit(page_url)
        return f"{parts.scheme}://{parts.netloc}{PROXY_PATH}?{urlencode(params)}"


def _row(record: str, url: str) -> ListRow | None:
    sel = Selector(text=record)
    a = sel.css("a[href]")
    if not a:
        return None
    href = urljoin(url, a[0].attrib["href"].strip())
    if not is_article(href):
        return None
    text = " ".join(" ".join(a[0].css("::text").getall()).split())
    title, truncated = row_title(a[0].attrib.get("title"), text)
    rest = " ".join(sel.xpath("//text()").getall()).replace(text, " ")
    return ListRow(href.split("#", 1)[0], title, parse_date(rest), truncated)


def parse_hanweb(text: str, url: str) -> HanwebListing:
    """The records of a Hanweb column page or dataproxy answer, and what paging it declares."""
    stores = _DATASTORE_RE.findall(text)
    problems: list[str] = []
    if not stores:
        problems.append("no <datastore> list on the page")
    body = "\n".join(stores)
    records = _RECORD_RE.findall(body)
    rows: list[ListRow] = []
    for record in records:
        row = _row(html.unescape(record) if "&lt;" in record else record, url)
        if row is not None and all(r.url != row.url for r in rows):
            rows.append(row)
    total = _TOTAL_RE.search(body)
    if stores and total is None:
        problems.append("no <totalrecord> in the list: the number of records is unknown")
    proxy = _PROXY_RE.search(text)
    query = tuple(parse_qsl(html.unescape(proxy[1]), keep_blank_values=True)) if proxy else ()
    if not query and urlsplit(url).path.endswith(PROXY_PATH):  # a dataproxy answer: its own query goes on
        query = tuple(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    if stores and total is not None and int(total[1]) > len(records) and not query:
        problems.append("more records than shown and no dataproxy.jsp query to ask for them")
    # Records per page: the page's JPage setting, else what the dataproxy query asked (a dataproxy answer).
    per_page = _PERPAGE_RE.search(text) or _PERPAGE_RE.search("&".join(f"{k}={v}" for k, v in query))
    return HanwebListing(
        tuple(rows), len(records), int(total[1]) if total else None, int(per_page[1]) if per_page else 20,
        query, tuple(problems),
    )  # fmt: skip
