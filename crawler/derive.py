"""Cross-report findings (V32–V35), derived from the records and kept apart from them.

A record holds what its own file says; what a report shows against other reports lives in
``_derive/findings/{report file}.json`` (crawler/keys.py), read together with the record through
:func:`crawler.records.with_derived`. So a crawl writes only its own portal's keys:

- at a crawl's close, :func:`derive_portal` brings its portal's derived findings up to date for the
  reports the crawl touched: V34 (copy) against every unit's report through the signature index, the
  previous-year rules (V32, V33, V35) by key against the same street's report of the year before, and the
  portal's untouched reports whose findings name a touched report (a new or vanished copy partner; the
  report of the year after);
- another portal's findings that change because of it (a new copy partner there) are refreshed by
  :func:`refresh` — ``scrapy derive``, run once at the end of ``scrapy crawlall`` and as an after-crawl
  step of the schedule (config/schedule.yaml) or the queue's derive task.

The copy check never reads every record: each portal keeps ``_derive/signatures/{portal}.json``, per
report its street, district, year, primary file and, per file, the 64-bit hashes of the file's shingles
(:func:`crawler.extract.rules.record_shingles`) and the V34 partners last found (so a refresh rewrites only
findings that changed). A close reads the signature files (one per portal) and the records of the reports
it touched and of their neighbouring years, by key. Containment on hashed shingles equals containment on
the shingles unless two of them collide in 64 bits.

Every write goes through ``put_json`` in a fixed order: an unchanged derived object or signature file
makes no new version.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from crawler import keys, records
from crawler.extract import Record, previous_year_findings
from crawler.extract import containment as cont
from crawler.extract.record import Finding
from crawler.extract.rules import V34_THRESHOLD, corpus_findings, record_shingles, unit_key
from crawler.store import Store, StoreError

logger = logging.getLogger(__name__)

PREVIOUS_YEAR_RULES = frozenset(("V32", "V33", "V35"))


# ---- signatures ----------------------------------------------------------------------------------
def shingle_hashes(record: Record) -> frozenset[int]:
    """The record's shingles as 64-bit hashes (what the index stores)."""
    return frozenset(
        int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")
        for s in record_shingles(record)
    )


def encode(hashes: frozenset[int]) -> str:
    return base64.b64encode(array("Q", sorted(hashes)).tobytes()).decode("ascii")


def decode(text: str) -> frozenset[int]:
    values = array("Q")
    values.frombytes(base64.b64decode(text))
    return frozenset(values)


@dataclass
class Index:
    """One portal's signature file: ``reports`` by prefix, each {street, district, year, primary, files:
    {file key: {shingles, v34: {other doc id: containment}}}}."""

    portal: str
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    _decoded: dict[str, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, portal: str) -> Index:
        if store.latest(keys.signatures(portal)) is None:
            return cls(portal)
        data = store.get_json(keys.signatures(portal))  # an unreachable archive raises: nothing is derived
        return cls(portal, dict(data.get("reports", {})))

    def save(self, store: Store) -> bool:
        return store.put_json(keys.signatures(self.portal), {"reports": self.reports}).created

    def hashes(self, file_key: str, entry: Mapping[str, Any]) -> frozenset[int]:
        if file_key not in self._decoded:
            self._decoded[file_key] = decode(entry["files"][file_key]["shingles"])
        return self._decoded[file_key]

    def put_report(self, report: records.ArchivedReport) -> None:
        """Index the report's records (drops the report when it has none)."""
        primary = report.primary
        if primary is None:
            self.reports.pop(report.prefix, None)
            return
        old = self.reports.get(report.prefix, {}).get("files", {})
        files = {}
        for key, record in report.records.items():
            hashes = shingle_hashes(record)
            self._decoded[key] = hashes
            files[key] = {"shingles": encode(hashes), "v34": dict(old.get(key, {}).get("v34", {}))}
        record = primary[1]
        self.reports[report.prefix] = {
            "street": record.street,
            "district": record.district,
            "year": record.report_year,
            "primary": primary[0],
            "files": files,
        }


