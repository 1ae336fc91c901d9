"""`scrapy crawl PORTAL`: Scrapy's own command, plus an honest exit status.

A project command of the same name in ``COMMANDS_MODULE`` replaces the built-in one. Scrapy exits 0
whenever the crawl could start; this one also exits 1 when writes of the crawl are still spooled
because the S3 archive was unreachable at its end ("N writes spooled; run scrapy flush"): until they are
flushed, the crawl's evidence is not in the archive.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.crawlstore import not_durable


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        assert self.settings is not None
        if problem := not_durable(self.settings["STORE_URI"]):
            print(f"crawl not durable: {problem}", file=sys.stderr)
            self.exitcode = 1
