"""Extraction records in the archive: each report file's record stored beside it, and the checks that
need more than one report.

For an archived report file ``{portal}/{street}/{year}/{file}`` the record (docs/report-format.md §2) is
``{file}.record.json`` and the text it was read from ``{file}.record.txt`` (kept for the copy checks,
V34/V35, and for readers who want to search the text). Both are versions of their own keys, so a
re-extraction after a parser upgrade makes a new version only when the record really changed.

Single-report extraction is :mod:`crawler.extract` (pure); this module adds what needs the archive:
the deadline policy from the registry, V36 from the file's version history, and the one way readers see
a record with its cross-report findings (V32–V35), which crawler/derive.py computes and keeps apart
(``_derive/findings/…``): a crawl of one portal never rewrites another portal's records.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from crawler import keys
from crawler.extract import (
    EXTRACTOR_VERSION,
    Record,
    extract,
    republication_findings,
)
from crawler.extract.deadline import Policy
from crawler.extract.pipeline import finding_order
from crawler.extract.record import Finding
from crawler.extract.workers import limit_reason
from crawler.keys import REPORT_JSON, record_key
from crawler.registry import Portal, Registry
from crawler.store import Store, StoreError

logger = logging.getLogger(__name__)

# Rules computed here over several reports: recomputed as a whole, never accumulated.
CROSS_RULES = frozenset(("V32", "V33", "V34", "V35"))


@dataclass(frozen=True)
class ArchivedReport:
    """One report of the catalogue (``report.json``) and the records of its files that exist."""

    prefix: str  # {portal}/{street}/{year}
    meta: Mapping[str, Any]  # report.json
    records: Mapping[str, Record]  # file store key → record

    def meta_keys(self) -> list[str]:
        """The store keys of the report's archived files."""
        return [f["store_key"] for f in report_files(self.meta)]

    @property
    def primary(self) -> tuple[str, Record] | None:
        """The file that carries the report: the one with the most cells read (ties: the page first)."""
        best = None
        for order, (key, record) in enumerate(self.records.items()):
            read = sum(cell.status in ("ok", "ocr_fixed") for cell in record.cells.values())
            score = (read, record.template_version != "none", -order)
            if best is None or score > best[0]:
                best = (score, key, record)
        return None if best is None else (best[1], best[2])


text_key = keys.record_text_key  # the text a record was read from, beside it (crawler/keys.py)


def deadline_policies(registry: Registry) -> dict[str, Policy]:
    """The registry's deadlines per legal district, in the form extraction's V07–V10 take."""
    policies: dict[str, Policy] = {}
    for portal, unit in registry.iter_streets():
        district = portal.legal_district_of(unit)
        if district:
            policies[district] = portal_policy(registry, portal)
    return policies


def portal_policy(registry: Registry, portal: Portal) -> Policy:
    """The deadlines the registry sets for the street reports of ``portal`` (its own, else the defaults)."""
    d1 = portal.deadline or registry.deadline
    d2 = portal.late_error_after or registry.late_error_after
    return Policy(d1=(d1.month, d1.day), d2=(d2.month, d2.day))


@dataclass(frozen=True)
class ArchivedFile:
    """The latest archived version of one report file, ready to be read (by a worker, or in-process)."""

    key: str
    data: bytes
    kwargs: Mapping[str, Any]  # filename, content_type, url, crawl_meta: the arguments of ``extract``
    earlier: tuple[Record, ...]  # its earlier versions, for the republication finding (V36)


