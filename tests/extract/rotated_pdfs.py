"""Seed 001 as a PDF whose table pages are landscape, made landscape each way real reports are.

The committed fixtures in ``tests/fixtures/pdf/`` were made by the real producers: seed 001's text as a
DOCX (:func:`tests.extract.render.render_docx`'s layout) whose tables 3 and 4 sit in a landscape section,
exported to PDF by LibreOffice (``seed001_landscape.pdf``: those pages have a wide MediaBox), and then
that PDF's landscape pages changed by PDFium (pypdfium2) as a viewer or a print driver changes them:

* ``seed001_rotate90.pdf`` / ``seed001_rotate270.pdf``: a viewer's "rotate page and save" — the page
  gets ``/Rotate 90`` (or 270) and nothing else; the text is shown sideways;
* ``seed001_content_ccw.pdf``: "rotate content" (scanner and print-driver output) — the page's content is
  wrapped in ``q 0 1 -1 0 w 0 cm … Q`` (PDFium's ``FPDFPage_TransFormWithClip``) and the MediaBox is
  swapped to portrait, no ``/Rotate``: the text runs bottom to top on a portrait page;
* ``seed001_content_ccw_rotate90.pdf``: the same content plus ``/Rotate 90``, which turns it upright
  again on screen: a landscape table printed to portrait paper.

Regenerate them with ``python -m tests.extract.rotated_pdfs`` (needs ``soffice``).
"""

from __future__ import annotations

import ctypes
import io
import sys
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Cm

from tests.extract.render import add_block, libreoffice_convert, seed_blocks, seed_document

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "pdf"
SEED = ROOT / "fixtures" / "seeds" / "001_d5617df0c19c2339.txt"
SEED_ID = "001_d5617df0c19c2339"
# The landscape section runs from this paragraph (the heading before table 3) to the end of table 4.
LANDSCAPE_FROM = "3、 收到和处理政府信息公开申请情况"
VARIANTS = ("landscape", "rotate90", "rotate270", "content_ccw", "content_ccw_rotate90")


def landscape_docx(text: str) -> bytes:
    """Seed ``text`` as render_docx lays it out, tables 3 and 4 in a landscape section of their own."""
    document = seed_document()
    blocks = seed_blocks(text)
    start = blocks.index(LANDSCAPE_FROM)
    last_table = max(n for n, block in enumerate(blocks) if isinstance(block, list))
    for n, block in enumerate(blocks):
        if n == start:
            _new_section(document, WD_ORIENT.LANDSCAPE)
        elif n == last_table + 1:
            _new_section(document, WD_ORIENT.PORTRAIT)
        add_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _new_section(document: docx.document.Document, orientation: WD_ORIENT) -> None:
    previous = document.sections[-1]
    section = document.add_section(WD_SECTION.NEW_PAGE)
    assert previous.page_width is not None and previous.page_height is not None
    short, long = sorted((previous.page_width, previous.page_height))
    section.orientation = orientation
    section.page_width, section.page_height = (long, short) if orientation == WD_ORIENT.LANDSCAPE else (short, long)
    section.left_margin = section.right_margin = Cm(1.5)


def variant(pdf: bytes, name: str) -> bytes:
    """``pdf`` with its landscape pages changed as ``name`` says (the module docstring), saved by PDFium."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    document = pdfium.PdfDocument(pdf)
    for page in document:
        width, height = page.get_size()
        if width <= height or name == "landscape":
            continue
        if name.startswith("content_ccw"):
            # (x, y) → (h − y, x): the landscape content turned a quarter counter-clockwise onto a portrait
            # page h wide and w high. PDFium writes it as q <clip> W n 0 1 -1 0 h 0 cm … Q.
            matrix = raw.FS_MATRIX(0, 1, -1, 0, height, 0)
            clip = raw.FS_RECTF(0, width, height, 0)  # left, top, right, bottom of the new page
            raw.FPDFPage_TransFormWithClip(page.raw, ctypes.byref(matrix), ctypes.byref(clip))
            page.set_mediabox(0, 0, height, width)
            page.set_cropbox(0, 0, height, width)
        if name in ("rotate90", "content_ccw_rotate90"):
            page.set_rotation(90)
        elif name == "rotate270":
            page.set_rotation(270)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> int:
    source = landscape_docx(SEED.read_text(encoding="utf-8"))
    pdf = libreoffice_convert({f"{SEED_ID}.docx": source}, "pdf")[f"{SEED_ID}.docx"]
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name in VARIANTS:
        (FIXTURES / f"seed001_{name}.pdf").write_bytes(variant(pdf, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
