"""Which markup variant each replica column and report page uses (issue 18).

Real TRS/Hanweb sites do not all write the same template: pagers (``pageControl``, the three-number
``createPageHTML`` naming its pages ``list``, a bare 下一页 link), rows written by script or with the
title cut and no ``title=`` attribute, reports embedded in a pdf.js viewer, articles split over ``_1``
pages. The replica spreads them over some streets of some portals, so the demo and the end-to-end
tests meet them; everything else keeps the Wuhan template. Pure and deterministic: a function of the
portal and the street's place in the registry (or the year, on per-year portals).
"""

from __future__ import annotations

from dataclasses import dataclass

# Streets the fault-matrix tests crawl (tests/faults/conftest.py) keep the plain template, so a fault's
# effect is never mixed with a variant's.
_PLAIN = {("wuchang", "yyj"), ("wuchang", "laj"), ("wuchang", "sdj"), ("wuchang", "xjpj")}
# 武昌 (the demo portal): two named streets carry the list variants.
_WUCHANG = {"znlj": ("next", "truncated"), "ljsj": ("pageControl", "script")}
# The challenge portal is reached only through a browser; its pages stay plain.
_NONE = {"whdonghu"}
# Portals where some inline reports are split over two pages.
_MULTIPAGE = {"qiaokou", "hongshan", "jiangan", "hanyang"}
PAGERS = ("plain", "pageControl", "records", "next")
ROWS = ("plain", "script", "truncated")


@dataclass(frozen=True)
class ListVariant:
    pager: str = "plain"  # plain | pageControl | records (three numbers, pages named list_N) | next (下一页 only)
    rows: str = "plain"  # plain | script (rows written by script) | truncated (cut text, no title=, icon link first)

    @property
    def page_name(self) -> str:
        return "list" if self.pager == "records" else "index"


def list_variant(portal: str, street_key: str | None, n: int) -> ListVariant:
    """The variant of a column: ``n`` is the street's 1-based place in the registry (the year on
    per-year portals)."""
    if portal in _NONE or (portal, street_key) in _PLAIN:
        return ListVariant()
    if portal == "wuchang":
        pager, rows = _WUCHANG.get(street_key or "", ("plain", "plain"))
        return ListVariant(pager, rows)
    return ListVariant(PAGERS[n % len(PAGERS)], ROWS[(n // 2) % len(ROWS)])


def viewer(portal: str, street_key: str, year: int) -> bool:
    """Is a report's PDF shown in an embedded pdf.js viewer instead of a link?"""
    return portal not in _NONE and (portal, street_key) not in _PLAIN and (year + len(street_key)) % 3 == 0


def multipage(portal: str, street_key: str, year: int) -> bool:
    """Is an inline report's article split over two pages (t…_ID.shtml and t…_ID_1.shtml)? Not on 武昌,
    whose records the extraction tests compare cell by cell with the first page."""
    return portal in _MULTIPAGE and (year + len(street_key)) % 4 == 1
