"""The real type of a file, from its bytes (magic numbers), never from its name or Content-Type.

A portal's HTML error page saved under a ``.pdf`` name is HTML; an empty file is nothing.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import zipfile

from crawler.extract.formats.encoding import as_utf8, utf16, utf16_bom

PDF = "pdf"
DOCX = "docx"
DOC = "doc"  # OLE2 compound file: Word 97–2003 .doc and Kingsoft .wps
HTML = "html"
MHTML = "mhtml"  # a "single file web page" (Word's .mht, a browser's .mhtml), often published as .doc
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

# MHTML is a MIME message: header lines from the first byte (a browser writes From:, Subject:, Date: before
# them), among them MIME-Version and a multipart/related Content-Type, up to the first empty line.
_MIME_HEADERS = re.compile(rb"\A(?:[A-Za-z][A-Za-z0-9-]*:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)+\r?\n")
_MIME_VERSION = re.compile(rb"^MIME-Version:", re.I | re.M)
_MULTIPART_RELATED = re.compile(rb"^Content-Type:\s*multipart/related\b", re.I | re.M)


# What office suites write into the HTML they save: Word's and Excel's "Save as Web Page" (a Generator or
# ProgId meta and the Office XML namespaces, which WPS writes too), LibreOffice's HTML (its generator meta)
# and XHTML (its comment). Looked for only in the head, where they stand: a web page quoting them in its
# text does not become a document.
_OFFICE_EXPORT = re.compile(
    rb"""<meta\s[^>]*?name\s*=\s*["']?(?:generator|progid)["']?\s[^>]*?content\s*=\s*["']?\s*"""
    rb"""(?:Microsoft\s+(?:Word|Excel)|Word\.Document|Excel\.Sheet|LibreOffice|OpenOffice|WPS|Kingsoft)"""
    rb"""|<html\s[^>]*?xmlns:[wx]\s*=\s*["']?urn:schemas-microsoft-com:office:(?:word|excel)"""
    rb"""|<!--\s*This file was converted to xhtml by LibreOffice""",
    re.I,
)
_HEAD_BYTES = 16 * 1024


def office_export(data: bytes) -> bool:
    """Whether ``data`` (sniffed HTML) is a document saved as HTML by an office suite (a report published as
    ``.doc``): the document itself, whatever it says, as a binary .doc would be; a web page at a document
    URL is an error page (the archive refuses it, the reader too unless it is a report)."""
    # The head's characters: Word saves a web page as UTF-16 when told to use Unicode (twice the bytes).
    return _OFFICE_EXPORT.search(as_utf8(data[: 2 * _HEAD_BYTES])[:_HEAD_BYTES]) is not None


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
    if utf16(head):
        # Saved as UTF-16 ("Unicode"): the same tests on its characters. Never MHTML, a MIME message in ASCII.
        # Without a BOM only a page is told from binary (by its first tag: encoding.utf16).
        text_head = as_utf8(data[:4096]).lstrip()
        if _HTML.match(text_head):
            return HTML
        return TEXT if utf16_bom(head) and _looks_like_text(text_head) else UNKNOWN
    text_head = _strip_bom(head).lstrip()
    if _is_mhtml(_strip_bom(data[:8192]).lstrip()):
        return MHTML
    if _HTML.match(text_head[:2048]):
        return HTML
    if _looks_like_text(head):
        return TEXT
    return UNKNOWN


def _is_mhtml(head: bytes) -> bool:
    headers = _MIME_HEADERS.match(head)
    return bool(headers and _MIME_VERSION.search(headers[0]) and _MULTIPART_RELATED.search(headers[0]))


