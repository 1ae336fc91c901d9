"""Scanned reports (image-only PDF pages, images): rapidocr 3.x text boxes, rebuilt into lines and rows.

OCR gives text boxes, not cells. Tables in these reports are ruled, so the ruling is found in the image
(long horizontal and vertical strokes, OpenCV morphology) after the page is turned straight (a scanned
sheet lies a little askew): a band between two horizontal rules that at least two vertical rules cross
from rule to rule is a table row, and those vertical rules are its cell borders (a glyph's stroke inside
a cell never reaches both rules). Boxes inside a row are put in their cell (a wrapped label is one cell),
and the row becomes one tsv line with empty cells kept, the same grid shape as the HTML and DOCX readers
produce. Boxes outside tables are clustered into prose lines by their vertical centre.

A table that crosses a page break is one table: where a page break leaves a row without its closing
rule (a browser prints the continued row without a top border), the ends of the table's vertical rules
close it, and the pieces of the table on consecutive pages are joined by the PDF reader's
:func:`crawler.extract.formats.pdf.stitch` (repeated header rows dropped, a row the break cut in two put
back together), so the row at the break keeps its values.

Speed (bench/extract.py, bench/RESULTS.md): recognition dominates. A page is rendered at the resolution
its scanned image has (not upsampled), the angle classifier is not run (the page is already straight; a
report page is not upside down), the recogniser's minimum input width is lowered so that the hundreds
of one-digit table cells are not each padded to a 320-pixel line, crops go to the recogniser in batches
of about the same width (a short heading is not padded to a full prose line), and each model run has one
thread. A scan's pages are read two at a time and a page's recogniser batches two at a time
(``Limits.ocr_threads``, a Python thread each: ONNX Runtime and OpenCV release the GIL), so a worker
reading a scan uses both cores of a machine whose crawl is waiting on the network; when both workers read
scans, their threads share the cores at the same CPU cost (single-threaded runs do not spin).

The models ship inside the rapidocr wheel (no download at run time, docs/readers.md §3). One engine per
process, made on first use (≈1 GB RAM) and kept for the process's next files.
"""

from __future__ import annotations

import collections
import io
import logging
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from crawler.extract.formats.errors import UNREAD, ReadError
from crawler.extract.formats.limits import Limits, ocr_address_space
from crawler.extract.formats.lines import wraps
from crawler.extract.text import tsv_text

log = logging.getLogger(__name__)

_ENGINE: dict[str, Any] = {}  # "engine" → the RapidOCR instance, made on first use
_ENGINE_LOCK = threading.Lock()
# Called after each scanned page is read (on the thread that called the reader). An extraction worker
# sets it to tell its parent, which then allows the file EXTRACT_OCR_PAGE_TIME more (workers.py): a long
# scan that makes progress is not killed by the per-file limit, a stuck page still is.
on_page_read: Callable[[], None] | None = None
MAX_IMAGE_PIXELS = 60_000_000  # ~ A3 at 400 dpi; larger images are refused (decompression bombs)
MIN_SCAN_DPI = 100  # a page image scanned coarser than this is rendered at this resolution
# rapidocr's defaults, changed for speed (measured in bench/RESULTS.md, the scan corpus reads the same):
ENGINE_PARAMS = {
    "Global.log_level": "error",
    # no angle classifier: scanned report pages are upright and turned straight before OCR (:func:`deskew`)
    "Global.use_cls": False,
    # The recogniser pads every crop to at least this width at its height of 48 (default 320): a table
    # cell holding one digit then costs as much as a 320-pixel line. 96 keeps the digits' confidence ≥ 0.99.
    "Rec.rec_img_shape": [3, 48, 96],
    # batches are made by :func:`_read_crops` (crops of about the same width), at most REC_BATCH each
    "Rec.rec_batch_num": 16,
    # One thread per model: the extraction pool already runs a worker per core, and with two threads a
    # model's parallel sections wait for each other on a busy machine (2.1× the CPU seconds measured under
    # load; bench/RESULTS.md). Fewer threads are also less address space (stacks, malloc arenas).
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}
REC_MIN_RATIO = 2.0  # width / height of Rec.rec_img_shape: narrower crops are padded to it
REC_BATCH = 16  # crops per recogniser call (the same as Rec.rec_batch_num)
REC_SAME_WIDTH = 1.25  # a batch's widest crop (width / height) is at most this times its narrowest
MISSED_SCORE = 0.9  # a line the detector missed, read from the leftover ink, counts at this confidence
MAX_SKEW = 2.0  # degrees: a sheet fed more askew than this is left as it is
_PAGE_NUMBER_EDGE = 0.08  # fraction of the page height at its top and bottom where page numbers sit


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


