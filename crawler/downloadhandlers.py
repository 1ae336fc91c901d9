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
        # The browser handler (scrapy-playwright) must exist before the engine starts: it starts its
        # Playwright driver on engine_started. Chromium itself launches only on the first page.
        browser = settings.get("MIRROR_BROWSER_HANDLER")
        self._browser: BaseDownloadHandler | None = None
        if browser and settings.getbool("BROWSER_ENABLED"):
            self._browser = build_from_crawler(load_object(browser), crawler)
            self._guard_browser(self._browser)

    def _guard_browser(self, handler: Any) -> None:
        """Make scrapy-playwright abort every in-browser request the fetch policy refuses."""
        inner = getattr(handler, "abort_request", None)

        def abort(request: Any) -> Any:
            if reason := browser_refusal(request.url, portal_of(self.crawler), self.mirror):
                logger.warning("guard: browser request to %s aborted: %s", request.url, reason)
                return True
            return inner(request) if inner is not None else False

        handler.abort_request = abort

    def _handler_for(self, request: Request) -> BaseDownloadHandler:
        if request.meta.get("playwright") and self._browser is not None:
            return self._browser
        return self.inner

    async def download_request(self, request: Request) -> Response:
        handler = self._handler_for(request)
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
