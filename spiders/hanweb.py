"""The Hanweb (大汉) JCMS / jpaas family: ``/col/col{colid}/`` columns with embedded ``<recordset>`` lists,
paged through ``/module/web/jpage/dataproxy.jsp`` (Zhejiang, Jiangsu province, Shandong, Jiangxi, 京山).

Only the column walk differs from the t-date family: the first page is the column's ``index.html``, the
next records come from the dataproxy URL the page itself names (crawler/parsers/hanweb.py). Selection,
report pages, one-source rules and evidence are the family-independent ones of :mod:`spiders.trs`.
"""

from __future__ import annotations

from collections.abc import Iterable

import scrapy
from scrapy.http import Response

from crawler.columns import ColumnWalk, capture
from crawler.parsers.hanweb import parse_hanweb
from spiders.trs import TrsPortalSpider

# A column never has more dataproxy groups than this (a loop guard; 500 groups of 60 records).
MAX_GROUPS = 500


class HanwebPortalSpider(TrsPortalSpider, family=True):
    """Base spider for one portal of the Hanweb family; one subclass per portal (crawler/spiderloader.py)."""

    def _page_request(self, walk: ColumnWalk, page: int, url: str | None = None) -> scrapy.Request:
        url = url or f"{walk.base}index.html"
        walk.visited.add(url)
        return self._request(url, self.parse_column, self.column_failed, walk=walk, page=page)

    def parse_column(self, response: Response, walk: ColumnWalk, page: int) -> Iterable[object]:
        page_capture = capture(walk, response)
        if error := self._unreadable_column_page(walk, response):
            yield from self._column_done(walk, error=error)
            return
        listing = parse_hanweb(response.text, response.url)
        page_capture.rows = len(listing.rows)
        walk.rows.extend(listing.rows)
        walk.problems += [f"{problem} on {response.url}" for problem in listing.problems]
        # Records seen so far: this page's and those before (the first page embeds the first group).
        walk.seen_records += listing.records
        next_url = listing.next_url(response.url, walk.seen_records + 1) if listing.records else None
        if next_url and next_url not in walk.visited and page < MAX_GROUPS:
            yield self._page_request(walk, page + 1, next_url)
            return
        yield from self._column_done(walk, error=None)
