"""`scrapy schedule`: the long-running scheduler (or its crontab / systemd equivalent)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from pathlib import Path

from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.project_command import ProjectCommand


def parse_until(value: str | None, tz: dt.tzinfo) -> dt.datetime | None:
    """``--until``: an ISO date-time (naive: in the schedule's time zone) or ``+SECONDS`` from now."""
    if not value:
        return None
    try:
        if value.startswith("+"):
            return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=float(value[1:]))
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--until: expected YYYY-MM-DDTHH:MM[:SS] or +SECONDS, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return ("[--once] [--until T] [--max-runs N] [--tick S] [--state DIR] [--portals P,…] [--enqueue] "
                "[--print-cron | --print-systemd] [-s NAME=VALUE]")  # fmt: skip

    def short_desc(self) -> str:
        return "Crawl each portal on its schedule (config/schedule.yaml), then status, alerts, dashboard"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add = parser.add_argument
        add("--config", help="schedule file (default config/schedule.yaml or $NIANBAO_SCHEDULE)")
        add("--state", default="state", help="folder for locks, jobs and last-run times (default ./state)")
        add("--portals", help="comma-separated portal ids (default: every spider)")
        add("--once", action="store_true", help="run what is due now (incl. one catch-up), then exit")
        add("--until", help="exit once this time has passed: ISO date-time or +SECONDS")
        add("--max-runs", type=int, help="exit after this many crawls")
        add("--tick", type=float, default=30.0, help="seconds between checks (default 30)")
        add("--no-resume", action="store_true", help="no JOBDIR: a killed crawl starts over")
        add("--enqueue", action="store_true",
            help="queue due crawls (then their after-crawl steps) for `scrapy worker`, not run them")  # fmt: skip
        add("--print-cron", action="store_true", help="print equivalent crontab lines and exit")
        add("--print-systemd", action="store_true", help="print systemd service/timer units and exit")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from scrapy.spiderloader import get_spider_loader  # noqa: PLC0415

        from crawler.scheduler import ROOT, Scheduler, crontab, load_schedule, systemd_units  # noqa: PLC0415

        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        names = get_spider_loader(self.settings).list()  # the project loader: a spider per portal
        portals = [p for p in opts.portals.split(",") if p] if opts.portals else names
        if unknown := sorted(set(portals) - set(names)):
            raise UsageError(f"--portals: no spider named {', '.join(unknown)}")
        schedule = load_schedule(portals, opts.config)
        state = Path(opts.state).resolve()
        if opts.print_cron:
            print(crontab(schedule, ROOT, state))
            return
        if opts.print_systemd:
            print(systemd_units(schedule, ROOT, state))
            return
        until = parse_until(opts.until, schedule.timezone)
        # Commands without a crawler get no logging set up by Scrapy: the scheduler's own lines (skips,
        # resumes, failures) must reach the log like a crawl's.
        configure_logging(self.settings)
        logging.getLogger("crawler.scheduler").setLevel(logging.INFO)
        # Settings given to `schedule` with -s (STORE_URI, PORTAL_MIRROR…) go to every child command.
        passed = [x for item in opts.set or [] for x in ("-s", item)]
        scheduler = Scheduler(schedule, state, passed, resume=not opts.no_resume)
        if opts.enqueue:
            from crawler.cluster.tasks import enqueue_crawl  # noqa: PLC0415

            settings = list(opts.set or [])
            scheduler.enqueue = lambda portal: enqueue_crawl(portal, settings, derive=True)
        if opts.once:
            ran = scheduler.run_due()
            print(f"ran: {', '.join(ran) or 'nothing due'}", flush=True)
            return
        print(f"scheduler started {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; state in {state}",
              flush=True)  # fmt: skip
        runs = scheduler.forever(tick=opts.tick, max_runs=opts.max_runs, until=until)
        print(f"scheduler stopped after {runs} crawl(s)", flush=True)
