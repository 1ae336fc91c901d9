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
from crawler.extract.formats.errors import UNREAD, ReadError
from crawler.extract.formats.limits import DEFAULT_LIMITS, Limits

log = logging.getLogger(__name__)

_BINARY_EXTENSIONS = {".pdf", ".doc", ".docx", ".wps", ".rtf", ".xls", ".xlsx", ".ofd"}
_BINARY_TYPES = ("application/pdf", "application/msword", "application/vnd.", "application/octet-stream")


@dataclass(frozen=True)
class Extracted:
    kind: str  # the sniffed type: pdf, docx, doc, html, mhtml, image, text
    text: str
    warnings: tuple[str, ...] = ()

    @property
    def unread(self) -> tuple[str, ...]:
        """The parts of the file the reader left unread, in its words: 「page 3 is only an image, …」."""
        return tuple(w.removeprefix(UNREAD) for w in self.warnings if w.startswith(UNREAD))


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

        text = html.read_html(data, content_type=content_type, warnings=warnings)
        if _expects_document(filename, content_type) and not (sn.office_export(data) or _is_report(text)):
            # The server answered a document URL with a page (404, WAF challenge, login): not the report.
            raise ReadError(
                "html_error_page",
                f"HTML content where {filename or content_type} was expected: a web page, neither a document "
                "saved as HTML by an office suite nor a report (fewer than two of its section headings)",
            )
    elif kind == sn.MHTML:
        from crawler.extract.formats import html, mhtml  # noqa: PLC0415

        page, charset = mhtml.html_part(data)
        text = html.read_html(
            page, content_type=f"text/html; charset={charset}" if charset else None, warnings=warnings
        )
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
        # What the reader left unread may hold all the text there is (a page whose nesting stopped the HTML
        # parser before its first word): the refusal says so rather than call the file empty of text.
        unread = [w.removeprefix(UNREAD) for w in warnings if w.startswith(UNREAD)]
        raise ReadError("no_text", "; not read: ".join([f"the {kind} file contains no text", *unread]))
    if len(text) > limits.max_text_chars:
        text, note = _cut(text, limits.max_text_chars)
        warnings.append(note)
    return Extracted(kind, text, tuple(warnings))


def _cut(text: str, cap: int) -> tuple[str, str]:
    """``text`` kept to its whole lines within ``cap`` characters, and the warning naming the rest.

    At a line break: a table row cut inside would keep a number cut short (「行政处罚\t149」 read as 1 or
    14), a wrong value rather than a missing one. The rest is named ``not read`` (Extracted.unread): a table
    in it is in the file, so V01 must not call it absent."""
    end = text.rfind("\n", 0, cap + 1)
    kept = text[:end] if end > 0 else text[:cap]  # a first line longer than the cap is cut inside it
    lines = kept.count("\n") + 1
    return kept, f"{UNREAD}the text after line {lines} (the text is cut at {cap} characters)"


def _is_report(text: str) -> bool:
    """Whether a web page served at a document URL is the report itself (a portal that serves the report's
    HTML under a ``.doc`` name): two of the statutory section headings as lines of their own, as §3.5 reads
    them. An error, challenge or login page has none, and a portal page whose menu names 政府信息公开 or
    年度报告 has no numbered section heading either."""
    from crawler.extract.sections import find_sections  # noqa: PLC0415
    from crawler.extract.text import Document  # noqa: PLC0415

    return sum(hit.found for hit in find_sections(Document(text)).hits.values()) >= 2


def _suffix(filename: str | None) -> str | None:
    if not filename:
        return None
    return os.path.splitext(filename)[1].lower().lstrip(".") or None


def _expects_document(filename: str | None, content_type: str | None) -> bool:
    if filename and os.path.splitext(filename)[1].lower() in _BINARY_EXTENSIONS:
        return True
    return bool(content_type and content_type.lower().startswith(_BINARY_TYPES))
