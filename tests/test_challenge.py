"""The challenge middleware (crawler/challenge.py) on the challenge page the replica's shield answered.

Passing the challenge in Chromium end to end is tests/test_portals_e2e.py::test_challenge_portal_through_chromium;
here the decisions around it: what is retried in the browser, what is not, and where the cookie goes.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler

from crawler.challenge import RETRIED, ChallengeMiddleware
from crawler.parsers.challenge import challenge_reason
from crawler.spiderloader import load_spider

WhdonghuSpider = load_spider("whdonghu")

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "whdonghu"
COLUMN = "https://www.whdonghu.gov.cn/zwgk_6255/xxgknb_6257/bmjdhz/qsejdw_72648/cxgzbsc_72651/index.shtml"
HOST = "www.whdonghu.gov.cn"


def _saved(challenge: bool) -> tuple[int, bytes]:
    pages = json.loads((FIXTURES / "pages.json").read_text(encoding="utf-8"))
    page = next(p for p in pages if p["url"] == COLUMN and p["challenge"] == challenge)
    return page["status"], (FIXTURES / page["file"]).read_bytes()


def _middleware(browser: bool = True) -> ChallengeMiddleware:
    return ChallengeMiddleware(get_crawler(WhdonghuSpider, {"BROWSER_ENABLED": browser}))


def _answer(middleware: ChallengeMiddleware, request: Request, status: int, body: bytes) -> Request | HtmlResponse:
    response = HtmlResponse(request.url, status=status, body=body, request=request)
    result = asyncio.run(middleware.process_response(request, response))
    assert isinstance(result, Request | HtmlResponse)
    return result


def _column_request() -> Request:
    spider = WhdonghuSpider.from_crawler(get_crawler(WhdonghuSpider, {"BROWSER_ENABLED": True}))
    return Request(COLUMN, callback=spider.parse_column, errback=spider.column_failed, cb_kwargs={"page": 0})


def test_the_saved_page_is_the_shields_challenge() -> None:
    status, body = _saved(challenge=True)
    assert (status, challenge_reason(status, body)) == (521, "HTTP 521 challenge page")
    assert challenge_reason(*_saved(challenge=False)) is None  # the page Chromium rendered


def test_a_challenged_spider_request_is_retried_once_in_the_browser_with_its_callback() -> None:
    request = _column_request()
    retry = _answer(_middleware(), request, *_saved(challenge=True))
    assert isinstance(retry, Request) and retry.url == COLUMN
    assert (retry.callback, retry.errback, retry.cb_kwargs) == (request.callback, request.errback, {"page": 0})
    assert retry.dont_filter and retry.meta["playwright"] and retry.meta["playwright_include_page"]
    assert retry.meta[RETRIED] is True
    # The browser's answer goes to the callback even when it is still a challenge: never a second retry.
    still = _answer(_middleware(), retry, *_saved(challenge=True))
    assert isinstance(still, HtmlResponse) and still.status == 521


def test_a_rendered_page_is_judged_by_its_content_not_the_first_status() -> None:
    retry = _answer(_middleware(), _column_request(), *_saved(challenge=True))
    assert isinstance(retry, Request)
    _, rendered = _saved(challenge=False)
    page = _answer(_middleware(), retry, 521, rendered)
    assert isinstance(page, HtmlResponse) and page.status == 200 and page.body == rendered


def test_without_a_browser_or_a_callback_the_challenge_is_handed_on_as_evidence() -> None:
    status, body = _saved(challenge=True)
    off = _answer(_middleware(browser=False), _column_request(), status, body)
    assert isinstance(off, HtmlResponse) and off.status == 521
    attachment = Request(f"https://{HOST}/a.pdf", callback=NO_CALLBACK)
    kept = _answer(_middleware(), attachment, status, body)
    assert isinstance(kept, HtmlResponse) and kept.status == 521


def test_the_clearance_cookie_goes_with_every_plain_request_to_its_host_only() -> None:
    middleware = _middleware()
    middleware.clearance[HOST] = {"__jsl_clearance": "1700000000.1|0|abc"}
    page, attachment = _column_request(), Request(f"https://{HOST}/files/a.pdf", callback=NO_CALLBACK)
    other = Request("https://www.wuchang.gov.cn/xxgk/index.html")
    browser = Request(COLUMN, meta={"playwright": True})
    for request in (page, attachment, other, browser):
        middleware.process_request(request)
    assert page.cookies == attachment.cookies == {"__jsl_clearance": "1700000000.1|0|abc"}
    assert other.cookies == {} and browser.cookies == {}
