"""Get past a JavaScript challenge (瑞数 / 加速乐-style shields) once per host, for every callback.

A portal behind a shield answers a plain request with HTTP 412/521 and a script that sets a clearance
cookie and reloads (recognised by :func:`crawler.parsers.challenge.challenge_reason`). This downloader
middleware retries such a spider request once in a real browser (scrapy-playwright with Debian's
Chromium, see ``PLAYWRIGHT_*`` in crawler/settings.py), keeps the cookies the browser earned for the
host, and sends them with every later request to that host: the portal's other pages and the archive
pipeline's attachments, which then pass as plain requests. The spider never sees the challenge when
the browser passed it; when the browser is off (``BROWSER_ENABLED = False``) or did not pass, the
challenge page reaches the callback, which records it (a challenge is never a report nor "no report").
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy_playwright.page import PageMethod

from crawler.parsers.challenge import challenge_reason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# meta key marking the one browser retry this middleware made of a request.
RETRIED = "challenge_browser_retry"
Cookies = dict[str | bytes, str | bytes | bool | float | int]


class ChallengeMiddleware:
    """Retry a challenged spider request once in a browser; reuse the clearance cookie per host."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.browser_enabled = crawler.settings.getbool("BROWSER_ENABLED")
        self.clearance: dict[str, Cookies] = {}  # host → cookies the browser earned there

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        cookies = self.clearance.get(urlsplit(request.url).netloc)
        if cookies and not request.meta.get("playwright") and isinstance(request.cookies, dict):
            # Before CookiesMiddleware (700), which turns request.cookies into the Cookie header.
            request.cookies = {**cookies, **request.cookies}

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get(RETRIED):
            return await self._rendered(response)
        if not self._retry_wanted(request) or challenge_reason(response.status, response.body) is None:
            return response
        portal = getattr(getattr(self.crawler.spider, "portal", None), "id", None) or getattr(
            self.crawler.spider, "name", "?"
        )
        logger.info("%s: challenge page at %s; retrying in a browser", portal, response.url)
        # Callback, errback and cb_kwargs stay as they are: the callback gets the rendered page.
        return request.replace(
            dont_filter=True,
            meta={
                **request.meta,
                RETRIED: True,
                "playwright": True,
                "playwright_include_page": True,
                # The challenge script sets a cookie and reloads; wait for a page with content.
                "playwright_page_methods": [
                    PageMethod(
                        "wait_for_function",
                        "document.body && document.body.innerText.trim().length > 0",
                        timeout=20_000,
                    ),
                ],
            },
        )

    def _retry_wanted(self, request: Request) -> bool:
        """Only a spider's own request, never twice: robots.txt and the archive pipeline's attachment
        requests (no callback) keep their answer, and pass with the cookie once a page earned it."""
        callback: Any = request.callback
        return self.browser_enabled and not request.meta.get("playwright") and callback not in (None, NO_CALLBACK)

    async def _rendered(self, response: Response) -> Response:
        page = response.meta.pop("playwright_page", None)
        if page is not None:
            try:
                cookies = await page.context.cookies()
            finally:
                await page.close()
            self.clearance[urlsplit(response.url).netloc] = {c["name"]: c["value"] for c in cookies}
        # The rendered page replaced the challenge: judge it by its content, not the first status.
        if response.status != 200 and challenge_reason(200, response.body) is None:
            return response.replace(status=200)
        return response
