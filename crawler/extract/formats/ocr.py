"""Scanned reports (image-only PDF pages, images): rapidocr 3.x text boxes, rebuilt into lines and rows.

OCR gives text boxes, not cells. Tables in these reports are ruled, so the ruling is found in the image
(long horizontal and vertical strokes, OpenCV morphology): a band between two horizontal rules that at
least two vertical rules cross is a table row, and the vertical rules crossing it are its cell borders.
Boxes inside a row are put in their cell (a wrapped label is one cell), and the row becomes one tsv line
with empty cells kept, the same grid shape as the HTML and DOCX readers produce. Boxes outside tables are
clustered into prose lines by their vertical centre.

The models ship inside the rapidocr wheel (no download at run time, docs/readers.md §3). One engine per
process, made on first use (≈1 GB RAM).
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.limits import Limits, ocr_address_space
from crawler.extract.formats.lines import wraps
from crawler.extract.text import tsv_text

log = logging.getLogger(__name__)

_ENGINE: dict[str, Any] = {}  # "engine" → the RapidOCR instance, made on first use
_ENGINE_LOCK = threading.Lock()
MAX_IMAGE_PIXELS = 60_000_000  # ~ A3 at 400 dpi; larger images are refused (decompression bombs)


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def engine() -> Any:
    with _ENGINE_LOCK:
        if "engine" not in _ENGINE:
            try:
                from rapidocr import RapidOCR  # noqa: PLC0415
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise ReadError("unsupported", f"OCR is not available: {exc}") from None
            _ENGINE["engine"] = RapidOCR(params={"Global.log_level": "error"})
        return _ENGINE["engine"]


def read_image(data: bytes, limits: Limits) -> str:
    from PIL import Image  # noqa: PLC0415

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ReadError("too_large", f"image of {image.width}×{image.height} pixels")
            grey = image.convert("L")
    except (ReadError, MemoryError):
        raise
    except Exception as exc:  # PIL raises many types on damaged images
        raise ReadError("malformed", f"cannot decode the image: {type(exc).__name__}: {exc}") from None
    return "\n".join(page_lines(grey))


def read_scanned_pdf(data: bytes, limits: Limits, warnings: list[str]) -> str:
    import pypdfium2  # noqa: PLC0415  (a pdfplumber dependency)

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as exc:
        raise ReadError("malformed", f"PDFium cannot open it: {exc}") from None
    lines: list[str] = []
    try:
        if len(pdf) > limits.max_ocr_pages:
            warnings.append(f"OCR of the first {limits.max_ocr_pages} of {len(pdf)} pages only")
        for index in range(min(len(pdf), limits.max_ocr_pages)):
            page = pdf[index]
            width, height = page.get_size()  # points; the bitmap is allocated from these, so check first
            pixels = round(width * limits.ocr_dpi / 72) * round(height * limits.ocr_dpi / 72)
            if pixels > limits.max_render_pixels:
                page.close()
                raise ReadError(
                    "render_limit",
                    f"page {index + 1} is {width:g} × {height:g} pt: {pixels} pixels at {limits.ocr_dpi} dpi, "
                    f"limit {limits.max_render_pixels}",
                )
            image = page.render(scale=limits.ocr_dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            lines += page_lines(image)
    finally:
        pdf.close()
    return "\n".join(lines)


def page_lines(image: Any) -> list[str]:
    """The lines of one page image: prose lines and tsv table rows, top to bottom."""
    import numpy as np  # noqa: PLC0415

    pixels = np.asarray(image)
    with ocr_address_space():  # the models need more than the other readers (limits.py)
        result = engine()(pixels)
    boxes = []
    if result.boxes is not None and result.txts:
        for points, text in zip(result.boxes, result.txts, strict=False):
            xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
            if text.strip():
                boxes.append(Box(min(xs), min(ys), max(xs), max(ys), text.strip()))
    return lines_from_boxes(boxes, rulings(pixels))


@dataclass(frozen=True)
class Rulings:
    horizontal: list[float]  # y of each horizontal rule
    vertical: list[tuple[float, float, float]]  # (x, y_top, y_bottom) of each vertical rule segment


def rulings(pixels: Any) -> Rulings:
    import cv2  # noqa: PLC0415  (opencv-python-headless, a rapidocr dependency)
    import numpy as np  # noqa: PLC0415

    height, width = pixels.shape[:2]
    ink = (pixels < 160).astype(np.uint8) * 255
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (width // 25, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, height // 80)))
    ys: list[float] = []
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(horizontal)
    for _x, y, _w, h, _area in stats[1:count]:
        ys.append(y + h / 2)
    segments: list[tuple[float, float, float]] = []
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(vertical)
    for x, y, w, h, _area in stats[1:count]:
        segments.append((x + w / 2, float(y), float(y + h)))
    return Rulings(_merge_close(sorted(ys), 4.0), segments)


def _merge_close(values: list[float], gap: float) -> list[float]:
    merged: list[float] = []
    for value in values:
        if merged and value - merged[-1] <= gap:
            continue
        merged.append(value)
    return merged


def lines_from_boxes(boxes: list[Box], ruling: Rulings | None = None) -> list[str]:
    """Table rows from the ruling, prose lines from the rest, in vertical order."""
    items: list[tuple[float, str]] = []
    used: set[int] = set()
    if ruling is not None:
        rules = ruling.horizontal
        for top, bottom in pairwise(rules):
            middle = (top + bottom) / 2
            borders = sorted(x for x, y0, y1 in ruling.vertical if y0 <= middle <= y1)
            borders = _merge_close(borders, 4.0)
            if len(borders) < 2:
                continue  # not a table row: prose between two tables' rules
            inside = [i for i, box in enumerate(boxes) if top <= box.yc < bottom and i not in used]
            cells = [[] for _ in range(len(borders) - 1)]  # type: list[list[Box]]
            for i in inside:
                box = boxes[i]
                column = next((c for c in range(len(borders) - 1) if borders[c] <= box.xc < borders[c + 1]), None)
                if column is not None:
                    cells[column].append(box)
                    used.add(i)
            if any(cells):
                row = [_cell_text(cell) for cell in cells]
                items.append((top, tsv_text([row])[0]))
    rest = [box for i, box in enumerate(boxes) if i not in used]
    items += _prose_lines(rest, [top for top, _text in items])
    items.sort(key=lambda item: item[0])
    return [text for _top, text in items if text.strip("\t ")]


def _cell_text(boxes: list[Box]) -> str:
    """A cell's boxes in reading order: text lines top to bottom, each left to right (a wrapped label)."""
    return "".join(box.text for line in _cluster(boxes) for box in line)