def read_archived(store: Store, report: Mapping[str, Any], file: Mapping[str, Any]) -> ArchivedFile | None:
    """The bytes and reading arguments of the latest archived version of ``file`` (None: never archived)."""
    key = file.get("store_key")
    if not key:
        return None
    version = store.latest(key)
    if version is None:
        return None
    data = store.get(key)
    crawl_meta = {
        "source_url": file.get("url"),
        "page_date": report.get("page_date"),
        "url_date": report.get("url_date"),
        "district": report.get("legal_district"),
        "file_sha256": version.sha256,
    }
    kwargs = {"filename": file.get("name"), "content_type": version.content_type, "url": file.get("url")}
    earlier = tuple(Record(doc_id=key, source_url=v.source_url, file_sha256=v.sha256) for v in store.history(key)[:-1])
    return ArchivedFile(key, data, {**kwargs, "crawl_meta": crawl_meta}, earlier)


def finish_archived(file: ArchivedFile, record: Record) -> Record:
    """The record read from ``file`` with its archive identity and its version-history finding."""
    record = dataclasses.replace(record, doc_id=file.key)  # unique across the archive, unlike a file stem
    return record.with_findings(republication_findings(record, list(file.earlier)))


# How a file's bytes become a record: ``extract`` in-process, or ``ExtractPool.extract(...).result``.
Reader = Callable[..., Record]


def extract_archived(
    store: Store,
    report: Mapping[str, Any],
    file: Mapping[str, Any],
    policies: Mapping[str, Policy],
    reader: Reader = extract,
) -> Record | None:
    """The record of the latest archived version of one file of ``report`` (None: never archived)."""
    archived = read_archived(store, report, file)
    if archived is None:
        return None
    return finish_archived(archived, reader(archived.data, **archived.kwargs, policies=policies))


@dataclass(frozen=True)
class Outcome:
    """What extracting one file of a report did."""

    key: str
    record: Record | None = None  # None: skipped, never archived, or failed
    changed: bool = False  # the stored record is new or different
    skipped: bool = False  # already extracted by this extractor version
    error: str | None = None  # the archive could not be read or written (the report itself is not judged)


def extract_report(
    store: Store,
    report: Mapping[str, Any],
    policies: Mapping[str, Policy],
    *,
    changed_only: bool,
    save: bool = True,
    reader: Reader = extract,
) -> list[Outcome]:
    """Extract the record of every archived file of ``report`` (a report.json or item dict) and store it,
    unless ``save`` is off. Cross-report findings are not the record's: crawler/derive.py keeps them apart.

    A file whose current record (this extractor version, these bytes) says a limit refused it is not read
    again even without ``changed_only``: it would only hit the same limit (issue 12)."""
    out = []
    for file in report_files(report):
        key = file["store_key"]
        try:
            if is_current(store, key) and (changed_only or refused_by_limit(store, key)):
                out.append(Outcome(key, skipped=True))
                continue
            record = extract_archived(store, report, file, policies, reader)
            if not save:
                out.append(Outcome(key, record))
                continue
            changed = record is not None and save_record(store, key, record)
            out.append(Outcome(key, record, changed))
        except (StoreError, OSError) as exc:
            logger.error("extraction of %s failed, the file stays archived: %s", key, exc)
            out.append(Outcome(key, error=f"{type(exc).__name__}: {exc}"))
    return out


def own_findings(record: Record) -> Record:
    """The record without cross-report findings (those live apart: :func:`with_derived`), in the fixed
    finding order, so the same file always gives the same stored bytes."""
    own = tuple(sorted((f for f in record.findings if f.rule not in CROSS_RULES), key=finding_order))
    return record if own == record.findings else dataclasses.replace(record, findings=own)


def with_derived(record: Record, derived: Iterable[Finding] | None) -> Record:
    """The one way readers see a record: its own findings and its derived cross-report ones, in the fixed
    order. ``derived`` None (never derived, an archive from before crawler/derive.py): the record as stored."""
    if derived is None:
        return record
    findings = (*own_findings(record).findings, *derived)
    return dataclasses.replace(record, findings=tuple(sorted(findings, key=finding_order)))


def load_derived(store: Store, file_key: str) -> list[Finding] | None:
    """The stored cross-report findings of a report file (None: never derived)."""
    try:
        data = store.get_json(keys.derived_findings(file_key))
    except StoreError:
        return None
    return [Finding.from_dict(f) for f in data.get("findings", [])]