@dataclass(frozen=True)
class Item:
    """One block of a page, top to bottom: a prose line, or a table (consecutive ruled rows)."""

    top: float
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def is_table(self) -> bool:
        return bool(self.rows)


def engine() -> Any:
    """The process's RapidOCR, its detector and recogniser loaded (the first call loads them: ~1 s)."""
    with _ENGINE_LOCK:
        if "engine" not in _ENGINE:
            try:
                from rapidocr import RapidOCR  # noqa: PLC0415
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise ReadError("unsupported", f"OCR is not available: {exc}") from None
            before = address_space()
            with ocr_address_space():
                made = RapidOCR(params=dict(ENGINE_PARAMS))
                made._load_det_model()
                made._load_rec_model()
            _ENGINE["engine"] = made
            _ENGINE["space"] = max(0, address_space() - before)
            _ENGINE["loads"] = _ENGINE.get("loads", 0) + 1
        return _ENGINE["engine"]


def resident_space() -> int:
    """Bytes of address space the loaded models keep for the process's next files (0: not loaded). An
    extraction worker counts its limits above them (crawler/extract/workers.py), so it keeps its models."""
    return int(_ENGINE.get("space", 0)) if "engine" in _ENGINE else 0


def engine_loads() -> int:
    """How many times this process loaded the models (a worker loads them once for all its scans)."""
    return int(_ENGINE.get("loads", 0))


