"""Render a seed's text as the documents a portal serves: DOCX (python-docx), then PDF and DOC (LibreOffice).

The seed's prose lines become paragraphs and its table rows (tsv lines, or cell_per_line blocks) become
table rows, one cell per extracted cell, so reading the document back must give the seed's values.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import docx
import docx.document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from crawler.extract.text import BOOKMARK, TSV_ROWS, Document

FONT = "Noto Sans CJK SC"


def seed_blocks(text: str) -> list[str | list[list[str]]]:
    """The seed as paragraphs (str) and tables (rows of cell texts), in order."""
    doc = Document(text)
    covered: dict[int, list[str]] = {}
    owner: set[int] = set()
    for row in doc.rows:
        if doc.layout == TSV_ROWS and len(row.tokens) < 2:
            continue  # a tsv line without a tab is prose
        first = row.tokens[0].line
        covered[first] = [BOOKMARK.sub("", t.text) for t in row.tokens]
        owner.update(range(first, row.last_line + 1))
    blocks: list[str | list[list[str]]] = []
    for n in doc.numbers():
        if n in covered:
            if not blocks or not isinstance(blocks[-1], list):
                blocks.append([])
            table = blocks[-1]
            assert isinstance(table, list)
            table.append(covered[n])
        elif n not in owner and doc.line(n).strip():
            blocks.append(doc.line(n).strip())
    return blocks


def seed_document() -> docx.document.Document:
    """An empty DOCX in the seeds' layout: 9 pt CJK body text, 1.5 cm side margins."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(9)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.5)
    return document


def add_block(document: docx.document.Document, block: str | list[list[str]]) -> None:
    """One of :func:`seed_blocks` appended: a paragraph, or a ruled table followed by an empty paragraph."""
    if isinstance(block, str):
        document.add_paragraph(block)
        return
    table = document.add_table(rows=len(block), cols=max(len(row) for row in block))
    table.style = "Table Grid"
    for row, cells in zip(table.rows, block, strict=True):
        # A row never breaks across pages, so the PDF keeps each row on one page.
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, value in zip(row.cells, cells, strict=False):
            cell.text = value
    document.add_paragraph("")


def render_docx(text: str) -> bytes:
    document = seed_document()
    for block in seed_blocks(text):
        add_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def libreoffice_convert(files: dict[str, bytes], target: str, timeout: float = 180) -> dict[str, bytes]:
    """Convert several files in one LibreOffice run (one start-up), with a private profile."""
    with tempfile.TemporaryDirectory(prefix="nianbao-test-lo-") as tmp:
        paths = []
        for name, data in files.items():
            path = Path(tmp) / name
            path.write_bytes(data)
            paths.append(str(path))
        command = [
            "soffice",
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            f"{tmp}/out",
            *paths,
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)
        extension = target.split(":", maxsplit=1)[0]
        return {name: (Path(tmp) / "out" / f"{Path(name).stem}.{extension}").read_bytes() for name in files}