def save_derived(store: Store, file_key: str, findings: Iterable[Finding]) -> bool:
    """Store the file's cross-report findings (fixed order: unchanged findings make no new version)."""
    ordered = sorted(findings, key=finding_order)
    return store.put_json(keys.derived_findings(file_key), {"findings": [f.to_dict() for f in ordered]}).created


def save_record(store: Store, file_key: str, record: Record) -> bool:
    """Store the record (its own findings only) and its text beside the file; whether the record is new or
    changed."""
    record = own_findings(record)
    stamp = {"extractor": EXTRACTOR_VERSION, "file_sha256": record.file_sha256}
    result = store.put_json(record_key(file_key), record.to_dict(), meta=stamp)
    store.put(text_key(file_key), record.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
    return result.created


def is_current(store: Store, file_key: str) -> bool:
    """Whether the file's latest version already has a record by this extractor version."""
    stored, file = store.latest(record_key(file_key)), store.latest(file_key)
    if stored is None or file is None:
        return False
    return stored.meta.get("extractor") == EXTRACTOR_VERSION and stored.meta.get("file_sha256") == file.sha256


def refused_by_limit(store: Store, file_key: str) -> bool:
    """Whether the file's stored record is a P00 naming a resource limit (memory, time, grid, render…)."""
    record = load_record(store, file_key, with_text=False)
    return record is not None and limit_reason(record) is not None


def load_record(store: Store, file_key: str, *, with_text: bool = True, derived: bool = True) -> Record | None:
    """The stored record of a file (None: never extracted) with its derived cross-report findings
    (``derived=False``: its own only); ``with_text=False`` skips reading the text beside it (one GET less
    per record, for callers that only need values, dates or findings)."""
    try:
        data = store.get_json(record_key(file_key))
    except StoreError:
        return None
    text = ""
    if with_text:
        try:
            text = store.get(text_key(file_key)).decode("utf-8")
        except StoreError:
            pass
    return with_derived(Record.from_dict(data, text), load_derived(store, file_key) if derived else None)


def report_prefixes(store: Store, portal: str | None = None, year: int | None = None) -> list[str]:
    """``{portal}/{street}/{year}`` of every catalogued report, sorted."""
    out = []
    for key in store.keys(f"{portal}/" if portal else ""):
        if not key.endswith("/" + REPORT_JSON) or keys.is_internal(key):
            continue
        prefix = key.removesuffix("/" + REPORT_JSON)
        if year is None or prefix.rsplit("/", 1)[-1] == str(year):
            out.append(prefix)
    return sorted(out)


def report_meta(store: Store, prefix: str) -> dict[str, Any]:
    return dict(store.get_json(keys.report_json(prefix)))


def report_files(meta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [f for f in meta.get("files", []) if f.get("store_key")]


def archived_reports(
    store: Store, portal: str | None = None, year: int | None = None, *, with_text: bool = True
) -> Iterator[ArchivedReport]:
    for prefix in report_prefixes(store, portal, year):
        yield archived_report(store, prefix, with_text=with_text)


def archived_report(
    store: Store, prefix: str, *, with_text: bool = True, derived: bool = True, meta: Mapping[str, Any] | None = None
) -> ArchivedReport:
    """One catalogued report and its records, by key (:class:`StoreError` when report.json is missing)."""
    meta = report_meta(store, prefix) if meta is None else meta
    records = {}
    for file in report_files(meta):
        record = load_record(store, file["store_key"], with_text=with_text, derived=derived)
        if record is not None:
            records[file["store_key"]] = record
    return ArchivedReport(prefix, meta, records)


def previous_year(prefix: str) -> str:
    """The prefix of the same street's report of the year before."""
    head, _, year = prefix.rpartition("/")
    return f"{head}/{int(year) - 1}" if year.isdigit() else prefix
