"""Text shared between reports: 12-character shingle containment (docs/report-format.md §4.3, V34–V35)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable

from crawler.extract.text import BOOKMARK

SHINGLE = 12
MIN_CJK = 15
# Template text: a shingle found in the reports of at least this many distinct units, and of at least this
# share of all units, is the template's (or the genre's stock phrasing every office copies from the model
# report), not one unit copying another. Copying between units shows as shingles shared by two or three
# units; the template's sentences are in dozens. A corpus of fewer than TEMPLATE_MIN_CORPUS units has no
# template text: with a handful of units a shared template cannot be told from a copy (and the five seeds
# keep the containment figures of docs/report-format.md §6.6).
TEMPLATE_MIN_UNITS = 5
TEMPLATE_SHARE = 0.05
TEMPLATE_MIN_CORPUS = 10
_WHITESPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"\d+")


def shingles(text: str, street_short: str | None) -> frozenset[str]:
    """Sh(A): every 12-character substring of each kept prose line, after masking the unit's own name
    (as 〈U〉) and every number (as #), so that two streets' copies of one template text coincide."""
    text = unicodedata.normalize("NFKC", BOOKMARK.sub("", text))
    unit = re.compile(re.escape(street_short) + "(街道办事处|街道|街)?") if street_short else None
    out: set[str] = set()
    for raw in text.split("\n"):
        if "\t" in raw:
            continue
        compact = _WHITESPACE.sub("", raw)
        if len(_CJK.findall(compact)) < MIN_CJK:
            continue
        masked = unit.sub("〈U〉", compact) if unit is not None else compact
        masked = _DIGITS.sub("#", masked)
        out.update(masked[i : i + SHINGLE] for i in range(len(masked) - SHINGLE + 1))
    return frozenset(out)


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """|Sh(A) ∩ Sh(B)| / |Sh(A)|: how much of A is found in B (0 when A has no shingles)."""
    return len(a & b) / len(a) if a else 0.0


def template_shingles(units: Iterable[tuple[Hashable, frozenset[str]]]) -> frozenset[str]:
    """Shingles shared by the reports of many distinct units (see TEMPLATE_MIN_UNITS): ``units`` gives
    (unit key, shingles of one of its reports); a unit counts once however many reports it has."""
    by_unit: dict[Hashable, set[str]] = {}
    for unit, shingles in units:
        by_unit.setdefault(unit, set()).update(shingles)
    threshold = max(TEMPLATE_MIN_UNITS, math.ceil(TEMPLATE_SHARE * len(by_unit)))
    if len(by_unit) < max(threshold, TEMPLATE_MIN_CORPUS):
        return frozenset()
    counts: Counter[str] = Counter()
    for unit_shingles in by_unit.values():
        counts.update(unit_shingles)
    return frozenset(s for s, n in counts.items() if n >= threshold)


def own_containment(a: frozenset[str], b: frozenset[str], template: frozenset[str]) -> float:
    """containment of A's own text (its shingles that are not template text) in B."""
    return containment(a - template if template else a, b)
