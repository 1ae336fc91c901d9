"""PDF reports (pdfplumber): ruled tables by position, prose around them, in reading order.

* Tables come from ``page.find_tables()``; a merged cell's text sits at its top-left position (pdfplumber
  returns None for the other positions), the same grid shape as HTML and DOCX.
* Prose lines outside the tables are re-joined into paragraphs when a line runs to the right margin and
  the next one starts at the left margin (the PDF broke it, the author did not), across pages too.
* A table continued on the next page is one table (:func:`stitch`): the header rows Word or a browser
  repeats on every page are dropped, and a row the page break split in two (its label wrapped onto the
  next page, or its label on one page and its values on the next) is put back together before any row is
  labelled, so no value is lost at the break.
* Prose is every character whose centre lies outside the tables. (pdfplumber's ``outside_bbox`` drops a
  heading whose line box touches the table above by a fraction of a point, and raises for a table wider
  than the page.)
* A page whose text runs sideways or upside down (a viewer's "rotate page and save" adds ``/Rotate`` to a
  landscape page; a scanner or print driver turns the content itself with a rotated ``cm``) is read in the
  frame where its text runs left to right (:func:`text_turn`): pdfplumber finds no table in sideways text.
* A PDF without a text layer (a scan) goes to OCR.

PyMuPDF is not used: version 2.0 mangles numbers in table cells (docs/readers.md §1).
"""

from __future__ import annotations

import copy
import io
import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from crawler.extract.formats.errors import UNREAD, ReadError
from crawler.extract.formats.limits import Limits
from crawler.extract.formats.lines import wraps
from crawler.extract.formats.sniff import cut_short
from crawler.extract.text import SUPERSCRIPT, tsv_text

log = logging.getLogger(__name__)

MIN_CHARS_PER_PAGE = 20  # fewer characters per page on average: a scan, read by OCR
IMAGE_SHARE = 0.5  # a page this much covered by pictures, without text, is a picture of a page
# Chromium's PDFs map many CJK glyphs to the look-alike Kangxi radicals (「⼀」 U+2F00 for 「一」 U+4E00):
# the text reads the same but matches nothing. NFKC maps each radical to its unified ideograph.
_RADICALS = {
    cp: unicodedata.normalize("NFKC", chr(cp))
    for cp in (*range(0x2E80, 0x2EF4), *range(0x2F00, 0x2FD6))
    if len(unicodedata.normalize("NFKC", chr(cp))) == 1 and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
}
PAGE_NUMBER = re.compile(r"^[\s\-—–]*(第\s*)?\d{1,4}(\s*页)?([\s/]*(共\s*)?\d{1,4}\s*页?)?[\s\-—–]*$")


@dataclass
class _Item:
    page: int
    top: float
    kind: str  # "line" | "table"
    text: str = ""
    rows: list[list[str | None]] | None = None  # None: a position covered by a merged cell
    x0: float = 0.0
    x1: float = 0.0
    left: float = 0.0  # the page's prose left margin
    right: float = 0.0  # the page's prose right margin
    size: float = 10.0


def read_pdf(data: bytes, limits: Limits, warnings: list[str]) -> str:
    if cut := cut_short(data):
        # pdfminer recovers objects from a cut file and would return a silently partial report.
        raise ReadError("truncated", cut)
    import pdfplumber  # noqa: PLC0415  (loaded only for PDF input)
    from pdfplumber.utils.exceptions import PdfminerException  # noqa: PLC0415

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        name = type(cause).__name__
        if "Password" in name or "Encrypt" in name:
            raise ReadError("encrypted", f"the PDF needs a password ({name})") from None
        raise ReadError("malformed", f"pdfminer cannot open it: {name}: {cause}") from None
    except Exception as exc:  # pdfminer raises many types on hostile input
        raise ReadError("malformed", f"cannot open the PDF: {type(exc).__name__}: {exc}") from None
    with pdf:
        pages = pdf.pages
        notes: list[str] = []  # what this text layer leaves unread; moot if the whole file goes to OCR
        if len(pages) > limits.max_pages:
            rest = f"{limits.max_pages + 1}–{len(pages)}"
            notes.append(f"{UNREAD}pages {rest} (only the first {limits.max_pages} are read)")
        items: list[_Item] = []
        chars = 0
        images: list[int] = []
        try:
            for number, page in enumerate(pages[: limits.max_pages]):
                upright = _upright(page, number, warnings, notes)
                page_items, page_chars = _read_page(upright, number)
                items += page_items
                chars += page_chars
                if page_chars < MIN_CHARS_PER_PAGE and _image_only(upright):
                    images.append(number + 1)
                upright.close()  # frees the page's layout objects: memory stays bounded by one page
                page.close()
        except PdfminerException as exc:
            raise ReadError("malformed", f"pdfminer failed on a page: {exc}") from None
        read = min(len(pages), limits.max_pages)
    if read and chars < MIN_CHARS_PER_PAGE * read:
        from crawler.extract.formats import ocr  # noqa: PLC0415

        warnings.append("no text layer: OCR")
        return ocr.read_scanned_pdf(data, limits, warnings)
    if images:
        # A table pasted as a picture among text pages: only a whole scan goes to OCR (above).
        notes.append(f"{UNREAD}{_pages(images)} only an image, without a text layer (not OCRed)")
    warnings += notes
    return "\n".join(_assemble(items)).translate(_RADICALS)


