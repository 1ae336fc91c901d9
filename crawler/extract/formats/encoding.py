"""Decoding text and HTML bytes: UTF-8, UTF-16 (by its BOM), GBK/GB2312 (as GB18030, its superset) and what
the page declares."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))  # both 2 bytes
_BOMS = ((codecs.BOM_UTF8, "utf-8"), *_UTF16_BOMS)
# Word can save a web page as UTF-16 without the mark: a page is still told by its first tag, each of its ASCII
# characters beside a zero byte (text without a tag stays unknown, as binary would).
_UNMARKED_UTF16 = (
    (re.compile(rb"(?:[\t\n\r ]\x00)*<\x00[!?A-Za-z]\x00"), "utf-16-le"),
    (re.compile(rb"(?:\x00[\t\n\r ])*\x00<\x00[!?A-Za-z]"), "utf-16-be"),
)
# GB2312 and GBK pages routinely contain GBK-only characters (硚 is not in GB2312): decode the superset.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
}


def utf16(data: bytes) -> str | None:
    """The UTF-16 codec whose byte order mark ``data`` starts with (or, without one, in which its first tag
    is written), else None. Windows' "Unicode" Save As (Notepad, Word's "Save as Web Page" in Unicode) writes
    UTF-16LE with its BOM, "Unicode big endian" UTF-16BE."""
    if encoding := next((encoding for bom, encoding in _UTF16_BOMS if data.startswith(bom)), None):
        return encoding
    return next((encoding for tag, encoding in _UNMARKED_UTF16 if tag.match(data, 0, 1024)), None)


def utf16_bom(data: bytes) -> int:
    """The length of the UTF-16 byte order mark ``data`` starts with: 2, or 0 (none)."""
    return 2 if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else 0


def as_utf8(data: bytes) -> bytes:
    """UTF-16 ``data`` (:func:`utf16`) as UTF-8 bytes, the BOM left out; any other ``data`` as it is.

    What looks at markup in the bytes (the HTML sniffer, the count of a page's table cells) sees none in
    UTF-16, where every ASCII character is followed or preceded by a zero byte."""
    encoding = utf16(data)
    if encoding is None:
        return data
    return data[utf16_bom(data) :].decode(encoding, errors="replace").encode("utf-8")


def declared_charset(data: bytes, content_type: str | None = None) -> str | None:
    if content_type:
        match = re.search(r"charset\s*=\s*([A-Za-z0-9_\-]+)", content_type, re.I)
        if match:
            return match.group(1).lower()
    meta = _META_CHARSET.search(data[:4096])
    return meta.group(1).decode("ascii").lower() if meta else None


def decode(data: bytes, declared: str | None = None) -> str:
    """The text of ``data``: a BOM wins, then strict UTF-8 (declarations are often wrong on portals that
    moved to UTF-8), then the declared charset, then GB18030, then a statistical guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [_ALIASES.get(declared, declared)] if declared else []
    candidates.append("gb18030")
    for encoding in candidates:
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        from charset_normalizer import from_bytes  # noqa: PLC0415  (only for undecodable input)

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except ImportError:  # pragma: no cover - a requests dependency, normally present
        pass
    return data.decode("gb18030", errors="replace")
