"""`scrapy status`: the compliance matrix of every street and report year, with evidence."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
from collections import Counter, defaultdict

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.compliance import STATUSES, Status, judge
from crawler.registry import default_registry, load_registry
from crawler.store import open_store

CELL = {"on_time": "✓", "late": "late", "premature": "early", "missing": "MISSING", "pending": "…", "unknown": "?"}


def parse_today(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else dt.date.today()
    except ValueError:
        raise UsageError(f"--today: expected YYYY-MM-DD, got {value!r}") from None


def parse_years(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        if "-" in value:
            lo, hi = (int(p) for p in value.split("-", 1))
            return list(range(lo, hi + 1))
        return [int(p) for p in value.split(",")]
    except ValueError:
        raise UsageError(f"--year: expected YYYY, YYYY,YYYY or YYYY-YYYY, got {value!r}") from None


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--year Y] [--portal P] [--format table|json|csv] [--today YYYY-MM-DD]"

    def short_desc(self) -> str:
        return "Print on-time / late / missing / unknown for every street and year (non-zero exit if late or missing)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--year", help="report year(s): 2024, 2023,2024 or 2019-2025 (default: all due so far)")
        parser.add_argument("--portal", help="portal id(s), comma-separated (default: all)")
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        parser.add_argument("--today", help="judge as of this date (default: today)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        path = self.settings.get("REGISTRY_PATH")
        registry = load_registry(path) if path else default_registry()
        portals = [p for p in opts.portal.split(",") if p] if opts.portal else None
        for portal in portals or []:
            registry.portal(portal)  # a typo is an error, not an empty table
        statuses = judge(
            registry, open_store(self.settings["STORE_URI"]), parse_today(opts.today),
            years=parse_years(opts.year), portals=portals,
        )  # fmt: skip
        render = {"json": as_json, "csv": as_csv, "table": as_table}[opts.format]
        print(render(statuses))
        if any(s.status in ("late", "missing") for s in statuses):
            self.exitcode = 1


def as_json(statuses: list[Status]) -> str:
    return json.dumps([s.to_json() for s in statuses], ensure_ascii=False, indent=1)


def as_csv(statuses: list[Status]) -> str:
    out = io.StringIO()
    fields = ["portal", "street", "street_key", "legal_district", "year", "status", "days_late", "severity",
              "deadline", "date_used", "date_basis", "page_date", "url_date", "doc_date", "report_url",
              "reason"]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for status in statuses:
        writer.writerow(status.to_json())
    return out.getvalue()


def as_table(statuses: list[Status]) -> str:
    by_portal: dict[str, dict[str, dict[int, Status]]] = defaultdict(lambda: defaultdict(dict))
    for s in statuses:
        by_portal[s.portal][s.street][s.year] = s
    lines: list[str] = []
    for portal, streets in by_portal.items():
        years = sorted({y for cells in streets.values() for y in cells})
        width = max(len(name) for name in streets) * 2 + 2
        lines.append(f"\n{portal}")
        lines.append(" " * width + "".join(f"{y:>9}" for y in years))
        for street, cells in streets.items():
            row = "".join(f"{_cell(cells[y]):>9}" for y in years)
            lines.append(street + " " * (width - 2 * len(street)) + row)  # CJK characters are two columns wide
    counts = Counter(s.status for s in statuses)
    lines.append("\n" + ", ".join(f"{counts[k]} {k}" for k in STATUSES if counts[k]))
    lines.append("✓ on time · late +N days · MISSING · ? unknown (crawl failed or unverified) · … pending")
    problems = [s for s in statuses if s.status in ("late", "missing")]
    for s in problems:
        lines.append(f"  {s.status:8} {s.portal} {s.street} {s.year}: {s.reason}")
    return "\n".join(lines)


def _cell(status: Status) -> str:
    if status.status == "late":
        return f"+{status.days_late}d"
    return CELL[status.status]
