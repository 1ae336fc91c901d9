"""`scrapy schedule`: the long-running scheduler (or its crontab / systemd equivalent)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.scheduler import ROOT, Scheduler, crontab, load_schedule, systemd_units


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--once] [--max-runs N] [--tick S] [--state DIR] [--print-cron | --print-systemd] [-s NAME=VALUE]"

    def short_desc(self) -> str:
        return "Crawl each portal on its schedule (config/schedule.yaml), then alert and rebuild the dashboard"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--config", help="schedule file (default config/schedule.yaml or $NIANBAO_SCHEDULE)")
        parser.add_argument("--state", default="state", help="folder for locks and last-run times (default ./state)")
        parser.add_argument("--portals", help="comma-separated portal ids (default: every spider)")
        parser.add_argument("--once", action="store_true", help="run what is due now (incl. one catch-up), then exit")
        parser.add_argument("--max-runs", type=int, help="exit after this many crawls")
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between checks (default 30)")
        parser.add_argument("--print-cron", action="store_true", help="print equivalent crontab lines and exit")
        parser.add_argument("--print-systemd", action="store_true", help="print systemd service/timer units and exit")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from scrapy.spiderloader import SpiderLoader  # noqa: PLC0415

        assert self.settings is not None
        names = SpiderLoader.from_settings(self.settings).list()
        portals = [p for p in opts.portals.split(",") if p] if opts.portals else names
        schedule = load_schedule(portals, opts.config)
        state = Path(opts.state).resolve()
        if opts.print_cron:
            print(crontab(schedule, ROOT, state))
            return
        if opts.print_systemd:
            print(systemd_units(schedule, ROOT))
            return
        logging.getLogger("crawler.scheduler").setLevel(logging.INFO)
        # Settings given to `schedule` with -s (STORE_URI, PORTAL_MIRROR…) go to every child command.
        passed = [x for item in opts.set or [] for x in ("-s", item)]
        scheduler = Scheduler(schedule, state, passed)
        if opts.once:
            ran = scheduler.run_due()
            print(f"ran: {', '.join(ran) or 'nothing due'}")
            return
        print(f"scheduler started {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; state in {state}")
        scheduler.forever(tick=opts.tick, max_runs=opts.max_runs)
