"""`scrapy history PORTAL STREET YEAR`: every version of every file of one report."""

from __future__ import annotations

import argparse
import json

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand
from crawler.store import open_store
from crawler.store.base import safe_key


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "PORTAL STREET YEAR [--json]"

    def short_desc(self) -> str:
        return "List every archived version of a report's files (capture time, sha256, source URL)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="one JSON object per version")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) != 3:
            raise UsageError("expected PORTAL STREET YEAR (STREET as in the archive key, e.g. yyj)")
        prefix = safe_key(*args) + "/"
        store = open_store(self.settings["STORE_URI"])
        versions = [v for v in store.ledger() if v.key.startswith(prefix)]
        if not versions:
            print(f"nothing archived under {prefix}")
            self.exitcode = 1
            return
        if opts.json:
            for v in versions:
                print(json.dumps(v.to_json(), ensure_ascii=False, sort_keys=True))
            return
        for key in dict.fromkeys(v.key for v in versions):
            print(key)
            for v in (v for v in versions if v.key == key):
                fetched = v.fetched_at or v.stored_at
                print(f"  v{v.version}  fetched {fetched}  sha256 {v.sha256}  {v.size} B  {v.source_url or '-'}")
