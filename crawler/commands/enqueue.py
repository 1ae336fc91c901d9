"""`scrapy enqueue PORTAL…|--all`: queue crawls for the cluster's workers (crawler/cluster; docs/scaling.md)."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "PORTAL… | --all [-a NAME=VALUE…] [--derive] [-s NAME=VALUE…]"

    def short_desc(self) -> str:
        return "Queue crawls of portals for `scrapy worker` (settings given with -s go to each crawl)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--all", action="store_true", help="every portal (each spider of `scrapy list`)")
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="spider argument for each crawl (e.g. years=2023-2025)")  # fmt: skip
        parser.add_argument("--derive", action="store_true",
                            help="after each crawl, queue its after-crawl steps (config/schedule.yaml)")  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from scrapy.spiderloader import get_spider_loader  # noqa: PLC0415

        from crawler.cluster.tasks import enqueue_crawl, redis_client  # noqa: PLC0415

        assert self.settings is not None
        names = get_spider_loader(self.settings).list()  # the project loader: a spider per portal
        if opts.all == bool(args):
            raise UsageError("name portals or give --all (not both)")
        portals = names if opts.all else args
        if unknown := sorted(set(portals) - set(names)):
            raise UsageError(f"no spider named {', '.join(unknown)}; known: {', '.join(names)}")
        client = redis_client()
        for portal in portals:
            job_id = enqueue_crawl(portal, list(opts.set or []), client, derive=opts.derive, spider_args=opts.spargs)
            print(f"{job_id}\t{portal}\tqueued", flush=True)
