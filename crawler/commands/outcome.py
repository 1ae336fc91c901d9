"""How `scrapy crawl` and `scrapy crawlall` end: one line, not a traceback, for what the operator can
fix (an argument, a setting, the registry, the archive), and an exit status that is 0 only when every
crawl finished and its evidence is in the archive.

Scrapy runs a crawl as an asyncio task (a Deferred under the plain reactor) and leaves an exception that
ends it to asyncio's "Task exception was never retrieved" traceback at exit, with status 1 for a
mistyped ``-a years=`` as for a bug. Exit statuses: 2, the command line or configuration is wrong
(nothing was fetched); 1, a crawl failed, did not finish, left items it read out of the archive (a
pipeline failed on them), or its writes are still spooled.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from crawler.crawlstore import not_durable
from crawler.exceptions import NianbaoError
from crawler.registry import RegistryError
from crawler.store import StoreError

USAGE = (NianbaoError, RegistryError)  # what the command line, settings or registry got wrong
EXPLAINED = (*USAGE, StoreError)  # errors whose message says it all (the archive: unreachable, no credentials…)


def when_done(done: Any, callback: Callable[[BaseException | None], None]) -> None:
    """Call ``callback`` with the exception a crawl ended with (None if none) when ``done`` ends: an
    asyncio.Task (AsyncCrawlerProcess; the exception is retrieved, so asyncio does not print it at exit)
    or a Deferred (CrawlerProcess; its failure is consumed)."""
    if hasattr(done, "add_done_callback"):
        done.add_done_callback(lambda task: callback(None if task.cancelled() else task.exception()))
    else:

        def ended(result: Any) -> None:
            callback(result.value if isinstance(result, Failure) else None)

        done.addBoth(ended)


class Outcome:
    """The failures of a command's crawls, collected as they end, and the exit status they make."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.failures: list[BaseException] = []
        self.archived = False  # set by status(): everything the crawls wrote is in the archive

    def follow(self, done: Any) -> Any:
        """Collect the exception ``done`` (a crawl's task or Deferred) ends with; returns ``done``."""

        def ended(error: BaseException | None) -> None:
            if error is not None:
                self.failures.append(error)

        when_done(done, ended)
        return done

    def status(self, crawlers: list[Crawler], store_uri: str) -> int:
        """Tell the operator what went wrong, on stderr, and return the exit status."""
        for error in self.failures:
            if isinstance(error, EXPLAINED):
                print(f"scrapy {self.command}: error: {error}", file=sys.stderr)
            else:  # a bug: its traceback is what its report needs
                traceback.print_exception(error)
        if any(isinstance(error, USAGE) for error in self.failures):
            return 2
        status = 1 if self.failures else 0
        unfinished = [
            f"{c.spidercls.name} ({reason})"
            for c in crawlers
            if c.stats is not None and (reason := c.stats.get_value("finish_reason")) not in (None, "finished")
        ]
        if unfinished:
            print(f"crawls that did not finish: {', '.join(unfinished)}", file=sys.stderr)
            status = 1
        # Items a pipeline failed on (the store refused a page): read from the portal, not in the archive.
        unarchived = [
            f"{c.spidercls.name} ({count})"
            for c in crawlers
            if c.stats is not None and (count := c.stats.get_value("item_error_count", 0))
        ]
        if unarchived:
            print(
                f"crawls with items not fully archived (pipeline_error in the crawl log): {', '.join(unarchived)}",
                file=sys.stderr,
            )
            status = 1
        try:
            problem = not_durable(store_uri)
        except StoreError as exc:  # an archive that cannot even be opened (its error may be printed above)
            problem = str(exc)
        if problem and not any(str(error) == problem for error in self.failures):  # not said twice
            # S3 unreachable at the end: the evidence waits in the spool
            print(f"crawl not durable: {problem}", file=sys.stderr)
            status = 1
        self.archived = problem is None
        return status
