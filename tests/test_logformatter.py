"""File bodies never reach the log: scraped/dropped/error lines summarise the item instead."""

from __future__ import annotations

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.spiders import Spider
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawler.items import FileRecord, ReportItem
from crawler.logformatter import QuietLogFormatter
from tests.support import report_item


def item() -> ReportItem:
    item: ReportItem = report_item(
        files=[FileRecord(url="u", role="page", kind="html", name="page.html")],
        _body=b"%PDF-1.7 " + b"\x00secret-bytes" * 100_000,
    )
    return item


def test_scraped_dropped_and_error_lines_carry_a_summary_not_the_body() -> None:
    crawler = get_crawler(Spider, get_reactor_settings())
    formatter, spider = QuietLogFormatter(), Spider.from_crawler(crawler, "wuchang")
    response = HtmlResponse("https://www.wuchang.gov.cn/", body=b"<html></html>")
    lines = [
        formatter.scraped(item(), response, spider),
        formatter.dropped(item(), DropItem("x"), response, spider),
        formatter.item_error(item(), ValueError("x"), response, spider),
    ]
    for line in lines:
        text = line["msg"] % line["args"]
        assert "secret-bytes" not in text and "%PDF" not in text
        assert (
            "ReportItem(portal='wuchang', street='杨园街道', year=2024, url='https://www.wuchang.gov.cn/xxgk/yyj"
            in text
        )
        assert len(text) < 400
