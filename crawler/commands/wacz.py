"""`scrapy wacz PORTAL -O FILE [--crawl ID]`: a portal's WARC captures as one WACZ package."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand
from crawler.store import StoreError, open_store


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "PORTAL --output FILE.wacz [--crawl CRAWL_ID]"

    def short_desc(self) -> str:
        return "Package a portal's archived WARC captures as WACZ (for ReplayWeb.page, pywb)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--output", "-O", dest="output_file", required=True, help="the .wacz file to write")
        parser.add_argument("--crawl", default=None, help="up to and including this crawl id (default: all)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.wacz import package  # noqa: PLC0415

        assert self.settings is not None
        if len(args) != 1:
            raise UsageError("expected one PORTAL")
        target = Path(opts.output_file)
        partial = target.with_name(target.name + ".part")  # a failed run leaves no half package under the name
        try:
            with partial.open("wb") as out:
                made = package(open_store(self.settings["STORE_URI"]), args[0], out, crawl_id=opts.crawl)
        except StoreError as exc:
            partial.unlink(missing_ok=True)
            print(f"wacz: {exc}")
            self.exitcode = 1
            return
        partial.replace(target)
        print(f"{target}: {made.warcs} WARC file(s) of {len(made.crawls)} crawl(s), {made.captures} captures, "
              f"{made.pages} report pages")  # fmt: skip
