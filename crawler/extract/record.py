"""The structured record of one parsed report (docs/report-format.md §2): cells, findings, metadata.

Everything here is an immutable value. ``Record.to_dict()`` is the flat JSON object of §2 (metadata keys,
then every table key in document order as a §2.2 cell object, then ``findings``); nothing else in the
package decides a JSON key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Value = int | str | None
CellStatus = Literal["ok", "ocr_fixed", "blank", "missing"]
Severity = Literal["error", "warning", "info"]

SECTION_IDS = ("S1", "S2", "S3", "S4", "S5", "S6")
TABLE_IDS = ("t2", "t3", "t4")


@dataclass(frozen=True)
class Cell:
    """One numeric field (§2.2). ``value`` is an int for counts and a decimal string for 万元 amounts;
    it is None exactly when ``status`` is ``blank`` or ``missing``."""

    value: Value
    raw: str | None
    status: CellStatus
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "raw": self.raw, "status": self.status, "line": self.line}


MISSING = Cell(None, None, "missing", None)


@dataclass(frozen=True)
class Finding:
    """One validation or parse-quality finding (§2.6)."""

    rule: str
    severity: Severity
    table: str | None = None
    keys: tuple[str, ...] = ()
    line: int | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "table": self.table,
            "keys": list(self.keys),
            "line": self.line,
            "evidence": {k: _jsonable(v) for k, v in self.evidence.items()},
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of :meth:`to_dict`."""
        return _finding(data)


@dataclass(frozen=True)
class SectionHit:
    found: bool
    line: int | None = None
    numbering: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"found": self.found, "line": self.line, "numbering": self.numbering}


NOT_FOUND = SectionHit(False)


@dataclass(frozen=True)
class Record:
    """One report. Field names are the §2.1 keys; ``cells`` holds the t2/t3/t4 keys (absent when the table
    is absent) and ``extras`` the few non-cell table keys (``t2_19_procurement_amount_unit``).

    ``text`` (the extracted text, bookmark markers included) is kept for the cross-document rules
    (containment, §4.3); it is not part of the JSON.
    """

    doc_id: str
    source_url: str | None = None
    file_sha256: str | None = None
    text_sha256: str | None = None
    title: str | None = None
    report_year: int | None = None
    street: str | None = None
    street_short: str | None = None
    district: str | None = None
    district_source: str | None = None
    publisher: str | None = None
    publisher_source: str | None = None
    signed_date: dt.date | None = None
    fill_date: dt.date | None = None
    doc_date: dt.date | None = None
    page_date: dt.date | None = None
    url_date: dt.date | None = None
    publish_date: dt.date | None = None
    template_version: str = "none"
    text_layout: str = "no_tables"
    sections: Mapping[str, SectionHit] = field(default_factory=lambda: {s: NOT_FOUND for s in SECTION_IDS})
    tables_present: Mapping[str, bool] = field(default_factory=lambda: dict.fromkeys(TABLE_IDS, False))
    t3_header_has_total: bool | None = None
    t3_alignment: str | None = None
    prose_new_applications: int | None = None
    prose_no_review_litigation: bool | None = None
    deadline: dt.date | None = None
    deadline_status: str = "unknown"
    cells: Mapping[str, Cell] = field(default_factory=dict)
    extras: Mapping[str, str | None] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    text: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        # Read-only views: a frozen dataclass alone would still let callers mutate the dicts.
        for name in ("sections", "tables_present", "cells", "extras"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    def value(self, key: str) -> Value:
        """The value of a table key, None when blank, missing or absent."""
        cell = self.cells.get(key)
        return None if cell is None else cell.value

    def with_findings(self, extra: Iterable[Finding]) -> Record:
        """A copy with ``extra`` appended (cross-document rules are added after single-report extraction)."""
        return dataclasses.replace(self, findings=(*self.findings, *extra))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("cells", "extras", "findings", "text"):
                continue
            value = getattr(self, f.name)
            if f.name == "sections":
                value = {k: hit.to_dict() for k, hit in value.items()}
            elif f.name == "tables_present":
                value = dict(value)
            out[f.name] = _jsonable(value)
        for key, cell in self.cells.items():
            out[key] = cell.to_dict()
        out.update(self.extras)
        out["findings"] = [finding.to_dict() for finding in self.findings]
        return out

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], text: str = "") -> Record:
        """The inverse of :meth:`to_dict` (a stored record read back; ``text`` is stored apart)."""
        kwargs: dict[str, Any] = {}
        cells: dict[str, Cell] = {}
        extras: dict[str, str | None] = {}
        names = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in data.items():
            if key == "findings":
                kwargs[key] = tuple(_finding(f) for f in value)
            elif key == "sections":
                kwargs[key] = {k: SectionHit(**hit) for k, hit in value.items()}
            elif key in names:
                kwargs[key] = dt.date.fromisoformat(value) if key in _DATE_FIELDS and value else value
            elif isinstance(value, Mapping):
                cells[key] = Cell(value["value"], value["raw"], value["status"], value["line"])
            else:
                extras[key] = value
        return cls(**kwargs, cells=cells, extras=extras, text=text)


_DATE_FIELDS = frozenset(("signed_date", "fill_date", "doc_date", "page_date", "url_date", "publish_date", "deadline"))


def _finding(data: Mapping[str, Any]) -> Finding:
    return Finding(
        data["rule"],
        data["severity"],
        data.get("table"),
        tuple(data.get("keys") or ()),
        data.get("line"),
        dict(data.get("evidence") or {}),
        data.get("message", ""),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
