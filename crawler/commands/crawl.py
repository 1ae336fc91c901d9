"""`scrapy crawl PORTAL`: Scrapy's own command, plus an honest exit status (crawler/commands/outcome.py).

A project command of the same name in ``COMMANDS_MODULE`` replaces the built-in one. Scrapy exits 0
whenever the crawl could start and prints a traceback for a mistyped argument; this one prints one line
for what the operator can fix (exit 2 for the command line or settings), and exits 1 when the crawl did
not finish (a spider whose start failed ends ``start_error``) or when writes of the crawl are still
spooled because the S3 archive was unreachable at its end ("N writes spooled; run scrapy flush"): until
they are flushed, the crawl's evidence is not in the archive.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.commands.outcome import Outcome
from crawler.project_command import ProjectCommand


class Command(ProjectCommand, ScrapyCrawl):  # settings checked first
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        assert self.crawler_process is not None and self.settings is not None
        outcome = Outcome("crawl")
        crawler = self._create_crawler(args[0])
        outcome.follow(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        self.exitcode = outcome.status([crawler], self.settings["STORE_URI"])
