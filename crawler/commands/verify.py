"""`scrapy verify`: re-hash every archived version against the ledger (and S3 object metadata), check
the ledger's hash chain, that the catalog agrees with the ledger, and (S3) that no object version is
an orphan no ledger entry names. Exit status 1 on any mismatch, missing object or pending spool."""

from __future__ import annotations

import argparse

from crawler.project_command import ProjectCommand
from crawler.store import Store, StoreError, open_store
from crawler.store.base import Version, sha256_hex


def verify(store: Store, prefix: str = "", notes: list[str] | None = None) -> tuple[int, list[str]]:
    """(versions checked, problems). The ledger itself is the record checked; then the catalog must
    agree with it, and (S3) every object version must be named by an entry. What is worth knowing but no
    problem (an upload a dead writer left without its entry) is added to ``notes``."""
    problems: list[str] = []
    verify_chain = getattr(store, "verify_chain", None)
    if verify_chain is not None:
        problems += verify_chain()
    check_metadata = getattr(store, "check_metadata", None)
    read_ledger = getattr(store, "read_ledger", None)
    ledger = read_ledger() if read_ledger is not None else list(store.ledger())
    checked = 0
    for version in ledger:
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
    if read_ledger is not None:
        problems += catalog_problems(store, ledger, prefix)
    orphans = getattr(store, "orphan_versions", None)
    if orphans is not None:
        bad, harmless = orphans()
        problems += [p for p in bad if p.startswith(prefix)]
        if notes is not None:
            notes += [n for n in harmless if n.startswith(prefix)]
    pending = getattr(store, "pending", None)
    if pending is not None and (n := pending()):
        problems.append(f"{n} put(s) are still spooled locally (run `scrapy flush`)")
    return checked, problems


def catalog_problems(store: Store, ledger: list[Version], prefix: str = "") -> list[str]:
    """Where the catalog (crawler/store/catalog.py) disagrees with the ledger, entry by entry."""
    refresh = getattr(store, "refresh", None)
    if refresh is not None:
        refresh()  # entries written since the store was opened are the catalog's too
    problems: list[str] = []
    catalog = list(store.index.entries())
    for n, (recorded, listed) in enumerate(zip(ledger, catalog, strict=False)):
        if recorded == listed or not (recorded.key.startswith(prefix) or listed.key.startswith(prefix)):
            continue
        left, right = recorded.to_json(), listed.to_json()
        fields = ", ".join(
            f"{name} {right[name]!r} != ledger {left[name]!r}" for name in left if left[name] != right[name]
        )
        problems.append(f"catalog entry {n} ({listed.key} v{listed.version}) differs from the ledger: {fields}")
    for n, missing in enumerate(ledger[len(catalog) :], len(catalog)):
        if missing.key.startswith(prefix):
            problems.append(f"ledger entry {n} ({missing.key} v{missing.version}) is missing from the catalog")
    for n, extra in enumerate(catalog[len(ledger) :], len(ledger)):
        if extra.key.startswith(prefix):
            problems.append(f"catalog entry {n} ({extra.key} v{extra.version}) is in no ledger entry")
    return problems


class Command(ProjectCommand):
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
        notes: list[str] = []
        try:
            checked, problems = verify(store, opts.prefix, notes)
        except StoreError as exc:
            checked, problems = 0, [str(exc)]
        for note in notes:
            print(f"NOTE {note}")
        for problem in problems:
            print(f"PROBLEM {problem}")
        if any(" the catalog" in problem or problem.startswith("catalog entry") for problem in problems):
            print("The catalog disagrees with the ledger: `scrapy catalog rebuild` rebuilds it from the ledger.")
        print(f"{store.uri}: {checked} version(s) checked, {len(problems)} problem(s)")
        if problems:
            self.exitcode = 1