def address_space() -> int:
    """This process's address space in bytes (what RLIMIT_AS counts); 0 where /proc is not available."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


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
    lines = page_lines(grey, limits.ocr_threads)
    _page_read()
    return "\n".join(lines)


def _page_read() -> None:
    if on_page_read is not None:
        on_page_read()


def read_scanned_pdf(data: bytes, limits: Limits, warnings: list[str]) -> str:
    """The scanned pages' lines, ``limits.ocr_threads`` pages read at once (each on its own thread, every
    model run on one: ONNX Runtime and OpenCV release the GIL), in page order. PDFium is not thread-safe:
    pages are rendered here, on the calling thread, one page ahead of the readers."""
    import pypdfium2  # noqa: PLC0415  (a pdfplumber dependency)

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as exc:
        raise ReadError("malformed", f"PDFium cannot open it: {exc}") from None
    pages: list[list[Item]] = []
    # The models' allowance for the whole file: per page, two threads would restore each other's limit.
    with ocr_address_space(), ThreadPoolExecutor(max(1, limits.ocr_threads), thread_name_prefix="ocr") as readers:
        reading: collections.deque[tuple[int, Future[list[Item]]]] = collections.deque()  # (pixels, page)

        def take() -> None:  # the oldest page in hand, once read (in page order)
            pages.append(reading.popleft()[1].result())
            _page_read()

        try:
            if len(pdf) > limits.max_ocr_pages:
                # Named "not read" (Extracted.unread): a table on those pages is in the file, so V01 must not
                # call it absent.
                first, last = limits.max_ocr_pages + 1, len(pdf)
                rest = f"page {last}" if first == last else f"pages {first}–{last}"
                warnings.append(f"{UNREAD}{rest} (OCR stops at page {limits.max_ocr_pages})")
            for index in range(min(len(pdf), limits.max_ocr_pages)):
                image = _render(pdf, index, limits)
                pixels = image.width * image.height
                # Pages in hand: at most one per thread, and never more pixels together than the largest
                # page allowed alone (memory grows with the pixels read at once; the OCR allowance is sized
                # for one page at max_render_pixels): two A4 pages at once, a page at the cap alone.
                while reading and (
                    len(reading) >= max(1, limits.ocr_threads)
                    or pixels + sum(size for size, _page in reading) > limits.max_render_pixels
                ):
                    take()
                reading.append((pixels, readers.submit(page_items, image, limits.ocr_threads)))
                del image  # the reader holds the bitmap now
            while reading:
                take()
        finally:
            for _size, page in reading:
                page.cancel()  # a page failed: the ones not started are not read for nothing
            pdf.close()
    return "\n".join(assemble(pages))


def _render(pdf: Any, index: int, limits: Limits) -> Any:
    """Page ``index`` as a greyscale PIL image at its scan's resolution (:func:`render_dpi`); a page whose
    bitmap would pass ``limits.max_render_pixels`` is refused before it is allocated."""
    page = pdf[index]
    try:
        dpi = render_dpi(page, limits)
        width, height = page.get_size()  # points; the bitmap is allocated from these, so check first
        pixels = round(width * dpi / 72) * round(height * dpi / 72)
        if pixels > limits.max_render_pixels:
            raise ReadError(
                "render_limit",
                f"page {index + 1} is {width:g} × {height:g} pt: {pixels} pixels at {dpi:g} dpi, "
                f"limit {limits.max_render_pixels}",
            )
        return page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        page.close()


def render_dpi(page: Any, limits: Limits) -> float:
    """The resolution to render a scanned page at: its largest image's own (rendering a 150 dpi scan at
    200 dpi adds no detail, only pixels for the detector), at most ``limits.ocr_dpi``."""
    import pypdfium2.raw as pdfium_c  # noqa: PLC0415

    best = 0.0
    try:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            left, bottom, right, top = obj.get_bounds()
            px_width, px_height = obj.get_px_size()
            if right - left > 72 and top - bottom > 72:  # an inch or more: a page image, not a logo
                best = max(best, px_width * 72 / (right - left), px_height * 72 / (top - bottom))
    except Exception:  # an odd image object: render at the default resolution
        best = 0.0
    if best <= 0:
        return float(limits.ocr_dpi)
    return float(min(limits.ocr_dpi, max(MIN_SCAN_DPI, round(best))))


def page_lines(image: Any, threads: int = 1) -> list[str]:
    """The lines of one page image: prose lines and tsv table rows, top to bottom."""
    return assemble([page_items(image, threads)])


def page_items(image: Any, threads: int = 1) -> list[Item]:
    """One page image read: its prose lines and tables, top to bottom (``threads`` recogniser runs at once)."""
    import numpy as np  # noqa: PLC0415

    pixels = deskew(np.asarray(image))
    with ocr_address_space():  # the models need more than the other readers (limits.py)
        boxes = recognise(pixels, threads)
    height = float(pixels.shape[0])
    return [item for item in items_from_boxes(boxes, rulings(pixels, boxes)) if not _page_number(item, height)]


def recognise(pixels: Any, threads: int = 1) -> list[Box]:
    """The page's text boxes: rapidocr's detector finds them, a box the detector ran over two lines of a
    cell (close lines of a wrapped label) is cut into its lines, and the recogniser reads them in batches,
    ``threads`` batches at once."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    ocr = engine()
    found = ocr(pixels, use_det=True, use_cls=False, use_rec=False)
    if found.boxes is None or not len(found.boxes):
        return []
    height, width = pixels.shape[:2]
    rects = []
    for points in found.boxes:
        x0, y0 = (max(0, int(v)) for v in points.min(axis=0))
        x1, y1 = int(min(width, points[:, 0].max() + 1)), int(min(height, points[:, 1].max() + 1))
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            rects.append((x0, y0, x1, y1))
    if not rects:
        return []
    line = float(np.median([y1 - y0 for _x0, y0, _x1, y1 in rects]))
    rects = [part for rect in rects for part in _split_lines(pixels, rect, line, rects)]
    missed = _missed(pixels, rects, line)
    colour = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
    crops = [colour[y0:y1, x0:x1] for x0, y0, x1, y1 in rects + missed]
    texts, scores = _read_crops(ocr._load_rec_model(), crops, threads)
    threshold = float(ocr.cfg.Global.text_score)
    boxes = []
    for n, ((x0, y0, x1, y1), text, score) in enumerate(zip(rects + missed, texts, scores, strict=True)):
        # ink the detector missed must read clearly to count (not a speck read as a character)
        if text.strip() and score >= (threshold if n < len(rects) else MISSED_SCORE):
            boxes.append(Box(float(x0), float(y0), float(x1), float(y1), text.strip()))
    return boxes


