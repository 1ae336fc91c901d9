"""The NBS unit registry: every township-level unit of China (街道, 镇, 乡 and the 类似乡级 units), keyed by
its 12-digit 统计用区划代码 of 2023.

Read from the packaged copy in ``crawler/data/`` (made by ``scripts/units_data.py`` from npm
``china-division`` 2.7.0; source, sha256 and licences in ``crawler/data/nbs2023.json`` and its README).
:func:`parse` is pure (text in, frozen objects out); :func:`nbs_units` reads the packaged files once.

The code's digits 7–9 say what a unit is (the NBS rule, as the research on national
scale records it):
001–099 街道, 100–199 镇, 200–399 乡 (with 民族乡 and 苏木), 400–599 类似乡级单位 (开发区, 农场, 林场, …:
``other``). Some real street offices are coded in that ``other`` range (东湖风景区街道（武昌） 420106490,
清谭湖街道 420111460): a unit owes an annual report when it is a 街道, 镇 or 乡, or an ``other`` unit
whose name says it is a street office (街道 / 办事处), never on the code range alone.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

DATA_DIR = Path(__file__).resolve().parent / "data"
TOWNSHIPS_FILE = DATA_DIR / "nbs2023-townships.csv.gz"
COUNTIES_FILE = DATA_DIR / "nbs2023-counties.csv"
SOURCE_FILE = DATA_DIR / "nbs2023.json"

Kind = Literal["街道", "镇", "乡", "other"]
KINDS: tuple[Kind, ...] = ("街道", "镇", "乡", "other")

_CODE = re.compile(r"[0-9]{12}")
# A street office's name in the `other` range: 东湖风景区街道（武昌）, 侏儒山街道洪北片区, 大潭办事处.
_STREET_OFFICE = re.compile(r"街道|办事处$")
# Suffixes that differ between spellings of one street (民族街街道 / 民族街道, 吴家山街, 柏泉办事处街道).
_SUFFIX = re.compile(r"(街道办事处|办事处街道|街办事处|街道|办事处|街)$")


def kind_of(code: str) -> Kind:
    """What the NBS code rule says a 12-digit code is (from its digits 7–9)."""
    part = int(code[6:9])
    if part < 100:
        return "街道"
    if part < 200:
        return "镇"
    if part < 400:
        return "乡"
    return "other"


def is_code(value: str) -> bool:
    return bool(_CODE.fullmatch(value))


def short_name(name: str) -> str:
    """A street's name without its street suffixes (民族街街道 → 民族, 柏泉办事处街道 → 柏泉, 吴家山街 → 吴家山), to
    match spellings of one unit. 镇 and 乡 stay: 青山镇街道 → 青山镇."""
    previous = None
    while previous != name:
        previous, stripped = name, _SUFFIX.sub("", name)
        name = stripped or name
    return name


@dataclass(frozen=True)
class County:
    code: str  # 6 digits
    name: str
    city_code: str  # 4 digits
    city: str  # 市辖区 for the municipalities, 省直辖县级行政区划 for Hubei's 仙桃/潜江/天门/神农架
    province_code: str  # 2 digits
    province: str


@dataclass(frozen=True)
class Unit:
    """One township-level unit of the NBS 2023 codes."""

    code: str  # 12 digits
    name: str
    kind: Kind
    county_code: str
    county_name: str
    city: str
    province: str

    @property
    def owes_report(self) -> bool:
        """A 街道, 镇 or 乡, or an ``other`` unit named as a street office: one that publishes an annual
        report (开发区, 农场 and 林场 do not, as such)."""
        return self.kind != "other" or bool(_STREET_OFFICE.search(self.name))


@dataclass(frozen=True)
class UnitRegistry:
    units: Mapping[str, Unit]  # by 12-digit code, in code order
    counties: Mapping[str, County]  # by 6-digit code
    source: Mapping[str, Any]  # crawler/data/nbs2023.json

    def unit(self, code: str) -> Unit:
        try:
            return self.units[code]
        except KeyError:
            raise KeyError(f"no NBS 2023 unit with code {code!r}") from None

    def county(self, code: str) -> County:
        try:
            return self.counties[code]
        except KeyError:
            raise KeyError(f"no NBS 2023 county with code {code!r}") from None

    def in_prefix(self, prefix: str) -> tuple[Unit, ...]:
        """The units whose code starts with ``prefix``: ``42`` (a province), ``4201`` (a city), ``420106``."""
        if not prefix.isdigit() or len(prefix) > 12:
            raise ValueError(f"an NBS code prefix is up to 12 digits, got {prefix!r}")
        return tuple(u for code, u in self.units.items() if code.startswith(prefix))

    def in_province(self, code: str) -> tuple[Unit, ...]:
        if len(code) != 2:
            raise ValueError(f"a province code has 2 digits, got {code!r}")
        return self.in_prefix(code)

    def in_county(self, code: str) -> tuple[Unit, ...]:
        self.county(code)  # an unknown county is an error, not an empty list
        return self.in_prefix(code)

    def county_named(self, name: str, prefix: str = "") -> County | None:
        """The county called ``name`` among the codes starting with ``prefix`` (None if none or ambiguous)."""
        found = [c for code, c in self.counties.items() if c.name == name and code.startswith(prefix)]
        return found[0] if len(found) == 1 else None

    def named(self, name: str, prefix: str = "") -> tuple[Unit, ...]:
        """The units under ``prefix`` whose name is ``name`` up to street suffixes (:func:`short_name`)."""
        wanted = short_name(name)
        pool = self.in_prefix(prefix) if prefix else tuple(self.units.values())
        return tuple(u for u in pool if short_name(u.name) == wanted)


def parse(townships_csv: str, counties_csv: str, source: Mapping[str, Any]) -> UnitRegistry:
    """The registry from the packaged files' text; ValueError naming the row for anything malformed."""
    counties: dict[str, County] = {}
    for row in csv.DictReader(io.StringIO(counties_csv)):
        if not re.fullmatch(r"[0-9]{6}", row["code"] or ""):
            raise ValueError(f"counties: bad code in {row}")
        counties[row["code"]] = County(
            row["code"], row["name"], row["city_code"], row["city_name"], row["province_code"], row["province_name"]
        )
    units: dict[str, Unit] = {}
    for line, row in enumerate(csv.DictReader(io.StringIO(townships_csv)), start=2):
        code, name = row["code"] or "", row["name"] or ""
        county = counties.get(code[:6])
        if not is_code(code) or not name or county is None or code in units:
            raise ValueError(f"townships line {line}: bad, unknown-county or repeated row {row}")
        units[code] = Unit(code, name, kind_of(code), county.code, county.name, county.city, county.province)
    return UnitRegistry(
        MappingProxyType(dict(sorted(units.items()))), MappingProxyType(counties), MappingProxyType(dict(source))
    )


@functools.cache
def nbs_units() -> UnitRegistry:
    """The packaged NBS 2023 registry (read once per process)."""
    return parse(
        gzip.decompress(TOWNSHIPS_FILE.read_bytes()).decode("utf-8"),
        COUNTIES_FILE.read_text(encoding="utf-8"),
        json.loads(SOURCE_FILE.read_text(encoding="utf-8")),
    )