# A character's writing direction within this many degrees of a quarter turn counts as that quarter turn.
_ANGLE_TOLERANCE = 5.0


def text_turn(chars: list[dict[str, Any]]) -> int | None:
    """The clockwise turn (0, 90, 180 or 270 degrees) that sets the page's text upright, from the writing
    direction most of its characters share; None when most of them run at another angle (a skewed page).

    A character's matrix ``(a, b, c, d, e, f)`` is in PDF space (y upwards), page rotation included:
    ``(a, b)`` is the direction its line runs in. ``char["upright"]`` alone cannot tell the two sideways
    directions apart, and calls upside-down text upright.
    """
    votes: dict[int | None, int] = {}
    for char in chars:
        a, b = float(char["matrix"][0]), float(char["matrix"][1])
        if a == 0 and b == 0:
            continue
        angle = math.degrees(math.atan2(b, a)) % 360  # counter-clockwise from left-to-right
        quarter = round(angle / 90) % 4 * 90
        off = abs((angle - quarter + 180) % 360 - 180)
        # Text running upwards (90° counter-clockwise) is set upright by a 90° clockwise turn, and so on.
        turn = quarter if off <= _ANGLE_TOLERANCE else None
        votes[turn] = votes.get(turn, 0) + 1
    if not votes:
        return 0
    return max(votes.items(), key=lambda vote: (vote[1], vote[0] == 0))[0]


def _upright(page: Any, number: int, warnings: list[str], notes: list[str]) -> Any:
    """``page``, or the same page turned so that its text runs left to right.

    pdfminer lays a page out in its displayed frame (``/Rotate`` applied): giving it the turn that makes
    the text upright as the page's rotation reads the page as a reader holding it turned would, every
    char, rule and rectangle in one consistent frame, with no geometry redone here.
    """
    turn = text_turn(page.chars)
    if turn is None:
        # Lines at an angle come out as scattered characters, and no table is found in them. A few such
        # characters on a page all but empty are a diagonal watermark, not a page of text.
        if len(page.chars) >= MIN_CHARS_PER_PAGE:
            notes.append(f"{UNREAD}page {number + 1} has its text set at an angle")
        return page
    if turn == 0:
        return page
    from pdfplumber.page import Page  # noqa: PLC0415

    rotation = (int(page.rotation) + turn) % 360
    turned = copy.copy(page.page_obj)  # the document's own page object stays as it is
    turned.attrs = {**page.page_obj.attrs, "Rotate": rotation}
    turned.rotate = rotation  # what pdfminer's interpreter applies
    warnings.append(f"page {number + 1}: text turned {turn}° to read it upright")
    page.close()
    return Page(page.pdf, turned, page.page_number, page.initial_doctop)


def _image_only(page: Any) -> bool:
    """Most of ``page`` is pictures (its text layer has been checked to be next to empty)."""
    area = float(page.width) * float(page.height)
    covered = sum(float(image["width"]) * float(image["height"]) for image in page.images)
    return area > 0 and covered >= IMAGE_SHARE * area


def _pages(numbers: list[int]) -> str:
    """「page 3 is」, 「pages 3, 5 are」."""
    if len(numbers) == 1:
        return f"page {numbers[0]} is"
    return f"pages {', '.join(str(n) for n in numbers)} are"


