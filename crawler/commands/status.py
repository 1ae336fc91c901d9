"""`scrapy status`: the compliance matrix of every street and report year, with evidence."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import unicodedata
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from scrapy.exceptions import UsageError

from crawler.i18n import N_, Translator, language, translator
from crawler.project_command import ProjectCommand
from crawler.registry import Registry, default_registry
from crawler.store import open_store

if TYPE_CHECKING:
    from crawler.compliance import Status

SYMBOLS = {"on_time": "✓", "pending": "…", "unknown": "?"}  # the same in every language
CELL = {"premature": N_("early"), "missing": N_("MISSING")}


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", help="language of the output: zh (default) or en (default: $NIANBAO_LANG or zh)")


def lang_translator(value: str | None) -> Translator:
    """The translator of ``--lang`` (else NIANBAO_LANG, else Chinese); a usage error for an unknown language."""
    try:
        return translator(language(value))
    except ValueError as error:
        raise UsageError(f"--lang: {error}") from None


def width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def rjust(text: str, columns: int) -> str:
    return " " * max(columns - width(text), 0) + text


def ljust(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


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


def parse_portals(value: str | None, registry: Registry) -> list[str] | None:
    """``--portal a,b``: the registry's portal ids named (None: all). A name the registry does not know is a
    usage error listing the known ones: a typo must not give an empty table, dashboard or export."""
    if not value:
        return None
    portals = [p for p in value.split(",") if p]
    if unknown := [p for p in portals if p not in registry.portals]:
        known = ", ".join(registry.portals)
        raise UsageError(f"--portal: no portal {', '.join(unknown)} in the registry; known: {known}")
    return portals


def add_province_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--province",
        help="also list, as unknown, the units of this NBS province (2 digits, e.g. 42) that no portal covers",
    )


def province_statuses(
    registry: Registry, province: str | None, today: dt.date, years: list[int] | None
) -> list[Status]:
    """``--province``: ``unknown`` for every unit of the province that no registry entry covers; none without it;
    a usage error for a code that is no NBS province (call it before judging: a typo fails at once)."""
    from crawler.compliance import unlisted  # noqa: PLC0415
    from crawler.units import nbs_units  # noqa: PLC0415

    if province is None:
        return []
    if not (len(province) == 2 and nbs_units().in_prefix(province)):
        raise UsageError(f"--province: no NBS 2023 province with code {province!r} (2 digits, e.g. 42)")
    return unlisted(registry, nbs_units(), province, today, years=years)


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--year Y] [--portal P] [--province 42] [--format table|json|csv] [--today YYYY-MM-DD]"

    def short_desc(self) -> str:
        return "Print on-time / late / missing / unknown for every street and year (non-zero exit if late or missing)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--year", help="report year(s): 2024, 2023,2024 or 2019-2025 (default: all due so far)")
        parser.add_argument("--portal", help="portal id(s), comma-separated (default: all)")
        add_province_option(parser)
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        parser.add_argument("--today", help="judge as of this date (default: today)")
        add_lang_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.compliance import judge  # noqa: PLC0415

        assert self.settings is not None
        registry = default_registry(self.settings.get("REGISTRY_PATH"))
        portals = parse_portals(opts.portal, registry)
        today, years = parse_today(opts.today), parse_years(opts.year)
        unlisted_units = province_statuses(registry, opts.province, today, years)
        statuses = judge(
            registry, open_store(self.settings["STORE_URI"]), today, years=years, portals=portals
        ) + unlisted_units  # fmt: skip
        render = {"json": as_json, "csv": as_csv, "table": as_table}[opts.format]
        print(render(statuses, lang_translator(opts.lang)))
        if any(s.status in ("late", "missing") for s in statuses):
            self.exitcode = 1


def as_json(statuses: list[Status], _: Translator) -> str:
    """The same fields in every language; only ``reason`` (text for people) follows it."""
    return json.dumps([s.to_json(_) for s in statuses], ensure_ascii=False, indent=1)


def as_csv(statuses: list[Status], _: Translator) -> str:
    out = io.StringIO()
    fields = ["portal", "street", "street_key", "nbs", "legal_district", "year", "status", "days_late", "severity",
              "deadline", "date_used", "date_basis", "page_date", "url_date", "doc_date", "report_url",
              "reason"]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for status in statuses:
        writer.writerow(status.to_json(_))
    return out.getvalue()


def as_table(statuses: list[Status], _: Translator) -> str:
    from crawler.compliance import STATUS_LABELS, STATUSES, group_of  # noqa: PLC0415

    by_portal: dict[str, dict[str, dict[int, Status]]] = defaultdict(lambda: defaultdict(dict))
    for s in statuses:
        # Units no portal covers (--province) are grouped by their county.
        group = s.portal or f"{s.legal_district} {group_of(s)}"
        by_portal[group][s.street][s.year] = s
    lines: list[str] = []
    for portal, streets in by_portal.items():
        years = sorted({y for cells in streets.values() for y in cells})
        first = max(width(name) for name in streets) + 2
        lines.append(f"\n{portal}")
        lines.append(" " * first + "".join(rjust(str(y), 9) for y in years))
        for street, cells in streets.items():
            lines.append(ljust(street, first) + "".join(rjust(_cell(cells[y], _), 9) for y in years))
    counts = Counter(s.status for s in statuses)
    lines.append("\n" + _(", ").join(f"{counts[k]} {_(STATUS_LABELS[k])}" for k in STATUSES if counts[k]))
    lines.append(_("✓ on time · late +N days · MISSING · ? unknown (crawl failed or unverified) · … pending"))
    problems = [s for s in statuses if s.status in ("late", "missing")]
    label = max(8, *(width(_(STATUS_LABELS[k])) for k in ("late", "missing")))
    for s in problems:
        lines.append(f"  {ljust(_(STATUS_LABELS[s.status]), label)} {s.portal} {s.street} {s.year}: {_.text(s.reason)}")
    return "\n".join(lines)


def _cell(status: Status, _: Translator) -> str:
    if status.status == "late":
        return _("+{days}d", days=status.days_late)
    return SYMBOLS.get(status.status) or _(CELL[status.status])
