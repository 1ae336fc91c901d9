"""`scrapy crawlall`: crawl every portal (or some) in one process.

Portals of different politeness groups run side by side; the portals of one group (one server: the
registry's ``group``, default the host) are crawled one after the other, since each crawl has its own
downloader and so its own download slots: one group, one request at a time. The exit status
(crawler/commands/outcome.py) is 2 for a wrong argument or setting, 1 when any crawl failed or did not
finish normally, or when writes are still spooled because the S3 archive was unreachable at the end.
"""

from __future__ import annotations

import argparse
from typing import Any

from scrapy.exceptions import UsageError

from crawler.commands.outcome import Outcome, when_done
from crawler.project_command import ProjectCommand
from crawler.registry import RegistryError, default_registry
from crawler.store import open_store


class Command(ProjectCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--portals a,b] [-a NAME=VALUE]"

    def short_desc(self) -> str:
        return "Crawl every portal (each spider of `scrapy list`) in one process"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--portals", help="comma-separated portal ids (default: all)")
        parser.add_argument(
            "-a",
            dest="spargs",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="spider argument for every portal (e.g. years=2023-2025)",
        )

    def _group(self, name: str) -> str:
        """The politeness group of a portal (its download slot); a spider that is no portal is its own."""
        assert self.settings is not None
        try:
            return default_registry(self.settings.get("REGISTRY_PATH") or None).portal(name).slot
        except (KeyError, RegistryError):
            return f"spider:{name}"

    def _chain(self, queue: list[Any], spargs: dict[str, str]) -> None:
        """Crawl ``queue[0]`` now and the rest of the group when it ends (whatever its outcome). The next
        crawl joins the process's active crawls before the finished one is waited for, so the process
        runs until the last crawl of every group has ended."""
        assert self.crawler_process is not None
        done = self.outcome.follow(self.crawler_process.crawl(queue[0], **spargs))
        if len(queue) > 1:
            when_done(done, lambda _error: self._chain(queue[1:], spargs))

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler import derive  # noqa: PLC0415

        assert self.crawler_process is not None and self.settings is not None
        names = self.crawler_process.spider_loader.list()
        chosen = [p for p in opts.portals.split(",") if p] if opts.portals else names
        unknown = sorted(set(chosen) - set(names))
        if unknown:
            raise UsageError(f"no spider for {', '.join(unknown)}; known: {', '.join(names)}")
        spargs = dict(arg.split("=", 1) for arg in opts.spargs if "=" in arg)
        self.outcome = Outcome("crawlall")
        crawlers = []
        groups: dict[str, list[Any]] = {}
        for name in chosen:
            crawler = self.crawler_process.create_crawler(name)
            crawlers.append(crawler)
            groups.setdefault(self._group(name), []).append(crawler)
        for queue in groups.values():
            self._chain(queue, spargs)
        self.crawler_process.start()
        self.exitcode = self.outcome.status(crawlers, self.settings["STORE_URI"])
        if self.outcome.archived and self.settings.getbool("EXTRACT_ENABLED"):
            # Each crawl's close derived its own portal's findings; the copy findings the portals' new
            # reports change in one another are refreshed once here, not at every close (crawler/derive.py),
            # crawls that did not finish included (what they stored is evidence too).
            store = open_store(self.settings["STORE_URI"])
            try:
                derive.refresh(store)
            finally:
                store.close()
