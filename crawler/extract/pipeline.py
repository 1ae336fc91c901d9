"""From a report file to its :class:`Record`: sniff the real type, read it into text, run the one text
pipeline (metadata → sections → tables → prose → rules). Never raises on bad input: a file that cannot be
read gives a record whose only finding is P00 (error) with the reason."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from crawler.extract import deadline as dl
from crawler.extract import prose, rules
from crawler.extract.formats import read_text
from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.limits import DEFAULT_LIMITS, Limits
from crawler.extract.metadata import extract_metadata
from crawler.extract.record import Finding, Record
from crawler.extract.sections import find_sections
from crawler.extract.tables import read_tables
from crawler.extract.text import Document

log = logging.getLogger(__name__)

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_ALLOCATION_FAILED = re.compile(r"bad_alloc|Insufficient memory|Failed to allocate")


def extract_text(
    text: str,
    *,
    doc_id: str,
    text_sha256: str | None = None,
    file_sha256: str | None = None,
    crawl_meta: Mapping[str, Any] | None = None,
    policies: Mapping[str, dl.Policy] | None = None,
    unread: tuple[str, ...] = (),
) -> Record:
    """The record of one report whose text is already extracted (seed .txt, or a reader's output);
    ``unread``: the parts of the file its reader could not read (:attr:`Extracted.unread`)."""
    doc = Document(text)
    meta = extract_metadata(doc, crawl_meta)
    sections = find_sections(doc)
    tables = read_tables(doc, sections, meta.template_version)
    judged = dl.judge(
        meta.report_year,
        page_date=meta.page_date,
        url_date=meta.url_date,
        doc_date=meta.doc_date,
        district=meta.district,
        policies=policies,
    )
    ctx = rules.Context(
        doc=doc,
        meta=meta,
        sections=sections,
        tables=tables,
        deadline=judged,
        prose_new_applications=prose.new_applications(doc),
        prose_no_review_litigation=prose.no_review_litigation(doc),
        unread=unread,
    )
    findings = [*rules.single_report_findings(ctx), *tables.findings]
    return Record(
        doc_id=doc_id,
        source_url=meta.source_url,
        file_sha256=file_sha256 or _meta_str(crawl_meta, "file_sha256"),
        text_sha256=text_sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=meta.title,
        report_year=meta.report_year,
        street=meta.street,
        street_short=meta.street_short,
        district=meta.district,
        district_source=meta.district_source,
        publisher=meta.publisher,
        publisher_source=meta.publisher_source,
        signed_date=meta.signed_date,
        fill_date=meta.fill_date,
        doc_date=meta.doc_date,
        page_date=meta.page_date,
        url_date=meta.url_date,
        publish_date=meta.publish_date,
        template_version=meta.template_version,
        text_layout=tables.layout,
        sections=sections.hits,
        tables_present=tables.present,
        t3_header_has_total=tables.t3_header_has_total,
        t3_alignment=tables.t3_alignment,
        prose_new_applications=ctx.prose_new_applications,
        prose_no_review_litigation=ctx.prose_no_review_litigation,
        deadline=judged.deadline,
        deadline_status=judged.status,
        cells=tables.cells,
        extras=tables.extras,
        findings=tuple(sorted(findings, key=finding_order)),
        text=text,
    )


def extract(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    url: str | None = None,
    crawl_meta: Mapping[str, Any] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    policies: Mapping[str, dl.Policy] | None = None,
) -> Record:
    """The record of one downloaded report file (PDF, DOCX, DOC, WPS, HTML, image or text)."""
    meta = dict(crawl_meta or {})
    if url and not meta.get("source_url"):
        meta["source_url"] = url
    doc_id = _doc_id(filename, meta.get("source_url"), data)
    file_sha256 = meta.get("file_sha256") or hashlib.sha256(data).hexdigest()
    try:
        if len(data) > limits.max_bytes:
            raise ReadError("too_large", f"{len(data)} bytes, limit {limits.max_bytes}")
        extracted = read_text(data, filename=filename, content_type=content_type, limits=limits)
    except ReadError as failure:
        return failed(doc_id, failure, source_url=meta.get("source_url"), file_sha256=file_sha256)
    except MemoryError:
        raise  # the worker's address-space limit (crawler/extract/workers.py) names it and retires the worker
    except Exception as exc:  # a reader bug or a library choking on hostile input: still a record
        if _ALLOCATION_FAILED.search(str(exc)):  # a native library (ONNX Runtime, OpenCV) hit the memory limit
            raise MemoryError(str(exc)) from exc
        log.exception("extract %s: unexpected reader failure", doc_id)
        unexpected = ReadError("reader_error", f"{type(exc).__name__}: {exc}")
        return failed(doc_id, unexpected, source_url=meta.get("source_url"), file_sha256=file_sha256)
    # A text file is the extracted text itself: there are no other original bytes to hash (§2.1).
    if extracted.kind == "text" and not (crawl_meta or {}).get("file_sha256"):
        file_sha256 = None
    meta["file_sha256"] = file_sha256
    record = extract_text(
        extracted.text,
        doc_id=doc_id,
        file_sha256=file_sha256,
        crawl_meta=meta,
        policies=policies,
        unread=extracted.unread,
    )
    if extracted.warnings:
        log.info("extract %s (%s): %s", doc_id, extracted.kind, "; ".join(extracted.warnings))
    return record


def extract_text_file(path: str | os.PathLike[str], *, crawl_meta: Mapping[str, Any] | None = None) -> Record:
    """The record of a seed-like UTF-8 text file; ``text_sha256`` is the hash of its bytes as stored."""
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8")
    return extract_text(
        text, doc_id=Path(path).stem, text_sha256=hashlib.sha256(raw).hexdigest(), crawl_meta=crawl_meta
    )


def extract_file(
    path: str | os.PathLike[str],
    *,
    url: str | None = None,
    content_type: str | None = None,
    crawl_meta: Mapping[str, Any] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    policies: Mapping[str, dl.Policy] | None = None,
) -> Record:
    """:func:`extract` on a file. A file above ``limits.max_bytes`` is refused from its size alone: it is
    only hashed, in 1 MiB chunks, never loaded."""
    file = Path(path)
    size = file.stat().st_size
    if size > limits.max_bytes:
        digest = hashlib.sha256()
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        meta = dict(crawl_meta or {})
        failure = ReadError("too_large", f"{size} bytes, limit {limits.max_bytes}")
        return failed(file.stem, failure, source_url=url or meta.get("source_url"), file_sha256=digest.hexdigest())
    return extract(
        file.read_bytes(),
        filename=file.name,
        content_type=content_type,
        url=url,
        crawl_meta=crawl_meta,
        limits=limits,
        policies=policies,
    )


def failed(doc_id: str, failure: ReadError, *, source_url: str | None, file_sha256: str | None) -> Record:
    """The record of a file that could not be read: metadata unknown, no tables, one P00 finding."""
    log.warning("extract %s: parse failure (%s): %s", doc_id, failure.reason, failure.detail)
    finding = Finding(
        "P00",
        "error",
        evidence={"reason": failure.reason, "detail": failure.detail},
        message=f"the file could not be read: {failure.reason}",
    )
    return Record(doc_id=doc_id, source_url=source_url, file_sha256=file_sha256, findings=(finding,))


def _doc_id(filename: str | None, url: str | None, data: bytes) -> str:
    for name in (filename, urlsplit(url).path if url else None):
        if name:
            stem = PurePosixPath(name.replace("\\", "/")).stem
            if stem and re.search(r"\w", stem):
                return stem
    return hashlib.sha256(data).hexdigest()[:16]


def _meta_str(meta: Mapping[str, Any] | None, key: str) -> str | None:
    value = (meta or {}).get(key)
    return str(value) if value else None


def finding_order(finding: Finding) -> tuple[str, str, int, int]:
    return (finding.rule, finding.table or "", finding.line or 0, _SEVERITY_ORDER[finding.severity])
