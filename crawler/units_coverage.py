"""Which NBS units the portal registry covers: the join of ``crawler/units.py`` (every township unit, by
code) and the portal registry (``config/portals.yaml`` and ``config/hubei.yaml``: the portals and the units
they publish, each with its ``nbs`` code).

A unit is

* ``covered`` when a registry entry carries its code: the portal's spider crawls it;
* ``not_listed`` when a portal of its county is configured but no entry carries the code (a unit the
  registry lacks, e.g. a 乡 of a Wuhan district that only lists streets);
* ``not_covered`` when no portal of its county is configured; ``county_host`` then names the county's
  portal where the research saw it (``crawler/data/hubei-county-portals.csv``), so that configuring it is
  the next step.

Pure functions of the two registries and the host table; nothing here fetches.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from crawler.registry import Registry
from crawler.units import DATA_DIR, Unit, UnitRegistry

COUNTY_PORTALS_FILE = DATA_DIR / "hubei-county-portals.csv"

State = Literal["covered", "not_listed", "not_covered"]


@dataclass(frozen=True)
class CountyPortal:
    county_code: str
    county: str
    host: str
    evidence: str | None

    @property
    def spider(self) -> str:
        """The spider id such a portal gets: the first label of its host after ``www.`` (www.hbdaye.gov.cn →
        hbdaye), so that anyone can guess it from a URL."""
        return self.host.removeprefix("www.").split(".")[0]


@dataclass(frozen=True)
class Coverage:
    unit: Unit
    state: State
    portals: tuple[str, ...] = ()  # covered: the portal(s) whose entry carries the code; not_listed: the county's
    registry_name: str | None = None  # the name the registry gives the unit, where it differs from NBS's
    county_portal: CountyPortal | None = None  # not_covered: the county's portal, where known


def parse_county_portals(text: str) -> dict[str, CountyPortal]:
    """``county_code,county,host,evidence`` rows by county code; ValueError naming a malformed row."""
    found: dict[str, CountyPortal] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        code, host = row.get("county_code") or "", row.get("host") or ""
        if not (code.isdigit() and len(code) == 6) or not host or "/" in host or code in found:
            raise ValueError(f"county portals line {line}: bad or repeated row {row}")
        found[code] = CountyPortal(code, row.get("county") or "", host.lower(), row.get("evidence") or None)
    return found


@functools.cache
def county_portals() -> Mapping[str, CountyPortal]:
    """The packaged table of known Hubei county portal hosts."""
    return parse_county_portals(COUNTY_PORTALS_FILE.read_text(encoding="utf-8"))


def registry_codes(registry: Registry) -> dict[str, list[tuple[str, str]]]:
    """NBS code → [(portal id, unit name)] of every registry entry (street or other unit) carrying it."""
    codes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for portal in registry.portals.values():
        for unit in (*portal.streets, *portal.non_street_units):
            if unit.nbs:
                codes[unit.nbs].append((portal.id, unit.name))
    return dict(codes)


def configured_counties(registry: Registry, nbs: UnitRegistry) -> dict[str, tuple[str, ...]]:
    """County code → the portals configured for it: a portal whose legal district is the county, or one
    that publishes a unit of that county (a development zone's portal publishes streets of several)."""
    counties: dict[str, list[str]] = defaultdict(list)

    def add(code: str, portal_id: str) -> None:
        if portal_id not in counties[code]:
            counties[code].append(portal_id)

    for portal in registry.portals.values():
        if portal.legal_district and (county := nbs.county_named(portal.legal_district)):
            add(county.code, portal.id)
    for code, entries in registry_codes(registry).items():
        for portal_id, _name in entries:
            add(code[:6], portal_id)
    return {code: tuple(ids) for code, ids in counties.items()}


def coverage(
    registry: Registry,
    nbs: UnitRegistry,
    units: Iterable[Unit],
    hosts: Mapping[str, CountyPortal] | None = None,
) -> list[Coverage]:
    """The coverage of each of ``units`` (in their order)."""
    hosts = county_portals() if hosts is None else hosts
    codes = registry_codes(registry)
    counties = configured_counties(registry, nbs)
    out: list[Coverage] = []
    for unit in units:
        if entries := codes.get(unit.code):
            names = {name for _p, name in entries if name != unit.name}
            portals = tuple(dict.fromkeys(p for p, _n in entries))
            out.append(Coverage(unit, "covered", portals, registry_name=next(iter(sorted(names)), None)))
        elif configured := counties.get(unit.county_code):
            out.append(Coverage(unit, "not_listed", configured))
        else:
            out.append(Coverage(unit, "not_covered", county_portal=hosts.get(unit.county_code)))
    return out
