"""MHTML, the "single file web page" (Word's 单个文件网页 .mht, a browser's .mhtml), which portals publish
under a ``.doc`` name: a MIME multipart/related message whose first HTML (or XHTML) part is the document.

Only that part is decoded (quoted-printable or base64, by the standard library). The parts before it
(images, style sheets) are passed over by their boundary with only their headers parsed, and those after
it are never looked at: one pass over bytes the caller has already capped (``Limits.max_bytes``), and
one decoded copy of the page, never larger than its encoded form.
"""

from __future__ import annotations

import email
import re
from email.message import Message
from email.parser import BytesHeaderParser

from crawler.extract.formats.errors import ReadError

_BLANK_LINE = re.compile(rb"^\r?\n", re.M)  # an empty line
_LEAD = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*")  # what sniff.py lets precede the headers
_PAGE_TYPES = ("text/html", "application/xhtml+xml")  # a browser saves an XHTML page under its own type
_MAX_HEADER = 64 * 1024  # a part's headers are a few lines; more is not MHTML


def html_part(data: bytes) -> tuple[bytes, str | None]:
    """The bytes of the first text/html (or XHTML) part and its declared charset (None when it declares none)."""
    lead = _LEAD.match(data)
    head_start = lead.end() if lead else 0
    top_end = _header_end(data, head_start)
    top = BytesHeaderParser().parsebytes(data[head_start:top_end])
    boundary = top.get_param("boundary")
    if top.get_content_type() != "multipart/related" or not isinstance(boundary, str) or not boundary:
        raise ReadError("malformed", "an MHTML file without a multipart/related boundary")
    delimiter = b"\n--" + boundary.encode("ascii", "surrogateescape")
    start = data.find(delimiter, top_end - 1)  # the first may follow the headers' blank line directly
    while start >= 0:
        after = start + len(delimiter)
        line_end = data.find(b"\n", after)
        if data.startswith(b"--", after) or line_end < 0:
            break  # the closing delimiter, or a file cut short
        part_start = line_end + 1
        end = data.find(delimiter, part_start)
        headers = BytesHeaderParser().parsebytes(data[part_start : _header_end(data, part_start)])
        if headers.get_content_type() in _PAGE_TYPES:
            body = data[part_start : end if end >= 0 else len(data)]
            part = email.message_from_bytes(body.removesuffix(b"\r"))  # the CR of the CRLF before a delimiter
            return _payload(part), part.get_content_charset()
        start = end
    raise ReadError("unsupported", "an MHTML file without an HTML or XHTML part")


def _header_end(data: bytes, start: int) -> int:
    """Where the header block that begins at ``start`` ends (after its blank line)."""
    blank = _BLANK_LINE.search(data, start, start + _MAX_HEADER)
    if blank is None:
        raise ReadError("malformed", "an MHTML part whose headers do not end")
    return blank.end()


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)  # quoted-printable and base64 decoded; 7bit/8bit as they are
    return payload if isinstance(payload, bytes) else b""
