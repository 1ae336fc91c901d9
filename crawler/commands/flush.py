"""`scrapy flush`: send puts spooled while the object store was unreachable (see crawler/store/spool.py)."""

from __future__ import annotations

import argparse

from crawler.project_command import ProjectCommand
from crawler.store import StoreError, open_store


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def short_desc(self) -> str:
        return "Replay puts spooled while S3 was unreachable (non-zero exit if some remain)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.edits import note_edits  # noqa: PLC0415

        assert self.settings is not None
        store = open_store(self.settings["STORE_URI"])
        flush = getattr(store, "flush", None)
        if flush is None:
            print(f"{store.uri}: a local archive has no spool")
            return
        before = store.pending()  # type: ignore[attr-defined]
        try:
            # Report files among the flushed writes may be silent edits the crawl could not check.
            note_edits(store, flush(blocking=True).stored)
        except StoreError as exc:
            print(f"{store.uri}: {exc}")
            note_edits(store, store.take_flushed())  # what was stored before the failure
        left = store.pending()  # type: ignore[attr-defined]
        print(f"{store.uri}: flushed {before - left} spooled put(s); {left} left")
        if left:
            self.exitcode = 1
