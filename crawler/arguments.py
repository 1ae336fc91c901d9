"""A portal crawl's arguments, validated once with typed errors: ``-a streets=…``, ``-a years=…``, and
the crawl id every item of the crawl carries."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from crawler.exceptions import SpiderArgumentError
from crawler.registry import Portal, Unit


def wanted_streets(streets: str | None, portal: Portal) -> list[str] | None:
    """The street keys or names of ``-a streets=a,b`` (None: every street); unknown ones are an error."""
    if not streets:
        return None
    wanted = [s.strip() for s in streets.split(",") if s.strip()]
    known = portal.crawlable_streets() + portal.discoverable_streets()
    for key in wanted:
        if not any(key in (u.key, u.name) for u in known):
            raise SpiderArgumentError(
                f"streets: {key!r} is not a crawlable street of {portal.id} "
                f"(crawlable: {', '.join(u.key for u in known) or 'none'})"
            )
    return wanted


def select_units(units: tuple[Unit, ...], wanted: list[str] | None) -> tuple[Unit, ...]:
    """``units`` limited to the streets asked for, in the order asked (all when none was)."""
    if wanted is None:
        return units
    return tuple(u for key in wanted for u in units if key in (u.key, u.name))


def streets(streets: str | None, portal: Portal) -> tuple[tuple[Unit, ...], tuple[Unit, ...]]:
    """The crawlable streets and the streets to discover that ``-a streets=…`` asks for."""
    wanted = wanted_streets(streets, portal)
    return select_units(portal.crawlable_streets(), wanted), select_units(portal.discoverable_streets(), wanted)


def parse_years(years: str | None, first: int, today_year: int | None) -> tuple[int, ...]:
    """``-a years=YYYY|YYYY,YYYY|YYYY-YYYY``; by default every year from ``first`` to last year
    (``today_year``: the TODAY_YEAR setting, 0 or None for the clock's)."""
    last = (today_year or dt.date.today().year) - 1  # year Y is published in Y+1
    if not years:
        return tuple(range(first, last + 1))
    try:
        if "-" in years:
            lo, hi = (int(p) for p in years.split("-", 1))
            result = tuple(range(lo, hi + 1))
        else:
            result = tuple(int(p) for p in years.split(","))
    except ValueError:
        raise SpiderArgumentError(f"years: expected YYYY, YYYY,YYYY or YYYY-YYYY, got {years!r}") from None
    if not result or any(y < 2000 or y > last + 1 for y in result):
        raise SpiderArgumentError(f"years: {years!r} is outside 2000–{last + 1}")
    return result


def crawl_id(jobdir: str | None) -> str:
    """The UTC start time plus a random suffix (``20250203T080000Z-1a2b3c4d``): sortable by start time,
    and unique even for crawls started in the same second, which would otherwise share a crawl log.
    A job resumed from its JOBDIR keeps the id it started with."""
    fresh = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(4)
    if not jobdir:
        return fresh
    path = Path(jobdir) / "nianbao-crawl-id"
    if path.exists():
        return path.read_text().strip() or fresh
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fresh)
    return fresh
