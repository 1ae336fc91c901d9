"""A download handler that sends requests to a portal mirror while everything above it sees real URLs.

Sitting below every downloader middleware (robots.txt, HTTP cache, WARC capture, retries), it is the
one place the mirror convention is applied: the request that leaves the machine goes to
``{PORTAL_MIRROR}/HOST/PATH``; the response comes back carrying the canonical ``https://HOST/PATH``
and redirects pointing into the mirror are mapped back to canonical URLs.

Being the last step before a connection, it also applies the fetch policy (:mod:`crawler.guard`) once
more, to the canonical URL and to the URL actually sent (the mirror's address is allowed only there),
and installs the same policy as the browser's request filter, so a navigation inside Chromium (a
challenge script's reload, a script-driven redirect) cannot leave the portal either.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.guard import browser_refusal, outgoing_refusal
from crawler.mirror import from_mirror, to_mirror
from crawler.network import use_bundled_public_suffix_list
from crawler.offsite import RefusedDownloadError, judge, portal_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class MirrorDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.crawler = crawler
        use_bundled_public_suffix_list()
        settings = crawler.settings
        self.mirror: str = (settings.get("PORTAL_MIRROR") or "").rstrip("/")
        self.inner = build_from_crawler(load_object(settings["MIRROR_INNER_HANDLER"]), crawler)
        browser = settings.get("MIRROR_BROWSER_HANDLER")
        self._browser_class: str | None = browser if browser and settings.getbool("BROWSER_ENABLED") else None
        self._browser: BaseDownloadHandler | None = None  # made at the first request that needs a browser
        self._browser_lock = asyncio.Lock()

    def _guard_browser(self, handler: Any) -> None:
        """Make scrapy-playwright abort every in-browser request the fetch policy refuses."""
        inner = getattr(handler, "abort_request", None)

        def abort(request: Any) -> Any:
            if reason := browser_refusal(request.url, portal_of(self.crawler), self.mirror):
                logger.warning("guard: browser request to %s aborted: %s", request.url, reason)
                return True
            return inner(request) if inner is not None else False

        handler.abort_request = abort

    async def _browser_handler(self) -> BaseDownloadHandler:
        """The browser handler (scrapy-playwright), made and started at the first request that needs it.

        Its Playwright driver (a Node process) took ~1 s of every crawl's running time to start on
        engine_started and stop at the close, though most crawls meet no challenge (issue 16 item 3). Made
        after engine_started, the handler is started here as that signal would have started it; Chromium
        itself still launches only on the first page."""
        async with self._browser_lock:
            if self._browser is None:
                assert self._browser_class is not None
                handler = build_from_crawler(load_object(self._browser_class), self.crawler)
                self._guard_browser(handler)
                await handler._maybe_launch_in_thread()
                self._browser = handler
        return self._browser

    async def _handler_for(self, request: Request) -> BaseDownloadHandler:
        if request.meta.get("playwright") and self._browser_class is not None:
            return await self._browser_handler()
        return self.inner

    async def download_request(self, request: Request) -> Response:
        handler = await self._handler_for(request)
        # The guard middleware already judged this request; judged again here because nothing may
        # reach a socket without it (a middleware can be disabled by a setting, a handler cannot).
        if reason := judge(request, self.crawler):
            raise RefusedDownloadError(reason)
        if not self.mirror:
            return await handler.download_request(request)
        canonical = request.url
        scheme = canonical.split("://", 1)[0]
        outgoing = to_mirror(canonical, self.mirror)
        if reason := outgoing_refusal(outgoing, self.mirror):
            raise RefusedDownloadError(reason)
        response = await handler.download_request(request.replace(url=outgoing))
        location = response.headers.get(b"Location")
        headers = response.headers
        if location:
            mapped = from_mirror(location.decode("latin-1"), self.mirror, scheme)
            if mapped is None and location.startswith(b"/"):
                # A host-relative redirect inside the mirror: /HOST/PATH.
                mapped = from_mirror(self.mirror + location.decode("latin-1"), self.mirror, scheme)
            if mapped is not None:
                headers = headers.copy()
                headers[b"Location"] = mapped.encode("latin-1")
        return response.replace(url=canonical, headers=headers)

    async def close(self) -> None:
        await self.inner.close()
        if self._browser is not None:
            await self._browser.close()
