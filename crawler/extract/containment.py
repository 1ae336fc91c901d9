"""Text shared between reports: 12-character shingle containment (report_format.md §4.3, V34–V35)."""

from __future__ import annotations

import re
import unicodedata

from crawler.extract.text import BOOKMARK

SHINGLE = 12
MIN_CJK = 15
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
