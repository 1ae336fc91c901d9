"""`scrapy dashboard`: write the static status site, and keep a copy in the archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.commands.status import parse_today, parse_years
from crawler.compliance import judge
from crawler.dashboard import build
from crawler.registry import default_registry, load_registry
from crawler.store import open_store


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--out DIR] [--today YYYY-MM-DD] [--portal P] [--year Y]"

    def short_desc(self) -> str:
        return "Write the static dashboard (heat maps, late and missing list, findings, version history)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--out", default="dashboard", help="output folder (default ./dashboard)")
        parser.add_argument("--today", help="judge as of this date (default: today)")
        parser.add_argument("--portal", help="portal id(s), comma-separated (default: all)")
        parser.add_argument("--year", help="report year(s): 2024, 2023,2024 or 2019-2025")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        path = self.settings.get("REGISTRY_PATH")
        registry = load_registry(path) if path else default_registry()
        store = open_store(self.settings["STORE_URI"])
        today = parse_today(opts.today)
        portals = [p for p in opts.portal.split(",") if p] if opts.portal else None
        statuses = judge(registry, store, today, years=parse_years(opts.year), portals=portals)
        page = build(registry, store, statuses, today).encode("utf-8")
        out = Path(opts.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_bytes(page)
        store.put("_dashboard/index.html", page, content_type="text/html; charset=utf-8")
        print(f"dashboard written to {out / 'index.html'} (and _dashboard/index.html in the archive)")
