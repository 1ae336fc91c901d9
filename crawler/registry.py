"""The portal registry (``config/portals.yaml`` and ``config/hubei.yaml``): districts, streets, columns and
deadlines.

Loaded and validated once; a bad file fails with a message that names the file, the entry and the
key, because the people who edit it are not Python programmers.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# The Wuhan registry: the first registry file (its defaults apply to all), and alone the replica's Wuhan world.
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "portals.yaml"
# Registry files read beside config/portals.yaml: Hubei's county portals (issue 19). What the spiders crawl
# is what every command judges, so every reader of the default registry reads them all (:func:`registry_spec`).
EXTRA_PATHS = (DEFAULT_PATH.parent / "hubei.yaml",)

Status = Literal["seen", "inferred", "unverified"]
ColumnStatus = Literal["seen", "inferred", "unknown"]


# A DNS host name of letter/digit/hyphen labels with at least one dot (no scheme, port, path or user).
_HOST_NAME = re.compile(r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}")
_IPV4ISH = re.compile(r"[0-9.]+")


class RegistryError(ValueError):
    """The registry file is malformed; the message names file, entry and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MonthDay(_Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    def in_year(self, year: int) -> dt.date:
        return dt.date(year, self.month, self.day)


class Unit(_Strict):
    """A street office (or another publishing unit) on one portal."""

    name: str
    # The unit's 12-digit NBS 统计用区划代码 (2023 edition; crawler/units.py), where it has one.
    nbs: str | None = None
    code: str | None = None
    channel: str | None = None
    status: Status
    column_status: ColumnStatus | None = None
    aliases: tuple[str, ...] = ()
    legal_district: str | None = None
    evidence: tuple[str, ...] = ()
    note: str | None = None
    # The report years the unit owes (inclusive): a street created in 2021 owes no 2019 report, one merged away
    # in 2022 no 2022 one. Streets were re-drawn 2019–2021 (docs/portals.md §9); without ``since`` a year before
    # the street's first report seen is judged ``unknown``, never ``missing`` (crawler/compliance.py).
    since: int | None = Field(default=None, ge=1990, le=2100)
    until: int | None = Field(default=None, ge=1990, le=2100)

    @model_validator(mode="after")
    def _years_in_order(self) -> Unit:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    def owes(self, year: int) -> bool:
        """Whether the unit owes a report for ``year`` by the registry (its ``since``/``until``)."""
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)

    @field_validator("code")
    @classmethod
    def _code_is_a_folder(cls, value: str | None) -> str | None:
        # Codes become URL path segments and archive keys: refuse anything that could escape.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", value):
            raise ValueError("must be a URL folder name of letters, digits, _ or -")
        return value

    @field_validator("nbs")
    @classmethod
    def _nbs_is_a_code(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]{12}", value):
            raise ValueError('must be a 12-digit NBS code (quote it in YAML: nbs: "420106002000")')
        return value

    @property
    def short(self) -> str:
        """The name without its 街道 / 办事处 suffix (石洞街道 → 石洞)."""
        return re.sub(r"(街道办事处|街道|街办事处|办事处|街)$", "", self.name) or self.name

    @property
    def key(self) -> str:
        """Stable archive identity of the unit within its portal: the folder code, else the name."""
        return self.code or self.name

    def names(self) -> tuple[str, ...]:
        """Every spelling a title or publisher may use: X街道, X街, X街办事处, X街道办事处, aliases."""
        short = self.short
        variants = {self.name, *self.aliases}
        if self.name.endswith("街道"):
            variants |= {short + "街道办事处", short + "街办事处", short + "街道", short + "街"}
        for alias in self.aliases:
            variants.add(alias)
        # Longest first so that 粮道街街道 wins over 粮道街.
        return tuple(sorted(variants, key=len, reverse=True))


class Discovery(_Strict):
    """How to find street columns the research could not see, from the portal's own navigation.

    From ``start``, follow links whose text contains each ``follow`` entry in turn, to the page that
    lists the street offices; there, a street's link leads to its column (or to its unit page, where
    a link whose text contains a ``column_link`` entry leads to the column).
    """

    start: str
    follow: tuple[str, ...] = ()
    column_link: tuple[str, ...] = ("政府信息公开年报", "政府信息公开工作年度报告", "信息公开年报", "年度报告", "年报")


