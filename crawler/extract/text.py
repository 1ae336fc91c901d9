"""Text normalisation and the two table layouts of extracted text (docs/report-format.md §3.1).

Every format reader ends in the same intermediate text: prose lines, and table rows as tab-joined cells
(the ``tsv_rows`` layout). The seed files also come in ``cell_per_line``. :class:`Document` reads either
and exposes table rows uniformly as :class:`Row` objects, so the table code never looks at the layout.

Line numbers are 1-based lines of the raw text (§3.1); removing ``[bookmark: …]`` markers never changes
the number of lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from crawler.numerals import arabic_dates

BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_WHITESPACE = re.compile(r"\s+")
_QUOTES = re.compile("[\"“”'‘’]")

# A footnote mark set raised after a count (30 and a superscript 1) would join it as a digit (301): every
# reader writes raised digits as these characters, which the table reader takes for a mark.
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

TSV_ROWS = "tsv_rows"
CELL_PER_LINE = "cell_per_line"
NO_TABLES = "no_tables"


def nfkc(text: str) -> str:
    """The matching form of a line: （）→(), ：→:, NBSP → space, full-width digits → ASCII."""
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """NFKC with all whitespace removed (headings, titles)."""
    return _WHITESPACE.sub("", nfkc(text))


def label(text: str) -> str:
    """The label-matching form: NFKC, no whitespace, no quote characters (§3.1)."""
    return _QUOTES.sub("", squash(text))


def is_blank(line: str) -> bool:
    return not line.strip()


@dataclass(frozen=True)
class Token:
    """One table cell as extracted: its text (bookmarks removed, otherwise raw) and its first line."""

    text: str
    line: int

    @cached_property
    def label(self) -> str:
        return label(self.text)

    @property
    def empty(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class Row:
    """A table row: a tsv line, or a cell_per_line block. ``line`` is its first cell's line."""

    tokens: tuple[Token, ...]
    line: int
    last_line: int

    def has_digit(self) -> bool:
        return any(re.search(r"\d", nfkc(t.text)) for t in self.tokens)


class Document:
    """The extracted text of one report, split into lines (1-based) with cached matching forms."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: tuple[str, ...] = tuple(BOOKMARK.sub("", line) for line in text.split("\n"))
        # Dates in Chinese numerals (二〇二四年一月二十五日) read as digits by every date and year pattern.
        self.norm: tuple[str, ...] = tuple(arabic_dates(nfkc(line)) for line in self.lines)
        self.labels: tuple[str, ...] = tuple(label(line) for line in self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, n: int) -> str:
        return self.lines[n - 1]

    def numbers(self) -> range:
        return range(1, len(self.lines) + 1)

    def find(self, needles: Sequence[str], start: int = 1, end: int | None = None) -> int | None:
        """First line number in [start, end] whose label form contains any of ``needles``."""
        stop = len(self.lines) if end is None else min(end, len(self.lines))
        for n in range(max(start, 1), stop + 1):
            text = self.labels[n - 1]
            if any(needle in text for needle in needles):
                return n
        return None

    @cached_property
    def nonblank(self) -> tuple[int, ...]:
        return tuple(n for n in self.numbers() if not is_blank(self.lines[n - 1]))

    @cached_property
    def tail(self) -> tuple[int, ...]:
        """The last five non-empty lines (signature, signed date, V05 exception b)."""
        return self.nonblank[-5:]

    def prose_lines(self) -> list[tuple[int, str]]:
        """(line, NFKC text) of every line without a tab (§3.8)."""
        return [(n, self.norm[n - 1]) for n in self.numbers() if "\t" not in self.lines[n - 1]]

    @cached_property
    def layout(self) -> str:
        """``cell_per_line`` when most tabbed lines are a single tab-led cell, else ``tsv_rows``.

        Whether the text has tables at all (``no_tables``) is decided by the anchors (tables.py).
        """
        single = multi = 0
        for line in self.lines:
            if "\t" not in line:
                continue
            if line.startswith("\t") and "\t" not in line[1:]:
                single += 1
            else:
                multi += 1
        return CELL_PER_LINE if single > multi else TSV_ROWS

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        return tuple(_cell_rows(self.lines) if self.layout == CELL_PER_LINE else _tsv_rows(self.lines))

    def rows_between(self, start: int, end: int) -> list[Row]:
        """Rows whose first line lies in [start, end]."""
        return [row for row in self.rows if start <= row.line <= end]

    def row_at(self, n: int) -> Row | None:
        """The row containing line ``n``."""
        for row in self.rows:
            if row.line <= n <= row.last_line:
                return row
        return None


def _tsv_rows(lines: Sequence[str]) -> list[Row]:
    rows = []
    for n, line in enumerate(lines, 1):
        if is_blank(line):
            continue
        rows.append(Row(tuple(Token(cell, n) for cell in line.split("\t")), n, n))
    return rows


def _cell_rows(lines: Sequence[str]) -> list[Row]:
    """Blocks of non-empty lines; a tab-led line starts a cell, a line without a tab continues the previous
    cell (a wrapped label such as 「⇥商业」「企业」). Lines before a block's first cell are prose."""
    rows: list[Row] = []
    tokens: list[Token] = []
    last = 0

    def flush() -> None:
        if tokens:
            rows.append(Row(tuple(tokens), tokens[0].line, last))
        tokens.clear()

    for n, line in enumerate(lines, 1):
        if "\t" not in line and is_blank(line):
            flush()
            continue
        if line.startswith("\t"):
            tokens.extend(Token(part, n) for part in line[1:].split("\t"))
            last = n
        elif tokens:
            previous = tokens[-1]
            tokens[-1] = Token(previous.text + line, previous.line)
            last = n
    flush()
    return rows


def tsv_text(rows: Sequence[Sequence[str]]) -> list[str]:
    """Table rows as tsv lines (the readers' output): cells joined by tabs, inner line breaks and tabs
    flattened to spaces so that one row stays one line."""
    return ["\t".join(_WHITESPACE.sub(" ", cell).strip() for cell in row) for row in rows]
