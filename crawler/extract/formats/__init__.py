"""Format readers. Every reader turns one file into the same intermediate text: prose lines, and table
rows as tab-joined cells (the ``tsv_rows`` layout of docs/report-format.md §3.1), which then goes through the
one text pipeline used for the seeds. Readers are imported lazily so that reading HTML never loads PDFium
or ONNX Runtime."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from crawler.extract.formats import sniff as sn
from crawler.extract.formats.encoding import decode
from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.limits import DEFAULT_LIMITS, Limits

log = logging.getLogger(__name__)

_BINARY_EXTENSIONS = {".pdf", ".doc", ".docx", ".wps", ".rtf", ".xls", ".xlsx", ".ofd"}
_BINARY_TYPES = ("application/pdf", "application/msword", "application/vnd.", "application/octet-stream")


@dataclass(frozen=True)
class Extracted:
    kind: str  # the sniffed type: pdf, docx, doc, html, image, text
    text: str
    warnings: tuple[str, ...] = ()


def read_text(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Extracted:
    """The intermediate text of ``data``; raises :class:`ReadError` when there is none."""
    kind = sn.sniff(data)
    warnings: list[str] = []
    if kind == sn.EMPTY:
        raise ReadError("empty", f"{len(data)} bytes, nothing but whitespace")
    expects_document = _expects_document(filename, content_type)
    if kind == sn.HTML and expects_document:
        # The server answered a document URL with a page (404, WAF challenge, login): not the report.
        raise ReadError("html_error_page", f"HTML content where {filename or content_type} was expected")
    if kind == sn.PDF:
        from crawler.extract.formats import pdf  # noqa: PLC0415

        text = pdf.read_pdf(data, limits, warnings)
    elif kind == sn.DOCX:
        from crawler.extract.formats import docx  # noqa: PLC0415

        text = docx.read_docx(data, limits)
    elif kind == sn.DOC:
        from crawler.extract.formats import legacy  # noqa: PLC0415

        text = legacy.read_legacy(data, limits, warnings, suffix=_suffix(filename) or "doc")
    elif kind == sn.HTML:
        from crawler.extract.formats import html  # noqa: PLC0415

        text = html.read_html(data, content_type=content_type)
    elif kind == sn.IMAGE:
        from crawler.extract.formats import ocr  # noqa: PLC0415

        text = ocr.read_image(data, limits)
    elif kind == sn.TEXT:
        text = decode(data)
    elif kind == sn.ZIP:
        raise ReadError("unsupported", "a zip archive that is not a Word document")
    else:
        raise ReadError("unsupported", f"unrecognised content (first bytes {data[:8]!r})")
    if not text.strip():
        raise ReadError("no_text", f"the {kind} file contains no text")
    if len(text) > limits.max_text_chars:
        warnings.append(f"text cut to {limits.max_text_chars} characters")
        text = text[: limits.max_text_chars]
    return Extracted(kind, text, tuple(warnings))


def _suffix(filename: str | None) -> str | None:
    if not filename:
        return None
    return os.path.splitext(filename)[1].lower().lstrip(".") or None


def _expects_document(filename: str | None, content_type: str | None) -> bool:
    if filename and os.path.splitext(filename)[1].lower() in _BINARY_EXTENSIONS:
        return True
    return bool(content_type and content_type.lower().startswith(_BINARY_TYPES))
