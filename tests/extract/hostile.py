"""Hostile report files, built here from nothing (issue 12): each small on disk and huge once read by a
naive reader. Shared by the tests (tests/extract/test_bounded.py) and the benchmark (bench/hostile.py).

- :func:`huge_page_pdf` (also the replica fault ``huge_page_pdf``): a few hundred bytes of raw PDF with
  one 14 400 × 14 400 pt page and no text, so the reader takes it for a scan and renders it for OCR
  (1.6 G pixels at 200 dpi);
- :func:`span_bomb_html`: a ~10 KB table whose cells all say rowspan=1000 colspan=1000;
- :func:`lying_docx`: a DOCX whose zip directory declares 1 000 bytes for a document.xml that inflates
  to hundreds of MB (the declared sizes pass any guard that trusts them);
- :func:`huge_table_html`: a plain table of some 45 MB (millions of cells, nothing else wrong with it).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from replica.faults import huge_page_pdf, raw_pdf

__all__ = ["huge_page_pdf", "huge_table_html", "lying_docx", "raw_pdf", "span_bomb_html"]


def span_bomb_html(rows: int = 270) -> bytes:
    """One cell per row, each spanning 1000 rows and 1000 columns: ~10 KB of HTML."""
    cells = "".join(f'<tr><td rowspan="1000" colspan="1000">{i}</td></tr>' for i in range(rows))
    return f"<html><body><p>某街道2024年政府信息公开工作年度报告</p><table>{cells}</table></body></html>".encode()


def huge_table_html(megabytes: int = 45, columns: int = 10) -> bytes:
    """A table of plain rows and numbers, ``megabytes`` MB of it, no spans: millions of cells."""
    row = "<tr>" + "".join(f"<td>{c}</td>" for c in range(columns)) + "</tr>\n"
    count = megabytes * 1_000_000 // len(row)
    head = "<html><body><p>某街道2024年政府信息公开工作年度报告</p><table>\n"
    return (head + row * count + "</table></body></html>").encode()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def lying_docx(inflated_mb: int = 512, declared: int = 1000) -> bytes:
    """A DOCX whose word/document.xml inflates to ``inflated_mb`` MB (a paragraph, then spaces) while the
    zip directory (central and local headers) says ``declared`` bytes. ~1 MB per GB on disk."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = f'<?xml version="1.0"?><w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>报告</w:t></w:r></w:p>'.encode()
    parts = [compressor.compress(head)]
    chunk = b" " * (1 << 20)
    parts += [compressor.compress(chunk) for _ in range(inflated_mb)]
    parts.append(compressor.compress(b"</w:body></w:document>") + compressor.flush())
    deflated = b"".join(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        # A placeholder member of the right compressed length, its bytes and sizes replaced below.
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_STORED
        archive.writestr(info, b"\0" * len(deflated))
    data = bytearray(buffer.getvalue())
    name = b"word/document.xml"
    local = _header(data, b"PK\x03\x04", 30, name)
    central = _header(data, b"PK\x01\x02", 46, name)
    # Local header: method at +8, crc at +14, compressed size at +18, uncompressed size at +22.
    struct.pack_into("<H", data, local + 8, zipfile.ZIP_DEFLATED)
    struct.pack_into("<III", data, local + 14, 0, len(deflated), declared)
    start = local + 30 + len(name) + struct.unpack_from("<H", data, local + 28)[0]
    data[start : start + len(deflated)] = deflated
    # Central header: method at +10, crc at +16, compressed size at +20, uncompressed size at +24.
    struct.pack_into("<H", data, central + 10, zipfile.ZIP_DEFLATED)
    struct.pack_into("<III", data, central + 16, 0, len(deflated), declared)
    return bytes(data)


def _header(data: bytearray, signature: bytes, name_at: int, name: bytes) -> int:
    """The offset of the zip header with ``signature`` whose file name (at ``name_at``) is ``name``."""
    at = data.index(signature)
    while data[at + name_at : at + name_at + len(name)] != name:
        at = data.index(signature, at + 4)
    return at
