"""`scrapy units [--province 42] [--county CODE] [--format table|json|csv] [--lang en]`: the NBS 2023
township units (crawler/units.py) with the portal spider that covers each (crawler/units_coverage.py)."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

from crawler.commands.status import add_lang_option, lang_translator, ljust, width
from crawler.i18n import N_, Translator
from crawler.project_command import ProjectCommand
from crawler.registry import default_registry

if TYPE_CHECKING:
    from crawler.units import Unit
    from crawler.units_coverage import Coverage

T_CODE, T_NAME, T_KIND, T_COUNTY, T_PORTAL = N_("code"), N_("name"), N_("kind"), N_("county"), N_("portal")
T_SUMMARY = N_(
    "{count} units: {covered} covered, {not_listed} not listed by their county's portal, {not_covered} not covered"
)
KIND_LABELS = {"街道": "街道", "镇": "镇", "乡": "乡", "other": N_("other")}
FIELDS = ("code", "name", "kind", "owes_report", "county_code", "county", "city", "province", "state", "portals",
          "registry_name", "county_host", "county_spider")  # fmt: skip


class Command(ProjectCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--province 42] [--county CODE] [--format table|json|csv]"

    def short_desc(self) -> str:
        return "List the NBS 2023 township units with the portal spider that covers each"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", help="2-digit NBS province code, e.g. 42 (湖北)")
        parser.add_argument("--county", help="6-digit NBS county code, e.g. 420106 (武昌区)")
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        add_lang_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.units import nbs_units  # noqa: PLC0415
        from crawler.units_coverage import coverage  # noqa: PLC0415

        assert self.settings is not None
        registry = default_registry(self.settings.get("REGISTRY_PATH"))
        units = select(opts.province, opts.county)
        rows = coverage(registry, nbs_units(), units)
        _ = lang_translator(opts.lang)
        print({"json": as_json, "csv": as_csv, "table": as_table}[opts.format](rows, _))


def select(province: str | None, county: str | None) -> tuple[Unit, ...]:
    """The units of a county, of a province, or all; a usage error for a code that is not one."""
    from crawler.units import nbs_units  # noqa: PLC0415

    nbs = nbs_units()
    if county:
        if province and not county.startswith(province):
            raise UsageError(f"--county {county} is not in --province {province}")
        if county not in nbs.counties:
            raise UsageError(f"--county: no NBS 2023 county with code {county!r} (6 digits, e.g. 420106)")
        return nbs.in_county(county)
    if province:
        if len(province) != 2 or not any(c.province_code == province for c in nbs.counties.values()):
            raise UsageError(f"--province: no NBS 2023 province with code {province!r} (2 digits, e.g. 42)")
        return nbs.in_province(province)
    return tuple(nbs.units.values())


def row(c: Coverage) -> dict[str, Any]:
    """The data of one unit: field names and codes never change with the language."""
    u = c.unit
    return {
        "code": u.code, "name": u.name, "kind": u.kind, "owes_report": u.owes_report, "county_code": u.county_code,
        "county": u.county_name, "city": u.city, "province": u.province, "state": c.state,
        "portals": list(c.portals), "registry_name": c.registry_name,
        "county_host": c.county_portal.host if c.county_portal else None,
        "county_spider": c.county_portal.spider if c.county_portal else None,
    }  # fmt: skip


def as_json(rows: list[Coverage], _: Translator) -> str:
    return json.dumps([row(c) for c in rows], ensure_ascii=False, indent=1)


def as_csv(rows: list[Coverage], _: Translator) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for c in rows:
        writer.writerow({**row(c), "portals": " ".join(c.portals)})
    return out.getvalue()


def portal_cell(c: Coverage, _: Translator) -> str:
    if c.state == "covered":
        return ", ".join(c.portals)
    if c.state == "not_listed":
        return _("not listed by {portals}", portals=", ".join(c.portals))
    if c.county_portal is not None:
        return _("not covered (county portal {host})", host=c.county_portal.host)
    return _("not covered")


def as_table(rows: list[Coverage], _: Translator) -> str:
    header = [_(T_CODE), _(T_NAME), _(T_KIND), _(T_COUNTY), _(T_PORTAL)]
    body = [
        [c.unit.code, c.unit.name, _(KIND_LABELS[c.unit.kind]), f"{c.unit.county_name} {c.unit.county_code}",
         portal_cell(c, _)]
        for c in rows
    ]  # fmt: skip
    widths = [max(width(r[i]) for r in [header, *body]) + 2 for i in range(len(header) - 1)]
    lines = ["".join(ljust(cell, w) for cell, w in zip(r, widths, strict=False)) + r[-1] for r in [header, *body]]
    counts = Counter(c.state for c in rows)
    lines.append(_(T_SUMMARY, count=len(rows), **{k: counts[k] for k in ("covered", "not_listed", "not_covered")}))
    return "\n".join(lines)
