"""The real type of a file, from its bytes (magic numbers), never from its name or Content-Type.

A portal's HTML error page saved under a ``.pdf`` name is HTML; an empty file is nothing.
"""

from __future__ import annotations

import io
import re
import zipfile

PDF = "pdf"
DOCX = "docx"
DOC = "doc"  # OLE2 compound file: Word 97–2003 .doc and Kingsoft .wps
HTML = "html"
TEXT = "text"
IMAGE = "image"
ZIP = "zip"  # a zip that is not a Word document (xlsx, odt, …)
EMPTY = "empty"
UNKNOWN = "unknown"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
# HTML is recognised by how the body starts (after a BOM, whitespace, an XML declaration or comments),
# never by a tag somewhere inside: a text file quoting "<p>" or a binary that happens to hold "<html" in
# its first kilobyte is not a web page (issue 12).
_HTML = re.compile(
    rb"(?:\s|<\?xml[^>]{0,200}\?>|<!--.{0,1000}?-->)*"  # what may come before the first tag
    rb"<\s*(!doctype\s+html|html|head|body|meta|title|link|style|script|div|table|p|span|font|center|h[1-6])\b",
    re.I | re.S,
)


def sniff(data: bytes) -> str:
    if not data.strip():
        return EMPTY
    head = data[:2048]
    # %PDF may be preceded by junk (some servers prepend a BOM or whitespace); the spec allows 1024 bytes.
    if b"%PDF-" in data[:1024]:
        return PDF
    if head.startswith(_OLE2):
        return DOC
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if any(head.startswith(magic) for magic in _IMAGES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return IMAGE
    if head.startswith(b"{\\rtf"):
        return DOC  # RTF: LibreOffice reads it like a .doc
    text_head = _strip_bom(head).lstrip()
    if _HTML.match(text_head[:2048]):
        return HTML
    if _looks_like_text(head):
        return TEXT
    return UNKNOWN


def _strip_bom(data: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if data.startswith(bom):
            return data[len(bom) :]
    return data


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return DOCX  # a damaged DOCX: its reader reports the damage
    return DOCX if "word/document.xml" in names else ZIP


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the 2 KiB window
                return True
    return False