def stub(file_key: str, entry: Mapping[str, Any]) -> Record:
    """What the copy rule needs of a record, from its index entry: identity and unit."""
    return Record(doc_id=file_key, street=entry["street"], district=entry["district"], report_year=entry["year"])


@dataclass
class Corpus:
    """Every portal's indexed primaries: the other reports V34 compares against."""

    indexes: dict[str, Index]
    primaries: list[Record] = field(default_factory=list)
    cache: dict[str, frozenset[int]] = field(default_factory=dict)
    template: frozenset[str] = frozenset()
    _postings: dict[int, list[str]] | None = None

    @classmethod
    def load(cls, store: Store, own: Index | None = None) -> Corpus:
        """Every portal's signature file (``own``: this portal's, as updated in memory)."""
        indexes = {} if own is None else {own.portal: own}
        for key in sorted(store.keys(keys.signatures_prefix())):
            portal = keys.portal_of(key)
            if portal and portal not in indexes:
                indexes[portal] = Index.load(store, portal)
        return cls.of(indexes)

    @classmethod
    def of(cls, indexes: dict[str, Index]) -> Corpus:
        corpus = cls(indexes)
        for index in indexes.values():
            for entry in index.reports.values():
                primary = entry["primary"]
                corpus.primaries.append(stub(primary, entry))
                for key in entry["files"]:
                    corpus.cache[key] = index.hashes(key, entry)
        # Template text (shared by many units: no evidence of copying) over every unit's primary report.
        units = ((unit_key(r), corpus.cache[r.doc_id]) for r in corpus.primaries)
        corpus.template = cont.template_shingles(units)  # type: ignore[arg-type]  # hashes stand for shingles
        return corpus

    def v34(self, file_key: str, entry: Mapping[str, Any], against: set[str] | None = None) -> list[Finding]:
        """V34 of one indexed file against every primary (``against``: only those doc ids)."""
        if against is None:
            # Only the primaries sharing enough of the file's own (non-template) shingles can pass the
            # threshold: found through the posting lists instead of comparing with every report.
            own = self.cache[file_key] - self.template
            counts: Counter[str] = Counter()
            for h in own:
                counts.update(self.postings().get(h, ()))
            needed = V34_THRESHOLD * len(own)
            others = [p for p in self.primaries if counts[p.doc_id] >= needed and counts[p.doc_id]]
        else:
            others = [p for p in self.primaries if p.doc_id in against]
        return corpus_findings(stub(file_key, entry), others, self.cache, self.template)  # type: ignore[arg-type]

    def postings(self) -> dict[int, list[str]]:
        """Hashed shingle → the primaries that have it (template text left out), built at the first ask."""
        if self._postings is None:
            self._postings = {}
            for primary in self.primaries:
                for h in self.cache[primary.doc_id] - self.template:
                    self._postings.setdefault(h, []).append(primary.doc_id)
        return self._postings


def partners(findings: Iterable[Finding]) -> dict[str, float]:
    return {str(f.evidence["other_doc_id"]): f.evidence["containment"] for f in findings if f.rule == "V34"}