class Portal(_Strict):
    id: str = ""
    name: str
    legal_district: str | None
    host: str
    # Other hosts this portal's report pages may link attachments on (e.g. a district file server).
    # Nothing else off the portal's host is ever fetched (crawler/guard.py, docs/security.md).
    attachment_hosts: tuple[str, ...] = ()
    scheme: Literal["http", "https"] = "https"
    ext: Literal["html", "shtml"]
    # The platform family: the spider base class that walks the portal (crawler/spiderloader.py).
    platform: Literal["trs", "hanweb"] = "trs"
    # Where the units' reports sit (docs/portals.md §9): a column per unit ({code}),
    # a column per year ({year}, with or without a unit sub-folder), or one column for the whole county.
    layout: Literal["per_street", "per_year", "county"]
    # The politeness group: portals of one group share one download slot (one request at a time, the
    # delay between them), e.g. county sites on one prefecture's server. Default: the host.
    group: str | None = None
    column: str | None
    column_status: ColumnStatus
    deadline: MonthDay | None = None
    late_error_after: MonthDay | None = None
    discovery: Discovery | None = None
    # Tiered revalidation: an archived report page is fetched again at least every this many days
    # (0: every crawl); None takes the REVALIDATE_DAYS setting (crawler/revalidation.py).
    revalidate_days: int | None = Field(default=None, ge=0)
    streets: tuple[Unit, ...]
    non_street_units: tuple[Unit, ...] = ()

    @field_validator("attachment_hosts")
    @classmethod
    def _hosts_are_public_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # A bare host name (no scheme, port or path), and never an address: the guard refuses literal
        # private/loopback addresses, and a public one cannot be the portal's own.
        for host in value:
            if not _HOST_NAME.fullmatch(host) or _IPV4ISH.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name (write e.g. files.example.gov.cn)")
        return tuple(h.lower() for h in value)

    @model_validator(mode="after")
    def _column_fits_layout(self) -> Portal:
        if self.column is None:
            return self
        if not self.column.startswith(f"{self.scheme}://{self.host}/"):
            raise ValueError(f"column must start with {self.scheme}://{self.host}/")
        if self.layout == "per_street" and "{code}" not in self.column:
            raise ValueError("a per_street column needs {code}")
        if self.layout == "per_year" and "{year}" not in self.column:
            raise ValueError("a per_year column needs {year}")
        if self.layout == "county" and "{" in self.column:
            raise ValueError("a county column is one URL, without {code} or {year}")
        return self

    @property
    def slot(self) -> str:
        """The download slot (politeness budget) of the portal's requests: its group, else its host."""
        return self.group or self.host

    def crawlable_streets(self) -> tuple[Unit, ...]:
        """Streets whose column URL can be built: a known column and (per street) a known code."""
        if self.column is None:
            return ()
        if self.layout in ("per_year", "county"):
            return tuple(s for s in self.streets if s.status != "unverified")
        return tuple(s for s in self.streets if s.code and s.status != "unverified")

    def discoverable_streets(self) -> tuple[Unit, ...]:
        """Streets whose column must be found through the portal's navigation."""
        if self.discovery is None or self.layout != "per_street":
            return ()
        known = set(self.crawlable_streets())
        return tuple(s for s in self.streets if s not in known)

    def column_pattern(self) -> re.Pattern[str] | None:
        """The column template as a regex capturing ``code`` (and ``channel``), to recognise a
        discovered link as a street column."""
        if self.column is None or self.layout != "per_street":
            return None
        pattern = re.escape(self.column).replace(re.escape("{code}"), "(?P<code>[A-Za-z0-9_-]+)")
        pattern = pattern.replace(re.escape("{channel}"), "(?P<channel>[0-9]+)")
        return re.compile("^" + pattern.replace("https", "https?", 1))

    def street_column(self, unit: Unit) -> str:
        if self.column is None or self.layout != "per_street" or not unit.code:
            raise ValueError(f"{self.id}: no column URL for {unit.name}")
        return self.column.format(code=unit.code, channel=unit.channel or "")

    def year_column(self, year: int) -> str:
        if self.column is None or self.layout != "per_year":
            raise ValueError(f"{self.id}: not a per-year portal")
        return self.column.format(year=year)

    def unit(self, key: str) -> Unit:
        for unit in self.streets:
            if key in (unit.key, unit.name):
                return unit
        raise KeyError(f"{self.id}: no street {key!r}")

    def legal_district_of(self, unit: Unit) -> str | None:
        return unit.legal_district or self.legal_district


