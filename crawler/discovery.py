"""Where the portal's own navigation leads to the street columns the research could not see: pure rules.

The registry's ``discovery`` entry (:class:`~crawler.registry.Discovery`) names the links to follow
from a start page to the page listing the streets; there a street's link leads to its column, or to
its unit page, where a column link leads to it. These functions read one fetched page each and say
what to fetch next or what was found; the spider fetches.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.parsers.challenge import challenge_reason
from crawler.parsers.navigation import find_link, page_links, street_link
from crawler.registry import Portal, Unit


@dataclass(frozen=True)
class Found:
    """The column of ``unit`` (with the code read from its URL when the registry lacks one)."""

    unit: Unit
    base: str  # the column folder, ending with /
    code: str | None


@dataclass(frozen=True)
class UnitPage:
    """The street's own page, where its column link is."""

    unit: Unit
    url: str


@dataclass(frozen=True)
class Lost:
    """Discovery failed for ``units`` (all the streets still to discover when a step failed)."""

    units: tuple[Unit, ...]
    error: str


@dataclass(frozen=True)
class Follow:
    """The next page of the discovery chain."""

    url: str
    step: int


def unusable(status: int, body: bytes) -> str | None:
    """Why a navigation page cannot be read (a challenge the browser did not pass, an HTTP error)."""
    if challenge_reason(status, body):
        return "challenge"
    return f"HTTP {status}" if status != 200 else None


def found(unit: Unit, column: str, groups: dict[str, str | None]) -> Found:
    code = groups.get("code")
    if code and unit.code is None:
        unit = unit.model_copy(update={"code": code, "channel": groups.get("channel")})
    base = column.split("index.", 1)[0]
    return Found(unit, base if base.endswith("/") else base + "/", code)


def read_navigation(
    html: str, url: str, portal: Portal, step: int, units: tuple[Unit, ...]
) -> tuple[Follow | Found | UnitPage | Lost, ...]:
    """What page ``step`` of the discovery chain leads to for the ``units`` still to discover."""
    discovery = portal.discovery
    assert discovery is not None
    links = page_links(html, url)
    if step < len(discovery.follow):
        link = find_link(links, discovery.follow[step])
        if link is None:
            return (Lost(units, f"no link '{discovery.follow[step]}' on {url}: has the layout changed?"),)
        return (Follow(link.url, step + 1),)
    pattern = portal.column_pattern()
    steps: list[Follow | Found | UnitPage | Lost] = []
    for unit in units:
        link = street_link(links, unit)
        if link is None:
            steps.append(Lost((unit,), f"{unit.name} is not listed on {url}"))
        elif pattern is not None and (match := pattern.match(link.url)):
            steps.append(found(unit, link.url, match.groupdict()))
        else:
            steps.append(UnitPage(unit, link.url))
    return tuple(steps)


def read_unit_page(html: str, url: str, portal: Portal, unit: Unit, index: str) -> Found | Lost:
    """The column a street's own page links to (``index``: the page that listed the street)."""
    discovery = portal.discovery
    assert discovery is not None
    link = find_link(page_links(html, url), discovery.column_link)
    if link is None:
        return Lost((unit,), f"no annual-report column link on {url}")
    pattern = portal.column_pattern()
    if pattern is not None and (match := pattern.match(link.url)):
        return found(unit, link.url, match.groupdict())
    # No template to read the code from: the street's folder under the index is its code.
    rest = url[len(index) :] if url.startswith(index) else ""
    return found(unit, link.url, {"code": rest.split("/", 1)[0] or None})
