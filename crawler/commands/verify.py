"""`scrapy verify`: re-hash every archived version against the ledger (and S3 object metadata), and
check the ledger's hash chain. Exit status 1 on any mismatch, missing object or pending spool."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand

from crawler.store import Store, StoreError, open_store
from crawler.store.base import sha256_hex


def verify(store: Store, prefix: str = "") -> tuple[int, list[str]]:
    """(versions checked, problems)."""
    problems: list[str] = []
    verify_chain = getattr(store, "verify_chain", None)
    if verify_chain is not None:
        problems += verify_chain()
    check_metadata = getattr(store, "check_metadata", None)
    checked = 0
    for version in store.ledger():
        if not version.key.startswith(prefix):
            continue
        checked += 1
        try:
            data = store.get(version.key, version.version)
        except StoreError as exc:
            problems.append(f"{version.key} v{version.version}: {exc}")
            continue
        if sha256_hex(data) != version.sha256 or len(data) != version.size:
            problems.append(
                f"{version.key} v{version.version}: bytes re-hash to {sha256_hex(data)} "
                f"({len(data)} B), ledger says {version.sha256} ({version.size} B)"
            )
        if check_metadata is not None and (problem := check_metadata(version)):
            problems.append(problem)
    pending = getattr(store, "pending", None)
    if pending is not None and (n := pending()):
        problems.append(f"{n} put(s) are still spooled locally (run `scrapy flush`)")
    return checked, problems


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--prefix KEYPREFIX]"

    def short_desc(self) -> str:
        return "Re-hash the archive against its ledger and check the ledger chain (non-zero exit on problems)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--prefix", default="", help="only versions of keys starting with this")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        store = open_store(self.settings["STORE_URI"])
        try:
            checked, problems = verify(store, opts.prefix)
        except StoreError as exc:
            checked, problems = 0, [str(exc)]
        for problem in problems:
            print(f"PROBLEM {problem}")
        print(f"{store.uri}: {checked} version(s) checked, {len(problems)} problem(s)")
        if problems:
            self.exitcode = 1