def _read_crops(recogniser: Any, crops: list[Any], threads: int = 1) -> tuple[list[str], list[float]]:
    """The text and confidence of every crop. The recogniser pads every crop of a batch to the widest one's
    width: batches are made of crops of about the same width (a heading batched with full-width prose lines
    would be read at five times its width), at most ``REC_BATCH`` of them. Recognition is most of a page's
    time (~0.2 ms per pixel of line width): ``threads`` batches are read at once (the recogniser keeps no
    state between calls, and ONNX Runtime runs one session from several threads)."""
    from rapidocr.ch_ppocr_rec.typings import TextRecInput  # noqa: PLC0415

    ratio = [max(REC_MIN_RATIO, crop.shape[1] / crop.shape[0]) for crop in crops]
    order = sorted(range(len(crops)), key=ratio.__getitem__)
    batches: list[list[int]] = []
    start = 0
    while start < len(order):
        end = start + 1
        limit = REC_SAME_WIDTH * ratio[order[start]]
        while end < len(order) and end - start < REC_BATCH and ratio[order[end]] <= limit:
            end += 1
        batches.append(order[start:end])
        start = end
    batches.sort(key=lambda batch: -ratio[batch[-1]] * len(batch))  # the costliest first: threads end together

    def read(batch: list[int]) -> Any:
        return recogniser(TextRecInput(img=[crops[i] for i in batch]))  # rapidocr 3.10's recogniser (pinned)

    texts = [""] * len(crops)
    scores = [0.0] * len(crops)
    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="ocr-rec") as readers:
        for batch, read_batch in zip(batches, readers.map(read, batches), strict=True):
            for i, text, score in zip(batch, read_batch.txts, read_batch.scores, strict=True):
                texts[i], scores[i] = text, float(score)
    return texts, scores


