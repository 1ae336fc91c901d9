"""`scrapy demo`: start the bundled replica, crawl a portal through it into the archive, summarise.

Everything runs in this one process on 127.0.0.1; the crawl is the real spider with the real
pipelines, only pointed at the mirror (``PORTAL_MIRROR``) and with politeness relaxed for a server
that is our own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter, defaultdict
from typing import Any

from scrapy.exceptions import UsageError

from crawler.commands.outcome import Outcome
from crawler.commands.status import add_lang_option, as_table, lang_translator, ljust, rjust
from crawler.i18n import Translator
from crawler.keys import crawl_log
from crawler.project_command import ProjectCommand
from crawler.store import open_store


class Command(ProjectCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--portal P] [--seed N]"

    def short_desc(self) -> str:
        return "Crawl the bundled portal replica into STORE_URI (default ./data) and print a summary"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--portal", default="wuchang", help="portal to crawl (default wuchang)")
        parser.add_argument("--seed", type=int, default=0, help="replica world seed (default 0)")
        add_lang_option(parser)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        self.translator = lang_translator(opts.lang)
        # Imported here, not at the top: the replica is an optional extra, not part of the crawler.
        try:
            from replica.server import start_in_thread  # noqa: PLC0415
            from replica.site import Site  # noqa: PLC0415
        except ImportError as exc:
            raise UsageError(
                f"the replica is not installed ({exc}); in a checkout: pip install -e '.[replica]'"
            ) from exc

        self.site = Site(seed=opts.seed, portals=(opts.portal,))
        if opts.portal not in self.site.world.portals:
            raise UsageError(f"the replica does not serve portal {opts.portal!r}")
        self.server = start_in_thread(self.site)
        assert self.settings is not None
        # The replica is our own loopback server: no need to be slow with it.
        for name, value in {
            "PORTAL_MIRROR": self.server.url,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            # Every report every time: the summary shows what this crawl fetched, and a second demo into
            # the same archive on the same day would otherwise carry every report (tiered revalidation).
            "REVALIDATE_DAYS": 0,
        }.items():
            self.settings.set(name, value, priority="cmdline")
        if not any(item.startswith("LOG_LEVEL=") for item in opts.set or []):
            # The summary is what a newcomer reads; Scrapy's own INFO lines would bury it.
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.compliance import judge  # noqa: PLC0415

        assert self.crawler_process is not None and self.settings is not None
        _ = self.translator
        print(_("replica: serving {portal} at {url} (mirror of {real})", portal=opts.portal, url=self.server.url,
                real=f"https://{self._host(opts.portal)}/"))  # fmt: skip
        crawler = self.crawler_process.create_crawler(opts.portal)
        outcome = Outcome("demo")  # the exit status of `scrapy crawl`
        outcome.follow(self.crawler_process.crawl(crawler))
        self.crawler_process.start()
        self.server.shutdown()
        store = open_store(self.settings["STORE_URI"])
        crawl_id = getattr(crawler.spider, "crawl_id", None)
        print(summarise(store, opts.portal, crawl_id, _))
        print(summarise_records(store, opts.portal, _))
        # What a district office would see: the compliance matrix as of today.
        statuses = judge(self.site.registry, store, dt.date.today(), portals=[opts.portal])
        print(as_table(statuses, _))
        commands = (
            "scrapy status · scrapy dashboard · scrapy alert --dry-run · scrapy export --format csv · scrapy verify"
        )
        print("\n" + _("next: {commands} (see README)", commands=commands))
        self.exitcode = outcome.status([crawler], self.settings["STORE_URI"])

    def _host(self, portal: str) -> str:
        return self.site.world.portals[portal].host


def summarise(store: Any, portal: str, crawl_id: str | None, _: Translator) -> str:
    """A streets × years table of what the crawl archived, and totals."""
    key = crawl_log(portal, str(crawl_id))
    items = [json.loads(line) for line in store.get(key).decode().splitlines()]
    reports = [i for i in items if i["type"] == "ReportItem"]
    columns = [i for i in items if i["type"] == "ColumnItem"]
    failures = [i for i in items if i["type"] == "FetchFailure"]
    years = sorted({r["year"] for r in reports})
    grid: dict[str, dict[int, str]] = defaultdict(dict)
    for r in reports:
        late = r["page_date"] and r["page_date"] > f"{r['year'] + 1}-01-31"
        grid[r["street"]][r["year"]] = r["page_date"][5:] + ("*" if late else "")
    # A per-year portal's columns name a year, not a street: the streets are those its reports name.
    streets = list(dict.fromkeys([c["street"] for c in columns if c.get("street")] + sorted(grid)))
    width = max([len(s) for s in streets] + [4]) * 2  # CJK characters are two columns wide
    lines = ["\n" + _("nianbao demo — {portal}, crawl {crawl_id}: report dates (MM-DD of publication; "
                      "* = after 31 January)", portal=portal, crawl_id=crawl_id)]  # fmt: skip
    lines.append(ljust(_("street"), width) + "".join(rjust(str(y), 8) for y in years))
    for street in streets:
        lines.append(ljust(street, width) + "".join(rjust(grid[street].get(y, "—"), 8) for y in years))
    files = Counter(f["kind"] for r in reports for f in r["files"] if f.get("sha256"))
    new = sum(1 for r in reports for f in r["files"] if f.get("new_version"))
    lines.append("\n" + _(
        "{reports} reports in {columns} columns ({complete} crawled completely); {files} files ({kinds}); "
        "{new} new versions stored; {failures} fetch failures.", reports=len(reports), columns=len(columns),
        complete=sum(c["ok"] for c in columns), files=sum(files.values()),
        kinds=_(", ").join(f"{n} {k}" for k, n in sorted(files.items())), new=new, failures=len(failures),
    ))  # fmt: skip
    lines.append(_("archive: {uri} (ledger of every version; crawl log {key})", uri=store.uri, key=key))
    return "\n".join(lines)


def summarise_records(store: Any, portal: str, _: Translator) -> str:
    """What extraction read from the archived reports: templates and validation findings."""
    from crawler import records  # noqa: PLC0415
    from crawler.extract.explain import severity  # noqa: PLC0415

    primaries = [p[1] for r in records.archived_reports(store, portal, with_text=False) if (p := r.primary) is not None]
    if not primaries:
        return _("records: none (extraction off: run scrapy extract)")
    templates = Counter(r.template_version for r in primaries)
    findings = Counter(rule for r in primaries for rule in {(f.rule, f.severity) for f in r.findings})
    common = _(", ").join(
        _("{rule} {severity} in {n}", rule=rule, severity=severity(level, _), n=n)
        for (rule, level), n in findings.most_common(6)
    )  # fmt: skip
    return _("records: {n} reports read ({templates}); reports with the most frequent findings: {common}",
             n=len(primaries), templates=_(", ").join(f"{n} {t}" for t, n in sorted(templates.items())),
             common=common or _("none"))  # fmt: skip
