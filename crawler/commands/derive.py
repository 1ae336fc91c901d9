"""`scrapy derive`: bring every portal's cross-report findings up to date (crawler/derive.py).

A crawl's close derives the findings of the portal it crawled; a copy partner it adds or removes in
another portal's reports is refreshed here, from the portals' signature files (no record is read). Run by
`scrapy crawlall` at its end, and as an after-crawl step of the schedule or the queue's derive task.
"""

from __future__ import annotations

import argparse

from crawler.project_command import ProjectCommand
from crawler.store import open_store


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--portal P]"

    def short_desc(self) -> str:
        return "Refresh the cross-report copy findings (V34) of every portal, or one, against all portals"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--portal", action="append", default=None, help="only this portal (repeatable)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler import derive  # noqa: PLC0415

        assert self.settings is not None
        store = open_store(self.settings["STORE_URI"])
        try:
            changed = derive.refresh(store, opts.portal)
        finally:
            store.close()
        print(f"{store.uri}: derived findings of {changed} report file(s) changed")
