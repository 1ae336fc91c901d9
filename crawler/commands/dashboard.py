"""`scrapy dashboard`: write the static status site, and keep a copy in the archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.commands.status import (
    add_lang_option,
    add_province_option,
    lang_translator,
    parse_portals,
    parse_today,
    parse_years,
    province_statuses,
)
from crawler.keys import DASHBOARD, dashboard_page
from crawler.project_command import ProjectCommand
from crawler.registry import default_registry
from crawler.store import open_store


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--out DIR] [--today YYYY-MM-DD] [--portal P] [--province 42] [--year Y]"

    def short_desc(self) -> str:
        return "Write the static dashboard (chart, heat maps, late and missing list, findings, a page per street)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--out", default="dashboard", help="output folder (default ./dashboard)")
        parser.add_argument("--today", help="judge as of this date (default: today)")
        parser.add_argument("--portal", help="portal id(s), comma-separated (default: all)")
        add_province_option(parser)
        parser.add_argument("--year", help="report year(s): 2024, 2023,2024 or 2019-2025")
        add_lang_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.compliance import judge  # noqa: PLC0415
        from crawler.dashboard import build_site  # noqa: PLC0415

        assert self.settings is not None
        registry = default_registry(self.settings.get("REGISTRY_PATH"))
        today, years = parse_today(opts.today), parse_years(opts.year)
        # The units no portal covers (--province), on a page per county (crawler/dashboard.py).
        unlisted_units = province_statuses(registry, opts.province, today, years)
        store = open_store(self.settings["STORE_URI"])
        portals = parse_portals(opts.portal, registry)
        statuses = judge(registry, store, today, years=years, portals=portals) + unlisted_units
        site = build_site(registry, store, statuses, today, lang_translator(opts.lang))
        out = Path(opts.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, page in site.items():
            (out / name).write_bytes(page.encode("utf-8"))
            store.put(dashboard_page(name), page.encode("utf-8"), content_type="text/html; charset=utf-8")
        print(
            f"dashboard written to {out / 'index.html'} ({len(site)} pages; a copy under {DASHBOARD}/ in the archive)"
        )