def _read_page(page: Any, number: int) -> tuple[list[_Item], int]:
    open_ends = _open_row_edges(page)
    tables = page.find_tables({"explicit_horizontal_lines": open_ends}) if open_ends else page.find_tables()
    items: list[_Item] = []
    boxes = []
    marked = _superscripts(page.chars) if tables else []
    for table in tables:
        items.append(_Item(number, table.bbox[1], "table", rows=_table_rows(table, marked)))
        boxes.append(table.bbox)

    def outside(obj: dict[str, Any]) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    prose_page = page.filter(outside) if boxes else page
    # Digits set in a Latin font sit lower than the CJK text around them (Chromium: 3.7 pt at 16 pt, 5.1 pt
    # in a 22 pt title): pdfplumber's 3 pt line tolerance would cut 「2020年」 off its line. Lines are more
    # than a font size apart, so a third of the largest size on the page is safe (at most 8 pt).
    largest = max((float(c.get("size", 10.0)) for c in page.chars), default=10.0)
    tolerance = min(8.0, max(3.0, 0.3 * largest))
    lines = prose_page.extract_text_lines(layout=False, strip=True, return_chars=True, y_tolerance=tolerance)
    height = float(page.height)
    kept = []
    for line in lines:
        near_edge = line["top"] < height * 0.08 or line["bottom"] > height * 0.92
        if near_edge and PAGE_NUMBER.match(line["text"]):
            continue  # page numbers and 「第 1 页 共 3 页」 footers
        kept.append(line)
    left = min((float(line["x0"]) for line in kept), default=0.0)
    right = max((float(line["x1"]) for line in kept), default=0.0)
    for line in kept:
        sizes = [float(c.get("size", 10.0)) for c in line.get("chars", [])] or [10.0]
        items.append(
            _Item(
                number,
                float(line["top"]),
                "line",
                text=line["text"],
                x0=float(line["x0"]),
                x1=float(line["x1"]),
                left=left,
                right=right,
                size=sorted(sizes)[len(sizes) // 2],
            )
        )
    chars = len(page.chars)
    items.sort(key=lambda item: item.top)
    return items, chars


def _superscripts(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``chars`` with the digits set smaller and raised right after another character (a footnote reference,
    「30¹」) made superscript digits: as plain digits they would join the count (「301」). The table reader
    treats a superscript as a footnote mark."""
    out = list(chars)
    for index, char in enumerate(chars):
        if not char["text"].isdigit() or not char.get("upright", True):
            continue
        size, bottom = float(char["size"]), float(char["bottom"])
        for earlier in range(index - 1, max(-1, index - 5), -1):
            before = chars[earlier]
            gap = float(char["x0"]) - float(before["x1"])
            if not -0.5 <= gap <= 0.3 * float(before["size"]) or float(before["top"]) > bottom:
                continue
            base = float(before["size"])
            raised = float(before["bottom"]) - bottom > 0.2 * base and size < 0.9 * base
            # the second digit of a mark (「30¹²」) sits like the first
            more = out[earlier] is not before and abs(float(before["bottom"]) - bottom) < 0.5
            if raised or more:
                out[index] = {**char, "text": char["text"].translate(SUPERSCRIPT)}
            break
    return out


def _table_rows(table: Any, chars: list[dict[str, Any]]) -> list[list[str | None]]:
    """``table.extract()`` over ``chars`` (pdfplumber's own reads ``page.chars``): a cell's characters are
    those whose centre lies in it."""
    from pdfplumber.utils import extract_text  # noqa: PLC0415

    def inside(char: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
        x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        return box[0] <= x < box[2] and box[1] <= y < box[3]

    rows: list[list[str | None]] = []
    for row in table.rows:
        row_chars = [char for char in chars if inside(char, row.bbox)]
        cells: list[str | None] = []
        for box in row.cells:
            if box is None:
                cells.append(None)
                continue
            cell_chars = [char for char in row_chars if inside(char, box)]
            cells.append(extract_text(cell_chars) if cell_chars else "")
        rows.append(cells)
    return rows


def _open_row_edges(page: Any) -> list[float]:
    """Heights where a table's vertical rules end with no horizontal rule across them.

    A browser prints a table row continued from the previous page without a top border (with collapsed
    borders the line belongs to the row above, printed on the other page): pdfplumber would find no cell
    there and read the row as prose, losing its values. Closing the rules there gives the row its cells.
    """
    edges = page.edges
    verticals = [e for e in edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 5]
    if len(verticals) < 2:
        return []
    horizontals = [e for e in edges if e["orientation"] == "h"]
    ends: dict[int, list[float]] = {}
    for edge in verticals:
        for y in (edge["top"], edge["bottom"]):
            ends.setdefault(round(y), []).append(float(edge["x0"]))
    out = []
    for y, xs in sorted(ends.items()):
        if len(xs) < 2:
            continue
        width = max(xs) - min(xs)
        closed = sum(h["x1"] - h["x0"] for h in horizontals if abs(h["top"] - y) <= 1.5)
        if width > 0 and closed < 0.5 * width:
            out.append(float(y))
    return out


def _assemble(items: list[_Item]) -> list[str]:
    # Margins of the whole document: a last page holding only a right-aligned date would otherwise be
    # its own "left margin" and look like the continuation of the signature line before it.
    lines = [item for item in items if item.kind == "line"]
    left = min((item.left for item in lines), default=0.0)
    right = max((item.right for item in lines), default=0.0)
    for item in lines:
        item.left, item.right = left, right
    out: list[str] = []
    previous: _Item | None = None
    table: list[list[str | None]] | None = None  # the table being read, continued across pages

    def flush() -> None:
        if table:
            out.extend(line for line in tsv_text([[cell or "" for cell in row] for row in table]) if line.strip("\t"))

    for item in items:
        if item.kind == "table":
            rows = item.rows or []
            continued = previous is not None and previous.kind == "table" and previous.page == item.page - 1
            if continued and table is not None:
                table = stitch(table, rows)
            else:
                flush()
                table = [list(row) for row in rows]
        else:
            flush()
            table = None
            if previous is not None and previous.kind == "line" and _wraps(previous, item):
                out[-1] += item.text
            else:
                out.append(item.text)
        previous = item
    flush()
    return out


# A cell that starts a row of its own: a numbered label, a 第二十条 block, the t2 column header.
_ROW_START = re.compile(
    r"^([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+[.、．]|第[一二三四五六七八九十]+条|信息内容)"
)
_NUMBER = re.compile(r"^[\s\u00a0]*[-+]?\d+(\.\d+)?[\s\u00a0]*$")
Rows = list[list[str | None]]


def stitch(table: Rows, rows: Rows) -> Rows:
    """``table`` continued by ``rows``, the next page's piece of the same table.

    The continuation's leading rows that repeat the table's first rows are the repeated header (Word's
    「标题行重复」, a browser's ``<thead>``) and are dropped. Then the page break may have split one row:
    its label wraps onto the next page (a text-only fragment first on the new page), or its label stayed on
    the old page and its values moved to the new one (a label-only last row, then a row whose values sit
    where that row's were empty). Such fragments are joined back into one row. Anything else is kept as it
    is: a row is never dropped here, so a value that cannot be placed still reaches the row reader (which
    names what it could not place, P02/P04).
    """
    rows = [list(row) for row in rows]
    repeated = 0
    while repeated < min(len(rows), len(table)) and _key(rows[repeated]) == _key(table[repeated]):
        repeated += 1
    if repeated and repeated < len(rows):
        rows = rows[repeated:]
    while rows and not any((cell or "").strip() for cell in rows[0]):
        rows = rows[1:]  # the empty remainder of a row that ended just at the page bottom
    if table and rows:
        joined = _join_split_row(table[-1], rows[0])
        if joined is not None:
            return [*table[:-1], joined, *rows[1:]]
    return [*table, *rows]


def _key(row: list[str | None]) -> tuple[str, ...]:
    """A header row's texts: each page may cut the merged cells into different columns."""
    return tuple(text for cell in row if (text := re.sub(r"\s+", "", cell or "")))


def _join_split_row(last: list[str | None], first: list[str | None]) -> list[str | None] | None:
    """The row that ``last`` (bottom of one page) and ``first`` (top of the next) are the two halves of,
    or None when ``first`` starts a row of its own.

    One half carries the values, the other none (a value is one line: it never wraps over a break). The
    label continues cell by cell when both pieces have the same columns; a piece may have a label column
    more or less than the other (a page holding no sub-item rows), then the label fragments join the last
    label cell and the values stay aligned on the right edge, where the value columns are.
    """
    if abs(len(last) - len(first)) > 2:
        return None  # another table that happens to start the next page
    texts = [(cell or "").strip() for cell in first]
    before = [(cell or "").strip() for cell in last]
    numeric_first = [n for n, text in enumerate(texts) if _NUMBER.match(text)]
    numeric_last = [n for n, text in enumerate(before) if _NUMBER.match(text)]
    labels_first = [text for n, text in enumerate(texts) if text and n not in numeric_first]
    if any(_ROW_START.match(text) for text in labels_first):
        return None
    if not any(text for n, text in enumerate(before) if n not in numeric_last):
        return None  # the old half has no label: not a row cut in two
    if (numeric_first and numeric_last) or not (numeric_first or labels_first):
        return None
    offset = len(last) - len(first)
    if any(n + offset < 0 or before[n + offset] for n in numeric_first):
        return None  # values would land on the old half's text: two rows, not one
    joined = list(last)
    if offset == 0:
        for n, text in enumerate(texts):
            if text:
                joined[n] = before[n] + text
        return joined
    for n in numeric_first:
        joined[n + offset] = texts[n]
    if labels_first:
        target = _last_label(before, [n + offset for n in numeric_first] or numeric_last)
        joined[target] = before[target] + "".join(labels_first)
    return joined


def _last_label(cells: list[str], numeric: list[int]) -> int:
    """The label cell a wrapped label continues: the last non-empty text cell before the values."""
    stop = min(numeric) if numeric else len(cells)
    return max(n for n in range(stop) if cells[n]) if any(cells[:stop]) else 0


def _wraps(line: _Item, following: _Item) -> bool:
    return wraps(line.x1, line.right, line.size, following.x0, following.left, following.text)