def _strip_bom(data: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if data.startswith(bom):
            return data[len(bom) :]
    return data


# A Word document holds a few dozen members; listing 700,000 of them costs half a gigabyte (a hostile zip).
MAX_ZIP_MEMBERS = 10_000


def zip_members(data: bytes) -> int | None:
    """How many members a zip's end-of-central-directory record announces (None: no record), read without parsing
    the directory (65535: a zip64 archive that announces more elsewhere)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - _ZIP_END_WINDOW))
    return struct.unpack_from("<H", data, at + 10)[0] if 0 <= at <= len(data) - 22 else None


def _zip_kind(data: bytes) -> str:
    if (members := zip_members(data)) is not None and members > MAX_ZIP_MEMBERS:
        return ZIP  # no Word document, and not listed
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


# ---- whether the bytes are the whole file -------------------------------------------------------------
# A PDF ends with %%EOF, after which servers and tools leave a little: line ends, NUL padding (iTextSharp pads to a
# block), a download script's HTML. The last %%EOF is looked for in the last MiB once padding is stripped; what
# follows it must not begin as an incremental update does ("5 0 obj", "xref", or that cut within its first
# words): an update begun and not ended. Junk may say "1 0 obj" further on (a script's page about PDFs). pdfminer
# recovers objects from a cut file: without this test a cut report would be read as a silently shorter one.
_PDF_TAIL = 1 << 20
_PADDING = b"\x00\r\n\t \x0c"
_PDF_UPDATE = re.compile(rb"[\x00\s]*(?:\d+\s+\d+\s+obj\b|xref\b|\d+\s+\d+(?:\s+ob?)?\Z|xre?\Z)")
_ZIP_END_WINDOW = 22 + 65535  # the end-of-central-directory record (22 bytes) and its longest comment
_SCRIPTS_AND_COMMENTS = re.compile(r"<script\b.*?(?:</script\s*>|\Z)|<!--.*?(?:-->|\Z)", re.I | re.S)
_HTML_OPEN = re.compile(rb"<(?:html|body)[\s>]", re.I)  # a document, which ends: a fragment (<p>…) cannot be judged
_HTML_END_WINDOW = 256 * 1024  # a larger page is judged by its tail: its closing tags (a tracking script may follow)
_HTML_WHOLE = 8 << 20  # a page up to this size is judged whole: its openings and closings counted
_SCRIPT = (re.compile(r"<script\b", re.I), re.compile(r"</script\s*>", re.I))
_COMMENT = (re.compile(r"<!--"), re.compile(r"-->"))
_MIME_BOUNDARY = re.compile(rb"""boundary\s*=\s*"?([^";\r\n]+)""", re.I)


def html_ends(text: str) -> bool:
    """Whether an HTML page (or its tail) reaches its end: it closes ``<html>`` or ``<body>`` as often as it opens
    them, outside scripts and comments. A print helper's ``document.write('…</body></html>')`` or a commented-out
    footer is no end of the page, nor is the end of a whole document a server included at its top (an SSI header):
    the page around it is still open."""
    for opener, closer in (_SCRIPT, _COMMENT):
        first_close, first_open = closer.search(text), opener.search(text)
        if first_close and (first_open is None or first_close.start() < first_open.start()):
            text = text[first_close.end() :]  # a tail that begins inside a script or a comment
    outside = _SCRIPTS_AND_COMMENTS.sub(" ", text)
    for tag in ("html", "body"):
        closed = len(re.findall(rf"</{tag}\s*>", outside, re.I))
        if closed and closed >= len(re.findall(rf"<{tag}[\s>]", outside, re.I)):
            return True
    return False


def cut_short(data: bytes) -> str | None:
    """Why ``data`` is not a whole file of its sniffed type, or None (whole, or no way to tell).

    A transfer can end early without the client knowing: a response without Content-Length ends when the
    server closes the connection, however early, and a server can send a file still being written. Its
    validators (ETag, Last-Modified) are the whole file's, so a copy taken for whole would be revalidated
    into permanence (304, "unchanged") and its reader would read a shorter report. Each type tells by its own
    end: the PDF trailer (%%EOF), the zip's central directory (DOCX, XLSX…), a web page's ``</html>`` or
    ``</body>`` (once it opened ``<html>`` or ``<body>``; outside scripts and comments), the MIME closing
    delimiter (MHTML), the end-of-image marker of a JPEG's primary image (walked to through its segments: a
    motion photo's video may follow), PNG's IEND chunk. Old Word and WPS files (OLE2 compound files) end after
    the last sector their allocation table uses (a part of it is enough: writers in the wild leave the last
    sector short); RTF closes every group it opens. Time and memory stay linear in the file, with a bounded
    window for every search but RTF's brace count and the JPEG walk."""
    kind = sniff(data)
    if kind == PDF:
        trailer = data[-_PDF_TAIL:].rstrip(_PADDING)
        end = trailer.rfind(b"%%EOF")
        if end < 0:
            return "no %%EOF trailer: the PDF is cut short"
        if _PDF_UPDATE.match(trailer, end + 5):  # an incremental update (an edit, a signature) begun, not ended
            return "an update after the last %%EOF ends without its own: the PDF is cut short"
    if kind in (DOCX, ZIP) and b"PK\x05\x06" not in data[-_ZIP_END_WINDOW:]:
        return "no end of central directory: the zip is cut short"
    if kind == HTML and _HTML_OPEN.search(as_utf8(data[:_HEAD_BYTES])) and not html_ends(_html_tail(data)):
        return "the page ends before </html>: it is cut short"
    if kind == DOC and data.startswith(_OLE2):
        return _ole_cut(data)
    if kind == DOC:
        return _rtf_cut(data)
    if kind == MHTML and _mhtml_open(data):
        return "no closing MIME delimiter: the MHTML file is cut short"
    if kind == IMAGE and data.startswith(b"\xff\xd8\xff") and not _jpeg_ends(data):
        return "no end-of-image marker: the JPEG is cut short"
    if kind == IMAGE and data.startswith(b"\x89PNG") and b"IEND" not in data[-4096:]:
        return "no IEND chunk: the PNG is cut short"
    return None


