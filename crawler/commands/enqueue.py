"""`scrapy enqueue PORTAL…|--all`: queue crawls for the cluster's workers (crawler/cluster; docs/scaling.md).

With ``--extract``, instead: one extract task per archived report file of those portals (``--all``: of
every portal in the archive, STORE_URI), on the ``extract`` queue, e.g. after a parser upgrade.
"""

from __future__ import annotations

import argparse

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "PORTAL… | --all [-a NAME=VALUE…] [--derive] [--extract] [-s NAME=VALUE…]"

    def short_desc(self) -> str:
        return "Queue crawls of portals (--extract: extractions of their archived files) for `scrapy worker`"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--all", action="store_true", help="every portal (each spider of `scrapy list`)")
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="spider argument for each crawl (e.g. years=2023-2025)")  # fmt: skip
        parser.add_argument("--derive", action="store_true",
                            help="after each crawl, queue its after-crawl steps (config/schedule.yaml)")  # fmt: skip
        parser.add_argument("--extract", action="store_true",
                            help="queue no crawl: one extract task per archived report file of the portals "
                                 "(--all: of the whole archive), on the extract queue")  # fmt: skip

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from scrapy.spiderloader import get_spider_loader  # noqa: PLC0415

        from crawler.cluster.tasks import enqueue_crawl, redis_client  # noqa: PLC0415

        assert self.settings is not None
        if opts.extract:
            self._enqueue_extracts(args, opts)
            return
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

    def _enqueue_extracts(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.cluster.extract import archived_files  # noqa: PLC0415
        from crawler.cluster.tasks import enqueue_extract, redis_client  # noqa: PLC0415
        from crawler.store import open_store  # noqa: PLC0415

        assert self.settings is not None
        if opts.all == bool(args):
            raise UsageError("name portals or give --all (not both)")
        if opts.spargs or opts.derive:
            raise UsageError("--extract queues no crawl: -a and --derive do not apply (then run `scrapy derive`)")
        store = open_store(self.settings["STORE_URI"])
        try:
            files = [f for portal in ([None] if opts.all else args) for f in archived_files(store, portal)]
        finally:
            store.close()
        if not files:
            raise UsageError(f"no archived report file of {', '.join(args) or 'any portal'} in {store.uri}")
        client = redis_client()
        for file in files:
            job_id = enqueue_extract(file.key, file.sha256, list(opts.set or []), client)
            print(f"{job_id}\t{file.key}\tqueued", flush=True)