def _missed(pixels: Any, rects: list[tuple[int, int, int, int]], line: float) -> list[tuple[int, int, int, int]]:
    """Text the detector missed (it skips a line of one or two characters in a narrow cell now and then):
    ink outside every box and every rule, in line-sized blobs clear of the boxes."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    height, width = pixels.shape[:2]
    ink = (pixels < 160).astype(np.uint8)
    for size in ((max(1, width // 25), 1), (1, max(1, height // 80))):
        rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        ink &= 1 - cv2.dilate(rules, np.ones((3, 3), np.uint8))
    for x0, y0, x1, y1 in rects:
        ink[y0:y1, x0:x1] = 0
    reach = max(1, round(0.4 * line))
    blobs = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, max(1, reach // 3))))
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(blobs)
    out = []
    pad = round(0.15 * line)
    for x, y, w, h, _area in stats[1:count]:
        inner = (x + reach // 2, y + reach // 6, x + w - reach // 2, y + h - reach // 6)  # the ink, undilated
        if not (0.4 * line <= inner[3] - inner[1] <= 3.2 * line) or inner[2] - inner[0] < 0.3 * line:
            continue  # a speck, a stroke of a rule, or no text line
        if any(_overlaps(inner, other) for other in rects):
            continue  # the edge of a box's text
        rect = (max(0, inner[0] - pad), max(0, inner[1] - pad), min(width, inner[2] + pad), min(height, inner[3] + pad))
        out += _split_lines(pixels, rect, line, rects)
    return out


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """``a`` overlaps ``b`` by more than a fifth of its area (boxes of adjacent lines touch a little)."""
    overlap = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return overlap > 0.2 * (a[2] - a[0]) * (a[3] - a[1])


def _split_lines(
    pixels: Any, rect: tuple[int, int, int, int], line: float, others: list[tuple[int, int, int, int]]
) -> list[tuple[int, int, int, int]]:
    """``rect`` cut into its text lines when it is much taller than a line (the ink-free pixel rows between
    them), leaving out a line that another box already holds."""
    x0, y0, x1, y1 = rect
    if y1 - y0 < 1.6 * line:
        return [rect]
    # a row with a few inked pixels is empty: the crop may take in a cell border running across the lines
    inked = (pixels[y0:y1, x0:x1] < 160).sum(axis=1) > max(2, 0.05 * (x1 - x0))
    runs: list[tuple[int, int]] = []
    start = None
    for y, ink in enumerate([*inked, False]):
        if ink and start is None:
            start = y
        elif not ink and start is not None:
            runs.append((start, y))
            start = None
    pad = round(0.15 * line)
    parts = []
    for top, bottom in runs:
        if bottom - top < 0.4 * line:
            continue  # a speck, or the edge of the next line
        part = (x0, max(0, y0 + top - pad), x1, y0 + bottom + pad)
        if not any(_same_line(part, other) for other in others if other != rect):
            parts.append(part)
    return parts if len(parts) > 1 else [rect]


def _same_line(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    overlap_x = min(a[2], b[2]) - max(a[0], b[0])
    overlap_y = min(a[3], b[3]) - max(a[1], b[1])
    return overlap_x > 0 and overlap_y > 0.5 * min(a[3] - a[1], b[3] - b[1])


def deskew(pixels: Any) -> Any:
    """The page turned straight: the angle (within ±MAX_SKEW degrees) at which the rows of a reduced
    image are most unevenly inked -- text lines and rules then lie along pixel rows."""
    import cv2  # noqa: PLC0415  (opencv-python-headless, a rapidocr dependency)
    import numpy as np  # noqa: PLC0415

    height, width = pixels.shape[:2]
    scale = min(1.0, 600 / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    ink = (255 - small).astype(np.float32)
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (small.shape[1], small.shape[0]), flags=cv2.INTER_LINEAR)
        profile = turned.sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.25), key=sharpness)
    angle = max(np.arange(coarse - 0.25, coarse + 0.26, 0.05), key=sharpness)
    if abs(angle) < 0.05:
        return pixels
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), float(angle), 1.0)
    return cv2.warpAffine(
        pixels, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


@dataclass(frozen=True)
class Rulings:
    horizontal: list[float]  # y of each horizontal rule
    vertical: list[tuple[float, float, float]]  # (x, y_top, y_bottom) of each vertical rule segment


def rulings(pixels: Any, boxes: Sequence[Box] = ()) -> Rulings:
    """The page's rules; a vertical stroke that lies within a text box is a glyph's, not a cell border (in
    a one-line row a character's stroke can run nearly from rule to rule)."""
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
        centre, y0, y1 = x + w / 2, float(y), float(y + h)
        if not any(_within(box, centre, y0, y1) for box in boxes):
            segments.append((centre, y0, y1))
    return Rulings(_merge_close(sorted(ys), 4.0), segments)


def _within(box: Box, x: float, y0: float, y1: float) -> bool:
    """The vertical stroke at ``x`` from ``y0`` to ``y1`` lies mostly inside ``box``."""
    inside = box.x0 + _REACH < x < box.x1 - _REACH
    return inside and min(y1, box.y1) - max(y0, box.y0) > 0.5 * (y1 - y0)


def _merge_close(values: list[float], gap: float) -> list[float]:
    merged: list[float] = []
    for value in values:
        if merged and value - merged[-1] <= gap:
            continue
        merged.append(value)
    return merged


_REACH = 4.0  # pixels: a cell border reaches the horizontal rules it runs between (they cross)


def _borders(ruling: Rulings, top: float, bottom: float) -> list[float]:
    """The x of the vertical rules that run the whole band from ``top`` to ``bottom``."""
    xs = [x for x, y0, y1 in ruling.vertical if y0 <= top + _REACH and y1 >= bottom - _REACH]
    return _merge_close(sorted(xs), 4.0)


def _closed(ruling: Rulings) -> list[float]:
    """The horizontal rules, with the open ends of tables closed: where a page break leaves a row without
    the rule above (or below) it, the table's vertical rules still end there, together."""
    rules = ruling.horizontal
    ends: list[float] = []
    for _x, y0, y1 in ruling.vertical:
        if not any(y0 <= top + _REACH and y1 >= bottom - _REACH for top, bottom in pairwise(rules)):
            continue  # not a cell border: a glyph's stroke, a rule of no table row
        ends += [y for y in (y0, y1) if not any(abs(y - rule) <= _REACH for rule in rules)]
    closing: list[float] = []
    for end in sorted(ends):
        together = [other for other in ends if abs(other - end) <= 2 * _REACH]
        if len(together) >= 2 and not any(abs(end - c) <= 2 * _REACH for c in closing):
            closing.append(sum(together) / len(together))
    return sorted(rules + closing)


def items_from_boxes(boxes: list[Box], ruling: Rulings | None = None) -> list[Item]:
    """Tables from the ruling (adjacent ruled rows are one table), prose lines from the rest, in vertical
    order."""
    rows: list[tuple[float, float, tuple[str, ...]]] = []  # (top, bottom, cells)
    used: set[int] = set()
    if ruling is not None:
        for top, bottom in pairwise(_closed(ruling)):
            borders = _borders(ruling, top, bottom)
            if len(borders) < 2:
                continue  # not a table row: prose between two tables' rules
            inside = [i for i, box in enumerate(boxes) if top <= box.yc < bottom and i not in used]
            cells: list[list[Box]] = [[] for _ in range(len(borders) - 1)]
            for i in inside:
                box = boxes[i]
                column = next((c for c in range(len(borders) - 1) if borders[c] <= box.xc < borders[c + 1]), None)
                if column is not None:
                    cells[column].append(box)
                    used.add(i)
            rows.append((top, bottom, tuple(_cell_text(cell) for cell in cells)))
    items: list[Item] = []
    previous_bottom = None
    for top, bottom, texts in rows:
        if items and previous_bottom is not None and abs(previous_bottom - top) <= _REACH:
            items[-1] = Item(items[-1].top, rows=(*items[-1].rows, texts))  # the row below the last one
        else:
            items.append(Item(top, rows=(texts,)))
        previous_bottom = bottom
    # a table of empty rows only (a ruled box, a frame) holds nothing to read
    items = [item for item in items if any(cell.strip() for row in item.rows for cell in row)]
    rest = [box for i, box in enumerate(boxes) if i not in used]
    items += [Item(top, text=text) for top, text in _prose_lines(rest, [item.top for item in items])]
    items.sort(key=lambda item: item.top)
    return items


def lines_from_boxes(boxes: list[Box], ruling: Rulings | None = None) -> list[str]:
    """The page's lines: prose lines and tsv table rows, top to bottom."""
    return assemble([items_from_boxes(boxes, ruling)])


def assemble(pages: list[list[Item]]) -> list[str]:
    """The lines of consecutive pages; a table that ends one page and starts the next is one table."""
    from crawler.extract.formats.pdf import stitch  # noqa: PLC0415  (the one rule for tables across pages)

    out: list[str] = []
    table: list[list[str | None]] | None = None

    def flush() -> None:
        if table:
            out.extend(line for line in tsv_text([[cell or "" for cell in row] for row in table]) if line.strip("\t "))

    for number, items in enumerate(pages):
        for position, item in enumerate(items):
            if item.is_table:
                rows: list[list[str | None]] = [list(row) for row in item.rows]
                if table is not None and position == 0 and number > 0:
                    table = stitch(table, rows)
                else:
                    flush()
                    table = rows
            else:
                flush()
                table = None
                if item.text.strip("\t "):
                    out.append(item.text)
        if items and not items[-1].is_table:
            table = None
    flush()
    return out


def _page_number(item: Item, height: float) -> bool:
    """A page number or 「第 1 页 共 3 页」 footer (or header) line."""
    from crawler.extract.formats.pdf import PAGE_NUMBER  # noqa: PLC0415

    near_edge = item.top < height * _PAGE_NUMBER_EDGE or item.top > height * (1 - _PAGE_NUMBER_EDGE)
    return not item.is_table and near_edge and bool(PAGE_NUMBER.match(item.text))


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
    and a paragraph the page broke into lines is joined again (never across a table: ``barriers``)."""
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
