"""`scrapy alert`: send what changed since the last run (lateness, edits, crawl health)."""

from __future__ import annotations

import argparse

from crawler.commands.status import add_lang_option, lang_translator, parse_portals, parse_today
from crawler.project_command import ProjectCommand
from crawler.registry import default_registry
from crawler.store import open_store


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--today YYYY-MM-DD] [--dry-run] [--config FILE] [--portal P]"

    def short_desc(self) -> str:
        return "Send alerts for new late/missing/edited reports and crawl problems (config/alerts.yaml)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--today", help="judge as of this date (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="print the messages; send and remember nothing")
        parser.add_argument("--config", help="alert configuration (default config/alerts.yaml or $NIANBAO_ALERTS)")
        parser.add_argument("--portal", help="portal id(s), comma-separated (default: all)")
        add_lang_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.alerts import commit_state, deliver, load_config, load_state, plan  # noqa: PLC0415
        from crawler.compliance import judge  # noqa: PLC0415

        assert self.settings is not None
        registry = default_registry(self.settings.get("REGISTRY_PATH"))
        store = open_store(self.settings["STORE_URI"])
        today = parse_today(opts.today)
        config = load_config(opts.config)
        portals = parse_portals(opts.portal, registry)
        statuses = judge(registry, store, today, portals=portals)
        state = load_state(store)
        due = plan(statuses, registry, store, state, today, config, lang_translator(opts.lang))
        for message in due.messages:
            print(f"[{message.kind}] {message.title}\n{message.body}\n")
        if opts.dry_run:
            print(f"{len(due.messages)} message(s) due; dry run: nothing sent")
            return
        delivered = deliver(due.messages, config)
        commit_state(store, state, due, delivered)
        print(f"{len(delivered)} of {len(due.messages)} message(s) delivered")
        if len(delivered) < len(due.messages) and config.targets:
            self.exitcode = 1
