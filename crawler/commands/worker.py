"""`scrapy worker`: a Celery worker of the cluster's work queue (crawler/cluster; docs/scaling.md)."""

from __future__ import annotations

import argparse

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False  # each crawl runs as its own `scrapy crawl` process

    def syntax(self) -> str:
        return "[--queues crawl,derive,extract] [--concurrency N] [--name NODE]"

    def short_desc(self) -> str:
        return "Run a queue worker: crawl and extract tasks from `scrapy enqueue` (broker: $NIANBAO_BROKER_URL)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--queues", default="crawl,derive,extract",
                            help="queues to take tasks from (default all; e.g. only extract on OCR nodes)")  # fmt: skip
        parser.add_argument("--concurrency", type=int, default=1, help="tasks run at once (default 1)")
        parser.add_argument("--name", help="node name (default nianbao-PID@HOST; unique per worker)")
        parser.add_argument("--loglevel", default="INFO", help="Celery log level (default INFO)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.cluster.tasks import QUEUES, app, worker_argv  # noqa: PLC0415

        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        queues = [q for q in opts.queues.split(",") if q]
        if unknown := sorted(set(queues) - set(QUEUES)):
            raise UsageError(f"--queues: unknown queue {', '.join(unknown)}; known: {', '.join(QUEUES)}")
        if opts.concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        app.worker_main(worker_argv(queues, opts.concurrency, opts.name, opts.loglevel))