def _cluster(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into text lines (vertical centres within half a line height), each sorted by x."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: b.yc):
        if lines and abs(box.yc - _centre(lines[-1])) <= 0.5 * min(box.height, lines[-1][0].height):
            lines[-1].append(box)
        else:
            lines.append([box])
    for line in lines:
        line.sort(key=lambda b: b.x0)
    return lines


def _prose_lines(boxes: list[Box], barriers: list[float]) -> list[tuple[float, str]]:
    """Text lines outside tables; a wide horizontal gap inside a line becomes a tab (an unruled table),
    and a paragraph the page broke into lines is joined again (never across a table row: ``barriers``)."""
    lines = _cluster(boxes)
    left = min((line[0].x0 for line in lines), default=0.0)
    right = max((line[-1].x1 for line in lines), default=0.0)
    out: list[tuple[float, str]] = []
    previous: list[Box] | None = None
    for line in lines:
        text = line[0].text
        for a, b in pairwise(line):
            text += ("\t" if b.x0 - a.x1 > 1.5 * a.height else "") + b.text
        top = min(b.y0 for b in line)
        joinable = (
            previous is not None
            and "\t" not in text
            and "\t" not in out[-1][1]
            and not any(out[-1][0] < barrier < top for barrier in barriers)
            and wraps(previous[-1].x1, right, previous[0].height, line[0].x0, left, text)
        )
        if joinable:
            out[-1] = (out[-1][0], out[-1][1] + text)
        else:
            out.append((top, text))
        previous = line
    return out


def _centre(line: list[Box]) -> float:
    return sum(b.yc for b in line) / len(line)