def _html_tail(data: bytes) -> str:
    """The page as text (a large one: its last part, enough for its closing tags), tags read right in every charset
    (ASCII but in UTF-16)."""
    window = len(data) if len(data) <= _HTML_WHOLE else _HTML_END_WINDOW
    if (wide := utf16(data)) is not None:  # "Unicode" HTML: its tags in UTF-16, on an even offset
        return data[max(len(data) - window, utf16_bom(data)) // 2 * 2 :].decode(wide, errors="replace")
    return data[-window:].decode("latin-1")


def _mhtml_open(data: bytes) -> bool:
    """Whether an MHTML message lacks its closing delimiter (``--boundary--``, the boundary its headers name)."""
    boundary = _MIME_BOUNDARY.search(data[:8192])
    if boundary is None:
        return not data.rstrip().endswith(b"--")
    return b"--" + boundary[1].strip() + b"--" not in data[-4096:]


# JPEG: outside a scan a marker (FF xx after fill FFs) starts a segment whose length follows it; in a scan's
# entropy-coded data FF 00 is a stuffed FF and FF D0–D7 a restart, so the next FF xx of neither kind is the next
# marker. Searched, never stepped through byte by byte.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_JPEG_STANDALONE = (0x01, 0xD8)  # TEM and SOI take no length (RSTn are skipped by _JPEG_MARKER)
_JPEG_LS = 0xF7  # SOF55: JPEG-LS stuffs its scans otherwise (FF then a byte below 80 is data)
_JPEG_MAX_MARKERS = 10_000  # a real JPEG has a few dozen, a progressive one a few more


def _jpeg_ends(data: bytes) -> bool:
    """Whether a JPEG reaches the end-of-image marker (EOI) of its primary image, walked to from its SOI by
    segment lengths (an EXIF thumbnail's own SOI…EOI lies inside its APP1 segment) and over the entropy-coded
    data of each scan (a progressive JPEG has several). What follows the EOI is no part of the image: a motion
    photo's MP4 video, padding, a server's bytes. A file the walk cannot follow is judged by its last bytes."""
    at = 2
    for _ in range(_JPEG_MAX_MARKERS):
        found = _JPEG_MARKER.search(data, at)  # libjpeg too skips stray bytes before a marker
        if found is None:
            return False  # the data ends before the next marker (or a segment runs past the end)
        marker, at = data[found.end() - 1], found.end()
        if marker == 0xD9:
            return True
        if marker in _JPEG_STANDALONE:
            continue
        if marker == _JPEG_LS:
            break
        if len(data) - at < 2:
            return False
        if (length := int.from_bytes(data[at : at + 2], "big")) < 2:
            break  # a corrupt length: libjpeg refuses it
        at += length
    return _tail_ends(data)  # a walk it cannot follow (JPEG-LS, a corrupt length, a hostile run of markers)


def _tail_ends(data: bytes) -> bool:
    """Whether the data ends with an EOI marker (and padding)."""
    return data[-65536:].rstrip(_PADDING).endswith(b"\xff\xd9")


# RTF: braces open and close groups, but not those escaped (\{ \}) nor the bytes of a \binN payload (N bytes of
# binary, say a picture, after the control word and its space). Counted, never copied: a hostile file of braces
# costs no memory.
_RTF_BIN = re.compile(rb"\\bin(\d{1,10}) ?")
_RTF_MAX_BINS = 10_000  # a picture each; past them (a hostile file) the rest is counted as it is


def _rtf_cut(data: bytes) -> str | None:
    """Whether an RTF file leaves a group open (or ends inside a ``\\binN`` payload)."""
    depth, at = 0, 0
    for _ in range(_RTF_MAX_BINS):
        if (found := _RTF_BIN.search(data, at)) is None:
            break
        depth += _braces(data, b"{", at, found.start()) - _braces(data, b"}", at, found.start())
        at = found.end()
        if _escaped(data, found.start()):
            continue  # \\bin12: an escaped backslash, then text
        at += int(found[1])
        if at > len(data):
            return "a binary payload runs past the end: the RTF file is cut short"
    depth += _braces(data, b"{", at, len(data)) - _braces(data, b"}", at, len(data))
    return "no closing brace: the RTF file is cut short" if depth > 0 else None  # a group left open


def _braces(data: bytes, brace: bytes, start: int, end: int) -> int:
    """The braces in ``data[start:end]`` that are not escaped: preceded by no backslash or by an even number
    (``\\\\{`` is an escaped backslash, then a brace), counted by runs of up to 6 backslashes."""
    count, sign = data.count(brace, start, end), -1
    for run in range(1, 7):
        if not (escapes := data.count(b"\\" * run + brace, start, end)):
            break  # no longer run either
        count, sign = count + sign * escapes, -sign
    return count


def _escaped(data: bytes, at: int) -> bool:
    """Whether the backslash at ``at`` is escaped: an odd run of backslashes (up to 8 looked at) before it."""
    run = len(data[max(0, at - 8) : at]) - len(data[max(0, at - 8) : at].rstrip(b"\\"))
    return run % 2 == 1


_FREE_SECTOR, _MAX_SECTOR = 0xFFFFFFFF, 0xFFFFFFFA  # [MS-CFB] FREESECT and MAXREGSECT


def _ole_cut(data: bytes) -> str | None:
    """Whether an OLE2 compound file ([MS-CFB]) ends before the last sector it uses: the directory's first
    sector, the allocation table's sectors (the 109 the header lists, then those listed by the chain of DIFAT
    sectors it starts in files over 7 MB), the DIFAT sectors and the highest sector the tables mark used."""
    if len(data) < 512:
        return "the OLE header is cut short"
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    if size not in (512, 4096):
        return None  # no version of the format: its readers judge it
    per_table, sectors = size // 4, len(data) // size
    directory = struct.unpack_from("<I", data, 0x30)[0]
    last = directory if directory <= _MAX_SECTOR else 0
    tables = list(struct.unpack_from("<109I", data, 0x4C))
    difat, count = struct.unpack_from("<II", data, 0x44)
    # Bounded by the header's count and by the tables the data can hold (one per sector); a chain that loops ends.
    seen: set[int] = set()
    while len(seen) < count and len(tables) <= sectors and difat <= _MAX_SECTOR and difat not in seen:
        seen.add(difat)
        last = max(last, difat)
        start = (difat + 1) * size  # the header is sector -1
        if start + size > len(data):
            break  # the DIFAT sector lies past the end: ``last`` already says so
        *listed, difat = struct.unpack_from(f"<{per_table}I", data, start)
        tables += listed
    tables = list(itertools.takewhile(lambda sector: sector <= _MAX_SECTOR, tables[: sectors + 1]))
    last = max([last, *tables])
    for n, sector in enumerate(tables):
        start = (sector + 1) * size
        if start + size > len(data):
            continue  # the table lies past the end: ``last`` already says so
        # Its last used entry, found in C: a free entry is FF FF FF FF, a used one holds another byte.
        if used := (len(data[start : start + size].rstrip(b"\xff")) + 3) // 4:
            last = max(last, n * per_table + used - 1)
    return "the file ends before its last sector: the OLE file is cut short" if len(data) <= (last + 1) * size else None