# ---- a crawl's close -----------------------------------------------------------------------------
def derive_portal(
    store: Store, portal: str, touched: Iterable[str] | None = None, pending: Mapping[str, Record] | None = None
) -> int:
    """Bring ``portal``'s derived findings up to date after its reports ``touched`` (prefixes; None: all of
    the portal's) were (re-)extracted; ``pending``: records extracted but not read back from the store yet.
    Writes only ``portal``'s keys; how many derived objects changed."""
    index = Index.load(store, portal)
    prefixes = records.report_prefixes(store, portal) if touched is None else sorted(set(touched))
    prefixes = [p for p in prefixes if p.startswith(portal + "/")]
    before = {p: index.reports[p]["primary"] for p in prefixes if p in index.reports}
    loaded = {}
    for prefix in prefixes:
        try:
            report = records.archived_report(store, prefix, derived=False)
        except StoreError:
            if store.latest(keys.report_json(prefix)) is not None:
                raise  # archived but unreadable (S3 unreachable): derive nothing rather than drop the report
            index.reports.pop(prefix, None)  # no longer catalogued
            continue
        pending_here = {k: (pending or {})[k] for k in report.meta_keys() if k in (pending or {})}
        report = records.ArchivedReport(report.prefix, report.meta, {**report.records, **pending_here})
        index.put_report(report)
        loaded[prefix] = report
    corpus = Corpus.load(store, index)
    changed = 0
    # The touched reports: everything, from scratch.
    for prefix, report in loaded.items():
        if prefix not in index.reports:
            continue
        entry = index.reports[prefix]
        previous = _previous(store, index, corpus, prefix, loaded)
        for key, record in report.records.items():
            found = corpus.v34(key, entry)
            entry["files"][key]["v34"] = partners(found)
            if previous is not None:
                found += previous_year_findings(record, previous, corpus.cache)  # type: ignore[arg-type]
            changed += records.save_derived(store, key, found)
    # The portal's untouched reports: their findings about the touched ones, and the year after each.
    moved = set(before.values()) | {index.reports[p]["primary"] for p in loaded if p in index.reports}
    for prefix, entry in sorted(index.reports.items()):
        if prefix in loaded:
            continue
        after_touched = records.previous_year(prefix) in loaded
        for key in entry["files"]:
            old = {d: c for d, c in entry["files"][key]["v34"].items() if d in moved}
            found = corpus.v34(key, entry, moved)
            if partners(found) == old and not after_touched:
                continue
            derived = records.load_derived(store, key) or []
            kept = [f for f in derived if not (f.rule == "V34" and f.evidence.get("other_doc_id") in moved)]
            if after_touched:
                kept = [f for f in kept if f.rule not in PREVIOUS_YEAR_RULES]
                found += _previous_year_of(store, index, corpus, prefix, key, loaded)
            unmoved = {d: c for d, c in entry["files"][key]["v34"].items() if d not in moved}
            entry["files"][key]["v34"] = {**unmoved, **partners(found)}
            changed += records.save_derived(store, key, [*kept, *found])
    index.save(store)
    return changed


def _previous(
    store: Store, index: Index, corpus: Corpus, prefix: str, loaded: Mapping[str, records.ArchivedReport]
) -> Record | None:
    """The primary record of the same street's report of the year before, by key (None: none archived)."""
    before = records.previous_year(prefix)
    if before in loaded:
        primary = loaded[before].primary
        return None if primary is None else primary[1]
    entry = index.reports.get(before)
    if entry is None:
        return None
    return records.load_record(store, entry["primary"], with_text=False, derived=False)


def _previous_year_of(
    store: Store, index: Index, corpus: Corpus, prefix: str, key: str, loaded: Mapping[str, records.ArchivedReport]
) -> list[Finding]:
    """V32, V33, V35 of one file of an untouched report whose previous year was touched."""
    record = records.load_record(store, key, with_text=False, derived=False)
    previous = _previous(store, index, corpus, prefix, loaded)
    if record is None or previous is None:
        return []
    return previous_year_findings(record, previous, corpus.cache)  # type: ignore[arg-type]


# ---- scrapy derive -------------------------------------------------------------------------------
def refresh(store: Store, portals: Iterable[str] | None = None) -> int:
    """Refresh the V34 findings of ``portals`` (None: every indexed portal) against every portal's current
    signatures, reading no record: the findings a crawl of another portal changed (a new copy partner).
    Rewrites only the derived objects whose V34 partners changed; how many."""
    corpus = Corpus.load(store)
    changed = 0
    for portal in sorted(corpus.indexes if portals is None else portals):
        index = corpus.indexes.get(portal)
        if index is None:
            continue
        for _prefix, entry in sorted(index.reports.items()):
            for key in entry["files"]:
                found = corpus.v34(key, entry)
                if partners(found) == entry["files"][key]["v34"]:
                    continue
                kept = [f for f in records.load_derived(store, key) or [] if f.rule != "V34"]
                entry["files"][key]["v34"] = partners(found)
                changed += records.save_derived(store, key, [*kept, *found])
        index.save(store)
    return changed


def portals_of(prefixes: Iterable[str]) -> list[str]:
    return sorted({p.split("/", 1)[0] for p in prefixes})


__all__ = ["V34_THRESHOLD", "Corpus", "Index", "derive_portal", "portals_of", "refresh"]
