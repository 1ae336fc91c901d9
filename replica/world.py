"""The replica's world: which documents each portal published, when, where, and in which formats.

Generated deterministically from a seed and the registry, following docs/portals.md (what the replica
reproduces: §8): one city-wide increasing doc-id counter; per-district January batches with a tail
of late (February–April) and missing reports; on-page dates that may precede the URL date;
reports inline as HTML or only as attachments; other documents mixed into a street's column; a
non-street unit in a sibling column; one report moved to a new URL; and, when switched on, one report
re-published at the same URL with changed numbers.

This module only decides facts. Pages are rendered by :mod:`replica.pages`, report
documents by :mod:`replica.documents`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field, replace

from crawler.registry import Portal, Registry, Unit
from replica.reality import RealPortal, RealStreet, real_portals, stable_seed

FIRST_YEAR, LAST_YEAR = 2019, 2025
ROWS_PER_PAGE = 15

# (date, doc id) pairs seen on the real platform (docs/portals.md §1), interpolated to give
# every publication a plausible id from the one city-wide counter.
_ID_ANCHORS = [
    (dt.date(2020, 1, 1), 1_180_000),
    (dt.date(2020, 10, 28), 1_479_655),
    (dt.date(2021, 1, 26), 1_617_763),
    (dt.date(2022, 1, 24), 1_912_299),
    (dt.date(2023, 1, 13), 2_131_246),
    (dt.date(2024, 1, 26), 2_350_814),
    (dt.date(2025, 1, 13), 2_516_908),
    (dt.date(2026, 1, 9), 2_708_751),
    (dt.date(2026, 4, 21), 2_755_488),
    (dt.date(2026, 12, 31), 2_900_000),
]

# Documents other than annual reports that share a street's column (docs/portals.md §6).
_OTHER_TITLES = (
    "{name}{y}年部门预算公开",
    "{name}{y}年度部门决算公开",
    "{name}关于做好{y}年政务公开工作的通知",
    "{name}{y}年政务公开工作要点",
    "{name}{y}年“三公”经费预算情况说明",
)


@dataclass(frozen=True)
class Publication:
    """One article page on a portal."""

    portal: str
    column: str  # column folder URL (canonical, ends with /)
    url_date: dt.date
    title: str
    publisher: str
    page_date: dt.date
    kind: str  # "report" | "other" | "nonstreet"
    seq: int  # tie-breaker for ordering within a day
    ext: str  # the host's page extension, html or shtml
    doc_id: int = 0

    @property
    def url(self) -> str:
        return f"{self.column}{self.url_date:%Y%m}/t{self.url_date:%Y%m%d}_{self.doc_id}.{self.ext}"


@dataclass(frozen=True)
class ReportPlan:
    """An annual report of one street and year, as the world decides it."""

    portal: str
    street: Unit
    year: int
    published: bool
    title: str = ""
    publisher: str = ""
    district: str = ""
    page_date: dt.date | None = None
    url_date: dt.date | None = None
    signed_date: dt.date | None = None
    formats: tuple[str, ...] = ()  # "inline" and/or attachment kinds "pdf", "docx", "doc"
    broken_rules: tuple[str, ...] = ()
    moved: bool = False  # re-posted at a new URL; the old URL redirects
    republishable: bool = False  # the one report `republish` changes
    seed: int = 0
    publication: Publication | None = None
    old_publication: Publication | None = None  # where a moved report first appeared


@dataclass
class World:
    seed: int
    registry: Registry
    reports: list[ReportPlan] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    columns: dict[str, list[Publication]] = field(default_factory=dict)  # column URL → newest first
    portals: dict[str, Portal] = field(default_factory=dict)
    real: dict[str, RealPortal] = field(default_factory=dict)


def _doc_id_base(day: dt.date) -> int:
    dates = [d for d, _ in _ID_ANCHORS]
    i = min(max(bisect.bisect_left(dates, day), 1), len(dates) - 1)
    (d0, v0), (d1, v1) = _ID_ANCHORS[i - 1], _ID_ANCHORS[i]
    return int(v0 + (v1 - v0) * (day - d0).days / max((d1 - d0).days, 1))


def _title(rng: random.Random, portal: Portal, unit: Unit, year: int) -> str:
    name = unit.name
    # Naming drift (docs/portals.md §4.1): 粮道街街道 in older lists, X街办事处 before 2020.
    if unit.aliases and year <= 2021 and rng.random() < 0.5:
        name = unit.aliases[0]
    variants = (
        f"{name}{year}年政府信息公开工作年度报告",
        f"{name}{year}年度政府信息公开工作年度报告",
        f"{_publisher(portal, unit)}{year}年政府信息公开工作年度报告",  # 武汉市X区人民政府Y街道办事处…
        f"{year}年{name}政府信息公开工作年度报告",
    )
    return rng.choice(variants)


def _publisher(portal: Portal, unit: Unit) -> str:
    district = portal.legal_district_of(unit) or portal.name
    if unit.name.endswith("街道"):
        return f"武汉市{district}人民政府{unit.short}街道办事处"
    return unit.name


def _plan_report(seed: int, portal: Portal, unit: Unit, year: int, batch_day: dt.date, attachments: bool) -> ReportPlan:
    rng = random.Random(stable_seed(seed, portal.id, unit.key, year))
    roll = rng.random()
    # 2019 reports fell due during the Wuhan lockdown (docs/report-format.md §5): more lateness.
    late_share, missing_share = (0.35, 0.08) if year == 2019 else (0.10, 0.06)
    if roll < missing_share:
        return ReportPlan(portal.id, unit, year, published=False, seed=rng.randrange(2**31))
    if roll < missing_share + late_share:
        page_date = dt.date(year + 1, 2, 1) + dt.timedelta(days=rng.randrange(0, 85))  # Feb–Apr
    else:
        page_date = batch_day + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2, -1)))
    # The URL date is the upload date: usually the page date, sometimes a few days later.
    url_date = page_date + dt.timedelta(days=rng.choice((0, 0, 0, 0, 1, 3, 5)))
    signed_date = page_date - dt.timedelta(days=rng.randrange(1, 12))
    fmt_roll = rng.random()
    if not attachments:
        # Every street report seen on these hosts was inline HTML (docs/portals.md §1 item 5); a few
        # carry a PDF copy too.
        formats: tuple[str, ...] = ("inline", "pdf") if fmt_roll < 0.08 else ("inline",)
    elif fmt_roll < 0.70:
        formats = ("inline",)
    elif fmt_roll < 0.80:
        formats = ("inline", "pdf")
    elif fmt_roll < 0.88:
        formats = ("pdf",)
    elif fmt_roll < 0.94:
        formats = ("docx",)
    else:
        formats = ("doc",)
    broken: tuple[str, ...] = ()
    if rng.random() < 0.12:
        broken = (rng.choice(("V20", "V21", "V22", "V23", "V26")),)
    return ReportPlan(
        portal=portal.id,
        street=unit,
        year=year,
        published=True,
        title=_title(rng, portal, unit, year),
        publisher=_publisher(portal, unit),
        district=portal.legal_district_of(unit) or portal.name,
        page_date=page_date,
        url_date=url_date,
        signed_date=signed_date,
        formats=formats,
        broken_rules=broken,
        seed=rng.randrange(2**31),
    )


def _ensure_variety(plans: list[ReportPlan]) -> list[ReportPlan]:
    """Guarantee every case the tests rely on exists whatever the seed: each attachment-only
    format, an inline+PDF report, a late and a missing report, one moved and one republishable."""
    published = [p for p in plans if p.published]
    fixed: dict[int, ReportPlan] = {}
    wanted = [("doc",), ("docx",), ("pdf",), ("inline", "pdf")]
    for fmt in wanted:
        if not any(p.formats == fmt for p in published):
            target = next(p for p in published if p.formats == ("inline",) and id(p) not in fixed)
            fixed[id(target)] = replace(target, formats=fmt)
    merged = [fixed.get(id(p), p) for p in plans]
    published = [p for p in merged if p.published]
    if not any(p.page_date and p.page_date > dt.date(p.year + 1, 1, 31) for p in published):
        i = merged.index(published[1])
        late = dt.date(published[1].year + 1, 3, 2)
        merged[i] = replace(published[1], page_date=late, url_date=late, signed_date=late - dt.timedelta(days=3))
    # A few streets never publish (at least three, in different years).
    for year in (2022, 2023, 2025):
        if sum(not p.published for p in merged) >= 3:
            break
        i = next(i for i, p in enumerate(merged) if p.year == year and p.published and p.formats == ("inline",))
        merged[i] = replace(merged[i], published=False, formats=())
    # The moved report: an older inline report re-posted later under a new URL (武昌 2019/2020
    # district reports were moved this way; the on-page date stays the original one).
    candidates = [i for i, p in enumerate(merged) if p.published and p.formats == ("inline",) and p.year == 2020]
    if candidates:
        i = candidates[0]
        merged[i] = replace(merged[i], moved=True)
    inline = [
        i
        for i, p in enumerate(merged)
        if p.published and p.formats == ("inline",) and not p.moved and p.year == 2024 and not p.broken_rules
    ]
    if inline:
        merged[inline[-1]] = replace(merged[inline[-1]], republishable=True)
    return merged


def build_world(registry: Registry, seed: int = 0, portals: tuple[str, ...] | None = None) -> World:
    world = World(seed=seed, registry=registry)
    pubs: list[Publication] = []
    for real in real_portals(registry).values():
        portal = real.portal
        if portals is not None and portal.id not in portals:
            continue
        world.portals[portal.id] = portal
        world.real[portal.id] = real
        plans: list[ReportPlan] = []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            # A district office uploads its streets' reports in one January batch (docs/portals.md §5).
            rng = random.Random(stable_seed(seed, portal.id, "batch", year))
            batch = dt.date(year + 1, 1, rng.randrange(6, 27))
            # 武昌 is the portal where attachment-only reports (PDF/DOCX/DOC) are modelled.
            plans.extend(_plan_report(seed, portal, s.unit, year, batch, portal.id == "wuchang") for s in real.streets)
        plans = _ensure_variety(plans) if portal.id == "wuchang" else plans
        columns = {s.unit.name: s.column for s in real.streets}
        for seq, plan in enumerate(plans):
            if not plan.published:
                continue
            column = columns[plan.street.name] or portal.year_column(plan.year)
            assert plan.url_date and plan.page_date
            pub = Publication(
                portal.id, column, plan.url_date, plan.title, plan.publisher, plan.page_date, "report", seq, portal.ext
            )
            old = None
            if plan.moved:
                # First posted on time, later re-posted (new id, new URL date) and the old URL redirects.
                old = pub
                pub = replace(pub, url_date=plan.url_date + dt.timedelta(days=97), seq=seq + 100_000)
                pubs.append(old)
            plans[seq] = replace(plan, publication=pub, old_publication=old)
            pubs.append(pub)
        world.reports.extend(plans)
        pubs.extend(_other_documents(seed, portal, real.streets))
        pubs.extend(_non_street_documents(seed, portal))
    # One city-wide counter: ids strictly increase with upload date.
    pubs.sort(key=lambda p: (p.url_date, p.portal, p.seq, p.title))
    last = 0
    numbered: dict[int, Publication] = {}
    for pub in pubs:
        last = max(last + 1 + stable_seed(pub.title, pub.url_date) % 37, _doc_id_base(pub.url_date))
        numbered[id(pub)] = replace(pub, doc_id=last)
    world.publications = [numbered[id(p)] for p in pubs]
    by_identity = {(p.portal, p.column, p.title, p.url_date): p for p in world.publications}
    world.reports = [
        replace(
            r,
            publication=by_identity[_ident(r.publication)] if r.publication else None,
            old_publication=by_identity[_ident(r.old_publication)] if r.old_publication else None,
        )
        for r in world.reports
    ]
    moved_old = {r.old_publication.url for r in world.reports if r.old_publication}
    for pub in world.publications:
        if pub.url in moved_old:
            continue  # a moved report is listed only at its new URL
        world.columns.setdefault(pub.column, []).append(pub)
    for rows in world.columns.values():
        rows.sort(key=lambda p: (p.url_date, p.doc_id), reverse=True)
    return world


def _ident(pub: Publication) -> tuple[str, str, str, dt.date]:
    return (pub.portal, pub.column, pub.title, pub.url_date)


def _other_documents(seed: int, portal: Portal, streets: tuple[RealStreet, ...]) -> list[Publication]:
    """Rows that are not street annual reports but share the columns (docs/portals.md §6)."""
    pubs = []
    if portal.layout == "per_year":
        # A per-year folder also holds the district's own report and its departments' (docs/portals.md §4.4).
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            rng = random.Random(stable_seed(seed, portal.id, year, "units"))
            column = portal.year_column(year)
            units = [portal.legal_district or portal.name, f"{portal.legal_district or portal.name}发展和改革局",
                     f"{portal.legal_district or portal.name}教育局"]  # fmt: skip
            for n, unit_name in enumerate(units):
                day = dt.date(year + 1, 1, rng.randrange(10, 29)) if n else dt.date(year + 1, 2, rng.randrange(1, 28))
                title = f"{unit_name}{year}年政府信息公开工作年度报告"
                pubs.append(Publication(portal.id, column, day, title, unit_name, day, "other", n, portal.ext))
        return pubs
    for street in streets:
        unit = street.unit
        assert street.column is not None
        for year in range(FIRST_YEAR, LAST_YEAR + 2):
            rng = random.Random(stable_seed(seed, portal.id, unit.key, year, "other"))
            for n in range(rng.choice((1, 2, 2, 3))):
                day = dt.date(year, rng.randrange(2, 12), rng.randrange(1, 28))
                if day > dt.date(2026, 11, 1):
                    continue
                title = rng.choice(_OTHER_TITLES).format(name=unit.name, y=year)
                pubs.append(Publication(portal.id, street.column, day, title, unit.name, day, "other", n, portal.ext))
    return pubs


def _non_street_documents(seed: int, portal: Portal) -> list[Publication]:
    """Units that publish annual reports in a sibling column but are not streets (e.g. 武昌 bjswgwh)."""
    pubs = []
    for unit in portal.non_street_units:
        if not unit.code or portal.layout != "per_street" or portal.column is None:
            continue
        column = portal.column.format(code=unit.code, channel=unit.channel or "")
        for year in range(2021, LAST_YEAR + 1):
            rng = random.Random(stable_seed(seed, portal.id, unit.code, year))
            day = dt.date(year + 1, 1, rng.randrange(8, 29))
            pubs.append(
                Publication(
                    portal.id,
                    column,
                    day,
                    f"{unit.name}{year}年政府信息公开工作年度报告",
                    unit.name,
                    day,
                    "nonstreet",
                    0,
                    portal.ext,
                )
            )
    return pubs
