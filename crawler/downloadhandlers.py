"""A download handler that sends requests to a portal mirror while everything above it sees real URLs.

Sitting below every downloader middleware (robots.txt, HTTP cache, WARC capture, retries), it is the
one place the mirror convention is applied: the request that leaves the machine goes to
``{PORTAL_MIRROR}/HOST/PATH``; the response comes back carrying the canonical ``https://HOST/PATH``
and redirects pointing into the mirror are mapped back to canonical URLs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.mirror import from_mirror, to_mirror
from crawler.network import use_bundled_public_suffix_list

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class MirrorDownloadHandler(BaseDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
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

    def _handler_for(self, request: Request) -> BaseDownloadHandler:
        if request.meta.get("playwright") and self._browser is not None:
            return self._browser
        return self.inner

    async def download_request(self, request: Request) -> Response:
        handler = self._handler_for(request)
        if not self.mirror:
            return await handler.download_request(request)
        canonical = request.url
        scheme = canonical.split("://", 1)[0]
        response = await handler.download_request(request.replace(url=to_mirror(canonical, self.mirror)))
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
