"""`scrapy extract [--portal P] [--year Y] [--changed-only]`: (re-)extract the archive's report files.

After a parser upgrade, every archived report file is read again from its latest archived version and its
record stored beside it (a new version of the record only when it changed), then the cross-report rules
run over the whole archive. A progress bar goes to stderr; the summary to stdout. Exit status 1 when a
file could not be extracted at all (the archive itself failed), not for unreadable reports: those are
records with a P00 finding, counted in the summary. Files are read in the bounded worker pool
(EXTRACT_WORKERS, EXTRACT_MEMORY_MB, EXTRACT_TIMEOUT); a file whose record says a limit refused it is not
read again until the extractor version changes.
"""

from __future__ import annotations

import argparse
import collections
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.commands.status import parse_portals
from crawler.project_command import ProjectCommand
from crawler.registry import default_registry
from crawler.store import Store, StoreError, open_store

if TYPE_CHECKING:
    from crawler import records
    from crawler.extract.workers import ExtractPool, WorkerLimits


@dataclass
class Summary:
    reports: int = 0
    files: int = 0
    skipped: int = 0  # already extracted by this extractor version (--changed-only)
    changed: int = 0  # records that are new or differ from the stored one
    cross_changed: int = 0
    unreadable: int = 0  # P00
    failures: list[str] = field(default_factory=list)  # the archive could not be read or written
    severities: collections.Counter[str] = field(default_factory=collections.Counter)
    templates: collections.Counter[str] = field(default_factory=collections.Counter)

    def lines(self) -> list[str]:
        return [
            f"reports {self.reports}, files {self.files}, records new or changed {self.changed}, "
            f"unchanged files skipped {self.skipped}",
            f"templates: {dict(sorted(self.templates.items()))}",
            f"findings: {dict(sorted(self.severities.items()))}; unreadable files (P00): {self.unreadable}",
            f"cross-report checks (V32–V35) updated {self.cross_changed} record(s)",
            *(f"FAILED {failure}" for failure in self.failures),
        ]


def extract_archive(
    store: Store,
    *,
    portal: str | None = None,
    year: int | None = None,
    changed_only: bool = False,
    registry_path: str | None = None,
    progress: bool = True,
    limits: WorkerLimits | None = None,
) -> Summary:
    from crawler.extract.workers import ExtractPool  # noqa: PLC0415

    with ExtractPool(limits) as pool:
        return _extract_archive(
            store, pool, portal=portal, year=year, changed_only=changed_only, registry_path=registry_path,
            progress=progress,
        )  # fmt: skip


def _extract_archive(
    store: Store,
    pool: ExtractPool,
    *,
    portal: str | None,
    year: int | None,
    changed_only: bool,
    registry_path: str | None,
    progress: bool,
) -> Summary:
    from tqdm import tqdm  # noqa: PLC0415

    from crawler import derive, records  # noqa: PLC0415
    from crawler.edits import refresh_events  # noqa: PLC0415

    policies = records.deadline_policies(default_registry(registry_path))

    def reader(data: bytes, **kwargs: Any) -> records.Record:
        return pool.extract(data, **kwargs).result()

    summary = Summary()
    prefixes = records.report_prefixes(store, portal, year)
    touched: set[str] = set()
    for prefix in tqdm(prefixes, desc="extract", unit="report", disable=not progress, file=sys.stderr):
        summary.reports += 1
        try:
            report = records.report_meta(store, prefix)
        except StoreError as exc:
            summary.failures.append(f"{prefix}: {exc}")
            continue
        for outcome in records.extract_report(store, report, policies, changed_only=changed_only, reader=reader):
            summary.files += 1
            summary.skipped += outcome.skipped
            summary.changed += outcome.changed
            if outcome.error:
                summary.failures.append(f"{outcome.key}: {outcome.error}")
            if outcome.record is None:
                continue
            touched.add(prefix)
            summary.templates[outcome.record.template_version] += 1
            summary.unreadable += any(f.rule == "P00" for f in outcome.record.findings)
            summary.severities.update(f.severity for f in outcome.record.findings)
    # A full pass recomputes every report's cross findings; a partial one those that touch what changed.
    # Each portal's first (against the others' signatures as they stand), then V34 of every portal again
    # against the signatures every portal has now (crawler/derive.py).
    full = portal is None and year is None
    for name in derive.portals_of(records.report_prefixes(store) if full else touched):
        summary.cross_changed += derive.derive_portal(store, name, None if full else touched)
    summary.cross_changed += derive.refresh(store)
    refresh_events(store)
    return summary


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--portal P] [--year Y] [--changed-only]"

    def short_desc(self) -> str:
        return "Re-extract the archived reports into records (after a parser upgrade), with a summary"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--portal", default=None, help="only this portal (registry id)")
        parser.add_argument("--year", type=int, default=None, help="only reports of this year")
        parser.add_argument(
            "--changed-only", action="store_true", help="skip files already extracted by this extractor version"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.extract.workers import WorkerLimits  # noqa: PLC0415

        assert self.settings is not None
        # a typo is a usage error, not "0 files extracted"
        parse_portals(opts.portal, default_registry(self.settings.get("REGISTRY_PATH") or None))
        store = open_store(self.settings["STORE_URI"])
        try:
            summary = extract_archive(
                store,
                portal=opts.portal,
                year=opts.year,
                changed_only=opts.changed_only,
                registry_path=self.settings.get("REGISTRY_PATH") or None,
                progress=not opts.no_progress,
                limits=WorkerLimits.from_settings(self.settings),
            )
        finally:
            store.close()
        print("\n".join(summary.lines()))
        if summary.failures:
            self.exitcode = 1
