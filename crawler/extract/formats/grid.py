"""Merged table cells laid out on a grid, as a browser (or Word) lays them out.

A merged cell's text goes to its top-left position only; the other positions it covers are empty. That
is exactly the shape of the seeds' tsv rows (seed 000: 「\t(三) 不予公开\t1.属于国家秘密…」 then
「\t\t2.其他法律…」), so merged group labels never repeat into later rows and never shift values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crawler.extract.formats.errors import ReadError

MAX_SPAN = 1000  # a hostile rowspan="100000000" must not allocate a huge grid
# Grid positions one table may cover. The statutory tables have a few hundred; a 10 KB table of cells that
# each span 1000 × 1000 would cover hundreds of millions (issue 12: 2.7 GB before any size check).
MAX_GRID_CELLS = 200_000


@dataclass(frozen=True)
class Span:
    text: str
    rowspan: int = 1
    colspan: int = 1
    column: int | None = None  # an explicit start column (Word's gridBefore), else the next free one


def layout(rows: Sequence[Iterable[Span]], max_cells: int = MAX_GRID_CELLS) -> list[list[str]]:
    """The table on its grid; :class:`ReadError` ``grid_limit`` when it would cover more than ``max_cells``
    positions, checked from the spans before anything is allocated."""
    rows = [list(row) for row in rows]
    height = len(rows)
    covered = 0
    for r, row in enumerate(rows):
        for span in row:
            covered += _rowspan(span, r, height) * _colspan(span)
        if covered > max_cells:
            raise ReadError("grid_limit", f"a table covering more than {max_cells} grid cells (row {r + 1})")
    taken: set[tuple[int, int]] = set()
    placed: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for span in row:
            if span.column is not None:
                c = max(c, span.column)
            while (r, c) in taken:
                c += 1
            rowspan, colspan = _rowspan(span, r, height), _colspan(span)
            placed[(r, c)] = span.text
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            c += colspan
            width = max(width, c)
    if width * height > max_cells:  # e.g. one very wide row over many narrow ones
        raise ReadError("grid_limit", f"a table of {height} × {width} grid cells, limit {max_cells}")
    return [[placed.get((r, c), "") for c in range(width)] for r in range(height)]


def _rowspan(span: Span, r: int, height: int) -> int:
    return max(1, min(span.rowspan, MAX_SPAN, height - r))


def _colspan(span: Span) -> int:
    return max(1, min(span.colspan, MAX_SPAN))
