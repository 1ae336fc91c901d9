"""DOCX reports (python-docx): paragraphs and tables in body order, merged cells on their grid.

The zip is checked before python-docx sees it: a zip bomb (huge declared sizes or ratios) is refused
without inflating anything. ``zipfile`` stops at a member's declared size, so checking declared sizes
bounds memory even when the declarations lie.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.grid import Span, layout
from crawler.extract.formats.limits import Limits
from crawler.extract.text import tsv_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_MEMBERS = 5000


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip bomb before python-docx inflates anything: every member is inflated here once, in
    64 KiB steps, and the bytes that really come out are counted against the caps. The directory's
    declared sizes are not trusted (issue 12: a 4 MB DOCX declaring 1 000 bytes for a document.xml of
    2 GB); a member that inflates to more or less than it declares is refused too, since python-docx
    reads whole members in one call, inflating everything the compressed stream holds at once."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError("truncated", f"not a readable zip: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ReadError("zip_bomb", f"{len(infos)} zip members")
        if "word/document.xml" not in archive.namelist():
            raise ReadError("unsupported", "a zip without word/document.xml")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise ReadError("encrypted", f"{info.filename} is encrypted")
            inflated = _inflated_size(archive, info, limits, total)
            total += inflated
            ratio = inflated / max(info.compress_size, 1)
            if inflated > 1_000_000 and ratio > limits.max_zip_ratio:
                raise ReadError("zip_bomb", f"{info.filename}: {inflated} bytes unzipped from {info.compress_size}")


def _inflated_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: int) -> int:
    """The bytes ``info`` really inflates to, counted while streaming; refused past a cap."""
    cap = min(limits.max_zip_member, limits.max_unzipped - total)
    # The stream is read past the declared size: zipfile stops at the declared size, so one byte more
    # than declared means the directory lies (checked below through the CRC as well).
    raw = zipfile.ZipInfo(info.filename)
    raw.compress_type, raw.compress_size, raw.header_offset = info.compress_type, info.compress_size, info.header_offset
    raw.file_size, raw.CRC, raw.flag_bits = cap + 1, info.CRC, info.flag_bits & ~0x8
    count = 0
    try:
        with archive.open(raw) as member:
            while chunk := member.read(1 << 16):
                count += len(chunk)
                if count > cap:
                    break
    except zipfile.BadZipFile:
        pass  # a CRC that does not match: a stream cut at the cap, or a damaged member (python-docx says)
    except (ValueError, OSError, EOFError, NotImplementedError, zlib.error) as exc:
        raise ReadError("truncated", f"{info.filename}: {type(exc).__name__}: {exc}") from None
    if count >= cap:
        raise ReadError("zip_bomb", f"{info.filename} inflates past {cap} bytes (declared {info.file_size})")
    if count != info.file_size:
        raise ReadError("zip_bomb", f"{info.filename} inflates to {count} bytes but declares {info.file_size}")
    return count


def read_docx(data: bytes, limits: Limits) -> str:
    check_zip(data, limits)
    import docx  # noqa: PLC0415  (loaded only for DOCX input)

    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # python-docx raises KeyError, BadZipFile, XMLSyntaxError … on damaged files
        raise ReadError("truncated", f"python-docx cannot open it: {type(exc).__name__}: {exc}") from None
    lines: list[str] = []
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            text = _paragraph_text(element)
            if text.strip():
                lines.append(text.strip())
        elif element.tag == f"{_W}tbl":
            lines.extend(line for line in tsv_text(table_rows(element)) if line.strip("\t"))
    return "\n".join(lines)


def _paragraph_text(paragraph: etree._Element) -> str:
    # w:t runs, w:tab as a space, w:br as a space: a paragraph is one line of the intermediate text.
    parts = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        parts.append((node.text or "") if node.tag == f"{_W}t" else " ")
    return "".join(parts)


def table_rows(table: etree._Element) -> list[list[str]]:
    """Rows of a w:tbl on its grid: gridSpan is a column span, a vMerge continuation is an empty
    position (its text belongs to the cell above), gridBefore skips leading grid columns."""
    rows: list[list[Span]] = []
    for tr in table.iterchildren(f"{_W}tr"):
        spans: list[Span] = []
        column = _val(tr.find(f"{_W}trPr/{_W}gridBefore")) or 0
        for tc in tr.iterchildren(f"{_W}tc"):
            props = tc.find(f"{_W}tcPr")
            span = _val(props.find(f"{_W}gridSpan")) if props is not None else None
            merge = props.find(f"{_W}vMerge") if props is not None else None
            continued = merge is not None and merge.get(f"{_W}val") in (None, "continue")
            text = "" if continued else " ".join(_paragraph_text(p) for p in tc.iter(f"{_W}p")).strip()
            spans.append(Span(text, 1, span or 1, column))
            column += span or 1
        rows.append(spans)
    return layout(rows)


def _val(node: etree._Element | None) -> int | None:
    if node is None:
        return None
    try:
        return int(node.get(f"{_W}val"))
    except (TypeError, ValueError):
        return None
