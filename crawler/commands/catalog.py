"""`scrapy catalog status|rebuild`: the archive's catalog database (crawler/store/catalog.py)."""

from __future__ import annotations

import argparse
import time

from scrapy.exceptions import UsageError

from crawler.project_command import ProjectCommand
from crawler.store import Store, StoreError, open_store


def rebuild(store: Store) -> tuple[int, int]:
    """Drop the archive's catalog and read its whole ledger into it again: (entries dropped, entries now)."""
    dropped = store.index.reset()
    store.refresh()  # type: ignore[attr-defined]  # LocalStore, S3Backend (through the spool wrapper)
    return dropped, len(store.index)


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "status|rebuild"

    def short_desc(self) -> str:
        return "Show the archive's catalog, or rebuild it from the archive's ledger"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args not in (["status"], ["rebuild"]):
            raise UsageError("expected `scrapy catalog status` or `scrapy catalog rebuild`")
        store = open_store(self.settings["STORE_URI"])
        index = store.index
        where = f"{index.catalog.safe_url} (archive {index.archive!r})"
        try:
            if args == ["rebuild"]:
                began = time.monotonic()
                dropped, now = rebuild(store)
                print(
                    f"{store.uri}: catalog {where} rebuilt from the ledger: {dropped} entries dropped, {now} read "
                    f"in {time.monotonic() - began:.1f} s"
                )
            else:
                cursor = index.cursor()
                print(
                    f"{store.uri}: catalog {where}: {cursor.entries} entries, {len(index.keys())} keys, "
                    f"ledger read up to {cursor.position or 'its start'}"
                )
        except StoreError as exc:
            print(f"{store.uri}: {exc}")
            self.exitcode = 1