class Registry(_Strict):
    deadline: MonthDay
    late_error_after: MonthDay
    first_report_year: int
    portals: dict[str, Portal]

    def portal(self, portal_id: str) -> Portal:
        try:
            return self.portals[portal_id]
        except KeyError:
            raise KeyError(f"unknown portal {portal_id!r}; known: {', '.join(self.portals)}") from None

    def deadline_for(self, portal: Portal, report_year: int) -> dt.date:
        """Last on-time day for a street report of ``report_year`` (inclusive)."""
        return (portal.deadline or self.deadline).in_year(report_year + 1)

    def late_error_after_for(self, portal: Portal, report_year: int) -> dt.date:
        return (portal.late_error_after or self.late_error_after).in_year(report_year + 1)

    def iter_streets(self) -> Iterator[tuple[Portal, Unit]]:
        for portal in self.portals.values():
            for unit in portal.streets:
                yield portal, unit


def _describe(path: Path, raw: dict, error: ValidationError) -> str:
    lines = [f"{path}: invalid registry"]
    for err in error.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        # Name the entry by its human name (portal id / street name), not only by index.
        if len(loc) >= 3 and loc[0] == "portals":
            portal = raw.get("portals", {}).get(loc[1], {})
            if len(loc) >= 4 and loc[2] in ("streets", "non_street_units") and isinstance(loc[3], int):
                try:
                    where += f" (street {portal[loc[2]][loc[3]].get('name')!r})"
                except (IndexError, KeyError, TypeError, AttributeError):
                    pass
        lines.append(f"  entry {where}: {err['msg']}")
    return "\n".join(lines)


def load_registry(path: str | os.PathLike[str] | None = None) -> Registry:
    """Read and validate the registry (:func:`registry_spec`); raise :class:`RegistryError` naming file, entry
    and key.

    ``path`` may name several files separated by ``os.pathsep`` (``config/portals.yaml:config/hubei.yaml``):
    their portals are merged (an id defined twice is an error) and the first file's defaults apply."""
    files = [part for part in registry_spec(os.fspath(path) if path else None).split(os.pathsep) if part]
    if len(files) > 1:
        return _merge([_load_one(Path(f)) for f in files], files)
    return _load_one(Path(files[0]))


def _merge(registries: list[Registry], files: list[str]) -> Registry:
    portals: dict[str, Portal] = {}
    for registry, name in zip(registries, files, strict=True):
        for pid, portal in registry.portals.items():
            if pid in portals:
                raise RegistryError(f"{name}: portal {pid!r} is already defined by an earlier registry file")
            portals[pid] = portal
    return registries[0].model_copy(update={"portals": portals})


def registry_spec(setting: str | None = None) -> str:
    """The registry files the project reads — the spiders and every command that judges or shows their
    results: ``setting`` (REGISTRY_PATH, an explicit path), else $NIANBAO_REGISTRY, else config/portals.yaml
    and every file of :data:`EXTRA_PATHS` (config/hubei.yaml)."""
    if setting:
        return setting
    if env := os.environ.get("NIANBAO_REGISTRY"):
        return env
    return os.pathsep.join(str(p) for p in (DEFAULT_PATH, *EXTRA_PATHS) if p.is_file())


def default_registry(setting: str | None = None) -> Registry:
    """The registry (:func:`registry_spec`) of the spiders and the commands: the files a setting names are
    read afresh (tests rewrite them), the default ones once."""
    return load_registry(setting) if setting else _cached_registry(registry_spec())


@functools.cache
def _cached_registry(spec: str) -> Registry:
    return load_registry(spec)


def _load_one(path: Path) -> Registry:
    try:
        # libyaml's safe loader when PyYAML has it: the same data, 15× faster (0.3 s of every crawl's start).
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: cannot read registry: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("portals"), dict):
        raise RegistryError(f"{path}: expected a mapping with a 'portals' mapping")
    defaults = raw.get("defaults") or {}
    data = {
        "deadline": defaults.get("deadline", {"month": 1, "day": 31}),
        "late_error_after": defaults.get("late_error_after", {"month": 3, "day": 31}),
        "first_report_year": defaults.get("first_report_year", 2019),
        "portals": {pid: {**(body or {}), "id": pid} for pid, body in raw["portals"].items()},
    }
    try:
        return Registry.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(_describe(path, data, exc)) from None
