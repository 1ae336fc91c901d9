"""PDF reports (pdfplumber): ruled tables by position, prose around them, in reading order.

* Tables come from ``page.find_tables()``; a merged cell's text sits at its top-left position (pdfplumber
  returns None for the other positions), the same grid shape as HTML and DOCX.
* Prose lines outside the tables are re-joined into paragraphs when a line runs to the right margin and
  the next one starts at the left margin (the PDF broke it, the author did not), across pages too.
* A table continued on the next page is one table: the repeated header row is dropped.
* A PDF without a text layer (a scan) goes to OCR.

PyMuPDF is not used: version 2.0 mangles numbers in table cells (feasibility.md §5).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.limits import Limits
from crawler.extract.formats.lines import wraps
from crawler.extract.text import tsv_text

log = logging.getLogger(__name__)

MIN_CHARS_PER_PAGE = 20  # fewer characters per page on average: a scan, read by OCR
_PAGE_NUMBER = re.compile(r"^[\s\-—–]*(第\s*)?\d{1,4}(\s*页)?([\s/]*(共\s*)?\d{1,4}\s*页?)?[\s\-—–]*$")


@dataclass
class _Item:
    page: int
    top: float
    kind: str  # "line" | "table"
    text: str = ""
    rows: list[list[str]] | None = None
    x0: float = 0.0
    x1: float = 0.0
    left: float = 0.0  # the page's prose left margin
    right: float = 0.0  # the page's prose right margin
    size: float = 10.0


def read_pdf(data: bytes, limits: Limits, warnings: list[str]) -> str:
    if b"%%EOF" not in data[-4096:]:
        # pdfminer recovers objects from a cut file and would return a silently partial report.
        raise ReadError("truncated", "no %%EOF trailer: the PDF is cut short")
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
        if len(pages) > limits.max_pages:
            warnings.append(f"only the first {limits.max_pages} of {len(pages)} pages read")
        items: list[_Item] = []
        chars = 0
        try:
            for number, page in enumerate(pages[: limits.max_pages]):
                page_items, page_chars = _read_page(page, number)
                items += page_items
                chars += page_chars
                page.close()  # frees the page's layout objects: memory stays bounded by one page
        except PdfminerException as exc:
            raise ReadError("malformed", f"pdfminer failed on a page: {exc}") from None
        read = min(len(pages), limits.max_pages)
    if read and chars < MIN_CHARS_PER_PAGE * read:
        from crawler.extract.formats import ocr  # noqa: PLC0415

        warnings.append("no text layer: OCR")
        return ocr.read_scanned_pdf(data, limits, warnings)
    return "\n".join(_assemble(items))


def _read_page(page: Any, number: int) -> tuple[list[_Item], int]:
    tables = page.find_tables()
    items: list[_Item] = []
    for table in tables:
        rows = [[cell or "" for cell in row] for row in table.extract()]
        items.append(_Item(number, table.bbox[1], "table", rows=rows))
    prose_page = page
    for table in tables:
        prose_page = prose_page.outside_bbox(table.bbox)
    lines = prose_page.extract_text_lines(layout=False, strip=True, return_chars=True)
    height = float(page.height)
    kept = []
    for line in lines:
        near_edge = line["top"] < height * 0.08 or line["bottom"] > height * 0.92
        if near_edge and _PAGE_NUMBER.match(line["text"]):
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
    open_table: list[list[str]] | None = None
    for item in items:
        if item.kind == "table":
            rows = item.rows or []
            continued = previous is not None and previous.kind == "table" and previous.page == item.page - 1
            if continued and open_table and rows and rows[0] == open_table[0]:
                rows = rows[1:]  # the header row Word repeats on every page
            out.extend(line for line in tsv_text(rows) if line.strip("\t"))
            open_table = open_table if continued else (item.rows or [])
        else:
            open_table = None
            if previous is not None and previous.kind == "line" and _wraps(previous, item):
                out[-1] += item.text
            else:
                out.append(item.text)
        previous = item
    return out


def _wraps(line: _Item, following: _Item) -> bool:
    return wraps(line.x1, line.right, line.size, following.x0, following.left, following.text)
