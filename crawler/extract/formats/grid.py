"""Merged table cells laid out on a grid, as a browser (or Word) lays them out.

A merged cell's text goes to its top-left position only; the other positions it covers are empty. That
is exactly the shape of the seeds' tsv rows (seed 000: 「\t(三) 不予公开\t1.属于国家秘密…」 then
「\t\t2.其他法律…」), so merged group labels never repeat into later rows and never shift values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_SPAN = 1000  # a hostile rowspan="100000000" must not allocate a huge grid


@dataclass(frozen=True)
class Span:
    text: str
    rowspan: int = 1
    colspan: int = 1
    column: int | None = None  # an explicit start column (Word's gridBefore), else the next free one


def layout(rows: Sequence[Iterable[Span]]) -> list[list[str]]:
    taken: set[tuple[int, int]] = set()
    placed: dict[tuple[int, int], str] = {}
    width = 0
    height = len(rows)
    for r, row in enumerate(rows):
        c = 0
        for span in row:
            if span.column is not None:
                c = max(c, span.column)
            while (r, c) in taken:
                c += 1
            rowspan = max(1, min(span.rowspan, MAX_SPAN, height - r))
            colspan = max(1, min(span.colspan, MAX_SPAN))
            placed[(r, c)] = span.text
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            c += colspan
            width = max(width, c)
    return [[placed.get((r, c), "") for c in range(width)] for r in range(height)]
