"""`scrapy export --format csv|jsonl|parquet [--year Y] [--portal P] [--output FILE]`: one row per report
with every table key (columns: :data:`crawler.export.COLUMNS`). Run after extraction (crawl or
`scrapy extract`); reports without a record still get a row with their identity and empty cells."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.exceptions import UsageError

from crawler.commands.status import parse_portals
from crawler.project_command import ProjectCommand
from crawler.registry import default_registry
from crawler.store import open_store


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "--format csv|jsonl|parquet [--year Y] [--portal P] [--output FILE]"

    def short_desc(self) -> str:
        return "Export one row per archived report with every table value (for researchers)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        from crawler.export import FORMATS  # noqa: PLC0415

        super().add_options(parser)
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
        parser.add_argument("--year", type=int, default=None, help="only reports of this year")
        parser.add_argument("--portal", default=None, help="only this portal (registry id)")
        parser.add_argument("--output", "-O", dest="output_file", default=None, help="file (default stdout)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.export import nbs_codes, report_row, write_rows  # noqa: PLC0415
        from crawler.records import archived_reports  # noqa: PLC0415

        assert self.settings is not None
        if opts.fmt == "parquet" and not opts.output_file:
            raise UsageError("--format parquet needs --output FILE")
        registry = default_registry(self.settings.get("REGISTRY_PATH"))
        parse_portals(opts.portal, registry)  # a typo is a usage error, not an empty export
        codes = nbs_codes(registry)
        store = open_store(self.settings["STORE_URI"])
        try:
            rows = [report_row(r, codes) for r in archived_reports(store, opts.portal, opts.year, with_text=False)]
        finally:
            store.close()
        out = Path(opts.output_file) if opts.output_file else None
        count = write_rows(rows, opts.fmt, out)
        if out is not None:
            print(f"{count} report(s) written to {out}")
