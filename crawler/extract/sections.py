"""Section headings (docs/report-format.md §3.5): the six sections, their numbering, and extra headings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler import template as tpl
from crawler.extract.record import NOT_FOUND, SectionHit
from crawler.extract.text import Document, squash

MAX_HEADING = 60
NUMBERING = re.compile(r"^([一二三四五六七八九十]+、|\d+[、.．])")
_CHINESE_NUMBERING = re.compile(r"^[一二三四五六七八九十]+、")

# What identifies each section's heading, after its number (all must occur).
_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("S1", ("总体情况",)),
    ("S2", ("主动公开政府信息情况",)),
    ("S3", ("收到和处理政府信息公开申请情况",)),
    ("S4", ("行政复议", "行政诉讼")),
    ("S5", ("存在的主要问题",)),
    ("S6", ("其他需要报告的事项",)),
)
# The template's own numbering per section (二、 for S2 …), from the shared template.
ORDINALS = {sid: number for sid, number, _label in tpl.SECTIONS}


@dataclass(frozen=True)
class Sections:
    hits: dict[str, SectionHit]
    extra_headings: tuple[int, ...]  # lines of Chinese-numbered headings matching no section

    def line(self, sid: str) -> int | None:
        return self.hits[sid].line


def find_sections(doc: Document) -> Sections:
    hits = {sid: NOT_FOUND for sid, _n, _l in tpl.SECTIONS}
    extra: list[int] = []
    for n in doc.numbers():
        raw = doc.line(n)
        if "\t" in raw:
            continue
        text = squash(raw)
        if not text or len(text) > MAX_HEADING:
            continue
        match = NUMBERING.match(text)
        if match is None:
            continue
        body = text[match.end() :]
        sid = next((sid for sid, needles in _KEYS if all(needle in body for needle in needles)), None)
        if sid is None:
            # Arabic-numbered lines that match no section are list items, not headings.
            if _CHINESE_NUMBERING.match(text):
                extra.append(n)
        elif not hits[sid].found:
            hits[sid] = SectionHit(True, n, match.group(1))
    return Sections(hits, tuple(extra))
